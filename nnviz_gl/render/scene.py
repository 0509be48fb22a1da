"""The scene: a frame as a list of panels, uploaded per snapshot and drawn into any framebuffer.

``render(framebuffer, size)`` is the one draw path: the window, the video and the tests all call it.
Per snapshot only buffer and texture writes happen; GL objects are made once, here and in the panels.
"""

from __future__ import annotations

import moderngl
import numpy as np

from ..points import DataError, check_points
from ..snapshot import Snapshot
from .capabilities import Capabilities, capabilities
from .instanced import RectPass
from .layout import FrameLayout, frame_layout, uncovered_boxes
from .field_panel import FieldPanel
from .legend import LegendPanel
from .loss_history import HistoryInput, history_rows
from .loss_panel import LossPanel
from .neuron_fields import NeuronFieldsPanel
from .panels import NetworkPanel, Panel, TitlePanel
from .style import DEFAULT_STYLE, Style
from .text import TextItem, TextPass
from .glyph_atlas import item_bounds
from .transforms import Bounds, Rect, check_view, data_bounds


def overlaps(box: tuple[float, float, float, float], rect: Rect) -> bool:
    """Whether a (left, top, right, bottom) box and a rectangle share any area."""
    return box[0] < rect.x + rect.w and rect.x < box[2] and box[1] < rect.y + rect.h and rect.y < box[3]


def check_field_scale(field_scale: float | None) -> float | None:
    if field_scale is None:
        return None
    if not 0.05 <= float(field_scale) <= 2.0:
        raise ValueError(f"field_scale must be between 0.05 and 2 (or None for automatic), got {field_scale}")
    return float(field_scale)


