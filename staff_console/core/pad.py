"""The kiosk's writing pad (筆談) as the console holds it: open or not, and both sides' strokes.

Plain Python, one per call (`Consultation.pad`), so the strokes go when the call ends. Each side's
strokes are keyed by their id; a stroke sent again as it grows replaces the old one in its place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from staff_console.core.viewmodels import PadVM, Stroke

STROKES_KEPT: Final = 500  # both sides together: the oldest go first, so memory stays bounded


@dataclass(slots=True)
class Pad:
    open: bool = False  # on the kiosk, as it last said
    strokes: dict[tuple[bool, str], Stroke] = field(default_factory=dict)  # by (staff, id)

    def draw(self, stroke_id: str, points: Sequence[tuple[float, float]], *, staff: bool) -> None:
        clamped = tuple((min(1.0, max(0.0, x)), min(1.0, max(0.0, y))) for x, y in points)
        self.strokes[staff, stroke_id] = Stroke(stroke_id, clamped, staff)
        while len(self.strokes) > STROKES_KEPT:
            del self.strokes[next(iter(self.strokes))]

    def clear(self) -> None:
        self.strokes.clear()

    def view(self) -> PadVM:
        return PadVM(self.open, tuple(self.strokes.values()))
