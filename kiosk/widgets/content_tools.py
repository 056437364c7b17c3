"""The main area's own buttons, in the call's top bar where the title would be.

They sit above the main area rather than beside it, so that the content keeps the width a 16:9
share needs. First the writing pad's switch (筆談), always there; then what fits the main area
now, one set at a time: zoom out, zoom in and whole page for a page or a share; "clear" for the
open pad; 書類を映す (on or off) when there is a second camera and staff show nothing.
"""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

from kiosk.core.viewmodels import Icon, InCallVM, MainArea
from kiosk.theme import Kind, Theme
from kiosk.widgets.touch_button import TouchButton

LABEL_PX = 22  # the top bar's free space is about 650 px; 24 px is body text, 22 a label
ICON_PX = 28
MIN_WIDTH = 96
GAP = 12  # 2.5 mm is 9.1 px


def _tool(theme: Theme, icon: Icon) -> TouchButton:
    button = TouchButton(
        theme, Kind.NEUTRAL, icon, vertical=True, label_px=LABEL_PX, icon_px=ICON_PX, compact=True
    )
    button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return button


class ContentTools(QWidget):
    pad_toggled = pyqtSignal()
    zoom_out_requested = pyqtSignal()
    zoom_in_requested = pyqtSignal()
    zoom_fit_requested = pyqtSignal()
    pad_clear_requested = pyqtSignal()
    document_camera_toggled = pyqtSignal()

    def __init__(self, theme: Theme, height: int) -> None:
        super().__init__()
        self._height = height
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(GAP)
        self.pad = _tool(theme, Icon.HITSUDAN)
        self.zoom_out = _tool(theme, Icon.ZOOM_OUT)
        self.zoom_in = _tool(theme, Icon.ZOOM_IN)
        self.zoom_fit = _tool(theme, Icon.ZOOM_FIT)
        self.pad_clear = _tool(theme, Icon.CANCEL)
        self.document_camera = _tool(theme, Icon.DOCUMENT_CAMERA)
        for button, signal in (
            (self.pad, self.pad_toggled),
            (self.zoom_out, self.zoom_out_requested),
            (self.zoom_in, self.zoom_in_requested),
            (self.zoom_fit, self.zoom_fit_requested),
            (self.pad_clear, self.pad_clear_requested),
            (self.document_camera, self.document_camera_toggled),
        ):
            button.clicked.connect(signal)
            row.addWidget(button)
        row.addStretch(1)

    def draw(self, vm: InCallVM) -> None:
        pad, camera = vm.pad, vm.document_camera
        # The pad's switch is as wide as its wider label, so the buttons after it never move.
        widest = 0
        for label in (pad.open_label, pad.close_label):
            self.pad.set_content(label)
            widest = max(widest, self.pad.sizeHint().width())
        self._show(
            self.pad, pad.close_label if pad.open else pad.open_label, True, selected=pad.open
        )
        self.pad.setFixedWidth(max(MIN_WIDTH, widest))
        self._show(self.zoom_out, vm.zoom_out, vm.zoomable)
        self._show(self.zoom_in, vm.zoom_in, vm.zoomable)
        self._show(self.zoom_fit, vm.zoom_fit, vm.zoomable)
        self._show(self.pad_clear, pad.clear_label, vm.main is MainArea.PAD)
        if camera is None:
            self.document_camera.hide()
        else:
            self._show(self.document_camera, camera.label, True, selected=camera.on)

    def _show(
        self, button: TouchButton, label: str, shown: bool, *, selected: bool = False
    ) -> None:
        button.setVisible(shown)
        if shown:
            button.set_content(label, kind=Kind.SELECTED if selected else Kind.NEUTRAL)
            button.setFixedSize(max(MIN_WIDTH, button.sizeHint().width()), self._height)
