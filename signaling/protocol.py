"""The wire protocol between kiosks, staff consoles and the hub (docs/protocol.md).

JSON text frames over one WebSocket, each a msgspec Struct tagged on ``"type"``. This module is
the only place JSON is touched: ``decode_client`` on the hub, ``decode_server`` in the clients,
and ``encode`` for both. Unknown fields are ignored; an unknown ``type`` raises a
``RemoteProtocolError`` carrying ``ErrorCode.UNKNOWN_TYPE``. The decoders raise nothing else,
whatever arrives: a frame nested deeper than ``MAX_DEPTH`` is refused before parsing.

Commands are imperative (``RequestConsultation``), facts are past tense (``SessionStarted``).
Times on the wire are Unix epoch seconds (floats); clients show them in Asia/Tokyo.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, TypeVar

import msgspec

PROTOCOL_VERSION = 1
MAX_FRAME_BYTES = 64 * 1024
MAX_NOTE_CHARS = 2000
MAX_SDP_CHARS = 32 * 1024
# The deepest message (queue_snapshot) nests 4 levels. msgspec decodes recursively, and about
# 1,000 levels exhaust Python's stack with a RecursionError, so deeper frames are refused first.
MAX_DEPTH = 16


class Role(StrEnum):
    KIOSK = "kiosk"
    STAFF = "staff"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Presence(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"
    WRAP_UP = "wrap_up"


class EndReason(StrEnum):
    COMPLETED = "completed"
    CITIZEN_CANCELLED = "citizen_cancelled"
    STAFF_ENDED = "staff_ended"
    TRANSFERRED = "transferred"  # ends one staff member's part; the session goes on
    NETWORK_LOST = "network_lost"
    TIMEOUT = "timeout"
    CLOSED = "closed"


class KioskActivity(StrEnum):
    IDLE = "idle"
    CHOOSING = "choosing"
    WAITING = "waiting"
    IN_CALL = "in_call"
    SURVEY = "survey"
    FAULT = "fault"


class DeviceHealth(StrEnum):
    OK = "ok"
    MISSING = "missing"
    FAULT = "fault"


class ErrorCode(StrEnum):
    """Every error the hub sends; docs/protocol.md §Errors explains each."""

    BAD_MESSAGE = "bad_message"
    UNKNOWN_TYPE = "unknown_type"
    UNSUPPORTED_VERSION = "unsupported_version"
    HELLO_REQUIRED = "hello_required"
    HELLO_TIMEOUT = "hello_timeout"
    UNAUTHORIZED = "unauthorized"
    SESSION_EXPIRED = "session_expired"
    ACCOUNT_DISABLED = "account_disabled"
    PASSWORD_CHANGE_REQUIRED = "password_change_required"
    LOGIN_THROTTLED = "login_throttled"
    FORBIDDEN = "forbidden"
    FRAME_TOO_LARGE = "frame_too_large"
    RATE_LIMITED = "rate_limited"
    INVALID_STATE = "invalid_state"
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_LANGUAGE = "unknown_language"
    UNKNOWN_DEPARTMENT = "unknown_department"
    UNKNOWN_SESSION = "unknown_session"
    UNKNOWN_OUTCOME = "unknown_outcome"
    ALREADY_TAKEN = "already_taken"
    QUEUE_EMPTY = "queue_empty"
    DEPARTMENT_CLOSED = "department_closed"
    PEER_UNAVAILABLE = "peer_unavailable"
    REPLACED = "replaced"
    ALREADY_CONNECTED = "already_connected"
    INTERNAL_ERROR = "internal_error"


# WebSocket close codes the hub uses (docs/protocol.md §Closing): 4000 + an HTTP status, with
# the ErrorCode as the close reason. A client must not reconnect after a fatal one.
CLOSE_CODES: dict[ErrorCode, int] = {
    ErrorCode.BAD_MESSAGE: 4400,
    ErrorCode.HELLO_REQUIRED: 4400,
    ErrorCode.UNSUPPORTED_VERSION: 4400,
    ErrorCode.UNAUTHORIZED: 4401,
    ErrorCode.SESSION_EXPIRED: 4401,
    ErrorCode.ACCOUNT_DISABLED: 4403,
    ErrorCode.PASSWORD_CHANGE_REQUIRED: 4403,
    ErrorCode.HELLO_TIMEOUT: 4408,
    ErrorCode.REPLACED: 4409,
    ErrorCode.ALREADY_CONNECTED: 4409,
    ErrorCode.LOGIN_THROTTLED: 4429,
    ErrorCode.RATE_LIMITED: 4429,
    ErrorCode.INTERNAL_ERROR: 1011,
}
FATAL_ERRORS = frozenset(
    {
        ErrorCode.UNSUPPORTED_VERSION,
        ErrorCode.UNAUTHORIZED,
        ErrorCode.SESSION_EXPIRED,
        ErrorCode.ACCOUNT_DISABLED,
        ErrorCode.PASSWORD_CHANGE_REQUIRED,  # until a new one is chosen: POST /account/password
        ErrorCode.REPLACED,  # another instance of this client took over; do not fight it
    }
)


class ProtocolError(Exception):
    """Base of the two protocol errors, after h11."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class RemoteProtocolError(ProtocolError):
    """The peer broke the protocol; ``code`` is what to send back in an ``Error``."""


