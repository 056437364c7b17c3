"""How the kiosk follows the hub and the engine: their events, turned into triggers.

`EngineReactions` is the half of `KioskController` that reacts to `KioskEvent`s (the hub's
messages, the link, devices, the call's media, pages and marks, staff text); the other half
(kiosk/core/controller.py) takes the citizen's intents and the passing of time. The rules for what
each message means in each state are in docs/kiosk.md, "The state machine".
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kiosk.core import engine_port as e
from kiosk.core.model import (
    STAFF_TEXTS_KEPT,
    Closure,
    Detail,
    FocusRequest,
    KioskModel,
    Paper,
    PaperStatus,
    Place,
    ShownDocument,
    StaffWords,
    Stroke,
    Unavailable,
)
from kiosk.core.state import IN_SESSION, KioskState, Trigger
from kiosk.settings import KioskSettings
from signaling import protocol as p

logger = logging.getLogger("kiosk.core.controller")

S = KioskState


class EngineReactions:
    """Reacts to the engine's events; mixed into `KioskController`, which provides the rest."""

    model: KioskModel
    settings: KioskSettings
    _engine: e.EnginePort
    _clock: Callable[[], float]
    _hub_down_since: float | None
    _retry_at: float | None

    @property
    def state(self) -> KioskState:
        return self.model.state

    def _fire(self, trigger: Trigger) -> None:
        raise NotImplementedError

    def _forget_call(self) -> None:
        raise NotImplementedError

    def _set_volume(self, step: int) -> None:
        raise NotImplementedError

    def _react(self, event: e.KioskEvent) -> None:
        model, citizen = self.model, self.model.citizen
        match event:
            case e.HubConnected():
                self._hub_connected(event)
            case e.HubDisconnected():
                model.hub_up = False
                if self._hub_down_since is None:
                    self._hub_down_since = self._clock()
            case e.HubRefused(code=code):
                logger.warning("= the hub refused this kiosk: %s", code)
                model.hub_up = False
                model.unavailable = Unavailable.DISABLED
                self._retry_at = self._clock() + self.settings.retry_disabled_seconds
                self._fire(Trigger.DISABLED)
            case e.DevicesChanged():
                model.devices = event
            case p.Directory():
                model.directory = event
            case p.Queued():
                self._queued(event)
            case p.DepartmentClosed(category_id=category_id):
                if self.state is S.WAITING and category_id == citizen.category_id:
                    citizen.closure = Closure(event.department_id, event.opens_at)
                    self._fire(Trigger.DEPARTMENT_CLOSED)
            case p.SessionStarted():
                self._session_started(event)
            case p.SessionTransferred(session_id=session_id):
                if self.state is S.IN_CALL and session_id == citizen.session_id:
                    self._forget_call()
                    citizen.transfer_names = dict(event.department_names)
                    self._fire(Trigger.TRANSFERRED)
            case p.SessionEnded():
                self._session_ended(event)
            case p.PeerLinkChanged(session_id=session_id, online=online):
                if session_id == citizen.session_id:
                    citizen.peer_online = online
            case p.Error():
                self._hub_error(event)
            case e.CallMediaChanged(session_id=session_id, state=media):
                if session_id == citizen.session_id and self.state is S.IN_CALL:
                    citizen.media = media
            case e.SpeakingChanged(staff=staff, citizen=speaking):
                citizen.staff_speaking, citizen.citizen_speaking = staff, speaking
            case e.StaffText(session_id=session_id, text=text, language=language):
                if session_id == citizen.session_id and self.state is S.IN_CALL:
                    words = StaffWords(text, language)
                    citizen.staff_texts = [*citizen.staff_texts, words][-STAFF_TEXTS_KEPT:]
            case e.InkChanged() | e.InkCleared() | e.PadChanged():
                if event.session_id == citizen.session_id and self.state is S.IN_CALL:
                    self._pad_changed(event)
            case e.PageShown(region=None):
                if self.state is S.IN_CALL:
                    citizen.document = ShownDocument(
                        event.doc_id, event.page, event.page_count, event.image
                    )
            case e.PageShown(region=region) if region is not None:
                shown = citizen.document
                if shown is not None and (shown.doc_id, shown.page) == (event.doc_id, event.page):
                    shown.detail = Detail(region, event.image)
            case e.FocusRequested(doc_id=doc_id, box=box):
                if self.state is S.IN_CALL:
                    serial = 0 if citizen.focus is None else citizen.focus.serial + 1
                    citizen.focus = FocusRequest(doc_id, box, serial)
            case e.MarksChanged() | e.MarksCleared() | e.DocumentClosed():
                self._document_changed(event)
            case e.ScreenShareChanged(active=active):
                citizen.screen_share = active and self.state is S.IN_CALL
            case e.PaperAsked():
                self._send_paper()
            case e.PaperSent(image=image, delivered=delivered):
                if citizen.document_camera and self.state is S.IN_CALL:
                    status = PaperStatus.SENT if delivered else PaperStatus.NOT_SENT
                    citizen.paper = Paper(status, image)
            case _:
                pass  # welcome, survey_saved and the staff-only messages need nothing here

    def _send_paper(self) -> None:
        # Staff's 「撮影」 and the citizen's tap alike; one still at a time.
        citizen = self.model.citizen
        sending = citizen.paper is not None and citizen.paper.status is PaperStatus.SENDING
        if self.state is S.IN_CALL and citizen.document_camera and not sending:
            citizen.paper = Paper(PaperStatus.SENDING)
            self._engine.send_paper()

    def _hub_connected(self, event: e.HubConnected) -> None:
        model = self.model
        model.hub_up = True
        self._hub_down_since = None
        self._retry_at = None
        if event.name and not self.settings.center_name:
            model.center_name = event.name
        model.site_id = event.site_id
        if not event.resumed and self.state in IN_SESSION:
            # A fresh start: the hub has ended our place or call (docs/protocol.md, Resume).
            self.model.citizen.cut_off = True
            self._fire(Trigger.SESSION_LOST)
        elif self.state is S.UNAVAILABLE and model.unavailable is not Unavailable.ERROR:
            self._fire(Trigger.HUB_UP)

    def _queued(self, event: p.Queued) -> None:
        citizen = self.model.citizen
        if self.state not in (S.WAITING, S.TRANSFERRING):
            if citizen.cancel_pending or event.session_id != citizen.session_id:
                self._engine.cancel_request()  # a request the citizen already walked away from
            return
        citizen.session_id = event.session_id
        citizen.place = Place(
            event.department_id, event.position, event.eta_seconds, event.staff_on_duty
        )

    def _session_started(self, event: p.SessionStarted) -> None:
        citizen = self.model.citizen
        if self.state is S.IN_CALL and event.session_id == citizen.session_id:
            return  # resumed after a link blip: the call goes on
        if self.state not in (S.WAITING, S.TRANSFERRING):
            logger.warning("= a session started in %s; hanging up", self.state)
            self._engine.hang_up()
            return
        if not citizen.answered:
            self._set_volume(self.settings.default_volume)  # each citizen starts at the default
        citizen.session_id = event.session_id
        citizen.staff = event.staff
        citizen.answered = True
        citizen.place = None
        citizen.media = e.CallMedia.CONNECTING
        citizen.peer_online = True
        self._fire(Trigger.CALL_STARTED)

    def _session_ended(self, event: p.SessionEnded) -> None:
        citizen, reason = self.model.citizen, event.reason
        if event.session_id != citizen.session_id or reason is p.EndReason.TRANSFERRED:
            return
        citizen.session_id = None
        if self.state is S.WAITING:
            if reason is p.EndReason.CLOSED and citizen.place is not None:
                citizen.closure = Closure(citizen.place.department_id, None, True)
                self._fire(Trigger.DEPARTMENT_CLOSED)
            elif reason is not p.EndReason.CITIZEN_CANCELLED:
                citizen.cut_off = True
                self._fire(Trigger.SESSION_LOST)
        elif self.state in (S.IN_CALL, S.TRANSFERRING):
            self._forget_call()
            served = reason in (p.EndReason.COMPLETED, p.EndReason.CITIZEN_CANCELLED)
            if citizen.answered and served:
                citizen.survey_session = event.session_id
                self._fire(Trigger.CALL_ENDED)
            else:
                citizen.cut_off = reason is not p.EndReason.STAFF_ENDED
                self._fire(Trigger.SESSION_LOST)

    def _hub_error(self, error: p.Error) -> None:
        logger.warning("< error %s for %s", error.code, error.ref_type)
        if error.ref_type == "request_consultation" and self.state is S.WAITING:
            self._fire(Trigger.CANCELLED)  # the request was refused: let the citizen choose again

    def _pad_changed(self, event: e.InkChanged | e.InkCleared | e.PadChanged) -> None:
        pad = self.model.citizen.pad
        match event:
            case e.InkChanged(stroke_id=stroke_id, points=points, color=color):
                pad.draw(Stroke(stroke_id, points, staff=True, color=color))
            case e.InkCleared():
                pad.strokes.clear()
            case e.PadChanged(open=is_open):
                pad.open = is_open

    def _document_changed(self, event: e.MarksChanged | e.MarksCleared | e.DocumentClosed) -> None:
        document = self.model.citizen.document
        if document is None or event.doc_id != document.doc_id:
            return
        match event:
            case e.DocumentClosed():
                self.model.citizen.document = None
            case e.MarksCleared(page=page) if page == document.page:
                document.marks = {}
            case e.MarksChanged(page=page, marks=marks) if page == document.page:
                for mark in marks:
                    document.marks[getattr(mark, "id", "")] = mark
            case _:
                pass
