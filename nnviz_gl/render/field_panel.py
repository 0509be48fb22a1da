"""The field panel: the model's field over the data, its decision boundary and the points.

The field is evaluated into its own texture (``field.py``) only when it would change, then drawn into
the panel by the strategy the driver's capabilities chose (``field_composite.py``). The points are
coloured as the field is: by class (binary and multiclass) or by value through the regression's map.
"""

from __future__ import annotations

import moderngl
import numpy as np

from ..points import class_indices, target_values
from ..snapshot import Snapshot
from .capabilities import LINEAR_COPY, Capabilities
from .field import FieldPass
from .field_composite import FieldCompositePass
from .gl_calls import finish_without_gil, flush_batch
from .instanced import DiscPass
from .layout import FrameLayout
from .network_key import POINT_RADIUS
from .panels import DISC_FLOATS, PANEL_PAD, Panel
from .style import Style, diverging_colors
from .text import TextItem
from .transforms import Bounds, DataView, Rect

# The model's logit is smooth, so a bilinearly upsampled field texture looks the same as one
# evaluation per pixel, at a fraction of the shader work (the largest cost of a frame).
AUTO_FIELD_MIN, AUTO_FIELD_MAX, AUTO_FIELD_RATIO = 256, 512, 0.3
TEST_FILL_ALPHA = 0.8  # a test point's fill; its dark outline sets it off its own class's field


def auto_field_side(panel_side: int) -> int:
    """Field texels along the panel's side: 30 % of its pixels, at least 256 (or every pixel), at most 512."""
    return int(min(panel_side, max(AUTO_FIELD_MIN, min(AUTO_FIELD_MAX, panel_side * AUTO_FIELD_RATIO))))


def field_composite_pass(ctx: moderngl.Context, caps: Capabilities, style: Style) -> FieldCompositePass:
    """The field panel's strategy for this driver, chosen once per panel."""
    if caps.field_panel == LINEAR_COPY:
        from .linear_copy import LinearCopyPass  # llvmpipe only: a GPU never loads it

        return LinearCopyPass(ctx, style, caps.frame_storage)
    return FieldCompositePass(ctx, style)


def value_range(values: list[np.ndarray]) -> tuple[float, float]:
    """A regression map's ends: the targets' smallest and largest value (a span of 1 around a constant)."""
    values = np.concatenate([np.asarray(v, np.float64).reshape(-1) for v in values]) if values else np.zeros(0)
    if values.size == 0:
        return (-1.0, 1.0)
    low, high = float(values.min()), float(values.max())
    return (low, high) if high > low else (low - 0.5, high + 0.5)