class LocalProtocolError(ProtocolError):
    """We tried to do something the protocol forbids: a bug on our side."""


class _Message(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="type"):
    pass


# Values shared by several messages.


class IceServer(msgspec.Struct, kw_only=True, omit_defaults=True):
    """As in the browser's RTCIceServer."""

    urls: list[str]
    username: str | None = None
    credential: str | None = None


class KioskInfo(msgspec.Struct, kw_only=True, omit_defaults=True):
    kiosk_id: str
    name: str
    location: str
    site_id: str | None = None  # the community center or ward office it stands in
    ward_id: str | None = None  # that site's ward: staff see where a caller comes from


class StaffInfo(msgspec.Struct, kw_only=True):
    staff_id: str
    display_name: str
    department_id: str
    # The display name in kana (たなか はなこ), "" when the city gave none: the kiosk shows it
    # in kana for やさしい日本語 and romanised for en, ko and vi.
    name_reading: str = ""


class WardInfo(msgspec.Struct, kw_only=True):
    id: str
    names: dict[str, str]


class SiteInfo(msgspec.Struct, kw_only=True):
    id: str
    names: dict[str, str]


class StaffMessageInfo(msgspec.Struct, kw_only=True):
    id: str
    texts: dict[str, str]  # by kiosk language; "ja" always there


