"""`madoguchi-demo --autoplay`: a whole consultation played by itself, with screenshots.

How, and why this way. Driving GUI programs in other processes would need either an
accessibility robot (none is dependable under Xvfb) or demo code inside the apps. Instead this
process builds the two apps from their own parts, exactly as their `__main__`s do, under one
QApplication: the kiosk (`KioskApp` on `KioskEngineAdapter`) and the staff console
(`ConsoleApp` on `ConsoleEngineAdapter`, logged in through its own login dialog). Each has its own
real call engine on its own network thread, connected to the real hub, which runs in its own
process (`python -m signaling --demo`). The autoplay then clicks the apps' real widgets with
QTest, the same mouse events a tap or a click makes, so every step goes through each app's
screens, controller and engine, and the hub and WebRTC between them (synthetic camera and
voice) are the product's own. Two steps would open a native dialog a robot cannot see, so
they are done as the dialog would: the standard form is picked from the console's forms list,
and Japanese text is set into the text box as an input method would commit it.

The citizen is at 北区's 北部支所 (`signaling.demo.DEMO_KIOSK`), and nobody is on duty at 北区's
市民課: their request overflows at once to 中央区's 市民課, where 田中 sees it marked as another
ward's citizen (他区からの待ち) and answers it. The history records both desks.

The transfer needs a second staff member in 福祉課: 鈴木 is `madoguchi-bot staff`, a headless
engine with synthetic media, in a third process. It is started only once the citizen waits
there, so the kiosk's "transferring" screen is seen; it takes the next citizen of its
departments, sends a text, and wraps up when the citizen ends the call.

Screenshots are `QWidget.grab()` of each window, which renders the window whatever covers it:
under Xvfb, without a window manager, the two windows lie on top of each other. ICE is pinned
to 127.0.0.1 here and in the bot (its `--loopback-ice`): every end is on this machine, and a
machine with no LAN works too. What each number in the summary means: demo/summary.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import aioice.ice
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication, QPushButton, QWidget

from call.bot import SUMMARY_PREFIX
from call.bridge import new_event_loop
from call.content_messages import Highlight, Pointer
from call.control_messages import QuickPhrase
from demo.console import log_in, logged_in, open_console
from demo.forms import NAME_BOX_CENTRE, write_forms
from demo.hub import HubError, RunningHub, free_port, start_hub
from demo.programs import Program, describe_exit, python
from demo.summary import Leg, Summary, fill_from_history, read_consultation
from kiosk.__main__ import media_settings
from kiosk.app import KioskApp
from kiosk.beep import make_beeper
from kiosk.core.engine_port import CallMedia
from kiosk.core.state import KioskState
from kiosk.core.viewmodels import Page
from kiosk.engine_adapter import EngineAdapter as KioskEngineAdapter
from kiosk.i18n import Language
from kiosk.screens.attract import AttractScreen
from kiosk.screens.in_call import InCallScreen
from kiosk.screens.language import LanguageScreen
from kiosk.screens.survey import SurveyScreen
from kiosk.screens.topic import TopicScreen
from kiosk.settings import KioskSettings
from signaling import protocol as p
from signaling.demo import DEMO_KIOSK, demo_directory
from staff_console.app import ConsoleApp
from staff_console.core.engine_port import CallPhase, MarkTool
from staff_console.core.viewmodels import Stage
from staff_console.engine_adapter import EngineAdapter as ConsoleEngineAdapter
from staff_console.screens.transfer_dialog import TransferDialog

logger = logging.getLogger("madoguchi.demo.autoplay")

STEP_SECONDS: Final = 30.0  # the longest any one step may take
POLL_SECONDS: Final = 0.02
FIRST_STAFF, SECOND_STAFF = "tanaka", "suzuki"  # 中央区's 市民課; 福祉課
CATEGORY: Final = "juminhyo"  # 住民票・戸籍: the kiosk's ward's 市民課, which may overflow
HOME_DESK, ANSWERING_DESK = "kita-shimin", "shimin"  # 北区's 市民課 (nobody on duty); 中央区's
TRANSFER_TO: Final = "fukushi"  # 福祉課
SURVEY_SCORE: Final = 5  # the first face
TEXT: Final = "赤い印のところに、お名前をご記入ください。"
NOTE: Final = "住民票の写しは交付済み。生活費のご相談があり、福祉課へおつなぎします。"
BOT_TEXT: Final = "福祉課の鈴木です。田中からお話は伺っています。"
WINDOW_SIZE: Final = (1920, 1080)
LEFT: Final = Qt.MouseButton.LeftButton
NO_MODIFIER: Final = Qt.KeyboardModifier.NoModifier
# PyQt6's stubs declare QTest's static functions as instance methods, which no call matches.
MOUSE: Final[Any] = QTest


class AutoplayError(Exception):
    """The consultation could not go on; the message says at which step and why."""


@dataclass(frozen=True, slots=True)
class Options:
    screenshots: Path
    timeout: float = 150.0
    var_dir: Path | None = None  # a fresh temporary folder when None, removed on success


def run(options: Options) -> int:
    """Play the consultation and print the summary; 0 when all of it happened."""
    started = time.monotonic()
    var_dir = options.var_dir or Path(tempfile.mkdtemp(prefix="madoguchi-autoplay-"))
    var_dir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=var_dir / "apps.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        force=True,
    )
    # QtMultimedia (the kiosk's press beep) lists every audio library it could not load.
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia*=false")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    player = Autoplay(options, var_dir)
    print(f"madoguchi-demo --autoplay: a whole consultation, screenshots in {options.screenshots}")
    # An exception in a Qt slot (an app's bug) fails the autoplay with its traceback; with
    # Python's own hook PyQt6 would abort the process. Kept until the apps are closed.
    previous_hook, sys.excepthook = sys.excepthook, player.on_unhandled_error
    try:
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            summary = runner.run(player.play())
    except AutoplayError as error:
        print(f"madoguchi-demo --autoplay failed: {error}", file=sys.stderr)
        print(f"  logs: {var_dir} (apps.log, hub.log, bot.log)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("madoguchi-demo --autoplay: interrupted", file=sys.stderr)
        return 130
    finally:
        sys.excepthook = previous_hook
    summary.total_seconds = round(time.monotonic() - started, 1)
    (options.screenshots / "summary.json").write_bytes(summary.to_json())
    print(summary.render(options.screenshots), flush=True)
    if options.var_dir is None:
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0


class Autoplay:
    """The consultation, step by step; `step` always says where it is, for the error."""

    def __init__(self, options: Options, var_dir: Path) -> None:
        self.options = options
        self.var_dir = var_dir
        self.summary = Summary()
        self.step = "starting"
        self._hub: RunningHub | None = None
        self._bot: Program | None = None
        self._kiosk: KioskApp | None = None
        self._kiosk_engine: KioskEngineAdapter | None = None
        self._console: ConsoleApp | None = None
        self._errors: list[str] = []
        self._shots = 0
        self._next_sample = 0.0

    # --- The script ---------------------------------------------------------------------------

    async def play(self) -> Summary:
        # Every end is on this machine; the bot is told the same with --loopback-ice.
        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
        try:
            async with asyncio.timeout(self.options.timeout):
                await self._start()
                await self._citizen_asks_for_help()
                session_id = await self._staff_accepts()
                await self._staff_shows_a_form()
                await self._staff_transfers()
                await self._second_staff_takes_over()
                await self._citizen_ends_and_rates()
                await self._read_back(session_id)
        except TimeoutError:
            raise AutoplayError(
                f"not finished within {self.options.timeout:.0f} s; at: {self.step}"
            ) from None
        finally:
            await self._close()
        return self.summary

    async def _start(self) -> None:
        self._begin("starting the hub")
        self._prepare_screenshots()
        started = time.monotonic()
        try:
            self._hub = hub = await asyncio.to_thread(
                start_hub, self.var_dir, self.var_dir / "hub.log", port=free_port()
            )
        except HubError as error:
            raise AutoplayError(f"the hub did not start: {error}") from None
        self.summary.hub_ready_seconds = round(time.monotonic() - started, 1)
        self._begin("opening the kiosk and the staff console")
        self._kiosk = self._open_kiosk(hub)
        self._console = open_console(
            hub.url,
            settings_file=self.var_dir / "demo-console.ini",
            forms=write_forms(self.var_dir / "demo-forms").parent,
        )
        self._console.window.resize(*WINDOW_SIZE)
        kiosk, console = self._kiosk, self._console
        await self.until(lambda: kiosk.controller.state is KioskState.ATTRACT, "the kiosk is up")
        await self.shot("kiosk-attract", kiosk.window)
        await self.shot("console-login", console.login)
        self._begin(f"the staff console logs in as {FIRST_STAFF}")
        log_in(console, FIRST_STAFF, hub.password(FIRST_STAFF))
        await self.until(lambda: logged_in(console), "the console is logged in")
        self.click(console.window.top.presence_buttons[p.Presence.AVAILABLE])
        await self.until(
            lambda: console.controller.view().presence is p.Presence.AVAILABLE,
            "田中 is available",
        )
        await self.shot("console-ready", console.window)

    def _open_kiosk(self, hub: RunningHub) -> KioskApp:
        """As kiosk.__main__.run builds it, windowed, with synthetic media."""
        settings = KioskSettings(
            server=hub.url,
            token=hub.credentials.kiosk(DEMO_KIOSK).token,
            windowed=True,
            synthetic_media=True,
        ).validate()
        try:
            app_version = version("madoguchi")
        except PackageNotFoundError:
            app_version = ""
        engine = KioskEngineAdapter(
            settings.server,
            settings.token,
            app_version=app_version,
            media=media_settings(settings),
            document_camera=settings.document_camera,
            mm_per_px=settings.mm_per_px,
        )
        kiosk = KioskApp(settings, engine, engine, beeper=make_beeper())
        kiosk.start()
        engine.start()
        kiosk.controller.handle(engine.devices_now())
        self._kiosk_engine = engine
        return kiosk

    async def _citizen_asks_for_help(self) -> None:
        kiosk, console = self._apps()
        window = kiosk.window
        self._begin("the citizen touches the kiosk")
        attract = window.screens[Page.ATTRACT]
        assert isinstance(attract, AttractScreen)
        self.click(attract)
        await self.until(lambda: window.page is Page.LANGUAGE, "the language screen")
        await self.shot("kiosk-language", window)
        self._begin("the citizen chooses 日本語")
        language = window.screens[Page.LANGUAGE]
        assert isinstance(language, LanguageScreen)
        self.click(language.buttons[Language.JA])
        await self.until(lambda: window.page is Page.TOPIC, "the topic screen")
        await self.shot("kiosk-topic", window)
        self._begin("the citizen chooses 住民票・戸籍")
        topic = window.screens[Page.TOPIC]
        assert isinstance(topic, TopicScreen)
        self.click(topic.tiles[0])
        await self.until(lambda: window.page is Page.READY, "the ready screen")
        if kiosk.controller.citizen.category_id != CATEGORY:
            raise AutoplayError(f"the first topic is not {CATEGORY} any more: update the demo")
        await self.pause(0.5)  # the self-view's first frames
        await self.shot("kiosk-ready", window)
        self._begin("the citizen agrees and calls staff")
        self.click(window.bottom.primary)
        await self.until(lambda: kiosk.controller.citizen.place is not None, "a place in line")
        await self.shot("kiosk-waiting", window)
        self._begin(
            "田中 sees the 北区 citizen, overflowed at once: 北区's 市民課 has nobody on duty"
        )
        await self.until(lambda: console.window.queue.table.rowCount() > 0, "the console's queue")
        queued = console.controller.view().queue
        if not queued[0].overflowed:
            raise AutoplayError(
                f"the citizen at {DEMO_KIOSK} did not overflow to 中央区's 市民課: is someone on "
                "duty at 北区's, or is the kiosk in another ward?"
            )
        await self.shot("console-queue", console.window)

    async def _staff_accepts(self) -> str:
        kiosk, console = self._apps()
        self._begin("田中 accepts")
        console.window.queue.table.selectRow(0)
        clicked = time.monotonic()
        self.click(console.window.queue.accept)
        await self.until(lambda: console.controller.stage is Stage.CALL, "the console's call")
        call = console.controller.view().call
        assert call is not None
        self._begin("the call connects")
        connected = await self.until(
            lambda: (
                self._console_phase() is CallPhase.CONNECTED
                and kiosk.controller.citizen.media is CallMedia.CONNECTED
            ),
            "both ends connected",
        )
        painted = await self.until(
            lambda: console.window.call.remote.has_frame and self._kiosk_frames_painted() > 0,
            "both ends painting the other's video",
        )
        self.summary.setup_ms = round(1000 * (connected - clicked))
        self.summary.first_frames_ms = round(1000 * (painted - clicked))
        self.summary.legs.append(Leg(_name(ANSWERING_DESK), self._display_name(FIRST_STAFF)))
        await self.pause(1.0)
        await self.shot("console-call", console.window)
        await self.shot("kiosk-in-call", kiosk.window)
        return call.session_id

    async def _staff_shows_a_form(self) -> None:
        kiosk, console = self._apps()
        fps_from = self._frames_received()
        documents = console.window.call.documents
        self._begin("田中 shows the sample form")
        await self.until(lambda: documents.forms.count() > 0, "the forms list")
        item = documents.forms.item(0)
        assert item is not None
        viewport = documents.forms.viewport()
        assert viewport is not None
        self.click(viewport, documents.forms.visualItemRect(item).center())
        await self.until(lambda: self._kiosk_pages_painted() > 0, "the kiosk shows the page")
        await self.until(lambda: documents.canvas.page_rect().width() > 0, "the console's page")
        self._begin("田中 highlights the name box and points into it")
        self.click(documents.tools[MarkTool.HIGHLIGHTER])
        canvas, page = documents.canvas, documents.canvas.page_rect()
        x, y = NAME_BOX_CENTRE

        def at(fx: float, fy: float) -> QPoint:
            return QPoint(round(page.x() + fx * page.width()), round(page.y() + fy * page.height()))

        # A drag across the box: press at one corner, release at the other.
        MOUSE.mousePress(canvas, LEFT, NO_MODIFIER, at(0.07, y - 0.033))
        MOUSE.mouseRelease(canvas, LEFT, NO_MODIFIER, at(0.93, y + 0.033))
        self.click(documents.tools[MarkTool.POINTER])
        self.click(canvas, at(x, y))
        await self.until(lambda: self._kiosk_has_marks(Highlight, Pointer), "the kiosk's marks")
        self._begin("田中 sends a text")
        self._console_tab(1)  # キオスクに文字を表示
        console.window.call.messages.free_text.setPlainText(TEXT)
        self.click(console.window.call.messages.send)
        await self.until(lambda: TEXT in self._staff_texts(kiosk), "the kiosk's text")
        self._begin("the citizen answers はい")
        call = kiosk.window.screens[Page.IN_CALL]
        assert isinstance(call, InCallScreen)
        self.click(call.phrases[QuickPhrase.YES])
        await self.until(lambda: self._console_phrase() == QuickPhrase.YES.value, "the phrase")
        self._console_tab(0)  # 書類
        await self.pause(1.5)
        await self.shot("console-document", console.window)
        await self.shot("kiosk-document", kiosk.window)
        self._fps_since(fps_from)

    async def _staff_transfers(self) -> None:
        kiosk, console = self._apps()
        self._begin("田中 opens the transfer dialog")
        self.click(console.window.call.transfer)
        dialog = await self._visible_transfer_dialog()
        dialog.choose(TRANSFER_TO)
        dialog.note.setPlainText(NOTE)
        await self.shot("console-transfer", dialog)
        self._begin("田中 transfers the citizen to 福祉課")
        submit = dialog.findChild(QPushButton, "transfer_submit")
        assert submit is not None
        self.click(submit)
        await self.until(lambda: console.controller.stage is Stage.WRAP_UP, "the wrap-up")
        await self.until(
            lambda: kiosk.controller.state is KioskState.TRANSFERRING, "the kiosk transferring"
        )
        await self.pause(0.5)
        await self.shot("kiosk-transferring", kiosk.window)
        await self.shot("console-wrap-up", console.window)
        self._begin("鈴木 (madoguchi-bot) logs in to 福祉課")
        self._bot = self._start_bot()
        self._begin("田中 saves the wrap-up")
        wrap_up = console.window.wrap_up
        wrap_up.outcome.setCurrentIndex(wrap_up.outcome.findData("referred"))
        wrap_up.note.setPlainText("福祉課へ")
        self.click(wrap_up.save)
        await self.until(lambda: console.controller.stage is Stage.READY, "back to the queue")
        await self.shot("console-today", console.window)

    async def _second_staff_takes_over(self) -> None:
        kiosk, _ = self._apps()
        self._begin("鈴木 takes the citizen in 福祉課")
        await self.until(lambda: kiosk.controller.state is KioskState.IN_CALL, "the second call")
        await self.until(
            lambda: (
                kiosk.controller.citizen.media is CallMedia.CONNECTED
                and BOT_TEXT in self._staff_texts(kiosk)
            ),
            "鈴木 connected and her text shown",
        )
        self.summary.legs.append(Leg("福祉課", self._display_name(SECOND_STAFF)))
        await self.pause(1.5)
        await self.shot("kiosk-in-call-second", kiosk.window)

    async def _citizen_ends_and_rates(self) -> None:
        kiosk, _ = self._apps()
        window = kiosk.window
        self._begin("the citizen ends the call")
        self.click(window.bottom.back)
        await self.until(lambda: window.page is Page.CONFIRM_END, "the confirmation")
        await self.shot("kiosk-confirm-end", window)
        self.click(window.bottom.primary)
        await self.until(lambda: window.page is Page.SURVEY, "the survey")
        await self.shot("kiosk-survey", window)
        self._begin("the citizen rates the consultation")
        survey = window.screens[Page.SURVEY]
        assert isinstance(survey, SurveyScreen)
        self.click(survey.faces[0])
        await self.until(lambda: window.page is Page.THANK_YOU, "the thank-you screen")
        await self.shot("kiosk-thank-you", window)
        self.click(window.bottom.primary)
        await self.until(lambda: window.page is Page.ATTRACT, "the reset to the first screen")
        await self.shot("kiosk-reset", window)

    async def _read_back(self, session_id: str) -> None:
        hub, bot = self._hub, self._bot
        assert hub is not None
        assert bot is not None
        self._begin("鈴木 wraps up (madoguchi-bot exits)")
        await self.until(lambda: bot.exit_code() is not None, "madoguchi-bot finished")
        self._read_bot_summary(bot)
        self._begin("reading the consultation back from the hub's store")
        try:
            record = await read_consultation(hub.database_url, session_id, within=STEP_SECONDS)
        except TimeoutError:
            raise AutoplayError(f"the hub's store has no finished {session_id}") from None
        fill_from_history(self.summary, record, _name)
        first = record.legs[0] if record.legs else None
        if first is None or (first.department_id, first.overflowed_from) != (
            ANSWERING_DESK,
            HOME_DESK,
        ):
            raise AutoplayError(
                "the history does not record the first leg as 北区's 市民課 answered by 中央区's"
            )

    # --- Helpers -------------------------------------------------------------------------------

    async def until(
        self, check: Callable[[], bool], what: str, within: float = STEP_SECONDS
    ) -> float:
        """Pump Qt and the loop until `check` holds; returns the monotonic time it did."""
        deadline = time.monotonic() + within
        while True:
            QApplication.processEvents()
            self._raise_if_broken()
            if check():
                return time.monotonic()
            if time.monotonic() > deadline:
                raise AutoplayError(f"{self.step}: {what} did not come within {within:.0f} s")
            self._sample()
            await asyncio.sleep(POLL_SECONDS)

    async def pause(self, seconds: float) -> None:
        """Let the apps run (paint video, exchange stats) for a while."""
        end = time.monotonic() + seconds
        await self.until(lambda: time.monotonic() >= end, "a pause", within=seconds + 5)

    def click(self, widget: QWidget, at: QPoint | None = None) -> None:
        """A press and release at `at` (the centre by default), as a tap or a click makes."""
        MOUSE.mouseClick(widget, LEFT, NO_MODIFIER, at or widget.rect().center())

    async def shot(self, name: str, widget: QWidget) -> None:
        await self.pause(0.2)  # the render after the last change, and a video frame or two
        self._shots += 1
        path = self.options.screenshots / f"{self._shots:02d}-{name}.png"
        if not widget.grab().save(str(path)):
            raise AutoplayError(f"could not write the screenshot {path}")
        self.summary.screenshots.append(path.name)

    def _begin(self, step: str) -> None:
        """A new step: said as it starts, so a person watching knows what is going on."""
        self.step = step
        print(f"  {step}", flush=True)

    def _prepare_screenshots(self) -> None:
        folder = self.options.screenshots
        folder.mkdir(parents=True, exist_ok=True)
        for old in [*folder.glob("[0-9][0-9]-*.png"), folder / "summary.json"]:
            old.unlink(missing_ok=True)  # a previous run's, which this one may not replace

    async def _visible_transfer_dialog(self) -> TransferDialog:
        _, console = self._apps()
        found: list[TransferDialog] = []

        def shown() -> bool:
            found[:] = [d for d in console.window.findChildren(TransferDialog) if d.isVisible()]
            return bool(found)

        await self.until(shown, "the transfer dialog")
        return found[-1]

    def _start_bot(self) -> Program:
        hub = self._hub
        assert hub is not None
        argv = python(
            "-m", "call.bot", "staff", "--server", hub.url,
            "--username", SECOND_STAFF, "--password", hub.password(SECOND_STAFF),
            "--text", BOT_TEXT, "--outcome", "resolved", "--hang-up-after", "300",
            "--loopback-ice", "--summary", "--timeout", str(STEP_SECONDS),
            "--wait", str(STEP_SECONDS), "--max-call", "300",
        )  # fmt: skip
        bot = Program("headless staff member (madoguchi-bot)", argv, self.var_dir / "bot.log")
        bot.start()
        return bot

    def _read_bot_summary(self, bot: Program) -> None:
        if bot.exit_code() != 0:
            raise AutoplayError(describe_exit(bot))
        lines = [
            line.removeprefix(SUMMARY_PREFIX)
            for line in bot.log.read_text(encoding="utf-8").splitlines()
            if line.startswith(SUMMARY_PREFIX)
        ]
        if not lines:
            raise AutoplayError(f"madoguchi-bot printed no summary (log: {bot.log})")
        call = json.loads(lines[-1])["calls"][0]
        self.summary.second_leg_setup_ms = call.get("setup_ms")
        self.summary.second_leg_first_frame_ms = call.get("first_frame_ms")

    def _console_tab(self, index: int) -> None:
        _, console = self._apps()
        bar = console.window.call.tabs.tabBar()
        assert bar is not None
        self.click(bar, bar.tabRect(index).center())

    def _raise_if_broken(self) -> None:
        if self._errors:
            raise AutoplayError(f"{self.step}: an app raised an error:\n{self._errors[0]}")
        hub = self._hub
        if hub is not None and hub.program.exit_code() is not None:
            raise AutoplayError(f"{self.step}: {describe_exit(hub.program)}")
        bot = self._bot
        if bot is not None and bot.exit_code() not in (None, 0):
            raise AutoplayError(f"{self.step}: {describe_exit(bot)}")

    def on_unhandled_error(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        """sys.excepthook: remember it; the next wait fails the autoplay with it."""
        self._errors.append("".join(traceback.format_exception(kind, error, tb)))

    def _apps(self) -> tuple[KioskApp, ConsoleApp]:
        assert self._kiosk is not None
        assert self._console is not None
        return self._kiosk, self._console

    def _display_name(self, username: str) -> str:
        assert self._hub is not None
        return self._hub.display_name(username)

    def _console_phase(self) -> CallPhase | None:
        _, console = self._apps()
        call = console.controller.view().call
        return None if call is None else call.phase

    def _console_phrase(self) -> str:
        _, console = self._apps()
        call = console.controller.view().call
        return "" if call is None else call.phrase

    def _in_call_screen(self) -> InCallScreen:
        kiosk, _ = self._apps()
        screen = kiosk.window.screens[Page.IN_CALL]
        assert isinstance(screen, InCallScreen)
        return screen

    def _kiosk_frames_painted(self) -> int:
        return self._in_call_screen().stage.staff_video.frames_painted

    def _kiosk_pages_painted(self) -> int:
        return self._in_call_screen().stage.document.pages_painted

    @staticmethod
    def _staff_texts(kiosk: KioskApp) -> list[str]:
        return [words.text for words in kiosk.controller.citizen.staff_texts]

    def _kiosk_has_marks(self, *kinds: type) -> bool:
        kiosk, _ = self._apps()
        document = kiosk.controller.citizen.document
        marks = () if document is None else tuple(document.marks.values())
        return all(any(isinstance(mark, kind) for mark in marks) for kind in kinds)

    def _frames_received(self) -> tuple[float, int, int]:
        """Now, and the frames each app's engine has received from the other end so far."""
        _, console = self._apps()
        assert isinstance(console.engine, ConsoleEngineAdapter)
        assert self._kiosk_engine is not None
        console_engine, kiosk_engine = console.engine.engine, self._kiosk_engine.engine
        assert console_engine is not None
        assert kiosk_engine is not None
        return (
            time.monotonic(),
            console_engine.remote_camera.sequence,
            kiosk_engine.remote_camera.sequence,
        )

    def _fps_since(self, start: tuple[float, int, int]) -> None:
        now, console_frames, kiosk_frames = self._frames_received()
        seconds = now - start[0]
        self.summary.console_fps = round((console_frames - start[1]) / seconds, 1)
        self.summary.kiosk_fps = round((kiosk_frames - start[2]) / seconds, 1)

    def _sample(self) -> None:
        """The console's call-quality reading, twice a second while a call is up."""
        now = time.monotonic()
        if self._console is None or now < self._next_sample:
            return
        self._next_sample = now + 0.5
        call = self._console.controller.view().call
        rtt = None if call is None else call.quality.rtt_ms
        if rtt is not None and (not self.summary.rtt_ms or self.summary.rtt_ms[-1] != rtt):
            self.summary.rtt_ms.append(round(rtt, 2))

    async def _close(self) -> None:
        """The apps' engines first (the hub sees them leave), then the bot, then the hub."""
        if self._kiosk is not None:
            self._kiosk.window.may_close = True
            self._kiosk.window.close()
        if self._kiosk_engine is not None:
            await asyncio.to_thread(self._kiosk_engine.close)
        if self._console is not None:
            engine = self._console.engine
            assert isinstance(engine, ConsoleEngineAdapter)
            await asyncio.to_thread(engine.logout)
            self._console.window.hide()
        for program in (self._bot, None if self._hub is None else self._hub.program):
            if program is not None:
                await asyncio.to_thread(program.stop)
        QApplication.processEvents()


def _name(department_id: str) -> str:
    """A demo department's Japanese name, as the summary prints it."""
    department = demo_directory().department(department_id)
    return department_id if department is None else department.names["ja"]
