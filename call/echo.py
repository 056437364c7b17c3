"""Acoustic echo cancellation with the WebRTC audio processing module (AEC3), via livekit.

A kiosk plays the far end through open speakers next to its microphone, so without cancellation
the remote party hears themselves about 100 ms late. `EchoCanceller` wraps
`livekit.rtc.AudioProcessingModule`: the signal going to the speaker is analysed as the *render*
(reverse) stream, and the microphone signal is cleaned as the *capture* stream. docs/audio.md has
the measured numbers.

Two hazards of the native module are guarded here, before anything reaches it:

- A frame that is not a whole multiple of 10 ms aborts the whole process with a Rust panic
  (``slice must have a multiple of 10ms worth of samples``), which Python cannot catch. Every frame
  is checked and raises `ValueError` instead; accepted frames are fed in 10 ms slices, the size the
  module documents.
- A stream delay outside 0-500 ms raises a bare `RuntimeError`; it is rejected with `ValueError`.

The render stream is fed from PortAudio's speaker callback thread, the capture stream from the
engine's event loop, so one lock serialises every call into the module.
"""

from __future__ import annotations

import threading
from typing import Final

import numpy as np
from livekit import rtc

from call.audio import SAMPLE_RATE, Samples

SLICE_SAMPLES: Final = SAMPLE_RATE // 100  # the module processes exactly 10 ms at a time
MAX_DELAY_MS: Final = 500  # WebRTC's limit for set_stream_delay_ms


class EchoCanceller:
    """AEC3 for 48 kHz mono int16 audio, taking frames of any whole multiple of 10 ms."""

    def __init__(
        self,
        *,
        noise_suppression: bool = True,
        high_pass_filter: bool = True,
        auto_gain_control: bool = False,
        delay_hint_ms: int | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._apm = rtc.AudioProcessingModule(
            echo_cancellation=True,
            noise_suppression=noise_suppression,
            high_pass_filter=high_pass_filter,
            auto_gain_control=auto_gain_control,
        )
        if delay_hint_ms is not None:
            self.set_delay_hint_ms(delay_hint_ms)

    def set_delay_hint_ms(self, delay_ms: int) -> None:
        """Tell AEC3 how long the speaker-to-microphone path takes outside it (0-500 ms).

        It is a starting point only: AEC3 estimates the delay itself and follows changes.
        """
        if not 0 <= delay_ms <= MAX_DELAY_MS:
            raise ValueError(f"echo delay hint must be 0-{MAX_DELAY_MS} ms, got {delay_ms}")
        with self._lock:
            self._apm.set_stream_delay_ms(int(delay_ms))

    def analyze_render(self, frame: Samples) -> None:
        """Feed what the speaker is about to play (the far end, WebRTC's reverse stream)."""
        slices = _slices(frame)
        with self._lock:
            for piece in slices:
                # The module may rewrite the reverse stream in place; it works on its own copy,
                # so what the speaker plays is untouched.
                self._apm.process_reverse_stream(_livekit_frame(piece))

    def process_capture(self, frame: Samples) -> Samples:
        """Return the microphone frame with the echo of the analysed render stream removed."""
        slices = _slices(frame)
        out = np.empty_like(frame)
        with self._lock:
            for i, piece in enumerate(slices):
                lk = _livekit_frame(piece)
                self._apm.process_stream(lk)
                out[i * SLICE_SAMPLES : (i + 1) * SLICE_SAMPLES] = np.frombuffer(
                    lk.data, dtype=np.int16
                )
        return out


def _slices(frame: Samples) -> list[Samples]:
    # The guard that keeps a wrong size from ever reaching the native module, where it would
    # abort the process rather than raise.
    if frame.dtype != np.int16 or frame.ndim != 1:
        raise ValueError(f"expected 1-D int16 mono samples, got {frame.dtype} {frame.shape}")
    if len(frame) == 0 or len(frame) % SLICE_SAMPLES:
        raise ValueError(
            f"frame of {len(frame)} samples is not a whole multiple of 10 ms at {SAMPLE_RATE} Hz"
        )
    return [frame[i : i + SLICE_SAMPLES] for i in range(0, len(frame), SLICE_SAMPLES)]


def _livekit_frame(piece: Samples) -> rtc.AudioFrame:
    return rtc.AudioFrame(bytearray(piece.tobytes()), SAMPLE_RATE, 1, SLICE_SAMPLES)
