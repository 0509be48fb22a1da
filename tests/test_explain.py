"""A frame that explains itself: colours that do not collide, edge widths that tell trained weights
apart, test points that stay visible on their own class, text that can be read at 640x360, a legend
that says what the marks mean, and nothing drawn over anything else."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from test_palette import VISION, seen

import nnviz_gl as nv
from nnviz_gl.features import FEATURES as ALL_FEATURES
from nnviz_gl.render.layout import edge_style
from nnviz_gl.render.style import DEFAULT_STYLE as STYLE

SIGN_MIN_DELTA_E = 20.0  # an edge's sign colour against any class colour, in any simulated vision


@pytest.fixture(scope="module")
def trained_16_16():
    """A 2-16-16-1 trained on moons until its weights have all grown (the 'wall of thick lines' case)."""
    from sklearn.datasets import make_moons
    from sklearn.neural_network import MLPClassifier

    X, y = make_moons(300, noise=0.15, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier((16, 16), max_iter=2000, random_state=0, learning_rate_init=0.01).fit(X, y)
    return nv.Snapshot.from_sklearn(model), X, y


@pytest.mark.parametrize("vision", list(VISION))
def test_the_sign_colours_are_no_class_colour(vision):
    """Edges (and neurons' bias fill) use a sign pair that no class colour resembles, and that differ
    from each other."""
    signs = seen([STYLE.positive, STYLE.negative], vision)
    classes = seen(list(STYLE.palette), vision)
    close = [(s, j, round(float(np.linalg.norm(signs[i] - classes[j])), 1))
             for (i, s), j in itertools.product(enumerate(("positive", "negative")), range(len(classes)))
             if np.linalg.norm(signs[i] - classes[j]) < SIGN_MIN_DELTA_E]
    assert close == [], f"under {vision} these sign colours look like class colours: {close}"
    assert np.linalg.norm(signs[0] - signs[1]) > 2 * SIGN_MIN_DELTA_E


def width_spread(widths: np.ndarray) -> float:
    return float(np.percentile(widths, 90) / np.percentile(widths, 10))


def test_a_trained_networks_edges_are_not_a_wall_of_equal_widths(trained_16_16):
    """Trained, most |w| exceed 1 and a saturating width made them all equally thick; per layer, the
    widths still span most of the range, in each layer."""
    snap, _, _ = trained_16_16
    unit, max_px = 1.0, STYLE.max_edge_width
    widths = edge_style(snap, None, unit, max_px)[:, 0]
    layer_of = np.concatenate([np.full(w.size, i) for i, w in enumerate(snap.weights)])
    assert width_spread(widths) > 4.0
    for layer in range(len(snap.weights)):
        assert width_spread(widths[layer_of == layer]) > 2.5, f"layer {layer}"
    assert widths.max() == pytest.approx(max_px, rel=1e-4)


# -- test points ------------------------------------------------------------------------------------
def linear(w1: float, bias: float = 0.0) -> nv.Snapshot:
    """p = sigmoid(w1 * x1 + bias): class 0 (orange) left, class 1 (blue) right."""
    return nv.Snapshot(weights=[np.array([[w1], [0.0]])], biases=[np.array([bias])], activation="tanh")


def rendered(ctx, size, snapshot, X, y, X_test=None, y_test=None):
    from nnviz_gl.render.frame import FrameRenderer

    ctx.__enter__()
    renderer = FrameRenderer(size, ctx=ctx)
    renderer.set_data(X, y, X_test, y_test)
    renderer.draw(snapshot)
    return renderer, renderer.read_rgb()


def release(renderer) -> None:
    renderer.ctx.detect_framebuffer(0).use()
    renderer.release()


def disc_contrast(rgb: np.ndarray, centre, fill: float, rim: float) -> tuple[float, np.ndarray]:
    """(share of 48 points around the disc's edge, at the middle of its rim, that differ clearly from the
    field around it; the disc's centre colour). The field around: the median of a ring 2 to 3 radii out,
    where no other point lies."""
    x, y = centre
    outer = fill + rim
    reach = int(3.2 * outer) + 2
    patch = rgb[int(y) - reach:int(y) + reach + 1, int(x) - reach:int(x) + reach + 1].astype(float)
    yy, xx = np.mgrid[int(y) - reach:int(y) + reach + 1, int(x) - reach:int(x) + reach + 1] + 0.5
    dist = np.hypot(xx - x, yy - y)
    around = np.median(patch[(dist > 2.0 * outer) & (dist < 3.0 * outer)], axis=0)
    angles = np.linspace(0.0, 2 * np.pi, 48, endpoint=False)
    edge = fill + 0.5 * rim
    rim_px = rgb[(y + edge * np.sin(angles)).astype(int), (x + edge * np.cos(angles)).astype(int)].astype(float)
    differs = np.abs(rim_px - around).sum(axis=1) >= 60  # of 765: clearly another colour
    return float(differs.mean()), rgb[int(y), int(x)].astype(float)


@pytest.mark.parametrize("size", [(640, 360), (1920, 1080)])
def test_test_points_stand_out_on_their_own_class_and_on_the_pale_middle(ctx, size):
    """An orange test point on the saturated orange side, a blue one on the blue side, each on the pale
    middle, and a blue one on orange: each disc's edge differs clearly from the field around it all the way
    round, and the blue one on orange has a centre nearer blue than grey (it does not read as a third class)."""
    from nnviz_gl.render.network_key import POINT_RADIUS
    from nnviz_gl.render.transforms import data_to_pixels

    X = np.array([[-3.0, -3.0], [3.0, 3.0]])  # training points out of the way, in the corners
    y = np.array([0, 1])
    saturated = linear(20.0)
    X_test = np.array([[-1.5, 1.0], [1.5, 1.0], [-1.5, -1.0]])
    y_test = np.array([0, 1, 1])
    renderer, rgb = rendered(ctx, size, saturated, X, y, X_test, y_test)
    try:
        lay, bounds = renderer.scene.layout, renderer.scene.bounds
        fill, rim = max(2.5, POINT_RADIUS * lay.unit), max(1.0, 1.4 * lay.unit)  # a test point's rim: outside
        centres = data_to_pixels(X_test, bounds, lay.field)
        shares = [disc_contrast(rgb, c, fill, rim) for c in centres]
    finally:
        release(renderer)
    pale = linear(0.4)  # p within 0.5 +- 0.15 across the middle: the field's pale colours
    X_mid = np.array([[-0.8, 1.0], [0.8, -1.0]])
    renderer, rgb = rendered(ctx, size, pale, X, y, X_mid, np.array([0, 1]))
    try:
        lay = renderer.scene.layout
        shares += [disc_contrast(rgb, c, fill, rim) for c in data_to_pixels(X_mid, renderer.scene.bounds, lay.field)]
    finally:
        release(renderer)
    where = ["orange on orange", "blue on blue", "blue on orange", "orange on pale", "blue on pale"]
    weak = [(w, round(share, 2)) for w, (share, _) in zip(where, shares) if share < 0.9]
    assert weak == [], f"test points that vanish into the field: {weak}"
    blue_on_orange = shares[2][1]
    grey = np.full(3, blue_on_orange.mean())
    blue = np.array(STYLE.class1) * 255
    assert np.abs(blue_on_orange - blue).sum() < np.abs(blue_on_orange - grey).sum()


# -- text size ----------------------------------------------------------------------------------------
def ink_rows(rgb: np.ndarray, left: float, top: float, right: float, bottom: float, background) -> int:
    """Rows of the box from the first to the last that holds a pixel clearly not ``background``."""
    box = rgb[int(top):int(np.ceil(bottom)), int(left):int(np.ceil(right))].astype(float)
    inked = np.flatnonzero((np.abs(box - np.array(background) * 255).sum(axis=2) > 120).any(axis=1))
    return 0 if inked.size == 0 else int(inked[-1] - inked[0] + 1)


def test_the_architecture_caption_and_title_are_legible_at_640x360(ctx):
    """The caption '2-3-1 · tanh' (digits: cap height) read back from its rows: at least 7 px tall (it was 5),
    the title's 'Epoch' at least 10 px; at 1080 lines both keep their proportions (3x the 360 size or more
    would be wrong: they scale with the frame from about 800 lines up)."""
    snap = nv.Snapshot(weights=[np.ones((2, 3)), np.ones((3, 1))], biases=[np.zeros(3), np.zeros(1)],
                       activation="tanh", epoch=7, loss=0.5, accuracy=0.9)
    X, y = np.array([[-1.0, -1.0], [1.0, 1.0]]), np.array([0, 1])
    heights = {}
    for size in ((640, 360), (1920, 1080)):
        renderer, rgb = rendered(ctx, size, snap, X, y)
        try:
            lay = renderer.scene.layout
            net, t, u = lay.network, lay.title, lay.unit
            caption = ink_rows(rgb, net.x + 10 * u, net.y + 6 * u, net.x + 10 * u + 3 * lay.label_px,
                               net.y + 8 * u + 1.4 * lay.label_px, STYLE.panel)
            title = ink_rows(rgb, t.x, t.y, t.x + 2.5 * lay.title_px, t.y + t.h, STYLE.background)
            heights[size] = (caption, title)
        finally:
            release(renderer)
    caption, title = heights[(640, 360)]
    assert caption >= 7, f"the caption's digits are {caption} px tall at 640x360"
    assert title >= 10, f"the title's capitals are {title} px tall at 640x360"
    big_caption, big_title = heights[(1920, 1080)]
    assert 1.8 * caption <= big_caption <= 3.3 * caption and big_title > title


# -- the key to the marks ------------------------------------------------------------------------------
def random_net(sizes, seed=0, activation="tanh", **kw) -> nv.Snapshot:
    rng = np.random.default_rng(seed)
    return nv.Snapshot(weights=[rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
                       biases=[rng.normal(size=b) for b in sizes[1:]], activation=activation, **kw)


def key_boxes(scene) -> list[tuple[float, float, float, float]]:
    """(x0, y0, x1, y1) of every part of the network key: its marks and its text."""
    key, measure = scene.network.key, scene.text.atlas.measure
    boxes = [(r[0], r[1], r[0] + r[2], r[1] + r[3]) for r in key.rects]
    for item in key.text:
        w = measure(item.text, item.size_px)[0]
        boxes.append((item.x, item.y - 0.6 * item.size_px, item.x + w, item.y + 0.6 * item.size_px))
    return boxes


@pytest.mark.parametrize("size, sizes", [
    *(((640, 360), s) for s in ((2, 16, 16, 1), (7, 8, 8, 4), (2, 3, 1))),
    ((854, 480), (2, 16, 16, 1)), ((1920, 1080), (7, 8, 8, 4)), ((720, 1280), (2, 16, 16, 1)),
    ((1080, 1920), (7, 8, 8, 4)), ((3840, 2160), (2, 16, 16, 1))])
def test_the_key_sits_in_the_network_panel_above_every_neuron(ctx, size, sizes):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20, 2))
    y = rng.integers(0, 2, 20)
    if sizes[-1] > 1:  # a multiclass model reading all seven engineered features
        snap = random_net(sizes, features=tuple(ALL_FEATURES), output_activation="softmax")
        y = rng.integers(0, sizes[-1], 20)
    else:
        snap = random_net(sizes)
    renderer, rgb = rendered(ctx, size, snap, X, y)
    try:
        scene = renderer.scene
        geo, net = scene.geometry, scene.layout.network
        top_of_neurons = float((geo.neurons[:, 1] - geo.neuron_radius).min())
        assert scene.network.key.bottom <= top_of_neurons
        for x0, y0, x1, y1 in key_boxes(scene):
            assert net.x <= x0 and x1 <= net.x + net.w + 1 and net.y <= y0 and y1 <= top_of_neurons, (x0, y0, x1, y1)
        # Drawn as said: the sign samples in the edges' colours, the learning sample in red.
        key = scene.network.key
        for row in key.rects:
            x, yy, w, h = row[:4]
            if w >= 3 and h >= 2 and tuple(np.round(row[4:7], 4)) in {
                    tuple(np.round(c, 4)) for c in (STYLE.positive, STYLE.negative, STYLE.learning)}:
                pixel = rgb[int(yy + h / 2), int(x + w / 2)].astype(float)
                expected = (np.array(row[4:7]) * row[7] + np.array(STYLE.panel) * (1 - row[7])) * 255
                assert np.abs(pixel - expected).max() <= 3, (row, pixel)
    finally:
        release(renderer)


# -- one's own title ------------------------------------------------------------------------------------
def title_ink_right(rgb: np.ndarray, lay) -> int:
    """The rightmost column of the title's left text: ink in the title bar's left half."""
    t = lay.title
    band = rgb[int(t.y):int(t.y + t.h), int(t.x):int(t.x + t.w * 0.5)].astype(float)
    inked = np.flatnonzero((np.abs(band - np.array(STYLE.background) * 255).sum(axis=2) > 200).any(axis=0))
    return int(t.x + inked.max()) if inked.size else 0


def test_render_frame_and_the_cli_put_ones_own_title_before_the_epoch(ctx, tmp_path):
    """render_frame(title=) and `nnviz-gl render --title` (a real process, its mp4 decoded): the title's left
    text reaches as far as "TEXT · epoch N" does, where "Epoch N" is far shorter."""
    import subprocess
    import sys
    from pathlib import Path

    from nnviz_gl.render.glyph_atlas import build_glyph_atlas
    from nnviz_gl.render.layout import frame_layout
    from nnviz_gl.render.panels import title_text
    from nnviz_gl.sinks.probe import read_frames

    size, title = (640, 360), "moons, 5-10-5, tanh"
    lay = frame_layout(size)
    measure = build_glyph_atlas(64).measure
    plain_w = measure("Epoch 2", lay.title_px)[0]
    titled_w = measure(title_text(title, 2), lay.title_px)[0]
    assert title_text(title, 2) == "moons, 5-10-5, tanh · epoch 2" and titled_w > plain_w + 60
    snap = linear(3.0)
    X, y = np.array([[-1.0, 0.0], [1.0, 0.0]]), np.array([0, 1])
    plain, titled = (nv.render_frame(snap, X, y, size=size, title=t) for t in (None, title))
    assert title_ink_right(plain, lay) < lay.title.x + plain_w + 3
    assert title_ink_right(titled, lay) > lay.title.x + titled_w - 6

    out = tmp_path / "titled.mp4"
    script = Path(sys.executable).with_name("nnviz-gl")
    done = subprocess.run([str(script), "render", "-o", str(out), "-r", "640,360", "--epochs", "2", "--no-progress",
                           "--title", title], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    frames = read_frames(out)
    epoch_w = measure(title_text(title, 1), lay.title_px)[0]
    assert title_ink_right(frames[0], lay) > lay.title.x + epoch_w - 6
