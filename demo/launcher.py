"""`madoguchi-demo`: the hub, a kiosk window and a logged-in staff console, for a person to try.

Three processes, each the real program: the hub (`python -m signaling --demo`), the kiosk
(`python -m kiosk --windowed`) and the staff console (`python -m demo.console`, the console's
own parts logged in as 田中; see demo/console.py for why it is not `python -m staff_console`
yet). Their logs go to `var/logs/`. Ctrl-C stops all three, the apps first and then the hub; if
one of them exits by itself, the launcher says which, shows the end of its log and stops the
others.

Media: the kiosk uses this machine's camera, microphone and speaker when a camera is there,
else a synthetic camera and voice (`--synthetic`). The console always uses the synthetic ones:
two apps on one machine playing each other's audio through one speaker into one microphone
would howl, and both cannot open one camera.
"""

from __future__ import annotations

import glob
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, Final

from demo.console import LOGGED_IN
from demo.forms import write_forms
from demo.hub import HubError, RunningHub, start_hub
from demo.programs import Program, describe_exit, first_exited, python, stop_all
from signaling.demo import DEMO_KIOSK, demo_directory

STAFF: Final = "tanaka"  # 中央区's 市民課 and 税務課: the demo's own console
LOGIN_SECONDS: Final = 45.0
POLL_SECONDS: Final = 0.5


def say(text: str) -> None:
    print(f"madoguchi-demo: {text}", flush=True)


def has_camera() -> bool:
    """A camera device to open; only Linux can tell cheaply, so elsewhere assume one."""
    if sys.platform.startswith("linux"):
        return bool(glob.glob("/dev/video*"))
    return True


def run(var_dir: Path, *, port: int, real_hours: bool, synthetic: bool) -> int:
    """Start the three programs, print the walkthrough, and watch them until Ctrl-C."""
    logs = var_dir / "logs"
    try:
        hub = start_hub(var_dir, logs / "hub.log", port=port, real_hours=real_hours)
    except HubError as error:
        say(f"the hub did not start: {error}")
        return 1
    say(f"the hub is up on {hub.url} (log: {hub.program.log})")
    _print_accounts(hub, real_hours)
    kiosk_synthetic = synthetic or not has_camera()
    kiosk = _kiosk(hub, logs, kiosk_synthetic)
    console = _console(hub, var_dir, logs)
    programs = [kiosk, console, hub.program]  # the order they are stopped in
    previous = _stop_on_signals()
    try:
        kiosk.start()
        console.start()
        media = "a synthetic camera and voice" if kiosk_synthetic else "this machine's camera"
        say(f"the kiosk ({DEMO_KIOSK}, in 北区) is open with {media}")
        if not _wait_logged_in(console, programs):
            return _stopped_because(programs)
        say(f"the staff console is logged in as {STAFF} ({hub.display_name(STAFF)})")
        _print_walkthrough(hub)
        while (gone := first_exited(programs)) is None:
            time.sleep(POLL_SECONDS)
        say(f"{describe_exit(gone)}\nmadoguchi-demo: stopping the others")
        stop_all(programs)
        return 1
    except KeyboardInterrupt:
        print()
        say("stopping the kiosk, the staff console and the hub")
        stop_all(programs)
        say("stopped")
        return 0
    finally:
        stop_all(programs)  # whatever happened above, nothing is left running
        _restore_signals(previous)


def _kiosk(hub: RunningHub, logs: Path, synthetic: bool) -> Program:
    argv = python("-m", "kiosk", "--server", hub.url, "--windowed")
    if synthetic:
        argv.append("--synthetic")
    # The kiosk reads its token from the environment, which other users cannot list.
    env = dict(os.environ, MADOGUCHI_KIOSK_TOKEN=hub.credentials.kiosk(DEMO_KIOSK).token)
    # QtMultimedia (the press beep) lists every audio library it could not load: not news.
    env.setdefault("QT_LOGGING_RULES", "qt.multimedia*=false")
    return Program("kiosk", argv, logs / "kiosk.log", env=env)


