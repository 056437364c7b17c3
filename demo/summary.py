"""What the autoplay measured, where each number comes from, and how it is printed.

- Setup and first frames of the first leg are timed in the autoplay's GUI thread, from the
  click on "accept" to the moment both apps show the call connected (and painted a frame from
  the other end): what a person would see, to within the 20 ms the autoplay polls at.
- The second leg's come from `madoguchi-bot --summary` (session_started to connected).
- fps is frames received per second by each app's engine during the first leg, counted from the
  engine's frame holder (`LatestFrame.sequence`); RTT is the console's call-quality reading,
  from the engine's RTCP stats.
- Wait and talk times are read back from the hub's own store (the consultation history the hub
  writes), not timed here, so they are the hub's numbers; so is a leg's overflow (the citizen's
  own ward's desk, when another ward's answered).
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from signaling.store import Store
from signaling.store.records import ConsultationRecord


@dataclass(slots=True)
class Leg:
    department: str  # its name, such as 市民課
    staff: str
    wait_seconds: float | None = None  # queued to answered, from the hub's store
    talk_seconds: float | None = None  # answered to ended (or transferred), from the store
    overflowed_from: str | None = None  # the citizen's own ward's desk, when this one answered


@dataclass(slots=True)
class Summary:
    hub_ready_seconds: float | None = None  # launch to /healthz ok, with the demo seeded
    setup_ms: float | None = None  # accept click to both apps connected (first leg)
    first_frames_ms: float | None = None  # accept click to both apps painting the other's video
    second_leg_setup_ms: float | None = None  # from madoguchi-bot
    second_leg_first_frame_ms: float | None = None
    console_fps: float | None = None  # the kiosk's video as the console received it
    kiosk_fps: float | None = None  # the console's video as the kiosk received it
    rtt_ms: list[float] = field(default_factory=list)  # the console's quality readings
    wait_seconds: float | None = None  # the whole consultation, from the hub's store
    talk_seconds: float | None = None
    transfers: int | None = None
    survey_score: int | None = None
    end_reason: str | None = None
    legs: list[Leg] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)
    total_seconds: float | None = None

    @property
    def rtt_mean_ms(self) -> float | None:
        return round(statistics.fmean(self.rtt_ms), 1) if self.rtt_ms else None

    def to_json(self) -> bytes:
        data: dict[str, Any] = asdict(self)
        data["rtt_mean_ms"] = self.rtt_mean_ms
        return msgspec.json.format(msgspec.json.encode(data))

    def render(self, screenshots_dir: Path) -> str:
        legs = ", ".join(f"{leg.department} {leg.staff}" for leg in self.legs)
        rows = [
            ("hub ready (demo city seeded)", _n(self.hub_ready_seconds, "s")),
            ("setup: accept → connected", _n(self.setup_ms, "ms", 0)),
            ("first video frames painted", _n(self.first_frames_ms, "ms", 0)),
            (
                "setup after the transfer",
                f"{_n(self.second_leg_setup_ms, 'ms', 0)} "
                f"(first frame {_n(self.second_leg_first_frame_ms, 'ms', 0)})",
            ),
            (
                "video received",
                f"console {_n(self.console_fps, 'fps')}, kiosk {_n(self.kiosk_fps, 'fps')}",
            ),
            (
                "round trip (RTT)",
                f"{_n(self.rtt_mean_ms, 'ms')} mean, {_n(max(self.rtt_ms, default=None), 'ms')} "
                f"max, {len(self.rtt_ms)} readings",
            ),
            ("wait (hub's store)", self._per_leg("wait_seconds", self.wait_seconds)),
            ("talk (hub's store)", self._per_leg("talk_seconds", self.talk_seconds)),
            ("overflow (hub's store)", self._overflows()),
            (
                "outcome",
                f"{self.transfers} transfer(s), survey {self.survey_score}/5, "
                f"ended: {self.end_reason}",
            ),
            ("screenshots", f"{len(self.screenshots)} in {screenshots_dir}"),
            ("whole autoplay", _n(self.total_seconds, "s")),
        ]
        width = max(len(label) for label, _ in rows)
        lines = [f"Madoguchi autoplay: a whole consultation ({legs})"]
        lines += [f"  {label:<{width}}  {value}" for label, value in rows]
        return "\n".join(lines)

    def _overflows(self) -> str:
        moved = [
            f"{leg.overflowed_from} → {leg.department}" for leg in self.legs if leg.overflowed_from
        ]
        return ", ".join(moved) or "none"

    def _per_leg(self, name: str, total: float | None) -> str:
        parts = [f"{leg.department} {_n(getattr(leg, name), 's')}" for leg in self.legs]
        return f"{_n(total, 's')} in all ({', '.join(parts)})"


def _n(value: float | None, unit: str, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    return f"{value:.{digits}f} {unit}"


async def read_consultation(
    database_url: str, session_id: str, *, within: float
) -> ConsultationRecord:
    """The session's history row once the hub has written its end and the survey.

    The hub writes history in batches behind its live traffic, so this asks until it is there.
    """
    async with asyncio.timeout(within):
        while True:
            store = await Store.open(database_url)
            try:
                records = await store.list_consultations(limit=50)
            finally:
                await store.close()
            record = next((r for r in records if r.id == session_id), None)
            if record is not None and record.ended_at is not None and record.survey_score:
                return record
            await asyncio.sleep(0.3)


def fill_from_history(
    summary: Summary, record: ConsultationRecord, name: Callable[[str], str]
) -> None:
    """The hub's numbers into `summary`; `name` turns a department id into what is printed."""
    summary.wait_seconds = _round(record.wait_seconds)
    summary.talk_seconds = _round(record.talk_seconds)
    summary.transfers = record.transfers
    summary.survey_score = record.survey_score
    summary.end_reason = None if record.end_reason is None else record.end_reason.value
    for leg, stored in zip(summary.legs, record.legs, strict=False):
        if stored.overflowed_from is not None:
            leg.overflowed_from = name(stored.overflowed_from)
        if stored.answered_at is not None:
            leg.wait_seconds = _round(stored.answered_at - stored.queued_at)
            if stored.ended_at is not None:
                leg.talk_seconds = _round(stored.ended_at - stored.answered_at)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
