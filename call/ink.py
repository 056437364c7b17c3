"""The writing pad (筆談) without Qt: its 3:2 surface, and the stroke under a finger or a mouse.

Both ends draw on a surface `PAD_ASPECT` wide for its height, so a stroke's fractions draw the
same shape at the kiosk and at the console. `LiveStroke` is the sans-I/O core of drawing one:
pixel positions come in with the surface and the time; whole strokes to send come out when a
stroke begins, as it grows (at most `EMITS_PER_SECOND`) and at its end, each time whole under one
id (the `ink` message replaces the sender's stroke of that id, docs/call-engine.md §The control
channel). Both apps wrap it in their own widget, which adds only Qt's events, timer and painting.
"""

from __future__ import annotations

import itertools
from typing import Final

from call.control_messages import PAD_ASPECT

EMITS_PER_SECOND: Final = 20
MIN_STEP_PX: Final = 2.0  # a finger's tremble below this adds no point
MAX_STROKE_POINTS: Final = 1000  # a longer stroke goes on as a new one, so each message stays small
# One counter for the process, so a pad rebuilt mid-call (the kiosk's large text) never reuses
# an id.
_stroke_ids = itertools.count(1)

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # left, top, width, height in pixels
StrokeToSend = tuple[str, list[Point]]  # stroke id, the whole stroke so far


def pad_size(width: float, height: float) -> tuple[float, float]:
    """The largest `PAD_ASPECT` surface (width, height) that fits in width x height, never 0."""
    surface_height = max(1.0, min(height, width / PAD_ASPECT))
    return surface_height * PAD_ASPECT, surface_height


def to_fraction(x: float, y: float, surface: Rect) -> Point:
    """A pixel position as fractions of the surface, clamped to its edges."""
    left, top, width, height = surface
    fx = (x - left) / max(1.0, width)
    fy = (y - top) / max(1.0, height)
    return min(1.0, max(0.0, fx)), min(1.0, max(0.0, fy))


def to_pixels(point: Point, surface: Rect) -> tuple[float, float]:
    """A stroke's point (fractions) where it is drawn on the surface."""
    left, top, width, height = surface
    return left + point[0] * width, top + point[1] * height


class LiveStroke:
    """The stroke being drawn on one pad; time enters as an argument (seconds, monotonic)."""

    def __init__(self, id_prefix: str) -> None:
        self._id_prefix = id_prefix  # "k" on the kiosk, "s" at the console
        self.id: str | None = None
        self.points: list[Point] = []
        self._last_sent = float("-inf")
        self._pending = False
        self._to_send: list[StrokeToSend] = []

    def press(self, x: float, y: float, surface: Rect, now: float) -> bool:
        """A finger or the mouse button went down at pixel (x, y): a stroke begins, sent at once."""
        self._begin(to_fraction(x, y, surface), now)
        return True

    def move(self, x: float, y: float, surface: Rect, now: float) -> bool:
        """The point moved while down; False if no stroke is drawn or it has hardly moved."""
        if self.id is None or not self._extend(to_fraction(x, y, surface), surface):
            return False
        if len(self.points) >= MAX_STROKE_POINTS:
            last = self.points[-1]
            self._end(now)
            self._begin(last, now)  # goes on from where it was: no gap between the two
        elif now < self._last_sent + 1 / EMITS_PER_SECOND:
            self._pending = True
        else:
            self._send(now)
        return True

    def release(self, x: float, y: float, surface: Rect, now: float) -> bool:
        """The finger lifted: the whole stroke is sent at once. False if none was drawn."""
        if self.id is None:
            return False
        self._extend(to_fraction(x, y, surface), surface)
        self._end(now)
        return True

    def next_deadline(self) -> float | None:
        """When a grown stroke held back by the rate limit is due; None if nothing waits."""
        return self._last_sent + 1 / EMITS_PER_SECOND if self._pending else None

    def handle_timer(self, now: float) -> None:
        """Send the held-back stroke if its time has come."""
        deadline = self.next_deadline()
        if deadline is not None and now >= deadline:
            self._send(now)

    def strokes_to_send(self) -> list[StrokeToSend]:
        """What to send since the last call, oldest first; each is the whole stroke so far."""
        out, self._to_send = self._to_send, []
        return out

    def _begin(self, point: Point, now: float) -> None:
        self.id = f"{self._id_prefix}{next(_stroke_ids)}"
        self.points = [point]
        self._send(now)

    def _extend(self, point: Point, surface: Rect) -> bool:
        last, width, height = self.points[-1], surface[2], surface[3]
        dx, dy = (point[0] - last[0]) * width, (point[1] - last[1]) * height
        if max(abs(dx), abs(dy)) < MIN_STEP_PX:
            return False
        self.points.append(point)
        return True

    def _end(self, now: float) -> None:
        self._send(now)
        self.id, self.points = None, []

    def _send(self, now: float) -> None:
        if self.id is not None:
            self._pending = False
            self._last_sent = now
            self._to_send.append((self.id, list(self.points)))
