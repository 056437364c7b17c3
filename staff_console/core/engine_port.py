"""What the console needs from the call engine, and what it hears back.

The controller is written against `EnginePort`, a small explicit interface, so it is tested by
feeding it hub messages and these events, with no network and no Qt. `EngineAdapter`
(staff_console.engine_adapter) satisfies it with the real engine on its network thread.

Every method returns at once: the work happens on the engine's thread, and whatever comes of
it arrives later as a `ConsoleEvent` (or a `p.Error` from the hub).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from signaling import protocol as p

Rgb = npt.NDArray[np.uint8]  # height x width x 3


class CallPhase(StrEnum):
    """The media side of the call, as the engine reports it (call.session.CallState)."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    LOST = "lost"


class MarkTool(StrEnum):
    POINTER = "pointer"
    HIGHLIGHTER = "highlighter"
    PEN = "pen"
    FOCUS = "focus"  # not a mark: a box the kiosk zooms to ("look here")


@dataclass(frozen=True, slots=True)
class ScreenArea:
    """A window (call.windows id), else a region in virtual-desktop pixels, else a monitor
    (1-based, as mss counts)."""

    monitor: int = 1
    region: tuple[int, int, int, int] | None = None  # left, top, width, height
    window: int | None = None


@dataclass(frozen=True, slots=True)
class PointerMark:
    x: float
    y: float
    visible: bool = True


@dataclass(frozen=True, slots=True)
class HighlightMark:
    id: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class PenMark:
    id: str
    points: tuple[tuple[float, float], ...]


PageMark = PointerMark | HighlightMark | PenMark


class EnginePort(Protocol):
    """The engine as the console drives it; coordinates are fractions of the page."""

    def login(self, server: str, username: str, password: str) -> None: ...
    # A temporary password replaced by the staff member's own at the hub, then a login with
    # it; a refusal comes back as PasswordRefused.
    def change_password(
        self, server: str, username: str, password: str, new_password: str
    ) -> None: ...
    def logout(self) -> None: ...
    def set_presence(self, presence: p.Presence) -> None: ...
    def accept(self, session_id: str) -> None: ...
    def accept_next(self) -> None: ...
    def transfer(self, department_id: str, note: str) -> None: ...
    def hang_up(self) -> None: ...
    def wrap_up(self, session_id: str, outcome_code: str, note: str) -> None: ...
    def send_text(self, text: str, language: str = "ja") -> None: ...
    def show_page(self, path: Path, doc_id: str, page: int) -> None: ...
    def send_marks(self, doc_id: str, page: int, marks: Sequence[PageMark]) -> None: ...
    def clear_marks(self, doc_id: str, page: int) -> None: ...
    def close_document(self, doc_id: str) -> None: ...
    # The citizen's paper: ask the kiosk for a still (「撮影」), and show one back, as a page
    # with doc_id = its paper_id, to mark and point at like any page.
    def ask_for_paper(self) -> None: ...
    def show_paper(self, paper_id: str) -> None: ...
    # The writing pad (筆談): a stroke as it grows (fractions of the pad), clear, open the kiosk's.
    def send_ink(self, stroke_id: str, points: Sequence[tuple[float, float]]) -> None: ...
    def clear_ink(self) -> None: ...
    def set_pad_open(self, open: bool) -> None: ...
    def focus(self, doc_id: str, page: int, box: tuple[float, float, float, float]) -> None: ...
    def share_screen(self, area: ScreenArea) -> None: ...
    def stop_sharing(self) -> None: ...
    def set_muted(self, muted: bool) -> None: ...  # the kiosk hears silence; the call goes on
    def set_camera_enabled(self, enabled: bool) -> None: ...  # off: the kiosk sees "camera off"


# Events from the engine, besides the hub's own messages (p.ServerMessage).


@dataclass(frozen=True, slots=True)
class HubConnected:
    welcome: p.Welcome


@dataclass(frozen=True, slots=True)
class HubDisconnected:
    reason: str


