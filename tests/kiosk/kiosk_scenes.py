# ruff: noqa: RUF001  # full-width CJK punctuation is meant
"""Test doubles and scenes for the kiosk: every screen reached through the real controller.

A scene is a short walk of intents and hub messages from a fresh, connected controller, so the
screen tests and the screenshots (`take_screenshots.py`) show exactly what the state machine
produces. The engine here only records commands; no call is pretended.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import numpy as np
from PIL import Image, ImageDraw

from call.content_messages import Highlight, PenStroke, Pointer
from call.pictures import cjk_font
from kiosk import engine as e
from kiosk.controller import KioskController
from kiosk.engine import Box, Image8, Phrase
from kiosk.i18n import Language
from kiosk.settings import KioskSettings
from signaling import protocol as p
from signaling.directory import OpeningHours, load_directory
from signaling.views import directory as directory_view

# A Tuesday, 10:30 in Tokyo: every department of the demo city is open but 税務課, whose hours
# are moved to the afternoon.
TUESDAY_MORNING = dt.datetime(2026, 6, 2, 10, 30, tzinfo=ZoneInfo("Asia/Tokyo")).timestamp()
STAFF = p.StaffInfo(staff_id="s1", display_name="田中", department_id="shimin")
KIOSK = p.KioskInfo(kiosk_id="k1", name="中央公民館", location="1F")


@dataclass
class ManualClock:
    """Monotonic and wall time that move only when a test says so."""

    now: float = 1000.0
    wall: float = TUESDAY_MORNING

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.wall += seconds


@dataclass
class RecordingEngine:
    """Stands in for the call engine in controller and screen tests: it records the commands."""

    calls: list[tuple[Any, ...]] = field(default_factory=list)
    capabilities: e.Capabilities = field(default_factory=e.Capabilities)

    def named(self, name: str) -> list[tuple[Any, ...]]:
        return [call for call in self.calls if call[0] == name]

    def request_consultation(self, category_id: str, language: str) -> None:
        self.calls.append(("request_consultation", category_id, language))

    def cancel_request(self) -> None:
        self.calls.append(("cancel_request",))

    def hang_up(self) -> None:
        self.calls.append(("hang_up",))

    def submit_survey(self, session_id: str, score: int) -> None:
        self.calls.append(("submit_survey", session_id, score))

    def send_phrase(self, phrase: Phrase) -> None:
        self.calls.append(("send_phrase", phrase))

    def set_activity(self, activity: p.KioskActivity) -> None:
        self.calls.append(("set_activity", activity))

    def set_volume(self, volume: float) -> None:
        self.calls.append(("set_volume", volume))

    def set_muted(self, muted: bool) -> None:
        self.calls.append(("set_muted", muted))

    def set_document_camera(self, on: bool) -> None:
        self.calls.append(("set_document_camera", on))

    def send_ink(self, stroke_id: str, points: Sequence[tuple[float, float]]) -> None:
        self.calls.append(("send_ink", stroke_id, tuple(points)))

    def clear_ink(self) -> None:
        self.calls.append(("clear_ink",))

    def set_pad_open(self, open: bool) -> None:
        self.calls.append(("set_pad_open", open))

    def announce_viewer(self, width: int, height: int) -> None:
        self.calls.append(("announce_viewer", width, height))

    def report_view(self, doc_id: str, page: int, box: Box, width_px: int, height_px: int) -> None:
        self.calls.append(("report_view", doc_id, page, box, width_px, height_px))

    def forget_citizen(self) -> None:
        self.calls.append(("forget_citizen",))

    def reconnect(self) -> None:
        self.calls.append(("reconnect",))


@dataclass
class StillFeeds:
    """Media feeds with fixed pictures: there is no camera or peer in these tests."""

    staff: Image8 | None = None
    content: Image8 | None = None
    own: Image8 | None = None
    document_camera: Image8 | None = None
    level: float | None = 0.3

    def staff_frame(self) -> Image8 | None:
        return self.staff

    def content_frame(self) -> Image8 | None:
        return self.content

    def document_camera_frame(self) -> Image8 | None:
        return self.document_camera

    def self_frame(self) -> Image8 | None:
        return self.own

    def microphone_level(self) -> float | None:
        return self.level


def demo_directory(
    now: float = TUESDAY_MORNING,
    closed: tuple[str, ...] = ("kosodate", "zeimu"),
    unstaffed: tuple[str, ...] = (),
) -> p.Directory:
    """The demo city 窓口市 as the hub would send it at `now`, `closed` ones open later, and
    nobody on duty at the `unstaffed` ones."""
    text = resources.files("signaling").joinpath("demo_city.toml").read_bytes()
    city = load_directory(text)
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    afternoon = OpeningHours(weekly={d: ["13:00-17:15"] for d in weekdays})
    departments = [
        msgspec.structs.replace(d, hours=afternoon) if d.id in closed else d
        for d in city.departments
    ]
    staffed = {d.id for d in departments} - set(unstaffed)
    return directory_view(msgspec.structs.replace(city, departments=departments), now, staffed)


def person_frame(width: int, height: int, label: str, background: tuple[int, int, int]) -> Image8:
    """A synthetic camera picture: a figure against a wall, labelled as synthetic."""
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    cx = width // 2
    draw.ellipse(
        (cx - height // 8, height // 5, cx + height // 8, height // 5 + height // 4),
        fill=(236, 200, 170),
    )
    draw.ellipse(
        (cx - height // 3, height // 2 + 10, cx + height // 3, height + height // 3),
        fill=(40, 60, 110),
    )
    draw.text((16, 12), label, fill=(255, 255, 255), font=cjk_font(max(14, height // 20)))
    return np.asarray(image, dtype=np.uint8)


def form_page(width: int = 1100, height: int = 1000) -> Image8:
    """A document page with Japanese text, as staff would show one."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.text((60, 40), "住民票の写し等 交付請求書", fill=(0, 0, 0), font=cjk_font(48))
    rows = ("請求者 氏名", "住所", "生年月日", "必要な通数", "使いみち", "本人確認書類")
    for index, row in enumerate(rows):
        top = 140 + index * 130
        draw.rectangle((60, top, width - 60, top + 110), outline=(0, 0, 0), width=3)
        draw.text((80, top + 30), row, fill=(0, 0, 0), font=cjk_font(34))
        draw.line((400, top, 400, top + 110), fill=(0, 0, 0), width=3)
    return np.asarray(image, dtype=np.uint8)


