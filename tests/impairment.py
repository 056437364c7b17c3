"""A kiosk on a bad network: a lab of network namespaces, the impairments this kernel can make
without netem, and a real call across them between two `madoguchi-bot` processes.

The kiosk has a namespace of its own, joined by one veth pair to the center's, where the hub
(in this process, on a socket opened there) and the staff member's bot are. The impairments act
on that wire, both ways, on everything that crosses it (media and signaling alike, as on a bad
line):

- loss: nftables in the netdev ingress hook of each veth end drops `numgen random mod 100 < N`
  of the packets. At ingress rather than in the kiosk's output hook, because a packet dropped on
  output fails sendto() with EPERM at once, which no real network does;
- a rate cap: tc tbf on the egress of both veth ends, with a queue of `TBF_LATENCY`;
- a blackout: the same ingress hooks drop everything until the rule goes. The kiosk's whole
  network goes dark, its hub link too, so the signaling has to come back as well as the media.

Used by tests/call/test_impaired_network.py and bench/impaired_network.py. Times are monotonic
seconds, the clock every process on the machine shares.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from call.bot import SUMMARY_PREFIX
from signaling.app import create_app
from signaling.demo import DemoCredentials
from signaling.settings import Settings
from tests.fixtures.engines import STAFF, seed_one_of_each
from tests.netns import Lab, listening_socket, run

ROOT = Path(__file__).resolve().parents[1]
CENTER_ADDRESS = "10.214.0.1"  # the hub and the staff PC
KIOSK_ADDRESS = "10.214.0.2"
TBF_BURST = "16kb"  # a dozen full packets at line rate, as a small router lets through
TBF_LATENCY = "200ms"  # the longest a packet may queue before tbf drops it
# The camera both bots send: a kiosk's 720p, which aiortc's encoder takes past 1 Mbit/s on a
# clean wire within 20 to 30 s (its bitrate grows with REMB), so a 1 Mbit/s cap bites. Half a
# core per bot; LIGHT_VIDEO, a quarter of that, where the bitrate does not matter.
VIDEO = "1280x720@30"
LIGHT_VIDEO = "640x480@15"
CONNECTED = "= connected in"  # the bot's log line when the call is up and the first frame came


@dataclass
class ImpairedLab:
    """The kiosk's namespace and the center's, one veth pair between them."""

    lab: Lab
    kiosk: str
    center: str
    ends: tuple[tuple[str, str], ...]  # (namespace, device) at each end of the wire

    @classmethod
    def build(cls) -> ImpairedLab:
        lab = Lab()
        try:
            center, kiosk = lab.namespace("center"), lab.namespace("kiosk")
            lab.link(center, [f"{CENTER_ADDRESS}/24"], kiosk, [f"{KIOSK_ADDRESS}/24"])
            ends = tuple((namespace, _veth(namespace)) for namespace in (center, kiosk))
            return cls(lab, kiosk, center, ends)
        except BaseException:
            lab.close()
            raise

    def loss(self, percent: int) -> None:
        """Drop `percent` % of the packets at random, each way."""
        self._ingress(f"numgen random mod 100 < {percent} drop")

    def blackout(self) -> None:
        """Drop every packet, each way, until `clear`."""
        self._ingress("drop")

    def cap(self, kbit: int) -> None:
        """Send at most `kbit` kbit/s each way; a packet that would queue longer is dropped."""
        for namespace, device in self.ends:
            run(
                "tc", "-n", namespace, "qdisc", "replace", "dev", device, "root", "tbf",
                "rate", f"{kbit}kbit", "burst", TBF_BURST, "latency", TBF_LATENCY,
            )  # fmt: skip

    def clear(self) -> None:
        """The wire as it was: no loss, no cap, no blackout."""
        for namespace, device in self.ends:
            # Adding first makes the delete succeed whether or not the table is there.
            self.lab.nft(namespace, "add table netdev wire\ndelete table netdev wire\n")
            subprocess.run(
                ["tc", "-n", namespace, "qdisc", "del", "dev", device, "root"],
                capture_output=True,
                timeout=10,
            )  # fails harmlessly when there is no cap

    def close(self) -> None:
        self.lab.close()

    def _ingress(self, rule: str) -> None:
        self.clear()
        for namespace, device in self.ends:
            self.lab.nft(
                namespace,
                "table netdev wire {\n"
                f'  chain ingress {{ type filter hook ingress device "{device}" priority filter;'
                f" policy accept; {rule}; }}\n"
                "}\n",
            )


def _veth(namespace: str) -> str:
    listing = subprocess.run(
        ["ip", "-n", namespace, "-brief", "link", "show", "type", "veth"],
        check=True,
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout
    (line,) = listing.splitlines()
    return line.split()[0].split("@")[0]


@dataclass
class LabHub:
    url: str
    demo: DemoCredentials


@asynccontextmanager
async def lab_hub(lab: ImpairedLab, var_dir: Path) -> AsyncIterator[LabHub]:
    """A real hub serving in the center's namespace, with one staff member and one kiosk."""
    settings = Settings(var_dir=str(var_dir), port=0)
    demo = await seed_one_of_each(settings)
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    sock = listening_socket(lab.center, CENTER_ADDRESS)
    try:
        await web.SockSite(runner, sock).start()
        yield LabHub(f"ws://{CENTER_ADDRESS}:{sock.getsockname()[1]}/ws", demo)
    finally:
        await runner.cleanup()


