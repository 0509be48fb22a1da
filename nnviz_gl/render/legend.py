"""The field panel's legend: which colour is which class, or the colour bar of a regression's value.

A panel of the scene in the top-right corner of the field panel (drawn after it): a translucent box in
the panel colour, a swatch per class with its name, or the field's diverging map as a bar with its
ends and middle labelled. Its rectangles are one instanced draw, its text goes into the scene's text
batch; both are rebuilt only when what the legend says (classes, value range, layout) changes.
"""

from __future__ import annotations

from dataclasses import dataclass
import moderngl
import numpy as np

from ..snapshot import Snapshot
from .instanced import RectPass
from .layout import FrameLayout
from .neuron_names import Measure, display_class_names, fit_name
from .panels import Panel
from .style import Color, Style, diverging_colors
from .text import TextItem
from .transforms import Rect

MAX_NAME_EM = 8.0     # a class name wider than this many label sizes is cut short ("...")
INSET_PX = 10.0       # the legend's distance from the field panel's corner, in units
BACKING_ALPHA = 0.78  # the field stays faintly visible behind the legend


@dataclass(frozen=True)
class LegendContent:
    """What a legend says: class names and their colours (classifiers), or the value map's ends (regression)."""

    names: tuple[str, ...] = ()
    colors: tuple[Color, ...] = ()
    value_range: tuple[float, float] | None = None


def legend_content(snapshot: Snapshot | None, value_range: tuple[float, float], style: Style) -> LegendContent | None:
    """The legend for a model: its classes (:func:`display_class_names`) or its map's range."""
    if snapshot is None:
        return None
    arch = snapshot.architecture
    if arch.kind == "regression":
        return LegendContent(value_range=(float(value_range[0]), float(value_range[1])))
    return LegendContent(names=display_class_names(snapshot), colors=tuple(style.palette[: arch.n_classes]))


@dataclass(frozen=True)
class LegendGeometry:
    """Where a legend's parts go, frame pixels: its box, one swatch per class or the bar, and its text."""

    box: Rect
    swatches: tuple[Rect, ...]
    bar: Rect | None
    text: tuple[TextItem, ...]


def _sizes(lay: FrameLayout) -> tuple[float, float, float, float]:
    """(text size, padding, row height, swatch side) in pixels for a layout."""
    s = lay.label_px
    return s, max(3.0, round(0.45 * s)), max(6.0, round(1.3 * s)), max(4.0, round(0.75 * s))


def legend_bounds(lay: FrameLayout, n_classes: int) -> Rect:
    """The most a classifier's legend of ``n_classes`` can cover, whatever its names (tests leave it out)."""
    s, pad, row, swatch = _sizes(lay)
    return _corner_box(lay, 2 * pad + swatch + pad + MAX_NAME_EM * s + 2.0, 2 * pad + n_classes * row)


def _corner_box(lay: FrameLayout, w: float, h: float) -> Rect:
    field, inset = lay.field, max(3.0, round(INSET_PX * lay.unit))
    right, top = round(field.x + field.w - inset), round(field.y + inset)
    w, h = float(np.ceil(w)), float(np.ceil(h))
    return Rect(right - w, top, w, h)


