"""What the kiosk needs from the call engine: commands out, events in, frames to paint.

The controller is written against `EnginePort` only, so it stays plain Python and its tests
drive it with hub messages directly. `kiosk.engine_adapter` implements it on the real engine
(`call.engine.Engine` behind `call.bridge.EngineBridge`) and turns the engine's events into the
`KioskEvent`s below.

Commands never block and never raise for a link that is down: the adapter logs and drops
them, and the hub resends the state on reconnect (docs/protocol.md §Connection).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt

from call.content_messages import Mark
from call.control_messages import QuickPhrase
from signaling import protocol as p

Image8 = npt.NDArray[np.uint8]  # height x width x 3, RGB
Box = tuple[float, float, float, float]  # x, y, width, height as fractions of a page
WHOLE_PAGE: Box = (0.0, 0.0, 1.0, 1.0)


# The quick phrases the kiosk offers, in its order: the control channel's, but for
# "cannot_see", which a kiosk's citizen has no use for (staff see the camera themselves).
KIOSK_PHRASES: Final = (
    QuickPhrase.CANNOT_HEAR,
    QuickPhrase.SAY_AGAIN,
    QuickPhrase.SLOWER,
    QuickPhrase.YES,
    QuickPhrase.NO,
)


# --- Events -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HubConnected:
    """The hub welcomed us; `resumed` is False when whatever we had is gone."""

    resumed: bool
    name: str = ""  # the kiosk's name at the hub, such as 窓口市 中央公民館
    site_id: str | None = None  # its site, whose names (in the directory) are in every language


@dataclass(frozen=True, slots=True)
class HubDisconnected:
    """The link dropped and is retrying by itself."""

    reason: str


@dataclass(frozen=True, slots=True)
class HubRefused:
    """A fatal refusal (a disabled kiosk, a bad token, another instance): no more retries."""

    code: p.ErrorCode


@dataclass(frozen=True, slots=True)
class DevicesChanged:
    camera: p.DeviceHealth
    microphone: p.DeviceHealth
    speaker: p.DeviceHealth
    document_camera: bool = False  # a second camera (書画カメラ) is there


class CallMedia(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class CallMediaChanged:
    session_id: str
    state: CallMedia


@dataclass(frozen=True, slots=True)
class SpeakingChanged:
    staff: bool
    citizen: bool


@dataclass(frozen=True, slots=True)
class StaffText:
    session_id: str
    text: str
    language: str = "ja"  # the kiosk language it is written in


@dataclass(frozen=True, slots=True)
class InkChanged:
    """A stroke by staff on the writing pad, sent again as it grows; it replaces `stroke_id`."""

    session_id: str
    stroke_id: str
    points: tuple[tuple[float, float], ...]  # fractions of the pad (call.control_channel)
    color: str | None = None  # #RRGGBB, or None for the pad's staff colour


@dataclass(frozen=True, slots=True)
class InkCleared:
    """Staff cleared the whole pad, both sides' strokes."""

    session_id: str


@dataclass(frozen=True, slots=True)
class PadChanged:
    """Staff opened (or closed) the writing pad."""

    session_id: str
    open: bool


@dataclass(frozen=True, slots=True)
class PageShown:
    """A document page from staff: the exact pixels they rendered for this screen."""

    doc_id: str
    page: int
    page_count: int
    image: Image8 = field(repr=False)
    # None: the whole page. Else a sharper render of that part of the page (x, y, width, height
    # as fractions of it), drawn over it while the citizen looks at it zoomed.
    region: Box | None = None


@dataclass(frozen=True, slots=True)
class FocusRequested:
    """Staff say "look here": zoom so that `box` fills the view; the whole page means fit."""

    doc_id: str
    page: int
    box: Box


@dataclass(frozen=True, slots=True)
class MarksChanged:
    doc_id: str
    page: int
    marks: Sequence[Mark]


@dataclass(frozen=True, slots=True)
class MarksCleared:
    doc_id: str
    page: int


@dataclass(frozen=True, slots=True)
class DocumentClosed:
    doc_id: str


@dataclass(frozen=True, slots=True)
class ScreenShareChanged:
    active: bool


@dataclass(frozen=True, slots=True)
class PaperAsked:
    """Staff asked for a still of the paper under the document camera (their 「撮影」)."""


@dataclass(frozen=True, slots=True)
class PaperSent:
    """What went to staff of the paper: the straightened still, or None when the document
    camera gave no picture; `delivered` once staff's end has it."""

    image: Image8 | None = field(repr=False)
    delivered: bool


KioskEvent = (
    HubConnected
    | HubDisconnected
    | HubRefused
    | DevicesChanged
    | CallMediaChanged
    | SpeakingChanged
    | StaffText
    | InkChanged
    | InkCleared
    | PadChanged
    | PageShown
    | FocusRequested
    | MarksChanged
    | MarksCleared
    | DocumentClosed
    | ScreenShareChanged
    | PaperAsked
    | PaperSent
    | p.ServerMessage
)


# --- Commands and media -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What the engine can do; the kiosk leaves out the controls of what it cannot."""

    volume: bool = True
    mute: bool = True
    microphone_level: bool = True


class EnginePort(Protocol):
    """The commands the controller gives; each returns at once."""

    @property
    def capabilities(self) -> Capabilities: ...

    def request_consultation(self, category_id: str, language: str) -> None: ...
    def cancel_request(self) -> None: ...
    def hang_up(self) -> None: ...
    def submit_survey(self, session_id: str, score: int) -> None: ...
    def send_phrase(self, phrase: QuickPhrase) -> None: ...
    def set_activity(self, activity: p.KioskActivity) -> None: ...
    def set_volume(self, volume: float) -> None: ...  # 0.0 to 1.0 of the speaker's range
    def set_muted(self, muted: bool) -> None: ...
    def set_document_camera(self, on: bool) -> None: ...
    def send_paper(self) -> None: ...  # a still of the paper under it: `PaperSent` answers
    # The writing pad (筆談): a stroke as it grows (fractions of the pad), clear, open or close.
    def send_ink(self, stroke_id: str, points: Sequence[tuple[float, float]]) -> None: ...
    def clear_ink(self) -> None: ...
    def set_pad_open(self, open: bool) -> None: ...
    # 1:1 pages (docs/content-channel.md): the size the kiosk really draws pages into, told
    # again on every change, and the part of the page the citizen sees, drawn at what size.
    def announce_viewer(self, width: int, height: int) -> None: ...
    def report_view(
        self, doc_id: str, page: int, box: Box, width_px: int, height_px: int
    ) -> None: ...
    def forget_citizen(self) -> None: ...  # drop pages, frames and texts of the last call
    def reconnect(self) -> None: ...  # try the hub again after a fatal refusal


class MediaFeeds(Protocol):
    """Live pictures and levels, polled by the screens that show them (never via the model)."""

    def staff_frame(self) -> Image8 | None: ...
    def content_frame(self) -> Image8 | None: ...  # staff's screen share
    def document_camera_frame(self) -> Image8 | None: ...  # what our 書画カメラ sends staff
    def self_frame(self) -> Image8 | None: ...
    def microphone_level(self) -> float | None: ...  # 0.0 to 1.0; None when unknown
