"""Fuzz the protocol's decoders and a live hub with a million frames; count what got through.

Frames are made as in tests/signaling/test_fuzz.py (tests/signaling/fuzzing.py): a valid message
of a random type, built from the protocol's own Struct types, then left valid or broken (a wrong
type, a value out of range, a missing or unknown field, an unknown tag, deep nesting, a huge
string, truncation, a flipped byte, random bytes). Two parts:

1. decoders: ``--decoder`` frames (1,000,000 by default), each through ``decode_client`` or
   ``decode_server`` in turn. Anything but a message or a RemoteProtocolError is unhandled.
2. live: ``--live`` client frames (1,000,000 by default) over real sockets to a real hub (in
   this process, on a throwaway database), from two kiosks and a staff member at once, in
   batches with flow control: after each batch a marker must come back answered before the next
   batch, so every frame was processed. Every log record of ERROR or with a traceback is
   counted as unhandled.

Run from the repository root:
    .venv/bin/python -m bench.fuzz --quick
    .venv/bin/python -m bench.fuzz --write-docs
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp.test_utils import TestServer

from bench.performance_doc import write_section
from signaling import protocol as p
from signaling.app import create_app
from signaling.demo import seed_demo
from signaling.settings import Settings
from signaling.store import Store
from tests.fixtures.hub import always_open_demo_city
from tests.signaling.fuzzing import LiveTally, fuzz_connection, mutate, random_message

SECTION = "## Fuzz"
BATCH = 100
UNLIMITED = 1_000_000_000  # the rate limit is tested on its own; the fuzz measures parsing


@dataclass
class DecoderTally:
    frames: int = 0
    messages: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    unhandled: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def fuzz_decoders(count: int, seed: int) -> DecoderTally:
    tally = DecoderTally()
    rng = random.Random(seed)
    sides = [(p.decode_client, p.ClientMessage), (p.decode_server, p.ServerMessage)]
    started = time.perf_counter()
    for n in range(count):
        decode, union = sides[n % 2]
        frame = mutate(random_message(union, rng), rng)
        try:
            decode(frame)
            tally.messages += 1
        except p.RemoteProtocolError as exc:
            tally.refused[exc.code] += 1
        except Exception as exc:  # the finding this bench exists for
            tally.unhandled[type(exc).__name__] += 1
            if sum(tally.unhandled.values()) <= 3:
                traceback.print_exc()
                print(f"frame: {frame[:300]!r}", file=sys.stderr)
        tally.frames += 1
    tally.seconds = time.perf_counter() - started
    return tally


class Complaints(logging.Handler):
    """Every record of ERROR or above, or with a traceback, from anything in the process."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info or record.stack_info:
            self.records.append(record)


@dataclass
class LiveResult:
    tally: LiveTally
    complaints: list[logging.LogRecord]
    seconds: float


async def fuzz_live(count: int, seed: int, workdir: Path) -> LiveResult:
    settings = Settings(
        var_dir=str(workdir / "var"),
        port=0,
        rate_limit_per_second=UNLIMITED,
        rate_limit_burst=UNLIMITED,
    )
    os.makedirs(settings.var_dir, exist_ok=True)
    store = await Store.open(settings.database_url)
    try:
        demo = await seed_demo(store)
        await store.replace_directory(always_open_demo_city(), actor="bench", now=0)
    finally:
        await store.close()
    complaints = Complaints()
    logging.getLogger().addHandler(complaints)
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    url = f"ws://127.0.0.1:{server.port}/ws"
    hellos = [
        p.Hello(protocol_version=p.PROTOCOL_VERSION, token=demo.kiosks[0].token),
        p.Hello(protocol_version=p.PROTOCOL_VERSION, token=demo.kiosks[1].token),
        p.Hello(protocol_version=p.PROTOCOL_VERSION, username="tanaka", password="tanaka-demo"),
    ]
    tally = LiveTally()
    started = time.perf_counter()
    try:
        await asyncio.gather(
            *(
                fuzz_connection(
                    url,
                    hello,
                    client_frames(seed + n, share(count, len(hellos), n), settings.max_frame_bytes),
                    BATCH,
                    tally,
                )
                for n, hello in enumerate(hellos)
            )
        )
    finally:
        seconds = time.perf_counter() - started
        await server.close()
        logging.getLogger().removeHandler(complaints)
    return LiveResult(tally, complaints.records, seconds)


