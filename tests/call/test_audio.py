"""Call audio through the real code: ring buffer, pacing, synthetic sources, aiortc tracks.

There is no audio device here, so the speaker is either `NullSpeaker` or a stand-in for
PortAudio's callback that the test calls itself, and the microphone is `ClockedMicrophone` or a
stand-in the test calls. Time is a fake clock except where a clocked thread or a real peer
connection runs.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import av
import numpy as np
import pytest
from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from bench.echo_cancellation import EchoPath
from call.audio import (
    FRAME_SAMPLES,
    SAMPLE_RATE,
    TIME_BASE,
    AudioPipeline,
    CaptureFeed,
    CaptureQueue,
    FramePacer,
    MicrophoneTrack,
    PlayoutFeed,
    RingBuffer,
    Samples,
    SpeakerSink,
    Tick,
    apply_gain,
    volume_gain,
)
from call.audio_devices import (
    AudioDeviceError,
    DeviceMicrophone,
    DeviceSpeaker,
    find_device,
    list_devices,
)
from call.echo import EchoCanceller
from call.echo_feed import CancellerFeed
from call.synthetic_audio import ClockedMicrophone, NullSpeaker, SilenceSource, SpeechLikeSource

UNIT = 0.05  # seconds; the real-time waits below are multiples of it
WAIT = 200 * UNIT
MS = SAMPLE_RATE // 1000  # samples per millisecond


def ramp(start: int, count: int) -> Samples:
    """Samples numbered start, start + 1, ...: shows what was kept, dropped and reordered."""
    return np.arange(start, start + count, dtype=np.int16)


class FakeClock:
    """Virtual time: every sleep returns at once and moves the clock on by its length."""

    def __init__(self) -> None:
        self.time = 100.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds
        await asyncio.sleep(0)


class ManualSpeaker:
    """Stands in for PortAudio's speaker callback: the test asks for each period itself."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.feed: PlayoutFeed | None = None
        self.closed = False

    def start(self, feed: PlayoutFeed) -> None:
        self.feed = feed

    async def aclose(self) -> None:
        self.closed = True

    def play(self, at: float | None = None) -> Samples:
        assert self.feed is not None, "the pipeline never started the speaker"
        return self.feed(FRAME_SAMPLES, at)


class RecordingSpeaker:
    """A `NullSpeaker` that keeps what it played."""

    latency = 0.0

    def __init__(self) -> None:
        self.null = NullSpeaker()
        self.played: list[Samples] = []
        self.heard_sound = asyncio.Event()

    def start(self, feed: PlayoutFeed) -> None:
        def keep(count: int, at: float | None) -> Samples:
            samples = feed(count, at)
            self.played.append(samples)
            if np.abs(samples.astype(np.int32)).max() > 1000:
                self.heard_sound.set()
            return samples

        self.null.start(keep)

    async def aclose(self) -> None:
        await self.null.aclose()


class RecordingEchoFeed:
    """Records what the pipeline hands its echo feed, and marks the capture it returns."""

    def __init__(self) -> None:
        self.rendered: list[tuple[Samples, float | None]] = []
        self.captured: list[tuple[Samples, float | None]] = []
        self.delay_hints: list[int] = []

    def set_delay_hint_ms(self, delay_ms: int) -> None:
        self.delay_hints.append(delay_ms)

    def render(self, samples: Samples, at: float | None) -> None:
        self.rendered.append((samples.copy(), at))

    def capture(self, samples: Samples, at: float | None) -> Samples:
        self.captured.append((samples.copy(), at))
        return np.full_like(samples, 7)


class ManualMicrophone:
    """Stands in for PortAudio's microphone callback: the test hands over each frame itself."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.feed: CaptureFeed | None = None
        self.frames = 0
        self.closed = False

    def start(self, feed: CaptureFeed) -> None:
        self.feed = feed

    def close(self) -> None:
        self.closed = True

    def capture(self, samples: Samples | None = None, at: float | None = None) -> None:
        """Hand over `samples`, or a frame of the frame's number."""
        assert self.feed is not None, "the pipeline never started the microphone"
        self.frames += 1
        self.feed(
            np.full(FRAME_SAMPLES, self.frames, dtype=np.int16) if samples is None else samples, at
        )


