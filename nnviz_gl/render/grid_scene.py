"""The grid scene: many runs in one frame, a tile each, drawn by the ordinary panels into sub-rectangles.

Each run's tile has its own :class:`~nnviz_gl.render.field_panel.FieldPanel` (its model's field, its own
points) and, when the tile is large enough, its own :class:`~nnviz_gl.render.panels.NetworkPanel`, placed
by a per-tile :class:`~nnviz_gl.render.layout.FrameLayout` (``grid_layout.py``); all tiles' text goes into
one batch. GL objects are made when the scene is built and on a new size, never per frame. A tile's
field is evaluated again only when its snapshot changes (a finished run holding its last one costs
nothing), at a resolution in proportion to its size.
"""

from __future__ import annotations

from collections.abc import Sequence

import moderngl
import numpy as np

from ..points import check_points
from ..snapshot import Snapshot
from .capabilities import Capabilities, capabilities
from .field_panel import AUTO_FIELD_RATIO, FieldPanel
from .glyph_atlas import GlyphAtlas
from .grid_layout import GridLayout, TileLayout, grid_layout
from .instanced import RectPass
from .panels import NetworkPanel, title_text
from .style import DEFAULT_STYLE, Style
from .text import TextItem, TextPass
from .transforms import data_bounds

# A tile's field texture: the full frame's share of the panel's pixels (AUTO_FIELD_RATIO) without the full
# frame's floor of 256 texels, so 16 tiles cost about what one frame's field does.
TILE_FIELD_MIN = 64


def tile_field_side(panel_side: int) -> int:
    """Field texels along a tile's field square: 30 % of its pixels, at least 64 (or every pixel)."""
    return int(min(panel_side, max(TILE_FIELD_MIN, round(panel_side * AUTO_FIELD_RATIO))))


def fitted_text(atlas: GlyphAtlas, text: str, size_px: float, width: float) -> str:
    """``text``, cut short with "..." where it is wider than ``width`` pixels at ``size_px``."""
    if atlas.measure(text, size_px)[0] <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with its ellipsis
        mid = (low + high + 1) // 2
        if atlas.measure(text[:mid].rstrip() + "...", size_px)[0] <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + "..." if low else ""


def wrapped_text(atlas: GlyphAtlas, text: str, size_px: float, width: float, max_lines: int) -> list[str]:
    """``text`` in lines of at most ``width`` pixels, broken between words; the last line cut short."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and atlas.measure(f"{line} {words[0]}", size_px)[0] <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words:
        lines[-1] = lines[-1] + " " + " ".join(words)
    return [fitted_text(atlas, line, size_px, width) for line in lines]


class RunTile:
    """One run: its field panel and network panel, and the snapshot they show."""

    def __init__(self, ctx: moderngl.Context, caps: Capabilities, style: Style) -> None:
        self.ctx, self.style = ctx, style
        self.field = FieldPanel(ctx, caps, style, field_scale=None)
        self.network: NetworkPanel | None = None  # made once a layout has room for it (GL objects per tile)
        self.snapshot: Snapshot | None = None
        self.previous: Snapshot | None = None
        self.tile: TileLayout | None = None
        self._restyle = True

    def set_data(self, X: np.ndarray, y: np.ndarray, X_test: np.ndarray | None, y_test: np.ndarray | None) -> None:
        X, y = check_points(X, y, name="X")
        if X_test is not None and y_test is not None:
            X_test, y_test = check_points(X_test, y_test, name="X_test", required=False)
        else:
            X_test = y_test = None
        self.field.set_data((X, y, X_test, y_test), data_bounds(X, X_test))

    def show(self, snapshot: Snapshot) -> None:
        """This tile's snapshot for the next frame; the same one again writes nothing."""
        if snapshot is self.snapshot:
            return
        self.previous, self.snapshot = self.snapshot, snapshot
        self.field.upload(snapshot)
        self._restyle = True

    def place(self, tile: TileLayout) -> None:
        self.tile = tile
        fw, fh = tile.lay.field.gl_viewport(tile.lay.size[1])[2:]
        side = max(fw, fh, 1)
        self.field.field_scale = tile_field_side(side) / side
        self.field.place(tile.lay)
        if tile.show_network and self.network is None:
            self.network = NetworkPanel(self.ctx, self.style, measure=None)
            self.network.reserve_bottom = lambda lay: 0.0  # no status line in a tile
        if self.network is not None:
            self.network.place(tile.lay)
        self._restyle = True

    def prepare(self) -> None:
        self.field.prepare()
        if self._restyle and self.tile.show_network and self.snapshot is not None:
            self.network.restyle(self.snapshot, self.previous)
        self._restyle = False

    def draw(self, framebuffer: moderngl.Framebuffer, frame_size: tuple[int, int]) -> None:
        if self.snapshot is None:
            return
        if self.tile.show_network:
            self.network.draw(framebuffer, frame_size)
        self.field.draw(framebuffer, frame_size)

    def labels(self) -> list[TextItem]:
        return self.network.labels() if self.tile.show_network and self.snapshot is not None else []

    def release(self) -> None:
        self.field.release()
        if self.network is not None:
            self.network.release()