def share(count: int, parts: int, n: int) -> int:
    """Part ``n`` of ``count`` split as evenly as can be into ``parts``."""
    return count // parts + (n < count % parts)


def client_frames(seed: int, count: int, limit: int) -> Iterator[bytes]:
    """Mutated client frames; those over the frame cap are made again (aiohttp closes the
    socket on them: tests/signaling/test_app_limits.py)."""
    rng = random.Random(seed)
    made = 0
    while made < count:
        frame = mutate(random_message(p.ClientMessage, rng), rng)
        if len(frame) <= limit:
            made += 1
            yield frame


def report(decoders: DecoderTally, live: LiveResult, command: str, load: str) -> str:
    d, t = decoders, live.tally
    unhandled_live = len(live.complaints)
    refused = ", ".join(f"{code} {n:,}" for code, n in d.refused.most_common())
    answered = ", ".join(f"{code} {n:,}" for code, n in t.errors.most_common())
    total = d.frames + t.frames
    decoder_row = " | ".join(
        [
            "decoders (`decode_client`, `decode_server`)",
            f"{d.frames:,}",
            f"{d.messages:,}",
            f"{sum(d.unhandled.values())}",
            f"{d.frames / d.seconds:,.0f}",
        ]
    )
    live_row = " | ".join(
        [
            f"live hub, 3 clients, batches of {BATCH} with flow control",
            f"{t.frames:,}",
            f"{t.frames - sum(t.errors.values()):,}",
            f"{unhandled_live}",
            f"{t.frames / live.seconds:,.0f}",
        ]
    )
    return f"""{SECTION}

`{command}` on {os.cpu_count()} cores, load average before the run {load}.
{total:,} frames in all, made from the protocol's own types and then broken
(tests/signaling/fuzzing.py). The hub and the fuzzing clients share one process and one core; the
hub logs at WARNING for the run (its INFO line per refused frame costs time), and every record of
ERROR or with a traceback is still counted.

| part | frames | not refused | unhandled exceptions | frames/s |
|---|---:|---:|---:|---:|
| {decoder_row} |
| {live_row} |

- Decoders refused: {refused}.
- The live hub answered {t.answers:,} frames in {t.batches:,} batches; its errors: {answered}.
- Unhandled means an exception other than `RemoteProtocolError` from a decoder, or any log
  record of ERROR or with a traceback from the hub ({unhandled_live} here).
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--decoder", type=int, default=1_000_000, help="frames to the decoders")
    parser.add_argument("--live", type=int, default=1_000_000, help="frames to the live hub")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="20,000 and 3,000 frames")
    parser.add_argument("--write-docs", action="store_true", help=f"write {SECTION!r}")
    args = parser.parse_args()
    if args.quick:
        args.decoder, args.live = 20_000, 3_000
    logging.basicConfig(level=logging.WARNING)  # the hub's per-frame INFO lines cost time
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    decoders = fuzz_decoders(args.decoder, args.seed)
    print(f"decoders: {decoders}")
    with tempfile.TemporaryDirectory(prefix="madoguchi-fuzz-") as workdir:
        live = asyncio.run(fuzz_live(args.live, args.seed, Path(workdir)))
    print(f"live: {live.tally}, {live.seconds:.1f} s")
    command = " ".join([".venv/bin/python -m bench.fuzz", *sys.argv[1:]])
    section = report(decoders, live, command, load)
    print(section)
    if args.write_docs:
        write_section(section)
    failed = sum(decoders.unhandled.values()) + len(live.complaints)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
