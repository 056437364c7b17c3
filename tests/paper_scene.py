"""A synthetic document-camera photograph of an A4 test page on a desk, and the page's em.

`photograph` lays a page on a wood-like desk as a camera sees it: tilted (the camera is not
straight above), turned in the plane, unevenly lit, slightly soft and noisy. It returns the
frame and where the page's corners truly are. `test_page` is an A4 page with 10 pt text and a
solid 10 pt square, and `measured_em_px` finds that square in any straightened still and
measures it, so the em is read from pixels rather than computed from a scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from call.frames import Image8
from call.paper import Quad
from call.pictures import cjk_font
from tests.kiosk.kiosk_scenes import PT_MM, a4_form

MARK_MM = 10 * PT_MM  # the measuring square's side: one em of 10 pt text, 3.528 mm
OAK = (128, 92, 60)  # the desk's colour, before its grain
GREY_LAMINATE = (172, 172, 168)  # a pale, colourless office desk: only brightness tells paper
MARK_AT_MM = (150.0, 272.0)  # its top-left corner, clear of every other ink by 8 mm or more


@dataclass(frozen=True)
class Scene:
    """One photograph: the frame (RGB) and the page's own corners in it, in the page's order
    (its top-left, top-right, bottom-right, bottom-left), pixel centres integral."""

    frame: Image8
    page_corners: npt.NDArray[np.float64]

    @property
    def quad(self) -> Quad:
        """The true corners as `call.paper` orders them: as the frame shows the sheet."""
        return Quad.from_points(self.page_corners)


def test_page(px_per_mm: float) -> Image.Image:
    """The A4 form (portrait) with more 10 pt lines and the 10 pt measuring square."""
    page = a4_form(px_per_mm)
    draw = ImageDraw.Draw(page)
    font = cjk_font(max(1, round(10 * PT_MM * px_per_mm)))
    lines = (
        "10 pt: 記入した内容に誤りがないことを確認しました。",
        "10 pt: 窓口市 中央区 本町一丁目 2番3号　電話 012-345-6789",
    )
    for index, line in enumerate(lines):
        draw.text((20 * px_per_mm, (246 + index * 7) * px_per_mm), line, fill=(0, 0, 0), font=font)
    pixels = np.asarray(page, dtype=np.float64)
    # The square is drawn by its exact area in each pixel, so its side is 10 pt at any scale.
    coverage = _square_coverage(page.size, MARK_AT_MM, MARK_MM, px_per_mm)
    pixels *= 1 - coverage[:, :, None]
    return Image.fromarray(np.round(pixels).astype(np.uint8))


def _square_coverage(
    size: tuple[int, int], at_mm: tuple[float, float], side_mm: float, px_per_mm: float
) -> npt.NDArray[np.float64]:
    def along(count: int, start_mm: float) -> npt.NDArray[np.float64]:
        edges = np.arange(count, dtype=np.float64)
        low, high = start_mm * px_per_mm, (start_mm + side_mm) * px_per_mm
        covered = np.clip(np.minimum(edges + 1, high) - np.maximum(edges, low), 0, 1)
        return np.asarray(covered, dtype=np.float64)

    width, height = size
    return np.outer(along(height, at_mm[1]), along(width, at_mm[0]))


def photograph(
    page: Image.Image | Image8,
    camera: tuple[int, int] = (2592, 1944),
    *,
    fill: float = 0.8,
    tilt_deg: float = 0.0,
    rotate_deg: float = 0.0,
    seed: int = 0,
    focal: float = 0.9,
    desk_rgb: tuple[int, int, int] = OAK,
    light: float = 0.15,
) -> Scene:
    """The page on a desk as a camera of `camera` (width, height) px sees it: turned by
    `rotate_deg` in the plane (90: sideways), seen `tilt_deg` off straight down, its outline
    filling `fill` of the frame's height or width, whichever is tighter, through a lens whose
    focal length is `focal` frame widths (0.9: about 60 degrees across), on a desk of
    `desk_rgb`, lit `light` brighter on one side than the other (0.15: 15 %)."""
    rng = np.random.default_rng(seed)
    source = np.asarray(page, dtype=np.uint8)
    if source.ndim == 2:
        source = np.repeat(source[:, :, None], 3, axis=2)
    width, height = camera
    page_h, page_w = source.shape[:2]
    # The page's corners (outer edges) on the desk, centred, in page pixels.
    flat = np.array(
        [
            [-page_w / 2, -page_h / 2],
            [page_w / 2, -page_h / 2],
            [page_w / 2, page_h / 2],
            [-page_w / 2, page_h / 2],
        ],
        dtype=np.float64,
    )
    turn = math.radians(rotate_deg)
    rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    turned = flat @ rotation.T
    tilt = math.radians(tilt_deg)
    lens = focal * width  # in frame pixels; in page pixels it is lens / scale

    def seen(shift: npt.NDArray[np.float64], scale: float) -> npt.NDArray[np.float64]:
        # The camera tilted about the frame's horizontal axis, the optical centre in the middle
        # of the frame: the far (top) side of the page looks shorter.
        desk_points = turned + shift
        distance = lens / scale
        depth = distance + desk_points[:, 1] * math.sin(tilt)
        across = np.stack([desk_points[:, 0], desk_points[:, 1] * math.cos(tilt)], axis=1)
        return np.asarray(across * (distance / depth)[:, None], dtype=np.float64)

    # How far the camera is decides how big the page looks, and how big it looks decides how far
    # the camera must be: a few rounds settle it.
    scale = fill * min(width / page_w, height / page_h)
    for _ in range(6):
        centred = seen(np.zeros(2), scale)
        span = centred.max(axis=0) - centred.min(axis=0)
        scale = fill * min(width / span[0], height / span[1])
    # Slid off centre by up to a fifth of the room left, as a citizen places it.
    centred = seen(np.zeros(2), scale)
    span = centred.max(axis=0) - centred.min(axis=0)
    room = (np.array([width, height]) / scale - span) / 2
    shift = rng.uniform(-0.2, 0.2, 2) * room - (centred.max(axis=0) + centred.min(axis=0)) / 2
    corners = seen(shift, scale) * scale + np.array([width, height]) / 2 - 0.5

    # Shrink the page first to about the size it will be drawn at, so the warp does not alias.
    shrink = min(1.0, 1.2 * scale)
    if shrink < 1.0:
        size = (max(1, round(page_w * shrink)), max(1, round(page_h * shrink)))
        source = np.asarray(cv2.resize(source, size, interpolation=cv2.INTER_AREA), np.uint8)
    src_h, src_w = source.shape[:2]
    src_corners = np.array(
        [[-0.5, -0.5], [src_w - 0.5, -0.5], [src_w - 0.5, src_h - 0.5], [-0.5, src_h - 0.5]],
        dtype=np.float32,
    )
    transform = cv2.getPerspectiveTransform(src_corners, corners.astype(np.float32))
    drawn = cv2.warpPerspective(
        source.astype(np.float32),
        transform,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    coverage = _inside(corners, width, height)[:, :, None]
    frame = drawn * coverage + desk(width, height, rng, desk_rgb) * (1 - coverage)
    frame *= _lighting(width, height, rng, light)[:, :, None]
    frame = np.asarray(cv2.GaussianBlur(frame, (0, 0), 0.7), dtype=np.float64)
    frame += rng.normal(0.0, 2.5, frame.shape)
    return Scene(np.clip(np.round(frame), 0, 255).astype(np.uint8), corners)


def _inside(corners: npt.NDArray[np.float64], width: int, height: int) -> npt.NDArray[np.float32]:
    """How much of each pixel the page covers: its distance inside every edge, so the edge is
    anti-aliased where it truly lies (corners ordered clockwise on screen)."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    inside = np.full((height, width), np.inf, dtype=np.float32)
    clockwise = Quad.from_points(corners).points()
    for index in range(4):
        start, end = clockwise[index], clockwise[(index + 1) % 4]
        dx, dy = (end - start) / np.linalg.norm(end - start)
        # The inward normal of a clockwise (on screen) polygon is (-dy, dx).
        distance = (xs - start[0]) * -dy + (ys - start[1]) * dx
        inside = np.minimum(inside, distance)
    return np.asarray(np.clip(inside + 0.5, 0, 1), dtype=np.float32)


