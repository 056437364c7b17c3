"""5. Device check: the citizen sees themselves and a microphone level; a missing device is said."""

from __future__ import annotations

from PyQt6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk.engine import MediaFeeds
from kiosk.screens.base import Screen
from kiosk.screens.privacy import Bullet
from kiosk.theme import Theme
from kiosk.viewmodels import DeviceCheckVM, Icon, ScreenVM
from kiosk.widgets.level_bar import LevelBar
from kiosk.widgets.panel import Panel
from kiosk.widgets.text import KText, Role
from kiosk.widgets.video_view import VideoView


class DeviceStatus(Panel):
    """One device: a pictogram (a warning sign when it is missing) and a sentence."""

    def __init__(self, theme: Theme, icon: Icon) -> None:
        super().__init__(theme.palette.panel)
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


class DeviceCheckScreen(Screen):
    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.title = self.title_text()
        row = QHBoxLayout()
        row.setSpacing(48)
        self.self_view = VideoView(theme, Icon.CAMERA)
        self.self_view.setFixedSize(720, 540)
        row.addWidget(self.self_view)
        side = QVBoxLayout()
        side.setSpacing(theme.gap_px)
        self.camera = DeviceStatus(theme, Icon.CAMERA)
        self.microphone = DeviceStatus(theme, Icon.MIC)
        self.level_label = KText(theme, Role.HEADING)
        self.level = LevelBar(theme)
        for widget in (self.camera, self.microphone, self.level_label, self.level):
            side.addWidget(widget)
        side.addStretch(1)
        row.addLayout(side, 1)
        self.column.addLayout(row, 1)
        self._camera_ok = True

    def render(self, vm: ScreenVM) -> None:  # type: ignore[override]  # a vm in
        assert isinstance(vm, DeviceCheckVM)
        self.title.set_text(vm.title)
        self.camera.set_status(vm.camera_ok, vm.camera_text)
        self.microphone.set_status(vm.microphone_ok, vm.microphone_text)
        self.level_label.set_text(vm.level_label if vm.microphone_ok else "")
        self.level.setVisible(vm.microphone_ok and bool(vm.level_label))
        self._camera_ok = vm.camera_ok

    def show_media(self, feeds: MediaFeeds) -> None:
        # Without a camera the engine sends a test pattern; here the camera pictogram says more.
        self.self_view.set_frame(feeds.self_frame() if self._camera_ok else None)
        self.level.set_level(feeds.microphone_level())