class HandoffStep(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One department's part of a session, as the next staff member sees it."""

    department_id: str
    staff_name: str = ""
    note: str = ""


class DepartmentStatus(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    names: dict[str, str]
    open_now: bool
    opens_at: float | None = None  # the next opening when closed
    closes_at: float | None = None  # the end of the current opening when open
    # Someone who serves the department is on duty (signed in and not away), so a request is
    # answered: the `staff_on_duty > 0` of `queued`. Absent (true) from a hub that does not say.
    staffed: bool = True


class CategoryInfo(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    department_id: str
    names: dict[str, str]
    descriptions: dict[str, str] = {}
    icon: str = ""


class OutcomeInfo(msgspec.Struct, kw_only=True):
    code: str
    names: dict[str, str]


class QueueEntry(msgspec.Struct, kw_only=True, omit_defaults=True):
    session_id: str
    department_id: str
    position: int
    kiosk: KioskInfo
    category_id: str
    language: str
    requested_at: float
    queued_at: float
    kiosk_online: bool = True
    transferred_from: HandoffStep | None = None
    # Queued at another ward's desk (`department_id`), whose wait is up: yours may take it.
    overflowed: bool = False


class TrackStats(msgspec.Struct, kw_only=True, omit_defaults=True):
    kind: str  # "audio" | "video" | "content"
    direction: str  # "inbound" | "outbound"
    bitrate_kbps: float | None = None
    packet_loss_percent: float | None = None
    jitter_ms: float | None = None
    fps: float | None = None
    width: int | None = None
    height: int | None = None


# Client -> hub.


class Hello(_Message, tag="hello"):
    """The first message on every connection: a kiosk token, a staff session token, or a login."""

    protocol_version: int
    token: str | None = None
    username: str | None = None
    password: str | None = None
    resume_token: str | None = None
    app: str = ""
    app_version: str = ""

    def __repr__(self) -> str:  # never log secrets
        return (
            f"Hello(protocol_version={self.protocol_version}, username={self.username!r}, "
            f"resume={self.resume_token is not None}, app={self.app!r})"
        )


class RequestConsultation(_Message, tag="request_consultation"):
    category_id: str
    language: Annotated[str, msgspec.Meta(min_length=2, max_length=16)]


class CancelRequest(_Message, tag="cancel_request"):
    session_id: str


class SetPresence(_Message, tag="set_presence"):
    presence: Presence


class Accept(_Message, tag="accept"):
    session_id: str


class AcceptNext(_Message, tag="accept_next"):
    pass


class Transfer(_Message, tag="transfer"):
    session_id: str
    department_id: str
    note: Annotated[str, msgspec.Meta(max_length=MAX_NOTE_CHARS)] = ""


class HangUp(_Message, tag="hang_up"):
    session_id: str
    # Staff may mark a session they end without serving it (nobody at the kiosk).
    reason: EndReason = EndReason.COMPLETED


class WrapUp(_Message, tag="wrap_up"):
    session_id: str
    outcome_code: str
    note: Annotated[str, msgspec.Meta(max_length=MAX_NOTE_CHARS)] = ""


class SubmitSurvey(_Message, tag="submit_survey"):
    session_id: str
    score: Annotated[int, msgspec.Meta(ge=1, le=5)]


class ReportStatus(_Message, tag="report_status"):
    """A kiosk's screen and device health, for the admin page."""

    activity: KioskActivity
    camera: DeviceHealth = DeviceHealth.OK
    microphone: DeviceHealth = DeviceHealth.OK
    speaker: DeviceHealth = DeviceHealth.OK


class ReportStats(_Message, tag="report_stats"):
    session_id: str
    rtt_ms: float | None = None
    tracks: list[TrackStats] = []
    # The microphone's clock against the speaker's, where an echo canceller measures it (a
    # kiosk): ppm, for the operator; beyond a few hundred the devices are suspect.
    audio_drift_ppm: float | None = None


# Either direction: relayed unchanged between the two ends of one session.


class SdpOffer(_Message, tag="sdp_offer"):
    session_id: str
    sdp: Annotated[str, msgspec.Meta(max_length=MAX_SDP_CHARS)]


class SdpAnswer(_Message, tag="sdp_answer"):
    session_id: str
    sdp: Annotated[str, msgspec.Meta(max_length=MAX_SDP_CHARS)]


class IceCandidate(_Message, tag="ice_candidate"):
    session_id: str
    candidate: str
    sdp_mid: str | None = None
    sdp_mline_index: int | None = None


class EndOfCandidates(_Message, tag="end_of_candidates"):
    session_id: str


# Hub -> client.


class Welcome(_Message, tag="welcome"):
    protocol_version: int
    role: Role
    principal_id: str
    display_name: str
    resume_token: str
    resumed: bool = False
    ice_servers: list[IceServer] = []
    departments: list[str] = []  # a staff member's own departments
    presence: Presence | None = None
    # Set when the hello was a username/password login: reconnect with this token.
    session_token: str | None = None
    session_expires_at: float | None = None
    site_id: str | None = None  # a kiosk's site, named in the Directory's `sites`

    def __repr__(self) -> str:  # never log secrets
        return f"Welcome(role={self.role}, principal_id={self.principal_id!r})"


class Directory(_Message, tag="directory"):
    departments: list[DepartmentStatus]
    categories: list[CategoryInfo]
    outcome_codes: list[OutcomeInfo] = []
    wards: list[WardInfo] = []  # to name a caller's ward (`KioskInfo.ward_id`)
    # A kiosk's ward's sites (every site for staff), so a kiosk names its own in each language.
    sites: list[SiteInfo] = []
    staff_messages: list[StaffMessageInfo] = []  # what staff send at a touch
    readings: dict[str, str] = {}  # the city's own readings of words, for ruby (word -> kana)


class Queued(_Message, tag="queued"):
    """A waiting kiosk's place, sent whenever position or ETA changes."""

    session_id: str
    department_id: str
    position: int
    eta_seconds: int | None  # None: nobody on duty, so no honest estimate
    staff_on_duty: int


class DepartmentClosed(_Message, tag="department_closed"):
    category_id: str
    department_id: str
    opens_at: float | None


class QueueSnapshot(_Message, tag="queue_snapshot"):
    """The whole live queue of a staff member's departments, resent on every change."""

    entries: list[QueueEntry]


class SessionStarted(_Message, tag="session_started"):
    session_id: str
    kiosk: KioskInfo
    staff: StaffInfo
    category_id: str
    language: str
    ice_servers: list[IceServer] = []
    handoffs: list[HandoffStep] = []  # earlier departments, oldest first, with their notes
    # The staff end makes the initial offer; either end may renegotiate later.
    you_offer: bool = False
    resumed: bool = False
    # Answered by another ward's desk: the department the citizen was queued in (their own).
    overflowed_from: str | None = None


class SessionTransferred(_Message, tag="session_transferred"):
    """To the kiosk: you are going to this department. To the staff: your part is over."""

    session_id: str
    department_id: str
    department_names: dict[str, str]


class SessionEnded(_Message, tag="session_ended"):
    session_id: str
    reason: EndReason


class PeerLinkChanged(_Message, tag="peer_link_changed"):
    """The other end's signaling link dropped or came back; media may still flow."""

    session_id: str
    online: bool


class PresenceChanged(_Message, tag="presence_changed"):
    presence: Presence


class WrapUpSaved(_Message, tag="wrap_up_saved"):
    session_id: str


class SurveySaved(_Message, tag="survey_saved"):
    session_id: str


class Error(_Message, tag="error"):
    code: ErrorCode
    message: str
    ref_type: str | None = None  # the type of the message that caused it
    session_id: str | None = None


Relay = SdpOffer | SdpAnswer | IceCandidate | EndOfCandidates

ClientMessage = (
    Hello
    | RequestConsultation
    | CancelRequest
    | SetPresence
    | Accept
    | AcceptNext
    | Transfer
    | HangUp
    | WrapUp
    | SubmitSurvey
    | ReportStatus
    | ReportStats
    | Relay
)

ServerMessage = (
    Welcome
    | Directory
    | Queued
    | DepartmentClosed
    | QueueSnapshot
    | SessionStarted
    | SessionTransferred
    | SessionEnded
    | PeerLinkChanged
    | PresenceChanged
    | WrapUpSaved
    | SurveySaved
    | Error
    | Relay
)

AnyMessage = ClientMessage | ServerMessage

_T = TypeVar("_T")
_encoder = msgspec.json.Encoder()
_client_decoder: msgspec.json.Decoder[ClientMessage] = msgspec.json.Decoder(ClientMessage)
_server_decoder: msgspec.json.Decoder[ServerMessage] = msgspec.json.Decoder(ServerMessage)


class _Envelope(msgspec.Struct):
    type: str


def _tags(union: Any) -> frozenset[str]:
    return frozenset(t.__struct_config__.tag for t in union.__args__)


_CLIENT_TAGS = _tags(ClientMessage)
_SERVER_TAGS = _tags(ServerMessage)


def encode(message: AnyMessage) -> bytes:
    return _encoder.encode(message)


def decode_client(data: str | bytes) -> ClientMessage:
    """Decode a frame sent to the hub."""
    return _decode(_client_decoder, _CLIENT_TAGS, data)


def decode_server(data: str | bytes) -> ServerMessage:
    """Decode a frame sent by the hub."""
    return _decode(_server_decoder, _SERVER_TAGS, data)


def _decode(decoder: msgspec.json.Decoder[_T], tags: frozenset[str], data: str | bytes) -> _T:
    """Raises RemoteProtocolError and nothing else, whatever the peer sent."""
    # surrogatepass: a lone surrogate becomes invalid UTF-8, which msgspec refuses as a DecodeError.
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > MAX_FRAME_BYTES:
        raise RemoteProtocolError(
            ErrorCode.FRAME_TOO_LARGE, f"frames are at most {MAX_FRAME_BYTES} bytes"
        )
    if too_deep(raw):
        raise RemoteProtocolError(
            ErrorCode.BAD_MESSAGE,
            f"nested deeper than {MAX_DEPTH} levels, or brackets that do not balance",
        )
    try:
        return decoder.decode(raw)
    except msgspec.DecodeError as exc:
        # Only on the error path: tell an unknown type apart from a malformed message.
        try:
            kind = msgspec.json.decode(raw, type=_Envelope).type
        except Exception:  # malformed either way; the first error is the answer
            kind = None
        if kind is not None and kind not in tags:
            raise RemoteProtocolError(
                ErrorCode.UNKNOWN_TYPE, f"unknown message type {kind!r}"
            ) from None
        raise RemoteProtocolError(ErrorCode.BAD_MESSAGE, str(exc)) from None
    except Exception as exc:  # a peer's frame must never crash its reader
        # Not expected after the depth check (RecursionError was the one seen): still typed.
        raise RemoteProtocolError(
            ErrorCode.BAD_MESSAGE, f"undecodable frame ({type(exc).__name__})"
        ) from None


_KEEP_BRACKETS_AND_QUOTES = bytes(b for b in range(256) if b not in b'[]{}"')
_BRACES_AS_BRACKETS = bytes.maketrans(b"{}", b"[]")
_TOO_DEEP_RUN = b"[" * (MAX_DEPTH + 1)


def too_deep(frame: bytes) -> bool:
    """Whether arrays and objects nest deeper than MAX_DEPTH, or their brackets do not balance.

    Brackets inside strings do not count. Only bytes methods, no Python loop per byte (a 50 KB
    queue snapshot takes about 0.2 ms), and only when a frame has over MAX_DEPTH opening brackets.
    """
    if frame.count(b"[") + frame.count(b"{") <= MAX_DEPTH:
        return False
    # Escapes pair off left to right: drop escaped backslashes, then escaped quotes, so every
    # quote left opens or closes a string.
    unescaped = frame.replace(b"\\\\", b"").replace(b'\\"', b"")
    outline = unescaped.translate(_BRACES_AS_BRACKETS, _KEEP_BRACKETS_AND_QUOTES)
    brackets = b"".join(outline.split(b'"')[::2])  # the pieces between strings
    # Each pass removes every innermost pair, so the nesting loses at least one level per pass.
    for _ in range(MAX_DEPTH):
        if not brackets or _TOO_DEEP_RUN in brackets:
            break
        brackets = brackets.replace(b"[]", b"")
    return bool(brackets)


def type_of(message: AnyMessage) -> str:
    """The ``type`` tag of a message, for errors and logs."""
    tag = type(message).__struct_config__.tag
    assert isinstance(tag, str)
    return tag
