"""Where things go: panel rectangles for a frame size, neuron positions, per-edge arrays. Numpy only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..snapshot import Architecture, Snapshot
from .transforms import Rect


# Text stops shrinking with the frame here (at 360 lines and above): at 640x360 (unit 1/3) labels would be
# 8 px, their digits 5 px tall. From about 800 lines up the sizes scale with the frame again.
MIN_LABEL_PX = 11.0
MIN_TITLE_PX = 16.0


@dataclass(frozen=True)
class FrameLayout:
    """Panels of one frame. ``unit`` is one "point": 1 px at 1080 lines, so sizes scale 480p..4K."""

    size: tuple[int, int]
    unit: float
    title: Rect
    network: Rect
    field: Rect
    title_px: float
    label_px: float
    loss: Rect = Rect(0.0, 0.0, 0.0, 0.0)  # the loss curve: a strip under the network


LOSS_SHARE = 0.3  # of the network's column the loss strip takes


def frame_layout(size: tuple[int, int]) -> FrameLayout:
    """Side by side when the frame is wide, stacked when it is tall; text scales with the frame."""
    w, h = int(size[0]), int(size[1])
    unit = min(w / 1920.0 * 1.0, h / 1080.0) if w >= h else min(w / 1080.0, h / 1920.0)
    unit = max(unit, 0.25)
    margin = 28.0 * unit
    title_h = 84.0 * unit
    title = Rect(margin, margin * 0.5, w - 2 * margin, title_h)
    top = title.y + title_h + margin * 0.5
    avail_w, avail_h = w - 2 * margin, h - top - margin
    if w >= h * 1.15:
        side = min(avail_h, avail_w * 0.56)
        field = Rect(w - margin - side, top + (avail_h - side) * 0.5, side, side)
        column = Rect(margin, top, field.x - 2 * margin, avail_h)
    else:
        side = min(avail_w, avail_h * 0.56)
        field = Rect((w - side) * 0.5, h - margin - side, side, side)
        column = Rect(margin, top, avail_w, field.y - margin - top)
    network, loss = _split_column(column, margin)
    short = min(w, h) / 360.0  # below 360 lines the minimum shrinks with the frame (thumbnails)
    return FrameLayout((w, h), unit, title, network, field, title_px=max(40.0 * unit, min(MIN_TITLE_PX, 16.0 * short)),
                       label_px=max(24.0 * unit, min(MIN_LABEL_PX, 11.0 * short)), loss=loss)


def _split_column(column: Rect, gap: float) -> tuple[Rect, Rect]:
    """The network above, the loss strip below (the gap keeps their padded boxes apart)."""
    loss_h = max(column.h * LOSS_SHARE - gap * 0.5, 1.0)
    network = Rect(column.x, column.y, column.w, max(column.h - loss_h - gap, 1.0))
    return network, Rect(column.x, column.y + column.h - loss_h, column.w, loss_h)


GLBox = tuple[int, int, int, int]  # x, y, w, h in GL pixels (origin bottom-left)


def uncovered_boxes(size: tuple[int, int], covered: list[GLBox]) -> list[GLBox]:
    """Boxes that tile the frame minus ``covered``: where the background shows between panels, or (given
    those strips and what panels paint opaquely) the rest of the panels' boxes. A frame's background is
    then one draw of both, no clear: no pixel painted twice, none painted for nothing (benchmarks/README.md).
    """
    w, h = size
    clipped = [(max(0, x), max(0, y), min(w, x + bw), min(h, y + bh)) for x, y, bw, bh in covered]
    xs = sorted({0, w, *(v for c in clipped for v in (c[0], c[2]) if 0 < v < w)})
    ys = sorted({0, h, *(v for c in clipped for v in (c[1], c[3]) if 0 < v < h)})
    boxes = []
    for y0, y1 in zip(ys[:-1], ys[1:]):
        for x0, x1 in zip(xs[:-1], xs[1:]):
            inside = any(c[0] <= x0 and x1 <= c[2] and c[1] <= y0 and y1 <= c[3] for c in clipped)
            if not inside:
                boxes.append((x0, y0, x1 - x0, y1 - y0))
    return boxes


@dataclass(frozen=True)
class NetworkGeometry:
    """Neuron centres and edge end points for one architecture inside one panel."""

    neurons: np.ndarray        # (n_neurons, 2) pixel centres
    neuron_layer: np.ndarray   # (n_neurons,) layer index
    edge_ends: np.ndarray      # (n_edges, 4) p0.xy, p1.xy; order = each layer's weights flattened row-major
    edge_layer: np.ndarray     # (n_edges,)
    neuron_radius: float


def network_geometry(arch: Architecture, panel: Rect, unit: float) -> NetworkGeometry:
    sizes = arch.layer_sizes
    n_layers = len(sizes)
    tallest = max(sizes)
    pad_x = 40.0 * unit
    pad_y = 30.0 * unit
    spacing_y = (panel.h - 2 * pad_y) / max(tallest, 1)
    radius = float(np.clip(min(spacing_y * 0.32, 22.0 * unit), 2.0, 40.0 * unit))
    xs = panel.x + pad_x + radius + (panel.w - 2 * pad_x - 2 * radius) * np.linspace(0.0, 1.0, n_layers)
    centres, layer_of = [], []
    for layer, n in enumerate(sizes):
        ys = panel.y + panel.h * 0.5 + (np.arange(n) - (n - 1) * 0.5) * spacing_y
        centres.append(np.column_stack([np.full(n, xs[layer]), ys]))
        layer_of.append(np.full(n, layer))
    neurons = np.concatenate(centres)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    ends, edge_layer = [], []
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        src = offsets[layer] + np.repeat(np.arange(n_in), n_out)
        dst = offsets[layer + 1] + np.tile(np.arange(n_out), n_in)
        ends.append(np.column_stack([neurons[src], neurons[dst]]))
        edge_layer.append(np.full(n_in * n_out, layer))
    return NetworkGeometry(
        neurons=neurons.astype(np.float32),
        neuron_layer=np.concatenate(layer_of),
        edge_ends=np.concatenate(ends).astype(np.float32),
        edge_layer=np.concatenate(edge_layer),
        neuron_radius=radius,
    )


# How |w| maps to width, per layer: its FULL_WIDTH_QUANTILE of |w| is drawn at full width and the rest
# linearly below, so a trained network (whose weights all grew) still shows which weights matter, and one
# huge weight cannot flood the panel. A layer whose weights are all tiny keeps them thin (MIN_FULL_WEIGHT).
FULL_WIDTH_QUANTILE = 0.95
MIN_FULL_WEIGHT = 0.05
LEARNING_SHARE = 0.6  # an edge is "learning" when its |Δw| reaches this share of its layer's largest


def quantile(values: np.ndarray, q: float) -> float:
    """``np.quantile(values, q)`` (its default, linear method) of a small 1-d array without numpy's
    general machinery, which costs a frame's edges far more than the sort (four layers, two calls each)."""
    ordered = np.sort(values)
    position = q * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    low, high = float(ordered[below]), float(ordered[above])
    return low + (high - low) * (position - below)


