"""The console's client-side state machine: plain Python, fed hub messages and engine events.

The rules, after h11's `_state.py`:

- The stage decides the screen (view.Stage). Moves between stages are the table `TRANSITIONS`;
  an input with no entry for the current stage changes nothing and is logged.
- LOGIN --submit--> CONNECTING --welcome--> READY. A fatal refusal (a wrong password, an expired
  session, a disabled account, another console taking over) goes back to LOGIN from anywhere,
  with the reason; the window and its layout stay.
- READY --session_started--> CALL --session_ended / session_transferred--> WRAP_UP
  --wrap_up_saved (none left)--> READY. The hub decides all of these (docs/protocol.md); the
  console only asks. A welcome that does not resume our call means the hub ended it.
- A hub link that drops is not a stage: the call goes on peer to peer, the view says
  "reconnecting to the server", and the engine's link resumes with its resume token.
- Inputs carry `now` (epoch seconds): wait and talk times are computed from it, so tests need
  no clock.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final, assert_never

from language.plain_japanese import check_plain
from signaling import protocol as p
from staff_console.core import transfer_targets
from staff_console.core.consultation import Consultation, quality_of
from staff_console.core.engine_port import (
    CallPhase,
    CallPhaseChanged,
    CallQuality,
    CameraHealth,
    CitizenSpeaking,
    CitizenViewChanged,
    CommandFailed,
    ConsoleEvent,
    EnginePort,
    HubConnected,
    HubDisconnected,
    HubRefused,
    InkChanged,
    InkCleared,
    MarkTool,
    PadChanged,
    PageDelivered,
    PaperArrived,
    PasswordRefused,
    PhraseHeard,
    RemoteContentChanged,
    ScreenArea,
    SharingEnded,
    TextHeard,
    ViewerChanged,
)
from staff_console.core.forms import FormsLibrary
from staff_console.core.legibility import WHOLE_PAGE, PageFacts
from staff_console.core.transfer_targets import TransferHistory, TransferTarget
from staff_console.core.viewmodels import (
    Choice,
    ConsoleVM,
    DaySummary,
    FinishedItem,
    Handoff,
    Level,
    LoginVM,
    MessageChoice,
    Notice,
    PaperStill,
    QueueItem,
    SentText,
    Stage,
    WrapUpVM,
)

logger = logging.getLogger(__name__)

JAPANESE: Final = "ja"
EASY_JAPANESE: Final = "ja-easy"


class Step(StrEnum):
    SUBMIT = "submit"  # the staff member sent the login form
    WELCOMED = "welcomed"
    REFUSED = "refused"  # a fatal error from the hub: back to the login
    LOGOUT = "logout"
    STARTED = "started"  # session_started
    LEG_ENDED = "leg_ended"  # session_ended or session_transferred for our call
    WRAPPED = "wrapped"  # wrap_up_saved with no wrap-up left


TRANSITIONS: Final[dict[tuple[Stage, Step], Stage]] = {
    (Stage.LOGIN, Step.SUBMIT): Stage.CONNECTING,
    (Stage.CONNECTING, Step.WELCOMED): Stage.READY,
    (Stage.READY, Step.WELCOMED): Stage.READY,
    (Stage.CALL, Step.WELCOMED): Stage.CALL,
    (Stage.WRAP_UP, Step.WELCOMED): Stage.WRAP_UP,
    (Stage.READY, Step.STARTED): Stage.CALL,
    (Stage.WRAP_UP, Step.STARTED): Stage.CALL,
    (Stage.CALL, Step.STARTED): Stage.CALL,  # resumed after a hub restart
    (Stage.CALL, Step.LEG_ENDED): Stage.WRAP_UP,
    (Stage.WRAP_UP, Step.LEG_ENDED): Stage.WRAP_UP,
    (Stage.WRAP_UP, Step.WRAPPED): Stage.READY,
    **{(stage, Step.REFUSED): Stage.LOGIN for stage in Stage},
    **{(stage, Step.LOGOUT): Stage.LOGIN for stage in Stage},
}

# Why a login was refused, as catalog keys.
REFUSALS: Final[Mapping[p.ErrorCode, str]] = {
    p.ErrorCode.UNAUTHORIZED: "login.error.unauthorized",
    p.ErrorCode.SESSION_EXPIRED: "login.error.expired",
    p.ErrorCode.ACCOUNT_DISABLED: "login.error.disabled",
    p.ErrorCode.REPLACED: "login.error.replaced",
    p.ErrorCode.UNSUPPORTED_VERSION: "login.error.version",
    p.ErrorCode.PASSWORD_CHANGE_REQUIRED: "login.error.password_change",
}
# Why the hub kept a temporary password (call.account's reasons), as catalog keys.
PASSWORD_REFUSALS: Final[Mapping[str, str]] = {
    "unauthorized": "login.error.unauthorized",
    "weak_password": "password.error.weak",
    "login_throttled": "login.error.throttled",
    "account_disabled": "login.error.disabled",
    "unreachable": "password.error.unreachable",
}
# Hub refusals the staff member must see, as catalog keys; the rest are logged.
REFUSED_COMMANDS: Final[Mapping[p.ErrorCode, str]] = {
    p.ErrorCode.ALREADY_TAKEN: "queue.already_taken",
    p.ErrorCode.QUEUE_EMPTY: "queue.empty",
    p.ErrorCode.DEPARTMENT_CLOSED: "transfer.closed",
    p.ErrorCode.UNKNOWN_DEPARTMENT: "transfer.unknown",
    p.ErrorCode.UNKNOWN_OUTCOME: "wrap_up.unknown_outcome",
    p.ErrorCode.UNKNOWN_SESSION: "error.unknown_session",
    p.ErrorCode.INVALID_STATE: "error.invalid_state",
    p.ErrorCode.FORBIDDEN: "error.forbidden",
    p.ErrorCode.LOGIN_THROTTLED: "login.error.throttled",
}


@dataclass(slots=True)
class _Finished:
    """A leg of ours that ended: waiting for its wrap-up, then a line in today's list."""

    session_id: str
    kiosk_name: str
    category: str
    reason: str
    transferred_to: str
    ended_at: float
    talk_seconds: int
    outcome: str = ""
    saving: bool = False


