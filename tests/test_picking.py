"""What is under the mouse: hit-testing against the drawn geometry (numpy only, no GL)."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz_gl.render.layout import network_geometry
from nnviz_gl.render.transforms import Rect, data_to_pixels
from nnviz_gl.render.picking import edge_address, nearest_edge, neuron_address, neuron_at, pixel_to_data
from nnviz_gl.snapshot import Architecture


def test_nearest_edge_picks_the_closest_segment_within_reach() -> None:
    ends = np.array([[0, 0, 100, 0], [0, 10, 100, 10], [0, 0, 0, 100]], np.float32)
    assert nearest_edge(ends, (50, 3), 4.0) == 0
    assert nearest_edge(ends, (50, 8), 4.0) == 1
    assert nearest_edge(ends, (2, 60), 4.0) == 2
    assert nearest_edge(ends, (50, 30), 4.0) is None  # too far from all
    assert nearest_edge(ends, (105, 0), 4.0) is None  # beyond the end point: distance to the end, not the line


def test_neuron_hit_and_its_address() -> None:
    geo = network_geometry(Architecture((2, 3, 1), "relu"), Rect(0, 0, 400, 300), 1.0)
    for i, centre in enumerate(geo.neurons):
        assert neuron_at(geo.neurons, geo.neuron_radius, centre + geo.neuron_radius * 0.5) == i
    assert neuron_at(geo.neurons, geo.neuron_radius, (-50, -50)) is None
    assert [neuron_address(geo.neuron_layer, i) for i in range(6)] == [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 0)]


def test_edge_address_follows_the_flattened_weights() -> None:
    sizes = (2, 3, 1)
    w0 = np.arange(6).reshape(2, 3)
    flat = np.concatenate([w0.reshape(-1), [6, 7, 8]])
    for index, value in enumerate(flat):
        layer, source, target = edge_address(sizes, index)
        assert (w0[source, target] if layer == 0 else 6 + source) == value
    with pytest.raises(IndexError, match="9 edges"):
        edge_address(sizes, 9)


def test_pixel_to_data_inverts_data_to_pixels() -> None:
    panel, bounds = Rect(100, 50, 400, 300), (-2.0, 3.0, -1.0, 4.0)
    points = np.array([[0.0, 0.0], [-1.5, 3.5], [2.9, -0.9]])
    for point, pixel in zip(points, data_to_pixels(points, bounds, panel)):
        assert pixel_to_data(pixel, bounds, panel) == pytest.approx(tuple(point))
    assert pixel_to_data((99, 60), bounds, panel) is None
