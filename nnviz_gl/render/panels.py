"""The panels of a frame. Each is a rectangle of the frame drawn into its own viewport by its passes.

A frame (``scene.py``) is a list of panels plus what lies between them: a panel is placed
(:meth:`Panel.place`, on a new size or layout), may do offscreen work before the frame's target is
bound (:meth:`Panel.prepare`), draws into any framebuffer (:meth:`Panel.draw`), and hands its text
to the frame's one text batch (:meth:`Panel.labels`). A legend, a loss curve or a tile of a sweep is
one more panel. Coordinates are frame pixels (``transforms.py``).
"""

from __future__ import annotations

import math
from typing import Callable

import moderngl
import numpy as np

from ..snapshot import Architecture, Snapshot
from .instanced import DiscPass, EdgePass, RectPass
from .layout import FrameLayout, NetworkGeometry, edge_style, network_geometry
from .network_key import KeyGeometry, key_geometry
from .neuron_names import NAME_GAP, NETWORK_PAD_X, Measure, NeuronNames, neuron_labels, neuron_names
from .style import Style
from .text import TextItem
from .transforms import Rect

NETWORK_PAD_Y = 30.0  # layout.network_geometry's margin above and below the tallest layer, in units
PANEL_PAD = 6.0   # the panel colour reaches this far (in units) beyond a panel's drawing area
DISC_FLOATS = 11  # centre xy, radius, fill rgba, outline rgb + width (DiscPass)

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

    def opaque_box(self, frame_height: int) -> tuple[int, int, int, int] | None:
        """The GL box (x, y, w, h, origin bottom-left) every pixel of which :meth:`draw` paints opaquely
        in every frame: the scene paints no background there. None: none."""
        return None

    def prepare(self) -> None:
        """Offscreen work for the next frame, before its target is bound."""

    def draw(self, framebuffer: moderngl.Framebuffer, frame_size: tuple[int, int]) -> None:
        """Draw into the panel's viewport of ``framebuffer`` (blending is enabled, source over)."""

    def labels(self) -> list[TextItem]:
        return []

    def release(self) -> None:
        """Free the panel's GL objects."""


def title_metrics(snap: Snapshot) -> tuple[tuple[str, float | None], ...]:
    """The run's numbers the title shows, per problem: accuracy for classifiers, R² for a regression."""
    if snap.architecture.kind == "regression":
        scores = (("R²", snap.r2), ("test R²", snap.test_r2))
    else:
        scores = (("accuracy", snap.accuracy), ("test accuracy", snap.test_accuracy))
    return (("loss", snap.loss), ("test loss", snap.test_loss), *scores)


def title_text(title: str | None, epoch: int) -> str:
    """The title's left part: "Epoch N", or one's own caption with the epoch ("moons, tanh · epoch N")."""
    return f"{title} · epoch {epoch}" if title else f"Epoch {epoch}"


class TitlePanel(Panel):
    """The epoch (after one's own ``title``) and the run's numbers, or a short ``notice`` in their place
    (a window's "saved ..."): text only."""

    def __init__(self, style: Style, title: str | None = None) -> None:
        super().__init__()
        self.style = style
        self.snapshot: Snapshot | None = None
        self.title = title
        self.notice = ""

    def region(self, lay: FrameLayout) -> Rect:
        return lay.title

    def labels(self) -> list[TextItem]:
        snap, s, t = self.snapshot, self.style, self.rect
        if snap is None:
            return []
        middle = t.y + t.h * 0.5
        items = [TextItem(title_text(self.title, snap.epoch), t.x, middle, self.lay.title_px, (*s.text, 1.0),
                          anchor="left", baseline="middle")]
        stats = []
        for label, value in title_metrics(snap):
            if value is not None:
                stats.append(f"{label} {value:.3f}" if math.isfinite(value) else f"{label} n/a")
        right, size = t.x + t.w, max(self.lay.label_px, 28.8 * self.lay.unit)
        if self.notice:
            items.append(TextItem(self.notice, right, middle, size, (*s.text, 1.0), anchor="right", baseline="middle",
                                  box=(*s.panel, 1.0)))
        elif not snap.is_finite or (snap.loss is not None and not math.isfinite(snap.loss)):
            items.append(TextItem("model diverged: non-finite weights", right, middle, size, (*s.alarm, 1.0),
                                  anchor="right", baseline="middle"))
        elif stats:
            items.append(TextItem("   ·   ".join(stats), right, middle, size, (*s.text_dim, 1.0),
                                  anchor="right", baseline="middle"))
        return items


def status_strip(lay: FrameLayout) -> float:
    """The row at the network panel's bottom a window's status line takes: free of neurons in every frame,
    so that a window's frame and a video's are the same picture."""
    return 8.0 * lay.unit + 1.4 * lay.label_px


