"""The kiosk appliance: deploy/kiosk/install-kiosk.sh into a fresh root, then the app under cage.

The root is container-less: a temporary directory laid out as Debian lays out /, with the
files the script and systemd read there (passwd, the systemd targets, getty@tty1 enabled, a
shell). The script runs on it as it runs on a PC (`--root` is the only difference), with
madoguchi's own wheel built from this checkout. Then the installed session script starts cage
with wlroots' headless backend, as the kiosk user, and cage starts the installed app on Qt's
Wayland platform; the app has started when a real hub sees the kiosk connect.

One shortcut, so the test stays within seconds: the wheelhouse holds madoguchi's wheel only
(PIP_NO_DEPS, pip's own setting), and the installed venv finds the 700 MB of dependencies
(Qt, OpenCV, FFmpeg) in this test's own environment through a .pth file. Everything
madoguchi's (the wheel, the session script, the unit, the settings) is the installed copy.
bench/kiosk_install.sh runs the same tests without it: FULL_WHEELHOUSE names a wheelhouse of
madoguchi[kiosk] with every dependency, and the script installs all of it, offline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import stat
import subprocess
import sysconfig
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from signaling.app import HUB, create_app
from signaling.demo import seed_demo
from signaling.settings import Settings
from signaling.store import Store
from tests.participant import UNIT, eventually

PROJECT = Path(__file__).resolve().parents[2]
KIOSK_DEPLOY = PROJECT / "deploy" / "kiosk"
UNIT_NAME = "madoguchi-kiosk.service"
SESSION = "opt/madoguchi/bin/madoguchi-kiosk-session"
CONFIG = "etc/madoguchi/kiosk.toml"
FULL_WHEELHOUSE = os.environ.get("MADOGUCHI_TEST_KIOSK_WHEELHOUSE", "")

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="the install creates a user and chowns files: it needs root (CI)"
)


@dataclass(frozen=True)
class InstalledKiosk:
    root: Path
    uid: int
    gid: int
    wheelhouse: Path
    hub_settings: Settings  # the hub the kiosk was installed for (not running yet)
    kiosk_id: str

    def path(self, inside: str) -> Path:
        return self.root / inside.lstrip("/")


@pytest.fixture(scope="module")
def installed() -> Iterator[InstalledKiosk]:
    scratch = Path(tempfile.mkdtemp(prefix="madoguchi-kiosk-"))
    try:
        # Readable by the kiosk's uid, as / is; mkdtemp makes it 0700.
        scratch.chmod(0o755)
        root = debian_like_root(scratch / "root")
        hub_settings = Settings(var_dir=str(scratch / "hub"), port=free_port())
        os.makedirs(hub_settings.var_dir)
        token, kiosk_id = asyncio.run(seed_hub(hub_settings))
        token_file = scratch / "token"
        token_file.write_text(token + "\n")
        token_file.chmod(0o600)
        wheels = Path(FULL_WHEELHOUSE) if FULL_WHEELHOUSE else wheelhouse(scratch / "wheelhouse")
        server = f"ws://127.0.0.1:{hub_settings.port}/ws"
        install = install_kiosk(root, wheels, "--server", server, "--token-file", str(token_file))
        assert install.returncode == 0, install.stderr + install.stdout
        if not FULL_WHEELHOUSE:
            share_test_dependencies(root / "opt/madoguchi/venv")
        passwd = {line.split(":")[0]: line.split(":") for line in lines(root / "etc/passwd")}
        yield InstalledKiosk(
            root=root,
            uid=int(passwd["kiosk"][2]),
            gid=int(passwd["kiosk"][3]),
            wheelhouse=wheels,
            hub_settings=hub_settings,
            kiosk_id=kiosk_id,
        )
    finally:
        shutil.rmtree(scratch)


def test_the_install_enables_the_kiosk_unit_at_boot(installed: InstalledKiosk) -> None:
    wants = installed.path(f"etc/systemd/system/graphical.target.wants/{UNIT_NAME}")
    assert os.readlink(wants) == f"/etc/systemd/system/{UNIT_NAME}"
    assert systemctl(installed, "is-enabled", UNIT_NAME) == "enabled"
    assert systemctl(installed, "get-default") == "graphical.target"
    unit = unit_keys(installed.path(f"etc/systemd/system/{UNIT_NAME}"))
    assert unit["ExecStart"] == [f"/{SESSION} --config /{CONFIG}"]
    assert unit["User"] == ["kiosk"]
    assert unit["TTYPath"] == ["/dev/tty1"]
    assert unit["Restart"] == ["always"]
    assert unit["RestartPreventExitStatus"] == ["64"]
    assert unit["WantedBy"] == ["graphical.target"]


def test_the_installed_unit_verifies_in_its_root(installed: InstalledKiosk) -> None:
    verify = subprocess.run(
        ["systemd-analyze", "verify", f"--root={installed.root}", UNIT_NAME],
        capture_output=True,
        text=True,
        timeout=4 * UNIT,
        check=False,
    )
    # verify exits 0 on an unknown key, so its warnings count too.
    said = verify.stderr + verify.stdout
    assert verify.returncode == 0, said
    assert not said


def test_nothing_else_is_left_on_tty1_or_ctrl_alt_del(installed: InstalledKiosk) -> None:
    assert not installed.path("etc/systemd/system/getty.target.wants/getty@tty1.service").exists()
    assert os.readlink(installed.path("etc/systemd/system/ctrl-alt-del.target")) == "/dev/null"
    logind = installed.path("etc/systemd/logind.conf.d/madoguchi-kiosk.conf").read_text()
    assert "NAutoVTs=0" in logind
    assert "HandlePowerKey=ignore" in logind
    assert "kernel.sysrq = 0" in installed.path("etc/sysctl.d/60-madoguchi-kiosk.conf").read_text()


def test_the_token_is_readable_by_the_kiosk_group_only(installed: InstalledKiosk) -> None:
    config = installed.path(CONFIG).stat()
    assert stat.S_IMODE(config.st_mode) == 0o640
    assert (config.st_uid, config.st_gid) == (0, installed.gid)
    folder = installed.path(CONFIG).parent.stat()
    assert stat.S_IMODE(folder.st_mode) == 0o750
    assert "kiosk:x:" in installed.path("etc/group").read_text()
    # The app is root's: the kiosk user can run it, not change it.
    assert installed.path("opt/madoguchi/venv/bin/python").parent.stat().st_uid == 0


def test_the_installed_app_is_the_wheels_own(installed: InstalledKiosk) -> None:
    venv = installed.path("opt/madoguchi/venv")
    where = subprocess.run(
        [str(venv / "bin/python"), "-I", "-c", "import kiosk, PyQt6; print(kiosk.__file__)"],
        capture_output=True,
        text=True,
        timeout=4 * UNIT,
        check=True,
    ).stdout
    assert where.startswith(str(venv / "lib"))
    if FULL_WHEELHOUSE:
        assert any(venv.glob("lib/*/site-packages/PyQt6/Qt6/plugins/platforms/libqwayland.so"))
    # At boot the venv is at /opt/madoguchi/venv, not where the image was built.
    assert lines(venv / "bin/madoguchi-kiosk")[0] == "#!/opt/madoguchi/venv/bin/python"


async def test_cage_starts_the_installed_kiosk_and_the_hub_sees_it(
    installed: InstalledKiosk, aiohttp_server: Any
) -> None:
    server: TestServer = await aiohttp_server(
        create_app(installed.hub_settings), host="127.0.0.1", port=installed.hub_settings.port
    )
    board = server.app[HUB].switchboard
    async with kiosk_session(installed, "--synthetic") as session:
        await eventually(
            lambda: connected(board.overview(time.time()).kiosks_connected, installed, session),
            within=8 * UNIT,
        )
        await asyncio.sleep(UNIT / 2)  # still up: not a start that falls over
        assert session.process.returncode is None, session.output()
        assert any(session.runtime.glob("wayland-*")), "cage's socket"
    # Stopped as systemd stops it, the kiosk leaves the hub.
    await eventually(
        lambda: gone(board.overview(time.time()).kiosks_connected, installed), within=2 * UNIT
    )


async def test_the_session_exits_with_the_apps_status_not_cages(
    installed: InstalledKiosk,
) -> None:
    # The unit's RestartPreventExitStatus=64 needs the app's status; cage 0.1.4 always says 0.
    # A missing settings file makes the app exit 2 before it opens a window.
    async with kiosk_session(installed, "--config", "/nonexistent.toml") as session:
        async with asyncio.timeout(8 * UNIT):
            status = await session.process.wait()
    assert status == 2, session.output()


def test_a_second_run_keeps_the_settings_and_the_unit(installed: InstalledKiosk) -> None:
    settings = installed.path(CONFIG).read_text()
    again = install_kiosk(
        installed.root, installed.wheelhouse, "--server", "wss://elsewhere.invalid/ws"
    )
    assert again.returncode == 0, again.stderr + again.stdout
    assert installed.path(CONFIG).read_text() == settings
    assert stat.S_IMODE(installed.path(CONFIG).stat().st_mode) == 0o640
    assert systemctl(installed, "is-enabled", UNIT_NAME) == "enabled"
    users = [line.split(":")[0] for line in lines(installed.path("etc/passwd"))]
    assert users.count("kiosk") == 1


@dataclass
class Session:
    process: asyncio.subprocess.Process
    runtime: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@asynccontextmanager
async def kiosk_session(installed: InstalledKiosk, *args: str) -> AsyncIterator[Session]:
    """The installed session script as the kiosk user, on wlroots' headless backend.

    What the unit and the login session would give it: the kiosk's uid and gid, its home, and
    a private XDG_RUNTIME_DIR. Its arguments replace the unit's `--config` if they name one.
    """
    runtime = Path(tempfile.mkdtemp(prefix="madoguchi-kiosk-run-"))
    os.chown(runtime, installed.uid, installed.gid)
    log = runtime.parent / f"{runtime.name}.log"
    config = [] if "--config" in args else ["--config", str(installed.path(CONFIG))]
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            installed.path(SESSION),
            *config,
            *args,
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": str(installed.path("var/lib/madoguchi-kiosk")),
                "LANG": "C.UTF-8",
                "XDG_RUNTIME_DIR": str(runtime),
                "WLR_BACKENDS": "headless",
                "WLR_RENDERER": "pixman",  # no GPU here
                "WLR_LIBINPUT_NO_DEVICES": "1",
            },
            user=installed.uid,
            group=installed.gid,
            extra_groups=[],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one process group: cage, the app and the shells
        )
    session = Session(process, runtime, log)
    try:
        yield session
    finally:
        await stop(process.pid)
        await process.wait()
        shutil.rmtree(runtime)
        log.unlink()


async def stop(group: int) -> None:
    """As systemd stops the unit: SIGTERM to each of its processes, SIGKILL to any left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            return
        with contextlib.suppress(TimeoutError):
            await eventually(lambda: group_gone(group), within=2 * UNIT)