@dataclass(frozen=True, slots=True)
class HubRefused:
    """A fatal refusal: a wrong password, an expired session, a disabled account, replaced."""

    code: p.ErrorCode
    message: str


@dataclass(frozen=True, slots=True)
class PasswordRefused:
    """The hub kept the old password: `reason` is its error (`unauthorized`, `weak_password`,
    `login_throttled`, …), or `unreachable`."""

    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class CallPhaseChanged:
    session_id: str
    phase: CallPhase
    reason: str


@dataclass(frozen=True, slots=True)
class CallQuality:
    session_id: str
    rtt_ms: float | None
    tracks: tuple[p.TrackStats, ...]


@dataclass(frozen=True, slots=True)
class PhraseHeard:
    session_id: str
    phrase: str  # a call.control_messages.QuickPhrase value


@dataclass(frozen=True, slots=True)
class CitizenSpeaking:
    """The citizen's voice started or stopped (the engine's voice activity on the kiosk audio)."""

    speaking: bool


@dataclass(frozen=True, slots=True)
class TextHeard:
    session_id: str
    text: str


@dataclass(frozen=True, slots=True)
class InkChanged:
    """A stroke by the citizen on the writing pad, sent again as it grows; it replaces its id."""

    session_id: str
    stroke_id: str
    points: tuple[tuple[float, float], ...]  # fractions of the pad (call.control_channel)
    color: str | None = None


@dataclass(frozen=True, slots=True)
class InkCleared:
    """The citizen cleared the whole pad, both sides' strokes."""

    session_id: str


@dataclass(frozen=True, slots=True)
class PadChanged:
    """The citizen opened or closed the writing pad on the kiosk."""

    session_id: str
    open: bool


@dataclass(frozen=True, slots=True)
class RemoteContentChanged:
    session_id: str
    kind: str | None  # "document_camera", "screen", or None when it stopped


@dataclass(frozen=True, slots=True)
class SharingEnded:
    """Our screen share stopped by itself (the capture failed) or could not start."""

    reason: str
    window_closed: bool = False  # the shared window closed: said in the staff member's language


@dataclass(frozen=True, slots=True)
class PageDelivered:
    doc_id: str
    page: int
    shown: bool  # False: the kiosk rejected it, or it was never sent
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ViewerChanged:
    """The kiosk's content area: the size it draws pages into, and its pixel pitch if known."""

    width: int
    height: int
    mm_per_px: float | None


@dataclass(frozen=True, slots=True)
class CitizenViewChanged:
    """The part of the page the citizen sees now (fractions), and the kiosk pixels it takes."""

    doc_id: str
    page: int
    box: tuple[float, float, float, float]
    width_px: int
    height_px: int


@dataclass(frozen=True, slots=True)
class PaperArrived:
    """A still of the citizen's paper, straightened by the kiosk: held in memory for this call
    only, shown back with `show_paper`."""

    session_id: str
    paper_id: str
    image: Rgb = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class CameraHealth:
    health: p.DeviceHealth
    message: str


@dataclass(frozen=True, slots=True)
class CommandFailed:
    """A command the engine refused locally (not in a call, a file it cannot open, …)."""

    command: str
    message: str


ConsoleEvent = (
    HubConnected
    | HubDisconnected
    | HubRefused
    | PasswordRefused
    | CallPhaseChanged
    | CallQuality
    | PhraseHeard
    | CitizenSpeaking
    | TextHeard
    | InkChanged
    | InkCleared
    | PadChanged
    | RemoteContentChanged
    | SharingEnded
    | PageDelivered
    | ViewerChanged
    | CitizenViewChanged
    | PaperArrived
    | CameraHealth
    | CommandFailed
)


class FrameSource(Protocol):
    """Where the call view reads video; each returns the newest RGB frame or None."""

    def remote_camera(self) -> Rgb | None: ...
    def remote_content(self) -> Rgb | None: ...
    def self_view(self) -> Rgb | None: ...