class Scene:
    """Owns the frame's panels (title, network, field, its legend), the background between them and the one text
    batch all panels' labels go into.

    ``field_scale`` is the field texture's resolution relative to the panel's pixels (1.0: one
    evaluation per output pixel; 0.5: a quarter of them, bilinearly smoothed); ``None`` picks it by
    size. ``caps`` defaults to the context's own (:func:`~nnviz_gl.render.capabilities.capabilities`).
    ``neuron_fields``: each hidden neuron's disc shows its own field (True), never (False), or when the
    discs are large enough to read (None, :data:`~nnviz_gl.render.neuron_fields.NEURON_FIELD_MIN_RADIUS`).
    """

    def __init__(self, ctx: moderngl.Context, *, field_scale: float | None = None,
                 style: Style = DEFAULT_STYLE, caps: Capabilities | None = None, title: str | None = None,
                 neuron_fields: bool | None = None) -> None:
        self.ctx = ctx
        self.caps = caps or capabilities(ctx)
        self.style = style
        self.text = TextPass(ctx)
        self.title = TitlePanel(style, title)  # title: one's own caption before the epoch
        self.network = NetworkPanel(ctx, style, self.text.atlas.measure)
        self.field_panel = FieldPanel(ctx, self.caps, style, check_field_scale(field_scale))
        self.neuron_fields = NeuronFieldsPanel(ctx, self.network, self.field_panel, neuron_fields)
        self.backgrounds = RectPass(ctx)  # the strips between panels
        self.legend = LegendPanel(ctx, style, self.field_panel, self.text.atlas.measure)
        self.loss = LossPanel(ctx, style, self.text.atlas.measure)
        self.panels: list[Panel] = [self.title, self.network, self.neuron_fields, self.loss, self.field_panel,
                                    self.legend]
        self.layout: FrameLayout | None = None
        self.snapshot: Snapshot | None = None
        self.previous: Snapshot | None = None
        self._overlay: list[TextItem] = []
        self._cover: Rect | None = None
        self._on_top: list[TextItem] = []
        self._text_items: list[TextItem] | None = None
        self._dirty_layout = True
        self._dirty_style = True

    # -- what the panels show ---------------------------------------------------------------
    @property
    def field(self):
        """The field pass (its texture, probe and compile count)."""
        return self.field_panel.field

    @property
    def composite(self):
        return self.field_panel.composite

    @property
    def bounds(self) -> Bounds:
        """The data rectangle the field panel shows."""
        return self.field_panel.bounds

    @property
    def data(self) -> tuple[np.ndarray | None, ...] | None:
        """(X, y, X_test, y_test) as drawn, or None before :meth:`set_data`."""
        return self.field_panel.data

    @property
    def geometry(self):
        """Neuron centres and edge end points in frame pixels (what hovering tests against)."""
        return self.network.geometry

    @property
    def highlight_edge(self) -> int | None:
        return self.network.highlight_edge

    @property
    def field_scale(self) -> float | None:
        return self.field_panel.field_scale

    # -- data in ----------------------------------------------------------------------------
    def set_data(self, X: np.ndarray, y: np.ndarray, X_test: np.ndarray | None = None,
                 y_test: np.ndarray | None = None, bounds: Bounds | None = None) -> None:
        """The points drawn over the field. Bounds default to the data's extent plus 0.5."""
        X, y = check_points(X, y, name="X")
        if X_test is not None or y_test is not None:
            if X_test is None or y_test is None:
                raise DataError("give both X_test and y_test, or neither")
            X_test, y_test = check_points(X_test, y_test, name="X_test", required=False)
        bounds = check_view(bounds) if bounds is not None else data_bounds(X, X_test)
        self.field_panel.set_data((X, y, X_test, y_test), bounds)
        self.neuron_fields.dirty = True  # the neurons' fields span the same bounds
        self._dirty_style = True  # the legend's value range follows the data

    def set_view(self, bounds: Bounds) -> None:
        """The data rectangle the field panel shows (zoom and pan), keeping the points and the legend's
        value range (fixed by the data, not the view); see :func:`~nnviz_gl.render.transforms.check_view`."""
        self.field_panel.set_view(check_view(bounds))

    def upload(self, snapshot: Snapshot, previous: Snapshot | None = None) -> None:
        """Buffer and texture writes for a new snapshot; a recompile only if the architecture changed."""
        self.field_panel.upload(snapshot)
        self.loss.record(snapshot)
        self.neuron_fields.dirty = True
        self.title.snapshot = snapshot
        self.snapshot = snapshot
        self.previous = previous
        self._dirty_style = True

    def set_history(self, history: HistoryInput | np.ndarray, *, whole_run: bool = False) -> None:
        """What the loss panel shows: a list of Snapshots or of (epoch, loss, test_loss, score, test_score)
        rows (``loss_history.history_rows``). Uploads then go on adding their epochs, or with ``whole_run``
        (a replay) only move the cursor. Without it the panel records each upload by epoch."""
        self.loss.set_history(history_rows(history), whole_run=whole_run)
        self._dirty_style = True

    def record_history(self, row: np.ndarray) -> None:
        """One epoch's (epoch, loss, test_loss, score, test_score) joins the loss curve without being drawn."""
        if not self.loss.whole_run:
            self.loss.history.record(history_rows([row])[0])
            self._dirty_style = True

    def add_panel(self, panel: Panel) -> None:
        """One more panel, drawn after (over) those before it; the scene releases it with its own."""
        self.panels.append(panel)
        self._dirty_layout = True

    def set_field_scale(self, field_scale: float | None) -> None:
        field_scale = check_field_scale(field_scale)
        if field_scale != self.field_panel.field_scale:
            self.field_panel.field_scale = field_scale
            self._dirty_layout = True

    def set_neuron_fields(self, enabled: bool | None) -> None:
        """Fields in the hidden neurons' discs: True, False, or None for "when the discs are large enough"."""
        self.neuron_fields.enabled = None if enabled is None else bool(enabled)

    def set_overlay(self, items: list[TextItem], cover: Rect | None = None, on_top: list[TextItem] = ()) -> None:
        """Extra text drawn over the frame (a live window's HUD, help, hover read-outs). Under an opaque
        ``cover`` (a panel drawn over the others, the window's help box) no other text is drawn; ``on_top``
        is the cover's own text."""
        self._overlay, self._cover, self._on_top = list(items), cover, list(on_top)
        self._dirty_style = True

    def set_probe(self, neuron: tuple[int, int] | None) -> None:
        """Show one hidden neuron's own output in the field panel; ``None`` for the model's."""
        self.field_panel.set_probe(neuron)
        self._dirty_style = True

    def set_highlight(self, edge: int | None) -> None:
        """Draw one connection (index in the flattened weights) emphasised, e.g. under the mouse."""
        self.network.highlight_edge = edge
        self._dirty_style = True

    # -- drawing ----------------------------------------------------------------------------
    def render(self, framebuffer: moderngl.Framebuffer, size: tuple[int, int]) -> None:
        """Draw the current snapshot into ``framebuffer`` (window or offscreen) of ``size`` pixels."""
        if self.snapshot is None:
            raise RuntimeError("Scene.render before any snapshot was uploaded")
        size = (int(size[0]), int(size[1]))
        if self.layout is None or self.layout.size != size or self._dirty_layout:
            self._relayout(size)
        for panel in self.panels:  # before the text: preparing may match labels (the legend's range)
            panel.prepare()
        if self._dirty_style:
            self._restyle()
        self.field_panel.wait_for_field()  # after the Python work above, which overlapped the field's

        # No clear: one draw of rectangles paints every pixel that no panel paints opaquely, once (the
        # strips between panels in the background colour, the rest of the panels' boxes in theirs).
        framebuffer.use()
        framebuffer.viewport = (0, 0, *size)
        self.ctx.scissor = None
        self.ctx.disable(moderngl.BLEND)
        self.backgrounds.draw(size)

        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        for panel in self.panels:
            panel.draw(framebuffer, size)
        framebuffer.viewport = (0, 0, *size)
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        self.text.draw(size)
        self.ctx.disable(moderngl.BLEND)

    def release(self) -> None:
        """Free every GL object of the scene (for a context that outlives it; a released context
        frees them anyway)."""
        for panel in self.panels:
            panel.release()
        self.backgrounds.release()
        self.text.release()

    # -- derived state ------------------------------------------------------------------------
    def _relayout(self, size: tuple[int, int]) -> None:
        lay = frame_layout(size)
        self.layout = lay
        for panel in self.panels:
            panel.place(lay)
        boxes = [panel.box() for panel in self.panels]
        covered = [box.gl_viewport(size[1]) for box in boxes if box is not None]
        strips = uncovered_boxes(size, covered)
        opaque = [box for box in (panel.opaque_box(size[1]) for panel in self.panels) if box is not None]
        fills = uncovered_boxes(size, strips + opaque)  # the panels' boxes less what their panels cover
        rects = np.array(strips + fills, np.float32).reshape(-1, 4)
        rects[:, 1] = size[1] - rects[:, 1] - rects[:, 3]  # GL boxes (origin bottom-left) -> frame pixels
        colours = [(*self.style.background, 1.0)] * len(strips) + [(*self.style.panel, 1.0)] * len(fills)
        self.backgrounds.set_rects(np.column_stack([rects, np.array(colours, np.float32).reshape(-1, 4)]))
        self._dirty_layout = False
        self._text_items = None
        self._dirty_style = True

    def _restyle(self) -> None:
        """Per-snapshot arrays (edges, neurons) and every panel's text, in one batch."""
        self.network.restyle(self.snapshot, self.previous)
        items = [item for panel in self.panels for item in panel.labels()] + self._overlay
        if self._cover is not None:
            items = [item for item in items if not overlaps(item_bounds(self.text.atlas, item), self._cover)]
        items += self._on_top
        if items != self._text_items:  # between epochs (a glide) the text holds still: no re-layout
            self.text.set_text(items)
            self._text_items = items
        self._dirty_style = False