def layer_strength(weights: list[np.ndarray]) -> np.ndarray:
    """0..1 per edge (flattened as the edges are): |w| over its layer's :data:`FULL_WIDTH_QUANTILE` of |w|."""
    parts = []
    for m in weights:
        a = np.abs(np.asarray(m, np.float64).reshape(-1))
        finite = a[np.isfinite(a)]
        full = max(quantile(finite, FULL_WIDTH_QUANTILE) if finite.size else 0.0, MIN_FULL_WEIGHT)
        parts.append(np.clip(np.where(np.isfinite(a), a, 0.0) / full, 0.0, 1.0))
    return np.concatenate(parts)


def edge_style(snapshot: Snapshot, previous: Snapshot | None, unit: float, max_width_px: float) -> np.ndarray:
    """Per-edge (width px, signed strength, learning) as float32; learning = -1 marks a non-finite weight."""
    w = np.concatenate([m.reshape(-1) for m in snapshot.weights])
    finite = np.isfinite(w)
    wf = np.where(finite, w, 0.0)
    strength = layer_strength(snapshot.weights)
    width = 0.6 * unit + (max_width_px - 0.6 * unit) * strength
    learning = np.zeros_like(wf)
    if previous is not None and previous.architecture == snapshot.architecture:
        learning = _learning(snapshot, previous)
    learning = np.where(finite, learning, -1.0)
    width = np.where(finite, width, 1.5 * unit)
    return np.column_stack([width, np.sign(wf) * strength, learning]).astype(np.float32)


def _learning(snapshot: Snapshot, previous: Snapshot) -> np.ndarray:
    """0..1 per edge: how close its change is to the largest change in its own layer."""
    parts = []
    for now, before in zip(snapshot.weights, previous.weights):
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged weight's change: no mark, no warning
            delta = np.abs(now - before).reshape(-1)
        delta = np.where(np.isfinite(delta), delta, 0.0)
        top = delta.max(initial=0.0)
        if top <= 1e-12:
            parts.append(np.zeros_like(delta))
            continue
        # The layer's biggest movers: at least LEARNING_SHARE of its largest change and in its top 15 %.
        threshold = max(LEARNING_SHARE * top, quantile(delta, 0.85))
        ramp = (delta - threshold) / max(top - threshold, 1e-12)
        parts.append(np.where(delta >= threshold, 0.5 + 0.5 * np.clip(ramp, 0.0, 1.0), 0.0))
    return np.concatenate(parts)
