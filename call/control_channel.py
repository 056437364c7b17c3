"""The control data channel: heartbeats, staff text, quick phrases, content notices, the pad.

Version 1, which a browser client can implement from docs/call-engine.md §The control channel:

- One RTCDataChannel labelled ``"control"`` with protocol ``"madoguchi-control/1"``, ordered and
  reliable, opened by the offerer (the staff end) next to ``"content"``.
- Each message is one JSON text object tagged by ``"type"``; unknown fields are ignored, and a
  message of an unknown type is logged and dropped (it still counts as a sign of life).
- Each end sends ``heartbeat`` every second. Any message counts as a sign of life; after five
  seconds without one the peer is lost. aiortc alone notices only after about 30 s, when ICE
  consent expires.

`Liveness` is the sans-I/O core of that rule: time enters as an argument, so it is tested
without sleeping. `ControlChannel` runs it on one channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Annotated, Final

import msgspec
from aiortc import RTCDataChannel, RTCPeerConnection

logger = logging.getLogger(__name__)

CHANNEL_LABEL: Final = "control"
CHANNEL_PROTOCOL: Final = "madoguchi-control/1"
HEARTBEAT_INTERVAL: Final = 1.0  # seconds
LOSS_TIMEOUT: Final = 5.0  # seconds of silence after which the peer counts as lost
MAX_MESSAGE_BYTES: Final = 16 * 1024
MAX_TEXT_CHARS: Final = 2000
MAX_INK_POINTS: Final = 2048
INK_DECIMALS: Final = 4  # 1/10,000 of the pad: finer than a pixel on either screen
# The writing pad (筆談) is this wide for its height on both ends, so that a stroke's x and y
# fractions draw the same shape at the kiosk and at the console.
PAD_ASPECT: Final = 3 / 2


class QuickPhrase(StrEnum):
    """What a citizen can say with one touch; the kiosk and the console translate each id."""

    CANNOT_HEAR = "cannot_hear"
    CANNOT_SEE = "cannot_see"
    SAY_AGAIN = "say_again"
    SLOWER = "slower"
    YES = "yes"
    NO = "no"


class ContentKind(StrEnum):
    """What the content video track carries while it is on."""

    SCREEN = "screen"  # staff's screen or a region of it, staff to kiosk
    DOCUMENT_CAMERA = "document_camera"  # the kiosk's 書画カメラ, kiosk to staff


class _Message(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type"):
    pass


class Heartbeat(_Message, tag="heartbeat"):
    seq: Annotated[int, msgspec.Meta(ge=0)]


class Text(_Message, tag="text"):
    """A message from staff, shown large on the kiosk."""

    text: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TEXT_CHARS)]
    # The kiosk language it is written in: a staff message chosen in the citizen's language,
    # or "ja" for what staff typed, which the kiosk marks as Japanese for other citizens.
    language: Annotated[str, msgspec.Meta(max_length=8)] = "ja"


class Phrase(_Message, tag="phrase"):
    """A quick phrase from the citizen; an id this end does not know is logged and dropped."""

    phrase: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class ContentStarted(_Message, tag="content_started"):
    """The sender's content video track carries frames from now on."""

    kind: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class ContentStopped(_Message, tag="content_stopped"):
    """The sender's content video track is empty again (the track was replaced by none)."""


class RequestOffer(_Message, tag="request_offer"):
    """From the answerer: please renegotiate. Only the staff end offers, so there is no glare."""

    reason: Annotated[str, msgspec.Meta(max_length=200)] = ""


Fraction = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]


class Ink(_Message, tag="ink"):
    """A stroke on the writing pad, resent as it grows; it replaces the sender's stroke `id`."""

    id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    points: Annotated[list[tuple[Fraction, Fraction]], msgspec.Meta(max_length=MAX_INK_POINTS)]
    color: Annotated[str, msgspec.Meta(pattern="^#[0-9A-Fa-f]{6}$")] | None = None


class InkClear(_Message, tag="ink_clear"):
    """The sender cleared the whole pad: both sides' strokes."""


class Pad(_Message, tag="pad"):
    """The kiosk opened or closed its writing pad (staff may send it too, to open it)."""

    open: bool


class TakePaper(_Message, tag="take_paper"):
    """From staff: please send a still of the paper under the document camera (「撮影」)."""


ControlMessage = (
    Heartbeat
    | Text
    | Phrase
    | ContentStarted
    | ContentStopped
    | RequestOffer
    | Ink
    | InkClear
    | Pad
    | TakePaper
)

_encoder: Final = msgspec.json.Encoder()
_decoder: Final[msgspec.json.Decoder[ControlMessage]] = msgspec.json.Decoder(ControlMessage)


def encode_message(message: ControlMessage) -> str:
    return _encoder.encode(message).decode()


