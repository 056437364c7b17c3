"""The switchboard's rules, one behaviour per test, with a fixed clock and no I/O."""

from __future__ import annotations

import pytest

from kiosk.i18n import Language
from signaling import events
from signaling import protocol as p
from signaling.directory import KIOSK_LANGUAGES
from signaling.principal import Principal
from signaling.switchboard import Outputs, Switchboard

from .board import CLOSING_TIME, DIRECTORY, OPEN_TIME, Board, kiosk, staff


@pytest.fixture
def b() -> Board:
    return Board()


def start_call(b: Board) -> tuple[int, int, str]:
    k = b.connect(kiosk(1))
    s = b.connect(staff(1, "shimin"))
    session_id = b.request(k)
    b.send(s, p.Accept(session_id=session_id))
    return k, s, session_id


def rejects(b: Board, conn: int, message: p.ClientMessage, code: p.ErrorCode) -> None:
    """The message is refused with ``code`` and nothing is sent or recorded."""
    before = (len(b.events), sum(len(v) for v in b.inbox.values()), b.board.snapshot())
    with pytest.raises(p.RemoteProtocolError) as info:
        b.send(conn, message)
    assert info.value.code is code
    assert before == (len(b.events), sum(len(v) for v in b.inbox.values()), b.board.snapshot())


# Connecting.


def test_kiosk_gets_welcome_then_directory_with_open_states(b: Board) -> None:
    k = b.connect(kiosk(1))
    welcome = b.welcome(k)
    assert (welcome.role, welcome.principal_id, welcome.resumed) == (p.Role.KIOSK, "k1", False)
    directory = b.last(k, p.Directory)
    states = {d.id: d.open_now for d in directory.departments}
    assert states == {"shimin": True, "zeimu": True, "yoru": False}
    assert [c.id for c in directory.categories] == ["juminhyo", "zei", "yakan"]


def staffed(b: Board, conn: int) -> dict[str, bool]:
    return {d.id: d.staffed for d in b.last(conn, p.Directory).departments}


def test_kiosks_are_told_which_departments_have_staff_on_duty_as_it_changes(b: Board) -> None:
    k = b.connect(kiosk(1))
    assert staffed(b, k) == {"shimin": False, "zeimu": False, "yoru": False}
    s = b.connect(staff(1, "shimin"))
    assert staffed(b, k) == {"shimin": True, "zeimu": False, "yoru": False}
    b.send(s, p.SetPresence(presence=p.Presence.AWAY))
    assert staffed(b, k)["shimin"] is False
    b.send(s, p.SetPresence(presence=p.Presence.AVAILABLE))
    assert staffed(b, k)["shimin"] is True
    # A second colleague changes nothing a kiosk shows, so nothing is sent.
    s2 = b.connect(staff(2, "shimin"))
    assert b.take(k, p.Directory) == []
    b.disconnect(s2)
    b.disconnect(s)
    assert b.take(k, p.Directory) == []  # staff who drop keep their place for the grace period
    b.advance(31)
    assert staffed(b, k)["shimin"] is False
    # A kiosk that connects now is told the same.
    assert staffed(b, b.connect(kiosk(2))) == {"shimin": False, "zeimu": False, "yoru": False}


def test_staff_welcome_lists_departments_and_presence(b: Board) -> None:
    s = b.connect(staff(1, "shimin", "zeimu"))
    welcome = b.welcome(s)
    assert welcome.departments == ["shimin", "zeimu"]
    assert welcome.presence is p.Presence.AVAILABLE
    assert b.last(s, p.QueueSnapshot).entries == []


def test_hello_after_connect_is_an_invalid_state(b: Board) -> None:
    k = b.connect(kiosk(1))
    rejects(b, k, p.Hello(protocol_version=1, token="x"), p.ErrorCode.INVALID_STATE)


