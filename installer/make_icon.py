"""Draw the application icon with Qt (no image editor, no Pillow) and write it to resources/.

    QT_QPA_PLATFORM=offscreen .venv/bin/python installer/make_icon.py

Writes ``resources/icons/pack-sortie.png`` (256 px, window icon) and
``resources/icons/pack-sortie.ico`` (16-256 px, for the Windows executable, the shortcuts
and the NSIS installer). The generated files are committed; run this again only to change
the drawing. The ICO is written by hand: small sizes as 32-bit DIBs (what every Windows
tool, NSIS included, understands), 256 px as PNG (the Vista+ convention).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
PNG_IN_ICO_FROM = 256  # sizes >= this are stored as PNG inside the ICO

NAVY = QColor("#1f3a93")
NAVY_DARK = QColor("#142a6e")
CASE = QColor("#ffffff")
CASE_LINE = QColor("#142a6e")
ARROW = QColor("#2eaa5c")


def draw(size: int) -> QImage:
    """A briefcase (the pack) with an arrow leaving it (the way out of the RSA)."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.scale(size / 256.0, size / 256.0)  # draw on a 256 x 256 canvas

    gradient = QLinearGradient(QPointF(0, 0), QPointF(0, 256))
    gradient.setColorAt(0.0, NAVY)
    gradient.setColorAt(1.0, NAVY_DARK)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(gradient)
    p.drawRoundedRect(QRectF(8, 8, 240, 240), 44, 44)

    # Handle, then the body of the case.
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(CASE, 16, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawRoundedRect(QRectF(88, 58, 64, 44), 14, 14)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(CASE)
    p.drawRoundedRect(QRectF(40, 88, 160, 116), 20, 20)
    p.setPen(QPen(CASE_LINE, 8))
    p.drawLine(QPointF(40, 132), QPointF(200, 132))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(CASE_LINE)
    p.drawRoundedRect(QRectF(108, 120, 24, 26), 6, 6)

    # The arrow: out of the case, towards the upper right.
    arrow = QPainterPath()
    arrow.moveTo(132, 176)
    arrow.lineTo(188, 176)
    arrow.lineTo(188, 152)
    arrow.lineTo(236, 192)
    arrow.lineTo(188, 232)
    arrow.lineTo(188, 208)
    arrow.lineTo(132, 208)
    arrow.closeSubpath()
    p.setPen(
        QPen(
            NAVY_DARK, 8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin
        )
    )
    p.setBrush(ARROW)
    p.drawPath(arrow)
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("PNG encoding failed")
    buffer.close()
    return bytes(data.data())


def dib_bytes(image: QImage) -> bytes:
    """A 32-bit BGRA DIB as stored in an ICO: bottom-up rows, then a 1-bit AND mask."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    w, h = image.width(), image.height()
    header = struct.pack("<IiiHHIIiiII", 40, w, h * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    rows = []
    for y in reversed(range(h)):
        row = bytearray()
        for x in range(w):
            argb = image.pixel(x, y)
            row += struct.pack("<I", argb)  # little-endian ARGB32 = B, G, R, A in memory
        rows.append(bytes(row))
    mask_stride = ((w + 31) // 32) * 4
    mask = bytes(mask_stride * h)  # all zero: the alpha channel decides
    return header + b"".join(rows) + mask


def ico_bytes(images: list[QImage]) -> bytes:
    blobs = [png_bytes(img) if img.width() >= PNG_IN_ICO_FROM else dib_bytes(img) for img in images]
    out = bytearray(struct.pack("<HHH", 0, 1, len(images)))
    offset = 6 + 16 * len(images)
    for img, blob in zip(images, blobs, strict=True):
        side = img.width() % 256  # 0 means 256
        out += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
    for blob in blobs:
        out += blob
    return bytes(out)


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    png = OUT_DIR / "pack-sortie.png"
    png.write_bytes(png_bytes(draw(256)))
    ico = OUT_DIR / "pack-sortie.ico"
    ico.write_bytes(ico_bytes([draw(size) for size in ICO_SIZES]))
    for path in (png, ico):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size} octets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
