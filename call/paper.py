"""The citizen's paper in a document-camera frame: find the sheet, crop it and straighten it.

Pure: OpenCV and numpy on an array in, an array out, no I/O and no clock. The sheet is found
on a copy shrunk to about `FIND_ON_PX` on its longer side (contours on a bright-paper-on-a-darker-
desk assumption), then its edges are fitted again on the full frame, so a 2592 x 1944 still costs
tens of milliseconds rather than a second. Channel order does not matter: the paper is told from
the desk by brightness and by how little colour it has, which read the same in RGB and BGR.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from call.frames import Image8

Point = tuple[float, float]
Points = npt.NDArray[np.float64]  # n x 2, x then y, in pixels; a pixel's centre is integral

FIND_ON_PX: Final = 1000  # the longer side of the copy the sheet is looked for on
MIN_AREA: Final = 0.15  # of the frame: anything smaller is a card or a hand, not the paper
MAX_AREA: Final = 0.97  # of the frame: more is the frame itself (or a blank wall of white)
MIN_CORNER_DEG: Final = 50.0  # a sheet under the camera's tilt keeps its corners near 90
MIN_SOLIDITY: Final = 0.9  # the blob fills its quadrilateral: a sheet, not a ragged shape
MIN_CONTRAST: Final = 25.0  # grey levels between paper and desk, each side of the edge
A4_ASPECT: Final = math.sqrt(2.0)  # 297 / 210
A4_SNAP: Final = 0.04  # a measured aspect this close to A4's is A4 seen through lens error


@dataclass(frozen=True, slots=True)
class Quad:
    """A sheet's four corners as the frame shows them: the top edge is the one nearest level.

    A sheet placed sideways stays sideways: which way its text reads is not guessed.
    """

    top_left: Point
    top_right: Point
    bottom_right: Point
    bottom_left: Point

    @classmethod
    def from_points(cls, points: Points | list[Point]) -> Quad:
        """Order four corners clockwise on screen, starting at the top edge's left end."""
        corners = np.asarray(points, dtype=np.float64).reshape(4, 2)
        centre = corners.mean(axis=0)
        # Clockwise on screen (y grows downwards) is increasing atan2 angle.
        angles = np.arctan2(corners[:, 1] - centre[1], corners[:, 0] - centre[0])
        clockwise = corners[np.argsort(angles)]
        # Of the four edges, the top one runs most nearly left to right.
        def levelness(start: int) -> float:
            dx, dy = clockwise[(start + 1) % 4] - clockwise[start]
            return float(dx / (math.hypot(dx, dy) or 1.0))

        start = max(range(4), key=levelness)
        ordered = [clockwise[(start + i) % 4] for i in range(4)]
        tl, tr, br, bl = ((float(x), float(y)) for x, y in ordered)
        return cls(tl, tr, br, bl)

    def points(self) -> Points:
        return np.array(
            [self.top_left, self.top_right, self.bottom_right, self.bottom_left], dtype=np.float64
        )

    def area(self) -> float:
        return float(abs(cv2.contourArea(self.points().astype(np.float32))))

    def scaled(self, factor: float) -> Quad:
        """The same corners on a frame `factor` times the size (pixel centres kept aligned)."""
        return Quad.from_points((self.points() + 0.5) * factor - 0.5)


@dataclass(frozen=True, slots=True)
class Still:
    """What the kiosk sends of the paper: the straightened sheet, or the whole frame."""

    image: Image8
    quad: Quad | None  # where the sheet was in the frame; None: no sheet, `image` is the frame
    cropped: bool


def still_of_paper(image: Image8) -> Still:
    """The sheet cropped and straightened, or the frame unchanged: the citizen always sends."""
    quad = find_paper(image)
    if quad is None:
        return Still(image, None, cropped=False)
    return Still(straighten(image, quad), quad, cropped=True)


def find_paper(image: Image8) -> Quad | None:
    """The corners of the sheet of paper in the frame, or None when there is no clear sheet."""
    if image.ndim != 3 or image.shape[2] != 3 or min(image.shape[:2]) < 16:
        return None
    height, width = image.shape[:2]
    scale = min(1.0, FIND_ON_PX / max(height, width))
    small = image if scale == 1.0 else _shrunk(image, scale)
    brightness, paperness = _channels(small)
    for mask in _candidate_masks(paperness):
        rough = _sheet_outline(mask, brightness)
        if rough is None:
            continue
        quad = rough.scaled(1 / scale)
        refined = _refined(_channels(image)[1], quad, grain=1 / scale)
        return refined or quad
    return None