def test_each_role_may_send_only_its_own_commands(b: Board) -> None:
    k = b.connect(kiosk(1))
    s = b.connect(staff(1, "shimin"))
    sup = b.connect(p_supervisor())
    rejects(b, k, p.AcceptNext(), p.ErrorCode.FORBIDDEN)
    rejects(
        b, s, p.RequestConsultation(category_id="juminhyo", language="ja"), p.ErrorCode.FORBIDDEN
    )
    rejects(b, sup, p.SetPresence(presence=p.Presence.AWAY), p.ErrorCode.FORBIDDEN)


def p_supervisor() -> Principal:

    return Principal(role=p.Role.SUPERVISOR, id="sv1", display_name="係長")


# Requesting and queueing.


def test_request_queues_the_kiosk_with_position_and_estimate(b: Board) -> None:
    k = b.connect(kiosk(1))
    b.connect(staff(1, "shimin"))
    b.send(k, p.RequestConsultation(category_id="juminhyo", language="en"))
    queued = b.last(k, p.Queued)
    assert (queued.department_id, queued.position, queued.staff_on_duty) == ("shimin", 1, 1)
    assert queued.eta_seconds == 0  # an idle staff member can take it at once
    requested = b.of_type(events.ConsultationRequested)[0]
    assert (requested.kiosk_id, requested.language, requested.department_id) == (
        "k1",
        "en",
        "shimin",
    )


def test_request_with_nobody_on_duty_gives_no_estimate(b: Board) -> None:
    k = b.connect(kiosk(1))
    b.request(k)
    b.connect(staff(1, "zeimu"))  # another department
    b.send(k, p.CancelRequest(session_id=b.board.sessions()[0].id))
    b.take(k, p.SessionEnded)
    b.send(k, p.RequestConsultation(category_id="juminhyo", language="ja"))
    queued = b.last(k, p.Queued)
    assert (queued.eta_seconds, queued.staff_on_duty) == (None, 0)


def test_request_outside_hours_says_when_the_department_opens(b: Board) -> None:
    k = b.connect(kiosk(1))
    b.send(k, p.RequestConsultation(category_id="yakan", language="ja"))
    closed = b.last(k, p.DepartmentClosed)
    assert closed.department_id == "yoru"
    assert closed.opens_at is not None
    assert closed.opens_at > b.now
    assert b.board.sessions() == []
    assert b.of_type(events.ConsultationRequested) == []


def test_unknown_category_is_refused_without_side_effects(b: Board) -> None:
    k = b.connect(kiosk(1))
    rejects(
        b, k, p.RequestConsultation(category_id="nope", language="ja"), p.ErrorCode.UNKNOWN_CATEGORY
    )


@pytest.mark.parametrize("language", ["=1+2", "xx", "JA", "ja-easy2"])
def test_a_language_the_kiosk_does_not_offer_is_refused_without_side_effects(
    b: Board, language: str
) -> None:
    k = b.connect(kiosk(1))
    for category in ("zei", "yakan"):  # open, and closed: refused before the hours are looked at
        rejects(
            b,
            k,
            p.RequestConsultation(category_id=category, language=language),
            p.ErrorCode.UNKNOWN_LANGUAGE,
        )


def test_the_hub_accepts_exactly_the_kiosk_languages() -> None:
    assert set(KIOSK_LANGUAGES) == {language.value for language in Language}


def test_every_kiosk_language_can_request(b: Board) -> None:
    for n, language in enumerate(KIOSK_LANGUAGES, start=1):
        k = b.connect(kiosk(n))
        b.send(k, p.RequestConsultation(category_id="zei", language=language))
        assert b.last(k, p.Queued)


def test_a_waiting_kiosk_cannot_request_again(b: Board) -> None:
    k = b.connect(kiosk(1))
    b.request(k)
    rejects(
        b, k, p.RequestConsultation(category_id="zei", language="ja"), p.ErrorCode.INVALID_STATE
    )