def connected_controller(
    language: Language = Language.JA, **settings: Any
) -> tuple[KioskController, RecordingEngine, ManualClock]:
    engine, clock = RecordingEngine(), ManualClock()
    options = {"server": "ws://hub.invalid/ws", "token": "t", "language": language} | settings
    controller = KioskController(
        engine, KioskSettings(**options), clock=clock.monotonic, wall_clock=clock.time
    )
    controller.handle(e.HubConnected(resumed=False, name="窓口市 中央公民館"))
    controller.handle(demo_directory())
    return controller, engine, clock


def queued(
    position: int = 2, eta: int | None = 420, on_duty: int = 2, dept: str = "shimin"
) -> p.Queued:
    return p.Queued(
        session_id="s-1",
        department_id=dept,
        position=position,
        eta_seconds=eta,
        staff_on_duty=on_duty,
    )


def started(staff: p.StaffInfo = STAFF) -> p.SessionStarted:
    return p.SessionStarted(
        session_id="s-1", kiosk=KIOSK, staff=staff, category_id="juminhyo", language="ja"
    )


# --- Scenes: from a connected controller to one screen -------------------------------------------

Walk = Callable[[KioskController, ManualClock], None]


def _language(c: KioskController, clock: ManualClock) -> None:
    c.start()


def _topic(c: KioskController, clock: ManualClock) -> None:
    c.start()
    c.choose_language(c.settings.language)


def _privacy(c: KioskController, clock: ManualClock) -> None:
    _topic(c, clock)
    c.choose_topic("juminhyo")


def _device_check(c: KioskController, clock: ManualClock) -> None:
    _privacy(c, clock)
    c.primary()


def _no_camera(c: KioskController, clock: ManualClock) -> None:
    c.handle(e.DevicesChanged(p.DeviceHealth.MISSING, p.DeviceHealth.OK, p.DeviceHealth.OK))
    _device_check(c, clock)


def _waiting(c: KioskController, clock: ManualClock) -> None:
    _device_check(c, clock)
    c.primary()
    c.handle(queued())


def _nobody(c: KioskController, clock: ManualClock) -> None:
    _device_check(c, clock)
    c.primary()
    c.handle(queued(position=1, eta=None, on_duty=0))


def _closed(c: KioskController, clock: ManualClock) -> None:
    _topic(c, clock)
    c.choose_topic("juminzei")


def _in_call(c: KioskController, clock: ManualClock) -> None:
    c.handle(e.DevicesChanged(p.DeviceHealth.OK, p.DeviceHealth.OK, p.DeviceHealth.OK, True))
    _waiting(c, clock)
    c.handle(started())
    c.handle(e.CallMediaChanged("s-1", e.CallMedia.CONNECTED))
    c.handle(e.SpeakingChanged(staff=True, citizen=False))


def _in_call_document(c: KioskController, clock: ManualClock) -> None:
    _in_call(c, clock)
    c.handle(e.PageShown(doc_id="form", page=0, page_count=2, image=form_page()))
    c.handle(
        e.MarksChanged(
            "form",
            0,
            [
                Highlight(id="h1", x=0.05, y=0.27, width=0.9, height=0.11),
                PenStroke(id="p1", points=[(0.4, 0.52), (0.6, 0.53), (0.8, 0.52)], width=0.006),
                Pointer(x=0.45, y=0.32),
            ],
        )
    )
    c.handle(e.StaffText("s-1", "ここに お名前を 書いてください"))


