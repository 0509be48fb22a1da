"""The loss panel: train and test loss over the epochs (log scale when they span decades) and the score
(accuracy, or R² for a regression) on a second axis, the current epoch marked.

The history (``loss_history.py``) lives in one GL buffer of fixed capacity, made once; a new epoch writes
its row at its offset. The curves are one instanced quad per segment (``shaders/curve.vert``), drawn
once per series; the axes map values in the shader, so a growing range is a uniform, not a rewrite.
Grid, cursor and markers are :class:`RectPass` and :class:`DiscPass` rows; tick labels are text items.
"""

from __future__ import annotations

import moderngl
import numpy as np

from ..snapshot import Snapshot
from .instanced import DiscPass, RectPass, _QUAD_ALONG
from .layout import FrameLayout
from .loss_axes import Axis, epoch_axis, loss_axis, score_axis, tick_label
from .loss_history import ROW_FLOATS, LossHistory, snapshot_row
from .neuron_names import Measure
from .panels import DISC_FLOATS, PANEL_PAD, Panel
from .shaders import load_program
from .style import Style
from .text import TextItem
from .transforms import Rect

ROW_BYTES = ROW_FLOATS * 4
PX_PER_SEGMENT = 4.0  # the curves' segments are at least this long (the history's rows beyond are picked from)
MIN_TEXT_PX = 10.0  # the panel's labels stay readable at 640x360


class CurvePass:
    """Segments between consecutive rows of the history buffer; one buffer and one VAO for the panel's life."""

    def __init__(self, ctx: moderngl.Context, capacity: int) -> None:
        self.program = load_program(ctx, "curve.vert", "curve.frag")
        self.corners = ctx.buffer(_QUAD_ALONG.tobytes())
        self.rows = ctx.buffer(reserve=capacity * ROW_BYTES, dynamic=True)
        self.vao = ctx.vertex_array(self.program, [(self.corners, "2f", "in_corner")])
        # the same rows twice, the second one row on: instance i joins row i to row i + 1
        for suffix, offset in (("0", 0), ("1", ROW_BYTES)):
            self.vao.bind(self.program[f"in_epoch{suffix}"].location, "f", self.rows, "1f", offset=offset, stride=ROW_BYTES, divisor=1)
            self.vao.bind(self.program[f"in_values{suffix}"].location, "f", self.rows, "4f", offset=offset + 4, stride=ROW_BYTES, divisor=1)
        self.count = 0

    def write(self, first: int, rows: np.ndarray, count: int) -> None:
        if len(rows):
            self.rows.write(np.ascontiguousarray(rows, np.float32).tobytes(), offset=first * ROW_BYTES)
        self.count = count

    def draw(self, view: Rect, plot: Rect, epochs: Axis, axis: Axis, series: int, color, width_px: float) -> None:
        if self.count < 2:
            return
        p = self.program
        p["u_projection"].write(view.projection().tobytes())
        p["u_series"] = series
        p["u_plot"] = (plot.x, plot.y, plot.w, plot.h)
        p["u_epochs"] = (epochs.low, epochs.high)
        p["u_axis"] = (axis.low, axis.high, 1.0 if axis.log else 0.0)
        p["u_width_px"] = width_px
        p["u_color"] = color
        self.vao.render(moderngl.TRIANGLES, vertices=6, instances=self.count - 1)

    def release(self) -> None:
        for obj in (self.vao, self.rows, self.corners, self.program):
            obj.release()


