"""The live picture pushed to the admin page: kiosks, queues, staff, calls and today's KPIs.

Pure: it reads the switchboard, the live state and rows the caller fetched, and returns plain
data. The kiosk's state comes from its session when it has one (the hub knows best), else from
what the kiosk last reported about its screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from signaling import protocol as p
from signaling.admin.kpis import Report
from signaling.admin.live_state import LiveState, Quality
from signaling.admin.scope import CITY, Scope, kiosk_sites
from signaling.directory import Directory
from signaling.session import Client, SessionState
from signaling.store import Account, Kiosk
from signaling.switchboard import Switchboard

# Above these a call is struggling; the page colours the figure.
RTT_WARN_MS = 300.0
LOSS_WARN_PERCENT = 5.0
FPS_WARN = 10.0


def kiosk_state(switchboard: Switchboard, live: LiveState, kiosk: Kiosk) -> str:
    client = switchboard.client(p.Role.KIOSK, kiosk.id)
    if client is None or not client.online:
        return "offline"
    status = live.kiosk_status.get(kiosk.id)
    if status is not None and status.activity is p.KioskActivity.FAULT:
        return "fault"
    if client.session_id is not None:
        session = next((s for s in switchboard.sessions() if s.id == client.session_id), None)
        if session is not None and session.state is SessionState.QUEUED:
            return "waiting"
        if session is not None and session.state is SessionState.ACTIVE:
            return "in_call"
    if status is not None and status.activity in (
        p.KioskActivity.CHOOSING,
        p.KioskActivity.SURVEY,
    ):
        return status.activity.value
    return "idle"


def network_health(client: Client | None, call: Mapping[p.Role, Sequence[Quality]]) -> str | None:
    """The kiosk's network as the hub sees it: None offline, "reconnecting" while its link is
    down within the grace period, "poor" while the last report from either end of its call
    struggles (a loss seen by staff is the kiosk's upstream), else "ok"."""
    if client is None or not client.online:
        return None
    if client.conn is None:
        return "reconnecting"
    if any(any(_warnings(end[-1]).values()) for end in call.values() if end):
        return "poor"
    return "ok"


def _warnings(quality: Quality) -> dict[str, bool]:
    return {
        "rtt_ms": quality.rtt_ms is not None and quality.rtt_ms > RTT_WARN_MS,
        "loss_percent": quality.loss_percent is not None
        and quality.loss_percent > LOSS_WARN_PERCENT,
        "fps": quality.fps is not None and quality.fps < FPS_WARN,
    }


def _quality(samples: Sequence[Quality] | None) -> dict[str, Any] | None:
    if not samples:
        return None
    last = samples[-1]
    return {
        "rtt_ms": last.rtt_ms,
        "loss_percent": last.loss_percent,
        "fps": last.fps,
        "bitrate_kbps": last.bitrate_kbps,
        "audio_drift_ppm": last.audio_drift_ppm,
        "rtt_trend": [q.rtt_ms for q in samples],
        "bitrate_trend": [q.bitrate_kbps for q in samples],
        "warn": _warnings(last),
    }


def build(
    *,
    switchboard: Switchboard,
    live: LiveState,
    kiosks: Sequence[Kiosk],
    accounts: Sequence[Account],
    directory: Directory,
    today: Report,
    now: float,
    scope: Scope = CITY,
) -> dict[str, Any]:
    """The picture within ``scope``: a ward sees its kiosks, its own desks' queues and staff, and
    the calls of its kiosks or desks; ``today`` must be the same scope's report."""
    overview = switchboard.overview(now)
    names = {d.id: d.names.get("ja", d.id) for d in directory.departments}
    departments = {d: name for d, name in names.items() if scope.sees_department(d)}
    kiosk_names = {k.id: k.name for k in kiosks}
    sites = kiosk_sites(kiosks)
    kiosk_rows = []
    for kiosk in kiosks:
        if not scope.sees_kiosk(kiosk):
            continue
        status = live.kiosk_status.get(kiosk.id)
        client = switchboard.client(p.Role.KIOSK, kiosk.id)
        online = client is not None and client.online
        session_id = client.session_id if client is not None else None
        call = live.quality.get(session_id, {}) if session_id is not None else {}
        kiosk_rows.append(
            {
                "id": kiosk.id,
                "name": kiosk.name,
                "location": kiosk.location,
                "disabled": kiosk.disabled,
                "state": kiosk_state(switchboard, live, kiosk),
                "last_seen": now if online else live.last_seen.get(kiosk.id, kiosk.last_seen_at),
                "app_version": client.app_version if client is not None else None,
                "network": network_health(client, call),
                "health": None
                if status is None
                else {
                    "camera": status.camera.value,
                    "microphone": status.microphone.value,
                    "speaker": status.speaker.value,
                },
            }
        )
    staff_rows = []
    for account in accounts:
        if account.role is not p.Role.STAFF or not scope.sees_account(account):
            continue
        client = switchboard.client(p.Role.STAFF, account.id)
        online = client is not None and client.online
        staff_rows.append(
            {
                "id": account.id,
                "name": account.display_name,
                "departments": [departments[d] for d in account.departments if d in departments],
                "online": online,
                "presence": client.presence.value if client is not None and online else None,
                "session_id": client.session_id if client is not None else None,
                "disabled": account.disabled,
            }
        )
    calls = []
    for session in switchboard.sessions():
        if session.state is not SessionState.ACTIVE or not scope.involves_session(session, sites):
            continue
        ends = live.quality.get(session.id, {})
        leg = session.leg
        calls.append(
            {
                "session_id": session.id,
                "department": names.get(leg.department_id, leg.department_id),
                "staff": leg.staff_name,
                "kiosk": kiosk_names.get(session.kiosk_id, session.kiosk_id),
                "duration_seconds": now - (leg.answered_at or now),
                "transfers": len(session.legs) - 1,
                "quality": {
                    "kiosk": _quality(ends.get(p.Role.KIOSK)),
                    "staff": _quality(ends.get(p.Role.STAFF)),
                },
            }
        )
    queues: list[dict[str, Any]] = [
        {
            "department_id": d,
            "department": departments.get(d, d),
            "length": length,
            "oldest_wait_seconds": overview.oldest_wait_seconds.get(d, 0.0),
        }
        for d, length in sorted(overview.queue_lengths.items())
        if scope.sees_department(d)
    ]
    return {
        "now": now,
        "waiting_now": sum(q["length"] for q in queues),
        "longest_wait_seconds": max((q["oldest_wait_seconds"] for q in queues), default=0.0),
        "active_calls": len(calls),
        "today": today,
        "departments": departments,
        "kiosks": kiosk_rows,
        "queues": queues,
        "staff": staff_rows,
        "calls": calls,
    }
