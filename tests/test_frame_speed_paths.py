"""The frame's faster paths draw the same picture, on real pixels: edges that stop under their neurons'
discs, the neuron-field atlas at half the discs' pixels, and a field evaluated while the scene's Python
work runs, then shown in the same frame."""

from __future__ import annotations

import numpy as np
import pytest

import nnviz_gl as nv
from nnviz_gl.render.frame import FrameRenderer
from nnviz_gl.render.style import DEFAULT_STYLE as STYLE

from test_scene import make_renderer  # its four corner points: data bounds -2.5..2.5

SIZE = (1280, 720)


@pytest.fixture(autouse=True)
def _session_context_current(ctx):
    ctx.__enter__()


@pytest.fixture(scope="module")
def renderer(ctx):
    r = make_renderer(ctx, SIZE)
    yield r
    ctx.detect_framebuffer(0).use()
    r.release()


def wide_net(seed: int) -> nv.Snapshot:
    """A 2-6-5-1 network with weights of every size: thick and thin edges at every neuron."""
    rng = np.random.default_rng(seed)
    sizes = (2, 6, 5, 1)
    weights = [rng.normal(0.0, 1.5, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(0.0, 0.5, b) for b in sizes[1:]]
    return nv.Snapshot(weights=weights, biases=biases, activation="tanh", epoch=1)


def halves_net(sign: float, epoch: int) -> nv.Snapshot:
    """2-3-1 logistic: hidden neuron 0 is sigmoid(20·x1); the output follows it, so the field's left and
    right halves are the two classes, swapped with ``sign``."""
    w1 = np.array([[20.0 * sign, 0.0, 0.8], [0.0, 20.0 * sign, -0.5]])
    return nv.Snapshot(weights=[w1, np.array([[8.0], [0.0], [0.0]])], biases=[np.array([0.0, 0.0, 0.3]), np.array([-4.0])],
                       activation="logistic", epoch=epoch)


def frame(renderer: FrameRenderer, snapshot: nv.Snapshot) -> np.ndarray:
    renderer.draw(snapshot)
    return renderer.read_rgb().astype(np.int64)


def test_edges_that_stop_under_the_discs_draw_the_same_network(renderer):
    """Without learning marks (no dashes, whose ends may round either way) the frame is the one the
    full-length quads draw, to the rounding of a pixel or two's interpolation."""
    snap = wide_net(5)
    trimmed = frame(renderer, snap)
    edges = renderer.scene.network.edges
    radius = float(edges.program["u_disc_radius"].value)
    assert radius == pytest.approx(renderer.scene.geometry.neuron_radius) and radius > 5
    edges.program["u_disc_radius"] = 0.0  # the quads from centre to centre
    try:
        full = frame(renderer, snap)
    finally:
        edges.program["u_disc_radius"] = radius
    diff = np.abs(trimmed - full).max(axis=2)
    assert diff.max() <= 2, (diff.max(), np.argwhere(diff > 2)[:5])


def test_a_steep_neurons_edge_stays_sharp_in_its_disc(renderer):
    """sigmoid(20·x1) turns within about a pixel of the disc's centre line: from the half-resolution
    atlas, the pixels 2 px either side of it (pixel centres 1.5 to 2.5 px away) are already the map's ends
    (a tile of a fifth of the disc's pixels would blur one of them by 18 levels or more)."""
    img = frame(renderer, halves_net(1.0, 1))
    mid = np.array(STYLE.field_mid) * 255.0
    neg, pos = (mid + (np.array(c) * 255.0 - mid) * STYLE.field_strength for c in (STYLE.class0, STYLE.class1))
    (cx, cy) = renderer.scene.geometry.neurons[2]
    assert renderer.scene.neuron_fields.shown
    left, right = img[int(cy), int(np.floor(cx)) - 2], img[int(cy), int(np.floor(cx)) + 2]
    assert np.abs(left - neg).max() <= 12 and np.abs(right - pos).max() <= 12, (left, right, neg, pos)


def test_each_new_snapshots_field_is_in_its_own_frame(renderer):
    """The field is evaluated while the frame's text and edge styles are made, then waited for: every
    frame shows its own snapshot's field and neuron fields, never the one before."""
    panel = renderer.scene.field_panel.rect
    y = int(panel.y + panel.h * 0.5)
    x_left, x_right = int(panel.x + panel.w * 0.2), int(panel.x + panel.w * 0.8)
    palette = np.array([STYLE.class0, STYLE.class1]) * 255.0
    for epoch, sign in enumerate((1.0, -1.0, 1.0, -1.0, 1.0), start=1):
        img = frame(renderer, halves_net(sign, epoch))
        left, right = img[y, x_left], img[y, x_right]
        nearest = [int(np.argmin(np.abs(palette - px).sum(axis=1))) for px in (left, right)]
        assert nearest == ([0, 1] if sign > 0 else [1, 0]), (epoch, left, right)


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280), (641, 359)], ids=["landscape", "portrait", "odd"])
def test_the_background_rectangles_paint_every_pixel_no_panel_covers(ctx, size):
    """No clear: whatever the target held before (black, magenta), the frame is the same, so every pixel
    is painted, by the panels or the background's one draw."""
    r = make_renderer(ctx, size)
    try:
        frames = []
        for before in ((0.0, 0.0, 0.0, 0.0), (1.0, 0.0, 1.0, 1.0)):
            r.draw(wide_net(2))
            r.target.framebuffer.clear(*before)
            r.scene.render(r.target.framebuffer, r.size)
            frames.append(r.read_rgb())
        assert np.array_equal(frames[0], frames[1])
        field = r.scene.field_panel.opaque_box(size[1])
        assert field[2] * field[3] > 0.2 * size[0] * size[1], "the field panel's pixels get no background"
    finally:
        ctx.detect_framebuffer(0).use()
        r.release()