@dataclass
class BotRun:
    """A bot process, its log as it comes, and when its call connected."""

    process: asyncio.subprocess.Process
    log: Path
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    connected_at: float = 0.0
    summary: dict[str, Any] | None = None
    report: dict[str, Any] = field(default_factory=dict)  # its one call's, once it has exited
    _readers: list[asyncio.Task[None]] = field(default_factory=list)

    async def read(self) -> None:
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self._readers = [
            asyncio.create_task(self._read_log(self.process.stderr)),
            asyncio.create_task(self._read_summary(self.process.stdout)),
        ]

    async def finish(self) -> dict[str, Any]:
        """The bot's one call report, once it has exited."""
        await asyncio.gather(*self._readers)
        code = await self.process.wait()
        assert code == 0, self.log.read_text()[-4000:]
        assert self.summary is not None, self.log.read_text()[-4000:]
        calls: list[dict[str, Any]] = self.summary["calls"]
        assert len(calls) == 1, calls
        self.report = calls[0]
        return self.report

    def seconds(self, at: float) -> float:
        """A monotonic time as seconds since this bot's call connected: its report's clock."""
        return at - self.connected_at

    async def _read_log(self, stream: asyncio.StreamReader) -> None:
        with self.log.open("w") as log:
            async for raw in stream:
                line = raw.decode(errors="replace")
                log.write(line)
                if CONNECTED in line and not self.connected.is_set():
                    self.connected_at = time.monotonic()
                    self.connected.set()

    async def _read_summary(self, stream: asyncio.StreamReader) -> None:
        async for raw in stream:
            line = raw.decode(errors="replace")
            if line.startswith(SUMMARY_PREFIX):
                self.summary = json.loads(line.removeprefix(SUMMARY_PREFIX))


async def start_bot(
    lab: ImpairedLab, namespace: str, log: Path, *args: str, video: str = VIDEO
) -> BotRun:
    process = await asyncio.create_subprocess_exec(
        *lab.lab.command(namespace, sys.executable, "-m", "call.bot", *args),
        "--video", video, "--summary", "--timeout", "30",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    bot = BotRun(process, log)
    await bot.read()
    return bot


@asynccontextmanager
async def call_across(
    lab: ImpairedLab, hub: LabHub, seconds: float, logs: Path, video: str = VIDEO
) -> AsyncIterator[tuple[BotRun, BotRun]]:
    """A kiosk and a staff member in a call of `seconds`, from when it connects; yields the two
    bots (kiosk, staff) once both are connected, and waits for their ends on the way out."""
    account = next(a for a in hub.demo.accounts if a.username == STAFF)
    kiosk = await start_bot(
        lab, lab.kiosk, logs / "kiosk.log",
        "kiosk", "--server", hub.url, "--token", hub.demo.kiosks[0].token, "--survey", "0",
        video=video,
    )  # fmt: skip
    staff = await start_bot(
        lab, lab.center, logs / "staff.log",
        "staff", "--server", hub.url, "--username", STAFF, "--password", account.password,
        "--hang-up-after", str(seconds), video=video,
    )  # fmt: skip
    try:
        async with asyncio.timeout(60):
            await asyncio.gather(kiosk.connected.wait(), staff.connected.wait())
        yield kiosk, staff
        async with asyncio.timeout(seconds + 60):
            await asyncio.gather(kiosk.finish(), staff.finish())
    finally:
        for bot in (kiosk, staff):
            if bot.process.returncode is None:
                bot.process.kill()
                await bot.process.wait()


# --- Figures from a bot's call report, over a window of its own clock -------------------------


def fps(report: dict[str, Any], start: float, end: float) -> float:
    """Frames received per second, on average over the whole seconds from `start` to `end`."""
    seconds: list[int] = report["frames_per_second"][int(start) : int(end)]
    return round(statistics.fmean(seconds), 1) if seconds else 0.0


def kbps(report: dict[str, Any], start: float, end: float, *, sent: bool) -> float | None:
    """The median camera bitrate sent (or received) in the stats samples from `start` to `end`."""
    rates = [s if sent else r for at, s, r in report["video_kbps"] if start <= at <= end]
    known = [rate for rate in rates if rate is not None]
    return round(statistics.median(known)) if known else None


def frozen(report: dict[str, Any], start: float, end: float) -> float:
    """Seconds of freezes (call/media_watch.py) inside the window."""
    freezes: list[tuple[float, float]] = report["freezes"]
    overlaps = (min(end, began + length) - max(start, began) for began, length in freezes)
    return round(sum(overlap for overlap in overlaps if overlap > 0), 2)


def recovery(report: dict[str, Any], dark_from: float, dark_until: float) -> tuple[float, float]:
    """For a blackout: how long the picture froze, and the seconds from the blackout's end to
    the first frame after it (0 if frames were already coming when it ended)."""
    freezes: list[tuple[float, float]] = report["freezes"]
    for began, length in freezes:
        if began <= dark_until and began + length >= dark_from:
            return length, round(max(0.0, began + length - dark_until), 2)
    return 0.0, 0.0


def camera_fps(video: str) -> float:
    """The frame rate in a bot's --video WIDTHxHEIGHT@FPS."""
    return float(video.partition("@")[2])


def frames_after(report: dict[str, Any], at: float) -> int:
    """Frames received in the whole seconds after `at`."""
    seconds: Sequence[int] = report["frames_per_second"][int(at) + 1 :]
    return sum(seconds)