async def group_gone(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return True
    return False


async def connected(kiosks: tuple[str, ...], installed: InstalledKiosk, session: Session) -> bool:
    assert session.process.returncode is None, session.output()
    return installed.kiosk_id in kiosks


async def gone(kiosks: tuple[str, ...], installed: InstalledKiosk) -> bool:
    return installed.kiosk_id not in kiosks


# The root and what goes into it.


def debian_like_root(root: Path) -> Path:
    """A fresh Debian 12 root as far as the script and systemd look: accounts with root only,
    merged /usr, systemd's units, getty@tty1 enabled as Debian ships it, a shell."""
    for folder in ("etc/systemd/system/getty.target.wants", "usr/lib/systemd", "usr/sbin"):
        (root / folder).mkdir(parents=True)
    (root / "usr/bin").mkdir()
    for link in ("bin", "sbin", "lib"):
        (root / link).symlink_to(f"usr/{link}")
    for name, text, mode in (
        ("passwd", "root:x:0:0:root:/root:/bin/bash\n", 0o644),
        ("group", "root:x:0:\n", 0o644),
        ("shadow", "root:*:19000:0:99999:7:::\n", 0o640),
        ("gshadow", "root:*::\n", 0o640),
    ):
        (root / "etc" / name).write_text(text)
        (root / "etc" / name).chmod(mode)
    # The units systemd ships (as the systemd package installs them; 1 MB).
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system/getty.target.wants/getty@tty1.service").symlink_to(
        "/usr/lib/systemd/system/getty@.service"
    )
    shutil.copy("/usr/bin/dash", root / "usr/bin/sh")
    shutil.copy("/usr/sbin/nologin", root / "usr/sbin/nologin")
    return root


