"""`madoguchi-demo` by hand: three real programs, stopped together by Ctrl-C or by one dying."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.hub import free_port
from tests.demo.command import ROOT, demo_command, demo_env
from tests.participant import UNIT


class Launcher:
    """`python -m demo` on a display, with its output read line by line as it comes."""

    def __init__(self, display: str, var_dir: Path) -> None:
        command = demo_command("--var-dir", str(var_dir), "--port", str(free_port()))
        self.process = subprocess.Popen(
            [*command, "--synthetic"],
            cwd=ROOT,
            env=demo_env(display),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:  # closed at the end of the output, when the launcher exits
            for line in self.process.stdout:
                self.lines.put(line)

    def wait_for(self, text: str, within: float) -> None:
        while not any(text in line for line in self.output):
            try:
                self.output.append(self.lines.get(timeout=within))
            except queue.Empty:
                pytest.fail(f"no {text!r} within {within} s:\n{''.join(self.output)}")

    def finish(self, within: float) -> int:
        code = self.process.wait(within)
        self._reader.join(within)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return code

    def children(self) -> dict[str, int]:
        """The launcher's child processes by what they run: hub, kiosk, console."""
        pid = self.process.pid
        names = {"signaling": "hub", "kiosk": "kiosk", "demo.console": "console"}
        found = {}
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            argv = Path(f"/proc/{child}/cmdline").read_bytes().decode().split("\0")
            found[names[argv[argv.index("-m") + 1]]] = int(child)
        return found


@pytest.fixture
def launcher(xvfb: str, tmp_path: Path) -> Iterator[Launcher]:
    if not Path("/proc/self/task").exists():
        pytest.skip("finding the launcher's children needs Linux's /proc")
    running = Launcher(xvfb, tmp_path / "var")
    yield running
    if running.process.poll() is None:  # a failed test: stop it as a person would
        running.process.send_signal(signal.SIGINT)
        running.finish(6 * UNIT)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_hub_a_kiosk_and_a_logged_in_console_open_and_ctrl_c_stops_all_three(
    launcher: Launcher,
) -> None:
    launcher.wait_for("Ready.", within=12 * UNIT)
    text = "".join(launcher.output)
    assert "the hub is up on ws://127.0.0.1:" in text
    assert "the staff console is logged in as tanaka (田中)" in text
    assert "the kiosk (北部支所, in 北区) is open" in text  # its citizens overflow to 田中
    children = launcher.children()
    assert sorted(children) == ["console", "hub", "kiosk"]
    launcher.process.send_signal(signal.SIGINT)
    assert launcher.finish(6 * UNIT) == 0
    assert "madoguchi-demo: stopped" in "".join(launcher.output)
    assert all(gone(pid) for pid in children.values()), children


def test_a_program_that_dies_is_named_and_the_others_are_stopped(launcher: Launcher) -> None:
    launcher.wait_for("Ready.", within=12 * UNIT)
    children = launcher.children()
    os.kill(children["kiosk"], signal.SIGKILL)
    assert launcher.finish(6 * UNIT) == 1
    text = "".join(launcher.output)
    assert "the kiosk exited with signal 9" in text
    assert "stopping the others" in text
    assert all(gone(pid) for pid in children.values()), children
