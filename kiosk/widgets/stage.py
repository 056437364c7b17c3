"""The call's main area: the staff member's video, or what they show with their video inset.

When staff share a document page or their screen, it takes the stage and their video becomes a
picture-in-picture in the top-right corner, so the citizen still sees who is talking; the fitted
page sits to its left, so the video never hides a box the staff member points at. Zoom
buttons (+, -, fit) sit in a column beside the content; a status (connecting, the other end's
link is down) is a calm box over the middle of the stage.
"""

from __future__ import annotations

from PyQt6.QtCore import QRect, Qt, pyqtSignal
from PyQt6.QtGui import QResizeEvent
from PyQt6.QtWidgets import QHBoxLayout, QStackedLayout, QVBoxLayout, QWidget

from kiosk.engine import MediaFeeds
from kiosk.theme import Kind, Theme
from kiosk.viewmodels import ContentVM, Icon
from kiosk.widgets.document_view import DocumentView
from kiosk.widgets.panel import Panel
from kiosk.widgets.text import KText, Role
from kiosk.widgets.touch_button import TouchButton
from kiosk.widgets.video_view import VideoView

PIP_WIDTH, PIP_HEIGHT = 360, 270


class Stage(QWidget):
    document_camera_clicked = pyqtSignal()

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self._content: ContentVM | None = None
        self.staff_video = VideoView(theme, Icon.PERSON)
        self.document = DocumentView(theme)
        self.pip = VideoView(theme, Icon.PERSON, compact=True)
        self.pip.setParent(self.document)
        self.pip.setFixedSize(PIP_WIDTH, PIP_HEIGHT)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(theme.gap_px)
        self.pages = QStackedLayout()
        self.pages.addWidget(self.staff_video)
        self.pages.addWidget(self.document)
        row.addLayout(self.pages, 1)
        self.tools = QVBoxLayout()
        self.tools.setSpacing(12)
        self.zoom_in = TouchButton(theme, Kind.NEUTRAL, Icon.ZOOM_IN)
        self.zoom_out = TouchButton(theme, Kind.NEUTRAL, Icon.ZOOM_OUT)
        self.zoom_fit = TouchButton(theme, Kind.NEUTRAL, Icon.ZOOM_FIT)
        self.document_camera = TouchButton(theme, Kind.NEUTRAL, Icon.DOCUMENT_CAMERA)
        self.zoom_in.clicked.connect(self.document.zoom_in)
        self.zoom_out.clicked.connect(self.document.zoom_out)
        self.zoom_fit.clicked.connect(self.document.fit)
        self.document_camera.clicked.connect(self.document_camera_clicked)
        for button in (self.zoom_in, self.zoom_out, self.zoom_fit):
            button.setFixedWidth(320)
            self.tools.addWidget(button)
        self.tools.addStretch(1)
        self.document_camera.setFixedWidth(320)
        self.tools.addWidget(self.document_camera)
        row.addLayout(self.tools)
        self.status = Panel(theme.palette.notice, padding=28)
        self.status_text = KText(
            theme, Role.HEADING, color=theme.palette.notice.text, align=Qt.AlignmentFlag.AlignCenter
        )
        self.status.body.addWidget(self.status_text)
        self.status.setParent(self)
        self.status.hide()

    def hasHeightForWidth(self) -> bool:  # noqa: N802  # Qt override
        # The stage takes whatever height is left; its buttons' wrapping must not claim more.
        return False

    def render(  # type: ignore[override]  # a vm in
        self,
        content: ContentVM | None,
        staff: str,
        speaking: str,
        status: str,
        document_camera: tuple[str, bool] | None,
    ) -> None:
        self._content = content
        for video in (self.staff_video, self.pip):
            video.set_name(staff)
            video.set_speaking(speaking)
        if content is None:
            self.pages.setCurrentWidget(self.staff_video)
        else:
            self.document.show_content(content.page_key, content.image, content.marks)
            self.document.set_right_inset(PIP_WIDTH + 32)  # the form never hides under the video
            self.pages.setCurrentWidget(self.document)
            self.zoom_in.set_content(content.zoom_in)
            self.zoom_out.set_content(content.zoom_out)
            self.zoom_fit.set_content(content.zoom_fit)
        for button in (self.zoom_in, self.zoom_out, self.zoom_fit):
            button.setVisible(content is not None)
        # One thing on the stage at a time: the document camera is offered while staff show
        # nothing, and stays while it is on so that it can be turned off.
        self.document_camera.setVisible(
            document_camera is not None and (content is None or document_camera[1])
        )
        if document_camera is not None:
            label, on = document_camera
            self.document_camera.set_content(label, kind=Kind.SELECTED if on else Kind.NEUTRAL)
        self.status_text.set_text(status)
        self.status.setVisible(bool(status))
        self._place_overlays()

    def show_media(self, feeds: MediaFeeds) -> None:
        staff = feeds.staff_frame()
        if self._content is None:
            self.staff_video.set_frame(staff)
        else:
            self.pip.set_frame(staff)
            if self._content.image is None:  # a screen share: the content track's video
                self.document.set_frame(feeds.content_frame())

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802  # Qt override
        super().resizeEvent(event)
        self._place_overlays()

    def _place_overlays(self) -> None:
        self.pip.move(max(0, self.document.width() - PIP_WIDTH - 16), 16)
        self.pip.raise_()
        if self.status.isVisible():
            width = min(self.width() - 80, 900)
            height = self.status.sizeHint().height() + self.status_text.heightForWidth(width - 56)
            self.status.setGeometry(
                QRect((self.width() - width) // 2, (self.height() - height) // 2, width, height)
            )
            self.status.raise_()
