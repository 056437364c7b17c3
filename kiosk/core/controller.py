"""The kiosk controller: plain Python that owns the state machine and talks to the engine.

Inputs are the citizen's intents (methods called by the window when a screen emits a signal),
the engine's events (`handle`), touches (`touched`) and the passing of time (`tick`, called
about once a second). The time comes from the injected clocks, so tests run without sleeping.
After every input the controller calls `on_change`, and the window renders `view()`.

The states and their legal transitions are in `kiosk.core.state`; the privacy reset is `_reset`.
Logs carry states and triggers, never anything a citizen chose, said or was shown.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Concatenate, ParamSpec, TypeVar

from call.control_messages import QuickPhrase
from kiosk.core import engine_port as e
from kiosk.core.model import (
    VOLUME_STEPS,
    AdminEntry,
    Citizen,
    Closure,
    KioskModel,
    Pad,
    Stroke,
    Unavailable,
)
from kiosk.core.presenter import present
from kiosk.core.reactions import EngineReactions
from kiosk.core.state import (
    ACTIVITY,
    IDLE_TIMEOUT,
    STILL_THERE_CHECK,
    TRANSITIONS,
    KioskState,
    Overlay,
    Trigger,
)
from kiosk.core.viewmodels import KioskVM
from kiosk.i18n import Language
from kiosk.lockdown import PinGate
from kiosk.settings import KioskSettings

logger = logging.getLogger(__name__)

S = KioskState
P = ParamSpec("P")
R = TypeVar("R")
MAX_PIN_DIGITS = 12


def _input(
    method: Callable[Concatenate[KioskController, P], R],
) -> Callable[Concatenate[KioskController, P], R]:
    """Every input ends by telling the window to render again."""

    def wrapper(self: KioskController, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result = method(self, *args, **kwargs)
        self.on_change()
        return result

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class KioskController(EngineReactions):
    """Owns the kiosk's state machine; see the module docstring."""

    def __init__(
        self,
        engine: e.EnginePort,
        settings: KioskSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        on_change: Callable[[], None] = lambda: None,
        on_exit: Callable[[], None] = lambda: None,
    ) -> None:
        self.settings = settings
        self.on_change = on_change
        self.on_exit = on_exit
        self._engine = engine
        self._clock = clock
        self._wall_clock = wall_clock
        self._pin = PinGate(settings.admin_pin_hash)
        self.model = KioskModel(
            citizen=self._new_citizen(),
            center_name=settings.center_name,
            capabilities=engine.capabilities,
        )
        now = clock()
        self._last_touch = now
        self._hub_down_since: float | None = now
        self._thanks_until = 0.0
        self._recover_at: float | None = None
        self._retry_at: float | None = None
        self._shown_minute = -1

    # --- Reading ------------------------------------------------------------------------------

    @property
    def citizen(self) -> Citizen:
        return self.model.citizen

    def view(self) -> KioskVM:
        return present(self.model, now=self._clock(), wall=self._wall_clock())

    # --- The engine ---------------------------------------------------------------------------

    @_input
    def handle(self, event: e.KioskEvent) -> None:
        """One event from the engine: the hub's messages, the link, devices and the call."""
        self._react(event)

    # --- The citizen's intents ----------------------------------------------------------------

    @_input
    def touched(self) -> None:
        """Any press anywhere: the citizen is still there."""
        self._last_touch = self._clock()

    @_input
    def start(self) -> None:
        if self.state is S.ATTRACT:
            self._fire(Trigger.TOUCH)

    @_input
    def open_language(self) -> None:
        if self.state is S.ATTRACT:
            self._fire(Trigger.TOUCH)
        elif self.state is not S.LANGUAGE:
            self.model.overlay = Overlay.LANGUAGE

    @_input
    def choose_language(self, language: Language) -> None:
        self.model.citizen.language = language
        if self.model.overlay is Overlay.LANGUAGE:
            self.model.overlay = None
        elif self.state in (S.ATTRACT, S.LANGUAGE):  # the attract screen has language buttons
            self._fire(Trigger.LANGUAGE_CHOSEN)

    @_input
    def choose_topic(self, category_id: str) -> None:
        directory, citizen = self.model.directory, self.model.citizen
        if self.state is not S.TOPIC or directory is None:
            return
        category = next((c for c in directory.categories if c.id == category_id), None)
        if category is None:
            return
        citizen.category_id = category_id
        department = next(
            (d for d in directory.departments if d.id == category.department_id), None
        )
        if department is not None and not department.open_now:
            citizen.closure = Closure(department.id, department.opens_at)
            self._fire(Trigger.DEPARTMENT_CLOSED)
        else:
            citizen.closure = None
            self._fire(Trigger.TOPIC_CHOSEN)

    @_input
    def back(self) -> None:
        """The bottom-left button: back, cancel, or no, by screen."""
        match self.model.overlay:
            case Overlay.TIMEOUT_WARNING:
                self._time_out()
            case Overlay.LANGUAGE | Overlay.CONFIRM_END | Overlay.ADMIN_PIN:
                self.model.overlay = None
                self.model.admin = AdminEntry()
            case None:
                self._back_from_state()

    def _back_from_state(self) -> None:
        match self.state:
            case S.WAITING | S.TRANSFERRING:
                self._cancel()
            case S.IN_CALL:
                self.model.overlay = Overlay.CONFIRM_END
            case S.SURVEY:
                self._fire(Trigger.SURVEY_DONE)
            case S.LANGUAGE | S.TOPIC | S.READY | S.CLOSED:
                self._fire(Trigger.BACK)
            case S.UNAVAILABLE | S.ATTRACT | S.THANK_YOU:
                pass

    @_input
    def primary(self) -> None:
        """The bottom-right button: go on, by screen."""
        match self.model.overlay:
            case Overlay.TIMEOUT_WARNING:
                self._extend()
            case Overlay.CONFIRM_END:
                self._end_call()
            case Overlay.ADMIN_PIN:
                self._admin_submit()
            case Overlay.LANGUAGE:
                pass
            case None:
                self._primary_for_state()

    def _primary_for_state(self) -> None:
        citizen = self.model.citizen
        match self.state:
            case S.ATTRACT:
                self._fire(Trigger.TOUCH)
            case S.READY if citizen.category_id is not None:  # agreed, and call staff
                citizen.place = None
                self._engine.request_consultation(citizen.category_id, citizen.language.value)
                self._fire(Trigger.CALL_REQUESTED)
            case S.THANK_YOU:
                self._fire(Trigger.THANKS_DONE)
            case _:
                pass

    def _withdraw(self) -> None:
        """Give up the place in the queue; a later `queued` for it is cancelled (reactions)."""
        citizen = self.model.citizen
        if citizen.place is not None:
            self._engine.cancel_request()
        else:
            citizen.cancel_pending = True  # the hub has not answered yet: cancel when it does

    def _cancel(self) -> None:
        citizen = self.model.citizen
        self._withdraw()
        if self.state is S.WAITING:
            citizen.session_id = None
            self._fire(Trigger.CANCELLED)
        else:  # transferring: they were served already, so the survey comes next
            citizen.survey_session = citizen.session_id
            self._fire(Trigger.CALL_ENDED)

    def _end_call(self) -> None:
        self.model.overlay = None
        if self.state is not S.IN_CALL:
            return
        citizen = self.model.citizen
        self._engine.hang_up()
        citizen.survey_session = citizen.session_id
        self._forget_call()
        self._fire(Trigger.CALL_ENDED)

    @_input
    def toggle_mute(self) -> None:
        citizen = self.model.citizen
        citizen.muted = not citizen.muted
        self._engine.set_muted(citizen.muted)

    @_input
    def change_volume(self, steps: int) -> None:
        self._set_volume(self.model.citizen.volume + steps)

    @_input
    def send_phrase(self, phrase: QuickPhrase) -> None:
        if self.state is S.IN_CALL:
            self._engine.send_phrase(phrase)
            self.model.citizen.phrase_sent = phrase

    @_input
    def toggle_document_camera(self) -> None:
        citizen = self.model.citizen
        if self.state is S.IN_CALL and self.model.devices.document_camera:
            citizen.document_camera = not citizen.document_camera
            citizen.paper = None
            self._engine.set_document_camera(citizen.document_camera)

    @_input
    def send_paper(self) -> None:
        """「この紙を 送る」: a still of the paper under the document camera goes to staff."""
        self._send_paper()

    # 1:1 pages (docs/content-channel.md). These report what the screen measured, so nothing is
    # rendered again: the engine tells staff, who send pages sized for it.

    def content_resized(self, width: int, height: int) -> None:
        """The call screen's content area is now this many pixels; pages are made to fit it."""
        self._engine.announce_viewer(width, height)

    def content_viewed(
        self, doc_id: str, page: int, box: e.Box, width_px: int, height_px: int
    ) -> None:
        """The citizen now sees `box` of the page, drawn `width_px` x `height_px`."""
        shown = self.model.citizen.document
        if (
            self.state is S.IN_CALL
            and shown is not None
            and (shown.doc_id, shown.page)
            == (
                doc_id,
                page,
            )
        ):
            self._engine.report_view(doc_id, page, box, width_px, height_px)

    # The writing pad (筆談): the citizen writes with a finger, staff write back.

    @_input
    def open_pad(self) -> None:
        if self.state is S.IN_CALL and not self.model.citizen.pad.open:
            self.model.citizen.pad.open = True
            self._engine.set_pad_open(True)

    @_input
    def close_pad(self) -> None:
        if self.state is S.IN_CALL and self.model.citizen.pad.open:
            self.model.citizen.pad.open = False
            self._engine.set_pad_open(False)

    @_input
    def draw_stroke(self, stroke_id: str, points: Sequence[tuple[float, float]]) -> None:
        """A stroke as it grows (fractions of the pad); sent again under the same id each time."""
        pad = self.model.citizen.pad
        if self.state is not S.IN_CALL or not pad.open or not points:
            return
        stroke = Stroke(stroke_id, tuple((float(x), float(y)) for x, y in points), staff=False)
        pad.draw(stroke)
        self._engine.send_ink(stroke_id, stroke.points)

    @_input
    def clear_pad(self) -> None:
        pad = self.model.citizen.pad
        if self.state is S.IN_CALL and pad.open:
            pad.strokes.clear()
            self._engine.clear_ink()

    @_input
    def answer_survey(self, score: int) -> None:
        citizen = self.model.citizen
        if self.state is not S.SURVEY or not 1 <= score <= 5:
            return
        if citizen.survey_session is not None:
            self._engine.submit_survey(citizen.survey_session, score)
        self._fire(Trigger.SURVEY_DONE)

    @_input
    def toggle_large_text(self) -> None:
        self.model.citizen.large_text = not self.model.citizen.large_text

    @_input
    def toggle_high_contrast(self) -> None:
        self.model.citizen.high_contrast = not self.model.citizen.high_contrast

    # --- Admin exit ---------------------------------------------------------------------------

    @_input
    def open_admin(self) -> None:
        """After the long press on the hidden corner."""
        self.model.admin = AdminEntry(locked=self._pin.locked(self._clock()))
        self.model.overlay = Overlay.ADMIN_PIN

    @_input
    def admin_digit(self, digit: str) -> None:
        admin = self.model.admin
        if self.model.overlay is Overlay.ADMIN_PIN and digit.isdigit() and len(digit) == 1:
            if len(admin.digits) < MAX_PIN_DIGITS:
                self.model.admin = AdminEntry(digits=admin.digits + digit, locked=admin.locked)

    @_input
    def admin_clear(self) -> None:
        self.model.admin = AdminEntry(locked=self.model.admin.locked)

    def _admin_submit(self) -> None:
        now = self._clock()
        if self._pin.check(self.model.admin.digits, now):
            logger.info("= admin exit")
            self.model.overlay = None
            self.model.admin = AdminEntry()
            self.on_exit()
            return
        logger.warning("= a wrong admin PIN")
        self.model.admin = AdminEntry(wrong=True, locked=self._pin.locked(now))

    # --- Time and faults ----------------------------------------------------------------------

    @_input
    def tick(self) -> None:
        """About once a second: timeouts, countdowns, the clock, retries."""
        now, model = self._clock(), self.model
        if model.overlay is Overlay.TIMEOUT_WARNING:
            if model.warning_deadline is not None and now >= model.warning_deadline:
                self._time_out()
        elif self.state in IDLE_TIMEOUT and now - self._last_touch >= self.settings.idle_timeout:
            self._warn(now + self.settings.warning_seconds)
        elif (
            self.state in STILL_THERE_CHECK
            and now - self._last_touch >= self.settings.still_waiting_after
        ):
            self._warn(now + self.settings.still_waiting_seconds)  # "are you still waiting?"
        down_since = self._hub_down_since
        if down_since is not None and now - down_since >= self.settings.hub_down_grace:
            if (self.state, Trigger.HUB_DOWN) in TRANSITIONS:
                model.unavailable = Unavailable.RETRYING
                self._fire(Trigger.HUB_DOWN)
        if self.state is S.THANK_YOU and now >= self._thanks_until:
            self._fire(Trigger.THANKS_DONE)
        if self._recover_at is not None and now >= self._recover_at:
            self._recover_at = None
            if model.hub_up:
                self._fire(Trigger.RECOVERED)
            else:
                model.unavailable = Unavailable.RETRYING  # the next welcome brings it back
        if self._retry_at is not None and now >= self._retry_at:
            self._retry_at = now + self.settings.retry_disabled_seconds
            self._engine.reconnect()

    @_input
    def crashed(self) -> None:
        """The crash handler caught an exception: end any call, show UNAVAILABLE, recover."""
        if self.state in (S.WAITING, S.TRANSFERRING):
            self._engine.cancel_request()
        elif self.state is S.IN_CALL:
            self._engine.hang_up()
        self.model.unavailable = Unavailable.ERROR
        self._recover_at = self._clock() + self.settings.recover_seconds
        self._fire(Trigger.FAULT)

    # --- Plumbing -----------------------------------------------------------------------------

    def _fire(self, trigger: Trigger) -> None:
        before = self.state
        after = TRANSITIONS.get((before, trigger))
        if after is None:
            logger.info("= %s ignored in %s", trigger, before)
            return
        logger.info("= %s -> %s (%s)", before, after, trigger)
        model = self.model
        model.state = after
        if model.overlay is not Overlay.ADMIN_PIN or after is S.UNAVAILABLE:
            model.overlay = None
        model.warning_deadline = None
        self._last_touch = self._clock()
        if after is S.THANK_YOU:
            self._thanks_until = self._clock() + self.settings.thank_you_seconds
        if after in (S.ATTRACT, S.UNAVAILABLE):
            self._reset()
        if ACTIVITY[after] is not ACTIVITY[before]:
            self._engine.set_activity(ACTIVITY[after])

    def _reset(self) -> None:
        """The privacy reset: nothing of the citizen stays in memory, on screen or in the engine."""
        self.model.citizen = self._new_citizen()
        self.model.admin = AdminEntry()
        self.model.generation += 1
        self._engine.forget_citizen()
        self._engine.set_muted(False)
        self._engine.set_document_camera(False)
        self._engine.set_volume(self.settings.default_volume / VOLUME_STEPS)

    def _new_citizen(self) -> Citizen:
        return Citizen(language=self.settings.language, volume=self.settings.default_volume)

    def _forget_call(self) -> None:
        """What the last department showed and said goes when the citizen moves on."""
        citizen = self.model.citizen
        citizen.document = None
        citizen.screen_share = False
        citizen.staff_texts = []
        citizen.pad = Pad()
        citizen.phrase_sent = None
        citizen.staff = None
        citizen.media = None
        citizen.staff_speaking = citizen.citizen_speaking = False
        if citizen.document_camera:
            citizen.document_camera = False
            citizen.paper = None
            self._engine.set_document_camera(False)

    def _set_volume(self, step: int) -> None:
        citizen = self.model.citizen
        citizen.volume = max(0, min(VOLUME_STEPS, step))
        self._engine.set_volume(citizen.volume / VOLUME_STEPS)

    def _warn(self, deadline: float) -> None:
        self.model.admin = AdminEntry()
        self.model.overlay = Overlay.TIMEOUT_WARNING
        self.model.warning_deadline = deadline

    def _time_out(self) -> None:
        """No answer to the warning, or "no": back to the start; a citizen waiting gives up."""
        if self.state in STILL_THERE_CHECK:
            self._withdraw()
        self._fire(Trigger.TIMED_OUT)

    def _extend(self) -> None:
        self.model.overlay = None
        self.model.warning_deadline = None
        self._last_touch = self._clock()
