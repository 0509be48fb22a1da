"""The scene: uploads a snapshot (buffer and texture writes) and draws a frame into any framebuffer.

``render(framebuffer, size)`` is the one draw path: the window, the video and the tests all call it.
"""

from __future__ import annotations

import math

import moderngl
import numpy as np

from ..points import DataError, check_points
from ..snapshot import Architecture, Snapshot
from .context import finish_without_gil, gl_info
from .field import FieldPass
from .field_panel import FieldCompositePass
from .instanced import DiscPass, EdgePass, RectPass
from .layout import (FrameLayout, data_bounds, data_to_pixels, edge_style, frame_layout, network_geometry,
                     uncovered_boxes)
from .style import DEFAULT_STYLE, Style
from .text import TextItem, TextPass


# The model's logit is smooth, so a bilinearly upsampled field texture looks the same as one
# evaluation per pixel; the field costs ~30 ns per evaluation on llvmpipe, so this is most of a frame.
AUTO_FIELD_MIN, AUTO_FIELD_MAX, AUTO_FIELD_RATIO = 256, 512, 0.3


def auto_field_side(panel_side: int) -> int:
    """Field texels along the panel's side: 30 % of its pixels, at least 256 (or every pixel), at most 512.

    Against one evaluation per pixel (``field_scale=1``) the upsampled field differs by 0.2 of a colour
    level on average at 1080p (282 texels) and 4K (512), the 99.9th percentile at most 11 levels,
    only along the boundary line's anti-aliased edge; side by side they look the same. At 1080p it
    costs half of the 384 texels used before, at 4K a seventh of every pixel.
    """
    return int(min(panel_side, max(AUTO_FIELD_MIN, min(AUTO_FIELD_MAX, panel_side * AUTO_FIELD_RATIO))))


def check_field_scale(field_scale: float | None) -> float | None:
    if field_scale is None:
        return None
    if not 0.05 <= float(field_scale) <= 2.0:
        raise ValueError(f"field_scale must be between 0.05 and 2 (or None for automatic), got {field_scale}")
    return float(field_scale)


