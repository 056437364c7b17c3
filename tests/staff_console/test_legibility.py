"""The arithmetic of the citizen's text size and the focus box that makes it legible."""

from __future__ import annotations

import pytest

from staff_console.core.legibility import (
    LEGIBLE_MM,
    WHOLE_PAGE,
    Legibility,
    fit,
    legible_box,
    px_per_pt,
    text_height_mm,
    text_size,
)

A4_PT = (595.28, 841.89)
REFERENCE_MM_PER_PX = 0.2745  # 23.8" 1920x1080
KIOSK_VIEWER = (1700, 950)


def test_the_issues_shrunken_a4_form_has_its_10_pt_text_at_1_8_mm() -> None:
    # A4 drawn at 396x559 px on the reference panel (issue 10, "Why").
    size = text_size(10.0, WHOLE_PAGE, A4_PT, (396, 559), REFERENCE_MM_PER_PX)
    assert size.legibility is Legibility.TOO_SMALL
    assert size.smallest_mm == pytest.approx(1.83, abs=0.01)


def test_an_a4_page_950_px_tall_shows_10_pt_text_just_over_3_mm() -> None:
    drawn = fit(WHOLE_PAGE, A4_PT, KIOSK_VIEWER)
    assert drawn == (672, 950)
    size = text_size(10.0, WHOLE_PAGE, A4_PT, drawn, REFERENCE_MM_PER_PX)
    assert size.legibility is Legibility.READABLE
    assert size.smallest_mm == pytest.approx(3.10, abs=0.01)


def test_a_zoomed_view_scales_the_text_by_the_part_of_the_page_it_shows() -> None:
    half = (0.25, 0.25, 0.5, 0.5)
    assert px_per_pt(half, A4_PT, (672, 950)) == pytest.approx(2 * 950 / A4_PT[1], rel=1e-3)
    assert text_height_mm(10.0, 2.0, 0.25) == pytest.approx(5.0)


def test_a_scan_without_text_is_unknown_rather_than_a_warning() -> None:
    size = text_size(None, WHOLE_PAGE, A4_PT, (396, 559), REFERENCE_MM_PER_PX)
    assert size.legibility is Legibility.NO_TEXT
    assert size.smallest_mm is None


def test_a_kiosk_that_did_not_say_its_pixel_pitch_gives_no_size() -> None:
    assert text_size(10.0, WHOLE_PAGE, A4_PT, (396, 559), None).legibility is Legibility.NO_SCALE


@pytest.mark.parametrize("smallest_pt", [6.0, 8.0, 10.0, 12.0])
def test_the_legible_box_fitted_by_the_kiosk_draws_the_text_at_4_8_mm_not_much_more(
    smallest_pt: float,
) -> None:
    box = legible_box(smallest_pt, A4_PT, KIOSK_VIEWER, REFERENCE_MM_PER_PX, (0.5, 0.5))
    drawn = fit(box, A4_PT, KIOSK_VIEWER)
    mm = text_height_mm(smallest_pt, px_per_pt(box, A4_PT, drawn), REFERENCE_MM_PER_PX)
    assert LEGIBLE_MM <= mm < LEGIBLE_MM * 1.05
    assert box[0] + box[2] / 2 == pytest.approx(0.5)
    assert box[1] + box[3] / 2 == pytest.approx(0.5)


def test_the_legible_box_near_a_corner_is_shifted_onto_the_page_not_cut() -> None:
    box = legible_box(8.0, A4_PT, KIOSK_VIEWER, REFERENCE_MM_PER_PX, (0.02, 0.98))
    width_alone = legible_box(8.0, A4_PT, KIOSK_VIEWER, REFERENCE_MM_PER_PX, (0.5, 0.5))[2]
    assert box[0] == 0.0
    assert box[1] + box[3] == pytest.approx(1.0)
    assert box[2] == pytest.approx(width_alone)


def test_a_page_narrower_than_the_box_keeps_its_width_and_the_height_sets_the_zoom() -> None:
    # A landscape viewer on a portrait page: the box at 4.8 mm would be wider than the page.
    box = legible_box(11.0, A4_PT, KIOSK_VIEWER, REFERENCE_MM_PER_PX, (0.5, 0.1))
    assert box[2] == 1.0
    assert box[1] == 0.0
    drawn = fit(box, A4_PT, KIOSK_VIEWER)
    mm = text_height_mm(11.0, px_per_pt(box, A4_PT, drawn), REFERENCE_MM_PER_PX)
    assert mm >= LEGIBLE_MM


def test_text_already_legible_at_fit_asks_for_the_whole_page() -> None:
    assert legible_box(20.0, A4_PT, KIOSK_VIEWER, REFERENCE_MM_PER_PX, (0.3, 0.3)) == WHOLE_PAGE