def test_staff_see_the_live_queue_of_their_departments_only(b: Board) -> None:
    s1 = b.connect(staff(1, "shimin"))
    s2 = b.connect(staff(2, "zeimu"))
    b.take(s2, p.QueueSnapshot)
    k = b.connect(kiosk(1))
    b.request(k)
    entry = b.last(s1, p.QueueSnapshot).entries[0]
    assert (entry.kiosk.name, entry.kiosk.location, entry.category_id) == (
        "公民館1",
        "1F",
        "juminhyo",
    )
    assert b.take(s2, p.QueueSnapshot) == []


def test_positions_move_up_when_the_head_is_answered(b: Board) -> None:
    kiosks = [b.connect(kiosk(n)) for n in range(1, 4)]
    for k in kiosks:
        b.request(k)
    s = b.connect(staff(1, "shimin"))
    b.send(s, p.AcceptNext())
    assert b.last(kiosks[1], p.Queued).position == 1
    assert b.last(kiosks[2], p.Queued).position == 2


def test_estimate_uses_rolling_handle_time_and_staff_on_duty() -> None:
    b = Board()
    s = b.connect(staff(1, "shimin"))
    k1, k2, k3 = (b.connect(kiosk(n)) for n in (1, 2, 3))
    first = b.request(k1)
    b.send(s, p.Accept(session_id=first))
    b.advance(120)
    b.send(s, p.HangUp(session_id=first))
    b.send(s, p.WrapUp(session_id=first, outcome_code="resolved"))
    second = b.request(k2)
    b.send(s, p.Accept(session_id=second))
    b.send(k3, p.RequestConsultation(category_id="juminhyo", language="ja"))
    # One busy staff member, a 120 s average call: k3 waits about one call.
    assert b.last(k3, p.Queued).eta_seconds == 120


def test_waiting_kiosks_hear_about_staff_going_away(b: Board) -> None:
    s = b.connect(staff(1, "shimin"))
    k = b.connect(kiosk(1))
    b.request(k)
    b.send(s, p.SetPresence(presence=p.Presence.AWAY))
    assert b.last(k, p.Queued).staff_on_duty == 0
    assert b.last(s, p.PresenceChanged).presence is p.Presence.AWAY


# Accepting.


def test_accept_tells_both_ends_about_each_other_and_who_offers(b: Board) -> None:
    k, s, _sid = start_call(b)
    to_kiosk, to_staff = b.last(k, p.SessionStarted), b.last(s, p.SessionStarted)
    assert (to_kiosk.staff.display_name, to_kiosk.staff.department_id) == ("職員1", "shimin")
    assert (to_staff.kiosk.name, to_staff.kiosk.location) == ("公民館1", "1F")
    assert (to_kiosk.you_offer, to_staff.you_offer) == (False, True)
    assert b.board.queue("shimin") == []


def test_the_first_accept_wins_and_the_second_is_told_it_is_taken(b: Board) -> None:
    k = b.connect(kiosk(1))
    s1, s2 = b.connect(staff(1, "shimin")), b.connect(staff(2, "shimin"))
    session_id = b.request(k)
    b.send(s1, p.Accept(session_id=session_id))
    assert b.last(s2, p.QueueSnapshot).entries == []
    rejects(b, s2, p.Accept(session_id=session_id), p.ErrorCode.ALREADY_TAKEN)


def test_accepting_a_citizen_of_another_department_is_forbidden(b: Board) -> None:
    k = b.connect(kiosk(1))
    s = b.connect(staff(1, "zeimu"))
    session_id = b.request(k)
    rejects(b, s, p.Accept(session_id=session_id), p.ErrorCode.FORBIDDEN)


def test_staff_in_a_call_cannot_take_another(b: Board) -> None:
    _k, s, _ = start_call(b)
    k2 = b.connect(kiosk(2))
    b.request(k2)
    rejects(b, s, p.AcceptNext(), p.ErrorCode.INVALID_STATE)


def test_accept_next_on_an_empty_queue_says_so(b: Board) -> None:
    s = b.connect(staff(1, "shimin"))
    rejects(b, s, p.AcceptNext(), p.ErrorCode.QUEUE_EMPTY)