def desk(
    width: int, height: int, rng: np.random.Generator, rgb: tuple[int, int, int] = (128, 92, 60)
) -> npt.NDArray[np.float32]:
    """A wooden desk top: brown, with grain that wanders, knots of darker wood, darker than
    any paper (RGB, float)."""
    ys = np.mgrid[0:height, 0:width][0].astype(np.float32)
    wander = cv2.resize(
        rng.normal(0, 1, (8, 8)).astype(np.float32),
        (width, height),
        interpolation=cv2.INTER_CUBIC,
    )
    grain = np.sin((ys + 40 * wander) * (2 * math.pi / rng.uniform(18, 30)))
    patches = cv2.resize(
        rng.normal(0, 1, (6, 9)).astype(np.float32),
        (width, height),
        interpolation=cv2.INTER_CUBIC,
    )
    tone = 1 + 0.12 * grain + 0.1 * patches
    base = np.array(rgb, dtype=np.float32) * rng.uniform(0.9, 1.05)
    return np.asarray(base[None, None, :] * tone[:, :, None], dtype=np.float32)


def _lighting(
    width: int, height: int, rng: np.random.Generator, light: float
) -> npt.NDArray[np.float32]:
    """A gradient `light` deep across the frame, brighter towards a lamp off one side."""
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    along = (xs / width - 0.5) * math.cos(angle) + (ys / height - 0.5) * math.sin(angle)
    return np.asarray(1 - light / 2 + light * along, dtype=np.float32)


