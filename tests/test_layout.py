"""Layout in numpy only: panels for any aspect ratio, neuron and edge geometry, edge widths and learning."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import nnviz_gl as nv
from nnviz_gl.render.layout import edge_style, frame_layout, network_geometry, uncovered_boxes
from nnviz_gl.render.transforms import DataView, Rect, data_bounds, data_to_pixels

SIZES = [(1920, 1080), (3840, 2160), (854, 480), (720, 1280), (1080, 1920), (800, 800), (321, 177),
         (1280, 1024), (2560, 1080), (64, 64)]


def overlap(a: Rect, b: Rect) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def inside(r: Rect, size: tuple[int, int]) -> bool:
    return r.x >= 0 and r.y >= 0 and r.x + r.w <= size[0] + 1e-6 and r.y + r.h <= size[1] + 1e-6


def snapshot(sizes=(2, 3, 1), seed=0, scale=1.0, activation="tanh") -> nv.Snapshot:
    rng = np.random.default_rng(seed)
    return nv.Snapshot(
        weights=[rng.normal(scale=scale, size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
        biases=[rng.normal(size=b) for b in sizes[1:]],
        activation=activation,
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_panels_fit_the_frame_without_overlap(size):
    lay = frame_layout(size)
    panels = {"title": lay.title, "network": lay.network, "field": lay.field}
    for name, rect in panels.items():
        assert rect.w > 0 and rect.h > 0, f"{name} is empty at {size}: {rect}"
        assert inside(rect, size), f"{name} leaves the {size} frame: {rect}"
    for (na, a), (nb, b) in itertools.combinations(panels.items(), 2):
        assert not overlap(a, b), f"{na} and {nb} overlap at {size}: {a} {b}"
    assert lay.field.w == pytest.approx(lay.field.h), "the field panel is square: data units are equal on x and y"
    # The title is above both panels.
    assert lay.title.y + lay.title.h <= min(lay.network.y, lay.field.y)


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160), (854, 480), (2560, 1080)])
def test_wide_frames_put_the_field_beside_the_network(size):
    lay = frame_layout(size)
    assert lay.network.x + lay.network.w <= lay.field.x
    assert lay.field.h > 0.6 * size[1]


@pytest.mark.parametrize("size", [(720, 1280), (1080, 1920), (800, 800)])
def test_tall_and_square_frames_stack_the_field_below(size):
    lay = frame_layout(size)
    assert lay.network.y + lay.network.h <= lay.field.y
    assert lay.field.w > 0.5 * size[0]


def test_text_scales_with_the_frame_and_stays_legible():
    sizes = {name: frame_layout(s) for name, s in (("480p", (854, 480)), ("1080p", (1920, 1080)),
                                                    ("4k", (3840, 2160)), ("portrait", (1080, 1920)))}
    assert sizes["1080p"].unit == pytest.approx(1.0)
    assert sizes["4k"].title_px == pytest.approx(2 * sizes["1080p"].title_px)
    assert sizes["portrait"].unit == pytest.approx(1.0)
    assert sizes["480p"].label_px >= 10, "labels at 480p must stay readable"
    assert sizes["480p"].title_px < sizes["1080p"].title_px < sizes["4k"].title_px


def test_gl_viewport_flips_to_bottom_left_origin():
    r = Rect(10.0, 20.0, 30.0, 40.0)
    assert r.gl_viewport(100) == (10, 40, 30, 40)
    assert r.contains(10, 20) and not r.contains(40, 20) and not r.contains(10, 60)


def test_network_geometry_orders_layers_and_edges_row_major():
    sizes = (2, 5, 3, 1)
    arch = snapshot(sizes).architecture
    panel = Rect(30.0, 100.0, 900.0, 700.0)
    geo = network_geometry(arch, panel, unit=1.0)
    assert geo.neurons.shape == (sum(sizes), 2)
    assert len(geo.edge_ends) == arch.n_edges == len(geo.edge_layer)
    r = geo.neuron_radius
    assert (geo.neurons[:, 0] - r >= panel.x).all() and (geo.neurons[:, 0] + r <= panel.x + panel.w).all()
    assert (geo.neurons[:, 1] - r >= panel.y).all() and (geo.neurons[:, 1] + r <= panel.y + panel.h).all()
    xs = [geo.neurons[geo.neuron_layer == k, 0] for k in range(len(sizes))]
    assert all(np.ptp(x) == 0 for x in xs) and np.all(np.diff([x[0] for x in xs]) > 0)
    # Edge k of layer 1 (5 -> 3) joins neuron k // 3 of layer 1 to neuron k % 3 of layer 2.
    first = geo.edge_layer == 1
    ends = geo.edge_ends[first]
    layer1, layer2 = geo.neurons[geo.neuron_layer == 1], geo.neurons[geo.neuron_layer == 2]
    for k in range(5 * 3):
        np.testing.assert_array_equal(ends[k, :2], layer1[k // 3])
        np.testing.assert_array_equal(ends[k, 2:], layer2[k % 3])
    # Neurons of one layer never touch.
    ys = np.sort(geo.neurons[geo.neuron_layer == 1, 1])
    assert (np.diff(ys) > 2 * r).all()


def test_edge_width_grows_with_weight_and_is_bounded():
    weights = np.array([[0.0, 0.05, 0.3, -0.3, 1.0, 3.0, 30.0, 1e6]])
    snap = nv.Snapshot(weights=[np.vstack([weights, np.zeros_like(weights)]), np.zeros((8, 1))],  # 1 output
                       biases=[np.zeros(8), np.zeros(1)])
    unit, max_px = 1.5, 12.0
    style = edge_style(snap, None, unit, max_px)
    width, strength = style[:8, 0], style[:8, 1]
    order = np.argsort(np.abs(weights[0]), kind="stable")
    assert (np.diff(width[order]) >= 0).all()
    assert width[2] == pytest.approx(width[3]), "width follows |w|, not w"
    assert np.sign(strength[3]) == -1 and np.sign(strength[2]) == 1
    assert width.max() <= max_px + 1e-6, "one huge weight must not flood the panel"
    assert width[7] == pytest.approx(max_px, rel=1e-3)
    assert width[0] == pytest.approx(0.6 * unit)
    assert width[5] > width[4] > width[2] > width[1] > width[0]
    assert (np.abs(strength) <= 1).all()


def test_learning_marks_the_layers_biggest_movers_only_with_a_previous_snapshot():
    before = snapshot((2, 4, 3, 1), seed=1)
    weights = [w.copy() for w in before.weights]
    weights[0][1, 2] += 0.5          # the big mover of layer 0
    weights[0] += 0.001              # everything else in layer 0 moves a little
    weights[1][3, 0] += 1e-4         # layer 1 moves very little, but this edge most of all
    after = nv.Snapshot(weights=weights, biases=before.biases, activation=before.activation)
    assert (edge_style(after, None, 1.0, 9.0)[:, 2] == 0).all()
    learning = edge_style(after, before, 1.0, 9.0)[:, 2]
    layer0, layer1, layer2 = learning[:8], learning[8:20], learning[20:]
    assert layer0[1 * 4 + 2] == pytest.approx(1.0)
    assert (np.delete(layer0, 1 * 4 + 2) == 0).all()
    assert layer1[3 * 3 + 0] > 0, "learning is relative to the layer's own changes"
    assert (np.delete(layer1, 3 * 3 + 0) == 0).all()
    assert (layer2 == 0).all(), "a layer that did not move marks nothing"
    assert ((0 <= learning) & (learning <= 1)).all()
    # A different architecture has no comparable previous: nothing is marked.
    other = snapshot((2, 3, 1), seed=2)
    assert (edge_style(after, other, 1.0, 9.0)[:, 2] == 0).all()


def test_non_finite_weights_are_marked_and_do_not_poison_the_rest():
    snap = snapshot((2, 3, 1), seed=4)
    weights = [w.copy() for w in snap.weights]
    weights[0][0, 1] = np.nan
    weights[1][2, 0] = np.inf
    bad = nv.Snapshot(weights=weights, biases=snap.biases, activation=snap.activation)
    style = edge_style(bad, snap, 1.0, 9.0)
    assert np.isfinite(style).all()
    assert style[1, 2] == -1 and style[6 + 2, 2] == -1
    others = np.delete(np.arange(len(style)), [1, 8])
    assert (style[others, 2] >= 0).all()
    # Widths scale per layer by a quantile of its finite |w|: the others keep their signs and their order.
    clean = edge_style(snap, None, 1.0, 9.0)
    np.testing.assert_array_equal(np.sign(style[others, 1]), np.sign(clean[others, 1]))
    for layer in (np.arange(6), np.arange(6, 9)):
        kept = np.intersect1d(layer, others)
        w = np.abs(np.concatenate([m.reshape(-1) for m in snap.weights]))[kept]
        assert (np.diff(style[kept, 0][np.argsort(w)]) >= 0).all()
        assert style[kept, 0].max() == pytest.approx(9.0)


def test_a_weight_jumping_across_the_float_range_is_no_warning_and_no_mark():
    snap = snapshot((2, 3, 1), seed=4)
    before, after = [w.copy() for w in snap.weights], [w.copy() for w in snap.weights]
    before[0][0, 0], after[0][0, 0] = -1e308, 1e308  # the change overflows to inf
    previous = nv.Snapshot(weights=before, biases=snap.biases, activation=snap.activation)
    jumped = nv.Snapshot(weights=after, biases=snap.biases, activation=snap.activation)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        style = edge_style(jumped, previous, 1.0, 9.0)
    assert np.isfinite(style).all() and style[0, 2] == 0.0


def test_data_to_pixels_x_right_y_up():
    panel = Rect(100.0, 50.0, 200.0, 400.0)
    bounds = (-1.0, 3.0, 10.0, 20.0)
    pts = np.array([[-1.0, 10.0], [3.0, 20.0], [1.0, 15.0], [3.0, 10.0]])
    np.testing.assert_allclose(data_to_pixels(pts, bounds, panel),
                               [[100, 450], [300, 50], [200, 250], [300, 450]])


def test_a_data_view_maps_pixels_back_to_the_data_they_show():
    view = DataView((-2.0, 6.0, 1.0, 3.0), Rect(10.0, 20.0, 160.0, 40.0))
    np.testing.assert_allclose(view.to_data([[10.0, 20.0], [170.0, 60.0], [90.0, 40.0]]),
                               [[-2.0, 3.0], [6.0, 1.0], [2.0, 2.0]])
    pts = np.random.default_rng(0).uniform(-2, 6, size=(50, 2))
    np.testing.assert_allclose(view.to_data(view.to_pixels(pts)), pts, atol=1e-12)


def test_data_bounds_pad_and_skip_missing_or_non_finite():
    X = np.array([[0.0, 1.0], [2.0, -1.0], [np.nan, 50.0]])
    X_test = np.array([[-3.0, 0.0]])
    assert data_bounds(X, X_test) == (-3.5, 2.5, -1.5, 1.5)
    assert data_bounds(X, None, pad=0.0) == (0.0, 2.0, -1.0, 1.0)


@pytest.mark.parametrize("size", [(1920, 1080), (854, 480), (720, 1280), (640, 640), (3840, 2160)])
def test_background_boxes_tile_exactly_what_the_panels_leave(size):
    w, h = size
    lay = frame_layout(size)
    panels = [rect.gl_viewport(h) for rect in (lay.network, lay.field)]
    panels = [(x - 6, y - 6, bw + 12, bh + 12) for x, y, bw, bh in panels]
    covered = np.zeros((h, w), int)
    for x, y, bw, bh in panels:
        covered[max(0, y):y + bh, max(0, x):x + bw] = 1
    painted = np.zeros((h, w), int)
    for x, y, bw, bh in uncovered_boxes(size, panels):
        assert bw > 0 and bh > 0
        painted[y:y + bh, x:x + bw] += 1
    np.testing.assert_array_equal(painted, 1 - covered)  # every background pixel once, no panel pixel


def test_background_boxes_of_panels_outside_the_frame_are_clipped():
    assert uncovered_boxes((100, 50), [(-10, -10, 200, 100)]) == []
    assert uncovered_boxes((100, 50), []) == [(0, 0, 100, 50)]
    assert sorted(uncovered_boxes((100, 50), [(0, 0, 60, 50)])) == [(60, 0, 40, 50)]
