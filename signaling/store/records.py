"""Rows as the rest of the hub sees them: frozen values, never SQLAlchemy rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from signaling.protocol import EndReason, Role


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    id: str
    username: str
    display_name: str
    role: Role
    disabled: bool
    created_at: float
    departments: tuple[str, ...]
    password_hash: str = field(repr=False)
    # A temporary password set by an admin: usable only to choose a new one.
    must_change_password: bool = False
    # The site they work at (signaling/directory.py, Site); None: no one site.
    site_id: str | None = None
    # The display name in kana: citizens read it in kana (やさしい日本語) or romanised (en, ko, vi).
    name_reading: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Kiosk:
    id: str
    name: str
    location: str
    disabled: bool
    created_at: float
    last_seen_at: float | None
    # The site it stands at, which gives its ward for routing; None: not placed yet.
    site_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthSession:
    """A staff session token, known only by its hash."""

    token_hash: str = field(repr=False)
    account_id: str
    created_at: float
    expires_at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    id: int
    at: float
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    ip: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class LegRecord:
    """One department's turn in a consultation."""

    leg: int
    department_id: str
    staff_id: str | None
    queued_at: float
    answered_at: float | None
    ended_at: float | None
    end_reason: EndReason | None
    transfer_note: str
    transferred_by: str | None
    outcome_code: str | None
    wrap_up_note: str | None
    overflowed_from: str | None = None  # answered by another ward's desk than this one


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultationRecord:
    id: str
    kiosk_id: str
    category_id: str
    language: str
    requested_at: float
    first_answered_at: float | None
    ended_at: float | None
    end_reason: EndReason | None
    wait_seconds: float | None
    talk_seconds: float | None
    transfers: int
    survey_score: int | None
    outcome_code: str | None
    note: str | None
    legs: tuple[LegRecord, ...]