def test_accept_next_serves_first_come_first(b: Board) -> None:
    kiosks = [b.connect(kiosk(n)) for n in range(1, 4)]
    order = [b.request(k) for k in kiosks]
    served = []
    for n in range(3):
        s = b.connect(staff(n + 1, "shimin"))
        b.send(s, p.AcceptNext())
        served.append(b.last(s, p.SessionStarted).session_id)
    assert served == order


# Media negotiation relay.


def test_offer_answer_and_candidates_pass_between_the_two_ends(b: Board) -> None:
    k, s, sid = start_call(b)
    b.send(s, p.SdpOffer(session_id=sid, sdp="v=0 offer"))
    assert b.last(k, p.SdpOffer).sdp == "v=0 offer"
    b.send(k, p.SdpAnswer(session_id=sid, sdp="v=0 answer"))
    assert b.last(s, p.SdpAnswer).sdp == "v=0 answer"
    candidate = p.IceCandidate(
        session_id=sid,
        candidate="candidate:1 1 udp 1 127.0.0.1 5000 typ host",
        sdp_mid="0",
        sdp_mline_index=0,
    )
    b.send(k, candidate)
    assert b.last(s, p.IceCandidate) == candidate
    b.send(s, p.EndOfCandidates(session_id=sid))
    assert b.last(k, p.EndOfCandidates).session_id == sid


def test_nobody_outside_the_session_can_relay_into_it(b: Board) -> None:
    _k, _s, sid = start_call(b)
    other = b.connect(staff(2, "shimin"))
    rejects(b, other, p.SdpOffer(session_id=sid, sdp="x"), p.ErrorCode.UNKNOWN_SESSION)
    k2 = b.connect(kiosk(2))
    rejects(b, k2, p.IceCandidate(session_id=sid, candidate="c"), p.ErrorCode.UNKNOWN_SESSION)


def test_relay_before_the_call_starts_is_an_invalid_state(b: Board) -> None:
    k = b.connect(kiosk(1))
    sid = b.request(k)
    rejects(b, k, p.SdpOffer(session_id=sid, sdp="x"), p.ErrorCode.INVALID_STATE)


def test_relay_to_a_reconnecting_peer_is_refused_so_the_sender_can_retry(b: Board) -> None:
    k, s, sid = start_call(b)
    b.disconnect(k)
    assert b.last(s, p.PeerLinkChanged).online is False
    rejects(b, s, p.SdpOffer(session_id=sid, sdp="x"), p.ErrorCode.PEER_UNAVAILABLE)


# Transfer.


def test_transfer_sends_the_citizen_to_the_head_of_the_other_queue(b: Board) -> None:
    waiting = b.connect(kiosk(2))
    b.connect(staff(9, "zeimu", "shimin"))  # keeps zeimu's queue watched
    k = b.connect(kiosk(1))
    s = b.connect(staff(1, "shimin"))
    b.send(waiting, p.RequestConsultation(category_id="zei", language="ja"))
    sid = b.request(k)
    b.send(s, p.Accept(session_id=sid))
    b.send(s, p.Transfer(session_id=sid, department_id="zeimu", note="住民税の減免について"))
    moved = b.last(k, p.SessionTransferred)
    assert (moved.department_id, moved.department_names["ja"]) == ("zeimu", "税務課")
    assert b.last(s, p.SessionTransferred).session_id == sid
    assert b.board.queue("zeimu")[0] == sid
    assert b.last(k, p.Queued).position == 1
    assert b.last(waiting, p.Queued).position == 2


def test_receiving_staff_see_the_note_in_the_queue_and_at_accept(b: Board) -> None:
    k, s, sid = start_call(b)
    receiver = b.connect(staff(2, "zeimu"))
    b.send(s, p.Transfer(session_id=sid, department_id="zeimu", note="減免の相談"))
    entry = b.last(receiver, p.QueueSnapshot).entries[0]
    assert entry.transferred_from == p.HandoffStep(
        department_id="zeimu", staff_name="職員1", note="減免の相談"
    )
    b.send(receiver, p.AcceptNext())
    started = b.last(receiver, p.SessionStarted)
    assert started.session_id == sid  # the session keeps its id
    assert [h.note for h in started.handoffs] == ["減免の相談"]
    assert b.last(k, p.SessionStarted).staff.staff_id == "u2"


