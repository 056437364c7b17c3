"""Facts the switchboard reports for the store and metrics, drained after each input.

They carry everything the history needs, so the store never asks the switchboard anything.
A session has one or more legs: one per department that takes the citizen in turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from signaling.protocol import DeviceHealth, EndReason, KioskActivity, Role, TrackStats


@dataclass(frozen=True, slots=True)
class ConsultationRequested:
    session_id: str
    kiosk_id: str
    category_id: str
    language: str
    department_id: str
    at: float


@dataclass(frozen=True, slots=True)
class LegQueued:
    """The citizen joined a department's queue: leg 0 at request, then one per transfer."""

    session_id: str
    leg: int
    department_id: str
    at: float
    transfer_note: str = ""
    transferred_by: str | None = None  # staff id


@dataclass(frozen=True, slots=True)
class LegAnswered:
    session_id: str
    leg: int
    staff_id: str
    at: float
    department_id: str = ""  # the department that answered
    overflowed_from: str | None = None  # the department it was queued in, when not the same


@dataclass(frozen=True, slots=True)
class LegOverflowed:
    """The citizen's own desk waited long enough, or cannot serve: these desks may take them."""

    session_id: str
    leg: int
    departments: tuple[str, ...]
    at: float


@dataclass(frozen=True, slots=True)
class LegEnded:
    session_id: str
    leg: int
    reason: EndReason
    at: float


@dataclass(frozen=True, slots=True)
class ConsultationEnded:
    """Emitted exactly once per session."""

    session_id: str
    reason: EndReason
    at: float
    wait_seconds: float  # all time spent queued, over every leg
    talk_seconds: float  # all time spent with staff, over every leg
    transfers: int
    answered: bool


@dataclass(frozen=True, slots=True)
class WrapUpRecorded:
    session_id: str
    leg: int
    staff_id: str
    outcome_code: str
    note: str
    at: float


@dataclass(frozen=True, slots=True)
class SurveyRecorded:
    session_id: str
    score: int
    at: float


@dataclass(frozen=True, slots=True)
class PrincipalOnline:
    role: Role
    principal_id: str
    at: float


@dataclass(frozen=True, slots=True)
class PrincipalOffline:
    """The principal's link is gone for good (grace expired or never needed)."""

    role: Role
    principal_id: str
    at: float


@dataclass(frozen=True, slots=True)
class KioskStatusReported:
    kiosk_id: str
    activity: KioskActivity
    camera: DeviceHealth
    microphone: DeviceHealth
    speaker: DeviceHealth
    at: float


@dataclass(frozen=True, slots=True)
class CallStatsReported:
    session_id: str
    role: Role
    principal_id: str
    rtt_ms: float | None
    tracks: tuple[TrackStats, ...]
    at: float
    audio_drift_ppm: float | None = None


Event = (
    ConsultationRequested
    | LegQueued
    | LegAnswered
    | LegOverflowed
    | LegEnded
    | ConsultationEnded
    | WrapUpRecorded
    | SurveyRecorded
    | PrincipalOnline
    | PrincipalOffline
    | KioskStatusReported
    | CallStatsReported
)

# The history of consultations: what the hub writes ahead of its messages, so that a crash
# cannot lose it (signaling/state_file.py). The rest is telemetry.
CONSULTATION = (
    ConsultationRequested,
    LegQueued,
    LegAnswered,
    LegOverflowed,
    LegEnded,
    ConsultationEnded,
    WrapUpRecorded,
    SurveyRecorded,
)
