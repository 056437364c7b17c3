"""The call machine's rules, one behaviour per test, with a fixed clock and no peers.

The machine is call/call_machine.py; the real peers around it are tested in test_peer.py and
test_engine.py. At the end, a hypothesis state machine drives random inputs against its
invariants.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from call.call_machine import (
    RESEND_ORDER,
    TRANSITIONS,
    Action,
    CallMachine,
    CallState,
    DropPeer,
    NewPeer,
    Offer,
    OfferVerdict,
    PeerLost,
    Resend,
    StateChanged,
    Trigger,
)

CONNECT = 10.0
GIVE_UP = 30.0
T0 = 1000.0


class Call:
    """A machine and its clock; `feed` runs an input at `now` and returns what it emitted."""

    def __init__(self, *, offerer: bool) -> None:
        self.m = CallMachine(offerer=offerer, connect_timeout=CONNECT, give_up_after=GIVE_UP)
        self.now = T0

    def at(self, now: float) -> Call:
        assert now >= self.now, "the clock only goes forward"
        self.now = now
        return self

    def feed(self, step: Callable[[CallMachine], Any]) -> list[Action]:
        step(self.m)
        return self.m.drain()

    def start(self) -> list[Action]:
        return self.feed(lambda m: m.start(self.now))

    def up(self, generation: int | None = None) -> list[Action]:
        g = self.m.generation if generation is None else generation
        return self.feed(lambda m: m.peer_up(g, self.now))

    def lost(self, generation: int | None = None, reason: str = "silent") -> list[Action]:
        g = self.m.generation if generation is None else generation
        return self.feed(lambda m: m.peer_lost(g, reason, self.now))

    def answered(self, generation: int | None = None, ufrag: str = "k1") -> list[Action]:
        g = self.m.generation if generation is None else generation
        return self.feed(lambda m: m.answer_applied(g, ufrag, self.now))

    def offer(self, ufrag: str | None) -> tuple[OfferVerdict, list[Action]]:
        verdict = self.m.offer_arrived(ufrag, self.now)
        return verdict, self.m.drain()

    def timer(self) -> list[Action]:
        return self.feed(lambda m: m.handle_timer(self.now))

    def close(self, reason: str = "hung up") -> list[Action]:
        return self.feed(lambda m: m.close(reason, self.now))


def states(actions: list[Action]) -> list[CallState]:
    return [a.state for a in actions if isinstance(a, StateChanged)]


def work(actions: list[Action]) -> list[Action]:
    """The peer work among the actions: what the session carries out on its work task."""
    return [a for a in actions if not isinstance(a, StateChanged | PeerLost)]


def staff_connected() -> Call:
    """The offerer, its first peer answered and up: CONNECTED at T0 + 2."""
    c = Call(offerer=True)
    c.start()
    c.at(T0 + 1).answered()
    c.at(T0 + 2).up()
    assert c.m.state is CallState.CONNECTED
    return c


def kiosk_connected(ufrag: str = "s1") -> Call:
    """The answerer, having taken an offer with `ufrag`, up: CONNECTED at T0 + 2."""
    c = Call(offerer=False)
    c.start()
    assert c.at(T0 + 1).offer(ufrag)[0] is OfferVerdict.NEW_PEER
    c.at(T0 + 2).up()
    assert c.m.state is CallState.CONNECTED
    return c


# Starting.


def test_the_offerer_starts_connecting_and_builds_its_first_peer() -> None:
    c = Call(offerer=True)
    assert c.m.get_timer() is None  # nothing runs before start
    assert c.start() == [
        StateChanged(CallState.CONNECTING, "the call started", T0),
        NewPeer(1, "the call started"),
    ]
    assert c.m.wants_peer(1)
    assert c.m.get_timer() == T0 + GIVE_UP


def test_the_answerer_starts_connecting_and_waits_for_an_offer() -> None:
    c = Call(offerer=False)
    assert c.start() == [StateChanged(CallState.CONNECTING, "the call started", T0)]
    assert c.m.generation == 0
    assert c.m.get_timer() == T0 + GIVE_UP


def test_inputs_before_start_are_ignored_but_close() -> None:
    c = Call(offerer=True)
    assert c.lost(0) == c.up(0) == c.timer() == []
    assert c.offer("k1") == (OfferVerdict.DROPPED, [])
    assert c.close("transferred") == [StateChanged(CallState.ENDED, "transferred", T0)]
    assert c.start() == []
    assert c.m.state is CallState.ENDED


def test_a_second_start_is_ignored() -> None:
    c = Call(offerer=True)
    c.start()
    assert c.at(T0 + 1).start() == []
    assert c.m.get_timer() == T0 + GIVE_UP


# Up and the connect clock.


def test_up_connects_and_stops_every_clock() -> None:
    c = Call(offerer=True)
    c.start()
    c.at(T0 + 1).answered()
    assert c.at(T0 + 2).up() == [StateChanged(CallState.CONNECTED, "connected", T0 + 2)]
    assert c.m.get_timer() is None


def test_an_offer_has_no_connect_clock_until_its_answer_is_applied() -> None:
    c = Call(offerer=True)
    c.start()
    assert c.m.get_timer() == T0 + GIVE_UP  # only the give-up clock bounds the offer
    assert c.at(T0 + CONNECT + 5).timer() == []
    c.answered()
    assert c.m.get_timer() == T0 + CONNECT + 5 + CONNECT


def test_each_attempt_gets_connect_timeout_from_its_answer_then_the_offerer_rebuilds() -> None:
    c = Call(offerer=True)
    c.start()
    c.at(T0 + 4).answered()
    assert c.at(T0 + 4 + CONNECT - 0.01).timer() == []
    reason = f"not connected in {CONNECT} s"
    assert c.at(T0 + 4 + CONNECT).timer() == [PeerLost(1, reason), NewPeer(2, reason)]
    assert c.m.state is CallState.CONNECTING  # still waiting: no state change
    assert c.m.get_timer() == T0 + GIVE_UP  # the second offer is unanswered: no deadline yet
    c.at(T0 + 16).answered()
    assert c.m.get_timer() == T0 + 16 + CONNECT
    assert c.at(T0 + 18).up() == [StateChanged(CallState.CONNECTED, "connected", T0 + 18)]


def test_the_kiosks_connect_clock_starts_when_it_takes_the_offer_and_then_it_drops() -> None:
    c = Call(offerer=False)
    c.start()
    assert c.at(T0 + 3).offer("s1") == (OfferVerdict.NEW_PEER, [])
    assert c.m.get_timer() == T0 + 3 + CONNECT
    reason = f"not connected in {CONNECT} s"
    assert c.at(T0 + 3 + CONNECT).timer() == [PeerLost(1, reason), DropPeer(1, reason)]
    assert not c.m.wants_peer(1)
    assert c.m.get_timer() == T0 + GIVE_UP


# Losing a peer.


def test_a_connected_offerer_that_loses_its_peer_reconnects_on_a_new_one() -> None:
    c = staff_connected()
    assert c.at(T0 + 50).lost(reason="no sign of life for 5.0 s") == [
        PeerLost(1, "no sign of life for 5.0 s"),
        StateChanged(CallState.RECONNECTING, "no sign of life for 5.0 s", T0 + 50),
        NewPeer(2, "no sign of life for 5.0 s"),
    ]
    assert c.m.get_timer() == T0 + 50 + GIVE_UP  # the give-up clock starts with the drop
    c.at(T0 + 52).answered()
    assert c.at(T0 + 53).up() == [StateChanged(CallState.CONNECTED, "connected", T0 + 53)]


def test_a_connected_kiosk_that_loses_its_peer_drops_it_and_waits_for_an_offer() -> None:
    c = kiosk_connected()
    assert work(c.at(T0 + 50).lost()) == [DropPeer(1, "silent")]
    assert c.m.state is CallState.RECONNECTING
    assert not c.m.wants_peer(1)
    assert c.at(T0 + 55).offer("s2") == (OfferVerdict.NEW_PEER, [])
    assert c.m.generation == 2


def test_another_loss_while_reconnecting_does_not_restart_the_give_up_clock() -> None:
    c = staff_connected()
    c.at(T0 + 50).lost()
    c.at(T0 + 52).answered()
    assert states(c.at(T0 + 60).lost(2)) == []  # RECONNECTING stays RECONNECTING
    assert c.m.get_timer() == T0 + 50 + GIVE_UP


def test_each_peer_is_lost_once() -> None:
    c = kiosk_connected()
    first = c.at(T0 + 50).lost(1, "failed")
    assert [a for a in first if isinstance(a, PeerLost)] == [PeerLost(1, "failed")]
    assert c.lost(1, "the control channel closed") == []


def test_what_an_old_peer_reports_after_a_rebuild_is_ignored() -> None:
    c = staff_connected()
    c.at(T0 + 50).lost(1)
    assert c.up(1) == []
    assert c.lost(1, "closed") == []
    assert c.answered(1) == []
    assert c.m.get_timer() == T0 + 50 + GIVE_UP  # no deadline from the old peer's answer
    assert c.m.state is CallState.RECONNECTING


# Giving up.


def test_no_peer_up_within_give_up_after_is_lost_and_the_peer_dropped() -> None:
    c = Call(offerer=True)
    c.start()
    assert c.at(T0 + GIVE_UP - 0.01).timer() == []
    reason = f"not connected for {GIVE_UP} s"
    assert c.at(T0 + GIVE_UP).timer() == [
        StateChanged(CallState.LOST, reason, T0 + GIVE_UP),
        DropPeer(1, reason),
    ]
    assert c.m.get_timer() is None
    assert not c.m.wants_peer(1)
    assert c.up(1) == c.lost(1) == []


def test_a_reconnecting_call_gives_up_after_give_up_after_from_the_drop() -> None:
    c = staff_connected()
    c.at(T0 + 50).lost()
    assert c.at(T0 + 50 + GIVE_UP).timer()[0] == StateChanged(
        CallState.LOST, f"not connected for {GIVE_UP} s", T0 + 50 + GIVE_UP
    )


def test_giving_up_wins_over_an_attempt_deadline_due_at_the_same_time() -> None:
    c = Call(offerer=True)
    c.start()
    c.at(T0 + GIVE_UP - CONNECT).answered()
    actions = c.at(T0 + GIVE_UP).timer()
    assert states(actions) == [CallState.LOST]
    assert not [a for a in actions if isinstance(a, PeerLost)]


def test_a_lost_kiosk_takes_a_new_offer_and_reconnects_with_a_fresh_give_up_clock() -> None:
    c = Call(offerer=False)
    c.start()
    c.at(T0 + GIVE_UP).timer()
    assert c.m.state is CallState.LOST
    verdict, actions = c.at(T0 + 100).offer("s9")
    assert verdict is OfferVerdict.NEW_PEER
    assert actions == [StateChanged(CallState.RECONNECTING, "a new offer", T0 + 100)]
    assert c.m.get_timer() == T0 + 100 + CONNECT
    c.at(T0 + 100 + 5).up()
    c.at(T0 + 200).lost()
    assert c.m.get_timer() == T0 + 200 + GIVE_UP


def test_a_lost_kiosk_gives_up_again_after_a_full_give_up_after() -> None:
    c = Call(offerer=False)
    c.start()
    c.at(T0 + GIVE_UP).timer()
    c.at(T0 + 100).offer("s9")
    c.at(T0 + 100 + CONNECT).timer()  # that peer did not come up: dropped, still reconnecting
    assert c.m.state is CallState.RECONNECTING
    assert c.m.get_timer() == T0 + 100 + GIVE_UP


def test_a_lost_offerer_drops_offers_and_stays_lost() -> None:
    c = Call(offerer=True)
    c.start()
    c.at(T0 + GIVE_UP).timer()
    assert c.offer("k1") == (OfferVerdict.DROPPED, [])
    assert c.m.state is CallState.LOST


def test_a_give_up_while_a_rebuild_is_pending_cancels_the_rebuild() -> None:
    c = Call(offerer=True)
    c.start()
    c.at(T0 + 25).answered()
    c.at(T0 + 28).lost()  # NewPeer(2) is queued at the session
    c.at(T0 + GIVE_UP).timer()
    assert not c.m.wants_peer(2)  # so the session skips it


# Offers.


def test_an_offer_with_the_current_ufrag_is_a_renegotiation() -> None:
    c = kiosk_connected("s1")
    assert c.at(T0 + 10).offer("s1") == (OfferVerdict.RENEGOTIATION, [])
    assert (c.m.generation, c.m.state) == (1, CallState.CONNECTED)
    assert c.m.get_timer() is None


def test_an_offer_with_a_new_ufrag_is_a_rebuilt_peer() -> None:
    c = kiosk_connected("s1")
    verdict, actions = c.at(T0 + 10).offer("s2")
    reason = "the other end made a new peer connection"
    assert verdict is OfferVerdict.NEW_PEER
    assert actions == [
        PeerLost(1, reason),
        StateChanged(CallState.RECONNECTING, reason, T0 + 10),
        DropPeer(1, reason),
    ]
    assert c.m.generation == 2
    assert c.m.get_timer() == T0 + 10 + CONNECT


def test_an_offer_with_the_same_ufrag_for_a_lost_peer_is_a_rebuilt_peer() -> None:
    c = kiosk_connected("s1")
    c.at(T0 + 10).lost()
    assert c.offer("s1")[0] is OfferVerdict.NEW_PEER
    assert c.m.generation == 2


def test_an_offer_while_we_offer_is_dropped_no_glare() -> None:
    c = Call(offerer=True)
    c.start()
    assert c.at(T0 + 1).offer(None) == (OfferVerdict.DROPPED, [])
    assert c.offer("k1") == (OfferVerdict.DROPPED, [])
    assert (c.m.generation, c.m.state) == (1, CallState.CONNECTING)


def test_the_offerer_takes_only_a_renegotiation_of_its_stable_peer() -> None:
    c = staff_connected()  # the kiosk's answer had ufrag k1
    assert c.at(T0 + 5).offer("k2") == (OfferVerdict.DROPPED, [])
    assert c.offer("k1") == (OfferVerdict.RENEGOTIATION, [])


# Renegotiation.


def test_a_renegotiation_is_made_by_the_offerer_on_a_stable_peer_only() -> None:
    c = staff_connected()
    assert c.feed(lambda m: m.renegotiation_asked()) == [Offer(1)]
    assert c.feed(lambda m: m.renegotiation_asked()) == []  # that offer is still unanswered
    c.at(T0 + 5).answered()
    assert c.m.get_timer() is None  # a renegotiation has no deadline
    assert c.feed(lambda m: m.renegotiation_asked()) == [Offer(1)]


def test_the_kiosk_never_renegotiates() -> None:
    c = kiosk_connected()
    assert c.feed(lambda m: m.renegotiation_asked()) == []


def test_no_renegotiation_while_the_first_offer_or_a_rebuild_is_outstanding() -> None:
    c = Call(offerer=True)
    c.start()
    assert c.feed(lambda m: m.renegotiation_asked()) == []
    d = staff_connected()
    d.at(T0 + 5).lost()
    assert d.feed(lambda m: m.renegotiation_asked()) == []


def test_a_failed_renegotiation_offer_leaves_the_peer_stable() -> None:
    c = staff_connected()
    c.feed(lambda m: m.renegotiation_asked())
    c.feed(lambda m: m.offer_failed(1))
    assert c.feed(lambda m: m.renegotiation_asked()) == [Offer(1)]


# Resending.


def test_refused_and_unsent_messages_are_resent_in_order_when_the_peer_is_back() -> None:
    c = Call(offerer=False)
    c.start()
    c.at(T0 + 1).offer("s1")
    c.feed(lambda m: m.relay_sent(1, "sdp_answer"))
    c.feed(lambda m: m.relay_unsent(1, "end_of_candidates"))
    c.feed(lambda m: m.relay_refused("sdp_answer"))
    c.feed(lambda m: m.relay_refused("sdp_offer"))  # never sent: nothing to resend
    assert c.feed(lambda m: m.peer_reachable()) == [Resend(1, ("sdp_answer", "end_of_candidates"))]
    assert c.feed(lambda m: m.peer_reachable()) == []  # sent again: done


def test_the_resend_order_is_offer_answer_end_of_candidates() -> None:
    c = staff_connected()
    for kind in reversed(RESEND_ORDER):
        c.feed(lambda m, kind=kind: m.relay_unsent(1, kind))
    assert c.feed(lambda m: m.peer_reachable()) == [Resend(1, RESEND_ORDER)]


def test_an_unanswered_offer_is_resent_when_the_kiosk_is_back() -> None:
    c = Call(offerer=True)
    c.start()
    c.feed(lambda m: m.relay_sent(1, "sdp_offer"))
    c.feed(lambda m: m.relay_sent(1, "end_of_candidates"))
    assert c.feed(lambda m: m.peer_reachable()) == [Resend(1, ("sdp_offer", "end_of_candidates"))]
    c.at(T0 + 2).answered()
    assert c.feed(lambda m: m.peer_reachable()) == []


def test_what_was_sent_for_an_old_peer_is_not_resent() -> None:
    c = staff_connected()
    c.feed(lambda m: m.relay_unsent(1, "sdp_offer"))
    c.at(T0 + 5).lost()
    c.feed(lambda m: m.relay_sent(1, "end_of_candidates"))  # the old peer's, late
    assert c.feed(lambda m: m.peer_reachable()) == []  # peer 2's offer is not made yet
    c.feed(lambda m: m.relay_sent(2, "sdp_offer"))
    assert c.feed(lambda m: m.peer_reachable()) == [Resend(2, ("sdp_offer",))]


# Hanging up.


def test_close_while_connecting_ends_the_call_and_stops_the_clocks() -> None:
    c = Call(offerer=True)
    c.start()
    assert c.at(T0 + 1).close("session ended: hung_up") == [
        StateChanged(CallState.ENDED, "session ended: hung_up", T0 + 1)
    ]
    assert c.m.get_timer() is None
    assert not c.m.wants_peer(1)


def test_close_while_a_rebuild_is_pending_cancels_it() -> None:
    c = staff_connected()
    assert work(c.at(T0 + 5).lost()) == [NewPeer(2, "silent")]
    c.close()
    assert not c.m.wants_peer(2)


def test_after_close_every_input_is_ignored() -> None:
    c = staff_connected()
    c.at(T0 + 5).close()
    inputs: list[Callable[[CallMachine], Any]] = [
        lambda m: m.start(c.now),
        lambda m: m.peer_up(1, c.now),
        lambda m: m.peer_lost(1, "gone", c.now),
        lambda m: m.answer_applied(1, "k1", c.now),
        lambda m: m.offer_failed(1),
        lambda m: m.relay_sent(1, "sdp_offer"),
        lambda m: m.relay_unsent(1, "sdp_offer"),
        lambda m: m.relay_refused("sdp_offer"),
        lambda m: m.peer_reachable(),
        lambda m: m.renegotiation_asked(),
        lambda m: m.handle_timer(c.now + 1000),
        lambda m: m.close("again", c.now),
    ]
    for step in inputs:
        assert c.feed(step) == []
        assert c.m.state is CallState.ENDED
    assert c.offer("k1") == (OfferVerdict.DROPPED, [])
    assert c.m.get_timer() is None


@pytest.mark.parametrize("state", [CallState.CONNECTED, CallState.RECONNECTING, CallState.LOST])
def test_close_ends_the_call_from_any_state(state: CallState) -> None:
    c = staff_connected()
    if state is not CallState.CONNECTED:
        c.at(T0 + 5).lost()
    if state is CallState.LOST:
        c.at(T0 + 5 + GIVE_UP).timer()
    assert c.m.state is state
    assert states(c.close()) == [CallState.ENDED]


# Random inputs against the invariants.

KINDS = (*RESEND_ORDER, "ice_candidate")
UFRAGS = ("a", "b", None)


class CallMachineRules(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.c = Call(offerer=True)
        self.lost: set[int] = set()
        self.last_new_peer = 0

    @initialize(offerer=st.booleans(), start=st.floats(0, 1e6))
    def start(self, offerer: bool, start: float) -> None:
        self.c = Call(offerer=offerer)
        self.c.now = start
        actions = self.c.start()
        assert actions[0] == StateChanged(CallState.CONNECTING, "the call started", start)
        self.check(CallState.CONNECTING, actions[1:])

    def feed(self, step: Callable[[CallMachine], Any]) -> None:
        before = self.c.m.state
        self.check(before, self.c.feed(step))

    def check(self, before: CallState, actions: list[Action]) -> None:
        m = self.c.m
        if before is CallState.ENDED:
            assert actions == [], "something happened after close"
        state = before
        for action in actions:
            match action:
                case StateChanged(new, _, at):
                    assert new is not state, "a StateChanged without a change"
                    assert any(TRANSITIONS.get((state, t)) is new for t in Trigger), (state, new)
                    assert at == self.c.now
                    state = new
                case PeerLost(generation):
                    assert generation not in self.lost, f"peer {generation} lost twice"
                    self.lost.add(generation)
                case NewPeer(generation):
                    assert m.offerer
                    assert generation == self.last_new_peer + 1
                    self.last_new_peer = generation
                case Resend(_, kinds):
                    assert list(kinds) == [k for k in RESEND_ORDER if k in kinds]
                    assert kinds
                case Offer() | DropPeer():
                    pass
        assert m.state is state, "the state changed without a StateChanged"

    def generation(self, offset: int) -> int:
        return max(0, self.c.m.generation + offset)

    @rule(seconds=st.floats(0, 2 * GIVE_UP))
    def time_passes(self, seconds: float) -> None:
        self.c.now += seconds

    @rule()
    def timer_fires(self) -> None:
        due = self.c.m.get_timer()
        if due is not None:
            self.c.now = max(self.c.now, due)
        self.feed(lambda m: m.handle_timer(self.c.now))
        after = self.c.m.get_timer()
        assert after is None or after > self.c.now

    @rule()
    def timer_checked_early(self) -> None:
        self.feed(lambda m: m.handle_timer(self.c.now))

    @rule(offset=st.integers(-1, 1))
    def peer_up(self, offset: int) -> None:
        g = self.generation(offset)
        self.feed(lambda m: m.peer_up(g, self.c.now))

    @rule(offset=st.integers(-1, 1))
    def peer_lost(self, offset: int) -> None:
        g = self.generation(offset)
        self.feed(lambda m: m.peer_lost(g, "lost", self.c.now))

    @rule(ufrag=st.sampled_from(UFRAGS))
    def offer_arrives(self, ufrag: str | None) -> None:
        before = self.c.m.state
        verdict, actions = self.c.offer(ufrag)
        self.check(before, actions)
        if verdict is OfferVerdict.DROPPED:
            assert actions == []
        if self.c.m.offerer:
            assert verdict is not OfferVerdict.NEW_PEER

    @rule(offset=st.integers(-1, 1), ufrag=st.sampled_from(UFRAGS))
    def answer_applied(self, offset: int, ufrag: str | None) -> None:
        g = self.generation(offset)
        self.feed(lambda m: m.answer_applied(g, ufrag, self.c.now))

    @rule(offset=st.integers(-1, 1))
    def offer_failed(self, offset: int) -> None:
        g = self.generation(offset)
        self.feed(lambda m: m.offer_failed(g))

    @rule(offset=st.integers(-1, 0), kind=st.sampled_from(KINDS), delivered=st.booleans())
    def relay_sent(self, offset: int, kind: str, delivered: bool) -> None:
        g = self.generation(offset)
        self.feed(lambda m: m.relay_sent(g, kind) if delivered else m.relay_unsent(g, kind))

    @rule(kind=st.sampled_from(KINDS))
    def relay_refused(self, kind: str) -> None:
        self.feed(lambda m: m.relay_refused(kind))

    @rule()
    def peer_reachable(self) -> None:
        self.feed(lambda m: m.peer_reachable())

    @rule()
    def renegotiation_asked(self) -> None:
        self.feed(lambda m: m.renegotiation_asked())

    @rule()
    def close(self) -> None:
        self.feed(lambda m: m.close("hung up", self.c.now))

    @invariant()
    def a_timer_is_pending_exactly_while_waiting_for_a_peer(self) -> None:
        m = self.c.m
        waiting = m.state in (CallState.CONNECTING, CallState.RECONNECTING)
        assert (m.get_timer() is not None) == waiting

    @invariant()
    def a_timer_in_the_past_is_one_that_has_something_to_do(self) -> None:
        due = self.c.m.get_timer()
        if due is not None and due <= self.c.now:
            probe = copy.deepcopy(self.c.m)
            probe.handle_timer(self.c.now)
            assert probe.drain(), "a timer in the past with nothing to do"

    @invariant()
    def a_lost_or_ended_call_wants_no_peer(self) -> None:
        m = self.c.m
        if m.state in (CallState.LOST, CallState.ENDED):
            assert not m.wants_peer(m.generation)


CallMachineRules.TestCase.settings = settings(
    max_examples=300, stateful_step_count=50, deadline=None
)
test_call_machine_invariants = CallMachineRules.TestCase
