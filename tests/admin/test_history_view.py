"""The CSV cells a spreadsheet could run: OWASP's leading quote, and nothing else changed."""

from __future__ import annotations

import pytest

from signaling.admin.history_view import FORMULA_STARTS, spreadsheet_safe


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_cell_that_could_start_a_formula_gets_a_leading_quote(start: str) -> None:
    cell = start + "cmd|' /C calc'!A0"
    assert spreadsheet_safe(cell) == "'" + cell


def test_every_formula_start_owasp_lists_is_covered() -> None:
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize("cell", ["中央公民館", "ja-easy", "a=b", " =1", "'=1", "", 3, None])
def test_other_cells_are_left_alone(cell: object) -> None:
    assert spreadsheet_safe(cell) == cell
