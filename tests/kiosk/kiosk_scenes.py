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
from call.control_messages import QuickPhrase
from call.pictures import cjk_font
from kiosk.core import engine_port as e
from kiosk.core.controller import KioskController
from kiosk.core.engine_port import Box, Image8
from kiosk.i18n import Language
from kiosk.settings import KioskSettings
from signaling import protocol as p
from signaling.directory import OpeningHours, load_directory
from signaling.views import directory as directory_view

# A Tuesday, 10:30 in Tokyo: every department of the demo city is open but 税務課, whose hours
# are moved to the afternoon.
TUESDAY_MORNING = dt.datetime(2026, 6, 2, 10, 30, tzinfo=ZoneInfo("Asia/Tokyo")).timestamp()
STAFF = p.StaffInfo(
    staff_id="s1", display_name="田中 花子", department_id="shimin", name_reading="たなか はなこ"
)
SITE = "chuo-kominkan"  # 中央公民館, where the scenes' kiosk stands
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

    def send_phrase(self, phrase: QuickPhrase) -> None:
        self.calls.append(("send_phrase", phrase))

    def set_activity(self, activity: p.KioskActivity) -> None:
        self.calls.append(("set_activity", activity))

    def set_volume(self, volume: float) -> None:
        self.calls.append(("set_volume", volume))

    def set_muted(self, muted: bool) -> None:
        self.calls.append(("set_muted", muted))

    def set_document_camera(self, on: bool) -> None:
        self.calls.append(("set_document_camera", on))

    def send_paper(self) -> None:
        self.calls.append(("send_paper",))

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
    ward = next(s.ward_id for s in city.sites if s.id == SITE)
    shaped = msgspec.structs.replace(city, departments=departments)
    return directory_view(shaped, now, staffed, ward)


def staff_message(c: KioskController, index: int) -> e.StaffText:
    """The demo city's staff message `index`, as the console sends it: in the citizen's
    language when the city has it in theirs, else in Japanese."""
    directory = c.model.directory
    assert directory is not None
    texts = directory.staff_messages[index].texts
    language = c.model.citizen.language.value
    if language not in texts:
        language = "ja"
    return e.StaffText("s-1", texts[language], language)


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


# The kiosk's main area on the reference panel (1920 x 1080): what it announces to staff.
VIEWER = (1600, 968)
A4_MM = (210.0, 297.0)
PT_MM = 25.4 / 72


def a4_form(px_per_mm: float) -> Image.Image:
    """An A4 city form drawn at `px_per_mm`, every size in millimetres, as a PDF renders: the
    same page at any scale, so a zoomed part can be drawn again sharp."""

    def mm(value: float) -> int:
        return round(value * px_per_mm)

    def font(points: float) -> Any:
        return cjk_font(max(1, round(points * PT_MM * px_per_mm)))

    image = Image.new("RGB", (mm(A4_MM[0]), mm(A4_MM[1])), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    black, line = (0, 0, 0), max(1, mm(0.3))
    draw.text((mm(20), mm(16)), "住民票の写し等 交付請求書", fill=black, font=font(18))
    draw.text((mm(20), mm(28)), "窓口市長 あて　　令和8年12月7日", fill=black, font=font(10))
    rows = (
        ("請求者 氏名", "ふりがな"),
        ("住所", "〒　　　-"),
        ("生年月日", "明・大・昭・平・令　　年　　月　　日"),
        ("必要な通数", "住民票の写し（　　通）　記載事項証明書（　　通）"),
        ("使いみち", "□ 年金　□ 保険　□ 就職　□ 手続き　□ その他（　　　）"),
        ("本人確認書類", "□ マイナンバーカード　□ 運転免許証　□ 在留カード"),
        ("窓口に来た方", "□ 本人　□ 同じ世帯の方　□ 代理人（委任状が必要です）"),
    )
    for index, (label, hint) in enumerate(rows):
        top = mm(40 + index * 24)
        draw.rectangle((mm(20), top, mm(190), top + mm(20)), outline=black, width=line)
        draw.line((mm(58), top, mm(58), top + mm(20)), fill=black, width=line)
        draw.text((mm(23), top + mm(7)), label, fill=black, font=font(10.5))
        draw.text((mm(61), top + mm(2)), hint, fill=(80, 80, 80), font=font(8))
    notes = (
        "ご注意：代理人が請求する場合は、委任状と代理人の本人確認書類が必要です。",
        "手数料は 1通 300円です。郵送で請求する場合は、返信用封筒を同封してください。",
        "個人番号（マイナンバー）の記載が必要な場合は、窓口でお申し出ください。",
    )
    for index, note in enumerate(notes):
        draw.text((mm(20), mm(216 + index * 7)), note, fill=black, font=font(8))
    return image


def a4_page() -> Image8:
    """The form as staff render it for the kiosk: fitted to the main area, shown 1:1."""
    scale = min(VIEWER[0] / A4_MM[0], VIEWER[1] / A4_MM[1])
    return np.asarray(a4_form(scale), dtype=np.uint8)


def a4_detail(box: tuple[float, float, float, float], zoom: float) -> Image8:
    """That part of the form rendered again at `zoom` times the fitted scale (a sharp zoom)."""
    scale = min(VIEWER[0] / A4_MM[0], VIEWER[1] / A4_MM[1]) * zoom
    page = a4_form(scale)
    x, y, w, h = box
    crop = (
        round(x * page.width),
        round(y * page.height),
        round((x + w) * page.width),
        round((y + h) * page.height),
    )
    return np.asarray(page.crop(crop), dtype=np.uint8)


def shared_window() -> Image8:
    """Staff's shared window, fitted to the kiosk's main area: a form 1600 px wide."""
    image = Image.new("RGB", (1600, 900), (236, 239, 241))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1600, 56), fill=(0, 90, 255))
    draw.text((24, 10), "転入届の書き方（記入例）", fill=(255, 255, 255), font=cjk_font(32))
    lines = (
        "1. 新しい住所を 書いてください。",
        "2. 前の住所と、引っ越した日を 書いてください。",
        "3. 世帯の全員の 氏名と 生年月日を 書いてください。",
        "4. 本人確認書類（マイナンバーカードなど）を 用意してください。",
    )
    for index, text in enumerate(lines):
        draw.text((60, 110 + index * 90), text, fill=(0, 0, 0), font=cjk_font(40))
    draw.rectangle((60, 500, 1540, 860), outline=(0, 0, 0), width=3)
    draw.text((90, 530), "記入例：窓口市 中央区 本町 1-2-3", fill=(0, 0, 0), font=cjk_font(36))
    return np.asarray(image, dtype=np.uint8)