class LossPanel(Panel):
    """Loss and score over the epochs. Live (the default) it records each uploaded snapshot by epoch;
    given a whole run (:meth:`set_history` with ``whole_run=True``) it shows it all, the cursor at the
    snapshot uploaded."""

    def __init__(self, ctx: moderngl.Context, style: Style, measure: Measure | None = None,
                 capacity: int | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.style = style
        self.measure = measure
        self.history = LossHistory() if capacity is None else LossHistory(capacity)
        self.curves = CurvePass(ctx, self.history.capacity)
        self.grid = RectPass(ctx, capacity=16)
        self.cursor = RectPass(ctx, capacity=1)
        self.markers = DiscPass(ctx, capacity=4)
        self.whole_run = False
        self.kind = "binary"
        self.epoch: float | None = None  # the current snapshot's
        self.axes: tuple[Axis, Axis, Axis] | None = None  # epochs, loss, score
        self.plot = Rect(0.0, 0.0, 1.0, 1.0)
        self._axes_kind = ""
        self._shown_series = np.zeros(4, bool)
        self._thinned = False  # the GL rows are an even pick of the history's, not its mirror
        self._drawn: tuple | None = None
        self._changes = 0  # histories taken: a row rewritten at the same epoch (a glide, a new point) moves its marks

    # -- what it shows ----------------------------------------------------------------------
    def region(self, lay: FrameLayout) -> Rect:
        return lay.loss

    def place(self, lay: FrameLayout) -> None:
        super().place(lay)
        self._drawn = None

    def box(self) -> Rect | None:
        return self.rect.padded(PANEL_PAD * self.lay.unit) if self.rect.w > 0 and self.rect.h > 0 else None

    def record(self, snapshot: Snapshot) -> None:
        """A snapshot was uploaded: live, its row joins the history (by epoch); the cursor goes to its epoch."""
        self.kind = snapshot.architecture.kind
        self.epoch = float(snapshot.epoch)
        if not self.whole_run:
            self.history.record(snapshot_row(snapshot))

    def set_history(self, rows: np.ndarray, *, whole_run: bool) -> None:
        """Replace the history with ``rows`` (``loss_history.history_rows``). ``whole_run``: later uploads
        only move the cursor (a replay); else they go on adding rows (``render_frame(history=...)``)."""
        self.history.set_rows(rows)
        self.whole_run = whole_run

    @property
    def text_px(self) -> float:
        return max(self.lay.label_px, MIN_TEXT_PX)

    # -- drawing ----------------------------------------------------------------------------
    def prepare(self) -> None:
        change = self.history.take_changes()
        relaid = self.axes is None or self._drawn is None or self._axes_kind != self.kind
        if change is not None or relaid:
            values = self.history.values  # the axes follow the history: not every frame (a window's glide)
            self.axes = (epoch_axis(self.history.epochs), loss_axis(values[:, :2]), score_axis(values[:, 2:], self.kind))
            self.plot, self._axes_kind = self._plot_rect(), self.kind
            self._write_curves(change, relaid)
            self._shown_series = np.isfinite(values).any(axis=0)  # a series never recorded costs no draw
        self._changes += change is not None
        state = (self.rect, self.plot, self.axes, self.epoch, self._changes)
        if state != self._drawn:
            self._write_marks()
            self._drawn = state

    def _write_curves(self, change: tuple[int, np.ndarray] | None, relaid: bool) -> None:
        """The rows the curves join: the history's new rows at their offset, or, once it holds more rows than
        the plot has room for (a software renderer pays for every segment), an even pick of them."""
        n, room = len(self.history), max(32, int(self.plot.w / PX_PER_SEGMENT))
        if n <= room:
            if relaid or self._thinned:
                self.curves.write(0, self.history.rows[:n], n)
            elif change is not None:
                self.curves.write(change[0], change[1], n)
            self._thinned = False
            return
        rows = thinned_rows(self.history.rows[:n], room)
        self.curves.write(0, rows, len(rows))
        self._thinned = True

    def _plot_rect(self) -> Rect:
        r, u, px = self.rect, self.lay.unit, self.text_px
        left = self._label_width([tick_label(t) for t in loss_axis_ticks(self.axes)]) + 10 * u
        right = self._label_width([tick_label(t) for t in self.axes[2].ticks]) + 10 * u
        top, bottom = 1.5 * px + 8 * u, 1.3 * px + 6 * u
        return Rect(r.x + left, r.y + top, max(r.w - left - right, 1.0), max(r.h - top - bottom, 1.0))

    def _label_width(self, texts: list[str]) -> float:
        if self.measure is None:
            return 0.6 * self.text_px * max((len(t) for t in texts), default=0)
        return max((self.measure(t, self.text_px)[0] for t in texts), default=0.0)

    def x_at(self, epoch: float) -> float:
        """The pixel column of ``epoch`` (frame pixels)."""
        e = self.axes[0]
        return self.plot.x + (epoch - e.low) / (e.high - e.low) * self.plot.w

    def epoch_at(self, x: float) -> float:
        """The epoch at pixel column ``x``, clamped to the run (a click in the panel)."""
        e, p = self.axes[0], self.plot
        return e.low + min(1.0, max(0.0, (x - p.x) / max(p.w, 1.0))) * (e.high - e.low)

    def _write_marks(self) -> None:
        s, u, p = self.style, self.lay.unit, self.plot
        epochs, loss, score = self.axes
        grid = (*s.text_dim, 0.25)
        rects = [(p.x, p.y + p.h, p.w, max(1.0, u), *s.text_dim, 0.6)]  # the epoch axis
        for t in loss_axis_ticks(self.axes):
            y = p.y + (1.0 - float(loss.fraction(t))) * p.h
            rects.append((p.x, y - 0.5, p.w, 1.0, *grid))
        self.grid.set_rects(np.array(rects, np.float32))
        self.cursor.set_rects(np.zeros((0, 8), np.float32))
        discs = np.zeros((0, DISC_FLOATS), np.float32)
        row = None if self.epoch is None else self.history.at_epoch(self.epoch)
        if row is not None:
            x = self.x_at(float(row[0]))
            self.cursor.set_rects(np.array([(x - max(1.0, u), p.y, max(2.0, 2 * u), p.h, *s.text, 0.55)], np.float32))
            marks = []
            for series, axis in enumerate((loss, loss, score, score)):
                value = float(row[1 + series])
                if np.isfinite(value) and (value > 0 or not axis.log):
                    y = p.y + (1.0 - min(1.0, max(0.0, float(axis.fraction(value))))) * p.h
                    marks.append((x, y, max(2.5, 5 * u), *s.curves[series], 1.0, *s.panel, max(1.0, 1.5 * u)))
            if marks:
                discs = np.array(marks, np.float32)
        self.markers.set_discs(discs)

    def draw(self, framebuffer: moderngl.Framebuffer, frame_size: tuple[int, int]) -> None:
        if self.rect.w <= 0 or self.rect.h <= 0 or self.axes is None:
            return
        view = self.box()
        framebuffer.viewport = view.gl_viewport(frame_size[1])
        self.grid.draw(view)
        epochs, loss, score = self.axes
        width = max(1.5, 3.0 * self.lay.unit)
        for series, axis in ((2, score), (3, score), (0, loss), (1, loss)):  # the losses on top
            if self._shown_series[series]:
                self.curves.draw(view, self.plot, epochs, axis, series, (*self.style.curves[series], 1.0), width)
        self.cursor.draw(view)
        self.markers.draw(view)

    def labels(self) -> list[TextItem]:
        if self.axes is None or self.rect.w <= 0:
            return []
        s, u, p, px = self.style, self.lay.unit, self.plot, self.text_px
        epochs, loss, score = self.axes
        dim = (*s.text_dim, 1.0)
        score_name = "R²" if self.kind == "regression" else "accuracy"
        names = ("loss (log)" if loss.log else "loss", "test loss", score_name, f"test {score_name}")
        items, x = [], self.rect.x
        for name, color in zip(names, s.curves):
            items.append(TextItem(name, x, self.rect.y, px, (*color, 1.0), anchor="left", baseline="top"))
            x += self._label_width([name]) + 14 * u
        for t in loss_axis_ticks(self.axes):
            y = p.y + (1.0 - float(loss.fraction(t))) * p.h
            items.append(TextItem(tick_label(t), p.x - 5 * u, y, px, dim, anchor="right", baseline="middle"))
        for t in score.ticks:
            y = p.y + (1.0 - float(score.fraction(t))) * p.h
            items.append(TextItem(tick_label(t), p.x + p.w + 5 * u, y, px, (*s.curves[2], 1.0), anchor="left",
                                  baseline="middle"))
        for t in epochs.ticks:
            # kept under the plot, clear of the axes' labels beside it
            text, x = f"{int(t)}", self.x_at(t)
            half = self._label_width([text]) * 0.5
            x, anchor = (p.x + p.w, "right") if x + half > p.x + p.w else (p.x, "left") if x - half < p.x else (x, "center")
            items.append(TextItem(text, x, p.y + p.h + 3 * u, px, dim, anchor=anchor, baseline="top"))
        return items

    def release(self) -> None:
        for obj in (self.curves, self.grid, self.cursor, self.markers):
            obj.release()


def thinned_rows(rows: np.ndarray, count: int) -> np.ndarray:
    """``count`` rows evenly picked from ``rows``, the first and last among them; a value is NaN where any row
    from its pick to the next is non-finite, so a gap stays a gap."""
    picks = np.unique(np.linspace(0, len(rows) - 1, count).round().astype(np.int64))
    out = rows[picks].copy()
    bad = (~np.isfinite(rows[:, 1:])).astype(np.int8)
    spans = np.maximum.reduceat(bad, picks, axis=0).astype(bool)
    out[:, 1:][spans] = np.nan
    return out


def loss_axis_ticks(axes: tuple[Axis, Axis, Axis]) -> tuple[float, ...]:
    """The loss axis' ticks that lie on it (a log axis' decades inside its range)."""
    loss = axes[1]
    return tuple(t for t in loss.ticks if -1e-9 <= float(loss.fraction(t)) <= 1 + 1e-9)
