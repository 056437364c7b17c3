"""What a person at the other end saw and heard, from the media counters sampled over a call.

Sans I/O: `sample(now, frames, audio_seconds)` is fed by whoever owns a clock (the bot samples
every 50 ms), and the figures come out of the samples. A frame gap is the time between two
samples at which the frame counter moved: what the person saw as a frozen picture. Audio is
judged the same way from the seconds of remote audio that reached the speaker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FREEZE_SECONDS = 0.5  # a picture still for this long is a freeze a person notices


@dataclass(slots=True)
class Freeze:
    start: float  # seconds since the watch began
    seconds: float


@dataclass(slots=True)
class MediaWatch:
    started: float
    _last_frames: int = 0
    _last_audio: float = 0.0
    _frame_moved_at: float | None = None
    _audio_moved_at: float | None = None
    _last_sample: float | None = None
    max_frame_gap: float = 0.0
    max_audio_gap: float = 0.0
    freezes: list[Freeze] = field(default_factory=list)
    frames_per_second: list[int] = field(default_factory=list)  # one entry per whole second

    def sample(self, now: float, frames: int, audio_seconds: float) -> None:
        self._last_sample = now
        second = int(now - self.started)
        while len(self.frames_per_second) <= second:
            self.frames_per_second.append(0)
        if frames != self._last_frames:
            self.frames_per_second[second] += frames - self._last_frames
            self._close_frame_gap(now)
            self._frame_moved_at = now
            self._last_frames = frames
        if audio_seconds != self._last_audio:
            if self._audio_moved_at is not None:
                self.max_audio_gap = max(self.max_audio_gap, now - self._audio_moved_at)
            self._audio_moved_at = now
            self._last_audio = audio_seconds

    def finish(self) -> None:
        """Count a freeze still going on at the end, as the person saw it."""
        if self._last_sample is not None:
            self._close_frame_gap(self._last_sample)
            self._frame_moved_at = self._last_sample if self._frame_moved_at is not None else None
            if self._audio_moved_at is not None:
                gap = self._last_sample - self._audio_moved_at
                self.max_audio_gap = max(self.max_audio_gap, gap)

    def _close_frame_gap(self, now: float) -> None:
        if self._frame_moved_at is None:
            return  # before the first frame: that is setup time, reported apart
        gap = now - self._frame_moved_at
        self.max_frame_gap = max(self.max_frame_gap, gap)
        if gap >= FREEZE_SECONDS:
            start = round(self._frame_moved_at - self.started, 2)
            self.freezes.append(Freeze(start, round(gap, 2)))
