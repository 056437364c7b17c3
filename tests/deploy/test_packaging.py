"""What a city installs: the hub alone without media libraries, and the console offline on Windows.

Both build from this checkout and fetch from the package index, as a city's build machine would
(pip's cache makes a second run quick); docs/console.md quotes the bundle's numbers.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parents[2]
BUILDER = ROOT / "deploy" / "windows" / "build_console_bundle.py"
MEDIA = {"opencv-python-headless", "opencv-python", "av", "livekit", "aiortc", "numpy", "pyqt6"}
# The console's own media and UI, which the offline bundle must hold.
CONSOLE_NEEDS = {"madoguchi", "pyqt6", "aiortc", "av", "opencv-python-headless", "livekit"}
CONSOLE_NEEDS |= {"sounddevice", "numpy", "pypdfium2", "mss", "websockets", "pillow"}


def pip(python: Path | str, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(python), "-m", "pip", *args, "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def hub_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv with `pip install <this checkout's wheel>[hub]`, as on a hub server."""
    root = tmp_path_factory.mktemp("hub-install")
    wheel = load_builder().build_own_wheel(root)
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True, timeout=120)
    python = root / "venv" / "bin" / "python"
    pip(python, "install", "-q", f"{wheel}[hub]")
    yield python
    shutil.rmtree(root)  # about 100 MB


@pytest.mark.timeout(300)
def test_the_hub_install_has_no_media_libraries(hub_venv: Path) -> None:
    listed = json.loads(pip(hub_venv, "list", "--format", "json"))
    installed = {canonicalize_name(item["name"]) for item in listed}

    assert "madoguchi" in installed
    assert installed & MEDIA == set()


@pytest.fixture
def hub_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    env["MADOGUCHI_VAR_DIR"] = str(tmp_path / "var")
    return env


