"""The citizen's paper in a document-camera frame: find the sheet, crop it and straighten it.

Pure: OpenCV and numpy on an array in, an array out, no I/O and no clock. The sheet is found
on a copy shrunk to about `FIND_ON_PX` on its longer side (outlines from a bright paper on a
darker desk, each judged by whether it steps up from desk to paper all round), then its edges
are fitted again on the full frame. A 2592 x 1944 still costs about a tenth of a second; the full
frame is only shrunk once and warped once. Channel order does not matter: the paper is told from
the desk by brightness and by how little colour it has, which read the same in RGB and BGR.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from call.frames import Image8

Point = tuple[float, float]
Points = npt.NDArray[np.float64]  # n x 2, x then y, in pixels; a pixel's centre is integral

FIND_ON_PX: Final = 1000  # the longer side of the copy the sheet is looked for on
MIN_AREA: Final = 0.1  # of the frame: less is a card or a hand (an A4 sheet turned 35 degrees
# in a 16:9 frame, 75 % of its height, covers 15 %)
MAX_AREA: Final = 0.97  # of the frame: more is the frame itself (or a blank wall of white)
MIN_CORNER_DEG: Final = 50.0  # a sheet under the camera's tilt keeps its corners near 90
MIN_SOLIDITY: Final = 0.9  # the blob fills its quadrilateral: a sheet, not a ragged shape
MIN_CONTRAST: Final = 25.0  # grey levels between paper and desk, each side of the edge
MIN_EDGE_STEPS: Final = 0.8  # of the places tried along each edge, where it must show that step
# The focal lengths believed, in frame widths: a document camera's lens is between a wide
# 120 degrees and a narrow 10 degrees across the frame.
MIN_FOCAL: Final = 0.3
FOCAL_GUESS: Final = 0.9  # about 60 degrees across: a usual document camera
MAX_FOCAL: Final = 6.0
PAPER_WHITE: Final = 0.92  # of the paper's own level: as bright or brighter shows pure white
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


def still_to_send(image: Image8) -> Still:
    """What the kiosk sends staff: the sheet straightened and `evened` as a scanner gives it, or
    the frame as it is when there is no sheet (then it is not paper whose light to even)."""
    still = still_of_paper(image)
    return replace(still, image=evened(still.image)) if still.cropped else still


def evened(image: Image8) -> Image8:
    """The sheet as a scanner gives it: the light's unevenness divided out and the paper made
    white. Its camera noise goes with it, so a lossless still is several times smaller, and the
    ink stands out; dark areas wider than about a fifteenth of the sheet (a photograph on it)
    are lightened too."""
    height, width = image.shape[:2]
    if image.ndim != 3 or min(height, width) < 16:
        return image
    small = _shrunk(np.ascontiguousarray(image), 1 / 8)
    # The paper's own level everywhere: the brightest nearby, which steps over any ink narrower
    # than the window, then smoothed, as light on a desk varies slowly.
    window = max(3, min(small.shape[:2]) // 15) | 1
    level = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (window, window)))
    level = cv2.GaussianBlur(level, (0, 0), window / 2)
    level = cv2.resize(level, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.asarray(cv2.divide(image, level, scale=255 / PAPER_WHITE), dtype=np.uint8)


def find_paper(image: Image8) -> Quad | None:
    """The corners of the sheet of paper in the frame, or None when there is no clear sheet."""
    if image.ndim != 3 or image.shape[2] != 3 or min(image.shape[:2]) < 16:
        return None
    image = np.ascontiguousarray(image)  # OpenCV refuses a view such as image[:, :, ::-1]
    height, width = image.shape[:2]
    scale = min(1.0, FIND_ON_PX / max(height, width))
    small = image if scale == 1.0 else _shrunk(image, scale)
    brightness, paperness = _channels(small)
    # Every outline any of the masks suggests is judged by its edges; the largest that steps
    # from desk to paper all round is the sheet.
    found: list[Quad] = []
    for mask in _candidate_masks(paperness, brightness):
        found.extend(_sheet_outlines(mask))
    sheets = [quad for quad in found if _steps_all_round(brightness, quad)]
    if not sheets:
        return None
    quad = max(sheets, key=Quad.area).scaled(1 / scale)
    return _refined(image, quad, grain=1 / scale) or quad


def straighten(image: Image8, quad: Quad) -> Image8:
    """The quad warped to an upright rectangle of the sheet's true shape, with as many pixels as
    the camera gave the sheet: its own resolution, on average, never more. A shape within
    `A4_SNAP` of A4's is A4's."""
    height, width = image.shape[:2]
    aspect = sheet_aspect(quad, (width, height))
    if abs(aspect / A4_ASPECT - 1) <= A4_SNAP:
        aspect = A4_ASPECT
    elif abs(aspect * A4_ASPECT - 1) <= A4_SNAP:
        aspect = 1 / A4_ASPECT
    area = quad.area()
    out_w = max(1, math.floor(math.sqrt(area * aspect)))
    out_h = max(1, math.floor(math.sqrt(area / aspect)))
    # The corners are the sheet's outer edges: half a pixel beyond the outermost pixel centres.
    target = np.array(
        [[-0.5, -0.5], [out_w - 0.5, -0.5], [out_w - 0.5, out_h - 0.5], [-0.5, out_h - 0.5]],
        dtype=np.float32,
    )
    transform = cv2.getPerspectiveTransform(quad.points().astype(np.float32), target)
    # Cubic: the sheet is drawn at about the camera's own resolution, where cubic keeps small
    # text sharper than linear (INTER_AREA means nothing to a perspective warp).
    warped = cv2.warpPerspective(
        image, transform, (out_w, out_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(warped, dtype=np.uint8)


def sheet_aspect(quad: Quad, frame: tuple[int, int]) -> float:
    """The sheet's true width over height, undoing the camera's perspective: the rectangle's
    shape recovered from its image with the optical centre at the frame's centre and square
    pixels (Zhang and He, "Whiteboard scanning and image enhancement", 2007). A quad with
    too little perspective to tell the focal length is taken as seen through `FOCAL_GUESS`."""
    scale = max(frame)
    centre = np.array(frame, dtype=np.float64) / 2 - 0.5
    tl, tr, br, bl = ((point - centre) / scale for point in quad.points())
    m1, m2, m3, m4 = (np.array([x, y, 1.0]) for x, y in (tl, tr, bl, br))
    k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
    k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    n2, n3 = k2 * m2 - m1, k3 * m3 - m1
    focal_sq = FOCAL_GUESS**2
    # Each n's last part is how strongly that pair of edges converges; when either pair is
    # (nearly) parallel, as when the sheet lies square under a camera tilted towards the
    # citizen, the focal length cannot be told from the sheet: the usual lens's is taken.
    if min(abs(n2[2]) / math.hypot(n2[0], n2[1]), abs(n3[2]) / math.hypot(n3[0], n3[1])) > 0.05:
        measured = -(n2[0] * n3[0] + n2[1] * n3[1]) / (n2[2] * n3[2])  # the centre at 0, 0
        if MIN_FOCAL**2 <= measured <= MAX_FOCAL**2:
            focal_sq = measured
    inverse = np.diag([1 / focal_sq, 1 / focal_sq, 1.0])  # (A A^T)^-1 for A = diag(f, f, 1)
    return math.sqrt(float(n2 @ inverse @ n2) / float(n3 @ inverse @ n3))


def _shrunk(image: Image8, scale: float) -> Image8:
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _channels(image: Image8) -> tuple[Image8, Image8]:
    """Brightness (the channels' mean) and "paperness" (the dimmest channel: white paper is
    bright in all three, a wooden or coloured desk is dim in at least one). Both are the same
    whichever order the channels come in."""
    first, second, third = cv2.split(image)
    brightness = cv2.transform(image, np.full((1, 3), 1 / 3, dtype=np.float32))
    paperness = cv2.min(cv2.min(first, second), third)
    return np.asarray(brightness, dtype=np.uint8), np.asarray(paperness, dtype=np.uint8)


def _candidate_masks(paperness: Image8, brightness: Image8) -> list[Image8]:
    """Regions that may be the sheet: paper-coloured ones split at a few levels around the
    frame's own (Otsu's) split, and the regions the frame's edges enclose, for a pale desk under
    uneven light where no one level divides paper from desk."""
    blurred = cv2.GaussianBlur(paperness, (5, 5), 0)
    level, _ = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    masks = [
        cv2.threshold(blurred, min(254.0, max(0.0, level + shift)), 255, cv2.THRESH_BINARY)[1]
        for shift in (0, 20, 40, -20)
    ]
    edges = cv2.Canny(cv2.GaussianBlur(brightness, (5, 5), 0), 20, 60)
    outlines = cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    filled = np.zeros_like(outlines)
    contours, _ = cv2.findContours(outlines, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    masks.append(filled)
    # Close over the text and ruled lines so the sheet is one solid blob.
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    return [
        np.asarray(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel), dtype=np.uint8)
        for mask in masks
    ]


def _sheet_outlines(mask: Image8) -> list[Quad]:
    """The mask's largest blobs that are sheet-shaped: big enough, four-cornered, solid."""
    frame_area = float(mask.shape[0] * mask.shape[1])
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    quads = []
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
        if _edges_on_border(quad, mask.shape) > 1:
            continue  # a bright half or corner of the frame: a sheet off one side is the most
        quads.append(quad)
    return quads


