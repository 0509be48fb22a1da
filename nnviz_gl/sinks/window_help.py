"""The window's help: a box over the frame with the keys in one column and what they do in the next.

The help's lines are written as "key   description" (two or more spaces apart; a line that starts with
spaces continues the description above). :func:`help_layout` splits them into aligned columns and fits
them into the frame; :class:`HelpPanel` is a panel of the scene drawing the opaque box behind them (its
text goes into the window's overlay, drawn after every panel).
"""

from __future__ import annotations

import re

import moderngl
import numpy as np

from ..render.instanced import RectPass
from ..render.layout import FrameLayout
from ..render.neuron_names import Measure
from ..render.panels import Panel
from ..render.style import Style
from ..render.text import TextItem
from ..render.transforms import Rect

_COLUMNS = re.compile(r"^(\S(?:.*?\S)?)\s{2,}(\S.*)$")


def help_columns(lines: tuple[str, ...]) -> list[tuple[str, str]]:
    """(key, description) per line; a continuation line (leading spaces) has no key."""
    rows = []
    for line in lines:
        if not line[:1].strip():
            rows.append(("", line.strip()))
            continue
        match = _COLUMNS.match(line)
        rows.append((match.group(1), match.group(2)) if match else (line.strip(), ""))
    return rows


def help_layout(lines: tuple[str, ...], lay: FrameLayout, measure: Measure, style: Style
                ) -> tuple[Rect, list[TextItem]]:
    """The help's box (centred on the frame, inside it) and its text in two aligned columns; the text
    shrinks (to 70 % at most) where the widest line would not fit the frame."""
    rows = help_columns(lines)
    w, h = lay.size
    size = lay.label_px
    for _ in range(2):
        key_w = max((measure(k, size)[0] for k, _ in rows if k), default=0.0)
        desc_w = max((measure(d, size)[0] for _, d in rows if d), default=0.0)
        pad, gap, line_h = 0.9 * size, 1.2 * size, 1.4 * size
        box_w, box_h = 2 * pad + key_w + gap + desc_w, 2 * pad + line_h * len(rows)
        fits = min((w - 2 * lay.unit * 16) / box_w, (h - 2 * lay.unit * 16) / box_h)
        if fits >= 1.0:
            break
        size = max(size * fits, lay.label_px * 0.7)
    box = Rect(round(max(0.0, (w - box_w) * 0.5)), round(max(0.0, (h - box_h) * 0.5)),
               float(np.ceil(box_w)), float(np.ceil(box_h)))
    items = []
    for i, (key, desc) in enumerate(rows):
        y = box.y + pad + (i + 0.5) * line_h
        if key:
            items.append(TextItem(key, box.x + pad, y, size, (*style.text, 1.0), anchor="left", baseline="middle"))
        if desc:
            items.append(TextItem(desc, box.x + pad + key_w + gap, y, size, (*style.text_dim, 1.0) if not key else
                                  (*style.text, 1.0), anchor="left", baseline="middle"))
    return box, items


class HelpPanel(Panel):
    """The opaque box behind the help's text, drawn over the network and the field while ``box`` is set."""

    def __init__(self, ctx: moderngl.Context, style: Style) -> None:
        super().__init__()
        self.style = style
        self.rects = RectPass(ctx, capacity=2)
        self.shown: Rect | None = None
        self._drawn: Rect | None = None

    def show(self, box: Rect | None) -> None:
        self.shown = box

    def prepare(self) -> None:
        if self.shown != self._drawn and self.shown is not None:
            b, s = self.shown, self.style
            border = max(1.0, round(self.lay.unit * 2))
            self.rects.set_rects([(b.x - border, b.y - border, b.w + 2 * border, b.h + 2 * border, *s.text_dim, 1.0),
                                  (b.x, b.y, b.w, b.h, *s.background, 1.0)])
        self._drawn = self.shown

    def draw(self, framebuffer: moderngl.Framebuffer, frame_size: tuple[int, int]) -> None:
        if self.shown is None:
            return
        framebuffer.viewport = (0, 0, *frame_size)
        self.rects.draw(frame_size)

    def release(self) -> None:
        self.rects.release()
