"""The wire format: golden JSON examples round-trip, and bad frames get typed errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

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


def nested(levels: int, kind: str) -> str:
    opener, closer = ("[", "]") if kind == "array" else ('{"a":', "}")
    return opener * levels + "1" + closer * levels


# Where a deep value can hide in a frame: each a template with {} for the value.
DEEP_PLACES = [
    "{}",  # the whole frame
    '{{"type":"hello","protocol_version":1,"from_the_future":{}}}',  # an ignored field
    '{{"type":"hello","protocol_version":1,"app":{}}}',  # a typed field
    '{{"type":"report_stats","session_id":"s","tracks":[{}]}}',  # inside a list of structs
    '{{"type":{},"session_id":"s"}}',  # the tag itself
    '{{"type":"queue_snapshot","entries":{}}}',  # a server message
    '{{"type":"launch_rockets","x":{}}}',  # an unknown type: the second decode
]


@pytest.mark.parametrize("levels", [p.MAX_DEPTH + 1, 1000, 100_000])
@pytest.mark.parametrize("kind", ["array", "object"])
@pytest.mark.parametrize("place", DEEP_PLACES)
@pytest.mark.parametrize("decode", [p.decode_client, p.decode_server])
def test_deep_nesting_anywhere_is_a_typed_error_not_a_crash(
    decode: Any, place: str, kind: str, levels: int
) -> None:
    frame = place.format(nested(levels, kind))
    too_large = len(frame.encode()) > p.MAX_FRAME_BYTES
    for data in (frame, frame.encode()):
        with pytest.raises(p.RemoteProtocolError) as info:
            decode(data)
        assert info.value.code is (
            p.ErrorCode.FRAME_TOO_LARGE if too_large else p.ErrorCode.BAD_MESSAGE
        )


@pytest.mark.parametrize("levels", [p.MAX_DEPTH + 1, 1000, 100_000])
@pytest.mark.parametrize("kind", ["array", "object"])
def test_the_depth_scan_itself_catches_any_depth(kind: str, levels: int) -> None:
    """Beyond the frame cap too, so the scan does not lean on it."""
    assert p.too_deep(nested(levels, kind).encode())
    assert p.too_deep(("[" * levels).encode())  # never closed


@pytest.mark.parametrize(
    "frame",
    [
        nested(p.MAX_DEPTH, "array"),
        nested(p.MAX_DEPTH, "object"),
        "[" + "[],{}," * 200 + "1]",  # many brackets, all shallow
        '["' + "[{" * 100 + '"]',  # brackets inside a string do not count
        '["\\"' + "[" * 100 + '",1]',  # nor after an escaped quote
        '["\\\\",' + nested(p.MAX_DEPTH - 1, "array") + "]",  # an escaped backslash ends no string
    ],
)
def test_deep_enough_frames_and_brackets_in_strings_pass_the_scan(frame: str) -> None:
    assert not p.too_deep(frame.encode())
    json.loads(frame)  # the cases are valid JSON


def test_strings_full_of_brackets_still_decode() -> None:
    note = "[{" * 500 + '\\"]}' * 100
    message = p.Transfer(session_id="s", department_id="d", note=note[: p.MAX_NOTE_CHARS])
    assert p.decode_client(p.encode(message)) == message


def test_deep_nesting_after_an_escaped_backslash_is_caught() -> None:
    frame = '["\\\\",' + nested(p.MAX_DEPTH + 1, "array") + "]"
    json.loads(frame)
    assert p.too_deep(frame.encode())


def test_any_failure_inside_the_decoder_becomes_a_bad_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Exploding:
        def decode(self, data: bytes) -> None:
            raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(p, "_client_decoder", Exploding())
    with pytest.raises(p.RemoteProtocolError) as info:
        p.decode_client(b'{"type":"accept_next"}')
    assert info.value.code is p.ErrorCode.BAD_MESSAGE


def test_a_lone_surrogate_is_a_bad_message() -> None:
    with pytest.raises(p.RemoteProtocolError) as info:
        p.decode_client('{"type":"accept","session_id":"\ud800"}')
    assert info.value.code is p.ErrorCode.BAD_MESSAGE