@pytest.mark.timeout(300)
def test_the_hub_install_runs_the_hub(hub_venv: Path, hub_env: dict[str, str]) -> None:
    port = free_port()
    with running(
        [str(hub_venv.parent / "madoguchi-signaling"), "--port", str(port)], hub_env
    ) as hub:
        health = wait_for_health(f"http://127.0.0.1:{port}/healthz", hub)

    assert health["status"] == "ok"


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("command", "code"), [(["madoguchi-signaling"], 2), (["madoguchi-admin", "list-kiosks"], 1)]
)
def test_the_hub_install_asks_for_the_postgres_extra_in_one_line(
    hub_venv: Path, hub_env: dict[str, str], command: list[str], code: int
) -> None:
    hub_env["MADOGUCHI_DATABASE_URL"] = "postgresql+asyncpg://madoguchi:pw@127.0.0.1/madoguchi"
    done = subprocess.run(
        [str(hub_venv.parent / command[0]), *command[1:]],
        env=hub_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == code
    assert done.stderr.count("\n") == 1, done.stderr
    assert "needs the Python package asyncpg" in done.stderr
    assert "pip install 'madoguchi[postgres]'" in done.stderr


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The offline bundle, built by the documented command (`--out dist/`, relative)."""
    root = tmp_path_factory.mktemp("console-bundle")
    out = root / "dist"
    done = subprocess.run(
        [sys.executable, str(BUILDER), "--out", "dist/"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "from the wheelhouse alone" in done.stdout
    [folder] = [path for path in out.iterdir() if path.is_dir()]
    yield folder
    shutil.rmtree(root)  # about 420 MB with the zip


@pytest.mark.timeout(300)
def test_the_windows_bundle_resolves_from_its_wheelhouse_alone(
    bundle: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    # --isolated: this machine's pip configuration (find-links, extra indexes) must not help.
    pip(
        sys.executable,
        "--isolated",
        "install",
        "--dry-run",
        "--no-index",
        "--find-links",
        str(bundle / "wheelhouse"),
        "--platform",
        "win_amd64",
        "--python-version",
        "3.11",
        "--implementation",
        "cp",
        "--only-binary=:all:",
        "--target",
        str(tmp_path / "target"),
        "--report",
        str(report),
        "madoguchi[console]",
    )
    installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    resolved = {canonicalize_name(item["metadata"]["name"]) for item in installs}
    sources = {Path(item["download_info"]["url"].removeprefix("file://")) for item in installs}

    assert resolved >= CONSOLE_NEEDS
    assert {source.parent for source in sources} == {bundle / "wheelhouse"}


@pytest.mark.timeout(300)
def test_every_wheel_in_the_bundle_is_for_windows_and_cpython_3_11(bundle: Path) -> None:
    windows = set(cpython_tags((3, 11), platforms=["win_amd64"]))
    windows |= set(compatible_tags((3, 11), "cp311", platforms=["win_amd64"]))
    wheels = sorted((bundle / "wheelhouse").glob("*.whl"))

    foreign = [w.name for w in wheels if not parse_wheel_filename(w.name)[3] & windows]

    assert wheels
    assert foreign == []


@pytest.mark.timeout(300)
def test_the_bundle_holds_the_scripts_for_windows_and_its_zip(bundle: Path) -> None:
    install = (bundle / "install.ps1").read_bytes()
    shortcut = (bundle / "create-shortcut.ps1").read_bytes()
    archive = bundle.parent / f"{bundle.name}.zip"
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())

    # Windows PowerShell reads a .ps1 without a BOM in the ANSI code page; cmd wants CRLF.
    assert install.startswith(b"\xef\xbb\xbf")
    assert shortcut.startswith(b"\xef\xbb\xbf")
    assert "窓口".encode() in shortcut
    assert b"\r\n" in (bundle / "install.cmd").read_bytes()
    assert b"\n" not in (bundle / "install.cmd").read_bytes().replace(b"\r\n", b"")
    assert f"{bundle.name}/install.cmd" in names
    wheels = {f"{bundle.name}/wheelhouse/{w.name}" for w in (bundle / "wheelhouse").glob("*.whl")}
    assert wheels <= names


# What each extra is for: the packages (or modules) of ours that its apps run. The console uses
# only the rules of language/ that need no dictionary, so its Windows bundle ships none.
PARTS = {
    "hub": ("signaling",),
    "kiosk": ("kiosk", "call", "signaling", "language"),
    "console": ("staff_console", "call", "signaling", "language/plain_japanese.py"),
    "gui": ("demo", "kiosk", "staff_console", "call", "signaling", "language"),
}
OWN_PACKAGES = {"signaling", "call", "kiosk", "staff_console", "demo", "language"}


@pytest.mark.parametrize("extra", sorted(PARTS))
def test_every_library_a_part_imports_comes_with_its_extra(extra: str) -> None:
    # Every import, also those inside functions that a start-up never reaches, is provided by
    # a distribution that `pip install madoguchi[extra]` brings, directly or through another.
    provided = distributions_of(requirements_of(extra))
    providers = importlib.metadata.packages_distributions()

    unprovided = {
        module: where
        for module, where in third_party_imports(PARTS[extra]).items()
        if not {canonicalize_name(d) for d in providers.get(module, [])} & provided
    }

    assert unprovided == {}


def requirements_of(extra: str) -> list[Requirement]:
    """The base and the extra's requirements, from pyproject.toml, with madoguchi[...] expanded."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pending = [Requirement(line) for line in project["dependencies"]]
    pending += [Requirement(line) for line in project["optional-dependencies"][extra]]
    requirements: list[Requirement] = []
    while pending:
        requirement = pending.pop()
        if canonicalize_name(requirement.name) != "madoguchi":
            requirements.append(requirement)
            continue
        for name in requirement.extras:
            pending += [Requirement(line) for line in project["optional-dependencies"][name]]
    return requirements


def distributions_of(requirements: list[Requirement]) -> set[str]:
    """Their closure over this venv's installed metadata (which installs everything)."""
    found: set[str] = set()
    pending = [(r, "") for r in requirements]
    while pending:
        requirement, extra = pending.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        extras = sorted(requirement.extras)
        if name in found and not extras:
            continue
        found.add(name)
        for line in importlib.metadata.distribution(name).requires or []:
            pending += [(Requirement(line), e) for e in ["", *extras]]
    return found


def third_party_imports(packages: tuple[str, ...]) -> dict[str, str]:
    """Top-level modules outside the standard library and ours: module -> the first importer."""
    found: dict[str, str] = {}
    for package in packages:
        root = ROOT / package
        for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for top in {name.split(".")[0] for name in names}:
                    if top not in OWN_PACKAGES | sys.stdlib_module_names:
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def load_builder() -> ModuleType:
    """deploy/windows/build_console_bundle.py is a script, not a package: load it by path."""
    name = "build_console_bundle"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BUILDER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def write_wheel(folder: Path, name: str, version: str, *requires: str) -> None:
    dist_info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {line}\n" for line in requires)
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as wheel:
        wheel.writestr(f"{dist_info}/METADATA", metadata)


def test_requirements_only_windows_has_are_found_missing(tmp_path: Path) -> None:
    # pip download --platform win_amd64 evaluates markers for this machine, so a dependency
    # that only Windows needs is left out; the builder must see it.
    builder = load_builder()
    write_wheel(tmp_path, "madoguchi", "0.1.0", 'tool>=1; extra == "console"', 'big; extra == "x"')
    write_wheel(
        tmp_path,
        "tool",
        "1.2",
        'colorama>=0.4; sys_platform == "win32"',
        'uvloop; sys_platform != "win32"',
        "helper[fast]<2",
    )
    write_wheel(tmp_path, "helper", "1.0", 'speedup; extra == "fast"')

    assert builder.windows_gaps(builder.read_wheelhouse(tmp_path)) == [
        "colorama>=0.4",
        "speedup",
    ]

    write_wheel(tmp_path, "colorama", "0.4.6")
    write_wheel(tmp_path, "speedup", "3")

    assert builder.windows_gaps(builder.read_wheelhouse(tmp_path)) == []


def test_a_wheel_too_old_for_its_requirement_is_missing(tmp_path: Path) -> None:
    builder = load_builder()
    write_wheel(tmp_path, "madoguchi", "0.1.0", 'tool>=2; extra == "console"')
    write_wheel(tmp_path, "tool", "1.9")

    assert builder.windows_gaps(builder.read_wheelhouse(tmp_path)) == ["tool>=2"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def running(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def wait_for_health(url: str, hub: subprocess.Popen[str]) -> dict[str, object]:
    """/healthz's JSON once the hub answers; fails if it exits first or takes over 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if hub.poll() is not None:
            output = hub.stdout.read() if hub.stdout else ""
            pytest.fail(f"the hub exited with {hub.returncode}:\n{output[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body: dict[str, object] = json.loads(response.read())
                return body
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within 30 s")