def test_the_transferring_staff_member_goes_to_wrap_up(b: Board) -> None:
    _k, s, sid = start_call(b)
    b.send(s, p.Transfer(session_id=sid, department_id="zeimu"))
    assert b.last(s, p.PresenceChanged).presence is p.Presence.WRAP_UP
    b.send(s, p.WrapUp(session_id=sid, outcome_code="resolved", note="税務課へ"))
    assert b.last(s, p.WrapUpSaved).session_id == sid


def test_transfer_to_a_closed_or_unknown_department_is_refused(b: Board) -> None:
    _k, s, sid = start_call(b)
    rejects(b, s, p.Transfer(session_id=sid, department_id="yoru"), p.ErrorCode.DEPARTMENT_CLOSED)
    rejects(b, s, p.Transfer(session_id=sid, department_id="nope"), p.ErrorCode.UNKNOWN_DEPARTMENT)


# Ending, wrap-up and survey.


def test_staff_hang_up_completes_the_session_for_both_ends(b: Board) -> None:
    k, s, sid = start_call(b)
    b.send(s, p.HangUp(session_id=sid))
    assert b.last(k, p.SessionEnded).reason is p.EndReason.COMPLETED
    assert b.last(s, p.SessionEnded).reason is p.EndReason.COMPLETED
    assert b.last(s, p.PresenceChanged).presence is p.Presence.WRAP_UP
    assert b.board.sessions() == []


def test_a_kiosk_may_not_claim_staff_ended(b: Board) -> None:
    k, _s, sid = start_call(b)
    rejects(b, k, p.HangUp(session_id=sid, reason=p.EndReason.STAFF_ENDED), p.ErrorCode.BAD_MESSAGE)


def test_cancel_while_waiting_ends_citizen_cancelled(b: Board) -> None:
    k = b.connect(kiosk(1))
    sid = b.request(k)
    b.send(k, p.CancelRequest(session_id=sid))
    assert b.last(k, p.SessionEnded).reason is p.EndReason.CITIZEN_CANCELLED
    assert b.board.queue("shimin") == []
    ended = b.of_type(events.ConsultationEnded)[0]
    assert (ended.answered, ended.reason) == (False, p.EndReason.CITIZEN_CANCELLED)


def test_cancel_of_an_answered_call_is_an_invalid_state(b: Board) -> None:
    k, _s, sid = start_call(b)
    rejects(b, k, p.CancelRequest(session_id=sid), p.ErrorCode.INVALID_STATE)


def test_wrap_up_is_saved_and_staff_return_to_available(b: Board) -> None:
    _k, s, sid = start_call(b)
    b.send(s, p.HangUp(session_id=sid))
    b.send(s, p.WrapUp(session_id=sid, outcome_code="resolved", note="住民票を郵送"))
    assert b.last(s, p.WrapUpSaved).session_id == sid
    assert b.last(s, p.PresenceChanged).presence is p.Presence.AVAILABLE
    recorded = b.of_type(events.WrapUpRecorded)[0]
    assert (recorded.outcome_code, recorded.note, recorded.leg) == ("resolved", "住民票を郵送", 0)


def test_wrap_up_needs_a_known_outcome_and_an_ended_call(b: Board) -> None:
    _k, s, sid = start_call(b)
    rejects(b, s, p.WrapUp(session_id=sid, outcome_code="resolved"), p.ErrorCode.UNKNOWN_SESSION)
    b.send(s, p.HangUp(session_id=sid))
    rejects(b, s, p.WrapUp(session_id=sid, outcome_code="made-up"), p.ErrorCode.UNKNOWN_OUTCOME)


