"""Consecutive scripted calls with media through a real hub, and what each process's memory did.

    .venv/bin/python -m bench.calls --calls 5                  # a smoke test, about half a minute
    .venv/bin/python -m bench.calls --write-docs               # 1,000 calls, about an hour
    .venv/bin/python -m bench.calls --minutes 60 --write-docs  # the soak: calls for an hour

The hub is ``python -m signaling`` in its own process, on a throwaway database with the demo
city open around the clock. A kiosk bot and a staff bot (``python -m call.bot``, synthetic camera
and voice, loopback ICE) hold call after call through it, each in one process for the whole run,
so that a leak in the engine shows: the kiosk asks, the staff member accepts, sends a text that
the kiosk answers, hangs up after ``--hang-up-after`` seconds and wraps up, and the kiosk rates
the call. Each bot prints a JSON report per call; bench/call_outcomes.py judges and classifies
them. A bot that fails is restarted and the run goes on; when neither finishes a call for
``--stall`` seconds, both are. The RSS of the hub and of both bots is read from /proc every
``--sample-every`` seconds.

The baseline, measured in the same run, is the run's own start: the first 100 calls against
the last 100, and each process's RSS after ``--warm-up`` minutes against its RSS at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shlex
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from bench.call_outcomes import Failure, Tally, classify_exit, current_session, excerpt
from bench.calls_report import Run, Sample, report_sections
from bench.performance_doc import REPO, write_section
from bench.signaling_load import BenchError, Server, free_port, load_average
from call.bot import CALL_PREFIX, FAILED_PREFIX
from signaling.demo import demo_directory, seed_demo
from signaling.directory import ALWAYS_OPEN, Directory
from signaling.settings import Settings
from signaling.store import Store

STAFF_USERNAME = "tanaka"  # a demo staff member of "shimin"
CATEGORY = "juminhyo"  # one of shimin's categories
ROLES = ("kiosk", "staff")
RESTART_PAUSE = 1.0  # seconds before a failed bot is started again
ALWAYS = ALWAYS_OPEN  # a run may cross closing time


@dataclass(frozen=True)
class Options:
    # The run ends once it has held this many calls and lasted this many minutes; None for
    # either means no such bound.
    calls: int | None
    minutes: float | None
    hang_up_after: float = 2.0
    video: str = "320x240@15"
    timeout: float = 20.0  # each step of a bot's scenario
    stall: float = 120.0
    warm_up_minutes: float = 5.0
    sample_every: float = 10.0


@dataclass
class Bots:
    """The two bot processes, restarted as they fail, and what they reported."""

    options: Options
    hub_url: str
    workdir: Path
    kiosk_token: str
    staff_password: str
    tally: Tally = field(default_factory=Tally)
    processes: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)
    starts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    progress_at: float = field(default_factory=time.monotonic)
    stopping: bool = False
    on_attempt: Callable[[], None] = lambda: None
    _killed: set[str] = field(default_factory=set)

    def argv(self, role: str) -> list[str]:
        common = [
            "--server",
            self.hub_url,
            "--calls",
            "1000000",  # the harness decides when the run ends
            "--video",
            self.options.video,
            "--loopback-ice",
            "--summary",
            "--timeout",
            str(self.options.timeout),
        ]
        if role == "kiosk":
            token_file = self.workdir / "kiosk-token"
            token_file.write_text(self.kiosk_token + "\n")
            role_args = ["--token-file", str(token_file), "--category", CATEGORY]
        else:
            role_args = ["--username", STAFF_USERNAME, "--password-stdin"]
            role_args += ["--hang-up-after", str(self.options.hang_up_after)]
        return [sys.executable, "-m", "call.bot", role, *common, *role_args]

    async def keep_running(self, role: str) -> None:
        """Run `role`'s bot until the run stops, starting it again whenever it exits."""
        while not self.stopping:
            self.starts[role] += 1
            log = self.logs[role] = self.workdir / f"{role}-{self.starts[role]}.log"
            with log.open("wb") as stderr:
                process = await asyncio.create_subprocess_exec(
                    *self.argv(role),
                    cwd=REPO,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=stderr,
                )
            self.processes[role] = process
            assert process.stdin is not None
            assert process.stdout is not None
            process.stdin.write(f"{self.staff_password}\n".encode() if role == "staff" else b"")
            process.stdin.close()
            failed = None
            async for raw in process.stdout:
                line = raw.decode(errors="replace")
                if self.stopping:
                    continue  # a call finished after the run's end is not counted
                if line.startswith(CALL_PREFIX):
                    self._closed(self.tally.reported(json.loads(line.removeprefix(CALL_PREFIX))))
                elif line.startswith(FAILED_PREFIX):
                    failed = json.loads(line.removeprefix(FAILED_PREFIX))
            returncode = await process.wait()
            if self.stopping:
                return
            if role in self._killed:  # by the stall watchdog, which counted it
                self._killed.discard(role)
                continue
            failure, detail = classify_exit(failed, returncode)
            text = log.read_text(errors="replace")
            session_id = failed["session_id"] if failed else current_session(text)
            tail = excerpt(text)
            self._closed(self.tally.failed(session_id, failure, detail, f"{role}:\n{tail}"))
            await asyncio.sleep(RESTART_PAUSE)

    def _closed(self, attempt: object) -> None:
        self.progress_at = time.monotonic()
        if attempt is not None:
            self.on_attempt()

    async def watch_for_stalls(self) -> None:
        """Both bots alive and no call closed for `stall` seconds: count it and restart both."""
        while not self.stopping:
            await asyncio.sleep(1.0)
            if time.monotonic() - self.progress_at < self.options.stall:
                continue
            in_flight = self.tally.in_flight()
            tails = "\n".join(
                f"{role}:\n{excerpt(self.logs[role].read_text(errors='replace'))}"
                for role in ROLES
                if role in self.logs
            )
            detail = f"no call finished for {self.options.stall:.0f} s"
            self._closed(
                self.tally.failed(
                    in_flight[-1] if in_flight else None, Failure.STALL, detail, tails
                )
            )
            for role, process in self.processes.items():
                if process.returncode is None:
                    self._killed.add(role)
                    process.kill()

    async def stop(self) -> None:
        self.stopping = True
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)

    def pid(self, role: str) -> int | None:
        process = self.processes.get(role)
        return process.pid if process is not None and process.returncode is None else None