class GridScene:
    """``labels[i]`` captions tile i; ``notes[i]`` is shown in place of the field of a run without a
    trajectory (``runs[i]`` False). ``title`` leads the frame's caption ("TITLE · epoch N")."""

    def __init__(self, ctx: moderngl.Context, runs: Sequence[bool], labels: Sequence[str],
                 notes: Sequence[str | None], *, style: Style = DEFAULT_STYLE, caps: Capabilities | None = None,
                 title: str | None = None) -> None:
        self.ctx = ctx
        self.caps = caps or capabilities(ctx)
        self.style = style
        self.title = title
        self.labels = list(labels)
        self.notes = [note or "no trajectory" for note in notes]
        self.text = TextPass(ctx)
        self.boxes = RectPass(ctx, capacity=max(16, len(runs)))  # each tile's panel-coloured cell
        self.tiles: list[RunTile | None] = [RunTile(ctx, self.caps, style) if run else None for run in runs]
        self.layout: GridLayout | None = None
        self.epoch: int | None = None
        self._text_items: list[TextItem] | None = None

    def tile(self, index: int) -> RunTile:
        run = self.tiles[index]
        if run is None:
            raise ValueError(f"tile {index} has no run (its note: {self.notes[index]!r})")
        return run

    def render(self, framebuffer: moderngl.Framebuffer, size: tuple[int, int]) -> None:
        """Draw every tile's current snapshot into ``framebuffer`` of ``size`` pixels."""
        size = (int(size[0]), int(size[1]))
        if self.layout is None or self.layout.size != size:
            self._relayout(size)
        for run in self.tiles:  # offscreen field evaluations before the frame's target is bound
            if run is not None:
                run.prepare()
        self._set_text()

        framebuffer.use()
        framebuffer.viewport = (0, 0, *size)
        self.ctx.scissor = None
        framebuffer.clear(*self.style.background, 1.0)
        self.ctx.disable(moderngl.BLEND)
        self.boxes.draw(size)
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        for run in self.tiles:
            if run is not None:
                run.draw(framebuffer, size)
                self.ctx.enable(moderngl.BLEND)
                self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        framebuffer.viewport = (0, 0, *size)
        self.text.draw(size)
        self.ctx.disable(moderngl.BLEND)

    def release(self) -> None:
        for run in self.tiles:
            if run is not None:
                run.release()
        self.boxes.release()
        self.text.release()

    def _relayout(self, size: tuple[int, int]) -> None:
        lay = grid_layout(size, len(self.tiles))
        self.layout = lay
        for run, tile in zip(self.tiles, lay.tiles):
            if run is not None:
                run.place(tile)
        cells = np.array([[t.cell.x, t.cell.y, t.cell.w, t.cell.h] for t in lay.tiles], np.float32).reshape(-1, 4)
        colour = np.tile((*self.style.panel, 1.0), (len(cells), 1))
        self.boxes.set_rects(np.column_stack([cells, colour]))
        self._text_items = None

    def _set_text(self) -> None:
        items = self._caption() + [item for i in range(len(self.tiles)) for item in self._tile_text(i)]
        if items != self._text_items:  # a frame where only fields change lays out no text
            self.text.set_text(items)
            self._text_items = items

    def _caption(self) -> list[TextItem]:
        lay, s = self.layout, self.style
        middle = lay.caption.y + lay.caption.h * 0.5
        left = "" if self.epoch is None else title_text(self.title, self.epoch)
        failed = sum(run is None for run in self.tiles)
        right = f"{len(self.tiles)} runs" + (f", {failed} failed" if failed else "")
        items = [TextItem(right, lay.caption.x + lay.caption.w, middle, lay.caption_px * 0.8, (*s.text_dim, 1.0),
                          anchor="right", baseline="middle")]
        if left:
            items.append(TextItem(left, lay.caption.x, middle, lay.caption_px, (*s.text, 1.0), anchor="left",
                                  baseline="middle"))
        return items

    def _tile_text(self, index: int) -> list[TextItem]:
        tile, s, atlas = self.layout.tiles[index], self.style, self.text.atlas
        lay = tile.lay
        items = []
        if tile.show_label:
            label = fitted_text(atlas, self.labels[index], lay.label_px, lay.title.w)
            if label:
                items.append(TextItem(label, lay.title.x, lay.title.y + lay.title.h * 0.5, lay.label_px,
                                      (*s.text, 1.0), anchor="left", baseline="middle"))
        run = self.tiles[index]
        if run is not None:
            return items + run.labels()
        field = lay.field  # a failed run's note stands where its field would be
        size = lay.label_px
        lines = wrapped_text(atlas, self.notes[index], size, tile.cell.w - 2.0, max(1, int(field.h // (size * 1.3))))
        top = field.y + field.h * 0.5 - (len(lines) - 1) * size * 0.65
        for k, line in enumerate(lines):
            items.append(TextItem(line, tile.cell.x + tile.cell.w * 0.5, top + k * size * 1.3, size, (*s.alarm, 1.0),
                                  anchor="center", baseline="middle"))
        return items
