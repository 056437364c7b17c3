"""docs/performance.md, where each bench writes its own section with `--write-docs`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

REPO: Final = Path(__file__).resolve().parents[1]
DOCS: Final = REPO / "docs" / "performance.md"
ANALYSIS: Final = "### Analysis"  # hand-written, after the generated part; --write-docs keeps it


def write_section(section: str, doc: Path = DOCS) -> None:
    """Replace the section of `doc` whose heading starts `section`, leaving the other sections
    and the section's hand-written ``### Analysis`` alone, and say so: it may no longer match
    the numbers.
    """
    heading = section.split("\n", 1)[0]
    text = doc.read_text() if doc.exists() else "# Performance\n"
    generated = rf"^{re.escape(heading)}\n.*?(?=^{re.escape(ANALYSIS)}\n|^## |\Z)"
    match = re.search(generated, text, re.MULTILINE | re.DOTALL)
    if match is None:
        text = text.rstrip() + "\n\n" + section
    else:
        text = text[: match.start()] + section + "\n" + text[match.end() :]
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text.rstrip() + "\n")
    print(f"wrote the {heading!r} section of {doc}")
    if match is not None and text[match.start() + len(section) + 1 :].startswith(ANALYSIS):
        print(f"kept its hand-written {ANALYSIS!r}: check it against the new numbers")