def _steps_all_round(brightness: Image8, quad: Quad) -> bool:
    """Whether brightness steps up from desk to paper across nearly all of each edge inside the
    frame: a sheet's outline, not a patch of light or the sheet merged with the desk."""
    corners = quad.points()
    reach = 6.0
    for index in range(4):
        start, end = corners[index], corners[(index + 1) % 4]
        profiles = _profiles_across(brightness, start, end, reach, strips=24)
        if profiles is None:
            continue  # the frame's border: checked by the caller
        half = profiles.shape[1] // 2
        desk = np.median(profiles[:, : half - 1], axis=1)
        paper = np.median(profiles[:, half + 2 :], axis=1)
        if np.mean(paper - desk >= MIN_CONTRAST) < MIN_EDGE_STEPS:
            return False
    return True


def _edges_on_border(quad: Quad, shape: tuple[int, ...]) -> int:
    """How many of the quad's edges run along the frame's border."""
    height, width = shape[:2]
    near = max(2.0, 0.01 * min(height, width))
    corners = quad.points()
    count = 0
    for start, end in zip(corners, np.roll(corners, -1, axis=0), strict=True):
        xs, ys = (start[0], end[0]), (start[1], end[1])
        if (
            max(xs) < near
            or min(xs) > width - 1 - near
            or max(ys) < near
            or min(ys) > height - 1 - near
        ):
            count += 1
    return count


