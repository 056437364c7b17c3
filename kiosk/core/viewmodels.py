"""View-models: exactly what each screen shows, already translated, and nothing else.

They are frozen and plain, so a screen is a function of its view-model (`render(vm)`), the
screenshot script builds them by hand, and the presenter's tests read them without Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from call.content_messages import Mark
from call.control_messages import QuickPhrase
from kiosk.core.engine_port import Image8
from kiosk.core.model import Detail, FocusRequest, Stroke
from kiosk.i18n import Language
from kiosk.theme import Kind, Theme


class Page(StrEnum):
    """Every screen the window can show: one per state, plus the overlays."""

    UNAVAILABLE = "unavailable"
    ATTRACT = "attract"
    LANGUAGE = "language"
    TOPIC = "topic"
    READY = "ready"
    WAITING = "waiting"
    CLOSED = "closed"
    IN_CALL = "in_call"
    TRANSFERRING = "transferring"
    SURVEY = "survey"
    THANK_YOU = "thank_you"
    TIMEOUT_WARNING = "timeout_warning"
    CONFIRM_END = "confirm_end"
    ADMIN_PIN = "admin_pin"


class Icon(StrEnum):
    """Pictograms (drawn by kiosk.widgets.pictogram), always shown with a text label."""

    GLOBE = "globe"
    TEXT_SIZE = "text_size"
    CONTRAST = "contrast"
    BACK = "back"
    CANCEL = "cancel"
    NEXT = "next"
    CHECK = "check"
    # The hub's category icons (signaling/demo_city.toml).
    DOCUMENT = "document"
    HOUSE = "house"
    CARD = "card"
    CHILD = "child"
    DAYCARE = "daycare"
    CARE = "care"
    YEN = "yen"
    HELP = "help"
    COUNTER = "counter"  # any other category
    # The call.
    PERSON = "person"
    MIC = "mic"
    MIC_OFF = "mic_off"
    VOLUME_DOWN = "volume_down"
    VOLUME_UP = "volume_up"
    END_CALL = "end_call"
    CAMERA = "camera"
    DOCUMENT_CAMERA = "document_camera"
    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"
    ZOOM_FIT = "zoom_fit"
    HITSUDAN = "hitsudan"
    SPEECH = "speech"
    WARNING = "warning"
    CLOCK = "clock"
    CLOSED = "closed"
    FACE_1 = "face_1"
    FACE_2 = "face_2"
    FACE_3 = "face_3"
    FACE_4 = "face_4"
    FACE_5 = "face_5"
    BACKSPACE = "backspace"


@dataclass(frozen=True, slots=True)
class Action:
    label: str
    kind: Kind
    icon: Icon


@dataclass(frozen=True, slots=True)
class Toggle:
    label: str
    on: bool
    icon: Icon


@dataclass(frozen=True, slots=True)
class Chrome:
    """The frame around every screen: the top bar's switches and the two bottom buttons."""

    title: str  # the community center's name
    language_label: str  # the current language in its own name, after the 🌐 pictogram
    large_text: Toggle
    high_contrast: Toggle
    back: Action | None  # bottom left: back, cancel, stop
    primary: Action | None  # bottom right: go on
    notice: str = ""  # a calm one-line banner, such as "reconnecting"


@dataclass(frozen=True, slots=True)
class OpenDepartment:
    name: str
    until: str


@dataclass(frozen=True, slots=True)
class LanguageStart:
    """A language button on the attract screen: it goes straight to the topics."""

    language: Language
    label: str  # "Start in English", in the language itself and its own name


@dataclass(frozen=True, slots=True)
class AttractVM:
    center: str
    heading: str
    clock: str
    date: str
    open_title: str
    open_departments: tuple[OpenDepartment, ...]  # open and staffed: a call is answered now
    none_open: str
    unstaffed_title: str  # empty when no department is open with nobody on duty
    unstaffed_departments: tuple[str, ...]  # open by the clock, but nobody at the desk
    touch: str
    starts: tuple[LanguageStart, ...]  # every language, each in its own words


@dataclass(frozen=True, slots=True)
class LanguageOption:
    language: Language
    label: str
    selected: bool


@dataclass(frozen=True, slots=True)
class LanguageVM:
    title: str
    options: tuple[LanguageOption, ...]


@dataclass(frozen=True, slots=True)
class TopicOption:
    category_id: str
    name: str
    description: str  # or, when closed, the hours
    icon: Icon
    open: bool


@dataclass(frozen=True, slots=True)
class TopicVM:
    title: str
    topics: tuple[TopicOption, ...]
    page_label: str  # with {page} and {pages} left for the screen, which owns the paging


@dataclass(frozen=True, slots=True)
class ReadyVM:
    """Before the call: what staff will see and hear, and what is and is not kept."""

    title: str
    camera_ok: bool
    camera_text: str  # what staff will see, or that the call goes on by voice
    microphone_ok: bool
    microphone_text: str
    level_shown: bool  # the engine measures the microphone, so a level bar can show it
    points: tuple[str, ...]  # the privacy points