class NetworkPanel(Panel):
    """The network: edges (width |w|, colour by sign, learning marks) and neurons (fill by bias)."""

    def __init__(self, ctx: moderngl.Context, style: Style, measure: Measure | None = None) -> None:
        super().__init__()
        self.style = style
        self.measure = measure  # text widths, to keep the neurons' names inside the panel
        self.edges = EdgePass(ctx)
        self.neurons = DiscPass(ctx)
        self.key_rects = RectPass(ctx, capacity=16)
        self.key_discs = DiscPass(ctx, capacity=2)
        self.key: KeyGeometry | None = None
        # Pixels at the panel's bottom kept free of neurons (a replay's timeline, a window's status line).
        self.reserve_bottom: Callable[[FrameLayout], float] = status_strip
        self.architecture: Architecture | None = None
        self.geometry: NetworkGeometry | None = None
        self.highlight_edge: int | None = None
        self.names: NeuronNames | None = None
        self._named_classes: tuple | None = None

    def region(self, lay: FrameLayout) -> Rect:
        return lay.network

    def place(self, lay: FrameLayout) -> None:
        super().place(lay)
        self.geometry = self.names = None

    def box(self) -> Rect:
        return self.rect.padded(PANEL_PAD * self.lay.unit)

    def restyle(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        """Per-snapshot arrays: edge widths and learning marks, neuron colours (buffer writes only)."""
        unit = self.lay.unit
        names = self.names
        if names is None or snapshot.architecture != self.architecture or snapshot.classes != self._named_classes:
            names = neuron_names(snapshot, self.style, self.measure, self.lay.label_px)
            self._named_classes = snapshot.classes
        if self.geometry is None or snapshot.architecture != self.architecture or names != self.names:
            self.architecture, self.names = snapshot.architecture, names
            self._place_key()
            self.geometry = network_geometry(self.architecture, self._neuron_area(names), unit)
            self.edges.write(0, self.geometry.edge_ends)
            self.edges.set_style(self.style, unit, self.geometry.neuron_radius)
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
        side = np.where(np.sign(bias)[:, None] >= 0, np.array(s.positive), np.array(s.negative))
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

    def caption(self) -> str:
        arch = self.architecture
        return "-".join(str(v) for v in arch.layer_sizes) + f" · {arch.activation}"

    def _place_key(self) -> None:
        """The caption and the marks' key along the panel's top (its GL rows are written here, once per layout)."""
        if self.measure is None:
            self.key = None
            return
        self.key = key_geometry(self.caption(), self.rect, self.lay, self.measure, self.style)
        self.key_rects.set_rects(self.key.rects)
        self.key_discs.set_discs(self.key.discs)

    def _free_band(self) -> tuple[float, float]:
        """(top, bottom) of the panel's band for neurons: below the key, above a reserved strip. Neurons keep
        ``network_geometry``'s vertical margin from the band's ends, so the band reaches into that margin."""
        r, margin = self.rect, NETWORK_PAD_Y * self.lay.unit
        top = r.y if self.key is None else max(r.y, self.key.bottom - margin)
        reserved = float(self.reserve_bottom(self.lay))
        bottom = r.y + r.h - max(0.0, reserved - margin)
        return top, max(bottom, top + 1.0)

    def _neuron_area(self, names: NeuronNames) -> Rect:
        """The panel, narrowed where the inputs' and outputs' names need more room than its margin, below
        the key and above a reserved bottom strip."""
        top, bottom = self._free_band()
        if self.measure is None:
            return Rect(self.rect.x, top, self.rect.w, bottom - top)
        u, size = self.lay.unit, self.lay.label_px
        room = NAME_GAP * u + 4.0 * u - NETWORK_PAD_X * u  # what the margin beside the neurons does not give
        left = max((self.measure(n, size)[0] for n in names.inputs), default=0.0) + room
        right = max((self.measure(n, size)[0] for n in names.outputs), default=0.0) + room if names.outputs else 0.0
        left, right = max(0.0, left), max(0.0, right)
        r = self.rect
        return Rect(r.x + left, top, max(r.w - left - right, 1.0), bottom - top)

    def draw(self, framebuffer: moderngl.Framebuffer, frame_size: tuple[int, int]) -> None:
        box = self.box()
        framebuffer.viewport = box.gl_viewport(frame_size[1])
        self.edges.draw(box)
        self.neurons.draw(box)
        if self.key is not None:
            self.key_rects.draw(box)
            self.key_discs.draw(box)

    def labels(self) -> list[TextItem]:
        if self.architecture is None:
            return []
        u = self.lay.unit
        if self.key is not None:
            items = list(self.key.text)
        else:
            items = [TextItem(self.caption(), self.rect.x + 10 * u, self.rect.y + 8 * u, self.lay.label_px,
                              (*self.style.text_dim, 1.0), anchor="left", baseline="top")]
        return items + neuron_labels(self.geometry, self.names, self.style, u, self.lay.label_px)

    def release(self) -> None:
        self.edges.release()
        self.neurons.release()
        self.key_rects.release()
        self.key_discs.release()
