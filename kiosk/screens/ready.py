"""4. Ready: before the call, on one screen, what staff will see and hear and what is kept.

On the left the citizen sees themselves as staff will, and a microphone level; a missing camera
or microphone is said, and the call goes on by voice or by the buttons. On the right, the
privacy points. One tap on the bottom-right button agrees and calls staff (kiosk/core/state.py).
"""

from __future__ import annotations

from PyQt6.QtCore import QRect
from PyQt6.QtGui import QResizeEvent
from PyQt6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.core.engine_port import MediaFeeds
from kiosk.core.viewmodels import Icon, ReadyVM
from kiosk.screens.base import Screen
from kiosk.theme import Theme
from kiosk.widgets.bullet import Bullet
from kiosk.widgets.level_bar import LevelBar
from kiosk.widgets.panel import Panel
from kiosk.widgets.text import KText, Role
from kiosk.widgets.video_view import VideoView

# The left column: the two devices and the self-view at 4:3 between them. Large text takes more
# of the width, so that each device's sentence stays on one line or two and the picture keeps
# its height; the privacy points wrap to the rest.
DEVICES_WIDTH = {False: 640, True: 720}
GAP = 16


class DeviceStatus(Panel):
    """One device: a pictogram (a warning sign when it is missing) and a sentence."""

    def __init__(self, theme: Theme, icon: Icon) -> None:
        super().__init__(theme.palette.panel, padding=16)
        self._theme, self._icon = theme, icon
        line = QHBoxLayout()
        line.setSpacing(20)
        self.bullet = Bullet(theme, icon)
        self.text = KText(theme, Role.BODY, bold=False)
        line.addWidget(self.bullet)
        line.addWidget(self.text, 1)
        self.body.addLayout(line)

    def set_status(self, ok: bool, text: str) -> None:
        self.look = self._theme.palette.panel if ok else self._theme.palette.notice
        self.bullet.set_icon(self._icon if ok else Icon.WARNING)
        self.text.set_text(text)
        self.update()


class SelfView(QWidget):
    """The self-view at 4:3, as large as the room left for it, centred under the panels."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.video = VideoView(theme, Icon.CAMERA)
        self.video.setParent(self)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(240)  # 320 x 240 at the least (docs/kiosk-rules.md, Video)

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802  # Qt override
        width = min(self.width(), self.height() * 4 // 3) // 4 * 4  # exactly 4:3, no black edge
        self.video.setGeometry(QRect((self.width() - width) // 2, 0, width, width * 3 // 4))


class ReadyScreen(Screen[ReadyVM]):
    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.title = self.title_text()
        row = QHBoxLayout()
        row.setSpacing(48)
        devices = QVBoxLayout()
        devices.setSpacing(GAP)
        self.camera = DeviceStatus(theme, Icon.CAMERA)
        self.self_view = SelfView(theme)
        self.microphone = DeviceStatus(theme, Icon.MIC)
        self.level = LevelBar(theme)
        self.microphone.body.addWidget(self.level)
        devices.addWidget(self.camera)
        devices.addWidget(self.self_view, 1)
        devices.addWidget(self.microphone)
        devices.addStretch(0)  # takes the picture's room when there is no camera
        holder = QWidget()
        holder.setFixedWidth(DEVICES_WIDTH[theme.large_text])
        holder.setLayout(devices)
        devices.setContentsMargins(0, 0, 0, 0)
        row.addWidget(holder)
        self.privacy = Panel(theme.palette.panel, padding=24 if theme.large_text else 32)
        self.privacy.body.setSpacing(12 if theme.large_text else 24)
        self.points: list[KText] = []
        side = QVBoxLayout()
        side.addWidget(self.privacy)
        side.addStretch(1)
        row.addLayout(side, 1)
        self.column.addLayout(row, 1)
        self._camera_ok = True

    def draw(self, vm: ReadyVM) -> None:
        self.title.set_text(vm.title)
        self.camera.set_status(vm.camera_ok, vm.camera_text)
        self.microphone.set_status(vm.microphone_ok, vm.microphone_text)
        self.level.setVisible(vm.level_shown)
        # No camera, no picture: the warning above says so, and the call goes on by voice.
        self.self_view.setVisible(vm.camera_ok)
        self._camera_ok = vm.camera_ok
        while len(self.points) < len(vm.points):
            line = QHBoxLayout()
            line.setSpacing(20)
            line.addWidget(Bullet(self.theme, Icon.CHECK))
            text = KText(self.theme, Role.BODY, bold=False)
            line.addWidget(text, 1)
            self.privacy.body.addLayout(line)
            self.points.append(text)
        for label, point in zip(self.points, vm.points, strict=False):
            label.set_text(point)

    def show_media(self, feeds: MediaFeeds) -> None:
        # Without a camera the engine sends a test pattern, which is not the citizen: not shown.
        self.self_view.video.set_frame(feeds.self_frame() if self._camera_ok else None)
        self.level.set_level(feeds.microphone_level())
