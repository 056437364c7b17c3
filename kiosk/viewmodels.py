"""View-models: exactly what each screen shows, already translated, and nothing else.

They are frozen and plain, so a screen is a function of its view-model (`render(vm)`), the
screenshot script builds them by hand, and the presenter's tests read them without Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from call.content_messages import Mark
from kiosk.engine import Image8, Phrase
from kiosk.i18n import Language
from kiosk.model import Stroke
from kiosk.theme import Kind, Theme


class Page(StrEnum):
    """Every screen the window can show: one per state, plus the overlays."""

    UNAVAILABLE = "unavailable"
    ATTRACT = "attract"
    LANGUAGE = "language"
    TOPIC = "topic"
    PRIVACY = "privacy"
    DEVICE_CHECK = "device_check"
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
class AttractVM:
    center: str
    heading: str
    clock: str
    date: str
    open_title: str
    open_departments: tuple[OpenDepartment, ...]
    none_open: str
    touch: str
    touch_lines: tuple[tuple[Language, str], ...]  # "touch to start" in the other languages


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
    closed_label: str  # "closed now", for where the description with the hours has no room


@dataclass(frozen=True, slots=True)
class TopicVM:
    title: str
    topics: tuple[TopicOption, ...]
    next_page: str
    previous_page: str
    page_label: str  # with {page} and {pages} left for the screen, which owns the paging


@dataclass(frozen=True, slots=True)
class PrivacyVM:
    title: str
    points: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeviceCheckVM:
    title: str
    camera_ok: bool
    camera_text: str
    microphone_ok: bool
    microphone_text: str
    level_label: str


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
    phrase: Phrase
    label: str


@dataclass(frozen=True, slots=True)
class ContentVM:
    """What staff show: a document page (exact pixels, with marks) or their screen."""

    title: str
    page_key: tuple[str, int]  # (doc_id, page): a new page resets the zoom
    image: Image8 | None = field(repr=False, compare=False)  # None: the screen-share video
    marks: tuple[Mark, ...]
    zoom_in: str
    zoom_out: str
    zoom_fit: str


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
    phrase_sent: str
    staff_text_title: str
    staff_texts: tuple[str, ...]
    hitsudan: str
    content: ContentVM | None
    document_camera: Toggle | None  # only when a second camera exists
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
    | PrivacyVM
    | DeviceCheckVM
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
class View:
    """The whole window: which page, its view-model, the frame around it and the theme."""

    page: Page
    screen: ScreenVM
    chrome: Chrome
    theme: Theme
    generation: int = 0  # a new citizen: every screen is built afresh, holding nothing old
