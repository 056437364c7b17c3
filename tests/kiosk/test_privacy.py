"""Nothing about a citizen is written to disk: a whole session, in a fresh process, writes nothing.

The session runs in a child process whose home, config, cache, data and state directories all
point into an empty temporary directory, set before Qt starts (fontconfig and QStandardPaths
read them once). Afterwards that directory must still be empty: no settings, no cache, no log.
The runtime directory is set too, as a session (or systemd) sets it: without one, PulseAudio's
client, which QtMultimedia loads for the press beep, leaves a link under ~/.config/pulse.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SESSION = textwrap.dedent(
    """
    import sys
    sys.path[:0] = [{tests!r}, {root!r}]
    from PyQt6.QtWidgets import QApplication
    from kiosk_scenes import SCENES, connected_controller, form_page, scene_feeds
    from kiosk.core import engine_port as e
    from kiosk.app import KioskApp
    from call.control_messages import QuickPhrase
    from kiosk.i18n import Language
    from kiosk.settings import KioskSettings
    from kiosk.core.state import KioskState
    from signaling import protocol as p
    from kiosk_scenes import RecordingEngine, demo_directory, queued, started

    qt = QApplication(sys.argv[:1])
    settings = KioskSettings(server="ws://hub.invalid/ws", token="t", windowed=True)
    from kiosk.beep import make_beeper
    app = KioskApp(settings, RecordingEngine(), scene_feeds(), beeper=make_beeper(), tick=False)
    app.start()
    c = app.controller
    c.handle(e.HubConnected(resumed=False, name="中央公民館"))
    c.handle(demo_directory())
    c.start(); c.choose_language(Language.EN); c.toggle_large_text()
    c.choose_topic("juminhyo"); c.primary()  # the ready screen: agree and call
    assert c.state is KioskState.WAITING, c.state
    c.handle(queued()); c.handle(started())
    c.handle(e.StaffText("s-1", "Your address, please"))
    c.handle(e.PageShown(doc_id="d", page=0, page_count=1, image=form_page()))
    c.send_phrase(QuickPhrase.YES)
    ok = p.DeviceHealth.OK
    c.handle(e.DevicesChanged(camera=ok, microphone=ok, speaker=ok, document_camera=True))
    c.toggle_document_camera(); c.send_paper()  # a still of the citizen's paper, drawn
    c.handle(e.PaperSent(form_page(), delivered=True))
    for _ in range(20):
        qt.processEvents()
    c.toggle_document_camera()
    for _ in range(20):
        qt.processEvents()
    c.back(); c.primary()                      # end the call, confirmed
    c.answer_survey(5)
    c.primary()                                # finish: the privacy reset
    assert c.state is KioskState.ATTRACT, c.state
    c.open_admin(); c.admin_digit("1"); c.back()
    for _ in range(20):
        qt.processEvents()
    app.window.may_close = True
    app.window.close()
    print("session done")
    """
)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in root.rglob("*")
    }


def test_a_whole_session_writes_nothing_under_home_config_or_cache(tmp_path: Path) -> None:
    home = tmp_path / "home"
    dirs = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_STATE_HOME": home / ".local" / "state",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    before = snapshot(home)
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env |= {name: str(path) for name, path in dirs.items()}
    env["QT_QPA_PLATFORM"] = "offscreen"
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env["XDG_RUNTIME_DIR"] = str(runtime)
    work = tmp_path / "work"
    work.mkdir()
    script = SESSION.format(tests=str(Path(__file__).parent), root=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "session done" in result.stdout
    assert snapshot(home) == before
    assert list(work.iterdir()) == [], "nothing in the working directory either"
