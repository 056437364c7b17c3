"""``madoguchi-bot``: a headless kiosk or staff member with synthetic media.

The other end of a call for app tests, benchmarks and demos, driving the same `Engine` the apps
use, with a test-pattern camera and a speech-like voice::

    madoguchi-bot kiosk --server ws://127.0.0.1:8765/ws --token TOKEN [--category juminhyo]
    madoguchi-bot staff --server ws://127.0.0.1:8765/ws --username tanaka --password tanaka-demo \\
        [--hang-up-after 10] [--text "..."] [--share-screen] [--share-page] [--busy 30]

The token may also come from --token-file PATH or MADOGUCHI_KIOSK_TOKEN, and the password from
--password-stdin, out of the process list; a token or password may start with "-".

A kiosk asks for a consultation, stays in the call until it ends (answering staff text with the
quick phrase "yes"), and rates it. A staff member accepts the next citizen, sends a text,
optionally shares a synthetic screen and a synthetic document page, hangs up after N seconds
and wraps up. With ``--summary`` each bot prints one JSON line at the end (setup time, first
frame, CPU), which tests/e2e/test_call_over_hub.py reads.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import io
import json
import logging
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

import msgspec
from PIL import Image, ImageDraw

from call.audio_meter import AudioLevel
from call.bridge import new_event_loop
from call.camera import SYNTHETIC_CAMERA, CameraCapture, CameraSettings
from call.control_messages import ContentKind, QuickPhrase
from call.devices import MediaSettings
from call.document import EncodedPage, PageFormat
from call.engine import Engine, EngineEvent, EngineSettings, HubMessage, LinkChanged
from call.link import Credentials, LinkFailed, LinkState
from call.media_watch import MediaWatch
from call.pictures import cjk_font
from call.secret_args import join_secret_values
from call.session import (
    CallState,
    CallStateChanged,
    CallStatsUpdated,
    PhraseReceived,
    TextReceived,
)
from call.sharing import DocumentEvent, RemoteContentChanged
from call.stats import CallStats, Direction, TrackKind
from signaling import protocol as p

logger = logging.getLogger("madoguchi.bot")
E = TypeVar("E")
SUMMARY_PREFIX = "madoguchi-bot summary "
CALL_PREFIX = "madoguchi-bot call "  # with --summary, one JSON report as each call is saved
FAILED_PREFIX = "madoguchi-bot failed "  # with --summary, what the bot was doing when it gave up
TOKEN_ENV = "MADOGUCHI_KIOSK_TOKEN"  # the kiosk's own variable
SECRET_OPTIONS = ("--token", "--password")  # their values may start with "-"
PENDING_LIMIT = 1000  # events kept for a later wait; presence and link news over many calls
MEDIA_SAMPLE_SECONDS = 0.05  # finer than a frame at 15 fps, so a gap is measured to a frame


class ScenarioError(Exception):
    """The scenario cannot go on: the hub refused us, or something did not come in time."""


@dataclass(slots=True)
class CallReport:
    session_id: str
    setup_ms: float | None = None  # session_started to connected
    first_frame_ms: float | None = None  # session_started to the first remote camera frame
    seconds: float = 0.0  # connected to ended
    cpu_percent: float | None = None  # of one core, this process, while connected
    frames: int = 0  # remote camera frames received
    audio_seconds: float = 0.0  # remote audio that reached the speaker
    texts: int = 0
    phrases: int = 0
    content_shown: bool = False
    state: str = ""
    ended: str = ""  # the hub's session_ended reason ("transferred" for a transfer)
    relay: str | None = None  # the TURN URL carrying the call, None for a direct path
    # What the person saw and heard (call/media_watch.py), from connected to ended.
    max_frame_gap_ms: float = 0.0
    max_audio_gap_ms: float = 0.0
    freezes: list[tuple[float, float]] = field(default_factory=list)  # (start s, seconds)
    frames_per_second: list[int] = field(default_factory=list)
    # The camera video's bitrate at each stats sample (call/stats.py): (seconds since
    # connected, kbps sent, kbps received), None before the first RTCP report.
    video_kbps: list[tuple[float, float | None, float | None]] = field(default_factory=list)


class Bot:
    """An engine and its events, with a way to wait for the next one that matters.

    No event is lost while the bot waits for another: one that does not match the current wait
    stays pending for a later one, and the queue is kept as state (the latest `queue_snapshot`),
    since only the newest snapshot is true. Pending events about a finished session are dropped,
    so a later call never matches its predecessor's end.
    """

    def __init__(self, settings: EngineSettings, credentials: Credentials) -> None:
        self.events: asyncio.Queue[EngineEvent] = asyncio.Queue()
        self.engine = Engine(settings, credentials, self._put)
        self.on_event: Callable[[EngineEvent], None] = lambda event: None
        self.queue: p.QueueSnapshot | None = None  # the hub's latest, for staff
        self.queue_version = 0  # snapshots received so far
        self.finished: set[str] = set()  # sessions whose late events no wait should match
        # Where the scenario is, for the failure line: a step and the session it is about.
        self.step = "connecting"
        self.session_id: str | None = None
        self._pending: deque[EngineEvent] = deque()
        self._tasks: set[asyncio.Task[Any]] = set()

    def _put(self, event: EngineEvent) -> None:
        # Ten levels a second would pile up while the bot waits on something else.
        if not isinstance(event, AudioLevel):
            self.events.put_nowait(event)

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def next(self, match: Callable[[EngineEvent], bool], within: float) -> EngineEvent:
        """Wait for an event that `match`es, the oldest pending one first; every event is logged
        and handled once, when it arrives."""
        self._pending = deque(e for e in self._pending if _session_of(e) not in self.finished)
        for event in self._pending:
            if match(event):
                self._pending.remove(event)
                return event
        try:
            async with asyncio.timeout(within):
                while True:
                    event = await self._receive()
                    if match(event):
                        return event
                    self._keep(event)
        except TimeoutError:
            raise ScenarioError(f"nothing expected came within {within:.0f} s") from None

    async def until(self, holds: Callable[[], bool], within: float) -> None:
        """Wait until `holds()` is true of what the bot knows (the queue, say), checking first."""
        try:
            async with asyncio.timeout(within):
                while not holds():
                    self._keep(await self._receive())
        except TimeoutError:
            raise ScenarioError(f"nothing expected came within {within:.0f} s") from None

    async def _receive(self) -> EngineEvent:
        event = await self.events.get()
        _log(event)
        if isinstance(event, LinkChanged) and isinstance(event.event, LinkFailed):
            raise ScenarioError(f"the hub refused us: {event.event.code}")
        if isinstance(event, HubMessage) and isinstance(event.message, p.QueueSnapshot):
            self.queue = event.message
            self.queue_version += 1
        self.on_event(event)
        return event

    def _keep(self, event: EngineEvent) -> None:
        """Keep what a later wait may need; the rest was handled by `on_event` already."""
        if isinstance(event, HubMessage) and isinstance(event.message, p.QueueSnapshot):
            return  # state: `queue`
        if isinstance(event, HubMessage | CallStateChanged | LinkChanged):
            if len(self._pending) >= PENDING_LIMIT:
                dropped = self._pending.popleft()
                logger.debug("= forgetting %s: nothing waited for it", type(dropped).__name__)
            self._pending.append(event)

    async def hub(self, kind: type[E], within: float, where: Callable[[E], bool] = bool) -> E:
        def matches(event: EngineEvent) -> bool:
            return (
                isinstance(event, HubMessage)
                and isinstance(event.message, kind)
                and where(event.message)
            )

        event = await self.next(matches, within)
        assert isinstance(event, HubMessage)
        assert isinstance(event.message, kind)
        return event.message

    async def connected(self, within: float) -> p.Welcome:
        event = await self.next(
            lambda e: isinstance(e, LinkChanged) and e.state is LinkState.CONNECTED, within
        )
        assert isinstance(event, LinkChanged)
        welcome = self.engine.welcome
        assert welcome is not None
        logger.info("= connected as %s %s", welcome.role, welcome.principal_id)
        return welcome

    async def in_call(
        self, started: p.SessionStarted, started_at: float, within: float
    ) -> CallReport:
        """From session_started to connected and the first remote frame."""
        report = CallReport(started.session_id)
        connected = await self.next(
            lambda e: (
                isinstance(e, CallStateChanged)
                and e.session_id == started.session_id
                and e.state is not CallState.CONNECTING
            ),
            within,
        )
        assert isinstance(connected, CallStateChanged)
        if connected.state is not CallState.CONNECTED:
            raise ScenarioError(f"the call went {connected.state}: {connected.reason}")
        report.setup_ms = round(1000 * (connected.at - started_at), 1)
        peer = self.engine.call.peer if self.engine.call is not None else None
        relay = peer.relays.in_use(peer.pc) if peer is not None else None
        report.relay = relay.url if relay is not None else None
        frame = await asyncio.to_thread(self.engine.remote_camera.wait_newer, 0, within)
        if frame is not None:
            report.first_frame_ms = round(1000 * (frame.timestamp - started_at), 1)
        logger.info(
            "= connected in %s ms, first frame at %s ms", report.setup_ms, report.first_frame_ms
        )
        return report


def _session_of(event: EngineEvent) -> str | None:
    if isinstance(event, CallStateChanged):
        return event.session_id
    if isinstance(event, HubMessage):
        session_id = getattr(event.message, "session_id", None)
        return session_id if isinstance(session_id, str) else None
    return None


def _log(event: EngineEvent) -> None:
    match event:
        case HubMessage(message=message):
            logger.info("< %s", _brief(message))
        case CallStateChanged(state=state, reason=reason):
            logger.info("= call %s (%s)", state, reason)
        case TextReceived(text=text):
            logger.info("< text: %s", text)
        case PhraseReceived(phrase=phrase):
            logger.info("< quick phrase: %s", phrase)
        case RemoteContentChanged(kind=kind):
            logger.info("< content %s", kind or "stopped")
        case DocumentEvent(event=document):
            logger.info("< document: %s", type(document).__name__)
        case _:
            logger.debug("< %s", event)


_BRIEF_FIELDS = {"session_id", "position", "eta_seconds", "reason", "code", "presence", "online"}
_BRIEF_FIELDS.add("resumed")  # a session_started after the hub came back


def _brief(message: p.ServerMessage) -> str:
    fields = msgspec.structs.asdict(message)
    shown = " ".join(f"{k}={v}" for k, v in fields.items() if k in _BRIEF_FIELDS)
    return f"{p.type_of(message)} {shown}".rstrip()


async def _follow_call(
    bot: Bot, report: CallReport, until: Callable[[EngineEvent], bool], within: float
) -> None:
    """Count what happens in the call until `until` matches, measuring the CPU it costs."""
    connected_at, cpu_at = time.monotonic(), time.process_time()
    watch = MediaWatch(connected_at)
    counting = bot.on_event

    def on_event(event: EngineEvent) -> None:
        counting(event)
        if isinstance(event, CallStatsUpdated) and event.session_id == report.session_id:
            at = round(time.monotonic() - connected_at, 1)
            report.video_kbps.append((at, *_video_kbps(event.stats)))

    bot.on_event = on_event
    sampler = asyncio.get_running_loop().create_task(_watch_media(bot, watch))
    try:
        ended = await bot.next(until, within)
    finally:
        sampler.cancel()
    if isinstance(ended, HubMessage):
        message = ended.message
        report.ended = message.reason if isinstance(message, p.SessionEnded) else "transferred"
    watch.finish()
    report.max_frame_gap_ms = round(1000 * watch.max_frame_gap)
    report.max_audio_gap_ms = round(1000 * watch.max_audio_gap)
    report.freezes = [(f.start, f.seconds) for f in watch.freezes]
    report.frames_per_second = watch.frames_per_second
    elapsed = time.monotonic() - connected_at
    report.seconds = round(elapsed, 2)
    report.cpu_percent = round(100 * (time.process_time() - cpu_at) / elapsed, 1)
    report.frames = bot.engine.remote_camera.sequence
    report.audio_seconds = round(bot.engine.devices.playout.seconds_received, 2)


def _video_kbps(stats: CallStats) -> tuple[float | None, float | None]:
    sent = stats.track(TrackKind.VIDEO, Direction.OUTBOUND)
    received = stats.track(TrackKind.VIDEO, Direction.INBOUND)
    return (
        sent.bitrate_kbps if sent is not None else None,
        received.bitrate_kbps if received is not None else None,
    )


async def _watch_media(bot: Bot, watch: MediaWatch) -> None:
    while True:
        watch.sample(
            time.monotonic(),
            bot.engine.remote_camera.sequence,
            bot.engine.devices.playout.seconds_received,
        )
        await asyncio.sleep(MEDIA_SAMPLE_SECONDS)


def _count(report: CallReport, bot: Bot) -> Callable[[EngineEvent], None]:
    def on_event(event: EngineEvent) -> None:
        match event:
            case TextReceived():
                report.texts += 1
                # The citizen touches "yes": the control channel works both ways.
                bot.spawn(bot.engine.send_phrase(QuickPhrase.YES))
            case PhraseReceived():
                report.phrases += 1
            case RemoteContentChanged(kind=kind) if kind is not None:
                report.content_shown = True
            case CallStateChanged(state=state):
                report.state = state
            case _:
                pass

    return on_event


def _ended(session_id: str) -> Callable[[EngineEvent], bool]:
    def match(event: EngineEvent) -> bool:
        message = event.message if isinstance(event, HubMessage) else None
        return isinstance(message, p.SessionEnded | p.SessionTransferred) and (
            message.session_id == session_id
        )

    return match


async def run_kiosk(bot: Bot, args: argparse.Namespace) -> list[CallReport]:
    await bot.engine.start()
    await bot.connected(args.timeout)
    directory = await bot.hub(p.Directory, args.timeout)
    category = args.category or directory.categories[0].id
    reports = []
    for _ in range(args.calls):
        bot.step, bot.session_id = "waiting for staff", None
        await bot.engine.set_activity(p.KioskActivity.WAITING)
        await bot.engine.request_consultation(category, args.language)
        started = await bot.hub(p.SessionStarted, args.wait)
        started_at = time.monotonic()
        bot.step, bot.session_id = "setting up the call", started.session_id
        await bot.engine.set_activity(p.KioskActivity.IN_CALL)
        report = await bot.in_call(started, started_at, args.timeout)
        bot.on_event = _count(report, bot)
        bot.step = "in the call"
        await _follow_call(bot, report, _ended(started.session_id), args.max_call)
        bot.on_event = lambda event: None
        if args.survey:
            bot.step = "saving the survey"
            await bot.engine.set_activity(p.KioskActivity.SURVEY)
            await bot.engine.submit_survey(args.survey, started.session_id)
            await bot.hub(p.SurveySaved, args.timeout)
        bot.finished.add(started.session_id)
        await bot.engine.set_activity(p.KioskActivity.IDLE)
        reports.append(report)
        _print_call(args, report)
    return reports


async def run_staff(bot: Bot, args: argparse.Namespace) -> list[CallReport]:
    await bot.engine.start()
    await bot.connected(args.timeout)
    directory = await bot.hub(p.Directory, args.timeout)
    outcome = args.outcome or directory.outcome_codes[0].code
    await bot.engine.set_presence(p.Presence.AVAILABLE)
    if args.busy:
        # On duty, and serving someone at the counter: the desk's citizens wait meanwhile.
        logger.info("= busy at the counter for %.0f s", args.busy)
        await asyncio.sleep(args.busy)
    reports = []
    for _ in range(args.calls):
        bot.step, bot.session_id = "waiting for a citizen", None
        started = await _take_next(bot, args)
        started_at = time.monotonic()
        bot.step, bot.session_id = "setting up the call", started.session_id
        report = await bot.in_call(started, started_at, args.timeout)
        bot.on_event = _count(report, bot)
        bot.step = "in the call"
        if args.text:
            await bot.engine.send_text(args.text)
        if args.share_screen:
            await bot.engine.start_content(_synthetic_screen(), ContentKind.SCREEN)
        if args.share_page:
            call = bot.engine.call
            assert call is not None
            sent = await call.sharing.show_page("bot-page", 0, 1, synthetic_page())
            # Not sent yet means the content channel is still opening: it goes when it opens.
            logger.info("> synthetic page: %s", "sent" if sent == "sent" else "queued")
        hang_up = asyncio.get_running_loop().create_task(_hang_up_later(bot, args.hang_up_after))
        await _follow_call(bot, report, _ended(started.session_id), args.max_call)
        hang_up.cancel()
        bot.on_event = lambda event: None
        bot.step = "saving the wrap-up"
        await bot.engine.wrap_up(outcome, "madoguchi-bot", started.session_id)
        await bot.hub(p.WrapUpSaved, args.timeout)
        bot.finished.add(started.session_id)
        reports.append(report)
        _print_call(args, report)
    return reports


def _print_call(args: argparse.Namespace, report: CallReport) -> None:
    """One line per call as it is saved, so a harness running many calls sees each one."""
    if args.summary:
        print(CALL_PREFIX + json.dumps({"role": args.role, **asdict(report)}), flush=True)


async def _take_next(bot: Bot, args: argparse.Namespace) -> p.SessionStarted:
    """Accept the next citizen, trying again when another staff member was quicker."""
    missed = (p.ErrorCode.QUEUE_EMPTY, p.ErrorCode.ALREADY_TAKEN)
    tried = 0  # after a miss, only a newer snapshot can show someone to take
    while True:
        # The latest snapshot, wherever it arrived: at connect, mid-call or during the wrap-up.
        await bot.until(functools.partial(_someone_waiting, bot, newer_than=tried), args.wait)
        tried = bot.queue_version
        await bot.engine.accept_next()
        event = await bot.next(
            lambda e: (
                isinstance(e, HubMessage)
                and (
                    isinstance(e.message, p.SessionStarted)
                    or (isinstance(e.message, p.Error) and e.message.code in missed)
                )
            ),
            args.timeout,
        )
        assert isinstance(event, HubMessage)
        if isinstance(event.message, p.SessionStarted):
            return event.message


def _someone_waiting(bot: Bot, *, newer_than: int) -> bool:
    return bot.queue_version > newer_than and bot.queue is not None and bool(bot.queue.entries)


async def _hang_up_later(bot: Bot, seconds: float) -> None:
    await asyncio.sleep(seconds)
    if bot.engine.call is not None and bot.engine.call.sharing.local_kind is not None:
        await bot.engine.stop_content()
    logger.info("> hanging up after %.0f s", seconds)
    await bot.engine.hang_up()


def _synthetic_screen() -> CameraCapture:
    settings = CameraSettings(device=SYNTHETIC_CAMERA, width=1280, height=720, fps=5)
    capture = CameraCapture(settings)
    capture.start()
    return capture


def synthetic_page(width: int = 1240, height: int = 1754) -> EncodedPage:
    """An A4-shaped form in Japanese, encoded losslessly, for a document share without files."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    title, body = cjk_font(56), cjk_font(28)
    draw.text((80, 80), "住民票の写し等交付請求書 (見本)", font=title, fill=(0, 0, 0))
    for row, label in enumerate(["氏名", "生年月日", "住所", "必要な通数", "使いみち"]):
        top = 220 + row * 150
        draw.rectangle((80, top, width - 80, top + 120), outline=(0, 0, 0), width=3)
        draw.text((100, top + 40), label, font=body, fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=3)
    return EncodedPage(PageFormat.PNG, width, height, buffer.getvalue())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="madoguchi-bot", description=__doc__.split("\n\n")[0])
    roles = parser.add_subparsers(dest="role", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--server", required=True, help="the hub, ws://HOST:PORT/ws")
    common.add_argument("--calls", type=int, default=1, help="calls to take part in (default 1)")
    common.add_argument("--video", default="640x480@30", help="camera WIDTHxHEIGHT@FPS")
    common.add_argument("--timeout", type=float, default=20.0, help="seconds for each step")
    common.add_argument("--wait", type=float, default=600.0, help="seconds to wait for a call")
    common.add_argument("--max-call", type=float, default=3600.0, help="longest call, seconds")
    common.add_argument(
        "--loopback-ice",
        action="store_true",
        help="offer only 127.0.0.1 (both ends on this machine, no LAN)",
    )
    common.add_argument("--ca-file", help="a CA (PEM) to trust for wss: and turns: too")
    common.add_argument("--summary", action="store_true", help="print a JSON summary line")
    common.add_argument("--log-level", default="INFO")
    kiosk = roles.add_parser("kiosk", parents=[common], help="play a kiosk")
    kiosk.add_argument("--token", help=f"the kiosk's device token (or {TOKEN_ENV})")
    kiosk.add_argument("--token-file", help="a file holding the token (first line)")
    kiosk.add_argument("--category", help="the category to ask for (default: the first)")
    kiosk.add_argument("--language", default="ja")
    kiosk.add_argument("--survey", type=int, default=5, help="score 1-5, 0 for none")
    staff = roles.add_parser("staff", parents=[common], help="play a staff member")
    staff.add_argument("--username", required=True)
    staff.add_argument("--password")
    staff.add_argument("--password-stdin", action="store_true", help="the first line of stdin")
    staff.add_argument("--hang-up-after", type=float, default=10.0, help="seconds in the call")
    staff.add_argument("--text", default="本人確認書類をお持ちですか", help="text to send")
    staff.add_argument("--share-screen", action="store_true", help="share a synthetic screen")
    staff.add_argument("--share-page", action="store_true", help="show a synthetic page")
    staff.add_argument("--outcome", help="the wrap-up outcome code (default: the first)")
    staff.add_argument(
        "--busy",
        type=float,
        default=0.0,
        help="seconds on duty before taking a call, serving someone at the counter",
    )
    args = parser.parse_args(join_secret_values(argv, SECRET_OPTIONS))
    try:
        if args.role == "kiosk":
            args.token = _token(args)
        else:
            args.password = _password(args)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    return args


def _token(args: argparse.Namespace) -> str:
    """--token, else the first line of --token-file, else the environment, as the kiosk does."""
    if args.token:
        return str(args.token)
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as file:
            token = file.readline().strip()
        if not token:
            raise ValueError(f"--token-file {args.token_file}: no token in it")
        return token
    if token := os.environ.get(TOKEN_ENV, "").strip():
        return token
    raise ValueError(f"a kiosk token is needed: --token, --token-file or {TOKEN_ENV}")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ValueError("--password-stdin: no password on standard input")
        return password
    if args.password:
        return str(args.password)
    raise ValueError("a password is needed: --password or --password-stdin")


def _video(spec: str) -> CameraSettings:
    size, _, fps = spec.partition("@")
    width, _, height = size.partition("x")
    return CameraSettings(width=int(width), height=int(height), fps=float(fps or 30))


async def _main(args: argparse.Namespace) -> int:
    if args.loopback_ice:
        import aioice.ice

        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    settings = EngineSettings(
        url=args.server,
        app="madoguchi-bot",
        media=MediaSettings(synthetic=True, camera=_video(args.video)),
        ca_file=args.ca_file,
    )
    if args.role == "kiosk":
        credentials = Credentials(token=args.token)
    else:
        credentials = Credentials(username=args.username, password=args.password)
    bot = Bot(settings, credentials)
    run = run_kiosk if args.role == "kiosk" else run_staff
    try:
        reports = await run(bot, args)
    except ScenarioError as exc:
        logger.error("= %s, %s", bot.step, exc)
        if args.summary:
            failed = {"role": args.role, "step": bot.step, "session_id": bot.session_id}
            print(FAILED_PREFIX + json.dumps({**failed, "error": str(exc)}), flush=True)
        return 1
    finally:
        await bot.engine.close()
    if args.summary:
        summary = {"role": args.role, "calls": [asdict(report) for report in reports]}
        print(SUMMARY_PREFIX + json.dumps(summary), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format=f"%(asctime)s %(levelname)s {args.role} %(name)s %(message)s",
    )
    logging.getLogger("aioice").setLevel(logging.WARNING)  # a line per candidate pair
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