def straighten(image: Image8, quad: Quad) -> Image8:
    """The quad warped to an upright rectangle at the resolution the camera gave it: each side as
    long as the longer of that pair of opposite edges; an aspect within `A4_SNAP` of A4's is A4's
    (the shorter side is made to fit, so nothing is enlarged for it)."""
    corners = quad.points()
    edges = np.linalg.norm(corners - np.roll(corners, -1, axis=0), axis=1)
    width = max(edges[0], edges[2])  # top, bottom
    height = max(edges[1], edges[3])  # right, left
    long_side, short_side = max(width, height), min(width, height)
    if short_side > 0 and abs(long_side / short_side / A4_ASPECT - 1) <= A4_SNAP:
        short_side = long_side / A4_ASPECT
        width, height = (long_side, short_side) if width >= height else (short_side, long_side)
    out_w, out_h = max(1, round(width)), max(1, round(height))
    # The corners are the sheet's outer edges: half a pixel beyond the outermost pixel centres.
    target = np.array(
        [[-0.5, -0.5], [out_w - 0.5, -0.5], [out_w - 0.5, out_h - 0.5], [-0.5, out_h - 0.5]],
        dtype=np.float32,
    )
    transform = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    # Cubic: the sheet is drawn at about its own resolution, where it keeps small text sharper
    # than linear; INTER_AREA has no meaning for a perspective warp.
    warped = cv2.warpPerspective(
        image, transform, (out_w, out_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(warped, dtype=np.uint8)


def _shrunk(image: Image8, scale: float) -> Image8:
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _channels(image: Image8) -> tuple[Image8, Image8]:
    """Brightness (the channels' mean) and "paperness" (the dimmest channel: white paper is
    bright in all three, a wooden or coloured desk is dim in at least one). Both are the same
    whichever order the channels come in."""
    brightness = np.asarray(image.mean(axis=2), dtype=np.uint8)
    paperness = np.asarray(image.min(axis=2), dtype=np.uint8)
    return brightness, paperness


def _candidate_masks(paperness: Image8) -> list[Image8]:
    """Paper-coloured regions, by a global split first (lighting on a desk varies slowly) and by
    a local one when the global split merges the sheet with a bright patch of desk."""
    blurred = cv2.GaussianBlur(paperness, (5, 5), 0)
    _, otsu = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    block = max(3, (min(paperness.shape) // 4) | 1)
    local = cv2.adaptiveThreshold(
        blurred, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, -5
    )
    # Close over the text and ruled lines so the sheet is one solid blob.
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    return [
        np.asarray(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel), dtype=np.uint8)
        for mask in (otsu, local)
    ]


def _sheet_outline(mask: Image8, brightness: Image8) -> Quad | None:
    frame_area = float(mask.shape[0] * mask.shape[1])
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
        area = cv2.contourArea(contour)
        if not MIN_AREA * frame_area <= area <= MAX_AREA * frame_area:
            continue
        hull = cv2.convexHull(contour)
        perimeter = cv2.arcLength(hull, closed=True)
        for tolerance in (0.01, 0.02, 0.03, 0.05):
            polygon = cv2.approxPolyDP(hull, tolerance * perimeter, closed=True)
            if len(polygon) <= 4:
                break
        if len(polygon) != 4 or not cv2.isContourConvex(polygon):
            continue
        quad = Quad.from_points(polygon.reshape(4, 2).astype(np.float64))
        if area < MIN_SOLIDITY * quad.area() or not _square_enough(quad):
            continue
        if _contrast(brightness, quad) < MIN_CONTRAST:
            continue
        return quad
    return None


def _square_enough(quad: Quad) -> bool:
    corners = quad.points()
    for index in range(4):
        before = corners[index - 1] - corners[index]
        after = corners[(index + 1) % 4] - corners[index]
        norms = float(np.linalg.norm(before) * np.linalg.norm(after))
        if norms == 0:
            return False
        angle = math.degrees(math.acos(np.clip(np.dot(before, after) / norms, -1, 1)))
        if not MIN_CORNER_DEG <= angle <= 180 - MIN_CORNER_DEG:
            return False
    return True


def _contrast(brightness: Image8, quad: Quad) -> float:
    """How much brighter the sheet is than the desk just outside it."""
    corners = quad.points()
    inside = np.zeros(brightness.shape, dtype=np.uint8)
    cv2.fillConvexPoly(inside, np.round(corners).astype(np.int32), 255)
    band = max(3, round(0.03 * min(brightness.shape)))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * band + 1, 2 * band + 1))
    outside = cv2.dilate(inside, kernel)
    outside[inside > 0] = 0
    core = cv2.erode(inside, kernel)
    if not outside.any() or not core.any():
        # The sheet runs off the frame on every side, or is a sliver: nothing to compare.
        return 0.0
    return float(np.median(brightness[core > 0])) - float(np.median(brightness[outside > 0]))


def _refined(paperness: Image8, quad: Quad, grain: float) -> Quad | None:
    """The corners again on the full frame: each edge fitted as a line to where the brightness
    steps from desk to paper, along strips either side of the rough edge, then intersected.
    The rough corners were `grain` full-frame pixels apart; None if an edge cannot be found."""
    corners = quad.points()
    reach = max(6.0, 5 * grain)
    lines = []
    for index in range(4):
        start, end = corners[index], corners[(index + 1) % 4]
        line = _fitted_edge(paperness, start, end, reach)
        if line is None:
            return None
        lines.append(line)
    refined = [_intersection(lines[index - 1], lines[index]) for index in range(4)]
    if any(point is None for point in refined):
        return None
    points = np.array(refined, dtype=np.float64)
    if float(np.max(np.linalg.norm(points - corners, axis=1))) > 2 * reach:
        return None  # the fit wandered off onto something else: keep the rough corners
    return Quad.from_points(points)


Line = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]  # a point on it and its direction


