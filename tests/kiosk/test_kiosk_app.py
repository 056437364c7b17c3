"""The app around the screens: touch behaviour, feedback, lockdown, the crash handler, start-up."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from kiosk_scenes import RecordingEngine, connected_controller, demo_directory, scene_feeds
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QApplication

from call.content_messages import MAX_KEEP_PAGES
from call.sharing import KEEP_PAGES
from kiosk import __main__ as entry
from kiosk import beep
from kiosk.app import CRASH_EXIT_CODE, CrashHandler, KioskApp, lock_down
from kiosk.core.engine_port import HubConnected
from kiosk.core.state import KioskState as S
from kiosk.core.viewmodels import Page
from kiosk.settings import KioskSettings, SettingsError, load_settings
from kiosk.widgets import chrome
from kiosk.widgets.text import KText
from kiosk.widgets.touch_button import TouchButton
from kiosk.window import KioskWindow

LEFT = Qt.MouseButton.LeftButton


class CountingBeeper:
    def __init__(self) -> None:
        self.beeps = 0

    def beep(self) -> None:
        self.beeps += 1


@pytest.fixture
def app(qtbot: Any) -> Iterator[KioskApp]:
    settings = KioskSettings(server="ws://hub.invalid/ws", token="t", windowed=True)
    kiosk = KioskApp(
        settings, RecordingEngine(), scene_feeds(), beeper=CountingBeeper(), tick=False
    )
    qtbot.addWidget(kiosk.window)
    kiosk.start()
    kiosk.controller.handle(HubConnected(resumed=False))
    kiosk.controller.handle(demo_directory())
    yield kiosk
    kiosk.window.may_close = True


def beeps(app: KioskApp) -> int:
    beeper = app.window._beeper  # the window's own, for this check
    assert isinstance(beeper, CountingBeeper)
    return beeper.beeps


def test_a_tap_acts_on_release_and_sliding_off_cancels(app: KioskApp, qtbot: Any) -> None:
    start = app.window.bottom.primary
    qtbot.mousePress(start, LEFT)
    assert app.controller.state is S.ATTRACT, "nothing happens on the way down"
    qtbot.mouseRelease(start, LEFT, pos=QPoint(start.width() + 200, start.height() // 2))
    assert app.controller.state is S.ATTRACT, "a finger that slid off does nothing"
    qtbot.mouseClick(start, LEFT)
    assert app.controller.state is S.LANGUAGE


def test_every_press_on_a_target_beeps_and_nothing_else_does(app: KioskApp, qtbot: Any) -> None:
    qtbot.mousePress(app.window.top.title, LEFT)
    assert beeps(app) == 0
    qtbot.mouseClick(app.window.top.large_text, LEFT)
    assert beeps(app) == 1
    qtbot.mouseClick(app.window.screens[Page.ATTRACT], LEFT)  # "touch anywhere"
    assert beeps(app) == 2


def test_a_pressed_button_looks_different_and_does_not_move(app: KioskApp, qtbot: Any) -> None:
    button = app.window.bottom.primary
    before, where = button.grab().toImage(), button.geometry()
    qtbot.mousePress(button, LEFT)
    pressed = button.grab().toImage()
    assert pressed != before
    assert button.geometry() == where
    qtbot.mouseRelease(button, LEFT)


def test_the_hidden_corner_opens_the_pin_pad_only_after_a_long_press(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chrome, "LONG_PRESS_SECONDS", 0.05)
    controller, _, _ = connected_controller()
    window = KioskWindow(controller, scene_feeds(), beep.SilentBeeper())
    qtbot.addWidget(window)
    controller.on_change = lambda: window.draw(controller.view())
    window.draw(controller.view())
    corner = window.top.corner
    qtbot.mouseClick(corner, LEFT)
    qtbot.wait(100)
    assert window.page is Page.ATTRACT, "a short tap on the corner does nothing"
    qtbot.mousePress(corner, LEFT)
    qtbot.waitUntil(lambda: window.page is Page.ADMIN_PIN, timeout=2000)
    qtbot.mouseRelease(corner, LEFT)


def test_lockdown_is_frameless_fullscreen_with_no_cursor_and_will_not_close(
    app: KioskApp, qtbot: Any
) -> None:
    lock_down(app.window)
    try:
        flags = app.window.windowFlags()
        assert flags & Qt.WindowType.FramelessWindowHint
        assert flags & Qt.WindowType.WindowStaysOnTopHint
        assert app.window.isFullScreen()
        assert app.window.cursor().shape() is Qt.CursorShape.BlankCursor
        app.window.close()
        assert app.window.isVisible(), "only the admin exit closes the kiosk"
    finally:
        while QApplication.overrideCursor() is not None:
            QApplication.restoreOverrideCursor()


def test_a_crash_shows_the_friendly_screen_never_a_traceback_and_recovers(
    app: KioskApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = CrashHandler(app)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    handler.install()
    try:
        raise RuntimeError("a bug in a screen")
    except RuntimeError as error:
        sys.excepthook(RuntimeError, error, error.__traceback__)
    assert app.window.page is Page.UNAVAILABLE
    texts = [t.text() for t in app.window.findChildren(KText) if t.isVisibleTo(app.window)]
    assert "問題が起きました。すぐに 元にもどります。" in " ".join(texts)
    assert not [t for t in texts if "Traceback" in t or "RuntimeError" in t]
    app.controller._clock = lambda: 1e12  # time passes
    app.controller.tick()
    assert app.window.page is Page.ATTRACT


def test_a_crash_while_recovering_exits_for_systemd_to_restart(
    app: KioskApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    exits: list[int] = []
    monkeypatch.setattr(QApplication, "exit", lambda code=0: exits.append(code))
    handler = CrashHandler(app)

    def crash_again() -> None:
        error = RuntimeError("the recovery failed too")
        handler.handle(RuntimeError, error, None)

    monkeypatch.setattr(app.controller, "crashed", crash_again)
    handler.handle(RuntimeError, RuntimeError("first"), None)
    assert exits == [CRASH_EXIT_CODE]


def test_the_beep_is_a_short_tone_at_or_below_2_5_khz() -> None:
    samples = np.frombuffer(beep.tone(), dtype="<i2").astype(float)
    assert len(samples) / beep.RATE == pytest.approx(0.080)
    spectrum = np.abs(np.fft.rfft(samples))
    peak = np.fft.rfftfreq(len(samples), 1 / beep.RATE)[np.argmax(spectrum)]
    assert peak <= 2500
    assert peak == pytest.approx(beep.FREQUENCY, abs=20)
    assert abs(samples[0]) < 200, "faded in: no click"
    assert np.max(np.abs(samples)) <= 32767 * beep.LEVEL + 1


def test_settings_come_from_the_file_then_the_environment_then_the_command_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[kiosk]\nserver = "ws://file/ws"\ntoken = "from-file"\nidle_timeout = 90\n'
        'language = "en"\n',
        encoding="utf-8",
    )
    assert tomllib.loads(path.read_text(encoding="utf-8"))["kiosk"]["idle_timeout"] == 90
    settings = load_settings(
        path,
        env={"MADOGUCHI_KIOSK_TOKEN": "from-env", "MADOGUCHI_KIOSK_WINDOWED": "yes"},
        overrides={"server": "ws://cli/ws", "language": None},
    ).validate()
    assert settings.server == "ws://cli/ws"
    assert settings.token == "from-env"
    assert settings.idle_timeout == 90.0
    assert settings.windowed is True
    assert settings.language.value == "en"
    assert "from-env" not in repr(settings)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"server": "http://hub/ws", "token": "t"}, "ws://"),
        ({"server": "ws://hub/ws"}, "token"),
        ({"server": "ws://hub/ws", "token": "t", "warning_seconds": 10}, "at least 20"),
        ({"server": "ws://hub/ws", "token": "t", "keep_pages": 9}, "keep_pages is 0"),
        ({"server": "ws://hub/ws", "token": "t", "audio": "headphones"}, "handset"),
    ],
)
def test_bad_settings_are_refused_with_a_reason(values: dict[str, Any], problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        load_settings(env={}, overrides=values).validate()


def test_a_handset_kiosk_runs_no_echo_canceller_and_an_open_speaker_does() -> None:
    base = {"server": "ws://hub/ws", "token": "t"}
    handset = load_settings(env={}, overrides={**base, "audio": "handset"}).validate()
    speaker = load_settings(env={}, overrides=base).validate()
    assert entry.media_settings(handset).echo_cancellation is False
    assert entry.media_settings(speaker).echo_cancellation is True


def test_the_command_line_refuses_a_bad_server_without_starting_qt(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert entry.main(["--server", "http://hub/ws", "--token", "t"]) == 2
    assert "ws:// or wss://" in capsys.readouterr().err


def test_hash_pin_prints_a_hash_that_verifies(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.lockdown import verify_pin

    monkeypatch.setattr(entry.getpass, "getpass", lambda prompt: "2468")
    assert entry.main(["--hash-pin"]) == 0
    stored = capsys.readouterr().out.strip()
    assert stored.startswith("pbkdf2_sha256$")
    assert verify_pin("2468", stored)
    assert not verify_pin("2469", stored)


def test_touch_buttons_are_never_smaller_than_the_floor(app: KioskApp) -> None:
    for button in app.window.findChildren(TouchButton):
        assert button.minimumSizeHint().width() >= 80
        assert button.minimumSizeHint().height() >= 80


def test_the_kiosk_keeps_as_many_pages_as_the_engine_by_default_and_no_more_than_it_may() -> None:
    assert KioskSettings().keep_pages == KEEP_PAGES
    KioskSettings(server="ws://hub/ws", token="t", keep_pages=MAX_KEEP_PAGES).validate()