class RoomMicrophone(ManualMicrophone):
    """The microphone of a simulated room: it hears the echo of what the speaker played."""

    def __init__(self, path: EchoPath) -> None:
        super().__init__()
        response = path.impulse_response() * 10 ** (path.gain_db / 20)
        self._size = 1 << int(len(response) + FRAME_SAMPLES - 1).bit_length()
        self._response = np.fft.rfft(response, self._size)
        self._heard = np.zeros(self._size)
        self.heard: list[Samples] = []

    def hear(self, played: Samples) -> None:
        echo = np.fft.irfft(np.fft.rfft(played.astype(np.float64), self._size) * self._response)
        self._heard += echo[: self._size]

    def capture_heard(self, at: float | None) -> None:
        frame = np.clip(np.round(self._heard[:FRAME_SAMPLES]), -32768, 32767).astype(np.int16)
        self._heard = np.concatenate((self._heard[FRAME_SAMPLES:], np.zeros(FRAME_SAMPLES)))
        self.heard.append(frame)
        self.capture(frame, at)


class FiniteTrack(MediaStreamTrack):
    """A remote track that delivers the given frames, then ends."""

    kind = "audio"

    def __init__(self, frames: list[av.AudioFrame]) -> None:
        super().__init__()
        self._frames = list(frames)
        self.ended = asyncio.Event()

    async def recv(self) -> av.AudioFrame:
        if not self._frames:
            self.stop()
            self.ended.set()
            raise MediaStreamError
        return self._frames.pop(0)


def opus_decoder_frame(left: int, right: int, pts: int = 0) -> av.AudioFrame:
    """A frame as aiortc's Opus decoder gives it: 20 ms of 48 kHz interleaved stereo s16."""
    samples = np.empty((1, 2 * FRAME_SAMPLES), dtype=np.int16)
    samples[0, 0::2], samples[0, 1::2] = left, right
    frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="stereo")
    frame.sample_rate, frame.pts, frame.time_base = SAMPLE_RATE, pts, TIME_BASE
    return frame


def level_db(frames: list[Samples]) -> float:
    samples = np.concatenate(frames).astype(np.float64)
    return float(10 * np.log10(max(float(np.mean(samples**2)), 1e-9)))


# --- RingBuffer -------------------------------------------------------------------------------


def test_playout_waits_for_the_low_target_before_playing() -> None:
    playout = RingBuffer()
    playout.write(ramp(1, 50 * MS))
    assert not playout.read(FRAME_SAMPLES).any()
    playout.write(ramp(50 * MS + 1, 10 * MS))
    assert np.array_equal(playout.read(FRAME_SAMPLES), ramp(1, FRAME_SAMPLES))


def test_reads_before_any_audio_are_silence_and_not_underruns() -> None:
    playout = RingBuffer()
    for _ in range(10):
        assert not playout.read(FRAME_SAMPLES).any()
    assert playout.stats().underruns == 0


def test_playout_keeps_samples_in_order_across_the_wraparound() -> None:
    playout = RingBuffer()
    written = read = 0
    for _ in range(20):  # 20 x 30 ms through a 200 ms buffer goes round it three times
        playout.write(ramp(written + 1, 30 * MS))
        written += 30 * MS
        while playout.stats().level_ms >= 60:
            assert np.array_equal(playout.read(FRAME_SAMPLES), ramp(read + 1, FRAME_SAMPLES))
            read += FRAME_SAMPLES
    assert playout.stats().overflows == 0


def test_an_underrun_returns_the_remaining_samples_then_silence_and_is_counted() -> None:
    playout = RingBuffer()
    playout.write(ramp(1, 70 * MS))
    playout.read(60 * MS)
    out = playout.read(FRAME_SAMPLES)
    assert np.array_equal(out[: 10 * MS], ramp(60 * MS + 1, 10 * MS))
    assert not out[10 * MS :].any()
    assert playout.stats().underruns == 1


