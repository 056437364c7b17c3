"""Build the staff console's offline bundle for Windows PCs without internet.

    python deploy/windows/build_console_bundle.py --out dist/console-bundle

On a machine with PyPI (any OS), this writes:

    madoguchi-console-<version>-win_amd64/
      wheelhouse/          madoguchi's own wheel and every wheel madoguchi[console] needs,
                           for 64-bit CPython 3.11 on Windows (no compiler, no internet)
      install.cmd          double-click: runs install.ps1
      install.ps1          a venv with the PC's Python 3.11, then pip --no-index from wheelhouse/
      create-shortcut.ps1  the Start-menu shortcut (install.ps1 runs it)
      README.txt           what the PC needs, and the licence
    madoguchi-console-<version>-win_amd64.zip   the same folder, to copy onto the city network

and then checks it: every requirement, including those that only Windows needs (markers such
as ``sys_platform == "win32"``, which ``pip download --platform`` does not evaluate for Windows),
resolves from the wheelhouse alone with ``pip install --dry-run --no-index``. It exits 1 when
something does not. docs/console.md explains the bundle.
"""

from __future__ import annotations

import argparse
import email.parser
import json
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TARGET = "madoguchi[console]"
PACKAGES = ("signaling", "call", "kiosk", "staff_console", "demo")
PYTHON_VERSION = "3.11"
# The wheels pip may take: 64-bit CPython 3.11 on Windows, binaries only (no compiler there).
PLATFORM_ARGS = (
    "--platform",
    "win_amd64",
    "--python-version",
    PYTHON_VERSION,
    "--implementation",
    "cp",
    "--only-binary=:all:",
)
# How environment markers read on that PC (PEP 508 names).
WINDOWS_MARKERS: dict[str, str] = {
    "os_name": "nt",
    "sys_platform": "win32",
    "platform_system": "Windows",
    "platform_machine": "AMD64",
    "platform_release": "10",
    "platform_version": "10.0.19045",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "python_version": PYTHON_VERSION,
    "python_full_version": f"{PYTHON_VERSION}.9",
    "implementation_version": f"{PYTHON_VERSION}.9",
}
# What the wheel is built from (pyproject.toml names the packages and the readme).
WHEEL_SOURCES = ("pyproject.toml", "README.md", "LICENSE", *PACKAGES)
SCRIPTS = ("install.ps1", "install.cmd", "create-shortcut.ps1", "README.txt")


@dataclass(frozen=True)
class Wheel:
    path: Path
    name: str
    version: str
    requires: tuple[Requirement, ...]


@dataclass(frozen=True)
class Bundle:
    folder: Path
    archive: Path | None
    wheels: int
    wheel_bytes: int
    resolved: tuple[str, ...]  # name==version, as pip's dry run installs them


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write the bundle in")
    parser.add_argument("--no-zip", action="store_true", help="leave out the .zip")
    parser.add_argument("--python", default=sys.executable, help="the Python whose pip builds it")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        bundle = build(args.out, python=args.python, make_zip=not args.no_zip)
    except BundleError as exc:
        print(f"build_console_bundle: {exc}", file=sys.stderr)
        return 1
    megabytes = bundle.wheel_bytes / 1e6
    print(f"bundle: {bundle.folder}")
    print(f"wheelhouse: {bundle.wheels} wheels, {megabytes:.0f} MB")
    if bundle.archive is not None:
        print(f"zip: {bundle.archive} ({bundle.archive.stat().st_size / 1e6:.0f} MB)")
    print(
        f"check: pip install --dry-run --no-index resolved {len(bundle.resolved)} packages "
        f"for win_amd64 / CPython {PYTHON_VERSION} from the wheelhouse alone:"
    )
    print(
        textwrap.fill(
            " ".join(bundle.resolved),
            100,
            initial_indent="  ",
            subsequent_indent="  ",
            break_on_hyphens=False,
        )
    )
    print(f"took {time.monotonic() - started:.0f} s")
    return 0


class BundleError(RuntimeError):
    """The bundle could not be built, or does not install from itself."""


def build(out: Path, *, python: str = sys.executable, make_zip: bool = True) -> Bundle:
    with tempfile.TemporaryDirectory() as scratch:
        own_wheel = build_own_wheel(Path(scratch), python=python)
        version = parse_wheel_filename(own_wheel.name)[1]
        folder = out / f"madoguchi-console-{version}-win_amd64"
        if folder.exists():
            shutil.rmtree(folder)
        wheelhouse = folder / "wheelhouse"
        wheelhouse.mkdir(parents=True)
        shutil.copy2(own_wheel, wheelhouse)
    _run_pip(
        python,
        "download",
        *PLATFORM_ARGS,
        "-d",
        str(wheelhouse),
        f"madoguchi[console] @ {(wheelhouse / own_wheel.name).resolve().as_uri()}",
    )
    _add_windows_only(python, wheelhouse)
    for name in SCRIPTS:
        _write_for_windows(Path(__file__).with_name(name), folder / name)
    resolved = check(python, wheelhouse)
    wheels = sorted(wheelhouse.glob("*.whl"))
    archive = _zip(folder) if make_zip else None
    return Bundle(
        folder=folder,
        archive=archive,
        wheels=len(wheels),
        wheel_bytes=sum(w.stat().st_size for w in wheels),
        resolved=resolved,
    )


