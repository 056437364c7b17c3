"""The console's state machine, fed hub messages and engine events: no network, no Qt, no clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from signaling import protocol as p
from staff_console.core import transfer_targets
from staff_console.core.controller import TRANSITIONS, ConsoleController, ControllerSettings, Step
from staff_console.core.engine_port import (
    CallPhase,
    CallPhaseChanged,
    CallQuality,
    CameraHealth,
    CitizenSpeaking,
    CitizenViewChanged,
    HighlightMark,
    HubConnected,
    HubDisconnected,
    HubRefused,
    MarkTool,
    PenMark,
    PhraseHeard,
    PointerMark,
    RemoteContentChanged,
    ScreenArea,
    SharingEnded,
    ViewerChanged,
)
from staff_console.core.forms import FormsLibrary
from staff_console.core.legibility import (
    LEGIBLE_MM,
    WHOLE_PAGE,
    Legibility,
    PageFacts,
    fit,
    px_per_pt,
    text_height_mm,
)
from staff_console.core.transfer_targets import Availability
from staff_console.core.viewmodels import Level, Quality, SentText, Stage
from tests.staff_console import messages as m
from tests.staff_console.fake_engine import RecordingEngine


class Console:
    """A controller with a recording engine, the alerts it raised and a clock the test moves."""

    def __init__(
        self, forms: Path | None = None, measure_page: Callable[[str, int], PageFacts | None]
        | None = None
    ) -> None:  # fmt: skip
        self.engine = RecordingEngine()
        self.alerts: list[int] = []
        self.now = 1000.0
        self.controller = ConsoleController(
            self.engine,
            ControllerSettings(templates=("少々お待ちください。",), server="ws://hub/ws"),
            FormsLibrary(forms),
            on_alert=self.alerts.append,
            measure_page=measure_page,
        )

    def hear(self, *events: object) -> None:
        for event in events:
            self.controller.handle(event, self.now)  # type: ignore[arg-type]

    def logged_in(self) -> Console:
        self.controller.submit_login("ws://hub/ws", "tanaka", "tanaka-demo")
        self.hear(HubConnected(m.welcome()), m.directory(), m.snapshot())
        return self

    def in_call(self) -> Console:
        self.logged_in()
        self.hear(m.snapshot(m.entry()))
        self.controller.accept("s1")
        self.hear(m.snapshot(), m.started())
        return self

    @property
    def view(self):  # type: ignore[no-untyped-def]
        return self.controller.view()


def test_login_sends_the_credentials_and_waits_for_the_welcome() -> None:
    console = Console()
    console.controller.submit_login(" ws://hub/ws ", "tanaka ", "tanaka-demo")
    assert console.engine.named("login") == [("ws://hub/ws", "tanaka", "tanaka-demo")]
    assert console.view.stage is Stage.CONNECTING
    assert console.view.login.busy
    console.hear(HubConnected(m.welcome()))
    assert console.view.stage is Stage.READY
    assert console.view.display_name == "田中"
    assert console.view.presence is p.Presence.AVAILABLE


def test_login_with_a_field_missing_is_refused_locally() -> None:
    console = Console()
    console.controller.submit_login("ws://hub/ws", "tanaka", "")
    assert console.engine.calls == []
    assert console.view.stage is Stage.LOGIN
    assert console.view.login.error is not None
    assert console.view.login.error.key == "login.error.missing"


def test_a_wrong_password_goes_back_to_the_login_with_the_reason() -> None:
    console = Console()
    console.controller.submit_login("ws://hub/ws", "tanaka", "wrong")
    console.hear(HubRefused(p.ErrorCode.UNAUTHORIZED, "unknown user or password"))
    assert console.view.stage is Stage.LOGIN
    assert console.view.login.error is not None
    assert console.view.login.error.key == "login.error.unauthorized"
    assert console.view.login.username == "tanaka"  # remembered; the password is not
    assert console.engine.named("logout") == [()]


def test_an_expired_session_goes_back_to_the_login_and_forgets_the_queue() -> None:
    console = Console().logged_in()
    console.hear(m.snapshot(m.entry()))
    console.hear(HubRefused(p.ErrorCode.SESSION_EXPIRED, "log in again"))
    view = console.view
    assert view.stage is Stage.LOGIN
    assert view.login.error is not None
    assert view.login.error.key == "login.error.expired"
    assert view.queue == ()


def test_an_unreachable_server_keeps_trying_and_can_be_cancelled() -> None:
    console = Console()
    console.controller.submit_login("ws://nowhere/ws", "tanaka", "pw")
    console.hear(HubDisconnected("connection refused"))
    assert console.view.stage is Stage.CONNECTING
    assert console.view.login.error is not None
    assert console.view.login.error.key == "login.error.unreachable"
    console.controller.cancel_login()
    assert console.view.stage is Stage.LOGIN
    assert console.engine.named("logout") == [()]


def test_the_queue_shows_kiosk_category_language_and_a_ticking_wait() -> None:
    console = Console().logged_in()
    console.now = 1042.0
    console.hear(m.snapshot(m.entry(queued_at=1000.0, language="en")))
    (item,) = console.view.queue
    assert (item.kiosk_name, item.kiosk_location) == ("中央公民館", "1階ロビー")
    assert (item.category, item.department, item.language) == ("住民票・戸籍", "市民課", "en")
    assert item.wait_seconds == 42
    console.controller.tick(1100.0)
    assert console.view.queue[0].wait_seconds == 100


def test_a_transferred_citizen_shows_where_from_and_the_note() -> None:
    console = Console().logged_in()
    handoff = p.HandoffStep(department_id="zeimu", staff_name="佐藤", note="住民税の証明が必要")
    console.hear(m.snapshot(m.entry(transferred_from=handoff)))
    transferred = console.view.queue[0].transferred_from
    assert transferred is not None
    assert (transferred.department, transferred.staff_name) == ("税務課", "佐藤")
    assert transferred.note == "住民税の証明が必要"


def test_another_wards_citizen_shows_their_ward_and_that_they_overflowed() -> None:
    console = Console().logged_in()
    console.hear(
        p.Directory(
            departments=m.directory().departments,
            categories=m.directory().categories,
            wards=[p.WardInfo(id="moji", names={"ja": "門司区", "en": "Moji"})],
        )
    )
    kiosk = p.KioskInfo(kiosk_id="k9", name="門司市民センター", location="ロビー", ward_id="moji")
    console.hear(m.snapshot(m.entry(kiosk=kiosk, overflowed=True)))
    (item,) = console.view.queue
    assert (item.kiosk_location, item.overflowed) == ("門司区 · ロビー", True)
    console.hear(m.started(kiosk=kiosk, overflowed_from="zeimu"))
    assert console.view.call is not None
    assert console.view.call.kiosk_location == "門司区 · ロビー"
    assert console.view.call.overflowed_from == "税務課"  # the desk's name, not its id


def test_someone_starting_to_wait_raises_one_alert_and_marks_them_new() -> None:
    console = Console().logged_in()
    console.hear(m.snapshot(m.entry("s1")))
    console.hear(m.snapshot(m.entry("s1")))  # resent, nobody new
    console.hear(m.snapshot(m.entry("s1"), m.entry("s2")))
    assert console.alerts == [1, 1]
    assert [item.new for item in console.view.queue] == [True, True]
    console.controller.dismiss_notice()
    assert [item.new for item in console.view.queue] == [False, False]


def test_no_alert_sounds_during_a_call() -> None:
    console = Console().in_call()
    console.alerts.clear()
    console.hear(m.snapshot(m.entry("s2")))
    assert console.alerts == []


def test_accept_and_take_next_ask_the_hub() -> None:
    console = Console().logged_in()
    console.controller.accept("s1")
    console.controller.accept_next()
    assert console.engine.named("accept") == [("s1",)]
    assert console.engine.named("accept_next") == [()]


def test_someone_else_being_faster_is_said_clearly() -> None:
    console = Console().logged_in()
    console.hear(m.snapshot(m.entry()))
    console.controller.accept("s1")
    console.hear(m.snapshot())
    console.hear(
        p.Error(code=p.ErrorCode.ALREADY_TAKEN, message="taken", ref_type="accept", session_id="s1")
    )
    view = console.view
    assert view.stage is Stage.READY
    assert view.notice is not None
    assert (view.notice.key, view.notice.level) == ("queue.already_taken", Level.ERROR)


def test_session_started_opens_the_call_with_the_handoff_notes() -> None:
    console = Console().logged_in()
    handoff = p.HandoffStep(department_id="zeimu", staff_name="佐藤", note="証明書の件")
    console.hear(m.started(handoffs=[handoff]))
    call = console.view.call
    assert console.view.stage is Stage.CALL
    assert call is not None
    assert (call.kiosk_name, call.category, call.phase) == (
        "中央公民館",
        "住民票・戸籍",
        "connecting",
    )
    assert call.handoffs[0].note == "証明書の件"
    assert call.handoffs[0].department == "税務課"


def test_the_call_shows_phase_quality_and_the_citizens_phrase() -> None:
    console = Console().in_call()
    console.hear(CallPhaseChanged("s1", CallPhase.CONNECTED, "connected"))
    tracks = (
        p.TrackStats(kind="video", direction="inbound", packet_loss_percent=0.5, fps=29.0),
        p.TrackStats(kind="audio", direction="inbound", packet_loss_percent=0.0),
    )
    console.hear(CallQuality("s1", 35.0, tracks))
    console.hear(PhraseHeard("s1", "cannot_hear"))
    console.controller.tick(console.now + 5)
    call = console.view.call
    assert call is not None
    assert call.phase is CallPhase.CONNECTED
    assert (call.quality.level, call.quality.rtt_ms, call.quality.fps) == (Quality.GOOD, 35.0, 29.0)
    assert (call.phrase, call.phrase_age) == ("cannot_hear", 5)


@pytest.mark.parametrize(
    ("rtt", "loss", "level"),
    [(None, None, Quality.UNKNOWN), (80.0, 1.0, Quality.GOOD), (450.0, 1.0, Quality.FAIR),
     (80.0, 5.0, Quality.FAIR), (900.0, 0.0, Quality.POOR), (50.0, 20.0, Quality.POOR)],
)  # fmt: skip
def test_call_quality_is_the_worst_of_round_trip_and_loss(
    rtt: float | None, loss: float | None, level: Quality
) -> None:
    console = Console().in_call()
    track = p.TrackStats(kind="audio", direction="inbound", packet_loss_percent=loss)
    console.hear(CallQuality("s1", rtt, (track,)))
    assert console.view.call is not None
    assert console.view.call.quality.level is level


def test_a_lost_peer_shows_reconnecting_then_the_result() -> None:
    console = Console().in_call()
    console.hear(CallPhaseChanged("s1", CallPhase.CONNECTED, "up"))
    console.hear(CallPhaseChanged("s1", CallPhase.RECONNECTING, "silent 5 s"))
    assert console.view.call is not None
    assert console.view.call.phase is CallPhase.RECONNECTING
    console.hear(CallPhaseChanged("s1", CallPhase.LOST, "gave up"))
    assert console.view.call is not None
    assert console.view.call.phase is CallPhase.LOST
    assert console.view.notice is not None
    assert console.view.notice.key == "call.lost"


def test_events_for_another_session_are_ignored() -> None:
    console = Console().in_call()
    console.hear(CallPhaseChanged("old", CallPhase.LOST, "an old call"))
    assert console.view.call is not None
    assert console.view.call.phase is CallPhase.CONNECTING


def test_the_hub_dropping_mid_call_keeps_the_call_and_resumes_it() -> None:
    console = Console().in_call()
    console.hear(CallPhaseChanged("s1", CallPhase.CONNECTED, "up"))
    console.hear(HubDisconnected("going away"))
    assert console.view.stage is Stage.CALL
    assert not console.view.hub_online
    console.hear(HubConnected(m.welcome(resumed=True)), m.directory(), m.started(resumed=True))
    view = console.view
    assert view.stage is Stage.CALL
    assert view.hub_online
    assert view.call is not None
    assert view.call.phase is CallPhase.CONNECTED  # the same call, not a new one


def test_a_welcome_that_does_not_resume_ends_the_call_as_network_lost() -> None:
    console = Console().in_call()
    console.hear(HubDisconnected("gone"), HubConnected(m.welcome(resumed=False)))
    view = console.view
    assert view.stage is Stage.WRAP_UP
    assert view.wrap_up is not None
    assert view.wrap_up.reason == "network_lost"


def test_end_call_then_wrap_up_goes_back_to_available_and_fills_today() -> None:
    console = Console().in_call()
    console.now += 125
    console.controller.end_call()
    assert console.engine.named("hang_up") == [()]
    console.hear(
        p.SessionEnded(session_id="s1", reason=p.EndReason.COMPLETED),
        p.PresenceChanged(presence=p.Presence.WRAP_UP),
    )
    view = console.view
    assert view.stage is Stage.WRAP_UP
    assert view.presence is p.Presence.WRAP_UP
    assert view.wrap_up is not None
    assert [c.name for c in view.wrap_up.outcomes] == ["解決", "その他"]
    console.controller.wrap_up("resolved", "  住民票を郵送で請求  ")
    assert console.engine.named("wrap_up") == [("s1", "resolved", "住民票を郵送で請求")]
    assert console.view.wrap_up is not None
    assert console.view.wrap_up.saving
    console.hear(p.WrapUpSaved(session_id="s1"), p.PresenceChanged(presence=p.Presence.AVAILABLE))
    view = console.view
    assert view.stage is Stage.READY
    assert view.presence is p.Presence.AVAILABLE
    (today,) = view.today
    assert (today.kiosk_name, today.talk_seconds, today.outcome) == ("中央公民館", 125, "解決")


def test_an_unknown_outcome_unlocks_the_form_again() -> None:
    console = Console().in_call()
    console.hear(p.SessionEnded(session_id="s1", reason=p.EndReason.COMPLETED))
    console.controller.wrap_up("nope", "")
    console.hear(p.Error(code=p.ErrorCode.UNKNOWN_OUTCOME, message="no", ref_type="wrap_up"))
    assert console.view.stage is Stage.WRAP_UP
    assert console.view.wrap_up is not None
    assert not console.view.wrap_up.saving


def test_transfer_sends_the_note_and_ends_our_part() -> None:
    console = Console().in_call()
    console.controller.transfer("zeimu", " 住民税の証明書が必要です ")
    assert console.engine.named("transfer") == [("zeimu", "住民税の証明書が必要です")]
    console.hear(
        p.SessionTransferred(
            session_id="s1", department_id="zeimu", department_names={"ja": "税務課"}
        )
    )
    view = console.view
    assert view.stage is Stage.WRAP_UP
    assert view.wrap_up is not None
    assert (view.wrap_up.reason, view.wrap_up.transferred_to) == ("transferred", "税務課")


def test_transfer_targets_say_which_departments_are_closed() -> None:
    console = Console().logged_in()
    departments = {c.id: c.enabled for c in console.view.transfer_targets}
    assert departments == {"shimin": True, "zeimu": True, "kaigo": False}


def test_transfer_targets_leave_out_the_calls_own_department_and_put_likely_ones_first() -> None:
    console = Console().in_call()  # a 市民課 call
    targets = console.view.transfer_targets
    assert [t.id for t in targets] == ["zeimu", "kaigo"]  # open first, closed last; no 市民課
    assert [t.availability for t in targets] == [Availability.TAKING, Availability.CLOSED]


def test_the_department_a_console_transfers_to_most_often_comes_first() -> None:
    console = Console().in_call()
    console.hear(
        p.Directory(
            departments=[
                *m.directory().departments,
                p.DepartmentStatus(id="fukushi", names={"ja": "福祉課"}, open_now=True),
            ],
            categories=m.directory().categories,
        )
    )
    assert [t.id for t in console.view.transfer_targets][:2] == ["zeimu", "fukushi"]
    console.controller.transfer("fukushi", "")
    assert console.controller.transfer_history[("shimin", "fukushi")] == 1
    assert [t.id for t in console.view.transfer_targets][:2] == ["fukushi", "zeimu"]


def test_a_department_with_nobody_on_duty_comes_after_those_taking_calls() -> None:
    departments = [
        p.DepartmentStatus(id="a", names={}, open_now=True, staffed=False),
        p.DepartmentStatus(id="b", names={}, open_now=False),
        p.DepartmentStatus(id="c", names={}, open_now=True),
    ]
    ranked = transfer_targets.rank(departments, "x", Counter({("x", "a"): 9}), {}, {"c": 2})
    assert [(t.id, t.waiting) for t in ranked] == [("c", 2), ("a", None), ("b", None)]
    assert [t.enabled for t in ranked] == [True, True, False]


def test_a_document_page_is_shown_and_marks_follow_it(tmp_path: Path) -> None:
    console = Console().in_call()
    form = tmp_path / "住民票請求書.pdf"
    console.controller.open_document(form, 2)
    ((path, doc_id, page),) = console.engine.named("show_page")
    assert (path, page) == (form, 0)
    console.controller.point(0.5, 1.4)
    assert console.engine.named("send_marks")[-1] == (doc_id, 0, (PointerMark(0.5, 1.0),))
    console.controller.choose_tool(MarkTool.HIGHLIGHTER)
    console.controller.highlight(0.6, 0.6, -0.2, -0.1)
    ((highlight,),) = [marks for _, _, marks in console.engine.named("send_marks")[-1:]]
    assert isinstance(highlight, HighlightMark)
    assert (highlight.x, highlight.y) == pytest.approx((0.4, 0.5))
    console.controller.draw([(0.1, 0.1), (0.2, 0.2)], done=False)
    console.controller.draw([(0.1, 0.1), (0.2, 0.2), (0.3, 0.2)], done=True)
    strokes = [marks[0] for _, _, marks in console.engine.named("send_marks")[-2:]]
    assert all(isinstance(s, PenMark) for s in strokes)
    assert strokes[0].id == strokes[1].id  # one stroke, resent as it grows
    document = console.view.call.document  # type: ignore[union-attr]
    assert document is not None
    assert (document.name, document.page, document.page_count) == ("住民票請求書.pdf", 0, 2)
    assert document.tool is MarkTool.HIGHLIGHTER
    assert len(document.marks) == 3  # highlight, stroke, pointer

    console.controller.go_to_page(1)
    assert console.engine.named("show_page")[-1] == (form, doc_id, 1)
    assert console.view.call.document.marks == ()  # type: ignore[union-attr]
    console.controller.go_to_page(2)  # past the end: nothing
    assert len(console.engine.named("show_page")) == 2
    console.controller.go_to_page(0)  # back: the page's marks are sent again
    assert len(console.engine.named("send_marks")[-1][2]) == 2
    console.controller.clear_marks()
    assert console.engine.named("clear_marks") == [(doc_id, 0)]


def test_text_to_the_kiosk_is_sent_and_listed() -> None:
    console = Console().in_call()
    console.controller.send_text("  少々お待ちください。 ")
    console.controller.send_text("   ")
    assert console.engine.named("send_text") == [("少々お待ちください。", "ja")]
    assert console.view.call is not None
    assert console.view.call.texts_sent == (SentText("少々お待ちください。", "ja"),)


STAFF_MESSAGES = [
    p.StaffMessageInfo(
        id="wait",
        texts={
            "ja": "少々お待ちください。",
            "ja-easy": "すこし まって ください。",
            "en": "Please wait a moment.",
            "vi": "Xin vui lòng chờ một chút.",
        },
    ),
    p.StaffMessageInfo(id="thanks", texts={"ja": "ご利用ありがとうございました。"}),
]


@pytest.mark.parametrize(
    ("language", "sent"),
    [
        ("en", ("Please wait a moment.", "en")),
        ("vi", ("Xin vui lòng chờ một chút.", "vi")),
        ("ja-easy", ("すこし まって ください。", "ja-easy")),
        ("ja", ("少々お待ちください。", "ja")),
    ],
)
def test_a_staff_message_goes_in_the_citizens_language(
    language: str, sent: tuple[str, str]
) -> None:
    console = Console().logged_in()
    console.hear(msgspec.structs.replace(m.directory(), staff_messages=STAFF_MESSAGES))
    console.hear(m.snapshot(m.entry()))
    console.controller.accept("s1")
    console.hear(m.snapshot(), m.started(language=language))
    call = console.view.call
    assert call is not None
    # Staff read the Japanese; the citizen reads their own.
    first = call.messages[0]
    assert (first.meaning, first.for_citizen) == ("少々お待ちください。", sent[0])
    console.controller.send_message("wait")
    assert console.engine.named("send_text") == [sent]
    assert console.view.call.texts_sent == (SentText("少々お待ちください。", sent[1]),)


def test_a_staff_message_the_city_has_only_in_japanese_is_sent_as_japanese() -> None:
    console = Console().logged_in()
    console.hear(msgspec.structs.replace(m.directory(), staff_messages=STAFF_MESSAGES))
    console.hear(m.snapshot(m.entry()))
    console.controller.accept("s1")
    console.hear(m.snapshot(), m.started(language="ko"))
    console.controller.send_message("thanks")
    console.controller.send_message("no-such-message")
    assert console.engine.named("send_text") == [("ご利用ありがとうございました。", "ja")]


def test_typing_to_an_easy_japanese_reader_is_advised_and_to_others_not() -> None:
    for language, advised in (("ja-easy", True), ("ja", False), ("en", False)):
        console = Console().logged_in()
        console.hear(m.snapshot(m.entry()))
        console.controller.accept("s1")
        console.hear(m.snapshot(), m.started(language=language))
        console.controller.draft_changed("こちらの書類をご覧ください。")
        call = console.view.call
        assert call is not None
        assert bool(call.advice) is advised, language
        if advised:
            assert any(a.kind == "keigo" for a in call.advice)
            console.controller.send_text("こちらの書類をご覧ください。")
            assert console.view.call.advice == ()  # the draft is gone


def test_screen_share_starts_and_says_when_it_stopped_by_itself() -> None:
    console = Console().in_call()
    console.controller.share_screen(ScreenArea(region=(0, 0, 800, 600)))
    assert console.view.call is not None
    assert console.view.call.sharing_screen
    console.hear(SharingEnded("the display went away"))
    assert console.view.call is not None
    assert not console.view.call.sharing_screen
    assert console.view.notice is not None
    assert console.view.notice.key == "share.ended"


def test_the_kiosks_document_camera_is_shown_while_it_sends() -> None:
    console = Console().in_call()
    console.hear(RemoteContentChanged("s1", "document_camera"))
    assert console.view.call is not None
    assert console.view.call.remote_content == "document_camera"
    console.hear(RemoteContentChanged("s1", None))
    assert console.view.call is not None
    assert console.view.call.remote_content is None


def test_mute_and_camera_toggle() -> None:
    console = Console().in_call()
    console.controller.toggle_mute()
    console.controller.toggle_camera()
    console.controller.toggle_mute()
    assert console.engine.named("set_muted") == [(True,), (False,)]
    assert console.engine.named("set_camera_enabled") == [(False,)]


def test_the_citizen_speaking_shows_in_the_call_view_until_they_stop() -> None:
    console = Console().in_call()
    console.hear(CitizenSpeaking(True))
    assert console.view.call is not None
    assert console.view.call.citizen_speaking
    console.hear(CitizenSpeaking(False))
    assert not console.view.call.citizen_speaking


def test_no_camera_warns_and_calls_go_on_audio_only() -> None:
    console = Console().logged_in()
    console.hear(CameraHealth(p.DeviceHealth.MISSING, "no camera found"))
    assert console.view.notice is not None
    assert console.view.notice.key == "camera.missing"
    console.hear(m.started())
    assert console.view.stage is Stage.CALL
    assert console.view.call is not None
    assert console.view.call.camera_problem == "no camera found"


def test_nothing_of_a_call_outlives_it(tmp_path: Path) -> None:
    console = Console().in_call()
    console.controller.send_text("秘密の話")
    console.controller.open_document(tmp_path / "a.pdf", 1)
    console.hear(p.SessionEnded(session_id="s1", reason=p.EndReason.COMPLETED))
    assert console.view.call is None
    assert "秘密の話" not in repr(console.view)


def test_the_forms_folder_lists_recently_used_first(tmp_path: Path) -> None:
    for name in ("a.pdf", "b.png", "c.txt"):
        (tmp_path / name).write_bytes(b"x")
    console = Console(forms=tmp_path).in_call()
    assert [Path(f).name for f in console.view.forms] == ["a.pdf", "b.png"]
    console.controller.open_document(tmp_path / "b.png", 1)
    assert [Path(f).name for f in console.view.forms] == ["b.png", "a.pdf"]


def test_every_stage_can_be_left_for_the_login() -> None:
    for stage in Stage:
        assert TRANSITIONS[stage, Step.REFUSED] is Stage.LOGIN
        assert TRANSITIONS[stage, Step.LOGOUT] is Stage.LOGIN


A4_PT = (595.0, 842.0)
KIOSK_MM_PER_PX = 0.2745  # the reference 23.8" 1920x1080 panel


def test_look_here_sends_the_box_on_the_page_shown_and_whole_page_the_full_box(
    tmp_path: Path,
) -> None:
    console = Console().in_call()
    console.controller.focus(0.5, 0.5, 0.2, 0.1)  # no document: nothing to look at
    assert console.engine.named("focus") == []
    console.controller.open_document(tmp_path / "form.pdf", 2)
    ((_, doc_id, _),) = console.engine.named("show_page")
    console.controller.go_to_page(1)
    console.controller.focus(0.7, 0.9, -0.2, 0.3)  # dragged leftwards, past the bottom
    console.controller.focus_whole_page()
    (box, whole) = console.engine.named("focus")
    assert box[:2] == (doc_id, 1)
    assert box[2] == pytest.approx((0.5, 0.9, 0.2, 0.1))
    assert whole == (doc_id, 1, WHOLE_PAGE)


def test_the_citizen_screen_is_the_whole_page_at_fit_until_the_kiosk_says_its_view(
    tmp_path: Path,
) -> None:
    facts = PageFacts(A4_PT, 8.0)
    console = Console(measure_page=lambda path, page: facts).in_call()
    console.controller.open_document(tmp_path / "form.pdf", 2)
    ((_, doc_id, _),) = console.engine.named("show_page")
    citizen = console.view.call.document.citizen
    assert citizen.viewer_px is None
    assert citizen.text.legibility is Legibility.NO_SCALE  # no size to judge by yet
    console.hear(ViewerChanged(1700, 950, KIOSK_MM_PER_PX))
    citizen = console.view.call.document.citizen
    assert (citizen.box, citizen.drawn_px, citizen.reported) == (WHOLE_PAGE, (671, 950), False)
    assert citizen.text.legibility is Legibility.TOO_SMALL
    assert citizen.text.smallest_mm == pytest.approx(8 * 950 / 842 * KIOSK_MM_PER_PX, abs=0.01)
    console.hear(CitizenViewChanged(doc_id, 1, (0.0, 0.0, 0.5, 0.5), 1700, 950))  # another page
    assert console.view.call.document.citizen.reported is False
    console.hear(CitizenViewChanged(doc_id, 0, (0.1, 0.2, 0.5, 0.3), 1194, 950))
    citizen = console.view.call.document.citizen
    assert (citizen.box, citizen.drawn_px, citizen.reported) == (
        (0.1, 0.2, 0.5, 0.3),
        (1194, 950),
        True,
    )
    assert citizen.text.legibility is Legibility.READABLE


def test_zoom_to_legible_sends_a_box_the_kiosk_draws_the_smallest_text_at_4_8_mm(
    tmp_path: Path,
) -> None:
    viewer = (1700, 950)
    console = Console(measure_page=lambda path, page: PageFacts(A4_PT, 8.0)).in_call()
    console.controller.open_document(tmp_path / "form.pdf", 1)
    console.hear(ViewerChanged(*viewer, KIOSK_MM_PER_PX))
    console.controller.point(0.3, 0.7)  # staff point at what they mean: the box centres there
    console.controller.focus_legible()
    ((_, _, box),) = console.engine.named("focus")
    assert box[1] + box[3] / 2 == pytest.approx(0.7)
    assert box[2] == 1.0  # a portrait page in a landscape view: its whole width fits
    drawn = fit(box, A4_PT, viewer)  # what the kiosk does with a focus box
    mm = text_height_mm(8.0, px_per_pt(box, A4_PT, drawn), KIOSK_MM_PER_PX)
    assert mm >= LEGIBLE_MM


def test_a_scan_without_text_has_no_text_size_and_no_zoom_to_offer(tmp_path: Path) -> None:
    console = Console(measure_page=lambda path, page: PageFacts(A4_PT, None)).in_call()
    console.controller.open_document(tmp_path / "scan.png", 1)
    console.hear(ViewerChanged(1700, 950, KIOSK_MM_PER_PX))
    citizen = console.view.call.document.citizen
    assert citizen.text.legibility is Legibility.NO_TEXT
    assert citizen.legible_box is None
    console.controller.focus_legible()
    assert console.engine.named("focus") == []


def test_a_kiosk_that_does_not_know_its_pixel_pitch_gives_no_text_size(tmp_path: Path) -> None:
    console = Console(measure_page=lambda path, page: PageFacts(A4_PT, 8.0)).in_call()
    console.controller.open_document(tmp_path / "form.pdf", 1)
    console.hear(ViewerChanged(1700, 950, None))
    citizen = console.view.call.document.citizen
    assert citizen.text.legibility is Legibility.NO_SCALE
    assert citizen.legible_box is None
