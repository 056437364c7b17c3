"""Deeply nested JSON at the real hub: one error frame and one log line each, never a traceback."""

from __future__ import annotations

import logging

import pytest

from signaling import protocol as p
from tests.fixtures.hub import RunningHub

from .test_app_limits import hello, open_raw, refused

DEEP_FRAMES = [
    "[" * 1000 + "]" * 1000,
    '{"type":"hello","protocol_version":1,"x":' + '{"a":' * 1000 + "1" + "}" * 1000 + "}",
    '{"type":"request_consultation","category_id":"juminhyo","language":'
    + "[" * 3000
    + "]" * 3000
    + "}",
    "[" * 30_000,  # never closed, just under the frame cap
]


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info or r.stack_info] == []
    assert not any("Traceback" in r.getMessage() for r in caplog.records)


def logged_refusals(caplog: pytest.LogCaptureFixture) -> int:
    return sum("nested deeper than" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("frame", DEEP_FRAMES, ids=["array", "object", "field", "unclosed"])
async def test_a_deep_frame_instead_of_hello_is_refused_cleanly(
    hub: RunningHub, caplog: pytest.LogCaptureFixture, frame: str
) -> None:
    caplog.set_level(logging.INFO)
    ws = await open_raw(hub)
    await ws.send(frame)
    await refused(ws, p.ErrorCode.BAD_MESSAGE)  # the protocol's rule before hello: close 4400
    no_tracebacks(caplog)
    assert logged_refusals(caplog) == 1


async def test_deep_frames_after_hello_are_answered_and_the_connection_lives_on(
    hub: RunningHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ws = await open_raw(hub)
    assert isinstance(await hello(ws, token=hub.demo.kiosks[0].token), p.Welcome)
    assert isinstance(p.decode_server(await ws.recv()), p.Directory)
    for frame in DEEP_FRAMES:
        await ws.send(frame)
    errors = [p.decode_server(await ws.recv()) for _ in DEEP_FRAMES]
    assert [e.code for e in errors if isinstance(e, p.Error)] == [p.ErrorCode.BAD_MESSAGE] * len(
        DEEP_FRAMES
    )
    await ws.send(p.encode(p.RequestConsultation(category_id="juminhyo", language="ja")).decode())
    assert isinstance(p.decode_server(await ws.recv()), p.Queued)
    await ws.close()
    no_tracebacks(caplog)
    assert logged_refusals(caplog) == len(DEEP_FRAMES)
