"""Where a grid video's tiles go: the grid's shape for a frame, and each tile as a small frame layout.

A tile is a sub-rectangle of the one frame. It is laid out as a :class:`~nnviz_gl.render.layout.FrameLayout`
in frame pixels (its caption as the title, its network, its field square) so the ordinary panels
(``FieldPanel``, ``NetworkPanel``) draw it unchanged. Numpy only, no GL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .layout import MIN_LABEL_PX, FrameLayout
from .transforms import Rect

# A tile shows its network beside its field only where the field square is at least this many pixels
# and the network gets at least NETWORK_MIN_SHARE of the field's side: smaller, the discs and edges blur.
NETWORK_MIN_SIDE = 120.0
NETWORK_MIN_SHARE = 0.6
LABEL_MAX_PX = 18.0


@dataclass(frozen=True)
class TileLayout:
    """One tile: its whole cell, its caption line (``lay.title``), its field square (``lay.field``) and,
    when it is large enough, its network (``lay.network``; ``show_network``). ``show_label`` is False
    on tiles too small for a legible caption."""

    cell: Rect
    lay: FrameLayout
    show_network: bool
    show_label: bool


@dataclass(frozen=True)
class GridLayout:
    """A whole frame: the caption strip at its top and the tiles in reading order."""

    size: tuple[int, int]
    columns: int
    rows: int
    unit: float
    caption: Rect
    caption_px: float
    tiles: tuple[TileLayout, ...]


def grid_shape(n: int, area: tuple[float, float], aspect: float) -> tuple[int, int]:
    """(columns, rows) for ``n`` tiles in ``area`` (w, h): the shape whose tiles hold the largest picture
    of the frame's ``aspect`` (16 tiles of a 16:9 frame: 4 x 4); on a tie fewer empty cells, then wider."""
    n = max(int(n), 1)
    best = None
    for columns in range(1, n + 1):
        rows = math.ceil(n / columns)
        if columns > 1 and math.ceil(n / (columns - 1)) == rows:
            continue  # the same rows with an empty column more
        cell_w, cell_h = area[0] / columns, area[1] / rows
        scale = min(cell_w / aspect, cell_h)
        key = (round(scale, 6), -(columns * rows - n), columns)
        if best is None or key > best[0]:
            best = (key, (columns, rows))
    return best[1]


def grid_layout(size: tuple[int, int], n: int) -> GridLayout:
    """The frame's caption strip and ``n`` tiles below it, as large as :func:`grid_shape` allows."""
    w, h = int(size[0]), int(size[1])
    unit = max(min(w / 1920.0, h / 1080.0) if w >= h else min(w / 1080.0, h / 1920.0), 0.25)
    margin = max(2.0, 12.0 * unit)
    caption_px = max(MIN_LABEL_PX + 3.0, 30.0 * unit)
    caption = Rect(margin, margin * 0.5, w - 2 * margin, caption_px * 1.6)
    top = caption.y + caption.h + margin * 0.5
    area = Rect(margin, top, w - 2 * margin, max(h - top - margin * 0.5, 1.0))
    columns, rows = grid_shape(n, (area.w, area.h), w / h)
    cell_w, cell_h = area.w / columns, area.h / rows
    gap = max(1.0, 6.0 * unit)
    tiles = []
    for i in range(n):
        r, c = divmod(i, columns)
        cell = Rect(area.x + c * cell_w + gap * 0.5, area.y + r * cell_h + gap * 0.5,
                    max(cell_w - gap, 1.0), max(cell_h - gap, 1.0))
        tiles.append(tile_layout(cell, (w, h)))
    return GridLayout((w, h), columns, rows, unit, caption, caption_px, tuple(tiles))


def tile_layout(cell: Rect, frame_size: tuple[int, int]) -> TileLayout:
    """One tile's caption line, field square and (when it fits) network, in frame pixels."""
    unit = max(min(cell.w / 1920.0, cell.h / 1080.0), 0.02)  # a tile is a small frame: its own "point"
    label_px = min(max(MIN_LABEL_PX, cell.h * 0.06), LABEL_MAX_PX)
    label_h = label_px * 1.5
    show_label = cell.h >= 4.0 * label_h  # else the caption would take most of the tile
    top = cell.y + (label_h if show_label else 0.0)
    content_h = max(cell.y + cell.h - top, 1.0)
    pad = max(1.0, 4.0 * unit)
    side = max(min(content_h, cell.w) - pad, 1.0)
    network_w = cell.w - side - 3 * pad
    show_network = side >= NETWORK_MIN_SIDE and network_w >= NETWORK_MIN_SHARE * side
    if show_network:
        field = Rect(cell.x + cell.w - side - pad, top + (content_h - side) * 0.5, side, side)
        network = Rect(cell.x + pad, field.y, network_w, side)
    else:
        field = Rect(cell.x + (cell.w - side) * 0.5, top + (content_h - side) * 0.5, side, side)
        network = Rect(cell.x, field.y, 1.0, 1.0)
    label = Rect(cell.x + pad, cell.y, cell.w - 2 * pad, label_h)
    lay = FrameLayout(frame_size, unit, label, network, field, title_px=label_px, label_px=label_px)
    return TileLayout(cell, lay, show_network, show_label)