@dataclass(frozen=True, slots=True)
class ControllerSettings:
    language: str = "ja"  # the console's language: "ja" or "en"
    templates: tuple[str, ...] = ()
    server: str = ""
    username: str = ""


class ConsoleController:
    """Owns the engine port and the client-side state; screens only render what it says."""

    def __init__(
        self,
        engine: EnginePort,
        settings: ControllerSettings,
        forms: FormsLibrary,
        *,
        on_view: Callable[[ConsoleVM], None] | None = None,
        on_alert: Callable[[int], None] | None = None,
        measure_page: Callable[[str, int], PageFacts | None] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.forms = forms
        self.on_view = on_view
        self.on_alert = on_alert
        self.measure_page = measure_page  # (path, page) -> size and smallest text, for legibility
        self.stage = Stage.LOGIN
        self._now = 0.0
        self._server = settings.server
        self._username = settings.username
        self._login_error: Notice | None = None
        self._new_password = False  # the hub asked for the staff member's own password
        self._display_name = ""
        self._presence: p.Presence | None = None
        self._hub_online = False
        self._departments: dict[str, p.DepartmentStatus] = {}
        self._wards: dict[str, dict[str, str]] = {}
        self._categories: dict[str, p.CategoryInfo] = {}
        self._staff_messages: list[p.StaffMessageInfo] = []
        self._outcomes: list[p.OutcomeInfo] = []
        self._queue: list[p.QueueEntry] = []
        self._seen: set[str] = set()  # queue entries already announced
        self._unlooked: set[str] = set()  # new since the staff member last acted on the queue
        self._call: Consultation | None = None
        self._wrap_ups: list[_Finished] = []
        self._today: list[_Finished] = []
        self._camera_problem = ""
        self._notice: Notice | None = None
        # Where this console has sent citizens from each department: the picker's likely first.
        self.transfer_history: TransferHistory = Counter()

    # --- Inputs: the engine ---------------------------------------------------------------------

    def handle(self, event: ConsoleEvent | p.ServerMessage, now: float) -> None:
        """One event from the engine or message from the hub, in arrival order."""
        self._now = now
        match event:
            case HubConnected() | HubDisconnected() | HubRefused():
                self._on_link(event)
            case PasswordRefused(reason=reason, message=message):
                key = PASSWORD_REFUSALS.get(reason, "login.error.other")
                self._login_error = Notice(key, Level.ERROR, {"message": message})
                self._move(Step.REFUSED)
            case (
                CallPhaseChanged() | CallQuality() | PhraseHeard() | TextHeard()
                | RemoteContentChanged() | SharingEnded() | PageDelivered() | CitizenSpeaking()
                | InkChanged() | InkCleared() | PadChanged()
                | ViewerChanged() | CitizenViewChanged() | PaperArrived()
            ):  # fmt: skip
                self._on_call_event(event)
            case CameraHealth(health=health, message=message):
                self._camera_problem = "" if health is p.DeviceHealth.OK else message or health
                if self._camera_problem:
                    self._notify("camera.missing", Level.WARNING)
            case CommandFailed(command=command, message=message):
                if self._call is not None and command == "set_muted":
                    self._call.muted = False
                elif self._call is not None and command == "set_camera_enabled":
                    self._call.camera_on = True
                self._notify("error.command", Level.ERROR, command=command, message=message)
            case _:
                self._on_hub(event)
        self._publish()

    def tick(self, now: float) -> None:
        """The clock moved: wait and talk times tick."""
        self._now = now
        self._publish()

    def _on_link(self, event: HubConnected | HubDisconnected | HubRefused) -> None:
        match event:
            case HubConnected(welcome=welcome):
                self._hub_online = True
                self._display_name = welcome.display_name
                self._presence = welcome.presence
                self._login_error = None
                self._new_password = False
                if self._notice is not None and self._notice.key == "hub.offline":
                    self._notice = None
                if not welcome.resumed and self._call is not None:
                    # The hub did not keep our call through its restart: it ended it.
                    self._leg_ended(self._call, p.EndReason.NETWORK_LOST.value, "")
                self._move(Step.WELCOMED)
            case HubDisconnected():
                self._hub_online = False
                if self.stage is Stage.CONNECTING:
                    self._login_error = Notice("login.error.unreachable", Level.WARNING)
            case HubRefused(code=code, message=message):
                self._hub_online = False
                self._new_password = code is p.ErrorCode.PASSWORD_CHANGE_REQUIRED
                key = REFUSALS.get(code, "login.error.other")
                level = Level.WARNING if self._new_password else Level.ERROR  # a step, not a fault
                self._login_error = Notice(key, level, {"message": message})
                self.engine.logout()
                self._queue.clear()
                self._seen.clear()
                self._move(Step.REFUSED)

    def _on_hub(self, message: p.ServerMessage) -> None:
        match message:
            case p.Welcome():
                pass  # the engine reports it as HubConnected
            case p.Directory():
                self._departments = {d.id: d for d in message.departments}
                self._wards = {w.id: w.names for w in message.wards}
                self._categories = {c.id: c for c in message.categories}
                self._outcomes = list(message.outcome_codes)
                self._staff_messages = list(message.staff_messages)
                if self._call is not None:  # an admin edited them: offer the new ones now
                    self._call.messages = self._message_choices(self._call.started.language)
            case p.QueueSnapshot(entries=entries):
                self._on_queue(entries)
            case p.SessionStarted():
                self._on_started(message)
            case p.SessionEnded(session_id=session_id, reason=reason):
                if self._call is not None and self._call.session_id == session_id:
                    self._leg_ended(self._call, reason.value, "")
            case p.SessionTransferred(session_id=session_id, department_names=names):
                if self._call is not None and self._call.session_id == session_id:
                    self._leg_ended(self._call, "transferred", self._pick(names))
            case p.PeerLinkChanged(session_id=session_id, online=online):
                if self._call is not None and self._call.session_id == session_id:
                    self._call.peer_online = online
            case p.PresenceChanged(presence=presence):
                self._presence = presence
            case p.WrapUpSaved(session_id=session_id):
                self._on_wrapped(session_id)
            case p.Error():
                self._on_error(message)
            case (
                p.Queued() | p.DepartmentClosed() | p.SurveySaved() | p.SdpOffer() | p.SdpAnswer()
                | p.IceCandidate() | p.EndOfCandidates()
            ):  # fmt: skip
                logger.debug("< %s is not for a console; ignored", p.type_of(message))
            case _:
                assert_never(message)

    def _on_queue(self, entries: Sequence[p.QueueEntry]) -> None:
        self._queue = list(entries)
        ids = {entry.session_id for entry in entries}
        arrived = ids - self._seen
        self._seen = ids
        self._unlooked &= ids
        if arrived:
            self._unlooked |= arrived
            if self.stage is not Stage.CALL and self.on_alert is not None:
                self.on_alert(len(arrived))

    def _on_started(self, started: p.SessionStarted) -> None:
        call = self._call
        if call is not None and call.session_id == started.session_id:
            call.started = started  # resumed: same call, fresh ICE servers
            call.peer_online = True
            self._move(Step.STARTED)
            return
        handoffs = tuple(
            Handoff(self._department_name(h.department_id), h.staff_name, h.note)
            for h in started.handoffs
        )
        self._call = Consultation(
            started=started,
            category=self._category_name(started.category_id),
            handoffs=handoffs,
            started_at=self._now,
            where=self._where(started.kiosk),
            overflowed_from=(
                self._department_name(started.overflowed_from) if started.overflowed_from else ""
            ),
            camera_on=True,
            messages=self._message_choices(started.language),
        )
        self._unlooked.clear()
        if self._notice is not None and self._notice.level is not Level.WARNING:
            self._notice = None
        self._move(Step.STARTED)

    def _leg_ended(self, call: Consultation, reason: str, transferred_to: str) -> None:
        self._call = None
        finished = _Finished(
            session_id=call.session_id,
            kiosk_name=call.started.kiosk.name,
            category=call.category,
            reason=reason,
            transferred_to=transferred_to,
            ended_at=self._now,
            talk_seconds=max(0, int(self._now - call.started_at)),
        )
        self._wrap_ups.append(finished)
        self._today.insert(0, finished)
        if reason == p.EndReason.NETWORK_LOST:
            self._notify("call.network_lost", Level.WARNING)
        self._move(Step.LEG_ENDED)

    def _on_wrapped(self, session_id: str) -> None:
        for finished in self._wrap_ups:
            if finished.session_id == session_id:
                finished.saving = False
                self._wrap_ups.remove(finished)
                break
        if not self._wrap_ups:
            self._move(Step.WRAPPED)

    def _on_error(self, error: p.Error) -> None:
        if error.code in (p.ErrorCode.PEER_UNAVAILABLE, p.ErrorCode.RATE_LIMITED):
            logger.info("< error %s for %s (the engine retries)", error.code, error.ref_type)
            return
        for finished in self._wrap_ups:
            finished.saving = False
        key = REFUSED_COMMANDS.get(error.code, "error.other")
        logger.warning("< error %s for %s: %s", error.code, error.ref_type, error.message)
        self._notify(key, Level.ERROR, code=error.code.value, message=error.message)

    def _on_call_event(
        self,
        event: CallPhaseChanged | CallQuality | PhraseHeard | TextHeard | RemoteContentChanged
        | SharingEnded | PageDelivered | CitizenSpeaking | ViewerChanged | CitizenViewChanged
        | InkChanged | InkCleared | PadChanged | PaperArrived,
    ) -> None:  # fmt: skip
        call = self._call
        if call is None or getattr(event, "session_id", call.session_id) != call.session_id:
            logger.debug("= %s for no current call; ignored", type(event).__name__)
            return
        match event:
            case CallPhaseChanged(phase=phase):
                call.phase = phase
                if phase is CallPhase.LOST:
                    self._notify("call.lost", Level.ERROR)
            case CallQuality(rtt_ms=rtt_ms, tracks=tracks):
                call.quality = quality_of(rtt_ms, tracks)
            case PhraseHeard(phrase=phrase):
                call.phrase = phrase
                call.phrase_at = self._now
            case CitizenSpeaking(speaking=speaking):
                call.citizen_speaking = speaking
            case TextHeard():
                logger.info("= a text from the kiosk; the console does not show kiosk text")
            case RemoteContentChanged(kind=kind):
                call.remote_content = kind
            case InkChanged(stroke_id=stroke_id, points=points):
                call.pad.draw(stroke_id, points, staff=False)
            case InkCleared():
                call.pad.clear()
            case PadChanged(open=is_open):
                call.pad.open = is_open
            case SharingEnded(reason=reason, window_closed=window_closed):
                call.sharing_screen = False
                if window_closed:  # what staff did themselves, not a fault
                    self._notify("share.window_closed", Level.INFO)
                else:
                    self._notify("share.ended", Level.WARNING, reason=reason)
            case PageDelivered(doc_id=doc_id, page=page, shown=shown, reason=reason):
                call.page_delivered(doc_id, page, shown)
                if not shown:
                    self._notify("document.not_shown", Level.WARNING, reason=reason)
            case ViewerChanged():
                call.viewer = event
            case CitizenViewChanged():
                call.citizen_view = event
            case PaperArrived(paper_id=paper_id, image=image):
                call.papers.append(PaperStill(paper_id, image))
                self._notify("paper.arrived", Level.INFO)
            case _:
                assert_never(event)

    # --- Intents: the screens -------------------------------------------------------------------

    def submit_login(self, server: str, username: str, password: str) -> None:
        if self.stage is not Stage.LOGIN:
            return
        self._server, self._username = server.strip(), username.strip()
        if not self._server or not self._username or not password:
            self._login_error = Notice("login.error.missing", Level.ERROR)
            self._publish()
            return
        self._login_error = None
        self._move(Step.SUBMIT)
        self.engine.login(self._server, self._username, password)
        self._publish()

    def submit_new_password(
        self, server: str, username: str, password: str, new_password: str, again: str
    ) -> None:
        """The temporary `password` replaced by `new_password` (typed twice), then a login."""
        if self.stage is not Stage.LOGIN or not self._new_password:
            return
        self._server, self._username = server.strip(), username.strip()
        if not self._server or not self._username or not password or not new_password:
            self._login_error = Notice("login.error.missing", Level.ERROR)
        elif new_password != again:
            self._login_error = Notice("password.error.mismatch", Level.ERROR)
        elif new_password == password:
            self._login_error = Notice("password.error.same", Level.ERROR)
        else:
            self._login_error = None
            self._move(Step.SUBMIT)
            self.engine.change_password(self._server, self._username, password, new_password)
        self._publish()

    def cancel_login(self) -> None:
        """Stop trying to reach a server that does not answer."""
        if self.stage is Stage.CONNECTING:
            self.logout()

    def logout(self) -> None:
        self.engine.logout()
        self._hub_online = False
        self._queue.clear()
        self._seen.clear()
        self._move(Step.LOGOUT)
        self._publish()

    def choose_presence(self, presence: p.Presence) -> None:
        self.engine.set_presence(presence)

    def accept(self, session_id: str) -> None:
        self._looked()
        if self.stage in (Stage.READY, Stage.WRAP_UP):
            self.engine.accept(session_id)

    def accept_next(self) -> None:
        self._looked()
        if self.stage in (Stage.READY, Stage.WRAP_UP):
            self.engine.accept_next()

    def dismiss_notice(self) -> None:
        self._notice = None
        self._looked()

    def _looked(self) -> None:
        self._unlooked.clear()
        self._publish()

    def toggle_mute(self) -> None:
        if (call := self._call) is not None:
            call.muted = not call.muted
            self.engine.set_muted(call.muted)
            self._publish()

    def toggle_camera(self) -> None:
        if (call := self._call) is not None:
            call.camera_on = not call.camera_on
            self.engine.set_camera_enabled(call.camera_on)
            self._publish()

    def open_document(self, path: Path, page_count: int) -> None:
        if (call := self._call) is not None:
            self.forms.used(str(path))
            call.open_document(self.engine, path, page_count)
            self._publish()

    def document_failed(self, path: Path, reason: str) -> None:
        self._notify("document.cannot_open", Level.ERROR, name=path.name, reason=reason)
        self._publish()

    def go_to_page(self, page: int) -> None:
        if (call := self._call) is not None:
            call.go_to_page(self.engine, page)
            self._publish()

    def take_paper(self) -> None:
        """「撮影」: the kiosk sends a sharp still of the paper under its document camera."""
        if (call := self._call) is not None and call.remote_content == "document_camera":
            self.engine.ask_for_paper()

    def show_paper(self, paper_id: str) -> None:
        """Show the citizen a still of their paper, to mark and point at."""
        if (call := self._call) is not None:
            call.show_paper(self.engine, paper_id)
            self._publish()

    def close_document(self) -> None:
        if (call := self._call) is not None:
            call.close_document(self.engine)
            self._publish()

    def choose_tool(self, tool: MarkTool) -> None:
        if (call := self._call) is not None:
            call.tool = tool
            self._publish()

    def point(self, x: float, y: float, visible: bool = True) -> None:
        if (call := self._call) is not None:
            call.point(self.engine, x, y, visible)
            self._publish()

    def highlight(self, x: float, y: float, width: float, height: float) -> None:
        if (call := self._call) is not None:
            call.highlight(self.engine, x, y, width, height)
            self._publish()

    def draw(self, points: Sequence[tuple[float, float]], done: bool) -> None:
        if (call := self._call) is not None:
            call.draw(self.engine, points, done)
            self._publish()

    def focus(self, x: float, y: float, width: float, height: float) -> None:
        """Look here: the kiosk zooms to this box of the page (fractions)."""
        if (call := self._call) is not None:
            call.focus(self.engine, (x, y, width, height))

    def focus_whole_page(self) -> None:
        if (call := self._call) is not None:
            call.focus(self.engine, WHOLE_PAGE)

    def focus_legible(self) -> None:
        """Zoom the citizen so that the page's smallest text reaches 4.8 mm on the kiosk."""
        if (call := self._call) is None:
            return
        screen = call.citizen_screen(self._page_facts())
        if screen is not None and screen.legible_box is not None:
            call.focus(self.engine, screen.legible_box)

    def _page_facts(self) -> PageFacts | None:
        document = None if self._call is None else self._call.document
        if document is None or self.measure_page is None:
            return None
        return self.measure_page(document.path, document.page)

    def clear_marks(self) -> None:
        if (call := self._call) is not None:
            call.clear_marks(self.engine)
            self._publish()

    def send_text(self, text: str) -> None:
        """Free text, sent as typed: in Japanese, which the kiosk marks as such for a citizen
        of another language."""
        text = text.strip()
        if (call := self._call) is not None and text:
            call.texts_sent.append(SentText(text, JAPANESE))
            call.advice = ()
            self.engine.send_text(text, JAPANESE)
            self._publish()

    def send_message(self, message_id: str) -> None:
        """A staff message, in the citizen's language when the city has it in theirs."""
        if (call := self._call) is None:
            return
        choice = next((m for m in call.messages if m.id == message_id), None)
        if choice is None:
            return
        if choice.for_citizen:
            sent = SentText(choice.meaning, call.started.language)
            self.engine.send_text(choice.for_citizen, call.started.language)
        else:
            sent = SentText(choice.meaning, JAPANESE)
            self.engine.send_text(choice.meaning, JAPANESE)
        call.texts_sent.append(sent)
        self._publish()

    def draft_changed(self, text: str) -> None:
        """Staff are typing: for a やさしい日本語 reader, say what will be hard to read."""
        if (call := self._call) is None:
            return
        advice = tuple(check_plain(text)) if call.started.language == EASY_JAPANESE else ()
        if advice != call.advice:
            call.advice = advice
            self._publish()

    def _message_choices(self, language: str) -> tuple[MessageChoice, ...]:
        """The city's staff messages (or the console's own Japanese ones, when it has none)
        with the text this citizen will read."""
        if not self._staff_messages:
            return tuple(
                MessageChoice(f"template-{n}", text, text if language == JAPANESE else "")
                for n, text in enumerate(self.settings.templates, start=1)
            )
        return tuple(
            # A やさしい日本語 reader gets the plain one only, never the keigo "ja" one.
            MessageChoice(m.id, m.texts["ja"], m.texts.get(language, ""))
            for m in self._staff_messages
            if m.texts.get("ja")
        )

    # The writing pad (筆談): the citizen's strokes arrive live; staff write back with the mouse.

    def open_pad(self) -> None:
        """Ask the kiosk to open its writing pad."""
        if (call := self._call) is not None and not call.pad.open:
            call.pad.open = True
            self.engine.set_pad_open(True)
            self._publish()

    def draw_stroke(self, stroke_id: str, points: Sequence[tuple[float, float]]) -> None:
        """A stroke as it grows; writing on a pad the kiosk has closed opens it there first."""
        if (call := self._call) is None or not points:
            return
        if not call.pad.open:
            call.pad.open = True
            self.engine.set_pad_open(True)
        call.pad.draw(stroke_id, points, staff=True)
        self.engine.send_ink(stroke_id, points)
        self._publish()

    def clear_pad(self) -> None:
        if (call := self._call) is not None:
            call.pad.clear()
            self.engine.clear_ink()
            self._publish()

    def share_screen(self, area: ScreenArea) -> None:
        if (call := self._call) is not None:
            call.sharing_screen = True
            self.engine.share_screen(area)
            self._publish()

    def stop_sharing(self) -> None:
        if (call := self._call) is not None and call.sharing_screen:
            call.sharing_screen = False
            self.engine.stop_sharing()
            self._publish()

    def transfer(self, department_id: str, note: str) -> None:
        if self._call is not None:
            self.transfer_history[(self._call.department_id, department_id)] += 1
            self.engine.transfer(department_id, note.strip())

    def end_call(self) -> None:
        if self._call is not None:
            self.engine.hang_up()

    def wrap_up(self, outcome_code: str, note: str) -> None:
        if not self._wrap_ups:
            return
        finished = self._wrap_ups[0]
        finished.saving = True
        finished.outcome = self._outcome_name(outcome_code)
        self.engine.wrap_up(finished.session_id, outcome_code, note.strip())
        self._publish()

    # --- Outputs --------------------------------------------------------------------------------

    def _move(self, step: Step) -> None:
        new = TRANSITIONS.get((self.stage, step))
        if new is None:
            logger.info("= %s in stage %s changes nothing", step, self.stage)
            return
        if new is not self.stage:
            logger.info("= %s -> %s (%s)", self.stage, new, step)
        self.stage = new

    def _notify(self, key: str, level: Level, **fields: object) -> None:
        self._notice = Notice(key, level, dict(fields))

    def _publish(self) -> None:
        if self.on_view is not None:
            self.on_view(self.view())

    def view(self) -> ConsoleVM:
        now = self._now
        wrap_up = None
        if self._wrap_ups:
            f = self._wrap_ups[0]
            wrap_up = WrapUpVM(
                session_id=f.session_id,
                kiosk_name=f.kiosk_name,
                category=f.category,
                reason=f.reason,
                transferred_to=f.transferred_to,
                outcomes=tuple(Choice(o.code, self._pick(o.names)) for o in self._outcomes),
                saving=f.saving,
                pending=len(self._wrap_ups),
            )
        return ConsoleVM(
            stage=self.stage,
            login=LoginVM(
                self._server,
                self._username,
                self.stage is Stage.CONNECTING,
                self._login_error,
                self._new_password,
            ),
            display_name=self._display_name,
            presence=self._presence,
            hub_online=self._hub_online,
            queue=tuple(self._queue_item(entry, now) for entry in self._queue),
            today=tuple(
                FinishedItem(
                    f.session_id,
                    f.kiosk_name,
                    f.category,
                    f.ended_at,
                    f.talk_seconds,
                    f.outcome if not f.saving and f not in self._wrap_ups else "",
                    f.transferred_to,
                )
                for f in self._today
            ),
            day=DaySummary(
                consultations=len(self._today),
                average_talk_seconds=(
                    round(sum(f.talk_seconds for f in self._today) / len(self._today))
                    if self._today
                    else None
                ),
                waiting=len(self._queue),
            ),
            transfer_targets=self._transfer_targets(),
            forms=self.forms.forms() if self._call is not None else (),
            call=None
            if self._call is None
            else self._call.view(now, self._camera_problem, self._page_facts()),
            wrap_up=wrap_up,
            notice=self._notice,
        )

    def _transfer_targets(self) -> tuple[TransferTarget, ...]:
        current = "" if self._call is None else self._call.department_id
        waiting = Counter(entry.department_id for entry in self._queue)
        names = {d.id: self._pick(d.names) for d in self._departments.values()}
        departments = list(self._departments.values())
        return transfer_targets.rank(departments, current, self.transfer_history, names, waiting)

    def _queue_item(self, entry: p.QueueEntry, now: float) -> QueueItem:
        handoff = entry.transferred_from
        return QueueItem(
            session_id=entry.session_id,
            kiosk_name=entry.kiosk.name,
            kiosk_location=self._where(entry.kiosk),
            overflowed=entry.overflowed,
            department=self._department_name(entry.department_id),
            category=self._category_name(entry.category_id),
            language=entry.language,
            wait_seconds=max(0, int(now - entry.queued_at)),
            kiosk_online=entry.kiosk_online,
            new=entry.session_id in self._unlooked,
            transferred_from=None
            if handoff is None
            else Handoff(
                self._department_name(handoff.department_id), handoff.staff_name, handoff.note
            ),
        )

    def _pick(self, names: Mapping[str, str]) -> str:
        for code in (self.settings.language, "ja", "en"):
            if names.get(code):
                return names[code]
        return next(iter(names.values()), "")

    def _where(self, kiosk: p.KioskInfo) -> str:
        """The kiosk's location, after its ward when the city has wards: staff see where a
        caller comes from, which matters most when another ward's citizen overflows to them."""
        ward = self._pick(self._wards[kiosk.ward_id]) if kiosk.ward_id in self._wards else ""
        return " · ".join(part for part in (ward, kiosk.location) if part)

    def _department_name(self, department_id: str) -> str:
        department = self._departments.get(department_id)
        return department_id if department is None else self._pick(department.names)

    def _category_name(self, category_id: str) -> str:
        category = self._categories.get(category_id)
        return category_id if category is None else self._pick(category.names)

    def _outcome_name(self, code: str) -> str:
        return next((self._pick(o.names) for o in self._outcomes if o.code == code), code)
