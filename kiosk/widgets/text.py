"""Text that wraps, in the theme's fonts, with ruby (ふりがな) drawn above its kanji.

Qt's rich text has no ``<ruby>``, so marked-up text (``漢字《かんじ》``, see `kiosk.i18n.ruby`) is
laid out here: the reading is drawn centred above its base in a font a little over half the
size, and every line keeps room for readings so that lines are evenly spaced. Lines break at
the spaces of 分かち書き, and inside a word only where a word is wider than the line. Text
without markup is drawn by Qt (`QPainter.drawText` with word wrap), which breaks CJK lines
correctly by itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from PyQt6.QtCore import QRect, QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QResizeEvent
from PyQt6.QtWidgets import QSizePolicy, QWidget

from kiosk.i18n.ruby import has_ruby, parse
from kiosk.theme import Rgb, Theme

RUBY_SCALE = 0.55
_NO_LIMIT = 100_000


class Role(StrEnum):
    BODY = "body"
    HEADING = "heading"
    TITLE = "title"
    BUTTON = "button"


def font_for(theme: Theme, role: Role, *, bold: bool | None = None, px: int | None = None) -> QFont:
    px = (
        px
        or {
            Role.BODY: theme.body_px,
            Role.HEADING: theme.heading_px,
            Role.TITLE: theme.title_px,
            Role.BUTTON: theme.button_px,
        }[role]
    )
    font = QFont()
    font.setFamilies(list(theme.font_families))
    font.setPixelSize(px)
    font.setWeight(
        QFont.Weight.Bold
        if (bold if bold is not None else role is not Role.BODY)
        else QFont.Weight.Normal
    )
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def qcolor(rgb: Rgb) -> QColor:
    return QColor(*rgb)


@dataclass(frozen=True, slots=True)
class _Piece:
    base: str
    ruby: str
    width: float


WORD_JOINER = "\u2060"


def keep_words_whole(text: str) -> str:
    """Japanese written with spaces between phrases (分かち書き) breaks only at the spaces.

    Qt may break a line between any two kana, which splits とめる into と / める; a word joiner
    between the characters of each phrase leaves the spaces as the only places to break.
    """
    if " " not in text or not any(ord(char) >= 0x3000 for char in text):
        return text
    return " ".join(WORD_JOINER.join(word) for word in text.split(" "))


def _widest_word(text: str, metrics: QFontMetricsF) -> float:
    return max((metrics.horizontalAdvance(word) for word in text.split()), default=0.0)


class TextBlock:
    """One text laid out for a width: its height, and how to paint it in a rectangle."""

    def __init__(self, text: str, font: QFont, align: Qt.AlignmentFlag) -> None:
        self.text = text
        self._whole_words = keep_words_whole(text)
        self.font = font
        self.align = align
        self._ruby = has_ruby(text)
        self._metrics = QFontMetricsF(font)
        self.ruby_font = QFont(font)
        self.ruby_font.setPixelSize(max(12, round(font.pixelSize() * RUBY_SCALE)))
        self.ruby_font.setWeight(QFont.Weight.Normal)
        self._ruby_metrics = QFontMetricsF(self.ruby_font)
        self._cache: tuple[float, list[list[_Piece]]] | None = None
        self._widest = _widest_word(text, self._metrics) if self._whole_words != text else 0.0

    def _shown(self, width: float) -> str:
        """Phrases kept whole, unless one is wider than the line: then Qt breaks inside it."""
        return self._whole_words if self._widest <= width else self.text

    def _flags(self) -> int:
        return int(self.align.value) | Qt.TextFlag.TextWordWrap.value

    def natural_width(self) -> int:
        if not self._ruby:
            lines = self.text.split("\n")
            return round(max(self._metrics.horizontalAdvance(line) for line in lines)) + 2
        return round(sum(p.width for word in self._words() for p in word) + 2)

    def height_for_width(self, width: int) -> int:
        if not self.text:
            return 0
        if not self._ruby:
            box = QRectF(0, 0, max(1, width), _NO_LIMIT)
            shown = self._shown(box.width())
            return round(self._metrics.boundingRect(box, self._flags(), shown).height()) + 2
        return round(len(self._lines(width)) * self._line_height())

    def fits(self, width: int, height: int) -> bool:
        """Whether the text fits in a box this size: no line too long, no line cut off."""
        if not self.text:
            return True
        if not self._ruby:
            box = QRectF(0, 0, max(1, width), _NO_LIMIT)
            needed = self._metrics.boundingRect(box, self._flags(), self._shown(box.width()))
            return needed.width() <= width + 1 and needed.height() <= height + 2
        lines = self._lines(width)
        widest = max(sum(p.width for p in line) for line in lines)
        return widest <= width + 1 and len(lines) * self._line_height() <= height + 2

    def paint(self, painter: QPainter, rect: QRect, color: QColor) -> None:
        painter.setPen(color)
        if not self._ruby:
            painter.setFont(self.font)
            painter.drawText(QRectF(rect), self._flags(), self._shown(rect.width()))
            return
        lines = self._lines(rect.width())
        line_height = self._line_height()
        top = rect.y() + self._vertical_offset(rect.height(), len(lines) * line_height)
        ruby_h = self._ruby_metrics.height()
        for index, line in enumerate(lines):
            y = top + index * line_height
            x = rect.x() + self._horizontal_offset(rect.width(), sum(p.width for p in line))
            for piece in line:
                if piece.ruby:
                    painter.setFont(self.ruby_font)
                    rw = self._ruby_metrics.horizontalAdvance(piece.ruby)
                    painter.drawText(
                        QRectF(x + (piece.width - rw) / 2, y, rw + 1, ruby_h),
                        Qt.AlignmentFlag.AlignCenter.value,
                        piece.ruby,
                    )
                painter.setFont(self.font)
                bw = self._metrics.horizontalAdvance(piece.base)
                baseline = y + ruby_h + self._metrics.ascent()
                painter.drawText(
                    QRectF(
                        x + (piece.width - bw) / 2,
                        baseline - self._metrics.ascent(),
                        bw + 1,
                        self._metrics.height(),
                    ),
                    Qt.AlignmentFlag.AlignLeft.value,
                    piece.base,
                )
                x += piece.width

    # --- Ruby layout --------------------------------------------------------------------------

    def _line_height(self) -> float:
        return self._ruby_metrics.height() + self._metrics.height()

    def _vertical_offset(self, available: int, used: float) -> float:
        if self.align & Qt.AlignmentFlag.AlignVCenter:
            return max(0.0, (available - used) / 2)
        if self.align & Qt.AlignmentFlag.AlignBottom:
            return max(0.0, available - used)
        return 0.0

    def _horizontal_offset(self, available: int, used: float) -> float:
        if self.align & Qt.AlignmentFlag.AlignHCenter:
            return max(0.0, (available - used) / 2)
        if self.align & Qt.AlignmentFlag.AlignRight:
            return max(0.0, available - used)
        return 0.0

    def _piece(self, base: str, ruby: str = "") -> _Piece:
        width = self._metrics.horizontalAdvance(base)
        if ruby:
            width = max(width, self._ruby_metrics.horizontalAdvance(ruby))
        return _Piece(base, ruby, width)

    def _words(self) -> list[list[_Piece]]:
        """Words separated by spaces (a space is a word of its own); ruby stays whole."""
        words: list[list[_Piece]] = [[]]
        for segment in parse(self.text):
            if segment.ruby:
                words[-1].append(self._piece(segment.base, segment.ruby))
                continue
            for part in re.split(r"(\n|[^\S\n]+)", segment.base):
                if not part:
                    continue
                if part == "\n":
                    words.append([_Piece("\n", "", 0.0)])
                    words.append([])
                elif part.isspace():
                    words.append([self._piece(" ")])
                    words.append([])
                else:
                    words[-1].append(self._piece(part))
        return [word for word in words if word]

    def _lines(self, width: float) -> list[list[_Piece]]:
        if self._cache is not None and self._cache[0] == width:
            return self._cache[1]
        lines: list[list[_Piece]] = [[]]
        used = 0.0
        for word in self._words():
            if word[0].base == "\n":
                lines.append([])
                used = 0.0
                continue
            if word[0].base.isspace():
                if lines[-1]:
                    lines[-1].append(word[0])
                    used += word[0].width
                continue
            word_width = sum(p.width for p in word)
            if used + word_width > width and lines[-1]:
                while lines[-1] and lines[-1][-1].base.isspace():
                    lines[-1].pop()
                lines.append([])
                used = 0.0
            for piece in self._split(word, width) if word_width > width else word:
                if used + piece.width > width and lines[-1]:
                    lines.append([])
                    used = 0.0
                lines[-1].append(piece)
                used += piece.width
        self._cache = (width, lines)
        return lines

    def _split(self, word: list[_Piece], width: float) -> list[_Piece]:
        """A word wider than the line, in pieces small enough to break between."""
        pieces: list[_Piece] = []
        for piece in word:
            if piece.ruby:
                pieces.append(piece)
            else:
                pieces.extend(self._piece(char) for char in piece.base)
        return pieces


class KText(QWidget):
    """A label: wrapped text in a role's font and a colour, with ruby when marked up."""

    def __init__(
        self,
        theme: Theme,
        role: Role = Role.BODY,
        text: str = "",
        *,
        color: Rgb | None = None,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        bold: bool | None = None,
        px: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._font = font_for(theme, role, bold=bold, px=px)
        self._align = align
        self._color = qcolor(color if color is not None else theme.palette.page.text)
        self._block = TextBlock(text, self._font, align)
        self._laid_out_width = 0
        self._needed = -1
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setVisible(bool(text))

    def text(self) -> str:
        return self._block.text

    def set_text(self, text: str) -> None:
        if text == self._block.text:
            return
        self._block = TextBlock(text, self._font, self._align)
        self._needed = -1
        self.setVisible(bool(text))
        self.updateGeometry()
        self.update()

    def fits(self) -> bool:
        """Nothing of the text is cut off at the current size."""
        return self._block.fits(self.width(), self.height())

    def hasHeightForWidth(self) -> bool:  # noqa: N802  # Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802  # Qt override
        return self._block.height_for_width(width)

    def sizeHint(self) -> QSize:  # noqa: N802  # Qt override
        width = min(self._block.natural_width(), 1700)
        return QSize(width, self._block.height_for_width(self._laid_out_width or width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802  # Qt override
        # The height is the one the current width needs: layouts that ignore height-for-width
        # then still give wrapped text its lines, after one resize (see resizeEvent).
        width = self._laid_out_width or min(self._block.natural_width(), 1700)
        return QSize(min(self._block.natural_width(), 160), self._block.height_for_width(width))

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802  # Qt override
        needed = self._block.height_for_width(self.width())
        self._laid_out_width = self.width()
        if needed != self._needed:
            self._needed = needed
            self.updateGeometry()

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self._block.paint(painter, self.rect(), self._color)
