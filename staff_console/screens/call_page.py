"""The call: the citizen large, a self-view, the call's state and quality, and the controls.

Every control shows its shortcut (the window's shortcut table binds them). 通話終了 stands
apart from the rest, at the far right, so a slip from 転送… does not reach it; the window asks
before it ends the call. The staff messages are one click away under the video (`QuickTexts`),
numbered for Alt+1 to Alt+9.

The right-hand side holds the document panel, the text panel, the writing pad and, while the
kiosk's document camera is on, the paper to read (`paper_window.PaperTab`).
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QHideEvent
from PyQt6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from staff_console.core.engine_port import CallPhase
from staff_console.core.viewmodels import CallVM, ConsoleVM, PaperStill, Quality
from staff_console.i18n import Translator
from staff_console.screens.document_panel import DocumentPanel
from staff_console.screens.message_panel import MessagePanel
from staff_console.screens.paper_window import PaperTab
from staff_console.screens.video_view import Rgb, VideoView
from staff_console.screens.writing_pad import PadPanel

QUALITY_COLOURS = {
    Quality.UNKNOWN: "#6b6b6b",
    Quality.GOOD: "#1b7f3b",
    Quality.FAIR: "#a86400",
    Quality.POOR: "#b00020",
}


QUICK_TEXT_KEYS = 9  # Alt+1 to Alt+9


class QuickTexts(QListWidget):
    """The staff messages under the video: one click sends one, Alt+number from anywhere."""

    message_chosen = pyqtSignal(str)  # a staff message's id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quick_texts")
        self.setMaximumHeight(92)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._shown: tuple[object, ...] = ()
        self.itemClicked.connect(self._on_item_clicked)

    def draw(self, call: CallVM) -> None:
        if call.messages == self._shown:
            return
        self._shown = call.messages
        self.clear()
        for number, message in enumerate(call.messages, start=1):
            key = f"Alt+{number}  " if number <= QUICK_TEXT_KEYS else ""
            item = QListWidgetItem(f"{key}{message.meaning}")
            item.setToolTip(message.meaning)  # the whole text, where the row cuts it
            item.setData(Qt.ItemDataRole.UserRole, message.id)
            self.addItem(item)

    def send_number(self, number: int) -> None:
        item = self.item(number - 1)
        if item is not None:
            self.message_chosen.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    def _on_item_clicked(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.message_chosen.emit(str(item.data(Qt.ItemDataRole.UserRole)))


class CallPage(QWidget):
    mute_toggled = pyqtSignal()
    camera_toggled = pyqtSignal()
    share_requested = pyqtSignal()
    stop_sharing_requested = pyqtSignal()
    transfer_requested = pyqtSignal()
    end_requested = pyqtSignal()

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = tr
        self._sharing = False
        self._pad_open = False
        self.who = QLabel()
        self.who.setStyleSheet("font-size: 18px; font-weight: bold;")
        # What the citizen reads, always in view: it decides what staff send and how.
        self.language = QLabel()
        self.language.setObjectName("citizen_language")
        self.language.setStyleSheet(
            "background: #0b4f8a; color: white; font-size: 20px; font-weight: bold; padding: 4px;"
        )
        self.about = QLabel()
        self.about.setWordWrap(True)
        self.phrase = QLabel()
        self.phrase.setObjectName("phrase")
        self.phrase.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.phrase.setStyleSheet(
            "background: #b00020; color: white; font-size: 26px; font-weight: bold; padding: 6px;"
        )
        self.state = QLabel()
        self.quality = QLabel()
        self.quality.setObjectName("quality")
        # Always laid out, only its text changes: the status line must not jump as they talk.
        self.speaking = QLabel()
        self.speaking.setObjectName("citizen_speaking")
        self.speaking.setStyleSheet("color: #00703c; font-weight: bold;")
        self.remote = VideoView(tr("call.no_video"))
        self.self_view = VideoView(tr("call.self_view"))
        self.self_view.mirrored = True
        self.self_view.setFixedSize(192, 108)
        video = QGridLayout()
        video.addWidget(self.remote, 0, 0)
        video.addWidget(
            self.self_view, 0, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom
        )
        self.camera_warning = QLabel()
        self.camera_warning.setWordWrap(True)
        self.camera_warning.setStyleSheet("color: #8a5a00; font-weight: bold;")
        self.mute = QPushButton()
        self.camera = QPushButton()
        self.share = QPushButton()
        self.transfer = QPushButton(tr("call.transfer") + " (Ctrl+T)")
        self.end = QPushButton(tr("call.end") + " (Ctrl+Shift+E)")
        self.end.setObjectName("end_call")
        self.end.setStyleSheet(
            "background: #b00020; color: white; font-weight: bold; padding: 6px;"
        )
        self.quick_texts = QuickTexts()
        # Two rows: the call's switches, then transfer and, far from it, the end.
        switches = QHBoxLayout()
        for button in (self.mute, self.camera, self.share):
            switches.addWidget(button)
        hand_over = QHBoxLayout()
        hand_over.addWidget(self.transfer)
        hand_over.addStretch(1)
        hand_over.addWidget(self.end)
        controls = QVBoxLayout()
        controls.addLayout(switches)
        controls.addLayout(hand_over)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.who, self.language, self.about, self.phrase):
            left_layout.addWidget(widget)
        status = QHBoxLayout()
        status.addWidget(self.state, 1)
        status.addWidget(self.speaking)
        status.addWidget(self.quality)
        left_layout.addLayout(status)
        left_layout.addLayout(video, 1)
        left_layout.addWidget(self.camera_warning)
        left_layout.addWidget(self.quick_texts)
        left_layout.addLayout(controls)
        self.documents = DocumentPanel(tr)
        self.messages = MessagePanel(tr)
        self.pad = PadPanel(tr)
        self.paper = PaperTab(tr)  # the document camera, or a still of the paper, to read
        self._paper_shown: str | None = None  # the newest still's id, once put up
        self._shown_back: str | None = None  # the still on the kiosk now, as last rendered
        self._camera_on = False  # the kiosk's document camera, as last rendered
        self.tabs = QTabWidget()
        self.tabs.addTab(self.documents, tr("document.title") + " (F2)")
        self.tabs.addTab(self.messages, tr("text.title") + " (F3)")
        self.tabs.addTab(self.pad, tr("pad.title") + " (F4)")
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([520, 780])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(split)
        self.mute.clicked.connect(self.mute_toggled)
        self.camera.clicked.connect(self.camera_toggled)
        self.share.clicked.connect(self._on_share_clicked)
        self.transfer.clicked.connect(self.transfer_requested)
        self.end.clicked.connect(self.end_requested)
        self.paper.live.clicked.connect(self._on_paper_live_clicked)  # after the tab's own

    def draw(self, vm: ConsoleVM) -> None:
        call = vm.call
        if call is None:
            return
        tr = self._tr
        self.who.setText(tr("call.with", kiosk=call.kiosk_name, location=call.kiosk_location))
        self.language.setText(tr("text.citizen_language", language=tr.language_name(call.language)))
        about = [tr("call.category", category=call.category)]
        if call.overflowed_from:
            about.append(tr("call.overflowed", department=call.overflowed_from))
        about += [
            tr("call.handoff", department=h.department, staff=h.staff_name, note=h.note)
            for h in call.handoffs
        ]
        self.about.setText("\n".join(about))
        self.phrase.setVisible(bool(call.phrase))
        if call.phrase:
            age = tr("phrase.ago", seconds=call.phrase_age)
            self.phrase.setText(f"{tr(f'phrase.{call.phrase}')}  ({age})")
        self._render_state(call)
        self.camera_warning.setVisible(bool(call.camera_problem))
        self.camera_warning.setText(tr("camera.missing") if call.camera_problem else "")
        self.mute.setText(tr("call.unmute" if call.muted else "call.mute") + " (Ctrl+M)")
        camera = tr("call.camera_on" if not call.camera_on else "call.camera_off")
        self.camera.setText(camera + " (Ctrl+Shift+C)")
        self._sharing = call.sharing_screen
        share = tr("call.stop_sharing" if call.sharing_screen else "call.share_screen")
        self.share.setText(share + " (Ctrl+Shift+S)")
        self.quick_texts.draw(call)
        self.documents.draw(call.document, vm.forms)
        self.messages.draw(call)
        self.pad.draw(call.pad)
        if call.pad.open and not self._pad_open:  # the citizen opened it: show what they write
            self.tabs.setCurrentWidget(self.pad)
        self._pad_open = call.pad.open
        self._render_paper(call)

    def _render_paper(self, call: CallVM) -> None:
        self._camera_on = call.remote_content == "document_camera"
        document = call.document
        shown_back = None if document is None or document.image is None else document.doc_id
        self.paper.draw(call.papers, shown_back, self._camera_on)
        newest = call.papers[-1] if call.papers else None
        if newest is not None and newest.paper_id != self._paper_shown:
            self._paper_shown = newest.paper_id  # a new still comes up to read, once
            self.show_still(newest)
        self._show_paper_tab(self._camera_on or self.paper.showing_still)
        if shown_back is not None and shown_back != self._shown_back:
            self.tabs.setCurrentWidget(self.documents)  # where staff point at it and mark it
        self._shown_back = shown_back

    def _render_state(self, call: CallVM) -> None:
        tr = self._tr
        talk = tr("call.talk", time=tr.duration(call.talk_seconds))
        state = f"{tr(f'call.phase.{call.phase.value}')}   {talk}"
        if not call.peer_online:
            state += f"   ⚠ {tr('call.peer_offline')}"
        self.state.setText(state)
        self.speaking.setText(tr("call.citizen_speaking") if call.citizen_speaking else "")
        bad = call.phase in (CallPhase.RECONNECTING, CallPhase.LOST)
        self.state.setStyleSheet("color: #b00020; font-weight: bold;" if bad else "")
        quality = call.quality
        text = tr(f"quality.{quality.level.value}")
        if quality.rtt_ms is not None:
            text += "  " + tr(
                "quality.detail",
                rtt=round(quality.rtt_ms),
                loss=f"{quality.loss_percent or 0:.1f}",
                fps=round(quality.fps or 0),
            )
        self.quality.setText(f"● {text}")
        self.quality.setStyleSheet(f"color: {QUALITY_COLOURS[quality.level]}; font-weight: bold;")

    def show_frames(self, remote: Rgb | None, self_view: Rgb | None, content: Rgb | None) -> None:
        self.remote.show_frame(remote)
        self.self_view.show_frame(self_view)
        if self.tabs.indexOf(self.paper) >= 0:
            self.paper.show_frame(content)

    def show_still(self, still: PaperStill | None) -> None:
        """A still of the citizen's paper to read, at fit; None goes back to the live camera."""
        self.paper.show_still(still)
        if still is not None:
            self._show_paper_tab(True)
            self.tabs.setCurrentWidget(self.paper)

    def _show_paper_tab(self, wanted: bool) -> None:
        shown = self.tabs.indexOf(self.paper) >= 0
        if wanted and not shown:
            self.tabs.addTab(self.paper, self._tr("call.document_camera"))
            self.tabs.setCurrentWidget(self.paper)
        elif not wanted and shown:
            self.paper.close_window()
            self.tabs.removeTab(self.tabs.indexOf(self.paper))

    def _on_paper_live_clicked(self) -> None:
        self._show_paper_tab(self._camera_on)

    def hideEvent(self, event: QHideEvent | None) -> None:  # noqa: N802  # Qt override
        # The page leaves the stack only when the call is over: nothing of it stays on screen.
        if event is not None and not event.spontaneous():
            self.paper.forget()
            self.documents.forget()
            self._paper_shown = self._shown_back = None
        super().hideEvent(event)

    def _on_share_clicked(self) -> None:
        (self.stop_sharing_requested if self._sharing else self.share_requested).emit()
