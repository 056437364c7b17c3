"""The frame rate a track sends at, lowered while its consumer cannot keep up."""

from __future__ import annotations

from typing import Final

MIN_LIVE_FPS: Final = 5.0  # the governor goes no lower: a paper held up still reads at 5 fps


class FrameRateGovernor:
    """The rate a track may ask for frames at, lowered while its consumer cannot keep up.

    Sans-I/O: the track reports how long its consumer held each frame (aiortc's sender encodes
    it and sends it through the pacer before it asks for the next), and reads `fps`. The rate
    falls when that time passes `headroom` of the frame interval and rises again when it
    shrinks, between `floor` and `ceiling`. Lowering the rate, not the size, keeps a paper's
    text readable when the CPU or the link is short.
    """

    def __init__(
        self,
        ceiling: float,
        *,
        floor: float = MIN_LIVE_FPS,
        headroom: float = 0.8,
        smoothing: float = 0.2,
    ) -> None:
        if ceiling <= 0 or not 0 < headroom <= 1 or not 0 < smoothing <= 1:
            raise ValueError(f"bad governor: {ceiling} fps, headroom {headroom}, {smoothing}")
        self.ceiling = ceiling
        self.floor = min(floor, ceiling)
        self.headroom = headroom
        self.smoothing = smoothing
        self._held: float | None = None  # smoothed seconds per frame in the consumer

    def consumed(self, seconds: float) -> None:
        """The consumer held the last frame this long before asking for the next."""
        seconds = max(0.0, seconds)
        held = self._held
        self._held = seconds if held is None else held + self.smoothing * (seconds - held)

    @property
    def fps(self) -> float:
        held = self._held
        if held is None or held <= 0:
            return self.ceiling
        return max(self.floor, min(self.ceiling, self.headroom / held))