def _fitted_edge(
    paperness: Image8, start: npt.NDArray[np.float64], end: npt.NDArray[np.float64], reach: float
) -> Line | None:
    along = end - start
    length = float(np.linalg.norm(along))
    if length < 8:
        return None
    direction = along / length
    normal = np.array([-direction[1], direction[0]])  # points into the sheet (clockwise order)
    height, width = paperness.shape
    samples = np.arange(-reach, reach + 1, 1.0)
    found: list[npt.NDArray[np.float64]] = []
    # Stay clear of the corners, where two edges' steps mix.
    for t in np.linspace(0.1, 0.9, 48):
        base = start + t * along
        xs = base[0] + samples * normal[0]
        ys = base[1] + samples * normal[1]
        if xs.min() < 0 or ys.min() < 0 or xs.max() > width - 1 or ys.max() > height - 1:
            continue  # the edge is at (or past) the frame's border here
        profile = cv2.remap(
            paperness,
            xs.astype(np.float32).reshape(1, -1),
            ys.astype(np.float32).reshape(1, -1),
            cv2.INTER_LINEAR,
        ).reshape(-1).astype(np.float64)
        step = _half_way(profile)
        if step is not None:
            found.append(base + (samples[0] + step) * normal)
    if len(found) < 8:
        return None
    points = np.array(found, dtype=np.float32)
    vx, vy, x0, y0 = cv2.fitLine(points, cv2.DIST_HUBER, 0, 0.01, 0.01).reshape(-1)
    return np.array([x0, y0], dtype=np.float64), np.array([vx, vy], dtype=np.float64)


def _half_way(profile: npt.NDArray[np.float64]) -> float | None:
    """Where a desk-to-paper profile first crosses half way between its two levels (sub-pixel),
    counted in samples from its start; None when there is no clear step."""
    quarter = max(2, len(profile) // 4)
    desk = float(np.median(profile[:quarter]))
    paper = float(np.median(profile[-quarter:]))
    if paper - desk < MIN_CONTRAST:
        return None
    middle = (desk + paper) / 2
    above = np.nonzero(profile >= middle)[0]
    if len(above) == 0 or above[0] == 0:
        return None
    i = int(above[0])
    low, high = profile[i - 1], profile[i]
    return i - 1 + (middle - low) / (high - low) if high > low else float(i)


def _intersection(first: Line, second: Line) -> npt.NDArray[np.float64] | None:
    (p, r), (q, s) = first, second
    cross = r[0] * s[1] - r[1] * s[0]
    if abs(cross) < 1e-6:
        return None
    t = ((q[0] - p[0]) * s[1] - (q[1] - p[1]) * s[0]) / cross
    return np.asarray(p + t * r, dtype=np.float64)