def test_the_survey_is_taken_once_for_an_answered_session(b: Board) -> None:
    k, s, sid = start_call(b)
    b.send(s, p.HangUp(session_id=sid))
    b.send(k, p.SubmitSurvey(session_id=sid, score=5))
    assert b.last(k, p.SurveySaved).session_id == sid
    assert b.of_type(events.SurveyRecorded)[0].score == 5
    rejects(b, k, p.SubmitSurvey(session_id=sid, score=1), p.ErrorCode.UNKNOWN_SESSION)


def test_no_survey_for_a_citizen_who_was_never_answered(b: Board) -> None:
    k = b.connect(kiosk(1))
    sid = b.request(k)
    b.send(k, p.CancelRequest(session_id=sid))
    rejects(b, k, p.SubmitSurvey(session_id=sid, score=3), p.ErrorCode.UNKNOWN_SESSION)


def test_history_events_carry_waits_talk_and_transfers(b: Board) -> None:
    k = b.connect(kiosk(1))
    s1, s2 = b.connect(staff(1, "shimin")), b.connect(staff(2, "zeimu"))
    sid = b.request(k)
    b.advance(10)
    b.send(s1, p.Accept(session_id=sid))
    b.advance(60)
    b.send(s1, p.Transfer(session_id=sid, department_id="zeimu", note="n"))
    b.advance(5)
    b.send(s2, p.AcceptNext())
    b.advance(30)
    b.send(k, p.HangUp(session_id=sid))
    ended = b.of_type(events.ConsultationEnded)
    assert len(ended) == 1
    assert (ended[0].wait_seconds, ended[0].talk_seconds, ended[0].transfers) == (15, 90, 1)
    legs = [(e.leg, e.reason) for e in b.of_type(events.LegEnded)]
    assert legs == [(0, p.EndReason.TRANSFERRED), (1, p.EndReason.COMPLETED)]


# Disconnects and resume.


def test_a_waiting_kiosk_that_resumes_in_time_keeps_its_place(b: Board) -> None:
    k = b.connect(kiosk(1))
    token = b.welcome(k).resume_token
    sid = b.request(k)
    b.disconnect(k)
    b.advance(20)
    k2 = b.connect(kiosk(1), resume_token=token)
    assert b.welcome(k2).resumed is True
    assert b.last(k2, p.Queued).session_id == sid
    assert b.board.queue("shimin") == [sid]


def test_a_call_survives_a_link_drop_and_the_peer_is_told(b: Board) -> None:
    k, s, sid = start_call(b)
    token = b.welcome(s).resume_token
    b.disconnect(s)
    assert b.last(k, p.PeerLinkChanged).online is False
    s2 = b.connect(staff(1, "shimin"), resume_token=token)
    started = b.last(s2, p.SessionStarted)
    assert (started.session_id, started.resumed) == (sid, True)
    assert b.last(k, p.PeerLinkChanged).online is True


def test_after_the_grace_period_the_session_ends_network_lost(b: Board) -> None:
    k, s, _sid = start_call(b)
    b.disconnect(k)
    b.advance(29)
    assert b.of_type(events.ConsultationEnded) == []
    b.advance(2)
    assert b.last(s, p.SessionEnded).reason is p.EndReason.NETWORK_LOST
    assert b.of_type(events.ConsultationEnded)[0].reason is p.EndReason.NETWORK_LOST


def test_reconnect_is_resume_even_without_the_resume_token(b: Board) -> None:
    k, s, sid = start_call(b)
    b.disconnect(k)
    b.take(s, p.PeerLinkChanged)
    k2 = b.connect(kiosk(1), resume_token="stale")  # a restarted app: the token proves it
    assert b.welcome(k2).resumed is True
    started = b.last(k2, p.SessionStarted)
    assert (started.session_id, started.resumed) == (sid, True)
    assert b.last(s, p.PeerLinkChanged).online is True
    assert b.take(s, p.SessionEnded) == []
    assert b.of_type(events.ConsultationEnded) == []


