"""A number drawn into video pixels, big enough to survive VP8 and be read back at the receiver.

The end-to-end tests and `bench/call.py` stamp each synthetic camera frame with which end sent
it, a frame counter and the capture time, so the receiver can prove a frame came from the
other end, count frames lost on the way and measure glass-to-glass latency.

The code is 64 bits in a band across the top quarter of the frame: 16 columns by 4 rows of
black (0) or white (1) cells, most significant bit first. A cell is read by the mean brightness
of its middle half, so compression ringing at its edges does not matter, and sizes are taken as
fractions of the frame, so a scaled frame reads the same. The payload is the side (4 bits), the
counter (20 bits), the capture time in milliseconds (32 bits, wrapping) and a CRC-32 byte of the
rest, so a frame caught mid-change never reads as a wrong number.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from call.camera import CameraCapture
from call.pictures import SyntheticPattern

Image8 = npt.NDArray[np.uint8]

COLUMNS: Final = 16
ROWS: Final = 4
BAND: Final = 0.25  # of the frame's height
COUNTER_BITS: Final = 20
MS_BITS: Final = 32


@dataclass(frozen=True, slots=True)
class FrameCode:
    side: int  # 0-15: which end drew it
    counter: int  # frames drawn so far, wrapping at 2**20
    captured_ms: int  # time.monotonic() in ms, wrapping at 2**32

    def captured_at(self, now: float) -> float:
        """The capture time in monotonic seconds, unwrapped against `now` (a later time)."""
        now_ms = int(now * 1000)
        ago = (now_ms - self.captured_ms) % (1 << MS_BITS)
        return (now_ms - ago) / 1000


def _payload(side: int, counter: int, captured_ms: int) -> int:
    body = (side & 0xF) << 52 | (counter % (1 << COUNTER_BITS)) << 32 | captured_ms
    check = zlib.crc32(body.to_bytes(7, "big")) & 0xFF
    return body << 8 | check


def _cells(height: int, width: int) -> list[tuple[int, int, int, int]]:
    band = int(height * BAND)
    rows = [(row * band // ROWS, (row + 1) * band // ROWS) for row in range(ROWS)]
    columns = [(col * width // COLUMNS, (col + 1) * width // COLUMNS) for col in range(COLUMNS)]
    return [(top, bottom, left, right) for top, bottom in rows for left, right in columns]


def stamp(image: Image8, code: FrameCode) -> None:
    """Draw `code` into the top band of `image` (height x width x 3, RGB or BGR) in place."""
    value = _payload(code.side, code.counter, code.captured_ms % (1 << MS_BITS))
    for index, (top, bottom, left, right) in enumerate(_cells(*image.shape[:2])):
        bit = value >> (ROWS * COLUMNS - 1 - index) & 1
        image[top:bottom, left:right] = 255 if bit else 0


def read(image: Image8) -> FrameCode | None:
    """The code in `image`, or None when there is none (or it does not check out)."""
    value = 0
    for top, bottom, left, right in _cells(*image.shape[:2]):
        h, w = bottom - top, right - left
        middle = image[top + h // 4 : bottom - h // 4, left + w // 4 : right - w // 4]
        value = value << 1 | int(float(middle.mean()) > 127.5)
    body, check = value >> 8, value & 0xFF
    if zlib.crc32(body.to_bytes(7, "big")) & 0xFF != check:
        return None
    return FrameCode(body >> 52, body >> 32 & ((1 << COUNTER_BITS) - 1), body & 0xFFFFFFFF)


class CodedPattern(SyntheticPattern):
    """The engine's moving test pattern with a `FrameCode` over its top quarter."""

    def __init__(self, width: int, height: int, reason: str, side: int) -> None:
        super().__init__(width, height, reason)
        self.side = side
        self.counter = 0

    def render(self, now: float) -> Image8:
        image = super().render(now)
        self.counter += 1
        stamp(image, FrameCode(self.side, self.counter, int(time.monotonic() * 1000)))
        return image


def coded_capture(side: int) -> type[CameraCapture]:
    """A `CameraCapture` whose synthetic pattern (no device, or a missing one) is coded."""

    class CodedCapture(CameraCapture):
        def _pattern(self) -> SyntheticPattern:
            settings = self.settings
            return CodedPattern(settings.width, settings.height, f"side {side}", side)

    return CodedCapture
