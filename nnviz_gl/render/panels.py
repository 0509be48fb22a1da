"""The panels of a frame. Each is a rectangle of the frame drawn into its own viewport by its passes.

A frame (``scene.py``) is a list of panels plus what lies between them: a panel is placed
(:meth:`Panel.place`, on a new size or layout), may do offscreen work before the frame's target is
bound (:meth:`Panel.prepare`), draws into any framebuffer (:meth:`Panel.draw`), and hands its text
to the frame's one text batch (:meth:`Panel.labels`). A legend, a loss curve or a tile of a sweep is
one more panel. Coordinates are frame pixels (``transforms.py``).
"""

from __future__ import annotations

import math

import moderngl
import numpy as np

from ..snapshot import Architecture, Snapshot
from .capabilities import LINEAR_COPY, Capabilities
from .field import FieldPass
from .field_panel import FieldCompositePass
from .gl_calls import finish_without_gil
from .instanced import DiscPass, EdgePass
from .layout import FrameLayout, NetworkGeometry, edge_style, network_geometry
from .style import Style
from .text import TextItem
from .transforms import Bounds, DataView, Rect

PANEL_PAD = 6.0   # the panel colour reaches this far (in units) beyond a panel's drawing area
DISC_FLOATS = 11  # centre xy, radius, fill rgba, outline rgb + width (DiscPass)

# The model's logit is smooth, so a bilinearly upsampled field texture looks the same as one
# evaluation per pixel, at a fraction of the shader work (the largest cost of a frame).
AUTO_FIELD_MIN, AUTO_FIELD_MAX, AUTO_FIELD_RATIO = 256, 512, 0.3


def auto_field_side(panel_side: int) -> int:
    """Field texels along the panel's side: 30 % of its pixels, at least 256 (or every pixel), at most 512."""
    return int(min(panel_side, max(AUTO_FIELD_MIN, min(AUTO_FIELD_MAX, panel_side * AUTO_FIELD_RATIO))))


def field_composite_pass(ctx: moderngl.Context, caps: Capabilities, style: Style) -> FieldCompositePass:
    """The field panel's strategy for this driver, chosen once per panel."""
    if caps.field_panel == LINEAR_COPY:
        from .linear_copy import LinearCopyPass  # llvmpipe only: a GPU never loads it

        return LinearCopyPass(ctx, style, caps.frame_storage)
    return FieldCompositePass(ctx, style)


class Panel:
    """A rectangle of the frame and what draws it; the base draws nothing."""

    def __init__(self) -> None:
        self.rect = Rect(0.0, 0.0, 1.0, 1.0)
        self.lay: FrameLayout | None = None

    def region(self, lay: FrameLayout) -> Rect:
        """Where this panel sits in a frame laid out as ``lay``."""
        return Rect(0.0, 0.0, *lay.size)

    def place(self, lay: FrameLayout) -> None:
        """Take the panel's place in a (new) layout: its rect, and the frame's proportions
        (``lay.unit``, text sizes)."""
        self.rect, self.lay = self.region(lay), lay

    def box(self) -> Rect | None:
        """The rectangle painted in the panel colour behind the panel; None: it sits on the background."""
        return None

    def prepare(self) -> None:
        """Offscreen work for the next frame, before its target is bound."""

    def draw(self, framebuffer: moderngl.Framebuffer, frame_size: tuple[int, int]) -> None:
        """Draw into the panel's viewport of ``framebuffer`` (blending is enabled, source over)."""

    def labels(self) -> list[TextItem]:
        return []

    def release(self) -> None:
        """Free the panel's GL objects."""


class TitlePanel(Panel):
    """The epoch and the run's numbers: text only."""

    def __init__(self, style: Style) -> None:
        super().__init__()
        self.style = style
        self.snapshot: Snapshot | None = None

    def region(self, lay: FrameLayout) -> Rect:
        return lay.title

    def labels(self) -> list[TextItem]:
        snap, s, t = self.snapshot, self.style, self.rect
        if snap is None:
            return []
        middle = t.y + t.h * 0.5
        items = [TextItem(f"Epoch {snap.epoch}", t.x, middle, self.lay.title_px, (*s.text, 1.0),
                          anchor="left", baseline="middle")]
        stats = []
        for label, value in (("loss", snap.loss), ("test loss", snap.test_loss), ("accuracy", snap.accuracy),
                             ("test accuracy", snap.test_accuracy)):
            if value is not None:
                stats.append(f"{label} {value:.3f}" if math.isfinite(value) else f"{label} n/a")
        right, size = t.x + t.w, self.lay.label_px * 1.2
        if not snap.is_finite or (snap.loss is not None and not math.isfinite(snap.loss)):
            items.append(TextItem("model diverged: non-finite weights", right, middle, size, (*s.alarm, 1.0),
                                  anchor="right", baseline="middle"))
        elif stats:
            items.append(TextItem("   ·   ".join(stats), right, middle, size, (*s.text_dim, 1.0),
                                  anchor="right", baseline="middle"))
        return items