def test_a_staff_member_reconnecting_without_the_resume_token_keeps_the_call(b: Board) -> None:
    k, s, sid = start_call(b)
    s2 = b.connect(staff(1, "shimin"))  # the old socket is still attached: staff take over
    assert b.closed[s] is p.ErrorCode.REPLACED
    assert b.last(s2, p.SessionStarted).session_id == sid
    assert b.take(k, p.SessionEnded) == []
    assert b.board.sessions()[0].id == sid


def test_an_idle_kiosk_without_the_resume_token_starts_afresh(b: Board) -> None:
    k = b.connect(kiosk(1))
    b.disconnect(k)
    assert b.welcome(b.connect(kiosk(1), resume_token="stale")).resumed is False


def test_a_kiosk_whose_old_link_is_silent_is_taken_over_and_keeps_its_call(b: Board) -> None:
    k, s, sid = start_call(b)
    b.advance(b.board.liveness_seconds)  # pinged by the hub, and no answer all that time
    k2 = b.connect(kiosk(1))
    assert b.closed[k] is p.ErrorCode.REPLACED
    assert b.welcome(k2).resumed is True
    assert b.last(k2, p.SessionStarted).session_id == sid
    assert b.take(s, p.SessionEnded) == []
    assert b.of_type(events.ConsultationEnded) == []


def test_a_concurrent_connection_with_a_live_kiosks_token_is_refused(b: Board) -> None:
    k, s, sid = start_call(b)
    b.advance(60)
    b.board.heard(k, b.now - 1)  # it answered the hub's ping
    before = b.board.snapshot()
    assert b.board.live_twin(kiosk(1), None) == k
    with pytest.raises(p.RemoteProtocolError) as refused:
        b.connect(kiosk(1))
    assert refused.value.code is p.ErrorCode.ALREADY_CONNECTED
    assert b.board.snapshot() == before
    assert b.board.drain() == Outputs()
    assert k not in b.closed
    assert b.board.client(p.Role.KIOSK, "k1").conn == k
    b.send(s, p.SdpOffer(session_id=sid, sdp="v=0"))  # the call goes on, with the first
    assert b.last(k, p.SdpOffer).sdp == "v=0"


def test_any_frame_from_the_kiosk_proves_it_alive(b: Board) -> None:
    k = b.connect(kiosk(1))
    b.advance(60)
    b.send(k, p.ReportStatus(activity=p.KioskActivity.IDLE))
    with pytest.raises(p.RemoteProtocolError):
        b.connect(kiosk(1))


def test_the_kiosks_own_resume_token_takes_over_at_once(b: Board) -> None:
    k, _s, sid = start_call(b)
    token = b.welcome(k).resume_token
    assert b.board.live_twin(kiosk(1), token) is None  # nothing to ping
    k2 = b.connect(kiosk(1), resume_token=token)
    assert b.closed[k] is p.ErrorCode.REPLACED
    assert b.last(k2, p.SessionStarted).session_id == sid


def test_a_second_connection_replaces_the_first(b: Board) -> None:
    first = b.connect(staff(1, "shimin"))
    token = b.welcome(first).resume_token
    second = b.connect(staff(1, "shimin"), resume_token=token)
    assert b.closed[first] is p.ErrorCode.REPLACED
    assert b.welcome(second).resumed is True


def test_staff_who_drop_out_can_still_wrap_up_later(b: Board) -> None:
    _k, s, sid = start_call(b)
    b.send(s, p.HangUp(session_id=sid))
    b.disconnect(s)
    b.advance(60)
    s2 = b.connect(staff(1, "shimin"))
    b.send(s2, p.WrapUp(session_id=sid, outcome_code="resolved"))
    assert b.last(s2, p.WrapUpSaved).session_id == sid