def _in_call_texts(c: KioskController, clock: ManualClock) -> None:
    _in_call(c, clock)
    c.handle(e.SpeakingChanged(staff=False, citizen=False))
    c.toggle_mute()
    c.handle(e.StaffText("s-1", "住民票は 1通 300円です。"))
    c.handle(e.StaffText("s-1", "マイナンバーカードを お持ちですか？"))
    c.send_phrase(Phrase.SLOWER)


def _confirm_end(c: KioskController, clock: ManualClock) -> None:
    _in_call(c, clock)
    c.back()


def _transferring(c: KioskController, clock: ManualClock) -> None:
    _in_call(c, clock)
    c.handle(
        p.SessionTransferred(
            session_id="s-1",
            department_id="zeimu",
            department_names={"ja": "税務課", "ja-easy": "ぜいむか（ぜいきん）", "en": "Taxation"},
        )
    )
    c.handle(queued(position=1, eta=60, dept="zeimu"))


def _survey(c: KioskController, clock: ManualClock) -> None:
    _in_call(c, clock)
    c.handle(p.SessionEnded(session_id="s-1", reason=p.EndReason.COMPLETED))


def _thank_you(c: KioskController, clock: ManualClock) -> None:
    _survey(c, clock)
    c.answer_survey(5)


def _unavailable(c: KioskController, clock: ManualClock) -> None:
    c.handle(e.HubDisconnected("refused"))
    clock.advance(c.settings.hub_down_grace)
    c.tick()


def _timeout(c: KioskController, clock: ManualClock) -> None:
    _topic(c, clock)
    clock.advance(c.settings.idle_timeout)
    c.tick()
    clock.advance(7)


def _admin(c: KioskController, clock: ManualClock) -> None:
    c.open_admin()
    for digit in "12":
        c.admin_digit(digit)


SCENES: dict[str, Walk] = {
    "01-attract": lambda c, clock: None,
    "02-language": _language,
    "03-topic": _topic,
    "04-privacy": _privacy,
    "05-device-check": _device_check,
    "05b-device-check-no-camera": _no_camera,
    "06-waiting": _waiting,
    "06b-waiting-nobody-on-duty": _nobody,
    "06c-department-closed": _closed,
    "07-in-call": _in_call,
    "07b-in-call-document": _in_call_document,
    "07c-in-call-staff-text-muted": _in_call_texts,
    "07d-confirm-end": _confirm_end,
    "08-transferring": _transferring,
    "09-survey": _survey,
    "10-thank-you": _thank_you,
    "11-unavailable": _unavailable,
    "12-timeout-warning": _timeout,
    "13-admin-pin": _admin,
}


def scene_feeds() -> StillFeeds:
    return StillFeeds(
        staff=person_frame(640, 480, "synthetic camera 合成映像", (90, 110, 130)),
        own=person_frame(640, 480, "synthetic camera 合成映像", (150, 140, 120)),
        level=0.4,
    )


# --- Layout checks, shared by the screen tests and the screenshot script --------------------------


def layout_problems(window: Any) -> list[str]:
    """Touch targets under 80 px or closer than 2.5 mm, and text that does not fit."""
    from PyQt6.QtCore import QPoint, QRect

    from kiosk.theme import MIN_GAP_PX, MIN_TARGET_PX
    from kiosk.widgets.text import KText
    from kiosk.widgets.touch_button import TouchButton

    problems: list[str] = []

    def shown(widget: Any) -> bool:
        return bool(widget.isVisibleTo(window)) and widget.width() > 0

    def box(widget: Any) -> QRect:
        return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())

    buttons = [b for b in window.findChildren(TouchButton) if shown(b)]
    for button in buttons:
        name = button.label() or type(button).__name__
        if button.width() < MIN_TARGET_PX or button.height() < MIN_TARGET_PX:
            problems.append(f"small target {name!r}: {button.width()}x{button.height()}")
        if not button.fits():
            problems.append(f"text cut off in button {name!r} ({button.width()}x{button.height()})")
    rects = [(b.label(), box(b)) for b in buttons]
    for index, (name, rect) in enumerate(rects):
        for other, other_rect in rects[index + 1 :]:
            gap_x = max(other_rect.left() - rect.right(), rect.left() - other_rect.right()) - 1
            gap_y = max(other_rect.top() - rect.bottom(), rect.top() - other_rect.bottom()) - 1
            if max(gap_x, gap_y) < MIN_GAP_PX:
                problems.append(f"targets {name!r} and {other!r} are {max(gap_x, gap_y)} px apart")
    for text in window.findChildren(KText):
        if shown(text) and text.text() and not text.fits():
            problems.append(f"text cut off: {text.text()!r} ({text.width()}x{text.height()})")
        if shown(text) and text.text() and not window.rect().contains(box(text)):
            problems.append(f"text off screen: {text.text()!r}")
    return problems
