"""The rules of one call, sans I/O: its states, clocks, peer generations and negotiation.

`CallMachine` has no clock, no asyncio, no aiortc and no av. Every input is given `now` (the
event loop's clock) where time matters; `get_timer()` says when to call `handle_timer(now)`;
`drain()` returns what to do, in order, as the frozen actions below. `call.session.CallSession`
is the I/O around it (docs/call-engine.md §Call states).

The rules:

- The states are a table, `TRANSITIONS`. A call starts CONNECTING and is CONNECTED once the
  current peer is up: its connection connected and its control channel open (`peer_up`). A peer
  that is lost (`peer_lost`: silent for the control channel's loss timeout, failed, closed under
  us, a failed negotiation) or is not up within `connect_timeout` is replaced: the staff end (the
  offerer) builds a new peer and offers it (`NewPeer`); the kiosk drops its own (`DropPeer`) and
  answers the next offer. A CONNECTED call is then RECONNECTING, and LOST if no new peer is up
  within `give_up_after`. aiortc has no ICE restart, so a new peer connection is the only way
  back.
- The give-up clock starts when the call starts and when a CONNECTED call drops; another loss
  while reconnecting does not restart it. Giving up drops the peer. A kiosk still takes a new
  offer in LOST, and the call is then RECONNECTING with a fresh give-up clock.
- Peers are numbered (`generation`). What an old peer reports is ignored, and each peer is lost
  at most once.
- A new peer's connect clock starts when its answer is applied (the kiosk: when it takes the
  offer), not when the offer goes. After an outage the answer can be held up for seconds behind
  TCP's backed-off retransmissions on the hub link; a second offer made meanwhile would be
  answered with the first one's answer, for a peer the kiosk has already closed. Until the answer
  comes, `give_up_after` bounds the attempt. A renegotiation of a connected call has no clock.
- An offer with the ICE ufrag of the current peer's remote description, that peer not lost, is a
  renegotiation; any other offer is for a rebuilt peer (a new ufrag is a new peer). Only the
  staff end offers, so there is no glare: an offer reaching the offerer is dropped unless it
  renegotiates a stable peer.
- A renegotiation the kiosk asks for (`request_offer`) is made by the offerer only, and only on a
  stable peer: one with no offer of ours unanswered.
- Negotiation messages refused with `peer_unavailable`, or not sent because our own link was
  down, are resent when the other end is reachable again, in the order sdp_offer, sdp_answer,
  end_of_candidates; so is an offer still unanswered then, which may have gone into a link that
  died before it was read. Only the current peer's messages are resent.
- An input that makes no sense in the current state is ignored: it changes nothing and emits
  nothing. That is every input but `close` before `start`, every input after `close`, a report
  from a peer that is not the current one, an answer nothing waits for. Nothing raises.

The machine decides at once and the session carries out later, on its work task, in order. To
the machine a peer it has decided to replace is gone at once, so `NewPeer` and `DropPeer` carry
a generation, and `wants_peer` tells the session, when it comes to them, whether the peer it
holds is still wanted and whether a rebuild still is (not after giving up or closing).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class CallState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    LOST = "lost"
    ENDED = "ended"


class Trigger(StrEnum):
    UP = "up"  # the current peer is connected and its control channel open
    DOWN = "down"  # the current peer died
    GIVE_UP = "give_up"  # no peer connected within give_up_after
    OFFER = "offer"  # a new offer arrived for a lost call
    CLOSE = "close"  # the session ended, or was transferred


TRANSITIONS: Final[dict[tuple[CallState, Trigger], CallState]] = {
    (CallState.CONNECTING, Trigger.UP): CallState.CONNECTED,
    (CallState.CONNECTING, Trigger.DOWN): CallState.CONNECTING,
    (CallState.CONNECTING, Trigger.GIVE_UP): CallState.LOST,
    (CallState.CONNECTED, Trigger.DOWN): CallState.RECONNECTING,
    (CallState.RECONNECTING, Trigger.UP): CallState.CONNECTED,
    (CallState.RECONNECTING, Trigger.DOWN): CallState.RECONNECTING,
    (CallState.RECONNECTING, Trigger.GIVE_UP): CallState.LOST,
    (CallState.LOST, Trigger.OFFER): CallState.RECONNECTING,
    **{(state, Trigger.CLOSE): CallState.ENDED for state in CallState if state != CallState.ENDED},
}
# The negotiation messages that are resent, in this order, once the other end is reachable.
RESEND_ORDER: Final = ("sdp_offer", "sdp_answer", "end_of_candidates")
_WAITING: Final = frozenset({CallState.CONNECTING, CallState.RECONNECTING})


class OfferVerdict(StrEnum):
    RENEGOTIATION = "renegotiation"  # answer it on the current peer
    NEW_PEER = "new_peer"  # drop the current peer; answer it on a new one, `generation`
    DROPPED = "dropped"  # ignore it


@dataclass(frozen=True, slots=True)
class StateChanged:
    state: CallState
    reason: str
    at: float


@dataclass(frozen=True, slots=True)
class PeerLost:
    """Peer `generation` is lost (for the log); a `NewPeer` or `DropPeer` follows."""

    generation: int
    reason: str


@dataclass(frozen=True, slots=True)
class NewPeer:
    """Offerer: close the peer held, build peer `generation` and offer it, if still wanted."""

    generation: int
    reason: str


@dataclass(frozen=True, slots=True)
class DropPeer:
    """Close the peer held unless the machine still wants it (`wants_peer`)."""

    generation: int  # the peer the machine gave up on
    reason: str


@dataclass(frozen=True, slots=True)
class Offer:
    """Offerer: renegotiate on peer `generation`, the current one."""

    generation: int


@dataclass(frozen=True, slots=True)
class Resend:
    """Send again the last message of each kind, in this order, if peer `generation` is held."""

    generation: int
    kinds: tuple[str, ...]


Action = StateChanged | PeerLost | NewPeer | DropPeer | Offer | Resend


class CallMachine:
    """One call leg's rules; see the module docstring."""

    def __init__(self, *, offerer: bool, connect_timeout: float, give_up_after: float) -> None:
        self.offerer = offerer
        self._connect_timeout = connect_timeout
        self._give_up_after = give_up_after
        self._state = CallState.CONNECTING
        self._started = False
        self._give_up_at: float | None = None
        self._attempt_deadline: float | None = None
        # The newest peer decided on (0: none yet), and what the machine knows of it.
        self._generation = 0
        self._has_peer = False  # wanted: being built or built, not dropped
        self._failed = False  # lost
        self._offering = False  # an offer of ours on it waits for its answer
        self._remote_ufrag: str | None = None
        self._sent: set[str] = set()  # negotiation message kinds sent for it
        self._unsent: set[str] = set()  # of those, the ones that did not get through
        self._actions: list[Action] = []

    @property
    def state(self) -> CallState:
        return self._state

    @property
    def generation(self) -> int:
        return self._generation

    def wants_peer(self, generation: int) -> bool:
        """Whether peer `generation` is the one the call needs: current, not dropped, not lost."""
        return (
            self._state is not CallState.ENDED
            and generation == self._generation
            and self._has_peer
            and not self._failed
        )

    def awaits_answer(self, generation: int) -> bool:
        """Whether an answer now is for an offer of ours on peer `generation`."""
        return self.wants_peer(generation) and self._offering

    # --- Inputs -------------------------------------------------------------------------------

    def start(self, now: float) -> None:
        if self._started or self._state is CallState.ENDED:
            return
        self._started = True
        self._give_up_at = now + self._give_up_after
        self._actions.append(StateChanged(self._state, "the call started", now))
        if self.offerer:
            self._build("the call started")

    def peer_up(self, generation: int, now: float) -> None:
        """Peer `generation` is connected and its control channel open."""
        if not self._started or not self.wants_peer(generation):
            return
        self._attempt_deadline = None
        self._fire(Trigger.UP, "connected", now)

    def peer_lost(self, generation: int, reason: str, now: float) -> None:
        if self._started:
            self._lose(generation, reason, now)

    def offer_arrived(self, ufrag: str | None, now: float) -> OfferVerdict:
        """An offer from the other end, whose first ICE ufrag is `ufrag`."""
        if not self._started or self._state is CallState.ENDED:
            return OfferVerdict.DROPPED
        same = self._has_peer and not self._failed and self._remote_ufrag == ufrag
        if self.offerer and not (same and not self._offering):
            return OfferVerdict.DROPPED
        if same:
            return OfferVerdict.RENEGOTIATION
        if self._has_peer:
            self._lose(self._generation, "the other end made a new peer connection", now)
        self._fire(Trigger.OFFER, "a new offer", now)
        self._new_generation()
        self._remote_ufrag = ufrag
        self._attempt_deadline = now + self._connect_timeout
        return OfferVerdict.NEW_PEER

    def answer_applied(self, generation: int, ufrag: str | None, now: float) -> None:
        """The answer to our offer on peer `generation` is applied; `ufrag` is its ICE ufrag."""
        if not self._started or not self.awaits_answer(generation):
            return
        self._offering = False
        self._remote_ufrag = ufrag
        if self._state is not CallState.CONNECTED:  # a renegotiation has no deadline
            self._attempt_deadline = now + self._connect_timeout

    def offer_failed(self, generation: int) -> None:
        """A renegotiation offer could not be made: the peer is stable again."""
        if generation == self._generation and self._state is not CallState.ENDED:
            self._offering = False

    def relay_sent(self, generation: int, kind: str) -> None:
        """A negotiation message of `kind` for peer `generation` is going out."""
        if generation == self._generation and self._state is not CallState.ENDED:
            self._sent.add(kind)

    def relay_unsent(self, generation: int, kind: str) -> None:
        """It could not be sent: our own link was down."""
        if generation == self._generation and self._state is not CallState.ENDED:
            self._sent.add(kind)
            self._unsent.add(kind)

    def relay_refused(self, kind: str) -> None:
        """The hub refused our last message of `kind` with `peer_unavailable`."""
        if kind in self._sent and self._state is not CallState.ENDED:
            self._unsent.add(kind)

    def peer_reachable(self) -> None:
        """The other end's link is back, or ours resumed."""
        if not self._started or self._state is CallState.ENDED:
            return
        due = set(self._unsent)
        if self.offerer and self._has_peer and self._offering:
            due |= self._sent
        kinds = tuple(kind for kind in RESEND_ORDER if kind in due)
        self._unsent.difference_update(kinds)
        if kinds:
            self._actions.append(Resend(self._generation, kinds))

    def renegotiation_asked(self) -> None:
        """The other end asked for an offer on the current peer (`request_offer`)."""
        if not self._started or not self.offerer or self._offering:
            return
        if self.wants_peer(self._generation):
            self._offering = True
            self._attempt_deadline = None  # the clock starts with the answer
            self._actions.append(Offer(self._generation))

    def handle_timer(self, now: float) -> None:
        if not self._started or self._state is CallState.ENDED:
            return
        if self._waiting and self._give_up_at is not None and now >= self._give_up_at:
            reason = f"not connected for {self._give_up_after} s"
            self._fire(Trigger.GIVE_UP, reason, now)
            self._drop(reason)
        elif self._attempt_deadline is not None and now >= self._attempt_deadline:
            self._attempt_deadline = None
            self._lose(self._generation, f"not connected in {self._connect_timeout} s", now)

    def close(self, reason: str, now: float) -> None:
        """The session ended, was transferred, or the engine closed: nothing follows."""
        if self._state is CallState.ENDED:
            return
        self._fire(Trigger.CLOSE, reason, now)
        self._has_peer = self._offering = False
        self._give_up_at = self._attempt_deadline = None

    # --- Outputs ------------------------------------------------------------------------------

    def get_timer(self) -> float | None:
        """When `handle_timer` is due: the give-up time while waiting, or the attempt deadline."""
        if not self._started or self._state is CallState.ENDED:
            return None
        deadlines = [self._attempt_deadline]
        if self._waiting:
            deadlines.append(self._give_up_at)
        return min((d for d in deadlines if d is not None), default=None)

    def drain(self) -> list[Action]:
        """What to do now, in order; each action is returned once."""
        actions, self._actions = self._actions, []
        return actions

    # --- Rules --------------------------------------------------------------------------------

    @property
    def _waiting(self) -> bool:
        """Whether a peer is being set up: the give-up clock runs."""
        return self._state in _WAITING

    def _lose(self, generation: int, reason: str, now: float) -> None:
        if generation != self._generation or self._failed:
            return
        if self._state in (CallState.LOST, CallState.ENDED):
            return
        self._failed = True
        self._attempt_deadline = None
        self._actions.append(PeerLost(generation, reason))
        if self._state is CallState.CONNECTED:
            self._give_up_at = now + self._give_up_after
        self._fire(Trigger.DOWN, reason, now)
        if self.offerer:
            self._build(reason)
        else:
            self._drop(reason)

    def _build(self, reason: str) -> None:
        self._new_generation()
        self._offering = True  # NewPeer offers it
        self._actions.append(NewPeer(self._generation, reason))

    def _drop(self, reason: str) -> None:
        self._has_peer = self._offering = False
        self._attempt_deadline = None
        self._actions.append(DropPeer(self._generation, reason))

    def _new_generation(self) -> None:
        self._generation += 1
        self._has_peer = True
        self._failed = self._offering = False
        self._remote_ufrag = None
        self._attempt_deadline = None
        self._sent.clear()
        self._unsent.clear()

    def _fire(self, trigger: Trigger, reason: str, now: float) -> None:
        new = TRANSITIONS.get((self._state, trigger))
        if new is None:
            return
        if new is CallState.RECONNECTING and self._state is CallState.LOST:
            self._give_up_at = now + self._give_up_after
        changed = new is not self._state
        self._state = new
        if changed:
            self._actions.append(StateChanged(new, reason, now))
