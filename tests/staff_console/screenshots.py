"""Screenshots of each console state, for docs/console.md; run it under Xvfb at each size:

    xvfb-run -s "-screen 0 1920x1080x24" .venv/bin/python -m tests.staff_console.screenshots
    xvfb-run -s "-screen 0 1366x768x24" .venv/bin/python -m tests.staff_console.screenshots

With `en` as its argument it takes only the citizen-view shots (09, 10, 11) and the new
password (16), in English.

The console runs on a recording engine fed hub messages, with still pictures for the video, so
the pictures are reproducible. Each one is the whole X screen: dialogs included.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

import msgspec
import numpy as np
from PIL import Image, ImageDraw
from PyQt6.QtCore import QSettings
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QApplication, QMessageBox

from call.pictures import SyntheticPattern, cjk_font
from signaling import protocol as p
from signaling.directory import load_directory
from staff_console import desktop
from staff_console.app import ConsoleApp, Remembered
from staff_console.core.engine_port import (
    CallPhase,
    CallPhaseChanged,
    CallQuality,
    CitizenViewChanged,
    HubConnected,
    HubRefused,
    PhraseHeard,
    RemoteContentChanged,
    Rgb,
    ViewerChanged,
)
from staff_console.core.legibility import fit
from staff_console.core.viewmodels import Stage
from staff_console.settings import ConsoleSettings
from tests.call.fixtures.text_pdf import A4_PT, Line, text_pdf
from tests.staff_console import messages as m
from tests.staff_console.fake_engine import RecordingEngine

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "console"


def citizen_picture(width: int = 640, height: int = 480) -> Rgb:
    image = Image.new("RGB", (width, height), (92, 120, 140))
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 2 - 90, 90, width // 2 + 90, 300), fill=(236, 200, 170))
    draw.rectangle((width // 2 - 170, 300, width // 2 + 170, height), fill=(40, 60, 110))
    draw.text((16, 12), "キオスク カメラ (模擬)", font=cjk_font(26), fill="white")
    return np.asarray(image, dtype=np.uint8)


def write_form(path: Path) -> None:
    image = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(image)
    draw.text((300, 120), "住民票の写し等交付請求書", font=cjk_font(56), fill="black")
    labels = ("請求者の住所", "氏名", "生年月日", "必要な通数", "使いみち")
    for row, label in enumerate(labels):
        top = 320 + row * 200
        draw.rectangle((100, top, 1140, top + 160), outline="black", width=3)
        draw.text((120, top + 20), label, font=cjk_font(36), fill="black")
    image.save(path, "PDF", resolution=150)


def write_text_form(path: Path) -> None:
    """A form with a real text layer: labels at 10.5 pt, the notes in 8 pt small print."""
    labels = ("請求者の住所", "氏名", "生年月日", "必要な通数", "使いみち")
    lines = [Line("住民票の写し等交付請求書", 20.0, at=(150.0, 70.0))]
    boxes = []
    for row, label in enumerate(labels):
        top = 120.0 + row * 80
        boxes.append((60.0, top, 475.0, 64.0))
        lines.append(Line(label, 10.5, at=(68.0, top + 16)))
    notes = (
        "【ご注意】本人確認書類（運転免許証、マイナンバーカードなど）をお持ちください。",  # noqa: RUF001
        "代理人が請求する場合は、委任状が必要です。手数料は 1 通 300 円です。",
        "郵送で請求する場合は、返信用封筒に切手を貼って同封してください。",
    )
    lines += [Line(note, 8.0, at=(60.0, 540.0 + 13 * n)) for n, note in enumerate(notes)]
    text_pdf(path, lines, boxes)


class Stills:
    def __init__(self) -> None:
        self.citizen = citizen_picture()
        self.me = SyntheticPattern(320, 240, "自分のカメラ").render(0.0)[:, :, ::-1].copy()
        self.document_camera: Rgb | None = None

    def remote_camera(self) -> Rgb | None:
        return self.citizen

    def remote_content(self) -> Rgb | None:
        return self.document_camera

    def self_view(self) -> Rgb | None:
        return self.me


def demo_staff_messages() -> list[p.StaffMessageInfo]:
    city = load_directory(resources.files("signaling").joinpath("demo_city.toml").read_bytes())
    return [p.StaffMessageInfo(id=m.id, texts=m.texts) for m in city.staff_messages]


def main() -> int:
    language = sys.argv[1] if len(sys.argv) > 1 else "ja"
    app = QApplication(sys.argv[:1])
    desktop.apply_ui_font(app)
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    size = screen.size()
    tag = f"{size.width()}x{size.height()}"
    work = Path(tempfile.mkdtemp(prefix="console-shots-"))
    forms = work / "forms"
    forms.mkdir(parents=True, exist_ok=True)
    form = forms / "住民票の写し等交付請求書.pdf"
    write_form(form)
    text_form = forms / "住民票の写し等交付請求書_文字.pdf"
    write_text_form(text_form)
    (forms / "転入届.pdf").write_bytes(form.read_bytes())
    (forms / "印鑑登録申請書.pdf").write_bytes(form.read_bytes())
    stills = Stills()
    settings = ConsoleSettings(
        server="wss://madoguchi.city.example/ws", forms_folder=str(forms), language=language
    )
    store = QSettings(str(work / "console.ini"), QSettings.Format.IniFormat)
    console = ConsoleApp(settings, RecordingEngine(), Remembered(store), frames=stills, clock=False)
    console.window.setGeometry(screen.availableGeometry())
    console.start()
    now = time.time()
    c = console.controller

    def shot(name: str) -> None:
        if language != "ja" and not name.startswith(("09", "10", "11", "16")):
            return
        suffix = "" if language == "ja" else f"-{language}"
        for _ in range(20):
            app.processEvents()
            time.sleep(0.02)
        screen.grabWindow(0).save(str(OUT / f"{name}{suffix}-{tag}.png"))

    console.login.username.setText("tanaka")
    shot("01-login")
    c.submit_login(settings.server, "tanaka", "x")
    c.handle(HubRefused(p.ErrorCode.PASSWORD_CHANGE_REQUIRED, "choose your own"), now)
    console.login.password.setText("temporary")
    console.login.new_password.setText("my own words")
    console.login.again.setFocus()
    shot("16-new-password")
    c.submit_login(settings.server, "tanaka", "x")
    c.handle(HubConnected(m.welcome()), now)
    directory = m.directory()
    departments = [
        *directory.departments,
        p.DepartmentStatus(id="kosodate", names={"ja": "子育て支援課"}, open_now=True),
        p.DepartmentStatus(id="fukushi", names={"ja": "福祉課"}, open_now=True, staffed=False),
    ]
    c.handle(
        msgspec.structs.replace(
            directory, departments=departments, staff_messages=demo_staff_messages()
        ),
        now,
    )
    handoff = p.HandoffStep(
        department_id="zeimu",
        staff_name="佐藤",
        note="住民税の証明書は発行済み。転入の手続きの相談です。",
    )
    other = p.KioskInfo(kiosk_id="k2", name="北部支所", location="窓口")
    south = p.KioskInfo(kiosk_id="k3", name="南コミュニティセンター", location="入口横")
    c.handle(m.snapshot(m.entry("s0", queued_at=now - 400, transferred_from=handoff)), now - 10)
    c.handle(
        m.snapshot(
            m.entry("s0", queued_at=now - 400, transferred_from=handoff),
            m.entry("s1", queued_at=now - 95, kiosk=other, language="en"),
            m.entry("s2", queued_at=now - 12, kiosk=south, language="vi", category_id="zei"),
        ),
        now,
    )
    c.handle(CallQuality("none", None, ()), now)
    console.window.queue.table.selectRow(0)
    shot("02-queue")
    c.handle(m.started("s0", handoffs=[handoff]), now - 185)
    c.handle(CallPhaseChanged("s0", CallPhase.CONNECTED, "up"), now)
    # The kiosk's content area (1700x950 px on the reference 0.2745 mm panel), as it says at once.
    c.handle(ViewerChanged(1700, 950, 0.2745), now)
    tracks = (p.TrackStats(kind="video", direction="inbound", packet_loss_percent=0.3, fps=30.0),)
    c.handle(CallQuality("s0", 38.0, tracks), now)
    c.open_document(form, 1)
    c.highlight(0.08, 0.23, 0.84, 0.09)
    c.draw([(0.1, 0.46), (0.3, 0.47), (0.5, 0.455), (0.7, 0.47)], done=True)
    c.point(0.55, 0.28)
    c.send_text("赤い印のところにご記入ください。")
    c.handle(PhraseHeard("s0", "cannot_hear"), now - 4)
    c.tick(now)
    shot("03-call-document")
    # What the citizen sees: the form's 8 pt notes at 2.5 mm on the kiosk, then the one-click
    # zoom and the kiosk's answer.
    c.open_document(text_form, 1)
    c.point(0.5, 0.66)
    shot("09-citizen-view-warning")
    console.window.call.documents.citizen.zoom.click()
    engine = console.engine
    assert isinstance(engine, RecordingEngine)
    ((doc_id, page, box),) = engine.named("focus")
    c.handle(CitizenViewChanged(doc_id, page, box, *fit(box, A4_PT, (1700, 950))), now)
    shot("10-citizen-view-zoomed")
    citizen = console.window.call.documents.citizen
    citizen.larger.click()
    shot("11-citizen-view-larger")
    assert citizen.window_view is not None
    citizen.window_view.close()
    console.window.call.tabs.setCurrentWidget(console.window.call.messages)
    shot("04-call-text")
    stills.document_camera = (
        SyntheticPattern(1280, 720, "書画カメラ").render(1.0)[:, :, ::-1].copy()
    )
    c.handle(RemoteContentChanged("s0", "document_camera"), now)
    shot("05-call-document-camera")
    console.window.call.end.click()
    shot("14-end-confirmation")
    for box in console.window.findChildren(QMessageBox):
        box.close()
    console.window.cheat_sheet.open()
    shot("15-shortcuts")
    console.window.cheat_sheet.close()
    c.handle(CallPhaseChanged("s0", CallPhase.RECONNECTING, "silent"), now)
    console.window.call.transfer.click()
    shot("06-transfer")
    for dialog in console.window.findChildren(QApplication.activeModalWidget().__class__):
        dialog.close()
    c.handle(p.SessionTransferred(session_id="s0", department_id="kaigo",
                                  department_names={"ja": "介護保険課"}), now)  # fmt: skip
    c.handle(p.PresenceChanged(presence=p.Presence.WRAP_UP), now)
    shot("07-wrap-up")
    c.wrap_up("other", "")
    c.handle(p.WrapUpSaved(session_id="s0"), now)
    c.handle(p.PresenceChanged(presence=p.Presence.AVAILABLE), now)
    c.handle(m.snapshot(), now)
    assert c.stage is Stage.READY
    shot("08-queue-empty-today")
    # An English reader: each staff message with its Japanese meaning and the English they read.
    c.handle(m.started("s1", kiosk=other, language="en"), now)
    c.handle(CallPhaseChanged("s1", CallPhase.CONNECTED, "up"), now)
    console.window.call.tabs.setCurrentWidget(console.window.call.messages)
    c.send_message("wait")
    shot("12-call-messages-en")
    c.handle(p.SessionEnded(session_id="s1", reason=p.EndReason.COMPLETED), now)
    c.wrap_up("resolved", "")
    c.handle(p.WrapUpSaved(session_id="s1"), now)
    # A やさしい日本語 reader: staff type keigo and a hard word, and see what to make plainer.
    c.handle(m.started("s2", kiosk=south, language="ja-easy"), now)
    c.handle(CallPhaseChanged("s2", CallPhase.CONNECTED, "up"), now)
    console.window.call.tabs.setCurrentWidget(console.window.call.messages)
    console.window.call.messages.free_text.setPlainText(
        "恐れ入りますが、こちらの申請書をご覧ください。"
    )
    shot("13-call-easy-japanese-advice")
    console.window.close()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