def build_own_wheel(scratch: Path, *, python: str = sys.executable) -> Path:
    """madoguchi's wheel, built from a copy of what goes into it.

    Not in place: setuptools would reuse build/lib, where a module deleted since the last build
    still lies and would ship.
    """
    source = scratch / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in WHEEL_SOURCES:
        if (PROJECT_ROOT / name).is_dir():
            shutil.copytree(PROJECT_ROOT / name, source / name, ignore=ignore)
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, source / name)
    _run_pip(python, "wheel", "--no-deps", "-w", str(scratch / "dist"), str(source))
    [wheel] = (scratch / "dist").glob("madoguchi-*.whl")
    return wheel


def check(python: str, wheelhouse: Path) -> tuple[str, ...]:
    """Prove the bundle installs offline; returns what pip would install, as name==version."""
    missing = windows_gaps(read_wheelhouse(wheelhouse))
    if missing:
        raise BundleError("missing for Windows: " + ", ".join(missing))
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        # --isolated: no pip.conf or PIP_* find-links may lend a wheel the bundle lacks.
        _run_pip(
            python,
            "--isolated",
            "install",
            "--dry-run",
            "--no-index",
            "--find-links",
            str(wheelhouse),
            *PLATFORM_ARGS,
            "--target",
            str(Path(scratch) / "target"),
            "--report",
            str(report),
            TARGET,
        )
        installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    return tuple(
        sorted(f"{item['metadata']['name']}=={item['metadata']['version']}" for item in installs)
    )


def read_wheelhouse(wheelhouse: Path) -> dict[str, Wheel]:
    wheels: dict[str, Wheel] = {}
    for path in sorted(wheelhouse.glob("*.whl")):
        name, version, _build, _tags = parse_wheel_filename(path.name)
        with zipfile.ZipFile(path) as archive:
            [metadata] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
            headers = email.parser.BytesHeaderParser().parsebytes(archive.read(metadata))
        requires = tuple(Requirement(line) for line in headers.get_all("Requires-Dist") or [])
        wheels[name] = Wheel(path, name, str(version), requires)
    return wheels


def windows_gaps(wheels: dict[str, Wheel]) -> list[str]:
    """Requirements that Windows would need and the wheelhouse cannot satisfy."""
    missing: list[str] = []
    seen: set[tuple[str, str]] = set()
    queue: list[tuple[str, str]] = [(canonicalize_name("madoguchi"), "console")]
    while queue:
        name, extra = queue.pop()
        if (name, extra) in seen:
            continue
        seen.add((name, extra))
        for requirement in wheels[name].requires:
            if requirement.marker and not requirement.marker.evaluate(
                {**WINDOWS_MARKERS, "extra": extra}
            ):
                continue
            needed = canonicalize_name(requirement.name)
            wheel = wheels.get(needed)
            if wheel is None or not requirement.specifier.contains(wheel.version, prereleases=True):
                # Without its marker: pip would evaluate it for this machine, not for Windows.
                extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
                missing.append(f"{requirement.name}{extras}{requirement.specifier}")
                continue
            queue.extend((needed, e) for e in ["", *sorted(requirement.extras)])
    return sorted(set(missing))


def _add_windows_only(python: str, wheelhouse: Path) -> None:
    # Fetch what only Windows needs, then what that needs, until nothing is missing.
    for _round in range(10):
        missing = windows_gaps(read_wheelhouse(wheelhouse))
        if not missing:
            return
        _run_pip(python, "download", "--no-deps", *PLATFORM_ARGS, "-d", str(wheelhouse), *missing)
    raise BundleError("the Windows-only requirements do not settle: " + ", ".join(missing))


def _write_for_windows(source: Path, target: Path) -> None:
    text = source.read_text(encoding="utf-8").replace("\n", "\r\n")
    # Windows PowerShell 5.1 reads a .ps1 without a byte-order mark in the ANSI code page
    # (CP932 on a Japanese PC), which would garble the shortcut's name.
    encoding = "utf-8-sig" if source.suffix == ".ps1" else "utf-8"
    target.write_bytes(text.encode(encoding))


def _zip(folder: Path) -> Path:
    archive = folder.parent / f"{folder.name}.zip"
    # Wheels are zips already: store them, do not compress them again.
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as bundle:
        for path in sorted(folder.rglob("*")):
            bundle.write(path, path.relative_to(folder.parent).as_posix())
    return archive


def _run_pip(python: str, *args: str) -> str:
    command = [python, "-m", "pip", *args, "--disable-pip-version-check"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = _last_lines(done.stderr or done.stdout, 8)
        raise BundleError(f"pip {args[0]} failed:\n{tail}")
    return done.stdout


def _last_lines(text: str, count: int) -> str:
    lines: Iterable[str] = (line for line in text.splitlines() if not _noise(line))
    return "\n".join(list(lines)[-count:])


def _noise(line: str) -> bool:
    return re.match(r"WARNING: Location '.*' is ignored", line) is not None


if __name__ == "__main__":
    sys.exit(main())
