"""The kiosk's states and the table of legal transitions, after h11's _state.py.

The rules:

- The kiosk starts UNAVAILABLE and shows ATTRACT once the hub has welcomed it.
- A citizen goes ATTRACT → LANGUAGE → TOPIC → READY → WAITING → IN_CALL, then (after any
  number of TRANSFERRING → IN_CALL) SURVEY → THANK_YOU → ATTRACT. A language button on ATTRACT
  itself skips the LANGUAGE screen (ATTRACT → TOPIC), to save the citizen a tap. READY is one
  screen for the consent and the device check (what staff will see and hear, and what is kept),
  so that one tap agrees and calls: every topic is at most five taps away, the large-text
  switch included.
- BACK steps back one screen while choosing; WAITING is left by cancelling (to TOPIC).
- Choosing screens and the survey time out (after a warning the citizen can extend) back to
  ATTRACT. WAITING asks "are you still waiting?" after a longer silence, and no answer gives up the
  place and goes back to ATTRACT, so that a citizen who walked away does not hold a queue.
  IN_CALL and TRANSFERRING never time out (docs/kiosk-rules.md, "Time limits").
- Every way back to ATTRACT goes through the privacy reset: nothing of the citizen is left.
- A link that drops while choosing shows UNAVAILABLE; while waiting or in a call it does not,
  because the hub keeps the place for 30 s and the call's media is peer to peer.
- A crash (FAULT) or a fatal refusal (DISABLED) shows UNAVAILABLE from anywhere.

A (state, trigger) pair missing from `TRANSITIONS` is illegal: the controller logs it and stays.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from signaling.protocol import KioskActivity


class KioskState(StrEnum):
    UNAVAILABLE = "unavailable"
    ATTRACT = "attract"
    LANGUAGE = "language"
    TOPIC = "topic"
    READY = "ready"  # consent and device check on one screen; one tap agrees and calls
    WAITING = "waiting"
    CLOSED = "closed"  # the department is closed: its hours instead of a queue
    IN_CALL = "in_call"
    TRANSFERRING = "transferring"
    SURVEY = "survey"
    THANK_YOU = "thank_you"


class Trigger(StrEnum):
    HUB_UP = "hub_up"
    HUB_DOWN = "hub_down"
    DISABLED = "disabled"
    FAULT = "fault"
    RECOVERED = "recovered"
    TOUCH = "touch"
    LANGUAGE_CHOSEN = "language_chosen"
    TOPIC_CHOSEN = "topic_chosen"
    CALL_REQUESTED = "call_requested"
    BACK = "back"
    DEPARTMENT_CLOSED = "department_closed"
    CANCELLED = "cancelled"
    CALL_STARTED = "call_started"
    TRANSFERRED = "transferred"
    CALL_ENDED = "call_ended"  # served: ask for the survey
    SESSION_LOST = "session_lost"  # cut off: no survey
    SURVEY_DONE = "survey_done"
    TIMED_OUT = "timed_out"
    THANKS_DONE = "thanks_done"


class Overlay(StrEnum):
    """A screen shown over the state's own, which goes on underneath."""

    TIMEOUT_WARNING = "timeout_warning"
    CONFIRM_END = "confirm_end"
    LANGUAGE = "language"
    ADMIN_PIN = "admin_pin"


S = KioskState
T = Trigger

CHOOSING: Final = frozenset({S.LANGUAGE, S.TOPIC, S.READY, S.CLOSED})
# States that time out (after a warning) when nobody touches the screen.
IDLE_TIMEOUT: Final = CHOOSING | {S.SURVEY}
# States that ask "are you still waiting?" (after a longer silence) instead of timing out.
STILL_THERE_CHECK: Final = frozenset({S.WAITING})
# States where a citizen has a place in a queue or a call: never timed out, and a dropped link
# is ridden out rather than shown.
IN_SESSION: Final = frozenset({S.WAITING, S.IN_CALL, S.TRANSFERRING})

TRANSITIONS: Final[dict[tuple[KioskState, Trigger], KioskState]] = {
    (S.UNAVAILABLE, T.HUB_UP): S.ATTRACT,
    (S.UNAVAILABLE, T.RECOVERED): S.ATTRACT,
    (S.ATTRACT, T.TOUCH): S.LANGUAGE,
    (S.ATTRACT, T.LANGUAGE_CHOSEN): S.TOPIC,  # a language button on the attract screen
    (S.LANGUAGE, T.LANGUAGE_CHOSEN): S.TOPIC,
    (S.LANGUAGE, T.BACK): S.ATTRACT,
    (S.TOPIC, T.TOPIC_CHOSEN): S.READY,
    (S.TOPIC, T.BACK): S.LANGUAGE,
    (S.TOPIC, T.DEPARTMENT_CLOSED): S.CLOSED,  # the directory already says so: no need to ask
    (S.READY, T.CALL_REQUESTED): S.WAITING,  # the one tap that agrees and calls
    (S.READY, T.BACK): S.TOPIC,
    (S.WAITING, T.DEPARTMENT_CLOSED): S.CLOSED,
    (S.WAITING, T.CANCELLED): S.TOPIC,
    (S.WAITING, T.CALL_STARTED): S.IN_CALL,
    (S.WAITING, T.SESSION_LOST): S.THANK_YOU,
    (S.CLOSED, T.BACK): S.TOPIC,
    (S.IN_CALL, T.TRANSFERRED): S.TRANSFERRING,
    (S.IN_CALL, T.CALL_ENDED): S.SURVEY,
    (S.IN_CALL, T.SESSION_LOST): S.THANK_YOU,
    (S.TRANSFERRING, T.CALL_STARTED): S.IN_CALL,
    (S.TRANSFERRING, T.CALL_ENDED): S.SURVEY,
    (S.TRANSFERRING, T.SESSION_LOST): S.THANK_YOU,
    (S.SURVEY, T.SURVEY_DONE): S.THANK_YOU,
    (S.THANK_YOU, T.THANKS_DONE): S.ATTRACT,
    **{(state, T.TIMED_OUT): S.ATTRACT for state in IDLE_TIMEOUT | STILL_THERE_CHECK},
    **{(state, T.HUB_DOWN): S.UNAVAILABLE for state in (CHOOSING | {S.ATTRACT})},
    **{(state, T.FAULT): S.UNAVAILABLE for state in KioskState},
    **{(state, T.DISABLED): S.UNAVAILABLE for state in KioskState},
}

# What the admin page is told the kiosk is doing (docs/protocol.md, report_status).
ACTIVITY: Final[dict[KioskState, KioskActivity]] = {
    S.UNAVAILABLE: KioskActivity.FAULT,
    S.ATTRACT: KioskActivity.IDLE,
    S.LANGUAGE: KioskActivity.CHOOSING,
    S.TOPIC: KioskActivity.CHOOSING,
    S.READY: KioskActivity.CHOOSING,
    S.CLOSED: KioskActivity.CHOOSING,
    S.WAITING: KioskActivity.WAITING,
    S.TRANSFERRING: KioskActivity.WAITING,
    S.IN_CALL: KioskActivity.IN_CALL,
    S.SURVEY: KioskActivity.SURVEY,
    S.THANK_YOU: KioskActivity.SURVEY,
}