def _console(hub: RunningHub, var_dir: Path, logs: Path) -> Program:
    forms = write_forms(var_dir / "demo-forms")
    argv = python(
        "-m",
        "demo.console",
        "--server",
        hub.url,
        "--username",
        STAFF,
        "--password-stdin",
        "--settings-file",
        str(var_dir / "demo-console.ini"),
        "--forms",
        str(forms.parent),
    )
    return Program("staff console", argv, logs / "console.log", stdin_text=hub.password(STAFF))


def _wait_logged_in(console: Program, programs: list[Program]) -> bool:
    deadline = time.monotonic() + LOGIN_SECONDS
    while time.monotonic() < deadline:
        if first_exited(programs) is not None:
            return False
        if console.log_contains(LOGGED_IN):
            return True
        time.sleep(0.2)
    say(f"the staff console did not log in within {LOGIN_SECONDS:.0f} s (log: {console.log})")
    return False


def _stopped_because(programs: list[Program]) -> int:
    gone = first_exited(programs)
    if gone is not None:
        say(describe_exit(gone))
    say("stopping the others")
    stop_all(programs)
    return 1


def _print_accounts(hub: RunningHub, real_hours: bool) -> None:
    names = {d.id: d.names.get("ja", d.id) for d in demo_directory().departments}
    hours = (
        "its real hours (Asia/Tokyo)"
        if real_hours
        else "open around the clock (--real-hours for its real hours)"
    )
    print(f"  the demo city 窓口市 is {hours}")
    for account in hub.credentials.accounts:
        if account.departments:
            departments = "、".join(names.get(d, d) for d in account.departments)
            print(f"  staff {account.username} / {account.password}  ({departments})")
    yamada, kobayashi = hub.password("yamada"), hub.password("kobayashi")
    print(
        f"  admin page {hub.http}/admin/: supervisors yamada / {yamada} (the whole city) and "
        f"kobayashi / {kobayashi} (北区 only)"
    )
    print(f"  every account and kiosk token: {hub.var_dir / 'demo-credentials.json'}")


def _print_walkthrough(hub: RunningHub) -> None:
    suzuki, kimura = hub.password("suzuki"), hub.password("kimura")
    print(
        f"""
Ready. A whole consultation, on this machine:
  1. Kiosk ({DEMO_KIOSK}, a center in 北区): touch the screen, choose 日本語, then 住民票・戸籍;
     agree, and call staff.
  2. Console: the citizen appears in the queue marked 他区からの待ち: they asked 北区's 市民課,
     where nobody is on duty, so it overflowed at once to 中央区's, yours. Select the row and
     Accept (Enter). (With 木村 on duty in 北区 the citizen would wait 120 s for 木村 first:
     .venv/bin/madoguchi-console, user kimura / {kimura}.)
  3. Console: in the document panel, open the sample form (a standard form on the left),
     click a box: the kiosk shows the page with your pointer on it. Send a text too.
  4. Console: Transfer (Ctrl+T) to 税務課 with a note. 田中 serves 税務課 as well, so save the
     wrap-up and the citizen is back in the queue with your note: accept again.
     (Or let 鈴木 take them in 福祉課: .venv/bin/madoguchi-bot staff --server {hub.url} \\
       --username suzuki --password {suzuki} --hang-up-after 30)
  5. Console: End (Ctrl+Shift+E) and save the wrap-up; the kiosk asks for a rating.
Ctrl-C here stops everything. Logs: {hub.var_dir / "logs"}""",
        flush=True,
    )


_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


def _stop_on_signals() -> dict[int, _Handler]:
    """SIGTERM and SIGHUP (the terminal closed) stop the demo as Ctrl-C does."""

    def interrupt(number: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous: dict[int, _Handler] = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, interrupt)
    return previous


def _restore_signals(previous: dict[int, _Handler]) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)