def test_after_an_underrun_playout_waits_for_the_low_target_again() -> None:
    playout = RingBuffer()
    playout.write(ramp(1, 60 * MS))
    playout.read(80 * MS)
    playout.write(ramp(1, 40 * MS))
    assert not playout.read(FRAME_SAMPLES).any()
    assert playout.stats().level_ms == 40
    playout.write(ramp(40 * MS + 1, 20 * MS))
    assert np.array_equal(playout.read(FRAME_SAMPLES), ramp(1, FRAME_SAMPLES))
    assert playout.stats().underruns == 1


def test_a_write_over_the_cap_drops_the_oldest_audio_down_to_the_high_target() -> None:
    playout = RingBuffer()
    playout.write(ramp(1, 180 * MS))
    playout.write(ramp(180 * MS + 1, 40 * MS))
    stats = playout.stats()
    assert (stats.level_ms, stats.overflows, stats.dropped_ms) == (100, 1, 120)
    assert np.array_equal(playout.read(FRAME_SAMPLES), ramp(120 * MS + 1, FRAME_SAMPLES))


def test_a_single_write_longer_than_the_cap_keeps_only_its_newest_audio() -> None:
    playout = RingBuffer()
    playout.write(ramp(1, 20 * MS))
    playout.write(ramp(20 * MS + 1, 300 * MS))
    assert playout.stats().level_ms == 100
    assert playout.stats().dropped_ms == 220
    assert np.array_equal(playout.read(FRAME_SAMPLES), ramp(220 * MS + 1, FRAME_SAMPLES))


def test_a_speaker_that_stops_reading_never_builds_up_more_than_the_cap() -> None:
    playout = RingBuffer()
    for i in range(100):  # two seconds of network audio and no reads
        playout.write(ramp(1 + i, FRAME_SAMPLES))
        assert playout.stats().level_ms <= 200


def test_playout_rejects_samples_that_are_not_mono_int16() -> None:
    playout = RingBuffer()
    with pytest.raises(ValueError, match="int16"):
        playout.write(np.zeros(FRAME_SAMPLES, dtype=np.float32))
    with pytest.raises(ValueError, match="int16"):
        playout.write(np.zeros((FRAME_SAMPLES, 2), dtype=np.int16))


def test_playout_rejects_targets_out_of_order() -> None:
    with pytest.raises(ValueError, match="target_low_ms"):
        RingBuffer(target_low_ms=120, target_high_ms=100)
    with pytest.raises(ValueError, match="target_low_ms"):
        RingBuffer(target_high_ms=250, cap_ms=200)


def test_a_writer_and_a_reader_thread_lose_only_what_is_counted_as_dropped() -> None:
    playout = RingBuffer()
    total, chunk = 30_000, 300  # values stay below 32768, so their order is checkable
    heard: list[Samples] = []

    def network() -> None:
        for start in range(1, total + 1, chunk):
            playout.write(ramp(start, chunk))

    writer = threading.Thread(target=network)
    writer.start()
    while writer.is_alive():
        heard.append(playout.read(FRAME_SAMPLES))
    writer.join()
    while playout.stats().level_ms >= 60:
        heard.append(playout.read(FRAME_SAMPLES))
    played = np.concatenate(heard)
    played = played[played != 0]
    stats = playout.stats()
    assert np.all(np.diff(played) > 0), "samples were played out of order or twice"
    accounted = len(played) + round((stats.dropped_ms + stats.level_ms) * MS)
    assert accounted == total


# --- Pacing -----------------------------------------------------------------------------------


def rounded(tick: Tick) -> Tick:
    return Tick(tick.index, round(tick.delay, 9))


def test_the_first_frame_is_due_at_once() -> None:
    assert FramePacer().next(now=5.0) == Tick(0, 0.0)


def test_each_frame_is_due_one_period_after_the_last() -> None:
    pacer = FramePacer(period=0.02)
    pacer.next(now=5.0)
    assert rounded(pacer.next(now=5.0)) == Tick(1, 0.02)
    assert rounded(pacer.next(now=5.03)) == Tick(2, 0.01)


def test_a_frame_late_by_less_than_the_lag_limit_is_due_at_once_without_skipping() -> None:
    pacer = FramePacer(period=0.02, max_lag=0.1)
    pacer.next(now=5.0)
    assert pacer.next(now=5.09) == Tick(1, 0.0)
    assert pacer.next(now=5.09) == Tick(2, 0.0)