@dataclass(frozen=True)
class Mark:
    """The measuring square as found in a still: its width and height in pixels."""

    width: float
    height: float

    @property
    def em(self) -> float:
        return (self.width + self.height) / 2


def measured_mark(still: Image8) -> Mark | None:
    """Find the solid 10 pt square in a straightened still (of any resolution) and measure it:
    the dark blob that is solid, square and alone; its sides from the half-darkness widths of
    its profiles, so blur and sub-pixel placement do not move them."""
    pixels = np.asarray(still, dtype=np.float64)
    grey = pixels.mean(axis=2) if pixels.ndim == 3 else pixels
    grey8 = np.clip(grey, 0, 255).astype(np.uint8)
    _, ink = cv2.threshold(grey8, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    best: tuple[float, Mark] | None = None
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        if w < 3 or h < 3 or not 0.8 <= w / h <= 1.25 or area < 0.85 * w * h:
            continue
        side = max(w, h)
        x0, y0 = max(0, x - side), max(0, y - side)
        x1, y1 = min(ink.shape[1], x + w + side), min(ink.shape[0], y + h + side)
        if np.count_nonzero(ink[y0:y1, x0:x1]) > 1.05 * area:
            continue  # other ink nearby: a glyph, not the mark
        mark = _profile_widths(grey[y0:y1, x0:x1])
        if mark is not None and (best is None or area > best[0]):
            best = (area, mark)
    return None if best is None else best[1]


def measured_em_px(still: Image8) -> float:
    """The em of 10 pt text in the still, in pixels, as measured on its square; 0 if not found."""
    mark = measured_mark(still)
    return 0.0 if mark is None else mark.em


def _profile_widths(patch: npt.NDArray[np.float64]) -> Mark | None:
    paper = float(np.percentile(patch, 90))
    black = float(np.percentile(patch, 2))
    if paper - black < 40:
        return None
    darkness = np.clip((paper - patch) / (paper - black), 0, 1)
    return Mark(_half_width(darkness.sum(axis=0)), _half_width(darkness.sum(axis=1)))


def _half_width(profile: npt.NDArray[np.float64]) -> float:
    """The width at half the plateau of a one-bump profile, interpolated between samples."""
    half = profile.max() / 2
    above = np.nonzero(profile >= half)[0]
    first, last = int(above[0]), int(above[-1])

    def crossing(inside: int, outside: int) -> float:
        low, high = profile[outside], profile[inside]
        return outside + (half - low) / (high - low) * (inside - outside) if high > low else inside

    left = crossing(first, first - 1) if first > 0 else float(first)
    right = crossing(last, last + 1) if last + 1 < len(profile) else float(last)
    return right - left
