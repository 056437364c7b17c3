"""The bounded fuzz: the decoders, then a real hub over real sockets (bench/fuzz.py runs a million).

Frames come from the protocol's own types (tests/signaling/fuzzing.py): valid messages, then
mutated. The decoders must return a message or raise RemoteProtocolError, nothing else; the hub
must answer every frame, log no traceback, and still serve a normal client afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

from signaling import protocol as p
from tests.fixtures.hub import RunningHub

from .fuzzing import LiveTally, frames, fuzz_connection, messages, mutate, random_message
from .test_app_limits import hello, open_raw
from .test_switchboard_invariants import KIOSKS, SwitchboardMachine

DECODERS = [(p.decode_client, p.ClientMessage), (p.decode_server, p.ServerMessage)]
FUZZ = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIVE_FRAMES = 3000  # per connection; three connections
LIVE_BATCH = 50


REFUSALS = (p.ErrorCode.BAD_MESSAGE, p.ErrorCode.UNKNOWN_TYPE, p.ErrorCode.FRAME_TOO_LARGE)


def decodes_or_refuses(decode: Callable[[bytes], Any], union: Any, frame: bytes | str) -> None:
    """A message of the union, or a RemoteProtocolError with a refusal's code: nothing else."""
    code = None
    try:
        message = decode(frame)  # type: ignore[arg-type]
    except p.RemoteProtocolError as exc:
        code = exc.code
    if code is None:
        assert isinstance(message, union.__args__)
    else:
        assert code in REFUSALS


@pytest.mark.parametrize(("decode", "union"), DECODERS, ids=["client", "server"])
def test_a_valid_message_of_any_type_survives_the_round_trip(
    decode: Callable[[bytes], Any], union: Any
) -> None:
    @FUZZ
    @given(messages(union))
    def check(message: Any) -> None:
        assert decode(p.encode(message)) == message

    check()


@pytest.mark.parametrize(("decode", "union"), DECODERS, ids=["client", "server"])
def test_a_mutated_frame_is_a_message_or_a_protocol_error(
    decode: Callable[[bytes], Any], union: Any
) -> None:
    @FUZZ
    @given(frames(union))
    def check(frame: bytes) -> None:
        decodes_or_refuses(decode, union, frame)
        # The hub's reader hands aiohttp's str over; invalid UTF-8 arrives as lone surrogates.
        decodes_or_refuses(decode, union, frame.decode("utf-8", "surrogateescape"))

    check()


@pytest.mark.parametrize(("decode", "union"), DECODERS, ids=["client", "server"])
def test_the_bench_generator_makes_only_valid_messages(
    decode: Callable[[bytes], Any], union: Any
) -> None:
    rng = random.Random(12)
    for _ in range(2000):
        message = random_message(union, rng)
        assert decode(p.encode(message)) == message
        decodes_or_refuses(decode, union, mutate(message, rng))


class FuzzedSwitchboard(SwitchboardMachine):
    """The switchboard's invariants machine, whose random clients may also send any valid
    message of the protocol, often about their own session so that it lands in a real state."""

    @rule(
        kind=st.sampled_from("ks"),
        n=st.sampled_from(KIOSKS),
        message=messages(p.ClientMessage),
        own_session=st.booleans(),
    )
    def any_message(self, kind: str, n: int, message: Any, own_session: bool) -> None:
        if own_session and hasattr(message, "session_id"):
            message = msgspec.structs.replace(message, session_id=self._session_of(kind, n))
        self._send(kind, n, message)


FuzzedSwitchboard.TestCase.settings = settings(
    max_examples=150, stateful_step_count=60, deadline=None
)
test_the_switchboard_keeps_its_invariants_under_any_message = FuzzedSwitchboard.TestCase


def live_frames(seed: int, count: int, limit: int) -> list[bytes]:
    """Client frames for one connection; those over the hub's frame cap are left out (aiohttp
    closes the socket on them, tested in test_app_limits)."""
    rng = random.Random(seed)
    made = (mutate(random_message(p.ClientMessage, rng), rng) for _ in range(count * 2))
    return [frame for frame in made if len(frame) <= limit][:count]


async def test_the_hub_answers_every_fuzzed_frame_without_a_traceback(
    hub_factory: Callable[..., Coroutine[Any, Any, RunningHub]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    # The fuzz measures parsing and the switchboard, not the rate limit (tested on its own).
    hub = await hub_factory(rate_limit_per_second=1_000_000, rate_limit_burst=1_000_000)
    limit = hub.settings.max_frame_bytes
    tally = LiveTally()
    clients = [
        p.Hello(protocol_version=p.PROTOCOL_VERSION, token=hub.demo.kiosks[0].token),
        p.Hello(protocol_version=p.PROTOCOL_VERSION, token=hub.demo.kiosks[1].token),
        p.Hello(protocol_version=p.PROTOCOL_VERSION, username="tanaka", password="tanaka-demo"),
    ]
    await asyncio.gather(
        *(
            fuzz_connection(hub.url, hello_, live_frames(n, LIVE_FRAMES, limit), LIVE_BATCH, tally)
            for n, hello_ in enumerate(clients)
        )
    )
    assert tally.frames == LIVE_FRAMES * len(clients)
    assert tally.errors[p.ErrorCode.BAD_MESSAGE] > 0  # the mutations did reach the decoder
    assert [r.getMessage() for r in caplog.records if r.exc_info or r.stack_info] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []

    # Still serving: a kiosk the fuzz never used logs in and queues a citizen.
    ws = await open_raw(hub)
    assert isinstance(await hello(ws, token=hub.demo.kiosks[2].token), p.Welcome)
    assert isinstance(p.decode_server(await ws.recv()), p.Directory)
    await ws.send(p.encode(p.RequestConsultation(category_id="juminhyo", language="ja")).decode())
    assert isinstance(p.decode_server(await ws.recv()), p.Queued)
    await ws.close()
    async with aiohttp.ClientSession() as http, http.get(f"{hub.http}/healthz") as response:
        assert response.status == 200
        assert msgspec.json.decode(await response.read())["status"] == "ok"
