"""The kiosk's one kind of button: big, coloured by what it does, labelled, acting on release.

QAbstractButton gives the touch behaviour docs/kiosk-rules.md asks for ("Touch"): `clicked` fires
when the finger lifts inside the button, so sliding off cancels (WCAG 2.5.2), and there is no
long press or double tap. Pressing changes the fill and thickens the border, and nothing moves
under the finger. The window beeps on every press of a `TouchButton` (`kiosk.window`).
"""

from __future__ import annotations

from PyQt6.QtCore import QRect, QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QPainter, QPaintEvent, QPen, QResizeEvent
from PyQt6.QtWidgets import QAbstractButton, QSizePolicy, QWidget

from kiosk.core.viewmodels import Icon
from kiosk.theme import Kind, Look, Theme
from kiosk.widgets.pictogram import paint_icon
from kiosk.widgets.text import Role, TextBlock, font_for, qcolor

PAD = 22  # left and right
PAD_Y = 16  # top and bottom
GAP = 18
# (PAD, PAD_Y, GAP) of a compact button: the call screen's column and tools, whose two-line
# labels must fit rows of about 100 px.
COMPACT = (10, 6, 4)
RADIUS = 14
CENTER = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class TouchButton(QAbstractButton):
    """A touch target of at least `theme.target_px` each way, with a pictogram and a label."""

    def __init__(
        self,
        theme: Theme,
        kind: Kind = Kind.NEUTRAL,
        icon: Icon | None = None,
        label: str = "",
        *,
        detail: str = "",
        vertical: bool = False,
        role: Role = Role.BUTTON,
        label_px: int | None = None,
        icon_px: int | None = None,
        centred: bool = True,
        compact: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._theme = theme
        self._icon_px = icon_px
        self._pad, self._pad_y, self._gap = COMPACT if compact else (PAD, PAD_Y, GAP)
        self._centred = centred  # a lone label and its pictogram sit in the middle
        self._kind = kind
        self._icon = icon
        self._vertical = vertical
        self._label_font = font_for(theme, role, px=label_px)
        self._detail_font = font_for(theme, Role.BODY, bold=False)
        align = self._align(vertical, icon)
        self._label = TextBlock(label, self._label_font, align)
        self._detail = TextBlock(detail, self._detail_font, align)
        self.setAccessibleName(label)
        self._laid_out_width = 0
        self._needed = -1
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    # --- Content ------------------------------------------------------------------------------

    @property
    def kind(self) -> Kind:
        return self._kind

    def label(self) -> str:
        return self._label.text

    def set_content(
        self,
        label: str,
        *,
        kind: Kind | None = None,
        icon: Icon | None = None,
        detail: str | None = None,
    ) -> None:
        self._icon = icon if icon is not None else self._icon
        align = self._align(self._vertical, self._icon)
        if label != self._label.text:
            self._label = TextBlock(label, self._label_font, align)
            self.setAccessibleName(label)
        if detail is not None and detail != self._detail.text:
            self._detail = TextBlock(detail, self._detail_font, align)
        self._kind = kind if kind is not None else self._kind
        self._needed = -1
        self.updateGeometry()
        self.update()

    # --- Geometry -----------------------------------------------------------------------------

    @staticmethod
    def _align(vertical: bool, icon: Icon | None) -> Qt.AlignmentFlag:
        """Text beside a pictogram starts at its left; text alone, or under one, is centred."""
        return LEFT if icon is not None and not vertical else CENTER

    def _icon_side(self) -> int:
        if self._icon_px is not None:
            return self._icon_px
        return round((76 if self._vertical else 52) * self._theme.scale)

    def _blocks(self) -> list[TextBlock]:
        return [b for b in (self._label, self._detail) if b.text]

    def _text_width(self, width: int) -> int:
        if self._vertical or self._icon is None:
            return max(1, width - 2 * self._pad)
        return max(1, width - 2 * self._pad - self._icon_side() - self._gap)

    def _text_height(self, width: int) -> int:
        blocks = self._blocks()
        heights = [b.height_for_width(self._text_width(width)) for b in blocks]
        return sum(heights) + 6 * max(0, len(blocks) - 1)

    def fits(self) -> bool:
        """The pictogram and every line of text fit inside the button at its current size."""
        width = self._text_width(self.width())
        if self.heightForWidth(self.width()) > self.height() + 1:
            return False
        return all(b.fits(width, b.height_for_width(width)) for b in self._blocks())

    def hasHeightForWidth(self) -> bool:  # noqa: N802  # Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802  # Qt override
        text = self._text_height(width)
        if self._vertical and self._icon is not None:
            content = self._icon_side() + self._gap + text
        else:
            content = max(text, self._icon_side() if self._icon is not None else 0)
        return max(self._theme.target_px, content + 2 * self._pad_y)

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802  # Qt override
        # Wrapped labels need the height of the width they got: ask the layout again.
        needed = self.heightForWidth(self.width())
        self._laid_out_width = self.width()
        if needed != self._needed:
            self._needed = needed
            self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802  # Qt override
        natural = max((b.natural_width() for b in self._blocks()), default=0)
        if self._vertical or self._icon is None:
            width = natural + 2 * self._pad
            if self._vertical and self._icon is not None:
                width = max(width, self._icon_side() + 2 * self._pad)
        else:
            width = natural + 2 * self._pad + self._icon_side() + self._gap
        width = max(self._theme.target_px, min(width, 900))
        return QSize(width, self.heightForWidth(self._laid_out_width or width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802  # Qt override
        side = self._theme.target_px
        return QSize(side, side)

    # --- Painting -----------------------------------------------------------------------------

    def _look(self) -> Look:
        palette = self._theme.palette
        return (palette.pressed if self.isDown() else palette.buttons)[self._kind]

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        look = self._look()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        half = look.border_px / 2
        frame = QRectF(self.rect()).adjusted(half, half, -half, -half)
        painter.setPen(
            QPen(qcolor(look.border), look.border_px) if look.border_px else Qt.PenStyle.NoPen
        )
        painter.setBrush(qcolor(look.fill))
        painter.drawRoundedRect(frame, RADIUS, RADIUS)
        color = qcolor(look.text)
        inner = self.rect().adjusted(self._pad, self._pad_y, -self._pad, -self._pad_y)
        side = self._icon_side()
        text_height = self._text_height(self.width())
        if self._vertical:
            top = inner.y() + max(
                0, (inner.height() - text_height - (side + self._gap if self._icon else 0)) // 2
            )
            if self._icon is not None:
                paint_icon(
                    painter,
                    self._icon,
                    QRectF(inner.center().x() - side / 2, top, side, side),
                    color,
                )
                top += side + self._gap
            self._paint_blocks(painter, QRect(inner.x(), top, inner.width(), text_height), color)
            return
        text_left = inner.x()
        if self._icon is not None:
            natural = max((b.natural_width() for b in self._blocks()), default=0)
            content = side + self._gap + min(natural, self._text_width(self.width()))
            centred = self._centred and self._blocks() == [self._label]
            left = inner.x() + (max(0, (inner.width() - content) // 2) if centred else 0)
            paint_icon(
                painter, self._icon, QRectF(left, inner.center().y() - side / 2, side, side), color
            )
            text_left = left + side + self._gap
        top = inner.y() + max(0, (inner.height() - text_height) // 2)
        width = inner.right() - text_left + 1
        self._paint_blocks(painter, QRect(text_left, top, width, text_height), color)

    def _paint_blocks(self, painter: QPainter, rect: QRect, color: QColor) -> None:
        y = rect.y()
        for block in self._blocks():
            height = block.height_for_width(rect.width())
            block.paint(painter, QRect(rect.x(), y, rect.width(), height), color)
            y += height + 6
