"""What is under the mouse: numpy hit-testing against the geometry the scene drew. No GL.

Coordinates are frame pixels, origin top-left, y down — the same as ``scene.layout`` and
``scene.geometry`` — so a window converts its mouse position (screen units) to framebuffer pixels first.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .transforms import DataView, Rect


def nearest_edge(edge_ends: np.ndarray, point: Sequence[float], max_distance: float) -> int | None:
    """Index of the edge segment closest to ``point`` if it is within ``max_distance`` px, else None.

    ``edge_ends`` is ``(n, 4)``: x0, y0, x1, y1 per edge (``NetworkGeometry.edge_ends``).
    """
    ends = np.asarray(edge_ends, np.float64).reshape(-1, 4)
    if len(ends) == 0:
        return None
    p = np.asarray(point, np.float64)
    a, b = ends[:, 0:2], ends[:, 2:4]
    ab = b - a
    length2 = np.einsum("ij,ij->i", ab, ab)
    t = np.einsum("ij,ij->i", p - a, ab) / np.where(length2 > 0, length2, 1.0)
    closest = a + np.clip(t, 0.0, 1.0)[:, None] * ab
    distance = np.hypot(*(closest - p).T)
    best = int(np.argmin(distance))
    return best if distance[best] <= max_distance else None


def neuron_at(centres: np.ndarray, radius: float, point: Sequence[float], slack: float = 2.0) -> int | None:
    """Index of the neuron disc containing ``point`` (with ``slack`` px to spare), the nearest if several."""
    c = np.asarray(centres, np.float64).reshape(-1, 2)
    if len(c) == 0:
        return None
    distance = np.hypot(*(c - np.asarray(point, np.float64)).T)
    best = int(np.argmin(distance))
    return best if distance[best] <= radius + slack else None


def neuron_address(neuron_layer: np.ndarray, index: int) -> tuple[int, int]:
    """(layer, index within the layer) of neuron ``index`` in the geometry's flat order."""
    layers = np.asarray(neuron_layer)
    layer = int(layers[index])
    return layer, int(index - np.count_nonzero(layers < layer))


def edge_address(layer_sizes: Sequence[int], index: int) -> tuple[int, int, int]:
    """(layer, source, target) of edge ``index`` in the flattened weights (each layer row-major, n_in x n_out)."""
    offset = 0
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        if index < offset + n_in * n_out:
            source, target = divmod(index - offset, n_out)
            return layer, source, target
        offset += n_in * n_out
    raise IndexError(f"edge {index} does not exist in a {'-'.join(map(str, layer_sizes))} network ({offset} edges)")


def pixel_to_data(point: Sequence[float], bounds: tuple[float, float, float, float], panel: Rect) -> tuple[float, float] | None:
    """The data coordinates under a pixel of the field panel; None outside the panel.

    The inverse of ``transforms.data_to_pixels``: data x grows to the right, data y upwards.
    """
    px, py = float(point[0]), float(point[1])
    if not panel.contains(px, py):
        return None
    x, y = DataView(bounds, panel).to_data([[px, py]])[0]
    return float(x), float(y)