def test_snapshot_and_restore_give_everyone_their_state_back(b: Board) -> None:
    k, s, sid = start_call(b)
    tokens = b.welcome(k).resume_token, b.welcome(s).resume_token
    waiting = b.connect(kiosk(2))
    waiting_token = b.welcome(waiting).resume_token
    waiting_sid = b.request(waiting)
    restarted = Board(now=b.now)
    restarted.board = Switchboard(DIRECTORY)
    restarted.board.restore(b.board.snapshot(), restarted.now)
    k2 = restarted.connect(kiosk(1), resume_token=tokens[0])
    assert restarted.last(k2, p.SessionStarted).session_id == sid
    w2 = restarted.connect(kiosk(2), resume_token=waiting_token)
    assert restarted.last(w2, p.Queued).session_id == waiting_sid
    restarted.advance(31)  # staff never came back
    assert restarted.last(k2, p.SessionEnded).reason is p.EndReason.NETWORK_LOST


# Opening hours.


def test_at_closing_time_nobody_waits_for_a_department_with_no_staff(b: Board) -> None:
    s = b.connect(staff(1, "shimin"))
    b.send(s, p.SetPresence(presence=p.Presence.AWAY))
    k = b.connect(kiosk(1))
    b.request(k)
    b.advance(CLOSING_TIME - OPEN_TIME + 1)
    assert b.last(k, p.SessionEnded).reason is p.EndReason.CLOSED
    directory = b.last(k, p.Directory)
    assert not any(d.open_now for d in directory.departments)


def test_staff_on_duty_at_closing_time_still_serve_whoever_waits(b: Board) -> None:
    b.connect(staff(1, "shimin"))
    k = b.connect(kiosk(1))
    sid = b.request(k)
    b.advance(CLOSING_TIME - OPEN_TIME + 1)
    assert b.board.queue("shimin") == [sid]


def test_timer_points_at_the_next_grace_deadline_or_hours_change(b: Board) -> None:
    k = b.connect(kiosk(1))
    assert b.board.get_timer() == CLOSING_TIME
    b.request(k)
    b.disconnect(k)
    assert b.board.get_timer() == OPEN_TIME + 30


def test_overview_counts_connections_queues_and_calls(b: Board) -> None:
    start_call(b)
    b.request(b.connect(kiosk(2)))
    b.advance(42)
    overview = b.board.overview(b.now)
    assert overview.connections[p.Role.KIOSK] == 2
    assert overview.queue_lengths["shimin"] == 1
    assert overview.oldest_wait_seconds["shimin"] == 42
    assert overview.active_sessions == 1


def test_overview_names_the_connected_kiosks_and_which_departments_are_open(b: Board) -> None:
    first, second = b.connect(kiosk(1)), b.connect(kiosk(2))
    b.connect(staff(1, "shimin"))
    b.disconnect(first)  # in its grace period, but not connected
    overview = b.board.overview(b.now)
    assert overview.kiosks_connected == ("k2",)
    assert overview.departments_open == {"shimin": True, "zeimu": True, "yoru": False}
    b.disconnect(second)
    b.advance(CLOSING_TIME - b.now)
    overview = b.board.overview(b.now)
    assert overview.kiosks_connected == ()
    assert overview.departments_open == {"shimin": False, "zeimu": False, "yoru": False}


def test_transferred_citizens_keep_their_order_among_themselves(b: Board) -> None:
    fresh = b.connect(kiosk(3))
    b.send(fresh, p.RequestConsultation(category_id="zei", language="ja"))
    transferred = []
    for n in (1, 2):
        k, s = b.connect(kiosk(n)), b.connect(staff(n, "shimin"))
        sid = b.request(k)
        b.send(s, p.Accept(session_id=sid))
        b.send(s, p.Transfer(session_id=sid, department_id="zeimu"))
        transferred.append(sid)
    assert b.board.queue("zeimu")[:2] == transferred


def test_a_clients_app_version_is_kept_for_the_admin_page(b: Board) -> None:
    b.board.connect(99, kiosk(7), b.now, app_version="0.1.0")
    client = b.board.client(p.Role.KIOSK, "k7")
    assert client is not None
    assert client.app_version == "0.1.0"