class FieldPanel(Panel):
    """The model's field over the data, its decision boundary and the points.

    ``field_scale`` is texels per panel pixel (``None``: :func:`auto_field_side`). Labels are checked
    against the model (:func:`~nnviz_gl.points.class_indices`) as soon as both are known.
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
        self.targets: tuple[np.ndarray | None, np.ndarray | None] | None = None  # y, y_test as drawn
        self.value_range: tuple[float, float] = (-1.0, 1.0)
        self._labels_for: tuple | None = None  # (kind, classes, n_classes) the targets were made for
        self.snapshot: Snapshot | None = None
        self.dirty = True  # the field texture persists: re-evaluate only when it would change
        self.points_dirty = True
        self._evaluating = False  # a field evaluation was sent to a software renderer and not yet waited for

    def box(self) -> Rect:
        return self.rect.padded(PANEL_PAD * self.lay.unit)

    @property
    def view(self) -> DataView:
        return DataView(self.bounds, self.rect)

    def region(self, lay: FrameLayout) -> Rect:
        return lay.field

    def opaque_box(self, frame_height: int) -> tuple[int, int, int, int]:
        return self.rect.gl_viewport(frame_height)  # the field (or the "no field" fill) without blending

    def place(self, lay: FrameLayout) -> None:
        super().place(lay)
        fw, fh = self.rect.gl_viewport(lay.size[1])[2:]
        side = max(fw, fh, 1)
        scale = auto_field_side(side) / side if self.field_scale is None else self.field_scale
        self.field.resize((max(1, round(fw * scale)), max(1, round(fh * scale))))
        self.dirty = self.points_dirty = True

    def set_data(self, data: tuple[np.ndarray | None, ...], bounds: Bounds) -> None:
        """New points and bounds; their labels are checked against the model drawn next (labels and
        model may change together); GL writes wait for :meth:`prepare` (the context may not be current)."""
        self.data, self.bounds = data, bounds
        self._labels_for = None
        self.dirty = self.points_dirty = True

    def set_view(self, bounds: Bounds) -> None:
        """Show another data rectangle (zoom, pan): the field is evaluated there and the points laid out
        again at the next :meth:`prepare`; a uniform and a buffer write, never a new GL object."""
        if bounds != self.bounds:
            self.bounds = bounds
            self.dirty = self.points_dirty = True

    def upload(self, snapshot: Snapshot) -> None:
        self._match_labels(snapshot)
        self.field.upload(snapshot)
        self.snapshot = snapshot
        self.dirty = True

    def _match_labels(self, snapshot: Snapshot) -> None:
        """The points' labels as this model's class indices, or their values for a regressor; the map's range."""
        arch = snapshot.architecture
        key = (arch.kind, snapshot.classes, arch.n_classes)
        if self.data is None or key == self._labels_for:
            return
        _, y, _, y_test = self.data
        if arch.kind == "regression":
            targets = (target_values(y), None if y_test is None else target_values(y_test, name="X_test"))
            self.value_range = value_range([t for t in targets if t is not None])
            self.field.set_value_range(*self.value_range)
        else:
            targets = tuple(None if labels is None else
                            class_indices(labels, snapshot.classes, arch.n_classes, name=name)
                            for labels, name in ((y, "X"), (y_test, "X_test")))
        self.targets, self._labels_for = targets, key
        self.points_dirty = True

    def set_probe(self, neuron: tuple[int, int] | None) -> None:
        self.field.set_probe(neuron)
        self.dirty = True

    def prepare(self) -> None:
        if self.snapshot is not None:
            self._match_labels(self.snapshot)  # data set after the model
        if self.points_dirty:
            self.points.set_discs(self._point_discs())
            self.points_dirty = False
        if self.dirty:
            self.field.evaluate(self.bounds)
            self.dirty = False
            # On a software renderer the evaluation starts now, on its threads, while the scene's Python
            # work (text, edge styles) runs; wait_for_field() then waits for it without the GIL.
            self._evaluating = self.caps.wait_without_gil and flush_batch()

    def wait_for_field(self) -> None:
        """Wait (GIL released) for a field evaluation :meth:`prepare` sent: drawing the panel would wait
        for it holding the GIL. The scene calls it after its Python work; :meth:`draw` calls it anyway."""
        if self._evaluating:
            finish_without_gil()
            self._evaluating = False

    def draw(self, framebuffer: moderngl.Framebuffer, frame_size: tuple[int, int]) -> None:
        self.wait_for_field()
        viewport = self.rect.gl_viewport(frame_size[1])
        framebuffer.viewport = viewport
        self.ctx.disable(moderngl.BLEND)  # the field is opaque
        self.composite.draw(self.field, framebuffer, viewport, boundary_px=max(1.5, 2.5 * self.lay.unit))
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        self.points.draw(self.rect)  # clipped to the panel by its viewport, as the field is

    def point_colors(self, targets: np.ndarray) -> np.ndarray:
        """RGB of points with these class indices (the palette) or values (the regression's map)."""
        if self._labels_for is not None and self._labels_for[0] == "regression":
            low, high = self.value_range
            return diverging_colors((2.0 * targets - low - high) / (high - low), self.style)
        return np.array(self.style.palette, np.float64)[np.asarray(targets, np.int64)]

    def _point_discs(self) -> np.ndarray:
        """Test points under training points, in frame pixels. Training points: opaque, ringed in white.
        Test points: mostly opaque (a class-1 point on class 0 still reads as class 1, not grey) with a
        thin dark outline, which keeps them visible on the saturated field of their own class too."""
        if self.data is None or self.lay is None or self.targets is None:
            return np.zeros((0, DISC_FLOATS), np.float32)
        X, _, X_test, _ = self.data
        y, y_test = self.targets
        unit = self.lay.unit
        blocks = []
        radius, test_ring = max(2.5, POINT_RADIUS * unit), max(1.0, 1.4 * unit)
        # A test point's rim lies outside its fill's radius: on tiny frames its colour keeps its area.
        marks = ((X_test, y_test, radius + test_ring, TEST_FILL_ALPHA, self.style.boundary, test_ring),
                 (X, y, radius, 1.0, (1.0, 1.0, 1.0), max(1.0, 1.6 * unit)))
        for pts, labels, size, fill_alpha, ring, outline in marks:
            if pts is None or len(pts) == 0:
                continue
            block = np.zeros((len(pts), DISC_FLOATS), np.float32)
            block[:, 0:2] = self.view.to_pixels(pts)
            block[:, 2] = size
            block[:, 3:6] = self.point_colors(labels)
            block[:, 6] = fill_alpha
            block[:, 7:10] = ring
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
