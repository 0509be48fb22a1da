"""The network panel's header: the architecture caption and a key to the marks of the frame.

One flowing line (wrapped to the panel's width) along the top of the network panel: the caption, then
a sample of each mark with what it means, drawn as the marks are drawn: a training point (ringed) and a
test point (dark outline), an edge of each sign, edges of growing |w|, and the red dash-dot of the
edges learning most. The panel keeps its neurons below the header (``NetworkPanel._neuron_area``).
Numpy and text items only; the panel's passes draw the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layout import FrameLayout
from .neuron_names import Measure
from .style import Style
from .text import TextItem
from .transforms import Rect

KEY_LABELS = ("train", "test", "w > 0", "w < 0", "|w|", "learning most")
POINT_RADIUS = 9.0  # a data point's radius in units, in the field panel and in the key


@dataclass(frozen=True)
class KeyGeometry:
    """Frame pixels: RectPass rows, DiscPass rows, text, and the header's bottom edge."""

    rects: np.ndarray  # (n, 8)
    discs: np.ndarray  # (n, 11)
    text: tuple[TextItem, ...]
    bottom: float


def _mark_rows(kind: str, x: float, cy: float, s: float, lay: FrameLayout, style: Style,
               max_edge_px: float) -> tuple[list[tuple], list[tuple], float]:
    """(rects, discs, width) of one mark whose left edge is ``x`` and middle ``cy``."""
    u = lay.unit
    if kind in ("train", "test"):
        chip = round(1.15 * s)
        r = min(max(2.5, POINT_RADIUS * u), 0.4 * chip)
        rects = [(x, round(cy - chip / 2), chip, chip, *style.text_dim, 1.0)]  # a grey patch of "field"
        if kind == "train":
            disc = (x + chip / 2, cy, r, *style.class1, 1.0, 1.0, 1.0, 1.0, max(1.0, 1.6 * u))
        else:
            disc = (x + chip / 2, cy, r, *style.class1, 0.8, *style.boundary, max(1.0, 1.4 * u))
        return rects, [disc], chip
    line_w = round(1.8 * s)
    if kind in ("w > 0", "w < 0"):
        colour = style.positive if kind == "w > 0" else style.negative
        h = max(2.0, round(0.45 * max_edge_px))
        return [(x, round(cy - h / 2), line_w, h, *colour, 0.95)], [], line_w
    if kind == "|w|":
        step = line_w / 3.0
        rows = []
        for i, share in enumerate((0.1, 0.45, 1.0)):
            h = max(1.0, round(share * max_edge_px))
            rows.append((x + i * step, round(cy - h / 2), step - 1.0, h, *style.positive, 0.95))
        return rows, [], line_w
    h = max(2.0, round(0.25 * max_edge_px))  # the seed's '-.': dash, gap, dot, gap, dash
    rows = [(x + a * line_w, round(cy - h / 2), (b - a) * line_w, h, *style.learning, 1.0)
            for a, b in ((0.0, 0.4), (0.55, 0.68), (0.83, 1.0))]
    return rows, [], line_w


def key_geometry(caption: str, panel: Rect, lay: FrameLayout, measure: Measure, style: Style) -> KeyGeometry:
    """The caption and the key flowing left to right from the panel's top-left corner, wrapped to its width."""
    u, s = lay.unit, lay.label_px
    row_h = round(1.35 * s)
    left, right = panel.x + 10 * u, panel.x + panel.w - 10 * u
    top = panel.y + 8 * u
    gap, inner = 1.1 * s, 0.35 * s
    max_edge_px = max(3.0, style.max_edge_width * u)
    text = [TextItem(caption, left, top + row_h / 2, s, (*style.text_dim, 1.0), anchor="left", baseline="middle")]
    x, row = left + measure(caption, s)[0] + 1.6 * s, 0
    rects: list[tuple] = []
    discs: list[tuple] = []
    for label in KEY_LABELS:
        _, _, mark_w = _mark_rows(label, 0.0, 0.0, s, lay, style, max_edge_px)
        width = mark_w + inner + measure(label, s)[0]
        if x + width > right and x > left:
            x, row = left, row + 1
        cy = top + (row + 0.5) * row_h
        r, d, _ = _mark_rows(label, round(x), cy, s, lay, style, max_edge_px)
        rects += r
        discs += d
        text.append(TextItem(label, round(x) + mark_w + inner, cy, s, (*style.text_dim, 1.0),
                             anchor="left", baseline="middle"))
        x += width + gap
    return KeyGeometry(np.array(rects, np.float32).reshape(-1, 8), np.array(discs, np.float32).reshape(-1, 11),
                       tuple(text), top + (row + 1) * row_h + 4 * u)
