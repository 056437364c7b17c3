"""docs/architecture.md stays true: its name table names what is in the code, and nothing in
the repository cites a document outside it."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = {"kiosk": 1, "console": 2}  # the table's column of each app
APP_DIRS = {"kiosk": ROOT / "kiosk", "console": ROOT / "staff_console"}


def name_table() -> list[list[str]]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## The apps (`kiosk/`, `staff_console/`)", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[1:]]


def defined_names(module: Path) -> set[str]:
    tree = ast.parse(module.read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


PATH = re.compile(r"`([\w/]+(?:\.py|/))`")  # a module or a package, from the app's folder
NAME = re.compile(r"`([A-Z]\w+)`")  # a class or a type, defined in one of the cell's modules


def cells() -> list[tuple[str, str]]:
    return [(app, row[column]) for row in name_table() for app, column in APPS.items()]


def test_the_name_table_has_every_role() -> None:
    roles = [row[0].split(":")[0] for row in name_table()]
    for role in ("controller", "view-models", "port", "events", "adapter", "screens", "intents"):
        assert role in roles, role


@pytest.mark.parametrize(("app", "cell"), cells())
def test_each_path_and_name_in_the_table_is_in_the_code(app: str, cell: str) -> None:
    if cell == "the same":
        return
    base = APP_DIRS[app]
    for path in PATH.findall(cell):
        assert (base / path).exists(), f"{app}: {path} is not in {base.name}/"
    modules = [base / path for path in PATH.findall(cell) if path.endswith(".py")]
    defined = set().union(*(defined_names(module) for module in modules))
    for name in NAME.findall(cell):
        assert name in defined, f"{app}: {name} is not defined in {modules}"


def test_the_two_apps_use_the_same_module_names_for_the_same_roles() -> None:
    for row in name_table():
        kiosk, console = (PATH.findall(row[column]) for column in APPS.values())
        if kiosk and console:
            assert kiosk[0] == console[0], row[0]


def test_no_screen_signal_is_named_for_the_click_rather_than_the_intent() -> None:
    # Intents say what the person asked for (`mute_toggled`), so both apps read alike.
    signal = re.compile(r"^\s+(\w+) = pyqtSignal\(", re.MULTILINE)
    for app_dir in APP_DIRS.values():
        for module in app_dir.rglob("*.py"):
            for name in signal.findall(module.read_text()):
                assert not name.endswith("_clicked"), f"{module.relative_to(ROOT)}: {name}"


def test_nothing_cites_a_document_outside_the_repository() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    outside = re.compile(r"\.\./shared|design\.md|conventions\.md|kiosk-ux\.md")
    cited = [
        path
        for path in tracked
        if path.endswith((".py", ".md", ".toml", ".js", ".html", ".cfg"))
        and path != "tests/test_architecture.py"
        and (ROOT / path).exists()
        and outside.search((ROOT / path).read_text(errors="replace"))
    ]
    assert cited == []
