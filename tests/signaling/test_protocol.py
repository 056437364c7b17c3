"""The wire format: golden JSON examples round-trip, and bad frames get typed errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import msgspec
import pytest

from signaling import protocol as p

GOLDEN = Path(__file__).parent / "golden"
DOCS = Path(__file__).parents[2] / "docs" / "protocol.md"
CLIENT_TAGS = {t.__struct_config__.tag for t in p.ClientMessage.__args__}  # type: ignore[attr-defined]
SERVER_TAGS = {t.__struct_config__.tag for t in p.ServerMessage.__args__}  # type: ignore[attr-defined]


def golden_files() -> list[Path]:
    return sorted(GOLDEN.glob("*.json"))


@pytest.mark.parametrize("path", golden_files(), ids=lambda path: path.stem)
def test_golden_example_round_trips_exactly(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    tag = path.stem
    decode = p.decode_client if tag in CLIENT_TAGS else p.decode_server
    message = decode(text.encode())
    assert p.type_of(message) == tag
    assert json.loads(p.encode(message)) == json.loads(text)


def test_every_message_type_has_a_golden_example() -> None:
    assert {path.stem for path in golden_files()} == CLIENT_TAGS | SERVER_TAGS


def test_every_message_and_error_code_is_documented() -> None:
    documented = set(re.findall(r"`([a-z_]+)`", DOCS.read_text(encoding="utf-8")))
    assert CLIENT_TAGS | SERVER_TAGS <= documented
    assert {code.value for code in p.ErrorCode} <= documented
    assert {reason.value for reason in p.EndReason} <= documented


def test_relayed_messages_are_valid_in_both_directions() -> None:
    offer = p.SdpOffer(session_id="s", sdp="v=0")
    assert p.decode_client(p.encode(offer)) == offer
    assert p.decode_server(p.encode(offer)) == offer


def test_unknown_fields_are_ignored() -> None:
    message = p.decode_client(b'{"type":"accept","session_id":"s","from_the_future":1}')
    assert message == p.Accept(session_id="s")


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b'{"type":"launch_rockets"}', p.ErrorCode.UNKNOWN_TYPE),
        (b'{"type":"welcome","protocol_version":1}', p.ErrorCode.UNKNOWN_TYPE),
        (b"{not json", p.ErrorCode.BAD_MESSAGE),
        (b"[]", p.ErrorCode.BAD_MESSAGE),
        (b'{"session_id":"s"}', p.ErrorCode.BAD_MESSAGE),
        (b'{"type":"accept"}', p.ErrorCode.BAD_MESSAGE),
        (b'{"type":"submit_survey","session_id":"s","score":0}', p.ErrorCode.BAD_MESSAGE),
        (b'{"type":"set_presence","presence":"asleep"}', p.ErrorCode.BAD_MESSAGE),
        (
            b'{"type":"request_consultation","category_id":"c","language":"x"}',
            p.ErrorCode.BAD_MESSAGE,
        ),
    ],
)
def test_a_bad_frame_raises_the_error_code_to_send_back(frame: bytes, code: p.ErrorCode) -> None:
    with pytest.raises(p.RemoteProtocolError) as info:
        p.decode_client(frame)
    assert info.value.code is code


def test_a_frame_over_the_cap_is_refused_before_parsing() -> None:
    frame = b'{"type":"sdp_offer","session_id":"s","sdp":"' + b"a" * p.MAX_FRAME_BYTES + b'"}'
    with pytest.raises(p.RemoteProtocolError) as info:
        p.decode_client(frame)
    assert info.value.code is p.ErrorCode.FRAME_TOO_LARGE


def test_notes_longer_than_the_limit_are_refused() -> None:
    note = "あ" * (p.MAX_NOTE_CHARS + 1)
    frame = msgspec.json.encode(
        {"type": "transfer", "session_id": "s", "department_id": "d", "note": note}
    )
    with pytest.raises(p.RemoteProtocolError):
        p.decode_client(frame)


def test_secrets_never_appear_in_reprs() -> None:
    hello = p.Hello(protocol_version=1, username="tanaka", password="hunter2", token="tok-secret")
    welcome = p.Welcome(
        protocol_version=1,
        role=p.Role.STAFF,
        principal_id="u",
        display_name="d",
        resume_token="resume-secret",
        session_token="session-secret",
    )
    assert "hunter2" not in repr(hello)
    assert "secret" not in repr(hello)
    assert "secret" not in repr(welcome)


def test_every_fatal_error_has_a_4xxx_close_code() -> None:
    for code in p.FATAL_ERRORS - {p.ErrorCode.REPLACED}:
        assert 4400 <= p.CLOSE_CODES[code] < 4500