def take_sample(started: float, hub: Server, bots: Bots) -> Sample:
    return Sample(
        seconds=time.monotonic() - started,
        calls=len(bots.tally.attempts),
        hub=rss_kib(hub.process.pid if hub.process else None),
        kiosk=rss_kib(bots.pid("kiosk")),
        staff=rss_kib(bots.pid("staff")),
        kiosk_start=bots.starts["kiosk"],
        staff_start=bots.starts["staff"],
    )


def rss_kib(pid: int | None) -> int | None:
    if pid is None:
        return None
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def always_open(city: Directory) -> Directory:
    departments = [msgspec.structs.replace(d, hours=ALWAYS) for d in city.departments]
    return msgspec.structs.replace(city, departments=departments)


async def seed(settings: Settings) -> tuple[str, str]:
    """The demo accounts and kiosks, the city open around the clock; a kiosk token and the
    staff member's password."""
    store = await Store.open(settings.database_url)
    try:
        demo = await seed_demo(store)
        await store.replace_directory(always_open(demo_directory()), actor="bench", now=time.time())
    finally:
        await store.close()
    account = next(a for a in demo.accounts if a.username == STAFF_USERNAME)
    return demo.kiosks[0].token, account.password


async def run(
    options: Options, workdir: Path, after_each: Callable[[Bots], None] = lambda bots: None
) -> Run:
    """Seed, start the hub and the bots, and hold calls until `options` says the run is over;
    `after_each` is called with the bots whenever an attempt is closed (tests break things
    there)."""
    var = workdir / "var"
    var.mkdir()
    settings = Settings(var_dir=str(var))
    kiosk_token, password = await seed(settings)
    port = free_port()
    config = workdir / "hub.toml"
    config.write_text(f'host = "127.0.0.1"\nport = {port}\nvar_dir = {json.dumps(str(var))}\n')
    hub = Server(
        "hub",
        [sys.executable, "-m", "signaling", "--config", str(config)],
        port,
        workdir / "hub.log",
    )
    try:
        await hub.start()
    except BenchError:
        await hub.stop()  # it may be running, just not answering
        raise
    bots = Bots(options, hub.url, workdir, kiosk_token, password)
    result = Run(started=time.monotonic())
    calls_reached = options.calls is None
    wake = asyncio.Event()  # the last call is in, or the run was interrupted
    deadline = None if options.minutes is None else result.started + 60 * options.minutes

    def on_attempt() -> None:
        nonlocal calls_reached
        count = len(bots.tally.attempts)
        if count % 50 == 0 or bots.tally.attempts[-1].failure is not None:
            last = bots.tally.attempts[-1]
            print(
                f"{count} calls, {len(bots.tally.successes)} succeeded; "
                f"last: {last.failure or 'ok'} {last.detail}",
                flush=True,
            )
        if options.calls is not None and count >= options.calls and not calls_reached:
            calls_reached = True
            wake.set()
        after_each(bots)

    def interrupt() -> None:  # Ctrl-C or SIGTERM: end the run here and report what it did
        result.interrupted = True
        wake.set()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, interrupt)
    bots.on_attempt = on_attempt
    tasks = [asyncio.create_task(bots.keep_running(role)) for role in ROLES]
    tasks.append(asyncio.create_task(bots.watch_for_stalls()))
    samples = workdir / "rss.csv"
    samples.write_text(Sample.CSV_HEADER + "\n")
    try:
        while True:
            sample = take_sample(result.started, hub, bots)
            result.samples.append(sample)
            with samples.open("a") as file:  # as it goes, so an interrupted run keeps them
                file.write(sample.csv() + "\n")
            if hub.process is None or hub.process.returncode is not None:
                raise BenchError(f"the hub exited:\n{hub.log_tail()}")
            left = None if deadline is None else deadline - time.monotonic()
            if result.interrupted or (calls_reached and (left is None or left <= 0)):
                break  # interrupted, or both --calls and --minutes reached
            wait = options.sample_every if left is None else min(options.sample_every, left)
            if wake.is_set() and not result.interrupted:
                wake.clear()  # the calls are in: now only the deadline or an interrupt
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), max(0.1, wait))
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        result.seconds = time.monotonic() - result.started
        await bots.stop()
        with contextlib.suppress(TimeoutError):  # each bot gets a moment to exit on SIGTERM
            await asyncio.wait_for(asyncio.gather(*tasks[:2], return_exceptions=True), 10)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        result.hub_cpu_seconds = (
            hub.cpu_seconds() if hub.process and hub.process.returncode is None else None
        )
        await hub.stop()
    result.tally, result.starts = bots.tally, dict(bots.starts)
    result.hub_complaints = hub.complaints()
    return result