def legend_geometry(content: LegendContent, lay: FrameLayout, measure: Measure, style: Style) -> LegendGeometry:
    """Lay a legend out in the top-right corner of ``lay``'s field panel, on whole pixels."""
    s, pad, row, swatch = _sizes(lay)
    color = (*style.text, 1.0)
    if content.value_range is None:
        names = [fit_name(n, measure, s, MAX_NAME_EM) for n in content.names]
        widest = max((measure(n, s)[0] for n in names), default=0.0)
        box = _corner_box(lay, 2 * pad + swatch + pad + widest + 2.0, 2 * pad + len(names) * row)
        swatches, text = [], []
        for i, name in enumerate(names):
            middle = box.y + pad + (i + 0.5) * row
            swatches.append(Rect(box.x + pad, round(middle - swatch * 0.5), swatch, swatch))
            text.append(TextItem(name, box.x + 2 * pad + swatch, middle, s, color, anchor="left", baseline="middle"))
        return LegendGeometry(box, tuple(swatches), None, tuple(text))
    low, high = content.value_range
    ends = [f"{v:.3g}" for v in (low, (low + high) * 0.5, high)]
    bar_w = round(max(9.0 * s, sum(measure(e, s)[0] for e in ends) + 2 * pad))
    bar_h = max(4.0, round(0.7 * s))
    box = _corner_box(lay, bar_w + 2 * pad, 2 * pad + bar_h + 0.35 * s + lay.label_px * 1.1)
    bar = Rect(box.x + pad, box.y + pad, bar_w, bar_h)
    below = bar.y + bar.h + 0.35 * s
    text = [TextItem(ends[0], bar.x, below, s, color, anchor="left", baseline="top"),
            TextItem(ends[1], bar.x + bar.w * 0.5, below, s, color, anchor="center", baseline="top"),
            TextItem(ends[2], bar.x + bar.w, below, s, color, anchor="right", baseline="top")]
    return LegendGeometry(box, (), bar, tuple(text))


def legend_rects(geometry: LegendGeometry, content: LegendContent, style: Style) -> np.ndarray:
    """(n, 8) rows for :class:`RectPass`: the backing, then the swatches or one column per bar pixel."""
    b = geometry.box
    rows = [(b.x, b.y, b.w, b.h, *style.panel, BACKING_ALPHA)]
    rows += [(r.x, r.y, r.w, r.h, *c, 1.0) for r, c in zip(geometry.swatches, content.colors)]
    block = np.array(rows, np.float32)
    if geometry.bar is not None:
        bar = geometry.bar
        n = max(1, int(bar.w))
        columns = np.zeros((n, 8), np.float32)
        columns[:, 0] = bar.x + np.arange(n)
        columns[:, 1], columns[:, 2], columns[:, 3] = bar.y, 1.0, bar.h
        columns[:, 4:7] = diverging_colors(-1.0 + 2.0 * (np.arange(n) + 0.5) / n, style)  # low (left) to high
        columns[:, 7] = 1.0
        block = np.concatenate([block, columns])
    return block


class LegendPanel(Panel):
    """The legend over the field panel; reads the model and the value range from ``field_panel``.
    Hidden while the field shows one neuron (the probe), whose colours are not the classes'."""

    def __init__(self, ctx: moderngl.Context, style: Style, field_panel, measure: Measure) -> None:
        super().__init__()
        self.style = style
        self.field_panel = field_panel
        self.measure = measure
        self.rects = RectPass(ctx, capacity=64)
        self.geometry: LegendGeometry | None = None
        self._key: tuple | None = None
        self._rows: np.ndarray | None = None  # waiting for prepare() to write them

    def region(self, lay: FrameLayout) -> Rect:
        return lay.field

    def _refresh(self) -> None:
        fp = self.field_panel
        content = None if fp.field.probe is not None else legend_content(fp.snapshot, fp.value_range, self.style)
        key = (self.lay, content)
        if key == self._key or self.lay is None:
            return
        self._key = key
        if content is None:
            self.geometry, self._rows = None, np.zeros((0, 8), np.float32)
            return
        self.geometry = legend_geometry(content, self.lay, self.measure, self.style)
        self._rows = legend_rects(self.geometry, content, self.style)

    def prepare(self) -> None:
        self._refresh()
        if self._rows is not None:
            self.rects.set_rects(self._rows)
            self._rows = None

    def draw(self, framebuffer: moderngl.Framebuffer, frame_size: tuple[int, int]) -> None:
        if self.geometry is None:
            return
        framebuffer.viewport = self.rect.gl_viewport(frame_size[1])
        self.rects.draw(self.rect)

    def labels(self) -> list[TextItem]:
        self._refresh()
        return [] if self.geometry is None else list(self.geometry.text)

    def release(self) -> None:
        self.rects.release()