class Scene:
    """Owns every pass and GL object of a frame. GL objects are made here once, never per frame.

    ``field_scale`` is the field texture's resolution relative to the panel's pixels (1.0: one
    evaluation per output pixel; 0.5: a quarter of them, bilinearly smoothed). ``None`` picks it
    by size (see :func:`auto_field_side`).
    """

    def __init__(self, ctx: moderngl.Context, *, field_scale: float | None = None,
                 style: Style = DEFAULT_STYLE) -> None:
        self.ctx = ctx
        self.style = style
        self.field_scale = check_field_scale(field_scale)
        self.field = FieldPass(ctx, style)
        self.composite = FieldCompositePass(ctx, style)
        self.edges = EdgePass(ctx)
        self.neurons = DiscPass(ctx)
        self.points = DiscPass(ctx, capacity=256)
        self.backgrounds = RectPass(ctx)  # the strips between panels
        self.text = TextPass(ctx)
        self.layout: FrameLayout | None = None
        self._software = gl_info(ctx).software
        self.snapshot: Snapshot | None = None
        self._previous: Snapshot | None = None
        self._arch: Architecture | None = None
        self._data: tuple[np.ndarray, ...] | None = None
        self.bounds: tuple[float, float, float, float] = (-1.0, 1.0, -1.0, 1.0)
        self._dirty_layout = True
        self._dirty_style = True
        self._overlay: list[TextItem] = []
        self._text_items: list[TextItem] | None = None
        self._field_dirty = True  # the field texture persists: re-evaluate only when it would change
        self._highlight_edge: int | None = None

    # -- data in ----------------------------------------------------------------------------
    def set_data(self, X: np.ndarray, y: np.ndarray, X_test: np.ndarray | None = None,
                 y_test: np.ndarray | None = None, bounds: tuple[float, float, float, float] | None = None) -> None:
        """The points drawn over the field. Bounds default to the data's extent plus 0.5."""
        X, y = check_points(X, y, name="X")
        if X_test is not None or y_test is not None:
            if X_test is None or y_test is None:
                raise DataError("give both X_test and y_test, or neither")
            X_test, y_test = check_points(X_test, y_test, name="X_test", required=False)
        self._data = (X, y, X_test, y_test)
        self.bounds = bounds if bounds is not None else data_bounds(X, X_test)
        self._dirty_layout = True
        self._field_dirty = True

    def upload(self, snapshot: Snapshot, previous: Snapshot | None = None) -> None:
        """Buffer and texture writes for a new snapshot; a recompile only if the architecture changed."""
        self.field.upload(snapshot)
        if snapshot.architecture != self._arch:
            self._arch = snapshot.architecture
            self._dirty_layout = True
        self.snapshot = snapshot
        self._previous = previous
        self._dirty_style = True
        self._field_dirty = True

    def set_field_scale(self, field_scale: float | None) -> None:
        field_scale = check_field_scale(field_scale)
        if field_scale != self.field_scale:
            self.field_scale = field_scale
            self._dirty_layout = True

    def set_overlay(self, items: list[TextItem]) -> None:
        """Extra text drawn over the frame (a live window's HUD, help, hover read-outs)."""
        self._overlay = list(items)
        self._dirty_style = True

    def set_probe(self, neuron: tuple[int, int] | None) -> None:
        """Show one hidden neuron's own output in the field panel; ``None`` for the model's."""
        self.field.set_probe(neuron)
        self._dirty_style = True
        self._field_dirty = True

    def set_highlight(self, edge: int | None) -> None:
        """Draw one connection (index in the flattened weights) emphasised, e.g. under the mouse."""
        self._highlight_edge = edge
        self._dirty_style = True

    # -- drawing ----------------------------------------------------------------------------
    def render(self, framebuffer: moderngl.Framebuffer, size: tuple[int, int]) -> None:
        """Draw the current snapshot into ``framebuffer`` (window or offscreen) of ``size`` pixels."""
        if self.snapshot is None:
            raise RuntimeError("Scene.render before any snapshot was uploaded")
        size = (int(size[0]), int(size[1]))
        if self.layout is None or self.layout.size != size or self._dirty_layout:
            self._relayout(size)
        if self._dirty_style:
            self._restyle()
        lay = self.layout
        ctx = self.ctx

        # 1. the field, only as large as its panel, into its own texture (kept while nothing changes)
        if self._field_dirty:
            self.field.evaluate(self.bounds)
            self._field_dirty = False
            if self._software:
                finish_without_gil()  # the composite would wait for the field holding the GIL

        # 2. backgrounds: one clear in the panels' colour, then the strips between them in one draw
        framebuffer.use()
        framebuffer.viewport = (0, 0, *size)
        ctx.scissor = None
        framebuffer.clear(*self.style.panel, 1.0)
        ctx.disable(moderngl.BLEND)
        self.backgrounds.draw(size)

        # 3. the field panel
        panel = lay.field.gl_viewport(size[1])
        framebuffer.viewport = panel
        self.composite.draw(self.field, framebuffer, panel, boundary_px=max(1.5, 2.5 * lay.unit))
        framebuffer.viewport = (0, 0, *size)

        # 4. everything blended on top: the data points (clipped to their panel, as the field is),
        # the network, the text
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        ctx.scissor = panel
        self.points.draw(size)
        ctx.scissor = None
        self.edges.draw(size)
        self.neurons.draw(size)
        self.text.draw(size)
        ctx.disable(moderngl.BLEND)

    def release(self) -> None:
        """Free every GL object of the scene (for a context that outlives it; a released context
        frees them anyway)."""
        for gl_pass in (self.field, self.composite, self.edges, self.neurons, self.points, self.backgrounds,
                        self.text):
            gl_pass.release()

    # -- derived state ------------------------------------------------------------------------
    def _relayout(self, size: tuple[int, int]) -> None:
        lay = frame_layout(size)
        self.layout = lay
        fw, fh = lay.field.gl_viewport(size[1])[2:]
        if self.field_scale is None:
            scale = auto_field_side(max(fw, fh)) / max(fw, fh, 1)
        else:
            scale = self.field_scale
        self.field.resize((max(1, round(fw * scale)), max(1, round(fh * scale))))
        if self._arch is not None:
            self.geometry = network_geometry(self._arch, lay.network, lay.unit)
            self.edges.write(0, self.geometry.edge_ends)
            self.edges.set_style(self.style, lay.unit)
        pad = int(round(6 * lay.unit))
        panels = [(x - pad, y - pad, w + 2 * pad, h + 2 * pad)
                  for x, y, w, h in (rect.gl_viewport(size[1]) for rect in (lay.network, lay.field))]
        strips = np.array(uncovered_boxes(size, panels), np.float32).reshape(-1, 4)
        strips[:, 1] = size[1] - strips[:, 1] - strips[:, 3]  # GL boxes (origin bottom-left) -> frame pixels
        self.backgrounds.set_rects(np.column_stack([strips, np.tile(self.style.background, (len(strips), 1))]))
        self.points.set_discs(self._point_discs())
        self._dirty_layout = False
        self._field_dirty = True
        self._text_items = None
        self._dirty_style = True

    def _point_discs(self) -> np.ndarray:
        """Test points (translucent) under training points (opaque, outlined), in frame pixels."""
        if self._data is None:
            return np.zeros((0, 11), np.float32)
        X, y, X_test, y_test = self._data
        lay = self.layout
        r = max(2.5, 9.0 * lay.unit)
        blocks = []
        colors = np.array([self.style.class0, self.style.class1], np.float32)
        for pts, labels, fill_alpha, outline in ((X_test, y_test, 0.45, 0.0), (X, y, 1.0, max(1.0, 1.6 * lay.unit))):
            if pts is None or len(pts) == 0:
                continue
            block = np.zeros((len(pts), 11), np.float32)
            block[:, 0:2] = data_to_pixels(pts, self.bounds, lay.field)
            block[:, 2] = r
            block[:, 3:6] = colors[(np.asarray(labels) > 0).astype(int)]
            block[:, 6] = fill_alpha
            block[:, 7:10] = (1.0, 1.0, 1.0)
            block[:, 10] = outline
            blocks.append(block)
        return np.concatenate(blocks) if blocks else np.zeros((0, 11), np.float32)

    def _restyle(self) -> None:
        """Per-snapshot arrays: edge widths and learning marks, neuron colours, the title text."""
        snap, lay = self.snapshot, self.layout
        geo = self.geometry
        styles = edge_style(snap, self._previous, lay.unit, self.style.max_edge_width * lay.unit)
        if self._highlight_edge is not None and 0 <= self._highlight_edge < len(styles):
            styles[self._highlight_edge, 0] += 4.0 * lay.unit
            styles[self._highlight_edge, 1] = np.sign(styles[self._highlight_edge, 1]) or 1.0
        self.edges.write(1, styles)
        self.neurons.set_discs(self._neuron_discs(snap, geo))
        items = self._title_items(snap, lay) + self._overlay
        if items != self._text_items:  # between epochs (a glide) the text holds still: no re-layout
            self.text.set_text(items)
            self._text_items = items
        self._dirty_style = False

    def _neuron_discs(self, snap: Snapshot, geo) -> np.ndarray:
        n = len(geo.neurons)
        bias = np.concatenate([np.zeros(snap.architecture.n_inputs)] + [b for b in snap.biases])
        finite = np.isfinite(bias)
        t = np.tanh(np.where(finite, bias, 0.0))
        pos, neg = np.array(self.style.class1), np.array(self.style.class0)
        mid = np.array(self.style.panel) * 0.5 + 0.5 * np.array(self.style.text_dim)
        k = np.abs(t)[:, None]
        fill = np.where(t[:, None] >= 0, mid * (1 - k) + pos * k, mid * (1 - k) + neg * k)
        fill[~finite] = self.style.invalid
        fill[: snap.architecture.n_inputs] = self.style.text_dim
        discs = np.zeros((n, 11), np.float32)
        discs[:, 0:2] = geo.neurons
        discs[:, 2] = geo.neuron_radius
        discs[:, 3:6] = fill
        discs[:, 6] = 1.0
        discs[:, 7:10] = self.style.text
        discs[:, 10] = max(1.0, 2.0 * self.layout.unit)
        return discs

    def _title_items(self, snap: Snapshot, lay: FrameLayout) -> list[TextItem]:
        s = self.style
        t = lay.title
        items = [TextItem(f"Epoch {snap.epoch}", t.x, t.y + t.h * 0.5, lay.title_px, (*s.text, 1.0),
                          anchor="left", baseline="middle")]
        stats = []
        for label, value in (("loss", snap.loss), ("test loss", snap.test_loss), ("accuracy", snap.accuracy),
                             ("test accuracy", snap.test_accuracy)):
            if value is not None:
                stats.append(f"{label} {value:.3f}" if math.isfinite(value) else f"{label} n/a")
        diverged = not snap.is_finite or (snap.loss is not None and not math.isfinite(snap.loss))
        if diverged:
            items.append(TextItem("model diverged: non-finite weights", t.x + t.w, t.y + t.h * 0.5,
                                  lay.label_px * 1.2, (*s.alarm, 1.0), anchor="right", baseline="middle"))
        elif stats:
            items.append(TextItem("   ·   ".join(stats), t.x + t.w, t.y + t.h * 0.5, lay.label_px * 1.2,
                                  (*s.text_dim, 1.0), anchor="right", baseline="middle"))
        arch = snap.architecture
        caption = "-".join(str(v) for v in arch.layer_sizes) + f" · {arch.activation}"
        probe = self.field.probe
        if probe is not None:
            items.append(TextItem(f"field: neuron {probe[1] + 1} of layer {probe[0]}", lay.field.x + 10 * lay.unit,
                                  lay.field.y + 8 * lay.unit, lay.label_px, (*s.text, 1.0), anchor="left",
                                  baseline="top", box=(*s.panel, 0.8)))
        items.append(TextItem(caption, lay.network.x + 10 * lay.unit, lay.network.y + 8 * lay.unit,
                              lay.label_px, (*s.text_dim, 1.0), anchor="left", baseline="top"))
        return items
