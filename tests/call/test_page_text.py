"""How large a page's text is, and how large a page is, from PDFs with known font sizes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from call.document import open_document
from call.page_text import smallest_real_size
from tests.call.fixtures.text_pdf import Line, dense_text_lines, text_pdf


def test_the_smallest_text_is_the_size_of_the_smallest_real_lines(tmp_path: Path) -> None:
    lines = [Line("Application for a certificate", 16.0), *dense_text_lines(10.0, 8)]
    lines += [Line("Notes: bring your residence card", 7.0)]
    path = text_pdf(tmp_path / "form.pdf", lines)
    with open_document(path) as document:
        assert document.smallest_text_pt(0) == pytest.approx(7.0)


def test_a_few_stray_glyphs_do_not_decide(tmp_path: Path) -> None:
    lines = [*dense_text_lines(11.0, 6), Line("*", 4.0), Line("Footnote, read it", 8.0)]
    path = text_pdf(tmp_path / "stray.pdf", lines)
    with open_document(path) as document:
        assert document.smallest_text_pt(0) == pytest.approx(8.0)


def test_text_scaled_by_its_matrix_counts_at_the_size_it_is_drawn(tmp_path: Path) -> None:
    lines = [Line("A one point font drawn at nine", 9.0, scaled=True), *dense_text_lines(12.0, 3)]
    path = text_pdf(tmp_path / "scaled.pdf", lines)
    with open_document(path) as document:
        assert document.smallest_text_pt(0) == pytest.approx(9.0)


def test_a_page_without_a_text_layer_has_no_text_size(tmp_path: Path) -> None:
    scan = tmp_path / "scan.png"
    Image.new("RGB", (2480, 3508), "white").save(scan, dpi=(300, 300))
    blank = text_pdf(tmp_path / "blank.pdf", [])
    with open_document(scan) as document:
        assert document.smallest_text_pt(0) is None
    with open_document(blank) as document:
        assert document.smallest_text_pt(0) is None


def test_page_sizes_are_in_points_as_the_page_is_shown(tmp_path: Path) -> None:
    pdf = text_pdf(tmp_path / "a4.pdf", [Line("x", 10.0)])
    scan = tmp_path / "scan.png"
    Image.new("RGB", (2480, 3508), "white").save(scan, dpi=(300, 300))
    undated = tmp_path / "photo.png"
    Image.new("RGB", (960, 540), "white").save(undated)
    with open_document(pdf) as document:
        assert document.page_size_pt(0) == pytest.approx((595.0, 842.0))
    with open_document(scan) as document:
        # PNG stores pixels per metre, so 300 dpi comes back as 299.9994.
        assert document.page_size_pt(0) == pytest.approx((595.2, 841.92), abs=0.01)
    with open_document(undated) as document:
        assert document.page_size_pt(0) == pytest.approx((720.0, 405.0))  # 96 dpi assumed


@pytest.mark.parametrize(
    ("sizes", "smallest"),
    [
        ([], None),
        ([12.0], 12.0),  # a page of one glyph: that glyph is its text
        ([3.0] + [10.0] * 40, 10.0),  # one stray glyph among many
        ([3.0] * 8 + [10.0] * 1000, 3.0),  # eight characters are a line, not a stray
        ([6.0, 6.04, 10.0, 10.0], 6.0),  # sizes within rounding count together
    ],
)
def test_the_smallest_real_size_needs_enough_characters(
    sizes: list[float], smallest: float | None
) -> None:
    assert smallest_real_size(sizes) == smallest
