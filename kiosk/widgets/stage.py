"""The call's main area: the staff member's video, or what takes its place, and staff's words.

One thing at a time takes the area: the writing pad while it is open, else the content (a page,
staff's screen, our document camera), else the staff member's video. Content is drawn from the
top left at its largest (`DocumentView`: 1:1 at fit); staff's words (the 筆談 sign and their
text) take what the content leaves, to its right or below it, so nothing is ever drawn over
the content and nothing moves when text arrives. A status (connecting, the other end's link is
down) is a calm box over the video, or a line among the words beside content.

While our document camera is on, the citizen is placing a paper, not reading one, so the live
picture gives up a fifth of its width for the paper's own controls: the picture at 1280 x 720 at
the top left (1:1 from a 720p camera, exactly two thirds of a 1080p one) with the guide frame on
it, the `PaperPanel` in the 304 px to its right, the whole height, with its send button at the
bottom right, and staff's words in the 1280 x 240 below the picture. The places come from the
area's size alone, so nothing moves as a still is sent.
"""

from __future__ import annotations

from PyQt6.QtCore import QRect, Qt, pyqtSignal
from PyQt6.QtGui import QResizeEvent
from PyQt6.QtWidgets import QHBoxLayout, QWidget

from kiosk.core.engine_port import MediaFeeds
from kiosk.core.viewmodels import ContentKind, Icon, InCallVM, MainArea, PaperVM
from kiosk.theme import Theme
from kiosk.widgets.bullet import Bullet
from kiosk.widgets.document_view import DocumentView
from kiosk.widgets.panel import Panel
from kiosk.widgets.paper_panel import EDGE_GAP, PaperGuide, PaperPanel
from kiosk.widgets.text import KText, Role
from kiosk.widgets.video_view import VideoView
from kiosk.widgets.writing_pad import WritingPad

GAP = 16
VIDEO_WIDTH_SHARE = 0.7  # of the area, for the staff video; their words take the rest
WORDS_MIN_WIDTH = 200  # a landscape A4 page leaves 215 px beside it
WORDS_MIN_HEIGHT = 48  # a 16:9 share leaves 60 px below it: one line
STRIP_HEIGHT = 120  # words below wide content get one line, the newest
STRIP_TEXT_PX = 24  # the body minimum (docs/kiosk-rules.md): with ruby above, the line still fits
PAPER_PANEL_WIDTH = 304  # beside the document camera's picture: 1280 + 16 + 304 = 1600


