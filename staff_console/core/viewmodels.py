"""View-models: everything a screen needs to draw, computed by the controller.

Screens get one of these in `render(vm)` and translate only the static words; names from the
hub (departments, categories, outcomes) are already picked in the console's language here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from language.plain_japanese import Advice
from signaling import protocol as p
from staff_console.core.engine_port import CallPhase, MarkTool, PageMark, Rgb
from staff_console.core.legibility import Box, TextSize
from staff_console.core.transfer_targets import TransferTarget


class Stage(StrEnum):
    """Which screen is up; controller.TRANSITIONS is the table of moves between them."""

    LOGIN = "login"  # no session: the login dialog
    CONNECTING = "connecting"  # credentials sent, no welcome yet
    READY = "ready"  # the queue
    CALL = "call"
    WRAP_UP = "wrap_up"


class Level(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Quality(StrEnum):
    UNKNOWN = "unknown"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


@dataclass(frozen=True, slots=True)
class Notice:
    """A message for the staff member: a catalog key and its fields, translated by the screen."""

    key: str
    level: Level = Level.INFO
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Handoff:
    department: str
    staff_name: str
    note: str


@dataclass(frozen=True, slots=True)
class QueueItem:
    session_id: str
    kiosk_name: str
    kiosk_location: str
    department: str
    category: str
    language: str  # the hub's language code: ja, ja-easy, en, zh, ko, vi
    wait_seconds: int
    kiosk_online: bool
    new: bool  # arrived since the staff member last looked (the visual alert)
    transferred_from: Handoff | None = None
    overflowed: bool = False  # another ward's citizen, whose own desk is busy or unstaffed


@dataclass(frozen=True, slots=True)
class DaySummary:
    """The staff member's own day, from what the console saw: nothing new to type."""

    consultations: int  # legs ended today, transferred ones included
    average_talk_seconds: int | None  # None before the first
    waiting: int  # citizens in the queues of the staff member's departments now


@dataclass(frozen=True, slots=True)
class FinishedItem:
    session_id: str
    kiosk_name: str
    category: str
    ended_at: float  # epoch seconds; shown in Asia/Tokyo
    talk_seconds: int
    outcome: str  # the outcome's name, or "" while not wrapped up
    transferred_to: str = ""


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    name: str
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class QualityVM:
    level: Quality = Quality.UNKNOWN
    rtt_ms: float | None = None
    loss_percent: float | None = None
    fps: float | None = None


@dataclass(frozen=True, slots=True)
class CitizenScreen:
    """What the citizen sees of the page on the kiosk, for the console's true-scale preview."""

    viewer_px: tuple[int, int] | None  # the kiosk's content area; None until the kiosk says
    mm_per_px: float | None  # the kiosk's pixel pitch; None when it does not know its panel
    box: Box  # the part of the page in view (fractions); the whole page until the kiosk says
    drawn_px: tuple[int, int] | None  # the kiosk pixels that part is drawn at; None: unknown
    reported: bool  # the kiosk said so in a `view`, rather than the console assuming fit
    text: TextSize  # the smallest text's height on the kiosk, and whether to warn
    legible_box: Box | None = None  # a focus that brings that text to 4.8 mm, when too small


@dataclass(frozen=True, slots=True)
class DocumentVM:
    doc_id: str
    path: str
    name: str
    page: int  # from 0
    page_count: int
    tool: MarkTool
    marks: tuple[PageMark, ...]
    delivered: bool  # the kiosk showed this page
    citizen: CitizenScreen | None = None  # None: no page open
    # The citizen's paper shown back has no file (path ""): its pixels, and its number in the call.
    image: Rgb | None = field(default=None, repr=False, compare=False)
    paper_number: int = 0


@dataclass(frozen=True, slots=True)
class Stroke:
    """One stroke on the writing pad; points are fractions of the pad (call.control_channel)."""

    id: str
    points: tuple[tuple[float, float], ...]
    staff: bool  # drawn by staff here, or by the citizen at the kiosk


@dataclass(frozen=True, slots=True)
class PadVM:
    """The kiosk's writing pad (筆談): open there or not, both sides' strokes in order."""

    open: bool = False
    strokes: tuple[Stroke, ...] = ()


@dataclass(frozen=True, slots=True)
class MessageChoice:
    """A staff message to offer: the Japanese staff read, and the text the citizen will see."""

    id: str
    meaning: str  # in Japanese
    for_citizen: str  # in the citizen's language; "" when the city has it only in Japanese


@dataclass(frozen=True, slots=True)
class SentText:
    meaning: str  # what staff sent, in Japanese: a message's meaning, or what they typed
    language: str  # the kiosk language the citizen read it in


@dataclass(frozen=True, slots=True)
class CallVM:
    session_id: str
    kiosk_name: str
    kiosk_location: str
    category: str
    language: str
    handoffs: tuple[Handoff, ...]
    phase: CallPhase
    peer_online: bool  # the kiosk's signaling link
    quality: QualityVM
    muted: bool
    camera_on: bool
    camera_problem: str  # "" when the camera works; else why the call is audio-only
    talk_seconds: int
    citizen_speaking: bool = False
    phrase: str = ""  # the citizen's latest quick phrase, shown prominently
    phrase_age: int = 0  # seconds since it came
    texts_sent: tuple[SentText, ...] = ()
    messages: tuple[MessageChoice, ...] = ()  # staff messages, for this citizen's language
    # What makes the text being typed hard for a やさしい日本語 reader (empty for others).
    advice: tuple[Advice, ...] = ()
    remote_content: str | None = None  # "document_camera" while the kiosk shows one
    sharing_screen: bool = False
    document: DocumentVM | None = None
    pad: PadVM = field(default_factory=PadVM)
    # Another ward's citizen: the name of their own desk, which was busy or unstaffed.
    overflowed_from: str = ""
    # Stills of the citizen's paper, oldest first: (paper id, RGB pixels as the kiosk sent them).
    papers: tuple[PaperStill, ...] = ()


@dataclass(frozen=True, slots=True)
class PaperStill:
    paper_id: str
    image: Rgb = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class WrapUpVM:
    session_id: str
    kiosk_name: str
    category: str
    reason: str  # p.EndReason, or "transferred"
    transferred_to: str
    outcomes: tuple[Choice, ...]
    saving: bool
    pending: int  # wrap-ups still open, this one included


@dataclass(frozen=True, slots=True)
class LoginVM:
    server: str
    username: str
    busy: bool
    error: Notice | None
    new_password: bool = False  # the password was a temporary one: ask for their own


@dataclass(frozen=True, slots=True)
class ConsoleVM:
    stage: Stage
    login: LoginVM
    display_name: str
    presence: p.Presence | None
    hub_online: bool
    queue: tuple[QueueItem, ...]
    today: tuple[FinishedItem, ...]
    day: DaySummary
    transfer_targets: tuple[TransferTarget, ...]  # most likely first, never the call's own
    forms: tuple[str, ...]  # paths of the standard forms, recently used first
    call: CallVM | None
    wrap_up: WrapUpVM | None
    notice: Notice | None
