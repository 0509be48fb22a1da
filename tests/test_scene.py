"""Whole frames on real GL: hand-set networks land on the right side, edges and learning marks show,
a new snapshot is writes only, diverged models still draw. Pixels located through the scene's layout."""

from __future__ import annotations

import numpy as np
import pytest

import nnviz_gl as nv
from nnviz_gl.render.frame import FrameRenderer
from nnviz_gl.render.layout import edge_style
from nnviz_gl.render.transforms import data_to_pixels
from nnviz_gl.render.style import DEFAULT_STYLE as STYLE

SIZE = (640, 360)
# Four points in the corners fix the data bounds at -2.5..2.5 on both axes, out of the way of the probes.
CORNERS = np.array([[-2.0, -2.0], [2.0, 2.0], [-2.0, 2.0], [2.0, -2.0]])
CORNER_LABELS = np.array([0, 1, 0, 1])


@pytest.fixture(autouse=True)
def _session_context_current(ctx):
    """render_frame (README examples, the API tests) leaves its own context current on this thread."""
    ctx.__enter__()


def rgb255(color) -> np.ndarray:
    return np.array(color, np.float64) * 255.0


def field_colour(side) -> np.ndarray:
    """The composite shader's colour where the model is sure: the class colour at full strength."""
    mid = rgb255(STYLE.field_mid)
    return mid + (rgb255(side) - mid) * STYLE.field_strength


def linear(w1: float, w2: float, bias: float = 0.0, **kw) -> nv.Snapshot:
    """p = sigmoid(w1 * x1 + w2 * x2 + bias): no hidden layer, so the answer is known everywhere."""
    return nv.Snapshot(weights=[np.array([[w1], [w2]])], biases=[np.array([bias])], activation="tanh", **kw)


