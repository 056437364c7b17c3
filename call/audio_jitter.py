"""The jitter buffer for received audio, in place of aiortc's, which turns a lost packet into five.

aiortc 1.16 gives each audio receiver a `JitterBuffer(capacity=16, prefetch=4)`. It hands out a
packet only once four whole packets follow it, and it waits at a hole until 16 packets have
piled up behind it. When one more arrives, it makes room by throwing away the oldest slot, and
while the hole is still within four packets of the front that slot holds good audio. So every lost
packet costs about five: measured, 5 % random loss on the wire became 25 % of the audio missing,
and a buffer that stays 300 ms deep after the first loss. (tests/call/test_audio_jitter.py
replays both buffers over the same losses.)

`AudioJitterBuffer` has the same `add(packet) -> (pli, frame)` contract (the receiver calls it once
per packet and decodes the frame it returns, if any): each Opus packet is a whole frame, so a
packet in order is handed out at once; a hole is given up on as soon as `wait` newer packets have
come (a packet that late is reordering no more, only loss), and only the hole is lost. Since the
receiver takes one frame per packet that arrives, every packet held behind a hole stays held for
the rest of the call: the buffer's depth, so its added latency, is at most `wait` packets (40 ms).
A packet older than the front is too late and dropped (and the next held one handed out in its
place); one more than `capacity` ahead (after an outage) starts the buffer over from it.

Sans I/O: packets in, frames out. `call.video_tuning.tune_audio_receiver` installs it.
"""

from __future__ import annotations

from typing import Final

from aiortc.jitterbuffer import JitterFrame
from aiortc.rtp import RtpPacket
from aiortc.utils import uint16_add

WAIT_PACKETS: Final = 2  # 40 ms of Opus: later than this, a packet counts as lost
CAPACITY: Final = 16  # as aiortc's: more than this ahead of the front starts over
_HALF: Final = 0x8000  # sequence numbers this far apart or more are "behind" (RFC 3550 wrap)


class AudioJitterBuffer:
    """Audio packets in sequence order, skipping only what was lost; see the module docstring."""

    def __init__(self, capacity: int = CAPACITY, wait: int = WAIT_PACKETS) -> None:
        if not 0 < wait < capacity:
            raise ValueError(f"need 0 < wait < capacity, not {wait} and {capacity}")
        self.capacity = capacity
        self.wait = wait
        self.lost = 0  # packets given up on, for tests and stats
        self.late = 0  # packets that came after their turn, dropped
        self._packets: dict[int, RtpPacket] = {}
        self._front: int | None = None  # the sequence number to hand out next
        self._newest = 0  # how far ahead of the front the newest packet is

    @property
    def depth(self) -> int:
        """Packets held: the latency the buffer adds, in frames."""
        return len(self._packets)

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        """Take a packet; return aiortc's (send a PLI, the next frame to decode or None)."""
        sequence = packet.sequence_number
        if self._front is None:
            self._front = sequence
        ahead = uint16_add(sequence, -self._front)
        if ahead >= _HALF:
            self.late += 1
            return False, self._take()  # still one out per packet in, or the depth would grow
        if ahead >= self.capacity:  # far ahead: what is held is from before an outage
            self.lost += ahead  # everything from the front on, held or not, goes unplayed
            self._packets.clear()
            self._front, ahead, self._newest = sequence, 0, 0
        self._packets[sequence] = packet
        self._newest = max(self._newest, ahead)
        return False, self._take()

    def _take(self) -> JitterFrame | None:
        assert self._front is not None
        while self._front not in self._packets and self._newest >= self.wait:
            self._advance()
            self.lost += 1
        packet = self._packets.pop(self._front, None)
        if packet is None:
            return None
        self._advance()
        return JitterFrame(data=packet._data, timestamp=packet.timestamp)  # type: ignore[attr-defined]

    def _advance(self) -> None:
        assert self._front is not None
        self._front = uint16_add(self._front, 1)
        self._newest -= 1