def describe(options: Options) -> str:
    return (
        "The hub (`python -m signaling`) in its own process; one kiosk bot and one staff bot "
        f"(`python -m call.bot`), {options.video.replace('@', ' at ')} fps synthetic camera and "
        "voice both ways over loopback ICE. In each call the staff member sends a text that the "
        f"kiosk answers, hangs up after {options.hang_up_after:g} s and wraps up, and the kiosk "
        "rates the call. A success: both ends connected, saw frames and heard audio from the "
        "other, the hub ended the session `completed`, and the wrap-up and the survey were saved."
    )


def parse_args(argv: list[str] | None) -> tuple[Options, bool, Path | None]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.calls", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--calls",
        type=int,
        help="stop after this many calls (default 1,000, or none with --minutes)",
    )
    parser.add_argument(
        "--minutes", type=float, help="and go on for at least this long (a soak: 60 or more)"
    )
    parser.add_argument("--hang-up-after", type=float, default=2.0, help="seconds in each call")
    parser.add_argument("--video", default="320x240@15", help="each bot's camera, WIDTHxHEIGHT@FPS")
    parser.add_argument(
        "--timeout", type=float, default=20.0, help="seconds for each step of a bot"
    )
    parser.add_argument(
        "--stall",
        type=float,
        default=120.0,
        help="seconds without a finished call before both bots are restarted",
    )
    parser.add_argument(
        "--warm-up", type=float, default=5.0, help="minutes before the RSS baseline"
    )
    parser.add_argument(
        "--sample-every", type=float, default=10.0, help="seconds between RSS samples"
    )
    parser.add_argument(
        "--keep", type=Path, help="keep the logs and the RSS samples in this folder"
    )
    parser.add_argument(
        "--write-docs", action="store_true", help="write docs/performance.md's sections"
    )
    args = parser.parse_args(argv)
    calls = args.calls if args.calls is not None else (None if args.minutes else 1000)
    if (calls is not None and calls < 1) or (args.minutes is not None and args.minutes <= 0):
        parser.error("--calls and --minutes must be positive")
    options = Options(
        calls=calls,
        minutes=args.minutes,
        hang_up_after=args.hang_up_after,
        video=args.video,
        timeout=args.timeout,
        stall=args.stall,
        warm_up_minutes=args.warm_up,
        sample_every=args.sample_every,
    )
    return options, args.write_docs, args.keep


def main(argv: list[str] | None = None) -> int:
    options, write_docs, keep = parse_args(argv)
    given = sys.argv[1:] if argv is None else argv
    shown = [a for i, a in enumerate(given) if "--keep" not in (a, given[i - 1] if i else "")]
    command = shlex.join(
        [".venv/bin/python", "-m", "bench.calls", *shown]
    )  # --keep DIR: not a figure
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="madoguchi-calls-") as temporary:
        workdir = keep or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            result = asyncio.run(run(options, workdir))
        except BenchError as exc:
            print(f"calls: {exc}", file=sys.stderr)
            return 1
    sections = report_sections(
        result,
        command,
        load_before,
        60 * options.warm_up_minutes,
        describe(options),
        soak_only=options.calls is None,
    )
    for section in sections:
        print()
        print(section)
        if write_docs:
            write_section(section)
    return 0 if len(result.tally.successes) == len(result.tally.attempts) else 2


if __name__ == "__main__":
    sys.exit(main())