def _square_enough(quad: Quad) -> bool:
    """Whether every corner is between `MIN_CORNER_DEG` and its supplement."""
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


def _refined(image: Image8, quad: Quad, grain: float) -> Quad | None:
    """The corners again on the full frame: each edge fitted as a line to where the brightness
    steps from desk to paper, along strips either side of the rough edge, then intersected.
    The rough corners were `grain` full-frame pixels apart; None if the lines do not meet
    near them."""
    corners = quad.points()
    reach = max(6.0, 5 * grain)
    lines = []
    for index in range(4):
        start, end = corners[index], corners[(index + 1) % 4]
        fitted = _fitted_edge(image, start, end, reach)
        # An edge with no clear step (the frame's border, where the sheet runs off it) keeps
        # its rough line.
        lines.append(fitted or (start, (end - start) / (np.linalg.norm(end - start) or 1.0)))
    refined = [_intersection(lines[index - 1], lines[index]) for index in range(4)]
    if any(point is None for point in refined):
        return None
    points = np.array(refined, dtype=np.float64)
    if float(np.max(np.linalg.norm(points - corners, axis=1))) > 2 * reach:
        return None  # the fit wandered off onto something else: keep the rough corners
    return Quad.from_points(points)


Line = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]  # a point on it and its direction


def _fitted_edge(
    image: Image8, start: npt.NDArray[np.float64], end: npt.NDArray[np.float64], reach: float
) -> Line | None:
    across = _strips_across(image.shape, start, end, reach, strips=48)
    if across is None:
        return None
    bases, xs, ys, normal = across
    # Only the pixels on the strips are read: the whole frame is never converted.
    strips = cv2.remap(image, xs.astype(np.float32), ys.astype(np.float32), cv2.INTER_LINEAR)
    profiles = np.asarray(strips, dtype=np.float64).min(axis=2)
    found: list[npt.NDArray[np.float64]] = []
    for base, profile in zip(bases, profiles, strict=True):
        step = _half_way(profile)
        if step is not None:
            found.append(base - reach * normal + step * normal)
    if len(found) < 8:
        return None
    points = np.array(found, dtype=np.float32)
    vx, vy, x0, y0 = cv2.fitLine(points, cv2.DIST_HUBER, 0, 0.01, 0.01).reshape(-1)
    return np.array([x0, y0], dtype=np.float64), np.array([vx, vy], dtype=np.float64)


def _profiles_across(
    grey: Image8,
    start: npt.NDArray[np.float64],
    end: npt.NDArray[np.float64],
    reach: float,
    strips: int,
) -> npt.NDArray[np.float64] | None:
    across = _strips_across(grey.shape, start, end, reach, strips)
    if across is None:
        return None
    _, xs, ys, _ = across
    sampled = cv2.remap(grey, xs.astype(np.float32), ys.astype(np.float32), cv2.INTER_LINEAR)
    return np.asarray(sampled, dtype=np.float64)


Strips = tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]  # where each strip crosses the edge, its xs and ys from outside in, and the inward normal


def _strips_across(
    shape: tuple[int, ...],
    start: npt.NDArray[np.float64],
    end: npt.NDArray[np.float64],
    reach: float,
    strips: int,
) -> Strips | None:
    """Sample lines across an edge, `reach` px each side, clear of the corners where two edges'
    steps mix, and only those wholly inside the frame (a sheet may run off it)."""
    along = end - start
    length = float(np.linalg.norm(along))
    if length < 8:
        return None
    direction = along / length
    normal = np.array([-direction[1], direction[0]])  # into the sheet (clockwise order)
    height, width = shape[:2]
    samples = np.arange(-reach, reach + 1, 1.0)
    bases = start + np.linspace(0.1, 0.9, strips)[:, None] * along
    xs = bases[:, :1] + samples[None, :] * normal[0]
    ys = bases[:, 1:] + samples[None, :] * normal[1]
    within = (xs.min(axis=1) >= 0) & (ys.min(axis=1) >= 0)
    within &= (xs.max(axis=1) <= width - 1) & (ys.max(axis=1) <= height - 1)
    if not within.any():
        return None
    return bases[within], xs[within], ys[within], normal


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
