"""Consultation history, written from the switchboard's events and read for KPIs and export.

Metadata only (個人情報保護法): who waited where and how long, and the wrap-up. Applying is
idempotent, so a batch that is retried after a failed commit does not duplicate rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from signaling.events import (
    CallStatsReported,
    ConsultationEnded,
    ConsultationRequested,
    Event,
    KioskStatusReported,
    LegAnswered,
    LegEnded,
    LegOverflowed,
    LegQueued,
    PrincipalOffline,
    PrincipalOnline,
    SurveyRecorded,
    WrapUpRecorded,
)
from signaling.protocol import EndReason, Role
from signaling.store import kiosks
from signaling.store.records import ConsultationRecord, LegRecord
from signaling.store.schema import consultation_legs, consultations

logger = logging.getLogger(__name__)

_c = consultations.c
_l = consultation_legs.c


async def apply(conn: AsyncConnection, events: Sequence[Event]) -> None:
    # A kiosk's last-seen time is the last one in the batch: one statement for all of them,
    # not one each (after a restart, a batch is hundreds of kiosks coming back online).
    last_seen: dict[str, float] = {}
    for event in events:
        if isinstance(event, PrincipalOnline | PrincipalOffline):
            if event.role is Role.KIOSK:
                last_seen[event.principal_id] = event.at
        else:
            await _apply_one(conn, event)
    await kiosks.touch_many(conn, last_seen)


async def _apply_one(conn: AsyncConnection, event: Event) -> None:
    match event:
        case ConsultationRequested():
            if await conn.scalar(sa.select(_c.id).where(_c.id == event.session_id)) is None:
                await conn.execute(
                    sa.insert(consultations).values(
                        id=event.session_id,
                        kiosk_id=event.kiosk_id,
                        category_id=event.category_id,
                        # The kiosk names it; clip so PostgreSQL cannot refuse the batch.
                        language=event.language[:16],
                        requested_at=event.at,
                        transfers=0,
                    )
                )
        case LegQueued():
            await _insert_leg(conn, event)
        case LegAnswered():
            answered: dict[str, Any] = {"staff_id": event.staff_id, "answered_at": event.at}
            if event.overflowed_from is not None:  # another ward's desk took the citizen
                answered |= {
                    "department_id": event.department_id,
                    "overflowed_from": event.overflowed_from,
                }
            await _update_leg(conn, event.session_id, event.leg, **answered)
            await conn.execute(
                sa.update(consultations)
                .where(_c.id == event.session_id)
                .values(first_answered_at=sa.func.coalesce(_c.first_answered_at, event.at))
            )
        case LegEnded():
            await _update_leg(
                conn, event.session_id, event.leg, ended_at=event.at, end_reason=event.reason.value
            )
        case ConsultationEnded():
            await _update_consultation(
                conn,
                event.session_id,
                ended_at=event.at,
                end_reason=event.reason.value,
                wait_seconds=event.wait_seconds,
                talk_seconds=event.talk_seconds,
                transfers=event.transfers,
            )
        case WrapUpRecorded():
            await _update_leg(
                conn,
                event.session_id,
                event.leg,
                outcome_code=event.outcome_code,
                wrap_up_note=event.note,
            )
            # The consultation shows the latest wrap-up: the last department's word.
            await _update_consultation(
                conn, event.session_id, outcome_code=event.outcome_code, note=event.note
            )
        case SurveyRecorded():
            await _update_consultation(conn, event.session_id, survey_score=event.score)
        case PrincipalOnline() | PrincipalOffline():
            pass  # apply writes the kiosks' last-seen times, once per batch
        case LegOverflowed():
            pass  # the answering leg says where it went (LegAnswered.overflowed_from)
        case KioskStatusReported() | CallStatsReported():
            pass  # live state for the admin page and metrics, not history
        case _:
            assert_never(event)


async def end_unfinished(
    conn: AsyncConnection, at: float, reason: EndReason, keep: frozenset[str]
) -> int:
    """End consultations a crashed hub left open, so every session ends exactly once."""
    open_ids = sa.select(_c.id).where(_c.ended_at.is_(None), _c.id.not_in(keep))
    await conn.execute(
        sa.update(consultation_legs)
        .where(_l.ended_at.is_(None), _l.session_id.in_(open_ids))
        .values(ended_at=at, end_reason=reason.value)
    )
    result = await conn.execute(
        sa.update(consultations)
        .where(_c.ended_at.is_(None), _c.id.not_in(keep))
        .values(ended_at=at, end_reason=reason.value)
    )
    return result.rowcount


async def purge_before(conn: AsyncConnection, before: float) -> int:
    """Delete consultations requested before ``before``, with their legs."""
    old = sa.select(_c.id).where(_c.requested_at < before)
    await conn.execute(sa.delete(consultation_legs).where(_l.session_id.in_(old)))
    result = await conn.execute(sa.delete(consultations).where(_c.requested_at < before))
    return result.rowcount


async def _insert_leg(conn: AsyncConnection, event: LegQueued) -> None:
    if await conn.scalar(sa.select(_c.id).where(_c.id == event.session_id)) is None:
        # A switchboard bug, not a storage failure: keep it out of the batch, and say so.
        logger.error("leg %d queued for unknown session %s", event.leg, event.session_id)
        return
    exists = await conn.scalar(
        sa.select(_l.leg).where(_l.session_id == event.session_id, _l.leg == event.leg)
    )
    if exists is None:
        await conn.execute(
            sa.insert(consultation_legs).values(
                session_id=event.session_id,
                leg=event.leg,
                department_id=event.department_id,
                queued_at=event.at,
                transfer_note=event.transfer_note,
                transferred_by=event.transferred_by,
            )
        )


async def _update_leg(conn: AsyncConnection, session_id: str, leg: int, **values: Any) -> None:
    await conn.execute(
        sa.update(consultation_legs)
        .where(_l.session_id == session_id, _l.leg == leg)
        .values(**values)
    )


async def _update_consultation(conn: AsyncConnection, session_id: str, **values: Any) -> None:
    await conn.execute(sa.update(consultations).where(_c.id == session_id).values(**values))


async def list_consultations(
    conn: AsyncConnection,
    *,
    since: float | None = None,
    until: float | None = None,
    kiosk_id: str | None = None,
    department_id: str | None = None,
    limit: int = 500,
) -> list[ConsultationRecord]:
    """Newest first, each with its legs in order; times filter on ``requested_at``."""
    query = sa.select(consultations).order_by(_c.requested_at.desc(), _c.id)
    if since is not None:
        query = query.where(_c.requested_at >= since)
    if until is not None:
        query = query.where(_c.requested_at < until)
    if kiosk_id is not None:
        query = query.where(_c.kiosk_id == kiosk_id)
    if department_id is not None:
        query = query.where(
            _c.id.in_(sa.select(_l.session_id).where(_l.department_id == department_id))
        )
    rows = (await conn.execute(query.limit(limit))).all()
    legs: dict[str, list[LegRecord]] = {}
    if rows:
        # The same consultations as a subquery (both reads are in one transaction), not an IN
        # list of their ids: one statement whatever their number. With a list, each count was
        # a new statement, and the driver's cache kept the last 128, each as long as the day's
        # history, so the hub's memory grew with every call of the day (today's KPIs read them
        # all every 10 s); and SQLite refuses more than 32,766 variables.
        chosen = query.with_only_columns(_c.id).limit(limit)
        leg_rows = await conn.execute(
            sa.select(consultation_legs)
            .where(_l.session_id.in_(chosen))
            .order_by(_l.session_id, _l.leg)
        )
        for leg in leg_rows:
            legs.setdefault(leg.session_id, []).append(
                LegRecord(
                    leg=leg.leg,
                    department_id=leg.department_id,
                    staff_id=leg.staff_id,
                    queued_at=leg.queued_at,
                    answered_at=leg.answered_at,
                    ended_at=leg.ended_at,
                    end_reason=_reason(leg.end_reason),
                    transfer_note=leg.transfer_note,
                    transferred_by=leg.transferred_by,
                    outcome_code=leg.outcome_code,
                    wrap_up_note=leg.wrap_up_note,
                    overflowed_from=leg.overflowed_from,
                )
            )
    return [
        ConsultationRecord(
            id=row.id,
            kiosk_id=row.kiosk_id,
            category_id=row.category_id,
            language=row.language,
            requested_at=row.requested_at,
            first_answered_at=row.first_answered_at,
            ended_at=row.ended_at,
            end_reason=_reason(row.end_reason),
            wait_seconds=row.wait_seconds,
            talk_seconds=row.talk_seconds,
            transfers=row.transfers,
            survey_score=row.survey_score,
            outcome_code=row.outcome_code,
            note=row.note,
            legs=tuple(legs.get(row.id, ())),
        )
        for row in rows
    ]


def _reason(value: str | None) -> EndReason | None:
    return None if value is None else EndReason(value)