def test_after_a_long_stall_the_pacer_skips_ahead_instead_of_bursting() -> None:
    pacer = FramePacer(period=0.02, max_lag=0.1)
    pacer.next(now=5.0)
    assert pacer.next(now=6.0) == Tick(50, 0.0)  # frame 1 was due at 5.02
    assert rounded(pacer.next(now=6.0)) == Tick(51, 0.02)


# --- Sources ----------------------------------------------------------------------------------


def test_speech_like_source_reads_20_ms_int16_frames() -> None:
    frame = SpeechLikeSource().read()
    assert frame.dtype == np.int16
    assert frame.shape == (FRAME_SAMPLES,)


def test_speech_like_source_is_the_same_for_the_same_seed() -> None:
    first, second = SpeechLikeSource(seed=3), SpeechLikeSource(seed=3)
    for _ in range(100):
        assert np.array_equal(first.read(), second.read())


def test_speech_like_sources_with_different_seeds_differ() -> None:
    first, second = SpeechLikeSource(seed=3), SpeechLikeSource(seed=4)
    assert not np.array_equal(
        np.concatenate([first.read() for _ in range(50)]),
        np.concatenate([second.read() for _ in range(50)]),
    )


def test_speech_like_source_has_syllables_at_its_level_and_pauses() -> None:
    source = SpeechLikeSource(seed=5, level_dbfs=-20)
    frames = np.array([source.read() for _ in range(500)], dtype=np.float64)  # 10 s
    levels = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) / 32768 + 1e-9)
    pauses = np.mean(levels < -60)
    loud = levels > -30
    syllable_onsets = np.sum(loud[1:] & ~loud[:-1])
    assert 0.05 < pauses < 0.5
    assert 20 < syllable_onsets < 80  # 2 to 8 a second, as in speech
    assert -26 < np.median(levels[loud]) < -14


def test_silence_source_reads_silent_frames() -> None:
    frame = SilenceSource().read()
    assert frame.shape == (FRAME_SAMPLES,)
    assert not frame.any()


def test_capture_queue_gives_frames_oldest_first() -> None:
    queue = CaptureQueue(max_frames=3)
    queue.put(np.full(FRAME_SAMPLES, 1, dtype=np.int16))
    queue.put(np.full(FRAME_SAMPLES, 2, dtype=np.int16))
    assert [queue.read()[0], queue.read()[0]] == [1, 2]


def test_a_full_capture_queue_drops_the_oldest_frame_and_counts_an_overrun() -> None:
    queue = CaptureQueue(max_frames=3)
    for value in range(1, 6):
        queue.put(np.full(FRAME_SAMPLES, value, dtype=np.int16))
    assert [queue.read()[0] for _ in range(3)] == [3, 4, 5]
    assert queue.overruns == 2


def test_an_empty_capture_queue_gives_silence_and_counts_an_underrun() -> None:
    queue = CaptureQueue()
    assert not queue.read().any()
    assert queue.underruns == 1


# --- Devices ----------------------------------------------------------------------------------


def portaudio_without_devices() -> bool:
    try:
        return not list_devices()
    except AudioDeviceError:  # no PortAudio at all
        return False


no_devices = pytest.mark.skipif(
    not portaudio_without_devices(), reason="for a machine with PortAudio but no audio devices"
)


def test_list_devices_describes_what_portaudio_reports() -> None:
    for device in list_devices():
        assert device.name
        assert device.inputs > 0 or device.outputs > 0


def test_a_device_name_that_matches_nothing_raises_audio_device_error() -> None:
    with pytest.raises(AudioDeviceError):
        find_device("no such device anywhere", "input")
    with pytest.raises(AudioDeviceError):
        find_device(10_000, "output")


@no_devices
def test_opening_a_microphone_without_devices_raises_audio_device_error() -> None:
    with pytest.raises(AudioDeviceError, match="no input devices"):
        DeviceMicrophone()


@no_devices
def test_opening_a_speaker_without_devices_raises_audio_device_error() -> None:
    with pytest.raises(AudioDeviceError, match="no output devices"):
        DeviceSpeaker()


