"""Where the citizen's paper sits in the reading view: zoom, centre and rotation, no Qt.

The state is a frozen value; every input (a wheel step, a drag, a double-click, a resize, a new
frame) returns the next one, so the widget only draws it and the rules are tested alone.

Coordinates: *image* points are the frame's pixels (x right, y down); *view* points are the
widget's pixels. `centre` is the image point drawn at the middle of the view, `scale` is view
pixels per image pixel, and the paper is turned clockwise by `quarter_turns` quarter turns about it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Final

Size = tuple[float, float]
Point = tuple[float, float]

MAX_SCALE: Final = 8.0  # view px per camera px: past this a pixel is a block, nothing to read
ZOOM_STEP: Final = 1.25  # one wheel notch, one + or -
FITTED_SLACK: Final = 1.001  # scales this close to fit count as fit (float rounding)


@dataclass(frozen=True)
class PaperZoom:
    """One view of one paper: call the methods, keep what they return."""

    image: Size
    viewport: Size
    scale: float
    centre: Point
    quarter_turns: int = 0
    fitted: bool = True  # follows the view's size and the paper's turn until staff zoom

    @classmethod
    def fit(cls, image: Size, viewport: Size, quarter_turns: int = 0) -> PaperZoom:
        """The whole paper in view, centred."""
        turns = quarter_turns % 4
        width, height = turned(image, turns)
        scale = min(viewport[0] / max(1.0, width), viewport[1] / max(1.0, height))
        return cls(image, viewport, scale, (image[0] / 2, image[1] / 2), turns, True)

    @property
    def fit_scale(self) -> float:
        return PaperZoom.fit(self.image, self.viewport, self.quarter_turns).scale

    @property
    def zoomed_in(self) -> bool:
        return self.scale > self.fit_scale * FITTED_SLACK

    # Inputs.

    def resized(self, viewport: Size) -> PaperZoom:
        if self.fitted:
            return PaperZoom.fit(self.image, viewport, self.quarter_turns)
        return dataclasses.replace(self, viewport=viewport)._clamped()

    def with_image(self, image: Size) -> PaperZoom:
        """A new frame: the same view while its size is the same, else fit (another camera mode)."""
        if image == self.image:
            return self
        return PaperZoom.fit(image, self.viewport, self.quarter_turns)

    def zoomed(self, factor: float, about: Point) -> PaperZoom:
        """Zoom by `factor`, the image point under view point `about` staying under it."""
        return self._at_scale(self.scale * factor, about)

    def zoomed_about_centre(self, factor: float) -> PaperZoom:
        return self.zoomed(factor, (self.viewport[0] / 2, self.viewport[1] / 2))

    def double_clicked(self, at: Point) -> PaperZoom:
        """One big step in about `at`: to 1:1 camera pixels or twice fit, the larger. Out: fit."""
        if self.zoomed_in:
            return PaperZoom.fit(self.image, self.viewport, self.quarter_turns)
        return self._at_scale(max(1.0, 2 * self.fit_scale), at)

    def dragged(self, dx: float, dy: float) -> PaperZoom:
        """The paper follows the pointer by (dx, dy) view pixels, as far as it can."""
        ix, iy = unturn((dx / self.scale, dy / self.scale), self.quarter_turns)
        centre = (self.centre[0] - ix, self.centre[1] - iy)
        return dataclasses.replace(self, centre=centre, fitted=False)._clamped()

    def rotated(self, quarter_turns: int = 1) -> PaperZoom:
        """Turn clockwise about the centre; at fit it stays at fit in the new orientation."""
        turns = (self.quarter_turns + quarter_turns) % 4
        if self.fitted:
            return PaperZoom.fit(self.image, self.viewport, turns)
        return dataclasses.replace(self, quarter_turns=turns)._clamped()

    # Mapping.

    def to_view(self, point: Point) -> Point:
        dx, dy = turn((point[0] - self.centre[0], point[1] - self.centre[1]), self.quarter_turns)
        return (self.viewport[0] / 2 + dx * self.scale, self.viewport[1] / 2 + dy * self.scale)

    def to_image(self, point: Point) -> Point:
        vx = (point[0] - self.viewport[0] / 2) / self.scale
        vy = (point[1] - self.viewport[1] / 2) / self.scale
        dx, dy = unturn((vx, vy), self.quarter_turns)
        return (self.centre[0] + dx, self.centre[1] + dy)

    # Rules.

    def _at_scale(self, scale: float, about: Point) -> PaperZoom:
        fit = self.fit_scale
        scale = min(max(MAX_SCALE, fit), max(fit, scale))
        if scale <= fit * FITTED_SLACK:
            return PaperZoom.fit(self.image, self.viewport, self.quarter_turns)
        anchor = self.to_image(about)
        zoomed = dataclasses.replace(self, scale=scale, fitted=False)
        # Move the centre so that `anchor` is drawn at `about` again.
        now_at = zoomed.to_view(anchor)
        return zoomed.dragged(about[0] - now_at[0], about[1] - now_at[1])

    def _clamped(self) -> PaperZoom:
        """The paper stays in view: larger than the view it covers it, smaller it is all in it."""
        width, height = turned(self.image, self.quarter_turns)
        u, v = turn(self.centre, self.quarter_turns, self.image)
        u = _clamp_axis(u, width, self.viewport[0] / self.scale)
        v = _clamp_axis(v, height, self.viewport[1] / self.scale)
        return dataclasses.replace(self, centre=unturn((u, v), self.quarter_turns, self.image))


def _clamp_axis(centre: float, paper: float, view: float) -> float:
    # Along one axis, in image px: the view's middle is between these two (either order).
    one, other = view / 2, paper - view / 2
    return min(max(one, other), max(min(one, other), centre))


def turned(size: Size, quarter_turns: int) -> Size:
    return (size[1], size[0]) if quarter_turns % 2 else size


def turn(point: Point, quarter_turns: int, image: Size | None = None) -> Point:
    """`point` turned clockwise: a vector if `image` is None, else a point of the turned image."""
    x, y = point
    width, height = image if image is not None else (0.0, 0.0)
    match quarter_turns % 4:
        case 0:
            return (x, y)
        case 1:
            return (height - y, x)
        case 2:
            return (width - x, height - y)
        case _:
            return (y, width - x)


def unturn(point: Point, quarter_turns: int, image: Size | None = None) -> Point:
    """The inverse of `turn`."""
    u, v = point
    width, height = image if image is not None else (0.0, 0.0)
    match quarter_turns % 4:
        case 0:
            return (u, v)
        case 1:
            return (v, height - u)
        case 2:
            return (width - u, height - v)
        case _:
            return (width - v, u)
