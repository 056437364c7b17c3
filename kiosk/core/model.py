"""What the controller knows: the kiosk's own state, and the citizen's, kept apart.

Everything about the person at the kiosk lives in one `Citizen`. The privacy reset replaces it
whole, so nothing of them survives in memory (a test holds a weak reference to check).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from call.content_messages import Mark
from call.control_messages import QuickPhrase
from kiosk.core.engine_port import Box, CallMedia, Capabilities, DevicesChanged, Image8
from kiosk.core.state import KioskState, Overlay
from kiosk.i18n import Language
from signaling import protocol as p

VOLUME_STEPS = 10
STAFF_TEXTS_KEPT = 3
STROKES_KEPT = 500  # per pad, both sides: the oldest go first, so memory stays bounded


@dataclass(frozen=True, slots=True)
class StaffWords:
    """What a staff member wrote to the citizen, and the kiosk language it is in."""

    text: str
    language: str = "ja"


@dataclass
class Place:
    """A place in a department's queue (docs/protocol.md, queued)."""

    department_id: str
    position: int
    eta_seconds: int | None
    staff_on_duty: int


@dataclass
class Closure:
    department_id: str
    opens_at: float | None
    ended_while_waiting: bool = False


@dataclass(frozen=True, slots=True)
class Detail:
    """A sharper render of part of the page on screen, drawn over it while zoomed in."""

    region: Box
    image: Image8 = field(repr=False)


@dataclass(frozen=True, slots=True)
class FocusRequest:
    """Staff's latest "look here"; `serial` tells the screen that it is a new one."""

    doc_id: str
    box: Box
    serial: int


@dataclass
class ShownDocument:
    doc_id: str
    page: int
    page_count: int
    image: Image8 = field(repr=False)
    marks: dict[str, Mark] = field(default_factory=dict)  # by mark id; "" is the pointer
    detail: Detail | None = None


@dataclass(frozen=True, slots=True)
class Stroke:
    """One stroke on the writing pad; points are fractions of the pad (call.control_channel)."""

    id: str
    points: tuple[tuple[float, float], ...]
    staff: bool  # drawn by staff, or by the citizen
    color: str | None = None  # #RRGGBB from staff; None: the pad's colour for that side


@dataclass
class Pad:
    """The writing pad (筆談): open or not, and both sides' strokes in the order they began."""

    open: bool = False
    strokes: dict[tuple[bool, str], Stroke] = field(default_factory=dict)  # by (staff, id)

    def draw(self, stroke: Stroke) -> None:
        """Add a stroke, or replace the one with its id in its place (a stroke grows)."""
        self.strokes[stroke.staff, stroke.id] = stroke
        while len(self.strokes) > STROKES_KEPT:
            del self.strokes[next(iter(self.strokes))]


class PaperStatus(StrEnum):
    SENDING = "sending"
    SENT = "sent"  # staff have it
    NOT_SENT = "not_sent"  # no picture, or it did not arrive: the citizen may try again


@dataclass(frozen=True, slots=True)
class Paper:
    """The citizen's last still of a paper, as staff received it."""

    status: PaperStatus
    image: Image8 | None = field(default=None, repr=False)


@dataclass
class Citizen:
    """Everything about the person at the kiosk; the privacy reset replaces it whole."""

    language: Language
    volume: int
    large_text: bool = False
    high_contrast: bool = False
    category_id: str | None = None
    session_id: str | None = None
    cancel_pending: bool = False  # cancelled before the hub gave the session an id
    place: Place | None = None
    closure: Closure | None = None
    staff: p.StaffInfo | None = None
    answered: bool = False
    transfer_names: dict[str, str] | None = None
    media: CallMedia | None = None
    peer_online: bool = True
    muted: bool = False
    document_camera: bool = False
    paper: Paper | None = None  # while the document camera is on
    phrase_sent: QuickPhrase | None = None
    staff_texts: list[StaffWords] = field(default_factory=list)
    pad: Pad = field(default_factory=Pad)
    document: ShownDocument | None = None
    focus: FocusRequest | None = None
    screen_share: bool = False
    staff_speaking: bool = False
    citizen_speaking: bool = False
    survey_session: str | None = None
    cut_off: bool = False


class Unavailable(StrEnum):
    RETRYING = "retrying"  # the hub is unreachable; the link retries by itself
    DISABLED = "disabled"  # the hub refused this kiosk for good (disabled, bad token)
    ERROR = "error"  # the app crashed and is recovering


@dataclass
class AdminEntry:
    digits: str = field(default="", repr=False)
    wrong: bool = False
    locked: bool = False


@dataclass
class KioskModel:
    """The controller's whole state; the presenter turns it into a view."""

    citizen: Citizen
    state: KioskState = KioskState.UNAVAILABLE
    overlay: Overlay | None = None
    center_name: str = ""  # as configured or registered: when the directory has no site names
    site_id: str | None = None
    directory: p.Directory | None = None
    hub_up: bool = False
    unavailable: Unavailable = Unavailable.RETRYING
    devices: DevicesChanged = field(
        default_factory=lambda: DevicesChanged(
            camera=p.DeviceHealth.OK, microphone=p.DeviceHealth.OK, speaker=p.DeviceHealth.OK
        )
    )
    capabilities: Capabilities = field(default_factory=Capabilities)
    warning_deadline: float | None = None  # monotonic
    generation: int = 0  # counts privacy resets: the window rebuilds its screens on each
    admin: AdminEntry = field(default_factory=AdminEntry)
