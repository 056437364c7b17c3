"""Show a document: open a file or a standard form, move between pages, point, mark, draw.

The citizen's paper, shown back, is a document too: one page, no file, drawn from its still.

Also where staff lead the citizen's eyes: "look here" (the focus tool) zooms the kiosk to a box,
"whole page" back to fit, and the citizen view under the forms shows what the citizen sees.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from staff_console.core.engine_port import MarkTool
from staff_console.core.viewmodels import DocumentVM
from staff_console.i18n import Translator
from staff_console.page_preview import paper_preview
from staff_console.screens.citizen_view import CitizenView
from staff_console.screens.page_canvas import PageCanvas


def tool_button(text: str, tip: str = "") -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    return button


class DocumentPanel(QWidget):
    file_chosen = pyqtSignal(str)
    page_requested = pyqtSignal(int)
    tool_chosen = pyqtSignal(str)  # a MarkTool value
    clear_requested = pyqtSignal()
    close_requested = pyqtSignal()
    whole_page_requested = pyqtSignal()  # the kiosk back to the whole page, at fit

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = tr
        self._document: DocumentVM | None = None
        self._forms: tuple[str, ...] = ()
        self._file_page: QImage | None = None  # the file's page, rendered by the main window
        self._paper: tuple[str, QImage] | None = None  # (paper id, preview) of a still shown back
        self.canvas = PageCanvas()
        self.hint = QLabel(tr("document.none"))
        self.hint.setWordWrap(True)
        self.open = tool_button(tr("document.open"), tr("document.open") + " (Ctrl+O)")
        self.previous = tool_button("◀", tr("document.previous") + " (PgUp)")
        self.next = tool_button("▶", tr("document.next") + " (PgDn)")
        self.page = QLabel()
        self.name = QLabel()
        self.name.setObjectName("document_name")
        self.name.setStyleSheet("font-weight: bold;")
        # Takes the row's spare room and no more: a long file name is cut, the buttons stay.
        self.name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status = QLabel()
        self.tools: dict[MarkTool, QToolButton] = {}
        group = QButtonGroup(self)
        navigation = QHBoxLayout()  # the file and its pages over the tools: each row fits at 1366
        for widget in (self.open, self.previous, self.page, self.next):
            navigation.addWidget(widget)
        toolbar = QHBoxLayout()
        for number, tool in enumerate(MarkTool, start=1):
            button = QToolButton()
            button.setText(tr(f"tool.{tool.value}"))
            button.setToolTip(f"{tr(f'tool.{tool.value}')} (Ctrl+{number})")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, v=tool.value: self._on_tool_clicked(v))
            group.addButton(button)
            self.tools[tool] = button
            toolbar.addWidget(button)
        self.whole_page = tool_button(
            tr("document.whole_page"), tr("document.whole_page_hint") + " (Ctrl+0)"
        )
        toolbar.addWidget(self.whole_page)
        self.clear = tool_button(tr("tool.clear"))
        self.close_button = tool_button(tr("document.close"))
        toolbar.addStretch(1)
        toolbar.addWidget(self.clear)
        navigation.addWidget(self.close_button)
        navigation.addWidget(self.name, 1)
        navigation.addWidget(self.status)
        self.forms = QListWidget()
        # A long form name is cut in its middle, keeping its end, with the whole in its tooltip:
        # never a sideways scrollbar.
        self.forms.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.forms.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        forms_box = QWidget()
        forms_layout = QVBoxLayout(forms_box)
        forms_layout.setContentsMargins(0, 0, 0, 0)
        forms_layout.addWidget(QLabel(tr("document.forms")))
        forms_layout.addWidget(self.forms)
        self.citizen = CitizenView(tr)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(forms_box)
        left.addWidget(self.citizen)
        left.setStretchFactor(1, 3)
        page_box = QWidget()
        page_layout = QVBoxLayout(page_box)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.addWidget(self.hint)
        page_layout.addWidget(self.canvas, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(page_box)
        split.setStretchFactor(0, 2)  # grown in proportion, so a small screen keeps a large page
        split.setStretchFactor(1, 5)
        split.setSizes([200, 500])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(navigation)
        layout.addLayout(toolbar)
        layout.addWidget(split, 1)
        self.open.clicked.connect(self._on_open_clicked)
        self.previous.clicked.connect(lambda: self._on_step(-1))
        self.next.clicked.connect(lambda: self._on_step(1))
        self.clear.clicked.connect(self.clear_requested)
        self.close_button.clicked.connect(self.close_requested)
        self.whole_page.clicked.connect(self.whole_page_requested)
        self.forms.itemActivated.connect(self._on_forms_item_activated)
        self.forms.itemClicked.connect(self._on_forms_item_activated)

    def draw(self, document: DocumentVM | None, forms: tuple[str, ...]) -> None:
        self._document = document
        if forms != self._forms:
            self._forms = forms
            self.forms.clear()
            for path in forms:
                item = QListWidgetItem(Path(path).name)
                item.setToolTip(path)
                self.forms.addItem(item)
        has = document is not None
        for widget in (
            self.previous,
            self.next,
            self.whole_page,
            self.clear,
            self.close_button,
            *self.tools.values(),
        ):
            widget.setEnabled(has)
        self.hint.setVisible(not has)
        turns = document is None or document.page_count > 1  # one page: nothing to turn
        for flip in (self.previous, self.page, self.next):
            flip.setVisible(turns)
        if document is None:
            self.page.setText("")
            self.name.setText("")
            self.status.setText("")
            self._paper = None
            self._show_page()
            self.canvas.set_marks((), MarkTool.POINTER)
            self.canvas.set_citizen_box(None)
            self.citizen.draw(None)
            return
        self._render_paper(document)
        name = document.name
        if document.image is not None:
            name = self._tr("document.paper_name", number=document.paper_number)
        self.name.setText(name)
        self.name.setToolTip(document.path or name)
        self.page.setText(
            self._tr("document.page", page=document.page + 1, count=document.page_count)
        )
        self.previous.setEnabled(document.page > 0)
        self.next.setEnabled(document.page + 1 < document.page_count)
        self.status.setText(
            self._tr("document.shown" if document.delivered else "document.sending")
        )
        self.tools[document.tool].setChecked(True)
        self.canvas.set_marks(document.marks, document.tool)
        citizen = document.citizen
        self.canvas.set_citizen_box(
            None if citizen is None else citizen.box, self._tr("citizen.outline")
        )
        self.citizen.draw(citizen, document.marks)

    def set_page_image(self, image: QImage | None) -> None:
        """The file's page as the main window rendered it (None for the citizen's paper)."""
        self._file_page = image
        self._show_page()

    def forget(self) -> None:
        """The call is over: nothing of its documents or papers stays, not even hidden."""
        self._file_page = None
        self.draw(None, self._forms)

    def _render_paper(self, document: DocumentVM) -> None:
        if document.image is None:
            self._paper = None
        elif self._paper is None or self._paper[0] != document.doc_id:
            self._paper = (document.doc_id, paper_preview(document.image))  # once per paper
        self._show_page()

    def _show_page(self) -> None:
        image = self._file_page if self._paper is None else self._paper[1]
        if image is not self.canvas.image:
            self.canvas.set_page(image)
            self.citizen.set_page_image(image)

    def _on_tool_clicked(self, tool: str) -> None:
        self.tool_chosen.emit(tool)
        self.canvas.setFocus()  # the page, where the tool is used: arrows point with the pointer

    def focus_forms(self) -> None:
        """The standard forms, for the arrow keys and Enter."""
        self.forms.setFocus()
        if self.forms.currentRow() < 0 and self.forms.count():
            self.forms.setCurrentRow(0)

    def step(self, delta: int) -> None:
        self._on_step(delta)

    def _on_step(self, delta: int) -> None:
        if self._document is not None:
            self.page_requested.emit(self._document.page + delta)

    def _on_open_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self._tr("document.open"), "", self._tr("document.filter")
        )
        if path:
            self.file_chosen.emit(path)

    def _on_forms_item_activated(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.file_chosen.emit(item.toolTip())
