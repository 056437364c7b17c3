# ruff: noqa: RUF001  # full-width CJK punctuation is meant
"""The kiosk controller, driven with hub messages and intents: pure Python, no Qt, no sleeping."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from kiosk_scenes import ManualClock, RecordingEngine, demo_directory

from call.content_messages import Highlight, Pointer
from call.control_messages import QuickPhrase
from kiosk.core import engine_port as e
from kiosk.core.controller import KioskController
from kiosk.core.model import Unavailable
from kiosk.core.state import KioskState as S
from kiosk.core.state import Overlay
from kiosk.core.viewmodels import (
    ClosedVM,
    InCallVM,
    MessageVM,
    Page,
    ReadyVM,
    TimeoutWarningVM,
    TransferringVM,
    WaitingVM,
)
from kiosk.i18n import Language, Translator
from kiosk.settings import KioskSettings, SettingsError
from signaling import protocol as p

STAFF = p.StaffInfo(staff_id="s1", display_name="田中", department_id="shimin")
KIOSK = p.KioskInfo(kiosk_id="k1", name="中央公民館", location="1F")


def started(session_id: str = "s-1", staff: p.StaffInfo = STAFF) -> p.SessionStarted:
    return p.SessionStarted(
        session_id=session_id, kiosk=KIOSK, staff=staff, category_id="juminhyo", language="en"
    )


def queued(
    position: int = 2, eta: int | None = 300, on_duty: int = 1, dept: str = "shimin"
) -> p.Queued:
    return p.Queued(
        session_id="s-1",
        department_id=dept,
        position=position,
        eta_seconds=eta,
        staff_on_duty=on_duty,
    )


def to_ready(c: KioskController, language: Language = Language.EN) -> None:
    c.start()
    c.choose_language(language)
    c.choose_topic("juminhyo")


def to_waiting(c: KioskController, language: Language = Language.EN) -> None:
    to_ready(c, language)
    c.primary()  # agree and call staff


def to_call(c: KioskController) -> None:
    to_waiting(c)
    c.handle(queued())
    c.handle(started())


def test_kiosk_is_unavailable_until_the_hub_welcomes_it(
    engine: RecordingEngine, settings: KioskSettings, clock: ManualClock
) -> None:
    c = KioskController(engine, settings, clock=clock.monotonic, wall_clock=clock.time)
    assert c.state is S.UNAVAILABLE
    assert c.view().page is Page.UNAVAILABLE
    c.handle(e.HubConnected(resumed=False))
    assert c.state is S.ATTRACT
    assert ("set_activity", p.KioskActivity.IDLE) in engine.calls


def test_a_citizen_walks_from_attract_to_the_queue(
    controller: KioskController, engine: RecordingEngine
) -> None:
    to_waiting(controller, Language.EN)
    assert controller.state is S.WAITING
    assert engine.named("request_consultation") == [("request_consultation", "juminhyo", "en")]
    view = controller.view()
    assert isinstance(view.screen, WaitingVM)
    assert view.screen.title == "Calling Citizens' Affairs"
    assert view.screen.position == ""  # the hub has not answered yet

    controller.handle(queued(position=3, eta=600))
    screen = controller.view().screen
    assert isinstance(screen, WaitingVM)
    assert screen.position == "You are number 3 in line"
    assert screen.eta == "Expected wait: about 10 minutes"
    controller.handle(queued(position=1, eta=30))
    screen = controller.view().screen
    assert isinstance(screen, WaitingVM)
    assert (screen.position, screen.eta) == ("You are next", "You will be connected soon")


def test_one_tap_on_the_ready_screen_agrees_and_calls_staff(
    controller: KioskController, engine: RecordingEngine
) -> None:
    to_ready(controller, Language.EN)
    view = controller.view()
    assert view.page is Page.READY
    assert isinstance(view.screen, ReadyVM)
    assert view.screen.title == "Before you are connected"
    assert view.screen.camera_text == "Staff will see you like this."
    assert view.screen.level_shown
    assert view.screen.points[0].endswith("Nothing is recorded.")
    assert len(view.screen.points) == 3
    assert view.chrome.primary is not None
    assert view.chrome.primary.label == "Agree and call staff"
    assert engine.named("request_consultation") == []  # nothing is asked before the tap
    controller.primary()
    assert controller.state is S.WAITING
    assert engine.named("request_consultation") == [("request_consultation", "juminhyo", "en")]


def test_back_steps_back_one_screen_at_a_time(controller: KioskController) -> None:
    to_ready(controller)
    states = []
    for _ in range(3):
        controller.back()
        states.append(controller.state)
    assert states == [S.TOPIC, S.LANGUAGE, S.ATTRACT]


def test_waiting_with_nobody_on_duty_says_so_honestly(controller: KioskController) -> None:
    to_waiting(controller, Language.JA)
    controller.handle(queued(position=1, eta=None, on_duty=0))
    screen = controller.view().screen
    assert isinstance(screen, WaitingVM)
    assert screen.eta == ""
    assert "係の人が 席にいません" in screen.notice
    assert "待ち時間は わかりません" in screen.notice


@pytest.mark.parametrize("language", list(Language))
def test_with_nobody_on_duty_the_first_in_line_is_never_told_they_are_next(
    controller: KioskController, language: Language
) -> None:
    to_waiting(controller, language)
    controller.handle(queued(position=1, eta=None, on_duty=0))
    screen = controller.view().screen
    assert isinstance(screen, WaitingVM)
    tr = Translator(language)
    assert screen.position == tr("waiting.position", position=1)
    assert tr("waiting.position_next") not in (screen.position, screen.notice)
    assert tr("waiting.nobody_then") in screen.notice  # what happens next, said honestly


def test_cancel_while_waiting_cancels_at_the_hub_and_goes_back_to_the_topics(
    controller: KioskController, engine: RecordingEngine
) -> None:
    to_waiting(controller)
    controller.handle(queued())
    controller.back()
    assert controller.state is S.TOPIC
    assert engine.named("cancel_request") == [("cancel_request",)]
    controller.handle(p.SessionEnded(session_id="s-1", reason=p.EndReason.CITIZEN_CANCELLED))
    assert controller.state is S.TOPIC


def test_cancel_before_the_hub_answers_cancels_when_it_does(
    controller: KioskController, engine: RecordingEngine
) -> None:
    to_waiting(controller)
    controller.back()
    assert controller.state is S.TOPIC
    assert engine.named("cancel_request") == []
    controller.handle(queued())
    assert engine.named("cancel_request") == [("cancel_request",)]
    assert controller.state is S.TOPIC


def test_a_closed_department_shows_its_hours_without_asking_the_hub(
    controller: KioskController, engine: RecordingEngine
) -> None:
    controller.start()
    controller.choose_language(Language.JA)
    controller.choose_topic("juminzei")  # 税務課, closed in the fixture until 13:00
    assert controller.state is S.CLOSED
    screen = controller.view().screen
    assert isinstance(screen, ClosedVM)
    assert screen.title == "税務課は いま 受付時間外です"
    assert "つぎに相談できるのは きょう 13:00からです。" in screen.lines
    assert engine.named("request_consultation") == []
    controller.back()
    assert controller.state is S.TOPIC


def test_the_hub_saying_the_department_is_closed_shows_the_hours(
    controller: KioskController, clock: ManualClock
) -> None:
    to_waiting(controller, Language.EN)
    controller.handle(
        p.DepartmentClosed(
            category_id="juminhyo", department_id="shimin", opens_at=clock.wall + 86400
        )
    )
    assert controller.state is S.CLOSED
    screen = controller.view().screen
    assert isinstance(screen, ClosedVM)
    assert "It opens tomorrow at 10:30." in screen.lines


def test_closing_time_while_waiting_says_the_hours_have_ended(controller: KioskController) -> None:
    to_waiting(controller, Language.EN)
    controller.handle(queued(on_duty=0, eta=None))
    controller.handle(p.SessionEnded(session_id="s-1", reason=p.EndReason.CLOSED))
    assert controller.state is S.CLOSED
    screen = controller.view().screen
    assert isinstance(screen, ClosedVM)
    assert screen.lines[0] == "Opening hours have ended."


def test_a_whole_session_with_transfer_survey_and_reset(
    controller: KioskController, engine: RecordingEngine, clock: ManualClock
) -> None:
    to_waiting(controller, Language.EN)
    controller.handle(queued())
    controller.change_volume(+3)  # a citizen's change before the call does not carry over
    controller.handle(started())
    assert controller.state is S.IN_CALL
    assert engine.named("set_volume")[-1] == ("set_volume", 0.5)
    controller.handle(e.CallMediaChanged(session_id="s-1", state=e.CallMedia.CONNECTED))
    controller.handle(e.StaffText(session_id="s-1", text="Please show your card", language="en"))
    page = np.zeros((10, 8, 3), dtype=np.uint8)
    controller.handle(e.PageShown(doc_id="d1", page=0, page_count=2, image=page))
    controller.send_phrase(QuickPhrase.SAY_AGAIN)
    view = controller.view().screen
    assert isinstance(view, InCallVM)
    assert view.staff_label == "Citizens' Affairs: Tanaka"  # romanised from its reading
    assert view.staff_texts == ("Please show your card",)
    assert view.content is not None
    assert view.content.image is page
    assert view.content.title == "Document from the staff member (1/2)"
    assert view.notice == "Sent: “Please say that again”"
    assert engine.named("send_phrase") == [("send_phrase", QuickPhrase.SAY_AGAIN)]

    controller.handle(
        p.SessionTransferred(
            session_id="s-1",
            department_id="zeimu",
            department_names={"ja": "税務課", "en": "Taxation"},
        )
    )
    assert controller.state is S.TRANSFERRING
    assert controller.citizen.document is None
    assert controller.citizen.staff_texts == []
    controller.handle(queued(position=2, dept="zeimu"))
    screen = controller.view().screen
    assert isinstance(screen, TransferringVM)
    assert screen.title == "Connecting you to Taxation"
    assert screen.position == "Your place in line at Taxation: 2"
    controller.handle(
        started(staff=p.StaffInfo(staff_id="s2", display_name="佐藤", department_id="zeimu"))
    )
    assert controller.state is S.IN_CALL

    controller.back()  # the red "end" button asks first
    assert controller.model.overlay is Overlay.CONFIRM_END
    assert controller.view().page is Page.CONFIRM_END
    controller.primary()
    assert engine.named("hang_up") == [("hang_up",)]
    assert controller.state is S.SURVEY
    controller.handle(p.SessionEnded(session_id="s-1", reason=p.EndReason.COMPLETED))
    controller.answer_survey(4)
    assert engine.named("submit_survey") == [("submit_survey", "s-1", 4)]
    assert controller.state is S.THANK_YOU

    citizen = weakref.ref(controller.citizen)
    before = len(engine.calls)
    clock.advance(controller.settings.thank_you_seconds)
    controller.tick()
    assert controller.state is S.ATTRACT
    gc.collect()
    assert citizen() is None, "the privacy reset keeps nothing of the citizen"
    assert controller.citizen.language is Language.JA
    assert engine.calls[before:] == [
        ("forget_citizen",),
        ("set_muted", False),
        ("set_document_camera", False),
        ("set_volume", 0.5),
        ("set_activity", p.KioskActivity.IDLE),
    ]


def test_staff_hanging_up_leads_to_the_survey(controller: KioskController) -> None:
    to_call(controller)
    controller.handle(p.SessionEnded(session_id="s-1", reason=p.EndReason.COMPLETED))
    assert controller.state is S.SURVEY
    controller.back()  # skip
    assert controller.state is S.THANK_YOU


def test_a_call_cut_off_goes_to_thank_you_with_an_explanation(controller: KioskController) -> None:
    to_call(controller)
    controller.handle(p.SessionEnded(session_id="s-1", reason=p.EndReason.NETWORK_LOST))
    assert controller.state is S.THANK_YOU
    screen = controller.view().screen
    assert isinstance(screen, MessageVM)
    assert screen.lines[0].startswith("The connection was lost")


def test_the_hub_unreachable_while_choosing_shows_unavailable_then_recovers(
    controller: KioskController, clock: ManualClock
) -> None:
    controller.start()
    controller.handle(e.HubDisconnected("refused"))
    clock.advance(1)
    controller.tick()
    assert controller.state is S.LANGUAGE, "a blip shorter than the grace is not shown"
    clock.advance(controller.settings.hub_down_grace)
    controller.tick()
    assert controller.state is S.UNAVAILABLE
    screen = controller.view().screen
    assert isinstance(screen, MessageVM)
    assert "自動で つなぎ直しています" in screen.lines[0]
    controller.handle(e.HubConnected(resumed=False))
    assert controller.state is S.ATTRACT


def test_a_dropped_link_during_a_call_is_ridden_out(
    controller: KioskController, clock: ManualClock
) -> None:
    to_call(controller)
    controller.handle(e.HubDisconnected("gone"))
    clock.advance(10)
    controller.tick()
    assert controller.state is S.IN_CALL
    assert controller.view().chrome.notice == "The connection is unstable. Reconnecting."
    controller.handle(e.HubConnected(resumed=True))
    assert controller.state is S.IN_CALL
    assert controller.view().chrome.notice == ""


def test_a_reconnect_that_lost_the_session_ends_it_honestly(controller: KioskController) -> None:
    to_call(controller)
    controller.handle(e.HubDisconnected("gone"))
    controller.handle(e.HubConnected(resumed=False))
    assert controller.state is S.THANK_YOU
    assert controller.citizen.cut_off


def test_idle_choosing_warns_first_and_can_be_extended_many_times(
    controller: KioskController, clock: ManualClock
) -> None:
    controller.start()
    for _ in range(3):
        clock.advance(controller.settings.idle_timeout)
        controller.tick()
        assert controller.model.overlay is Overlay.TIMEOUT_WARNING
        screen = controller.view().screen
        assert isinstance(screen, TimeoutWarningVM)
        assert screen.title == "じかんを のばしますか？"
        assert screen.seconds_left == 30
        clock.advance(10)
        assert controller.view().screen == TimeoutWarningVM(
            "じかんを のばしますか？", "あと 20秒で はじめの画面に もどります", 20, 0
        )
        controller.primary()  # extend
        assert controller.model.overlay is None
        assert controller.state is S.LANGUAGE


def test_an_ignored_warning_resets_to_attract(
    controller: KioskController, clock: ManualClock
) -> None:
    to_ready(controller, Language.VI)
    clock.advance(controller.settings.idle_timeout)
    controller.tick()
    clock.advance(controller.settings.warning_seconds)
    controller.tick()
    assert controller.state is S.ATTRACT
    assert controller.citizen.language is Language.JA
    assert controller.citizen.category_id is None


def to_transferring(c: KioskController) -> None:
    to_call(c)
    c.handle(p.SessionTransferred(session_id="s-1", department_id="zeimu", department_names={}))


@pytest.mark.parametrize("walk", [to_call, to_transferring], ids=["in_call", "transferring"])
def test_there_is_never_a_timeout_in_a_call(
    controller: KioskController, clock: ManualClock, walk: object
) -> None:
    assert callable(walk)
    walk(controller)
    state = controller.state
    for _ in range(10):
        clock.advance(600)
        controller.tick()
    assert controller.state is state
    assert controller.model.overlay is None


def test_waiting_without_a_touch_asks_are_you_still_waiting_with_a_long_countdown(
    controller: KioskController, clock: ManualClock, engine: RecordingEngine
) -> None:
    to_waiting(controller, Language.JA)
    controller.handle(queued())
    clock.advance(controller.settings.still_waiting_after - 1)
    controller.tick()
    assert controller.model.overlay is None  # not yet: 3 minutes by default
    assert controller.settings.still_waiting_after == 180
    clock.advance(1)
    controller.tick()
    assert controller.model.overlay is Overlay.TIMEOUT_WARNING
    view = controller.view()
    assert isinstance(view.screen, TimeoutWarningVM)
    assert view.screen.title == "まだ お待ちですか？"
    assert view.screen.seconds_left == controller.settings.still_waiting_seconds >= 60
    assert view.chrome.primary is not None
    assert view.chrome.primary.label == "はい、待ちます"
    assert view.chrome.back is not None
    assert view.chrome.back.label == "いいえ、やめます"
    assert engine.named("cancel_request") == []


def test_yes_keeps_the_place_in_the_queue_as_often_as_needed(
    controller: KioskController, clock: ManualClock, engine: RecordingEngine
) -> None:
    to_waiting(controller)
    controller.handle(queued())
    for _ in range(5):
        clock.advance(controller.settings.still_waiting_after)
        controller.tick()
        assert controller.model.overlay is Overlay.TIMEOUT_WARNING
        clock.advance(controller.settings.still_waiting_seconds - 1)
        controller.tick()
        controller.primary()  # はい
        assert controller.model.overlay is None
        assert controller.state is S.WAITING
    assert engine.named("cancel_request") == []
    controller.handle(started())
    assert controller.state is S.IN_CALL


def test_no_answer_to_still_waiting_gives_up_the_place_and_resets(
    controller: KioskController, clock: ManualClock, engine: RecordingEngine
) -> None:
    to_waiting(controller, Language.VI)
    controller.handle(queued())
    clock.advance(controller.settings.still_waiting_after)
    controller.tick()
    clock.advance(controller.settings.still_waiting_seconds - 1)
    controller.tick()
    assert controller.state is S.WAITING  # the countdown has a second left
    clock.advance(1)
    controller.tick()
    assert engine.named("cancel_request") == [("cancel_request",)]
    assert controller.state is S.ATTRACT
    assert controller.model.overlay is None
    assert controller.citizen.language is Language.JA  # the privacy reset
    assert controller.citizen.category_id is None


def test_no_to_still_waiting_cancels_at_once(
    controller: KioskController, clock: ManualClock, engine: RecordingEngine
) -> None:
    to_waiting(controller)
    controller.handle(queued())
    clock.advance(controller.settings.still_waiting_after)
    controller.tick()
    controller.back()  # いいえ
    assert engine.named("cancel_request") == [("cancel_request",)]
    assert controller.state is S.ATTRACT


def test_a_touch_while_waiting_puts_the_question_off(
    controller: KioskController, clock: ManualClock
) -> None:
    to_waiting(controller)
    controller.handle(queued())
    for _ in range(5):
        clock.advance(controller.settings.still_waiting_after - 1)
        controller.touched()
        controller.tick()
    assert controller.model.overlay is None


def test_still_waiting_needs_a_countdown_of_a_minute_or_more() -> None:
    options = {"server": "ws://hub.invalid/ws", "token": "t"}
    with pytest.raises(SettingsError, match="still_waiting_seconds"):
        KioskSettings(**options, still_waiting_seconds=59).validate()
    assert KioskSettings(**options).validate().still_waiting_seconds >= 60


def test_touches_keep_the_timeout_away(controller: KioskController, clock: ManualClock) -> None:
    controller.start()
    for _ in range(5):
        clock.advance(controller.settings.idle_timeout - 1)
        controller.touched()
        controller.tick()
    assert controller.model.overlay is None


def test_a_missing_camera_offers_a_voice_only_call(controller: KioskController) -> None:
    controller.handle(
        e.DevicesChanged(
            camera=p.DeviceHealth.MISSING, microphone=p.DeviceHealth.OK, speaker=p.DeviceHealth.OK
        )
    )
    to_ready(controller, Language.EN)
    view = controller.view()
    assert isinstance(view.screen, ReadyVM)
    assert not view.screen.camera_ok
    assert view.screen.camera_text == "The camera is not working. You can still talk by voice."
    assert view.chrome.primary is not None
    assert view.chrome.primary.label == "Agree and talk by voice only"


def test_a_crash_shows_unavailable_ends_the_call_and_recovers(
    controller: KioskController, engine: RecordingEngine, clock: ManualClock
) -> None:
    to_call(controller)
    controller.crashed()
    assert controller.state is S.UNAVAILABLE
    assert controller.model.unavailable is Unavailable.ERROR
    assert ("hang_up",) in engine.calls
    assert controller.citizen.session_id is None
    clock.advance(controller.settings.recover_seconds)
    controller.tick()
    assert controller.state is S.ATTRACT


def test_a_disabled_kiosk_asks_the_hub_again_now_and_then(
    controller: KioskController, engine: RecordingEngine, clock: ManualClock
) -> None:
    controller.handle(e.HubRefused(p.ErrorCode.ACCOUNT_DISABLED))
    assert controller.state is S.UNAVAILABLE
    screen = controller.view().screen
    assert isinstance(screen, MessageVM)
    assert screen.lines[0] == "この機械は いま 休止しています。"
    clock.advance(controller.settings.retry_disabled_seconds)
    controller.tick()
    assert engine.named("reconnect") == [("reconnect",)]
    controller.handle(e.HubConnected(resumed=False))
    assert controller.state is S.ATTRACT


def test_volume_moves_in_steps_within_its_range(
    controller: KioskController, engine: RecordingEngine
) -> None:
    to_call(controller)
    for _ in range(8):
        controller.change_volume(+1)
    assert controller.citizen.volume == 10
    assert engine.named("set_volume")[-1] == ("set_volume", 1.0)
    for _ in range(12):
        controller.change_volume(-1)
    assert controller.citizen.volume == 0


def test_staff_texts_keep_the_last_three(controller: KioskController) -> None:
    to_call(controller)
    for n in range(5):
        controller.handle(e.StaffText(session_id="s-1", text=f"text {n}"))
    assert [w.text for w in controller.citizen.staff_texts] == ["text 2", "text 3", "text 4"]


def test_marks_replace_by_id_and_the_pointer_moves(controller: KioskController) -> None:
    to_call(controller)
    image = np.zeros((4, 4, 3), dtype=np.uint8)
    controller.handle(e.PageShown(doc_id="d", page=0, page_count=1, image=image))
    controller.handle(e.MarksChanged("d", 0, [Pointer(x=0.1, y=0.1)]))
    controller.handle(e.MarksChanged("d", 0, [Pointer(x=0.5, y=0.5)]))
    controller.handle(e.MarksChanged("d", 0, [Highlight(id="h", x=0, y=0, width=0.5, height=0.1)]))
    document = controller.citizen.document
    assert document is not None
    assert document.marks[""] == Pointer(x=0.5, y=0.5)
    assert set(document.marks) == {"", "h"}
    controller.handle(e.MarksChanged("d", 1, [Pointer(x=0.9, y=0.9)]))  # another page
    assert document.marks[""] == Pointer(x=0.5, y=0.5)
    controller.handle(e.MarksCleared("d", 0))
    assert document.marks == {}
    controller.handle(e.DocumentClosed("d"))
    assert controller.citizen.document is None


def test_the_language_button_opens_an_overlay_that_keeps_the_screen(
    controller: KioskController,
) -> None:
    to_waiting(controller)
    controller.open_language()
    assert controller.view().page is Page.LANGUAGE
    controller.choose_language(Language.KO)
    assert controller.state is S.WAITING
    assert controller.view().page is Page.WAITING
    assert controller.view().theme.language is Language.KO


def attach_document_camera(controller: KioskController) -> None:
    ok = p.DeviceHealth.OK
    controller.handle(e.DevicesChanged(ok, ok, ok, document_camera=True))


def test_a_second_camera_offers_the_document_camera(
    controller: KioskController, engine: RecordingEngine
) -> None:
    to_call(controller)
    screen = controller.view().screen
    assert isinstance(screen, InCallVM)
    assert screen.document_camera is None
    attach_document_camera(controller)
    controller.toggle_document_camera()
    assert engine.named("set_document_camera")[-1] == ("set_document_camera", True)
    screen = controller.view().screen
    assert isinstance(screen, InCallVM)
    assert screen.document_camera is not None
    assert screen.document_camera.on


def test_the_admin_exit_needs_the_pin_and_locks_after_wrong_guesses(
    engine: RecordingEngine, clock: ManualClock
) -> None:
    from kiosk.lockdown import hash_pin

    exits: list[bool] = []
    settings = KioskSettings(
        server="ws://x/ws", token="t", admin_pin_hash=hash_pin("2468", iterations=1000)
    )
    c = KioskController(
        engine,
        settings,
        clock=clock.monotonic,
        wall_clock=clock.time,
        on_exit=lambda: exits.append(True),
    )
    c.handle(e.HubConnected(resumed=False))
    for _ in range(5):
        c.open_admin()
        for digit in "1111":
            c.admin_digit(digit)
        c.primary()
    assert exits == []
    assert c.model.admin.locked
    c.admin_clear()
    for digit in "2468":
        c.admin_digit(digit)
    c.primary()
    assert exits == [], "locked: even the right PIN waits"
    clock.advance(61)
    c.open_admin()
    for digit in "2468":
        c.admin_digit(digit)
    c.primary()
    assert exits == [True]


def test_a_directory_update_refreshes_the_topics(controller: KioskController) -> None:
    controller.start()
    controller.choose_language(Language.EN)
    controller.handle(demo_directory(closed=()))
    screen = controller.view().screen
    assert all(topic.open for topic in screen.topics)  # type: ignore[union-attr]


def test_the_citizen_sends_a_still_of_the_paper_and_sees_what_staff_received(
    controller: KioskController, engine: RecordingEngine
) -> None:
    to_call(controller)
    attach_document_camera(controller)
    controller.send_paper()  # the camera is not on: nothing to send
    assert engine.named("send_paper") == []
    controller.toggle_document_camera()
    screen = controller.view().screen
    assert isinstance(screen, InCallVM)
    assert screen.paper is not None
    assert screen.paper.guide == "Place the paper inside this frame"
    assert (screen.paper.can_send, screen.paper.status, screen.paper.sent) == (True, "", None)

    controller.send_paper()
    controller.handle(e.PaperAsked())  # staff's 「撮影」 while one is on its way: still one
    assert engine.named("send_paper") == [("send_paper",)]
    screen = controller.view().screen
    assert isinstance(screen, InCallVM)
    assert screen.paper is not None
    assert not screen.paper.can_send
    assert screen.paper.status == "Sending it to the staff member"

    still = np.full((210, 297, 3), 250, dtype=np.uint8)
    controller.handle(e.PaperSent(still, delivered=True))
    screen = controller.view().screen
    assert isinstance(screen, InCallVM)
    assert screen.paper is not None
    assert screen.paper.can_send
    assert screen.paper.sent is still
    assert screen.paper.status == "The staff member has it"

    controller.handle(e.PaperAsked())  # staff ask for another
    assert len(engine.named("send_paper")) == 2
    controller.handle(e.PaperSent(None, delivered=False))
    screen = controller.view().screen
    assert isinstance(screen, InCallVM)
    assert screen.paper is not None
    assert screen.paper.sent is None
    assert screen.paper.status == "It did not arrive. Please tap again"

    controller.toggle_document_camera()  # off: the still goes with it
    assert controller.model.citizen.paper is None
    screen = controller.view().screen
    assert isinstance(screen, InCallVM)
    assert screen.paper is None


def test_the_privacy_reset_keeps_no_still_of_the_paper(
    controller: KioskController, engine: RecordingEngine, clock: ManualClock
) -> None:
    to_call(controller)
    attach_document_camera(controller)
    controller.toggle_document_camera()
    controller.send_paper()
    controller.handle(e.PaperSent(np.full((210, 297, 3), 250, dtype=np.uint8), delivered=True))
    still = controller.model.citizen.paper
    assert still is not None
    assert still.image is not None
    kept = weakref.ref(still.image)
    del still
    controller.handle(p.SessionEnded(session_id="s-1", reason=p.EndReason.COMPLETED))
    controller.answer_survey(5)
    clock.advance(controller.settings.thank_you_seconds)
    controller.tick()
    assert controller.state is S.ATTRACT
    gc.collect()
    assert kept() is None, "the still went with the citizen"
    assert ("set_document_camera", False) in engine.calls