def paper_on_desk() -> Image8:
    """What a 書画カメラ sees: a sheet of paper on a desk, 1920 x 1080."""
    image = Image.new("RGB", (1920, 1080), (120, 100, 80))
    form = a4_form(3.4)  # 714 x 1010: most of the frame's height, as a camera is set up
    image.paste(form, (603, 35))
    return np.asarray(image, dtype=np.uint8)


def connected_controller(
    language: Language = Language.JA, **settings: Any
) -> tuple[KioskController, RecordingEngine, ManualClock]:
    engine, clock = RecordingEngine(), ManualClock()
    options = {"server": "ws://hub.invalid/ws", "token": "t", "language": language} | settings
    controller = KioskController(
        engine, KioskSettings(**options), clock=clock.monotonic, wall_clock=clock.time
    )
    controller.handle(e.HubConnected(resumed=False, name="窓口市 中央公民館", site_id=SITE))
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


def _attract_unstaffed(c: KioskController, clock: ManualClock) -> None:
    c.handle(demo_directory(unstaffed=("kaigo", "fukushi")))


def _language(c: KioskController, clock: ManualClock) -> None:
    c.start()


def _topic(c: KioskController, clock: ManualClock) -> None:
    c.start()
    c.choose_language(c.settings.language)


def _ready(c: KioskController, clock: ManualClock) -> None:
    _topic(c, clock)
    c.choose_topic("juminhyo")


def _no_camera(c: KioskController, clock: ManualClock) -> None:
    c.handle(e.DevicesChanged(p.DeviceHealth.MISSING, p.DeviceHealth.OK, p.DeviceHealth.OK))
    _ready(c, clock)


def _waiting(c: KioskController, clock: ManualClock) -> None:
    _ready(c, clock)
    c.primary()  # agree and call
    c.handle(queued())


def _nobody(c: KioskController, clock: ManualClock) -> None:
    _ready(c, clock)
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
    c.handle(e.PageShown(doc_id="form", page=0, page_count=2, image=a4_page()))
    c.handle(
        e.MarksChanged(
            "form",
            0,
            [
                Highlight(id="h1", x=0.095, y=0.215, width=0.81, height=0.067),
                PenStroke(id="p1", points=[(0.3, 0.355), (0.5, 0.358), (0.7, 0.355)], width=0.006),
                Pointer(x=0.45, y=0.25),
            ],
        )
    )
    c.handle(e.StaffText("s-1", "ここに お名前を 書いてください"))


FOCUS_BOX = (0.08, 0.12, 0.5, 0.2)


def _in_call_focus(c: KioskController, clock: ManualClock) -> None:
    """Staff said "look here" around the name and address rows; the part came back sharp."""
    _in_call_document(c, clock)
    c.handle(e.FocusRequested("form", 0, FOCUS_BOX))
    zoom = 1 / max(FOCUS_BOX[2], FOCUS_BOX[3])
    detail = a4_detail(FOCUS_BOX, zoom)
    c.handle(e.PageShown("form", 0, 2, detail, region=FOCUS_BOX))