def install_kiosk(root: Path, wheels: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = KIOSK_DEPLOY / "install-kiosk.sh"
    return subprocess.run(
        ["sh", script, "--root", root, "--wheelhouse", wheels, *args],
        # The shortcut (see the top): madoguchi's wheel alone, unless the wheelhouse is full.
        env={**os.environ, **({} if FULL_WHEELHOUSE else {"PIP_NO_DEPS": "1"})},
        capture_output=True,
        text=True,
        timeout=24 * UNIT,
        check=False,
    )


def wheelhouse(folder: Path) -> Path:
    """madoguchi's wheel, built from a copy of the checkout (not its build/ folder, which other
    builds may be using)."""
    source = folder.parent / "source"
    shutil.copytree(
        PROJECT,
        source,
        ignore=shutil.ignore_patterns(
            ".*", "build", "dist", "var", "*.egg-info", "__pycache__", "tests", "docs", "bench"
        ),
    )
    subprocess.run(
        ["python", "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder), str(source)],
        timeout=24 * UNIT,
        check=True,
        executable=sysconfig.get_paths()["scripts"] + "/python",
    )
    return folder


def share_test_dependencies(venv: Path) -> None:
    [site] = venv.glob("lib/python3*/site-packages")
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    for path in map(Path, ours):
        # The kiosk's uid reads them, as "others": a checkout under /root (0700) would not do.
        closed = [p for p in (path, *path.parents) if not p.stat().st_mode & stat.S_IXOTH]
        if closed:  # a checkout under /root (0700): the kiosk's uid cannot run the test's Qt
            pytest.skip(f"the kiosk user cannot reach {path}: {closed[-1]} is closed to others")
    (site / "zz-test-dependencies.pth").write_text("".join(f"{path}\n" for path in ours))


async def seed_hub(settings: Settings) -> tuple[str, str]:
    store = await Store.open(settings.database_url)
    try:
        kiosk = (await seed_demo(store)).kiosks[0]
    finally:
        await store.close()
    return kiosk.token, kiosk.kiosk_id


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def systemctl(installed: InstalledKiosk, *args: str) -> str:
    return subprocess.run(
        ["systemctl", f"--root={installed.root}", *args],
        capture_output=True,
        text=True,
        timeout=4 * UNIT,
        check=False,
    ).stdout.strip()


def unit_keys(unit: Path) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for line in lines(unit):
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            keys.setdefault(key, []).append(value)
    return keys


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()
