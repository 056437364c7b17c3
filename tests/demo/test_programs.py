"""The demo's child processes: stopped kindly, and named with their last words when they die."""

from __future__ import annotations

import sys
from pathlib import Path

from demo.programs import Program, describe_exit, first_exited

# A program that says it is ready, stops on SIGINT as every Madoguchi program does, and says so.
POLITE = """
import sys, time
print("ready", flush=True)
try:
    time.sleep(60)
except KeyboardInterrupt:
    print("stopping kindly", flush=True)
    sys.exit(0)
"""


def program(tmp_path: Path, code: str, name: str = "kiosk") -> Program:
    return Program(name, [sys.executable, "-c", code], tmp_path / f"{name}.log")


def wait_for_log(started: Program, text: str) -> None:
    for _ in range(200):
        if started.log_contains(text):
            return
        started.wait(0.05)
    raise AssertionError(f"{started.name} never wrote {text!r}: {started.tail()}")


def test_stop_asks_with_sigint_first(tmp_path: Path) -> None:
    polite = program(tmp_path, POLITE)
    polite.start()
    wait_for_log(polite, "ready")
    assert polite.stop() == 0
    assert "stopping kindly" in polite.tail()


def test_a_program_that_ignores_sigint_is_still_stopped(tmp_path: Path) -> None:
    stubborn = program(
        tmp_path,
        "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); print('ready',"
        " flush=True); time.sleep(60)",
    )
    stubborn.start()
    wait_for_log(stubborn, "ready")
    assert stubborn.stop(ask_seconds=0.5) is not None  # then SIGTERM, which it does not ignore
    assert not stubborn.running()


def test_a_program_that_died_is_named_with_the_end_of_its_log(tmp_path: Path) -> None:
    dying = program(tmp_path, "print('cannot open the camera'); raise SystemExit(3)")
    living = program(tmp_path, POLITE, name="hub")
    living.start()
    dying.start()
    dying.wait(10)
    assert first_exited([living, dying]) is dying
    message = describe_exit(dying)
    assert message.startswith("the kiosk exited with code 3")
    assert "cannot open the camera" in message
    living.stop()


def test_the_secret_goes_through_stdin_not_the_command_line(tmp_path: Path) -> None:
    reader = Program(
        "console",
        [sys.executable, "-c", "print('got', input())"],
        tmp_path / "console.log",
        stdin_text="tanaka-demo\n",
    )
    reader.start()
    assert reader.wait(10) == 0
    assert "got tanaka-demo" in reader.tail()
    assert "tanaka-demo" not in " ".join(reader.argv)
