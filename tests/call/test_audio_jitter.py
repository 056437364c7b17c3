"""The audio jitter buffer: only what the network lost is lost, and it adds at most 40 ms."""

from __future__ import annotations

import random
from collections.abc import Iterable

from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtp import RtpPacket

from call.audio_jitter import WAIT_PACKETS, AudioJitterBuffer

START = 65_000  # near the top, so every run crosses the 16-bit wrap
SAMPLES = 960  # one 20 ms Opus frame at 48 kHz


def packet(number: int) -> RtpPacket:
    sent = RtpPacket(sequence_number=(START + number) % 65_536, timestamp=number * SAMPLES)
    sent._data = number.to_bytes(4, "big")  # type: ignore[attr-defined]  # as the receiver sets it
    return sent


def played(buffer: AudioJitterBuffer | JitterBuffer, numbers: Iterable[int]) -> list[int]:
    """The packets the buffer hands out, in order, as the receiver would decode them."""
    out = []
    for number in numbers:
        _, frame = buffer.add(packet(number))
        if frame is not None:
            out.append(int.from_bytes(frame.data, "big"))
    return out


def lossy(count: int, loss: float, seed: int) -> list[int]:
    rng = random.Random(seed)
    return [number for number in range(count) if rng.random() >= loss]


def test_with_five_percent_loss_only_the_lost_packets_go_missing() -> None:
    arrived = lossy(10_000, 0.05, seed=7)
    ours = AudioJitterBuffer()
    out = played(ours, arrived)
    # Everything that came is played, in order, but the last packet still waiting.
    assert out == arrived[: len(out)]
    assert len(arrived) - len(out) <= WAIT_PACKETS
    assert ours.lost == 10_000 - len(arrived) - (arrived[-1] + 1 < 10_000)
    # aiortc's own buffer throws good packets away while a hole is near its front: about five
    # lost for each one the network lost, a quarter of the audio at 5 % loss.
    theirs = played(JitterBuffer(capacity=16, prefetch=4), arrived)
    assert len(arrived) - len(theirs) > 3 * (10_000 - len(arrived))


def test_the_buffer_never_holds_more_than_it_waits_for_a_hole() -> None:
    buffer = AudioJitterBuffer()
    depths = []
    for number in lossy(5_000, 0.2, seed=3):
        buffer.add(packet(number))
        depths.append(buffer.depth)
    assert max(depths) <= WAIT_PACKETS


def test_in_order_packets_come_straight_out() -> None:
    buffer = AudioJitterBuffer()
    assert played(buffer, range(100)) == list(range(100))
    assert buffer.depth == 0


def test_a_packet_late_by_less_than_the_wait_is_played_in_its_place() -> None:
    buffer = AudioJitterBuffer()
    # One frame comes out per packet in, so the one held back while 2 was awaited stays held.
    assert played(buffer, [0, 1, 3, 2, 4, 5]) == [0, 1, 2, 3, 4]
    assert (buffer.depth, buffer.lost) == (1, 0)


def test_a_packet_later_than_the_wait_was_given_up_on_and_is_dropped() -> None:
    buffer = AudioJitterBuffer()
    assert played(buffer, [0, 1, 3, 4, 5, 2, 6]) == [0, 1, 3, 4, 5, 6]
    assert (buffer.lost, buffer.late) == (1, 1)


def test_after_an_outage_the_buffer_starts_over_from_the_first_packet_back() -> None:
    buffer = AudioJitterBuffer()
    back = 500  # 10 s later
    assert played(buffer, [0, 1, 2, back, back + 1, back + 2]) == [
        0,
        1,
        2,
        back,
        back + 1,
        back + 2,
    ]
    assert buffer.lost == back - 3