class Stage(QWidget):
    viewport_changed = pyqtSignal(int, int)
    view_changed = pyqtSignal(str, int, object, int, int)

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self._vm: InCallVM | None = None
        self.staff_video = VideoView(theme, Icon.PERSON)
        self.document = DocumentView(theme)
        self.pad = WritingPad(theme)
        self.words = Panel(theme.palette.message, padding=14)
        header = QHBoxLayout()
        self.sign = Bullet(theme, Icon.HITSUDAN)
        header.addWidget(self.sign, 0, Qt.AlignmentFlag.AlignTop)
        # The sign's caption stays at body size in large text, leaving the room to the messages.
        self.hitsudan = KText(theme, Role.BODY, color=theme.palette.message.text, bold=True, px=30)
        header.addWidget(self.hitsudan, 1)
        self.words.body.addLayout(header)
        self.staff_texts = KText(theme, Role.HEADING, color=theme.palette.message.text, bold=False)
        self.words.body.addWidget(self.staff_texts)
        # In a strip below wide content there is room for one line: staff's newest words.
        self.newest_text = KText(
            theme, Role.BODY, color=theme.palette.message.text, bold=True, px=STRIP_TEXT_PX
        )
        self.words.body.addWidget(self.newest_text)
        self.words.body.addStretch(1)
        self.notice = KText(theme, Role.BODY, color=theme.palette.message.text, bold=True)
        self.words.body.addWidget(self.notice)
        self.status = Panel(theme.palette.notice, padding=28)
        self.status_text = KText(
            theme, Role.HEADING, color=theme.palette.notice.text, align=Qt.AlignmentFlag.AlignCenter
        )
        self.status.body.addWidget(self.status_text)
        self.paper = PaperPanel(theme)
        self.guide = PaperGuide(theme)
        children = (self.staff_video, self.document, self.pad, self.words, self.status, self.paper)
        for child in children:
            child.setParent(self)
        self.document.viewport_changed.connect(self.viewport_changed)
        self.document.view_changed.connect(self.view_changed)
        self.status.hide()
        self.paper.hide()

    def draw(self, vm: InCallVM) -> None:
        self._vm = vm
        content = vm.content
        self.staff_video.set_name(vm.staff_label)
        self.staff_video.set_speaking(vm.staff_speaking)
        self.pad.draw(vm.pad)
        if content is not None:
            self.document.show_content(
                content.page_key, content.image, content.marks, content.detail
            )
            if content.focus is not None:
                self.document.focus(content.focus.box, content.focus.serial)
        self.pad.setVisible(vm.main is MainArea.PAD)
        self.document.setVisible(vm.main is MainArea.CONTENT)
        self.staff_video.setVisible(vm.main is MainArea.VIDEO)
        self.hitsudan.set_text(vm.hitsudan)
        self.status_text.set_text(vm.status)
        paper = self._paper()
        self.paper.setVisible(paper is not None)
        if paper is not None:
            self.paper.draw(paper)
            self.guide.set_text(paper.guide)
        self.document.set_overlay(None if paper is None else self.guide.paint)
        self._place()

    def _paper(self) -> PaperVM | None:
        """The paper's controls, while the document camera's picture has the main area."""
        vm = self._vm
        if vm is None or vm.main is not MainArea.CONTENT or vm.content is None:
            return None
        return vm.paper if vm.content.kind is ContentKind.DOCUMENT_CAMERA else None

    def show_media(self, feeds: MediaFeeds) -> None:
        content = None if self._vm is None else self._vm.content
        if content is None:
            self.staff_video.set_frame(feeds.staff_frame())
            return
        before = self.document.content_rect()
        if content.kind is ContentKind.SCREEN:
            self.document.set_frame(feeds.content_frame())
        elif content.kind is ContentKind.DOCUMENT_CAMERA:
            self.document.set_frame(feeds.document_camera_frame())
        if self.document.content_rect() != before:
            self._place()

    def content_rect(self) -> QRect:
        """Where the content is drawn at fit, in this widget's coordinates (empty: none)."""
        if self.document.isHidden():
            return QRect()
        return self.document.content_rect().translated(self.document.pos())

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802  # Qt override
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        area = self.rect()
        # The document view announces the whole area, so the size staff render pages for never
        # depends on what is shown now; it is given less only for the document camera's picture.
        picture = self._picture(area)
        self.document.setGeometry(area if picture.isEmpty() else picture)
        self.document.announce(area.size())
        self.pad.setGeometry(area)
        if not picture.isEmpty():
            left = picture.right() + 1 + GAP
            self.paper.setGeometry(QRect(left, 0, area.right() - left + 1, area.height()))
        video = QRect(0, 0, round(area.width() * VIDEO_WIDTH_SHARE), area.height())
        video.setHeight(min(area.height(), video.width() * 3 // 4))
        self.staff_video.setGeometry(video)
        over_video = not self.staff_video.isHidden()
        self._place_words(self._words_area(area, video), "" if over_video else self._status())
        self.status.setVisible(over_video and bool(self._status()))
        if not self.status.isHidden():
            width = min(video.width() - 40, 900)
            height = self.status.sizeHint().height() + self.status_text.heightForWidth(width - 56)
            centre = video.center()
            self.status.setGeometry(
                QRect(centre.x() - width // 2, centre.y() - height // 2, width, height)
            )
            self.status.raise_()

    def _picture(self, area: QRect) -> QRect:
        """The document camera's picture beside the paper panel (empty: not shown now)."""
        if self.paper.isHidden():
            return QRect()
        width = area.width() - GAP - PAPER_PANEL_WIDTH
        return QRect(0, 0, width, min(area.height(), width * 9 // 16))

    def _status(self) -> str:
        return "" if self._vm is None else self._vm.status

    def _place_words(self, words: QRect, status: str) -> None:
        """Staff's words in `words`; beside content, the status too (never over the content)."""
        roomy = words.height() > STRIP_HEIGHT
        texts = () if self._vm is None else self._vm.staff_texts
        # A strip shows words or nothing: an empty box under a share would only be noise.
        said = roomy or bool(status or texts)
        self.words.setVisible(self.pad.isHidden() and not words.isEmpty() and said)
        self.words.setGeometry(words)
        for part in (self.sign, self.hitsudan, self.staff_texts, self.notice):
            part.setVisible(roomy)
        self.newest_text.setVisible(not roomy)
        padding = 14 if roomy else 4
        self.words.body.setContentsMargins(padding if roomy else 28, padding, padding, padding)
        notice = "" if self._vm is None else self._vm.notice
        self.staff_texts.set_text("\n".join(texts[-2:]))
        self.notice.set_text(status or notice)
        self.newest_text.set_text(status or (texts[-1] if texts else ""))

    def _words_area(self, area: QRect, video: QRect) -> QRect:
        """What the video or the content leaves, to its right or below it: the larger."""
        picture = self._picture(area)
        if not picture.isEmpty():  # below the picture: the panel has the right
            below = QRect(0, picture.bottom() + 1 + GAP // 2, picture.width(), 0)
            below.setBottom(area.bottom() - EDGE_GAP)  # level with the send button's foot
            return below
        taken = video if not self.staff_video.isHidden() else self.content_rect()
        if taken.isEmpty():
            taken = video
        right = QRect(taken.right() + 1 + GAP, 0, area.right() - taken.right() - GAP, area.height())
        below = QRect(0, taken.bottom() + 1 + GAP // 2, area.width(), 0)
        below.setBottom(area.bottom())
        usable = [
            rect
            for rect in (right, below)
            if rect.width() >= WORDS_MIN_WIDTH and rect.height() >= WORDS_MIN_HEIGHT
        ]
        return max(usable, key=lambda rect: rect.width() * rect.height(), default=QRect())
