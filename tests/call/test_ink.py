"""The writing pad's stroke core without Qt: when a stroke is sent, what it holds, its surface."""

from __future__ import annotations

import pytest

from call.ink import (
    EMITS_PER_SECOND,
    MAX_STROKE_POINTS,
    MIN_STEP_PX,
    LiveStroke,
    Rect,
    pad_size,
    to_fraction,
    to_pixels,
)

SURFACE: Rect = (10.0, 20.0, 600.0, 400.0)
INTERVAL = 1 / EMITS_PER_SECOND


def at(x: float, y: float) -> tuple[float, float]:
    """The pixel at fractions (x, y) of SURFACE."""
    return to_pixels((x, y), SURFACE)


def test_the_pad_is_the_largest_three_by_two_box_that_fits() -> None:
    assert pad_size(1200, 1000) == (1200, 800)
    assert pad_size(1200, 600) == (900, 600)
    assert pad_size(0, 0) == (1.5, 1.0)  # never an empty surface to divide by


def test_a_pixel_becomes_fractions_of_the_surface_clamped_to_its_edges() -> None:
    assert to_fraction(*at(0.25, 0.5), SURFACE) == (0.25, 0.5)
    assert to_fraction(-50, 900, SURFACE) == (0.0, 1.0)


def test_a_stroke_is_sent_whole_as_it_begins_and_at_its_release_under_one_id() -> None:
    live = LiveStroke(id_prefix="k")
    live.press(*at(0.1, 0.1), SURFACE, now=0.0)
    live.release(*at(0.5, 0.1), SURFACE, now=0.01)
    (first_id, first), (last_id, last) = live.strokes_to_send()
    assert first_id == last_id
    assert first_id.startswith("k")
    assert first == [(0.1, 0.1)]
    assert last == [(0.1, 0.1), (0.5, 0.1)]
    assert live.id is None
    assert live.strokes_to_send() == []


def test_growth_is_sent_at_most_at_the_rate_and_the_held_back_stroke_when_due() -> None:
    live = LiveStroke(id_prefix="s")
    live.press(*at(0.1, 0.1), SURFACE, now=0.0)
    live.strokes_to_send()
    assert live.move(*at(0.2, 0.1), SURFACE, now=INTERVAL / 2)
    assert live.strokes_to_send() == []  # too soon after the first
    assert live.next_deadline() == pytest.approx(INTERVAL)
    live.handle_timer(now=INTERVAL / 2 + 0.001)  # a timer that fired early sends nothing
    assert live.strokes_to_send() == []
    live.handle_timer(now=INTERVAL)
    assert [points for _, points in live.strokes_to_send()] == [[(0.1, 0.1), (0.2, 0.1)]]
    assert live.next_deadline() is None
    assert live.move(*at(0.3, 0.1), SURFACE, now=3 * INTERVAL)  # long after: sent at once
    assert len(live.strokes_to_send()) == 1


def test_a_tremble_adds_no_point_and_a_move_without_a_press_none() -> None:
    live = LiveStroke(id_prefix="k")
    assert not live.move(*at(0.5, 0.5), SURFACE, now=0.0)
    live.press(*at(0.5, 0.5), SURFACE, now=0.0)
    x, y = at(0.5, 0.5)
    assert not live.move(x + MIN_STEP_PX / 2, y, SURFACE, now=1.0)
    assert live.points == [(0.5, 0.5)]


def test_a_long_stroke_goes_on_under_a_new_id_from_its_last_point() -> None:
    live = LiveStroke(id_prefix="k")
    live.press(*at(0.0, 0.0), SURFACE, now=0.0)
    for step in range(1, MAX_STROKE_POINTS + 5):
        live.move(*at(step / 2000, 0.2 * (step % 2)), SURFACE, now=step)
    sent = live.strokes_to_send()
    ids = list(dict.fromkeys(stroke_id for stroke_id, _ in sent))
    assert len(ids) == 2
    first = [points for stroke_id, points in sent if stroke_id == ids[0]][-1]
    second = next(points for stroke_id, points in sent if stroke_id == ids[1])
    assert len(first) == MAX_STROKE_POINTS
    assert second == [first[-1]]