class NetworkPanel(Panel):
    """The network: edges (width |w|, colour by sign, learning marks) and neurons (fill by bias)."""

    def __init__(self, ctx: moderngl.Context, style: Style) -> None:
        super().__init__()
        self.style = style
        self.edges = EdgePass(ctx)
        self.neurons = DiscPass(ctx)
        self.architecture: Architecture | None = None
        self.geometry: NetworkGeometry | None = None
        self.highlight_edge: int | None = None

    def region(self, lay: FrameLayout) -> Rect:
        return lay.network

    def place(self, lay: FrameLayout) -> None:
        super().place(lay)
        self.geometry = None

    def box(self) -> Rect:
        return self.rect.padded(PANEL_PAD * self.lay.unit)

    def restyle(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        """Per-snapshot arrays: edge widths and learning marks, neuron colours (buffer writes only)."""
        unit = self.lay.unit
        if self.geometry is None or snapshot.architecture != self.architecture:
            self.architecture = snapshot.architecture
            self.geometry = network_geometry(self.architecture, self.rect, unit)
            self.edges.write(0, self.geometry.edge_ends)
            self.edges.set_style(self.style, unit)
        styles = edge_style(snapshot, previous, unit, self.style.max_edge_width * unit)
        edge = self.highlight_edge
        if edge is not None and 0 <= edge < len(styles):
            styles[edge, 0] += 4.0 * unit
            styles[edge, 1] = np.sign(styles[edge, 1]) or 1.0
        self.edges.write(1, styles)
        self.neurons.set_discs(self._neuron_discs(snapshot))

    def _neuron_discs(self, snap: Snapshot) -> np.ndarray:
        geo, s = self.geometry, self.style
        bias = np.concatenate([np.zeros(snap.architecture.n_inputs)] + [b for b in snap.biases])
        finite = np.isfinite(bias)
        k = np.abs(np.tanh(np.where(finite, bias, 0.0)))[:, None]
        mid = np.array(s.panel) * 0.5 + 0.5 * np.array(s.text_dim)
        side = np.where(np.sign(bias)[:, None] >= 0, np.array(s.class1), np.array(s.class0))
        fill = mid * (1 - k) + side * k
        fill[~finite] = s.invalid
        fill[: snap.architecture.n_inputs] = s.text_dim
        discs = np.zeros((len(geo.neurons), DISC_FLOATS), np.float32)
        discs[:, 0:2] = geo.neurons
        discs[:, 2] = geo.neuron_radius
        discs[:, 3:6] = fill
        discs[:, 6] = 1.0
        discs[:, 7:10] = s.text
        discs[:, 10] = max(1.0, 2.0 * self.lay.unit)
        return discs

    def draw(self, framebuffer: moderngl.Framebuffer, frame_size: tuple[int, int]) -> None:
        box = self.box()
        framebuffer.viewport = box.gl_viewport(frame_size[1])
        self.edges.draw(box)
        self.neurons.draw(box)

    def labels(self) -> list[TextItem]:
        if self.architecture is None:
            return []
        arch, u = self.architecture, self.lay.unit
        caption = "-".join(str(v) for v in arch.layer_sizes) + f" · {arch.activation}"
        return [TextItem(caption, self.rect.x + 10 * u, self.rect.y + 8 * u, self.lay.label_px,
                         (*self.style.text_dim, 1.0), anchor="left", baseline="top")]

    def release(self) -> None:
        self.edges.release()
        self.neurons.release()


class FieldPanel(Panel):
    """The model's field over the data, its p = 0.5 line and the points.

    The field is evaluated into its own texture (``field.py``) only when it would change, at
    ``field_scale`` texels per panel pixel (``None``: :func:`auto_field_side`), then drawn into the
    panel by the strategy the driver's capabilities chose (``field_panel.py``).
    """

    def __init__(self, ctx: moderngl.Context, caps: Capabilities, style: Style,
                 field_scale: float | None) -> None:
        super().__init__()
        self.ctx = ctx
        self.caps = caps
        self.style = style
        self.field_scale = field_scale
        self.field = FieldPass(ctx, style, caps=caps)
        self.composite = field_composite_pass(ctx, caps, style)
        self.points = DiscPass(ctx, capacity=256)
        self.bounds: Bounds = (-1.0, 1.0, -1.0, 1.0)
        self.data: tuple[np.ndarray | None, ...] | None = None
        self.dirty = True  # the field texture persists: re-evaluate only when it would change
        self.points_dirty = True

    def box(self) -> Rect:
        return self.rect.padded(PANEL_PAD * self.lay.unit)

    @property
    def view(self) -> DataView:
        return DataView(self.bounds, self.rect)

    def region(self, lay: FrameLayout) -> Rect:
        return lay.field

    def place(self, lay: FrameLayout) -> None:
        super().place(lay)
        fw, fh = self.rect.gl_viewport(lay.size[1])[2:]
        side = max(fw, fh, 1)
        scale = auto_field_side(side) / side if self.field_scale is None else self.field_scale
        self.field.resize((max(1, round(fw * scale)), max(1, round(fh * scale))))
        self.dirty = self.points_dirty = True

    def set_data(self, data: tuple[np.ndarray | None, ...], bounds: Bounds) -> None:
        """New points and bounds; GL writes wait for :meth:`prepare` (the context may not be current now)."""
        self.data, self.bounds = data, bounds
        self.dirty = self.points_dirty = True

    def upload(self, snapshot: Snapshot) -> None:
        self.field.upload(snapshot)
        self.dirty = True

    def set_probe(self, neuron: tuple[int, int] | None) -> None:
        self.field.set_probe(neuron)
        self.dirty = True

    def prepare(self) -> None:
        if self.points_dirty:
            self.points.set_discs(self._point_discs())
            self.points_dirty = False
        if self.dirty:
            self.field.evaluate(self.bounds)
            self.dirty = False
            if self.caps.wait_without_gil:
                finish_without_gil()  # drawing the panel would wait for the field holding the GIL

    def draw(self, framebuffer: moderngl.Framebuffer, frame_size: tuple[int, int]) -> None:
        viewport = self.rect.gl_viewport(frame_size[1])
        framebuffer.viewport = viewport
        self.ctx.disable(moderngl.BLEND)  # the field is opaque
        self.composite.draw(self.field, framebuffer, viewport, boundary_px=max(1.5, 2.5 * self.lay.unit))
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        self.points.draw(self.rect)  # clipped to the panel by its viewport, as the field is

    def _point_discs(self) -> np.ndarray:
        """Test points (translucent) under training points (opaque, outlined), in frame pixels."""
        if self.data is None or self.lay is None:
            return np.zeros((0, DISC_FLOATS), np.float32)
        X, y, X_test, y_test = self.data
        unit = self.lay.unit
        colors = np.array([self.style.class0, self.style.class1], np.float32)
        blocks = []
        for pts, labels, fill_alpha, outline in ((X_test, y_test, 0.45, 0.0), (X, y, 1.0, max(1.0, 1.6 * unit))):
            if pts is None or len(pts) == 0:
                continue
            block = np.zeros((len(pts), DISC_FLOATS), np.float32)
            block[:, 0:2] = self.view.to_pixels(pts)
            block[:, 2] = max(2.5, 9.0 * unit)
            block[:, 3:6] = colors[(np.asarray(labels) > 0).astype(int)]
            block[:, 6] = fill_alpha
            block[:, 7:10] = (1.0, 1.0, 1.0)
            block[:, 10] = outline
            blocks.append(block)
        return np.concatenate(blocks) if blocks else np.zeros((0, DISC_FLOATS), np.float32)

    def labels(self) -> list[TextItem]:
        probe = self.field.probe
        if probe is None:
            return []
        u, s = self.lay.unit, self.style
        return [TextItem(f"field: neuron {probe[1] + 1} of layer {probe[0]}", self.rect.x + 10 * u,
                         self.rect.y + 8 * u, self.lay.label_px, (*s.text, 1.0), anchor="left", baseline="top",
                         box=(*s.panel, 0.8))]

    def release(self) -> None:
        self.field.release()
        self.composite.release()
        self.points.release()