# --- MicrophoneTrack --------------------------------------------------------------------------


async def test_microphone_track_sends_20_ms_s16_mono_frames_at_48_khz() -> None:
    track = MicrophoneTrack(SpeechLikeSource(), clock=FakeClock())
    frame = await track.recv()
    assert (frame.format.name, frame.layout.name) == ("s16", "mono")
    assert (frame.samples, frame.sample_rate, frame.time_base) == (960, 48_000, TIME_BASE)


async def test_microphone_track_sends_what_the_source_reads() -> None:
    track = MicrophoneTrack(SpeechLikeSource(seed=8), clock=FakeClock())
    expected = SpeechLikeSource(seed=8)
    for _ in range(5):
        frame = await track.recv()
        assert np.array_equal(frame.to_ndarray().reshape(-1), expected.read())


async def test_microphone_track_timestamps_count_samples() -> None:
    track = MicrophoneTrack(SilenceSource(), clock=FakeClock())
    assert [(await track.recv()).pts for _ in range(4)] == [0, 960, 1920, 2880]


async def test_microphone_track_waits_one_frame_period_between_frames() -> None:
    clock = FakeClock()
    track = MicrophoneTrack(SilenceSource(), clock=clock)
    for _ in range(4):
        await track.recv()
    assert clock.sleeps == [0.0, pytest.approx(0.02), pytest.approx(0.02), pytest.approx(0.02)]


async def test_microphone_track_timestamps_jump_over_a_stall() -> None:
    clock = FakeClock()
    track = MicrophoneTrack(SilenceSource(), clock=clock)
    await track.recv()
    clock.time += 1.0
    assert (await track.recv()).pts == 50 * FRAME_SAMPLES


async def test_a_stopped_microphone_track_raises_media_stream_error() -> None:
    track = MicrophoneTrack(SilenceSource(), clock=FakeClock())
    track.stop()
    with pytest.raises(MediaStreamError):
        await track.recv()


# --- SpeakerSink and NullSpeaker --------------------------------------------------------------


def test_speaker_sink_mixes_opus_decoder_stereo_down_to_mono() -> None:
    playout = RingBuffer()
    sink = SpeakerSink(playout)
    for i in range(4):
        sink.write(opus_decoder_frame(left=1000, right=3000, pts=i * FRAME_SAMPLES))
    assert playout.stats().level_ms == 80
    assert np.all(playout.read(FRAME_SAMPLES) == 2000)


