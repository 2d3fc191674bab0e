"""The visible signature on the page: its text (« Signé électroniquement par … », the
signer's capacity, the date) wrapped to the box at the largest size that fits, and its look."""

from __future__ import annotations

from datetime import datetime

from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from app.services.signing_font import StampFont, stamp_font

_STAMP_MARGIN = 4
_MAX_FONT_SIZE = 8
_MIN_FONT_SIZE = 5
_LEADING = {8: 10, 7: 9, 6: 8, 5: 6}  # pyHanko's layout wants whole numbers


def stamp_lines(name: str, capacity: str, moment: datetime) -> list[str]:
    """The text of the visible signature, before wrapping (one paragraph per item)."""
    local = moment.astimezone()
    lines = [f"Signé électroniquement par {name}"]
    if capacity.strip():
        lines.append(capacity.strip())
    lines.append(f"le {local:%d/%m/%Y} à {local:%H:%M}")
    return lines


def _layout_stamp(
    font: StampFont, paragraphs: list[str], width: float, height: float
) -> tuple[str, int]:
    """Wrap the paragraphs to the box; the largest size that fits, down to a readable minimum."""
    inner_w = max(width - 2 * _STAMP_MARGIN, 10.0)
    inner_h = max(height - 2 * _STAMP_MARGIN, 10.0)
    size = _MAX_FONT_SIZE
    while True:
        lines = [line for p in paragraphs for line in font.wrap(p, size, inner_w)]
        if len(lines) * _LEADING[size] <= inner_h or size <= _MIN_FONT_SIZE:
            # Below the minimum, pyHanko's shrink-to-fit scales the block into the box.
            return "\n".join(lines), size
        size -= 1


def _stamp_style(font: StampFont, size: int) -> TextStampStyle:
    return TextStampStyle(
        stamp_text="%(body)s",
        border_width=1,
        text_box_style=TextBoxStyle(
            font=font,
            font_size=size,
            leading=_LEADING[size],
            # the only margins are those of inner_content_layout (what _layout_stamp assumes)
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MIN,
                margins=layout.Margins(),
            ),
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(_STAMP_MARGIN),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
    )


def stamp_appearance(
    name: str, capacity: str, moment: datetime, width: float, height: float
) -> tuple[str, TextStampStyle]:
    """The stamp's text (wrapped) and style for a box of ``width`` × ``height`` points."""
    font = stamp_font()
    text, size = _layout_stamp(font, stamp_lines(name, capacity, moment), width, height)
    return text, _stamp_style(font, size)
