"""Pictograms, drawn as vectors in the style of JIS Z 8210: plain shapes, thick strokes.

There is no emoji font on a kiosk (and emoji differ by platform), so each icon is drawn here on
a 100 x 100 grid in one colour, the colour of the text beside it. Every icon is always shown
with a text label. The 筆談 (written conversation) sign here is a stand-in drawn in the same
spirit; a city may replace it with the official artwork.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF

from kiosk.core.viewmodels import Icon

STROKE = 7.0
Draw = Callable[[QPainter], None]


def paint_icon(painter: QPainter, icon: Icon, rect: QRectF, color: QColor) -> None:
    """Draw `icon` centred in `rect`, as large as fits, in `color`."""
    side = min(rect.width(), rect.height())
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(rect.center().x() - side / 2, rect.center().y() - side / 2)
    painter.scale(side / 100, side / 100)
    pen = QPen(color, STROKE)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    _ICONS[icon](painter)
    painter.restore()


def _fill(p: QPainter) -> None:
    p.setBrush(QBrush(p.pen().color()))


def _glyph(p: QPainter, text: str, size: int, rect: QRectF | None = None) -> None:
    font = QFont()
    font.setFamilies(["Noto Sans CJK JP", "DejaVu Sans"])
    font.setPixelSize(size)
    font.setWeight(QFont.Weight.Black)
    p.setFont(font)
    p.drawText(rect or QRectF(0, 0, 100, 100), Qt.AlignmentFlag.AlignCenter.value, text)


def _person(p: QPainter, cx: float, top: float, scale: float) -> None:
    p.save()
    _fill(p)
    p.drawEllipse(QPointF(cx, top + 11 * scale), 11 * scale, 11 * scale)
    body = QPainterPath()
    body.moveTo(cx - 22 * scale, top + 62 * scale)
    body.cubicTo(
        cx - 22 * scale,
        top + 26 * scale,
        cx + 22 * scale,
        top + 26 * scale,
        cx + 22 * scale,
        top + 62 * scale,
    )
    body.closeSubpath()
    p.drawPath(body)
    p.restore()


def _arrow(p: QPainter, left: bool) -> None:
    tip, tail = (18.0, 82.0) if left else (82.0, 18.0)
    back = tip + (24 if left else -24)
    p.drawLine(QPointF(tail, 50), QPointF(tip, 50))
    p.drawPolyline(QPolygonF([QPointF(back, 26), QPointF(tip, 50), QPointF(back, 74)]))


def _speaker(p: QPainter) -> None:
    path = QPainterPath()
    path.moveTo(8, 38)
    path.lineTo(24, 38)
    path.lineTo(44, 20)
    path.lineTo(44, 80)
    path.lineTo(24, 62)
    path.lineTo(8, 62)
    path.closeSubpath()
    p.save()
    _fill(p)
    p.drawPath(path)
    p.restore()


def _mic(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(36, 8, 28, 50), 14, 14)
    p.drawArc(QRectF(24, 26, 52, 46), 180 * 16, 180 * 16)
    p.drawLine(QPointF(50, 72), QPointF(50, 88))
    p.drawLine(QPointF(34, 90), QPointF(66, 90))


def _face(mouth: float) -> Draw:
    """A face whose mouth bends by `mouth`: negative frowns, positive smiles."""

    def draw(p: QPainter) -> None:
        p.drawEllipse(QPointF(50, 50), 42, 42)
        p.save()
        _fill(p)
        p.drawEllipse(QPointF(35, 40), 5.5, 5.5)
        p.drawEllipse(QPointF(65, 40), 5.5, 5.5)
        p.restore()
        path = QPainterPath()
        path.moveTo(30, 66 - mouth / 2)
        path.quadTo(50, 66 + mouth * 1.5, 70, 66 - mouth / 2)
        p.drawPath(path)

    return draw


def _magnifier(sign: str) -> Draw:
    def draw(p: QPainter) -> None:
        p.drawEllipse(QPointF(42, 42), 28, 28)
        p.drawLine(QPointF(63, 63), QPointF(88, 88))
        p.drawLine(QPointF(30, 42), QPointF(54, 42))
        if sign == "+":
            p.drawLine(QPointF(42, 30), QPointF(42, 54))

    return draw


def _volume(sign: str) -> Draw:
    def draw(p: QPainter) -> None:
        _speaker(p)
        p.drawLine(QPointF(60, 50), QPointF(92, 50))
        if sign == "+":
            p.drawLine(QPointF(76, 34), QPointF(76, 66))

    return draw


def _globe(p: QPainter) -> None:
    p.drawEllipse(QPointF(50, 50), 40, 40)
    p.drawEllipse(QPointF(50, 50), 17, 40)
    p.drawLine(QPointF(10, 50), QPointF(90, 50))
    p.drawLine(QPointF(50, 10), QPointF(50, 90))
    p.drawArc(QRectF(16, 6, 68, 28), 200 * 16, 140 * 16)
    p.drawArc(QRectF(16, 66, 68, 28), 20 * 16, 140 * 16)


def _contrast(p: QPainter) -> None:
    p.drawEllipse(QPointF(50, 50), 38, 38)
    half = QPainterPath()
    half.moveTo(50, 12)
    half.arcTo(QRectF(12, 12, 76, 76), 90, 180)
    half.closeSubpath()
    p.save()
    _fill(p)
    p.drawPath(half)
    p.restore()


def _document(p: QPainter) -> None:
    outline = [
        QPointF(62, 8),
        QPointF(20, 8),
        QPointF(20, 92),
        QPointF(80, 92),
        QPointF(80, 26),
        QPointF(62, 8),
        QPointF(62, 26),
        QPointF(80, 26),
    ]
    p.drawPolyline(QPolygonF(outline))
    for y in (44, 60, 76):
        p.drawLine(QPointF(32, y), QPointF(68, y))


def _house(p: QPainter) -> None:
    p.drawPolyline(QPolygonF([QPointF(8, 50), QPointF(50, 12), QPointF(92, 50)]))
    p.drawPolyline(QPolygonF([QPointF(20, 42), QPointF(20, 90), QPointF(80, 90), QPointF(80, 42)]))
    p.drawRect(QRectF(42, 62, 16, 28))


def _card(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(6, 20, 88, 60), 8, 8)
    p.drawRect(QRectF(16, 32, 24, 30))
    for y in (38, 52, 66):
        p.drawLine(QPointF(50, y), QPointF(84, y))


def _child(p: QPainter) -> None:
    _person(p, 34, 10, 1.0)
    _person(p, 72, 40, 0.72)
    p.drawLine(QPointF(6, 90), QPointF(94, 90))


def _daycare(p: QPainter) -> None:
    p.drawPolyline(QPolygonF([QPointF(6, 46), QPointF(50, 10), QPointF(94, 46)]))
    p.drawPolyline(QPolygonF([QPointF(16, 38), QPointF(16, 92), QPointF(84, 92), QPointF(84, 38)]))
    _person(p, 50, 44, 0.7)


def _care(p: QPainter) -> None:
    heart = QPainterPath()
    heart.moveTo(50, 86)
    heart.cubicTo(8, 58, 8, 18, 32, 16)
    heart.cubicTo(42, 15, 48, 22, 50, 30)
    heart.cubicTo(52, 22, 58, 15, 68, 16)
    heart.cubicTo(92, 18, 92, 58, 50, 86)
    p.drawPath(heart)


def _counter(p: QPainter) -> None:
    _person(p, 50, 8, 0.9)
    p.drawLine(QPointF(6, 66), QPointF(94, 66))
    p.drawLine(QPointF(16, 66), QPointF(16, 92))
    p.drawLine(QPointF(84, 66), QPointF(84, 92))


def _end_call(p: QPainter) -> None:
    pen = p.pen()
    pen.setWidthF(16)
    p.setPen(pen)
    p.drawArc(QRectF(12, 32, 76, 56), 20 * 16, 140 * 16)
    p.save()
    _fill(p)
    p.drawRoundedRect(QRectF(4, 50, 28, 18), 6, 6)
    p.drawRoundedRect(QRectF(68, 50, 28, 18), 6, 6)
    p.restore()


def _camera(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(8, 28, 84, 58), 10, 10)
    p.drawPolyline(QPolygonF([QPointF(32, 28), QPointF(40, 14), QPointF(60, 14), QPointF(68, 28)]))
    p.drawEllipse(QPointF(50, 57), 17, 17)


def _document_camera(p: QPainter) -> None:
    p.drawLine(QPointF(20, 92), QPointF(20, 16))
    p.drawLine(QPointF(20, 16), QPointF(62, 16))
    p.drawRoundedRect(QRectF(54, 16, 24, 16), 4, 4)
    p.drawRect(QRectF(38, 64, 54, 28))
    p.drawLine(QPointF(8, 92), QPointF(32, 92))


def _zoom_fit(p: QPainter) -> None:
    for x, y, dx, dy in ((12, 12, 1, 1), (88, 12, -1, 1), (12, 88, 1, -1), (88, 88, -1, -1)):
        p.drawPolyline(QPolygonF([QPointF(x, y + 24 * dy), QPointF(x, y), QPointF(x + 24 * dx, y)]))


def _hitsudan(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(8, 14, 62, 72), 6, 6)
    for y in (34, 50, 66):
        p.drawLine(QPointF(20, y), QPointF(50, y))
    pen = p.pen()
    pen.setWidthF(11)
    p.setPen(pen)
    p.drawLine(QPointF(88, 12), QPointF(56, 70))
    pen.setWidthF(STROKE)
    p.setPen(pen)
    p.drawLine(QPointF(56, 70), QPointF(52, 82))


def _speech(p: QPainter) -> None:
    path = QPainterPath()
    path.addRoundedRect(QRectF(8, 12, 84, 58), 14, 14)
    p.drawPath(path)
    p.drawPolyline(QPolygonF([QPointF(30, 70), QPointF(24, 90), QPointF(48, 70)]))


def _warning(p: QPainter) -> None:
    p.drawPolygon(QPolygonF([QPointF(50, 8), QPointF(94, 88), QPointF(6, 88)]))
    p.drawLine(QPointF(50, 36), QPointF(50, 62))
    p.drawPoint(QPointF(50, 76))


def _clock(p: QPainter) -> None:
    p.drawEllipse(QPointF(50, 50), 40, 40)
    p.drawPolyline(QPolygonF([QPointF(50, 24), QPointF(50, 50), QPointF(68, 62)]))


def _backspace(p: QPainter) -> None:
    points = [QPointF(30, 20), QPointF(92, 20), QPointF(92, 80), QPointF(30, 80), QPointF(6, 50)]
    p.drawPolygon(QPolygonF(points))
    p.drawLine(QPointF(46, 36), QPointF(74, 64))
    p.drawLine(QPointF(74, 36), QPointF(46, 64))


def _mic_off(p: QPainter) -> None:
    _mic(p)
    p.drawLine(QPointF(14, 12), QPointF(86, 92))


def _text_size(p: QPainter) -> None:
    _glyph(p, "A", 44, QRectF(0, 30, 44, 60))
    _glyph(p, "A", 84, QRectF(34, 4, 66, 92))


def _cancel(p: QPainter) -> None:
    p.drawLine(QPointF(20, 20), QPointF(80, 80))
    p.drawLine(QPointF(80, 20), QPointF(20, 80))


def _help(p: QPainter) -> None:
    p.drawEllipse(QPointF(50, 50), 42, 42)
    _glyph(p, "?", 66)


_ICONS: dict[Icon, Draw] = {
    Icon.GLOBE: _globe,
    Icon.TEXT_SIZE: _text_size,
    Icon.CONTRAST: _contrast,
    Icon.BACK: lambda p: _arrow(p, left=True),
    Icon.NEXT: lambda p: _arrow(p, left=False),
    Icon.CANCEL: _cancel,
    Icon.CHECK: lambda p: p.drawPolyline(
        QPolygonF([QPointF(12, 52), QPointF(38, 78), QPointF(88, 22)])
    ),
    Icon.DOCUMENT: _document,
    Icon.HOUSE: _house,
    Icon.CARD: _card,
    Icon.CHILD: _child,
    Icon.DAYCARE: _daycare,
    Icon.CARE: _care,
    Icon.YEN: lambda p: _glyph(p, "¥", 92),
    Icon.HELP: _help,
    Icon.COUNTER: _counter,
    Icon.PERSON: lambda p: _person(p, 50, 10, 1.3),
    Icon.MIC: _mic,
    Icon.MIC_OFF: _mic_off,
    Icon.VOLUME_DOWN: _volume("-"),
    Icon.VOLUME_UP: _volume("+"),
    Icon.END_CALL: _end_call,
    Icon.CAMERA: _camera,
    Icon.DOCUMENT_CAMERA: _document_camera,
    Icon.ZOOM_IN: _magnifier("+"),
    Icon.ZOOM_OUT: _magnifier("-"),
    Icon.ZOOM_FIT: _zoom_fit,
    Icon.HITSUDAN: _hitsudan,
    Icon.SPEECH: _speech,
    Icon.WARNING: _warning,
    Icon.CLOCK: _clock,
    Icon.CLOSED: _clock,
    Icon.FACE_1: _face(-14),
    Icon.FACE_2: _face(-7),
    Icon.FACE_3: _face(0),
    Icon.FACE_4: _face(7),
    Icon.FACE_5: _face(14),
    Icon.BACKSPACE: _backspace,
}
