"""The control channel's wire format (docs/call-engine.md, "The control channel"): its messages,
their bounds and the quick phrases, free of aiortc, so that the apps' Qt-free cores and a
browser client's authors can read them alone. `call.control_channel` carries them."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Final

import msgspec

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
