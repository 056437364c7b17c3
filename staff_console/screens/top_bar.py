"""The bar across the main window: who is logged in, presence, the hub link, and notices."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from signaling import protocol as p
from staff_console.core.viewmodels import ConsoleVM, Level, Stage
from staff_console.i18n import Translator

PRESENCE_COLOURS = {
    p.Presence.AVAILABLE: "#1b7f3b",
    p.Presence.AWAY: "#6b6b6b",
    p.Presence.WRAP_UP: "#a86400",
}
NOTICE_COLOURS = {Level.INFO: "#dbeafe", Level.WARNING: "#fff3c4", Level.ERROR: "#fde0e0"}


class TopBar(QWidget):
    presence_chosen = pyqtSignal(str)  # a p.Presence value
    notice_dismissed = pyqtSignal()
    logout_requested = pyqtSignal()

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = tr
        self.user = QLabel()
        self.user.setStyleSheet("font-weight: bold; font-size: 15px;")
        self.hub = QLabel()
        self.presence_buttons: dict[p.Presence, QPushButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        row = QHBoxLayout()
        row.addWidget(self.user)
        row.addSpacing(16)
        row.addWidget(QLabel(tr("presence.label")))
        for presence in p.Presence:
            button = QPushButton(tr(f"presence.{presence.value}"))
            button.setCheckable(True)
            button.setObjectName(f"presence_{presence.value}")
            button.clicked.connect(lambda _=False, v=presence.value: self.presence_chosen.emit(v))
            group.addButton(button)
            self.presence_buttons[presence] = button
            row.addWidget(button)
        row.addSpacing(16)
        row.addWidget(self.hub, 1)
        self.logout = QToolButton()
        self.logout.setText(tr("menu.logout"))
        self.logout.clicked.connect(self.logout_requested)
        row.addWidget(self.logout)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setObjectName("notice")
        self.dismiss = QToolButton()
        self.dismiss.setText(tr("notice.dismiss"))
        self.dismiss.clicked.connect(self.notice_dismissed)
        notice_row = QHBoxLayout()
        notice_row.addWidget(self.notice, 1)
        notice_row.addWidget(self.dismiss)
        self.notice_box = QWidget()
        self.notice_box.setLayout(notice_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 0)
        layout.addLayout(row)
        layout.addWidget(self.notice_box)

    def draw(self, vm: ConsoleVM) -> None:
        self.user.setText(vm.display_name)
        for presence, button in self.presence_buttons.items():
            chosen = presence is vm.presence
            button.setChecked(chosen)
            colour = PRESENCE_COLOURS[presence]
            button.setStyleSheet(
                f"background: {colour}; color: white; font-weight: bold;" if chosen else ""
            )
        logged_in = vm.stage not in (Stage.LOGIN, Stage.CONNECTING)
        for button in self.presence_buttons.values():
            button.setEnabled(logged_in)
        self.logout.setEnabled(logged_in)
        if not logged_in:
            self.hub.setText("")
        elif vm.hub_online:
            self.hub.setText(self._tr("hub.online"))
            self.hub.setStyleSheet("color: #1b7f3b;")
        else:
            self.hub.setText(self._tr("hub.offline"))
            self.hub.setStyleSheet("color: #b00020; font-weight: bold;")
        notice = vm.notice
        self.notice_box.setVisible(notice is not None)
        if notice is not None:
            self.notice.setText(self._tr(notice.key, **notice.fields))
            self.notice_box.setStyleSheet(
                f"background: {NOTICE_COLOURS[notice.level]}; font-size: 15px; font-weight: bold;"
            )