def hidden_net(seed: int = 0, epoch: int = 1, scale: float = 1.0) -> nv.Snapshot:
    rng = np.random.default_rng(seed)
    sizes = (2, 3, 2, 1)
    return nv.Snapshot(weights=[rng.normal(scale=scale, size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
                       biases=[rng.normal(size=b) for b in sizes[1:]], activation="tanh", epoch=epoch,
                       loss=0.5 / epoch)


def release(renderer: FrameRenderer) -> None:
    """Unbind the target before releasing it: binding a deleted framebuffer later is a GL error."""
    renderer.ctx.detect_framebuffer(0).use()
    renderer.release()


def make_renderer(ctx, size=SIZE, X=CORNERS, y=CORNER_LABELS) -> FrameRenderer:
    ctx.__enter__()  # module fixtures are made before the per-test one that makes ctx current
    r = FrameRenderer(size, ctx=ctx)
    r.set_data(X, y)
    return r


@pytest.fixture(scope="module")
def renderer(ctx):
    r = make_renderer(ctx)
    yield r
    release(r)


def draw(renderer: FrameRenderer, snapshot: nv.Snapshot, previous: nv.Snapshot | None = None):
    renderer.draw(snapshot, previous)
    frame = renderer.read_rgb()
    assert frame.shape == (renderer.size[1], renderer.size[0], 3) and frame.dtype == np.uint8
    return frame


def at_panel(frame: np.ndarray, panel, fx: float, fy: float) -> np.ndarray:
    """The pixel at a fraction of a panel, fx from its left, fy from its top."""
    return frame[int(panel.y + fy * panel.h), int(panel.x + fx * panel.w)].astype(np.float64)


def assert_colour(pixel: np.ndarray, want: np.ndarray, tol: float = 4.0, where: str = "") -> None:
    assert np.abs(pixel - want).max() <= tol, f"{where}: got {pixel}, expected about {np.round(want)}"


def test_p_of_x1_puts_class_1_on_the_right(renderer):
    frame = draw(renderer, linear(20.0, 0.0))
    panel = renderer.scene.layout.field
    for fy in (0.3, 0.5, 0.7):
        for fx in (0.15, 0.35):
            assert_colour(at_panel(frame, panel, fx, fy), field_colour(STYLE.class0), where=f"left {fx},{fy}")
        for fx in (0.65, 0.85):
            assert_colour(at_panel(frame, panel, fx, fy), field_colour(STYLE.class1), where=f"right {fx},{fy}")
        # The p = 0.5 line runs down the middle (x1 = 0): far darker than either side.
        row = int(panel.y + fy * panel.h)
        centre = int(panel.x + 0.5 * panel.w)
        darkest = frame[row, centre - 2: centre + 3].astype(float).sum(axis=1).min()
        sides = min(field_colour(STYLE.class0).sum(), field_colour(STYLE.class1).sum())
        assert darkest < 0.6 * sides, "no boundary line at x1 = 0"


def test_p_of_x2_puts_class_1_at_the_top(renderer):
    frame = draw(renderer, linear(0.0, 20.0))
    panel = renderer.scene.layout.field
    for fx in (0.3, 0.5, 0.7):
        assert_colour(at_panel(frame, panel, fx, 0.2), field_colour(STYLE.class1), where=f"top {fx}")
        assert_colour(at_panel(frame, panel, fx, 0.8), field_colour(STYLE.class0), where=f"bottom {fx}")


def test_a_shifted_boundary_lands_where_the_data_says(renderer):
    """p = sigmoid(20 (x1 - 1)): the boundary is at data x1 = 1, i.e. 70 % across -2.5..2.5."""
    frame = draw(renderer, linear(20.0, 0.0, bias=-20.0))
    panel = renderer.scene.layout.field
    assert_colour(at_panel(frame, panel, 0.6, 0.5), field_colour(STYLE.class0), where="left of x1=1")
    assert_colour(at_panel(frame, panel, 0.8, 0.5), field_colour(STYLE.class1), where="right of x1=1")
    row = frame[int(panel.y + 0.5 * panel.h), int(panel.x): int(panel.x + panel.w)].astype(float)
    darkest = np.argmin(row.sum(axis=1)) + 0.5
    assert darkest / panel.w == pytest.approx(0.7, abs=2.0 / panel.w)


def test_data_points_land_where_data_to_pixels_says(ctx):
    odd_point = np.array([[1.3, -0.9]])          # a class-0 (orange) point inside the class-1 (blue) side
    r = make_renderer(ctx, X=np.vstack([CORNERS, odd_point]), y=np.append(CORNER_LABELS, 0))
    try:
        frame = draw(r, linear(20.0, 0.0))
        lay, bounds = r.scene.layout, r.scene.bounds
        assert bounds == (-2.5, 2.5, -2.5, 2.5)
        px, py = data_to_pixels(odd_point, bounds, lay.field)[0]
        assert_colour(frame[int(py), int(px)].astype(float), rgb255(STYLE.class0), where="the point")
        # Its mirror images have no point: they show the field (y is not flipped, x is not flipped).
        for mirror in ([1.3, 0.9], [-1.3, -0.9]):
            mx, my = data_to_pixels(np.array([mirror]), bounds, lay.field)[0]
            side = STYLE.class1 if mirror[0] > 0 else STYLE.class0
            assert_colour(frame[int(my), int(mx)].astype(float), field_colour(side), where=f"mirror {mirror}")
        # Training points in the corners are drawn too, in their class colour.
        cx, cy = data_to_pixels(CORNERS[3:4], bounds, lay.field)[0]  # bottom right: the legend is top right
        assert_colour(frame[int(cy), int(cx)].astype(float), rgb255(STYLE.class1), where="corner point")
    finally:
        release(r)


def ink_near(frame: np.ndarray, centre, radius: float, background) -> int:
    """Pixels within ``radius`` of ``centre`` that are visibly not the panel background."""
    x, y = centre
    y0, y1 = int(y - radius), int(y + radius) + 1
    x0, x1 = int(x - radius), int(x + radius) + 1
    patch = frame[y0:y1, x0:x1].astype(float)
    yy, xx = np.mgrid[y0:y1, x0:x1] + 0.5
    near = (xx - x) ** 2 + (yy - y) ** 2 <= radius ** 2
    differs = np.abs(patch - rgb255(background)).sum(axis=2) > 30
    return int((differs & near).sum())


def test_edge_width_grows_with_weight(ctx):
    renderer = make_renderer(ctx, size=(1280, 720))
    try:
        counts = []
        for w in (0.05, 0.5, 2.0, 50.0):  # widths are relative to the layer's largest |w| (here 3 or w)
            frame = draw(renderer, linear(w, 3.0))
            ends = renderer.scene.geometry.edge_ends[0]
            mid = ((ends[0] + ends[2]) / 2, (ends[1] + ends[3]) / 2)
            counts.append(ink_near(frame, mid, 10.0, STYLE.panel))
        unit = renderer.scene.layout.unit
    finally:
        release(renderer)
    assert counts[0] > 0, "even a tiny weight draws a hairline"
    assert counts[0] < counts[1] < counts[2] <= counts[3], counts
    # Bounded: the widest line is no wider than max_edge_width (plus the 1 px anti-aliasing fringe each side).
    assert counts[3] <= 2 * 10.0 * (STYLE.max_edge_width * unit + 2) + 10, counts


def red_mask(frame: np.ndarray) -> np.ndarray:
    """Pixels within a few levels of the learning colour."""
    return np.abs(frame.astype(float) - rgb255(STYLE.learning)).max(axis=2) <= 6


def test_learning_edges_are_marked_in_red(renderer):
    before = hidden_net(seed=5, epoch=1)
    weights = [w.copy() for w in before.weights]
    weights[0][1, 2] = 3.0          # moves a lot: input 2 -> hidden neuron 3, drawn thick
    weights[0] += 0.01              # the rest of the layer barely moves
    after = nv.Snapshot(weights=weights, biases=before.biases, activation="tanh", epoch=2, loss=0.4)
    style = edge_style(after, before, 1.0, 9.0)
    assert style[1 * 3 + 2, 2] > 0 and (np.delete(style[:6, 2], 5) == 0).all()

    quiet = draw(renderer, after)
    key_bottom = int(np.ceil(renderer.scene.network.key.bottom))  # the key's own red sample lies above
    assert not red_mask(quiet)[key_bottom:].any(), "without a previous snapshot nothing is marked"

    frame = draw(renderer, after, previous=before)
    red = red_mask(frame)
    red[:key_bottom] = False
    assert red.any(), "the edge that changed most shows the learning colour"
    # Every red pixel lies on that edge's segment (within its half width and the fringe).
    p0, p1 = renderer.scene.geometry.edge_ends[1 * 3 + 2].reshape(2, 2).astype(float)
    ys, xs = np.nonzero(red)
    pts = np.column_stack([xs + 0.5, ys + 0.5])
    d = p1 - p0
    t = np.clip(((pts - p0) @ d) / (d @ d), 0, 1)
    dist = np.linalg.norm(pts - (p0 + t[:, None] * d), axis=1)
    assert dist.max() <= STYLE.max_edge_width * renderer.scene.layout.unit / 2 + 1.5
    # ... and it is dashed: red along the middle third, but not all of it.
    along = np.linspace(0.35, 0.65, 60)
    centre_line = p0 + along[:, None] * d
    on = red[centre_line[:, 1].astype(int), centre_line[:, 0].astype(int)]
    assert 0.2 < on.mean() < 0.95, on.mean()


def count_gl_objects(monkeypatch, ctx) -> dict[str, int]:
    calls = {}
    for name in ("program", "buffer", "texture", "framebuffer", "renderbuffer", "vertex_array",
                 "simple_vertex_array", "texture_array", "depth_texture", "depth_renderbuffer"):
        original = getattr(ctx, name)
        calls[name] = 0

        def counted(*args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(ctx, name, counted)
    return calls


def test_new_snapshots_are_writes_only(ctx, renderer, monkeypatch):
    first = hidden_net(seed=0, epoch=1)
    frames = [draw(renderer, first)]
    # The probe variant is compiled once, on first use; after that probing is writes only too.
    renderer.scene.set_probe((1, 0))
    renderer.scene.set_probe(None)
    compiles = renderer.scene.field.compiles
    calls = count_gl_objects(monkeypatch, ctx)
    previous = first
    for epoch in range(2, 14):
        snap = hidden_net(seed=epoch, epoch=epoch)
        frames.append(draw(renderer, snap, previous))
        previous = snap
    renderer.scene.set_probe((1, 0))
    frames.append(draw(renderer, previous))
    renderer.scene.set_probe(None)
    assert calls == dict.fromkeys(calls, 0), f"GL objects made while drawing new snapshots: {calls}"
    assert renderer.scene.field.compiles == compiles
    assert all(not np.array_equal(a, b) for a, b in zip(frames, frames[1:])), "every upload changes the frame"
    # A new architecture compiles the field shader once, and only that.
    draw(renderer, linear(1.0, 1.0))
    assert calls["program"] == 1 and renderer.scene.field.compiles == compiles + 1


def test_same_inputs_give_identical_frames(renderer):
    a = hidden_net(seed=1, epoch=3)
    b = hidden_net(seed=2, epoch=4)
    renderer.scene.set_history([a])  # the loss panel's history is an input too
    first = draw(renderer, b, a)
    draw(renderer, a)
    renderer.scene.set_history([a])
    again = draw(renderer, b, a)
    np.testing.assert_array_equal(first, again)


def test_row_zero_is_the_top_title_text_there(renderer):
    frame = draw(renderer, hidden_net(seed=3, epoch=7))
    title = renderer.scene.layout.title
    network = renderer.scene.layout.network
    text = np.abs(frame.astype(float) - rgb255(STYLE.text)).max(axis=2) <= 30
    text = text[:, : int(network.x + network.w)]   # left of the field panel (its points have white outlines)
    rows = int(title.y + title.h) + 1
    assert text[:rows].sum() > 20, "the title's text should be in the top rows"
    assert not text[-rows:].any(), "the bottom rows should hold no title text"


def check_diverged_frame(renderer, layer: int) -> None:
    snap = hidden_net(seed=4, epoch=9)
    weights = [w.copy() for w in snap.weights]
    weights[layer][0, 0] = np.nan
    bad = nv.Snapshot(weights=weights, biases=snap.biases, activation="tanh", epoch=9, loss=float("nan"))
    frame = draw(renderer, bad, previous=snap)
    assert frame.max() > 100, "not a black frame"
    lay = renderer.scene.layout
    field = frame[int(lay.field.y + 0.2 * lay.field.h): int(lay.field.y + 0.8 * lay.field.h),
                  int(lay.field.x + 0.2 * lay.field.w): int(lay.field.x + 0.8 * lay.field.w)].astype(float)
    grey = rgb255(STYLE.invalid)
    light = np.abs(field - grey).max(axis=2) <= 3
    dark = np.abs(field - 0.75 * grey).max(axis=2) <= 3
    assert (light | dark).all(), "the invalid field is the hatched grey, nothing else"
    assert 0.2 < light.mean() < 0.8, "hatched: both shades in stripes"
    titles = [item.text for item in renderer.scene.title.labels()]
    assert any("diverged" in t for t in titles), titles
    offset = sum(w.size for w in weights[:layer])
    assert edge_style(bad, snap, 1.0, 9.0)[offset, 2] == -1


def test_diverged_output_layer_draws_a_hatched_field(renderer):
    check_diverged_frame(renderer, layer=2)


def test_diverged_hidden_layer_draws_a_hatched_field(renderer):
    check_diverged_frame(renderer, layer=0)


def test_resize_leaves_no_gl_error(ctx):
    renderer = make_renderer(ctx)
    try:
        draw(renderer, linear(1.0, 0.0))
        renderer.resize((800, 600))
        first = ctx.error   # read once: reading clears it
        frame = draw(renderer, linear(1.0, 0.0))
        second = ctx.error
    finally:
        release(renderer)
    assert frame.shape == (600, 800, 3)
    assert (first, second) == ("GL_NO_ERROR", "GL_NO_ERROR")


def test_render_before_upload_is_an_error(ctx):
    from nnviz_gl.render.scene import Scene

    scene = Scene(ctx)
    with pytest.raises(RuntimeError, match="before any snapshot"):
        scene.render(ctx.screen or ctx.detect_framebuffer(), SIZE)


@pytest.mark.parametrize("size", [(640, 360), (500, 700)])
def test_background_shows_exactly_between_the_panels_and_nowhere_else(ctx, size):
    """The strips between panels are one instanced draw of rectangles in frame pixels (GL's boxes
    flipped): every pixel outside the padded panels has the background colour, and a panel's padding
    has the panel colour."""
    from nnviz_gl.render.layout import uncovered_boxes

    r = make_renderer(ctx, size=size)
    try:
        frame = draw(r, hidden_net(seed=4, epoch=2)).astype(np.float64)
        lay, (w, h) = r.scene.layout, size
        background = np.zeros((h, w), bool)
        pad = int(round(6 * lay.unit))
        panels = [rect.padded(6 * lay.unit).gl_viewport(h) for rect in (lay.network, lay.loss, lay.field)]
        for x, y, bw, bh in uncovered_boxes(size, panels):
            background[h - y - bh: h - y, x: x + bw] = True   # GL box -> rows from the top
        title = lay.title
        text_rows = slice(int(title.y), int(title.y + title.h) + 1)
        outside = background.copy()
        outside[text_rows] = False                              # the title's text is drawn over it
        assert outside.any()
        assert np.abs(frame[outside] - rgb255(STYLE.background)).max() <= 1
        x0, y0, _, _ = panels[0]
        corner = frame[h - y0 - 1 - 1, x0 + 1]                  # inside the network panel's padding
        assert_colour(corner, rgb255(STYLE.panel), tol=1, where="network panel padding")
    finally:
        release(r)