def _in_call_share(c: KioskController, clock: ManualClock) -> None:
    _in_call(c, clock)
    c.handle(e.ScreenShareChanged(active=True))
    c.handle(e.StaffText("s-1", "記入例を お見せします"))


def _in_call_pad(c: KioskController, clock: ManualClock) -> None:
    _in_call(c, clock)
    c.handle(e.StaffText("s-1", "お名前を 書いてください"))
    c.open_pad()
    # たなか, in a citizen's hand
    c.draw_stroke("c1", [(0.12, 0.45), (0.2, 0.44), (0.28, 0.45)])
    c.draw_stroke("c2", [(0.2, 0.36), (0.19, 0.5), (0.16, 0.62)])
    c.draw_stroke("c3", [(0.24, 0.5), (0.3, 0.52)])
    c.draw_stroke("c4", [(0.38, 0.4), (0.5, 0.38), (0.46, 0.6), (0.42, 0.64)])
    c.draw_stroke("c5", [(0.42, 0.34), (0.38, 0.48)])
    c.draw_stroke("c6", [(0.58, 0.36), (0.56, 0.62)])
    c.draw_stroke("c7", [(0.52, 0.46), (0.68, 0.44)])
    c.draw_stroke("c8", [(0.63, 0.36), (0.66, 0.6)])
    c.handle(e.InkChanged("s-1", "s1", ((0.1, 0.75), (0.7, 0.76))))


def _in_call_document_camera(c: KioskController, clock: ManualClock) -> None:
    _in_call(c, clock)
    c.toggle_document_camera()


def _in_call_texts(c: KioskController, clock: ManualClock) -> None:
    _in_call(c, clock)
    c.handle(e.SpeakingChanged(staff=False, citizen=False))
    c.toggle_mute()
    c.handle(staff_message(c, 0))
    c.handle(staff_message(c, 1))
    c.send_phrase(QuickPhrase.SLOWER)


def _confirm_end(c: KioskController, clock: ManualClock) -> None:
    _in_call(c, clock)
    c.back()


def _transferring(c: KioskController, clock: ManualClock) -> None:
    _in_call(c, clock)
    c.handle(
        p.SessionTransferred(
            session_id="s-1",
            department_id="zeimu",
            department_names=next(d.names for d in demo_directory().departments if d.id == "zeimu"),
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


def _still_waiting(c: KioskController, clock: ManualClock) -> None:
    _waiting(c, clock)
    clock.advance(c.settings.still_waiting_after)
    c.tick()
    clock.advance(7)


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
    "01b-attract-nobody-on-duty": _attract_unstaffed,
    "02-language": _language,
    "03-topic": _topic,
    "04-ready": _ready,
    "04b-ready-no-camera": _no_camera,
    "06-waiting": _waiting,
    "06b-waiting-nobody-on-duty": _nobody,
    "06c-department-closed": _closed,
    "07-in-call": _in_call,
    "07b-in-call-document": _in_call_document,
    "07c-in-call-staff-text-muted": _in_call_texts,
    "07d-confirm-end": _confirm_end,
    "07e-in-call-share": _in_call_share,
    "07f-in-call-focus": _in_call_focus,
    "07g-in-call-writing-pad": _in_call_pad,
    "07h-in-call-document-camera": _in_call_document_camera,
    "08-transferring": _transferring,
    "09-survey": _survey,
    "10-thank-you": _thank_you,
    "11-unavailable": _unavailable,
    "12-timeout-warning": _timeout,
    "12b-still-waiting": _still_waiting,
    "13-admin-pin": _admin,
}


def scene_feeds() -> StillFeeds:
    return StillFeeds(
        staff=person_frame(640, 480, "synthetic camera 合成映像", (90, 110, 130)),
        own=person_frame(640, 480, "synthetic camera 合成映像", (150, 140, 120)),
        content=shared_window(),
        document_camera=paper_on_desk(),
        level=0.4,
    )


# --- The window on a test's screen ---------------------------------------------------------------


def shown_window(qtbot: Any, controller: KioskController, feeds: Any = None) -> Any:
    """The kiosk window at 1920 x 1080, drawing the controller's view on every change, shown
    and laid out (drawn twice: wrapped text has its width only once laid out)."""
    from kiosk.beep import SilentBeeper
    from kiosk.window import KioskWindow

    window = KioskWindow(controller, feeds or scene_feeds(), SilentBeeper())
    qtbot.addWidget(window)
    controller.on_change = lambda: window.draw(controller.view())
    window.resize(1920, 1080)
    window.draw(controller.view())
    window.show()
    qtbot.waitExposed(window)
    window.draw(controller.view())
    qtbot.wait(1)  # and let the layouts settle, as the event loop does between draws
    return window


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