@dataclass(frozen=True, slots=True)
class WaitingVM:
    title: str
    position: str  # empty until the hub answers
    eta: str
    notice: str  # honest words when nobody is on duty
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClosedVM:
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PhraseOption:
    phrase: QuickPhrase
    label: str


class ContentKind(StrEnum):
    """What takes the call screen's main area instead of the staff member's video."""

    PAGE = "page"  # a document page from staff: exact pixels, with marks
    SCREEN = "screen"  # staff's shared screen or window: their content video
    DOCUMENT_CAMERA = "document_camera"  # our own 書画カメラ, as staff see it


@dataclass(frozen=True, slots=True)
class ContentVM:
    """What takes the main area: a page (exact pixels, marks, a sharper part), or live video."""

    kind: ContentKind
    title: str
    page_key: tuple[str, int]  # (doc_id, page); the zoom holds across pages of one document
    image: Image8 | None = field(repr=False, compare=False)  # None: a live video (SCREEN, ...)
    marks: tuple[Mark, ...] = ()
    detail: Detail | None = field(default=None, repr=False, compare=False)
    focus: FocusRequest | None = None  # staff's latest "look here" in this document


@dataclass(frozen=True, slots=True)
class PaperVM:
    """Beside the document camera's picture: where to put the paper, the button that sends a
    still of it, what happened, and the still as staff received it."""

    guide: str  # drawn with the frame the paper goes in
    send: str
    can_send: bool  # not while one is on its way
    status: str
    sent_label: str
    sent: Image8 | None = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class PadVM:
    """The writing pad (筆談): both sides' strokes, staff's newest words above them, the labels.

    The open button shows `Icon.HITSUDAN` (the 筆談マーク) with `open_label`.
    """

    open: bool = False
    strokes: tuple[Stroke, ...] = ()  # in the order they began; points are fractions of the pad
    staff_texts: tuple[str, ...] = ()  # the newest, oldest first, shown large at the pad's top
    hint: str = ""  # on the pad while nothing is written
    open_label: str = ""
    close_label: str = ""
    clear_label: str = ""


class MainArea(StrEnum):
    """What takes the call screen's main area: one thing at a time."""

    VIDEO = "video"  # the staff member
    CONTENT = "content"  # a page, staff's screen or our document camera
    PAD = "pad"  # the writing pad, while open


@dataclass(frozen=True, slots=True)
class InCallVM:
    staff_label: str
    you_label: str
    status: str  # connecting, or the other end's link is down; empty when all is well
    staff_speaking: str  # the label shown while staff speak; empty when silent
    you_speaking: str
    mute: Toggle | None  # None: the engine cannot switch the microphone
    muted_text: str
    volume_adjustable: bool  # False: the engine cannot set the speaker volume
    volume_down: str
    volume_up: str
    volume_text: str
    volume: int
    volume_steps: int
    phrases: tuple[PhraseOption, ...]
    notice: str  # a calm line under staff's words: the phrase just sent, or the hub reconnecting
    staff_text_title: str
    staff_texts: tuple[str, ...]
    hitsudan: str
    content: ContentVM | None
    main: MainArea
    zoomable: bool  # a page or a share is in the main area: zoom out, in and whole page
    # 書画カメラ, offered while staff show nothing and kept while on; None otherwise or without one
    document_camera: Toggle | None
    paper: PaperVM | None  # while the document camera is on: sending staff a still of the paper
    zoom_in: str
    zoom_out: str
    zoom_fit: str
    end_label: str  # the red button at the bottom left; it asks first
    pad: PadVM = field(default_factory=PadVM)


@dataclass(frozen=True, slots=True)
class TransferringVM:
    title: str
    body: str
    position: str
    wait: str


@dataclass(frozen=True, slots=True)
class Face:
    score: int
    label: str
    icon: Icon


@dataclass(frozen=True, slots=True)
class SurveyVM:
    title: str
    hint: str
    faces: tuple[Face, ...]


@dataclass(frozen=True, slots=True)
class MessageVM:
    """A title and a few lines: thank you, unavailable."""

    title: str
    lines: tuple[str, ...]
    icon: Icon


@dataclass(frozen=True, slots=True)
class TimeoutWarningVM:
    title: str
    countdown: str
    seconds_left: int
    seconds_total: int


@dataclass(frozen=True, slots=True)
class ConfirmVM:
    title: str


@dataclass(frozen=True, slots=True)
class AdminPinVM:
    title: str
    entered: int  # how many digits, shown as dots; never the digits
    message: str
    clear: str


ScreenVM = (
    AttractVM
    | LanguageVM
    | TopicVM
    | ReadyVM
    | WaitingVM
    | ClosedVM
    | InCallVM
    | TransferringVM
    | SurveyVM
    | MessageVM
    | TimeoutWarningVM
    | ConfirmVM
    | AdminPinVM
)


@dataclass(frozen=True, slots=True)
class KioskVM:
    """The whole window: which page, its view-model, the frame around it and the theme."""

    page: Page
    screen: ScreenVM
    chrome: Chrome
    theme: Theme
    generation: int = 0  # a new citizen: every screen is built afresh, holding nothing old
