"""The demo's child processes: each one started with its output in a log file, and stopped kindly.

Children run in their own session (process group) on POSIX, so a Ctrl-C in the terminal reaches
only `madoguchi-demo`, which then stops them in a known order: the apps first, so the hub sees
them leave and records it, then the hub, which saves its state. Each is asked with SIGINT (what
a Ctrl-C in its own terminal would send, and what every Madoguchi program handles), then told
with SIGTERM, then killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

ASK_SECONDS: Final = 6.0  # SIGINT; the Qt apps notice it at their next one-second tick
TELL_SECONDS: Final = 3.0  # SIGTERM, then SIGKILL
TAIL_LINES: Final = 25


class Program:
    """One child process of the demo, with its output in `log`."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log: Path,
        *,
        env: Mapping[str, str] | None = None,
        stdin_text: str | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log = log
        self._env = env
        self._stdin_text = stdin_text
        self._cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        environ = dict(os.environ if self._env is None else self._env)
        environ["PYTHONUNBUFFERED"] = "1"  # so the log is up to date when a program dies
        with self.log.open("w", encoding="utf-8") as log:  # the child keeps its own copy
            self._process = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE if self._stdin_text is not None else subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environ,
                cwd=self._cwd,
                start_new_session=os.name == "posix",
            )
        if self._stdin_text is not None:
            # A secret goes through a pipe, never the command line other local users can read.
            assert self._process.stdin is not None
            self._process.stdin.write(self._stdin_text.encode())
            self._process.stdin.close()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def exit_code(self) -> int | None:
        """None while it runs (or before it started)."""
        return None if self._process is None else self._process.poll()

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def wait(self, timeout: float) -> int | None:
        if self._process is None:
            return None
        try:
            return self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, ask_seconds: float = ASK_SECONDS) -> int | None:
        """Ask, then tell, then kill; returns the exit code."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            _ask(process)
            try:
                process.wait(ask_seconds)
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    process.wait(TELL_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        return process.returncode

    def tail(self, lines: int = TAIL_LINES) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def log_contains(self, needle: str) -> bool:
        try:
            return needle in self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False


def _ask(process: subprocess.Popen[bytes]) -> None:
    if os.name == "posix":
        process.send_signal(signal.SIGINT)
    else:  # Windows has no SIGINT for another process group
        process.terminate()


def stop_all(programs: Sequence[Program]) -> None:
    """Stop the programs in the order given, each fully before the next."""
    for program in programs:
        program.stop()


def first_exited(programs: Sequence[Program]) -> Program | None:
    return next((p for p in programs if p.exit_code() is not None), None)


def describe_exit(program: Program) -> str:
    """'the kiosk exited with code 1', with the last lines of its log."""
    code = program.exit_code()
    how = f"code {code}" if code is None or code >= 0 else f"signal {-code}"
    tail = program.tail()
    shown = f"\n--- the last lines of {program.log} ---\n{tail}\n---" if tail else ""
    return f"the {program.name} exited with {how}{shown}"


def python(*args: str) -> list[str]:
    """A command line running this interpreter (the project's venv)."""
    return [sys.executable, *args]
