"""The hub as the demo runs it: `python -m signaling --demo`, in its own process, on a var dir.

`--demo` seeds 窓口市 and writes `demo-credentials.json` (staff passwords, fresh kiosk tokens)
before it serves, so the credentials are read once `/healthz` answers. Unless asked for the real
hours, the demo city is served open around the clock: a newcomer trying the demo at 21:00 or
on a Sunday should reach a person, not the "closed" screen. That goes through the hub's own
`city_file` setting, with a copy of `signaling/demo_city.toml` whose hours say so; the copy is
loaded back and checked, so a change to that file's layout fails here, loudly.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

import msgspec

from demo.programs import Program, describe_exit, python
from signaling.demo import CREDENTIALS_FILE, DemoCredentials
from signaling.directory import load_directory

DEFAULT_PORT: Final = 8765
CITY_FILE: Final = "demo-city-open-always.toml"
DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAY: Final = "00:00-24:00"


class HubError(Exception):
    """The hub could not be started, or did not come up; the message says why."""


@dataclass(frozen=True, slots=True)
class RunningHub:
    program: Program
    port: int
    var_dir: Path
    credentials: DemoCredentials

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        # The hub's default (signaling.settings): SQLite under its var dir.
        return f"sqlite+aiosqlite:///{self.var_dir}/madoguchi.db"

    def password(self, username: str) -> str:
        return next(a.password for a in self.credentials.accounts if a.username == username)

    def display_name(self, username: str) -> str:
        return next(a.display_name for a in self.credentials.accounts if a.username == username)


def start_hub(
    var_dir: Path, log: Path, *, port: int = DEFAULT_PORT, real_hours: bool = False
) -> RunningHub:
    """Start the hub and wait until it answers /healthz; HubError if it does not."""
    if not port_is_free(port):
        raise HubError(
            f"port {port} on 127.0.0.1 is taken: is another hub (another `make demo`) running?"
        )
    var_dir = var_dir.resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    credentials_path = var_dir / CREDENTIALS_FILE
    credentials_path.unlink(missing_ok=True)  # a stale one must never be read as this run's
    env = dict(os.environ)
    env["MADOGUCHI_VAR_DIR"] = str(var_dir)
    if not real_hours:
        env["MADOGUCHI_CITY_FILE"] = str(write_city_open_always(var_dir / CITY_FILE))
    program = Program("hub", python("-m", "signaling", "--demo", "--port", str(port)), log, env=env)
    program.start()
    try:
        wait_healthy(program, f"http://127.0.0.1:{port}/healthz", within=60.0)
        credentials = msgspec.json.decode(credentials_path.read_bytes(), type=DemoCredentials)
    except (HubError, OSError, msgspec.DecodeError) as error:
        program.stop()
        raise HubError(str(error)) from None
    return RunningHub(program, port, var_dir, credentials)


def wait_healthy(program: Program, url: str, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if program.exit_code() is not None:
            raise HubError(describe_exit(program))
        try:
            with urllib.request.urlopen(url, timeout=1.0) as response:
                if json.loads(response.read()).get("status") == "ok":
                    return
        except (OSError, ValueError):  # not listening yet (URLError is an OSError)
            pass
        time.sleep(0.2)
    raise HubError(f"the hub did not answer {url} within {within:.0f} s (log: {program.log})")


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the hub binds (aiohttp reuses the address), so the connections a hub that just
        # stopped left in TIME_WAIT do not count as taken.
        if os.name == "posix":
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port nobody listens on now (the autoplay's hub must not clash with a running demo)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def write_city_open_always(path: Path) -> Path:
    """The demo city with every department open every day, all day, written to `path`."""
    text = resources.files("signaling").joinpath("demo_city.toml").read_text(encoding="utf-8")
    weekly = ", ".join(f'{day} = ["{ALL_DAY}"]' for day in DAYS)
    replacements = {
        "weekly": f"weekly = {{ {weekly} }}",
        "closed_dates": "closed_dates = []",
        "national_holidays_closed": "national_holidays_closed = false",
    }
    lines = []
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        lines.append(replacements.get(key, line) if "=" in line else line)
    result = "\n".join(lines) + "\n"
    city = load_directory(result)
    for department in city.departments:
        hours = department.hours
        always = {day: list(hours.weekly.get(day, [])) for day in DAYS} == {
            day: [ALL_DAY] for day in DAYS
        }
        if not always or hours.closed_dates or hours.national_holidays_closed:
            raise HubError(
                f"could not open {department.id} around the clock: signaling/demo_city.toml "
                "changed its layout (run with --real-hours, or update demo/hub.py)"
            )
    path.write_text(result, encoding="utf-8")
    return path