def test_speaker_sink_resamples_8_khz_to_48_khz() -> None:
    playout = RingBuffer(cap_ms=1000, target_high_ms=1000)
    sink = SpeakerSink(playout)
    for i in range(10):  # 200 ms of G.711-rate audio
        frame = av.AudioFrame.from_ndarray(
            np.full((1, 160), 500, dtype=np.int16), format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts = 8000, i * 160
        sink.write(frame)
    # The resampler holds back a few samples of filter delay.
    assert 190 <= playout.stats().level_ms <= 200


async def test_speaker_sink_plays_a_remote_track_until_it_ends() -> None:
    playout = RingBuffer()
    sink = SpeakerSink(playout)
    frames = [opus_decoder_frame(100, 100, pts=i * FRAME_SAMPLES) for i in range(5)]
    track = FiniteTrack(frames)
    sink.start(track)
    async with asyncio.timeout(WAIT):
        await track.ended.wait()
    await sink.stop()
    assert playout.stats().level_ms == 100
    assert np.all(playout.read(FRAME_SAMPLES) == 100)


async def test_null_speaker_takes_one_frame_per_period_on_its_own_clock() -> None:
    speaker = NullSpeaker()
    asked: list[tuple[int, float | None]] = []
    five_played = threading.Event()

    def feed(count: int, at: float | None) -> Samples:
        asked.append((count, at))
        if len(asked) == 5:
            five_played.set()
        return np.zeros(count, dtype=np.int16)

    speaker.start(feed)
    assert await asyncio.to_thread(five_played.wait, WAIT)
    await speaker.aclose()
    assert [count for count, _ in asked[:5]] == [FRAME_SAMPLES] * 5
    times = [at for _, at in asked[:5]]
    assert all(at is not None for at in times)
    # Each period's time is its place on the speaker's timeline, 20 ms apart.
    assert np.diff(np.array(times, dtype=np.float64)) == pytest.approx([0.02] * 4)


async def test_clocked_microphone_captures_its_source_frame_by_frame_on_its_own_clock() -> None:
    microphone = ClockedMicrophone(SpeechLikeSource(seed=8))
    captured: list[tuple[Samples, float | None]] = []
    five = threading.Event()

    def feed(samples: Samples, at: float | None) -> None:
        captured.append((samples, at))
        if len(captured) == 5:
            five.set()

    microphone.start(feed)
    assert await asyncio.to_thread(five.wait, WAIT)
    microphone.close()
    expected = SpeechLikeSource(seed=8)
    assert all(np.array_equal(samples, expected.read()) for samples, _ in captured[:5])
    times = np.array([at for _, at in captured[:5]], dtype=np.float64)
    assert np.diff(times) == pytest.approx([0.02] * 4)


# --- AudioPipeline ----------------------------------------------------------------------------


async def test_pipeline_feeds_what_the_speaker_plays_to_the_canceller() -> None:
    echo = RecordingEchoFeed()
    speaker = ManualSpeaker()
    pipeline = AudioPipeline(ManualMicrophone(), speaker, echo, clock=FakeClock())
    pipeline.start()
    pipeline.playout.write(ramp(1, 100 * MS))
    played = [speaker.play(at=10.0 + 0.02 * i) for i in range(3)]
    assert len(echo.rendered) == 3
    assert all(np.array_equal(r, p) for (r, _), p in zip(echo.rendered, played, strict=True))
    assert [at for _, at in echo.rendered] == [10.0, 10.02, 10.04]  # the speaker's own times
    assert np.array_equal(played[0], ramp(1, FRAME_SAMPLES))


async def test_pipeline_cleans_each_captured_frame_on_arrival_and_the_track_sends_it() -> None:
    echo = RecordingEchoFeed()
    microphone = ManualMicrophone()
    pipeline = AudioPipeline(microphone, ManualSpeaker(), echo, clock=FakeClock())
    pipeline.start()
    microphone.capture(at=5.0)
    samples, at = echo.captured[0]  # cleaned before anything reads the queue
    assert (samples[0], at) == (1, 5.0)
    frame = await pipeline.track.recv()
    assert np.all(frame.to_ndarray() == 7)


async def test_pipeline_track_sends_what_its_tap_returns_after_the_canceller() -> None:
    echo = RecordingEchoFeed()
    tapped: list[Samples] = []

    def tap(samples: Samples) -> Samples:
        tapped.append(samples)
        return np.zeros_like(samples)  # as a muted microphone does

    microphone = ManualMicrophone()
    pipeline = AudioPipeline(microphone, ManualSpeaker(), echo, clock=FakeClock(), tap=tap)
    pipeline.start()
    frames = []
    for _ in range(3):
        microphone.capture()
        frames.append(await pipeline.track.recv())
    assert len(echo.captured) == 3  # the canceller keeps running while muted
    assert all(np.all(t == 7) for t in tapped)
    assert all(np.all(f.to_ndarray() == 0) for f in frames)
    assert [f.pts for f in frames] == [0, 960, 1920]  # and the timestamps keep counting


def test_volume_steps_are_even_in_db_from_unity_down_to_silence() -> None:
    assert volume_gain(1.0) == 1.0
    assert 20 * np.log10(volume_gain(0.5)) == pytest.approx(-15)
    assert 20 * np.log10(volume_gain(0.1)) == pytest.approx(-27)
    assert volume_gain(0.0) == 0.0
    with pytest.raises(ValueError, match="volume"):
        volume_gain(1.5)


def test_gain_rounds_and_clips_to_int16() -> None:
    samples = np.array([1000, -1000, 30000, -30000], dtype=np.int16)
    assert apply_gain(samples, 0.5).tolist() == [500, -500, 15000, -15000]
    assert apply_gain(samples, 2.0).tolist() == [2000, -2000, 32767, -32768]


async def test_pipeline_volume_scales_what_is_played_and_what_the_canceller_sees() -> None:
    echo = RecordingEchoFeed()
    speaker = ManualSpeaker()
    played: list[Samples] = []
    pipeline = AudioPipeline(
        ManualMicrophone(), speaker, echo, clock=FakeClock(), on_played=played.append
    )
    pipeline.start()
    pipeline.playout.write(np.full(100 * MS, 1000, dtype=np.int16))
    first = speaker.play()
    pipeline.volume = 0.5
    second = speaker.play()
    assert np.all(first == 1000)
    assert np.all(second == round(1000 * volume_gain(0.5)))
    # The canceller hears the echo of what is played, so it sees the scaled signal too.
    assert np.array_equal(echo.rendered[1][0], second)
    assert np.array_equal(played[1], second)


def test_speaker_sink_lets_a_listener_see_the_converted_remote_audio() -> None:
    heard: list[Samples] = []
    sink = SpeakerSink(RingBuffer(), heard.append)
    sink.write(opus_decoder_frame(left=1000, right=3000))
    assert len(heard) == 1
    assert heard[0].shape == (FRAME_SAMPLES,)
    assert np.all(heard[0] == 2000)


@pytest.mark.parametrize(
    ("microphone_latency", "speaker_latency", "hint_ms"),
    [(0.0, 0.0, 0), (0.01, 0.02, 30), (0.3, 0.4, 500)],
)
async def test_pipeline_hints_the_canceller_with_device_latencies_capped_at_500_ms(
    microphone_latency: float, speaker_latency: float, hint_ms: int
) -> None:
    echo = RecordingEchoFeed()
    AudioPipeline(ManualMicrophone(microphone_latency), ManualSpeaker(speaker_latency), echo)
    assert echo.delay_hints == [hint_ms]


async def test_closing_the_pipeline_ends_the_track_and_releases_the_devices() -> None:
    microphone, speaker = ManualMicrophone(), ManualSpeaker()
    pipeline = AudioPipeline(microphone, speaker)
    pipeline.start()
    await pipeline.aclose()
    assert pipeline.track.readyState == "ended"
    assert microphone.closed
    assert speaker.closed


async def test_pipeline_removes_the_echo_of_what_its_speaker_plays() -> None:
    room = RoomMicrophone(EchoPath())
    speaker = ManualSpeaker()
    pipeline = AudioPipeline(room, speaker, CancellerFeed(EchoCanceller()), clock=FakeClock())
    pipeline.start()
    far = SpeechLikeSource(seed=9)
    sent: list[Samples] = []
    for n in range(300):  # 6 s of audio, in virtual time
        pipeline.playout.write(far.read())
        room.hear(speaker.play(at=n * 0.02))
        room.capture_heard(at=n * 0.02 + 0.001)
        sent.append((await pipeline.track.recv()).to_ndarray().reshape(-1).astype(np.int16))
    settled = 150  # frames; judge the last 3 s
    erle = level_db(room.heard[settled:]) - level_db(sent[settled:])
    assert erle > 20


async def test_speech_crosses_a_real_peer_connection_to_the_speaker() -> None:
    speaker = RecordingSpeaker()
    pipeline = AudioPipeline(ManualMicrophone(), speaker)
    pipeline.start()
    async with connected(MicrophoneTrack(SpeechLikeSource(seed=10)), pipeline):
        async with asyncio.timeout(WAIT):
            await speaker.heard_sound.wait()
    await pipeline.aclose()


@asynccontextmanager
async def connected(sent: MediaStreamTrack, pipeline: AudioPipeline) -> AsyncIterator[None]:
    """Two aiortc peers on loopback: one sends the track, the other's pipeline plays it."""
    sender, receiver = RTCPeerConnection(), RTCPeerConnection()
    sender.addTrack(sent)
    receiver.on("track", pipeline.play)
    try:
        await sender.setLocalDescription(await sender.createOffer())
        await receiver.setRemoteDescription(sender.localDescription)
        await receiver.setLocalDescription(await receiver.createAnswer())
        await sender.setRemoteDescription(receiver.localDescription)
        yield
    finally:
        await sender.close()
        await receiver.close()