def decode_message(data: str | bytes) -> ControlMessage:
    """Parse one message; raises `msgspec.DecodeError` (or its `ValidationError`)."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise msgspec.DecodeError(f"message of {len(data)} bytes exceeds {MAX_MESSAGE_BYTES}")
    return _decoder.decode(data)


def ink_message(
    stroke_id: str, points: Sequence[tuple[float, float]], color: str | None = None
) -> Ink:
    """`Ink` for a stroke that fits the bounds: clamped, rounded, and thinned evenly if needed.

    A long stroke keeps its first and last points and every other one between, again until it
    is at most `MAX_INK_POINTS` and its message at most `MAX_MESSAGE_BYTES`.
    """
    kept = [
        (round(min(1.0, max(0.0, x)), INK_DECIMALS), round(min(1.0, max(0.0, y)), INK_DECIMALS))
        for x, y in points
    ]
    message = Ink(id=stroke_id, points=kept, color=color)
    while len(kept) > 2 and (
        len(kept) > MAX_INK_POINTS or len(_encoder.encode(message)) > MAX_MESSAGE_BYTES
    ):
        kept = [*kept[:-1:2], kept[-1]]
        message = Ink(id=stroke_id, points=kept, color=color)
    return message


def create_control_channel(pc: RTCPeerConnection) -> RTCDataChannel:
    """Open the control channel on the offering side; the answerer gets it as "datachannel"."""
    return pc.createDataChannel(CHANNEL_LABEL, ordered=True, protocol=CHANNEL_PROTOCOL)


def is_control_channel(channel: RTCDataChannel) -> bool:
    return channel.label == CHANNEL_LABEL and channel.protocol == CHANNEL_PROTOCOL


class Liveness:
    """When to send the next heartbeat, and whether the peer has gone silent for too long."""

    def __init__(self, now: float, interval: float, timeout: float) -> None:
        if not 0 < interval < timeout:
            raise ValueError("need 0 < interval < timeout, or a live peer counts as lost")
        self._interval = interval
        self._timeout = timeout
        self._last_heard = now
        self._next_send = now

    def heard(self, now: float) -> None:
        self._last_heard = max(self._last_heard, now)

    def sent(self, now: float) -> None:
        self._next_send = now + self._interval

    def send_due(self, now: float) -> bool:
        return now >= self._next_send

    def silent_for(self, now: float) -> float:
        return now - self._last_heard

    def lost(self, now: float) -> bool:
        return self.silent_for(now) >= self._timeout

    def next_deadline(self) -> float:
        """The next time something is due: a heartbeat to send, or the loss to declare."""
        return min(self._next_send, self._last_heard + self._timeout)


class ControlChannel:
    """Runs `Liveness` on an open control channel and decodes what arrives.

    `on_message` gets every decoded message except heartbeats; `on_lost` is called once, with a
    reason, when the peer goes silent or the channel closes under us. Both run on the loop,
    inside aiortc's receive path or the heartbeat task, so they must not block.
    """

    def __init__(
        self,
        channel: RTCDataChannel,
        on_message: Callable[[ControlMessage], None],
        on_lost: Callable[[str], None],
        *,
        interval: float = HEARTBEAT_INTERVAL,
        timeout: float = LOSS_TIMEOUT,
    ) -> None:
        self._channel = channel
        self._on_message = on_message
        self._on_lost = on_lost
        self._loop = asyncio.get_running_loop()
        self._interval = interval
        self._timeout = timeout
        self._liveness = Liveness(self._loop.time(), interval, timeout)
        self._seq = 0
        self._done = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        channel.on("message", self._on_channel_message)
        channel.on("close", self._on_channel_close)

    @property
    def open(self) -> bool:
        return self._channel.readyState == "open"

    def start(self) -> None:
        """Start the heartbeat; call once the channel is open. Silence is counted from now."""
        if self._task is not None:
            raise RuntimeError("the control channel's heartbeat is already running")
        self._liveness = Liveness(self._loop.time(), self._interval, self._timeout)
        self._task = self._loop.create_task(self._run(), name="control heartbeat")

    def send(self, message: ControlMessage) -> bool:
        """Send now if the channel is open; False when it is not (the message is dropped)."""
        if self._channel.readyState != "open":
            logger.debug(
                "control > dropped %s: channel %s", type(message).__name__, self._channel.readyState
            )
            return False
        self._channel.send(encode_message(message))
        return True

    async def close(self) -> None:
        """Stop the heartbeat and report nothing more; closing the channel is the peer's job."""
        self._done = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while not self._done:
            now = self._loop.time()
            if self._liveness.lost(now):
                self._lose(f"no sign of life for {self._liveness.silent_for(now):.1f} s")
                return
            if self._liveness.send_due(now):
                self.send(Heartbeat(seq=self._seq))
                self._seq += 1
                self._liveness.sent(now)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, self._liveness.next_deadline() - now)):
                    await self._wake.wait()

    def peer_spoke(self) -> None:
        """Count something else the peer sent (a message on another channel, a camera frame)
        as a sign of life.

        The peer's heartbeats queue behind whatever it sends on the same association (aiortc
        sends in order across channels), so a page crossing a slow link would otherwise look
        like silence.
        """
        self._liveness.heard(self._loop.time())

    def _on_channel_message(self, data: str | bytes) -> None:
        if self._done:
            return
        self.peer_spoke()
        try:
            message = decode_message(data)
        except msgspec.DecodeError as error:
            logger.warning("control < dropped a message: %s", error)
            return
        if isinstance(message, Heartbeat):
            return
        try:
            self._on_message(message)
        except Exception:
            # An exception escaping into aiortc's receive path would tear down SCTP: log it.
            logger.exception("control = handling %s failed", type(message).__name__)

    def _on_channel_close(self) -> None:
        self._lose("the control channel closed")

    def _lose(self, reason: str) -> None:
        if self._done:
            return
        self._done = True
        self._wake.set()
        logger.info("control = peer lost: %s", reason)
        self._on_lost(reason)
