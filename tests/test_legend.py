"""What the frame says about each problem kind, read back from real pixels: the legend's swatches and
names (classifiers), its colour bar (regression), the title's metrics per problem, the network's
input and output names."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from truth_helpers import invert_colours

import nnviz_gl as nv
from nnviz_gl.render.frame import FrameRenderer
from nnviz_gl.render.style import DEFAULT_STYLE as STYLE
from nnviz_gl.render.style import diverging_colors

SIZES = [(640, 360), (1920, 1080)]
NAMES = np.array(["ant", "bee", "cat", "dog"])


@pytest.fixture(autouse=True)
def _session_context_current(ctx):
    ctx.__enter__()


@pytest.fixture(scope="module")
def blobs():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(160, centers=4, random_state=0)
    return (X - X.mean(0)) / X.std(0), y


@pytest.fixture(scope="module")
def multiclass(blobs):
    from sklearn.neural_network import MLPClassifier

    X, y = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier((8,), max_iter=300, random_state=0).fit(X, NAMES[y])
    return nv.Snapshot.from_sklearn(model), X, NAMES[y]


@pytest.fixture(scope="module")
def regression(blobs):
    from sklearn.neural_network import MLPRegressor

    X, _ = blobs
    target = 3.0 * np.sin(X[:, 0]) + X[:, 1] + 10.0  # a range away from 0: the bar's labels are the data's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPRegressor(hidden_layer_sizes=(8,), max_iter=400, random_state=0).fit(X, target)
    snap = dataclasses.replace(nv.Snapshot.from_sklearn(model), r2=0.5, test_r2=0.25, loss=0.1)
    return snap, X, target


def rendered(ctx, size, snapshot, X, y):
    ctx.__enter__()
    renderer = FrameRenderer(size, ctx=ctx)
    renderer.set_data(X, y)
    renderer.draw(snapshot)
    return renderer, renderer.read_rgb()


def release(renderer) -> None:
    renderer.ctx.detect_framebuffer(0).use()
    renderer.release()


def text_pixels(rgb: np.ndarray, left: float, top: float, right: float, bottom: float) -> int:
    """Pixels in the box as bright as the legend's text (its backing and the swatches are darker or coloured)."""
    box = rgb[int(top):int(np.ceil(bottom)), int(left):int(np.ceil(right))].astype(int)
    return int(np.sum(box.min(axis=-1) >= 110))


@pytest.mark.parametrize("size", SIZES)
def test_a_classifiers_legend_shows_each_class_colour_and_name(ctx, multiclass, size):
    snap, X, y = multiclass
    renderer, rgb = rendered(ctx, size, snap, X, y)
    try:
        scene = renderer.scene
        geo = scene.legend.geometry
        assert geo is not None and len(geo.swatches) == 4
        field = scene.layout.field
        box = geo.box
        assert field.x <= box.x and box.x + box.w <= field.x + field.w and field.y <= box.y
        assert box.w * box.h <= 0.08 * field.w * field.h, "the legend covers too much of the field"
        for j, (swatch, item) in enumerate(zip(geo.swatches, geo.text)):
            inner = rgb[int(swatch.y) + 1:int(swatch.y + swatch.h) - 1, int(swatch.x) + 1:int(swatch.x + swatch.w) - 1]
            assert inner.size, "a swatch too small to read back"
            expected = np.array(STYLE.palette[j]) * 255.0
            assert np.abs(inner.reshape(-1, 3) - expected).max() <= 2.0, f"class {j}'s swatch is not its colour"
            assert item.text == NAMES[j]
            row_top, row_bottom = swatch.y - 2, swatch.y + swatch.h + 2
            assert text_pixels(rgb, swatch.x + swatch.w + 1, row_top, box.x + box.w, row_bottom) >= 3 * size[1] / 360, \
                f"no text drawn for {NAMES[j]!r}"
    finally:
        release(renderer)


def test_a_binary_legend_says_which_colour_is_which_label(ctx):
    """A classifier fitted on {1, 2}: its first colour is labelled class 1, its second class 2 (the field's
    class0, class1); a model without labels says class 0 and class 1, as one fitted on {0, 1} does."""
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = np.where(X[:, 0] > 0, 2, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snap = nv.Snapshot.from_sklearn(MLPClassifier((4,), max_iter=200, random_state=0).fit(X, y))
    renderer, rgb = rendered(ctx, (640, 360), snap, X, y)
    try:
        geo = renderer.scene.legend.geometry
        assert [item.text for item in geo.text] == ["class 1", "class 2"]
        for swatch, colour in zip(geo.swatches, (STYLE.class0, STYLE.class1)):
            centre = rgb[int(swatch.y + swatch.h / 2), int(swatch.x + swatch.w / 2)]
            assert np.abs(centre - np.array(colour) * 255.0).max() <= 2.0
        renderer.set_data(X, y - 1)
        renderer.draw(dataclasses.replace(snap, classes=None))
        assert [item.text for item in renderer.scene.legend.geometry.text] == ["class 0", "class 1"]
    finally:
        release(renderer)


@pytest.mark.parametrize("size", SIZES)
def test_a_regressions_colour_bar_is_the_fields_map_from_its_lowest_to_its_highest_target(ctx, regression, size):
    snap, X, target = regression
    renderer, rgb = rendered(ctx, size, snap, X, target)
    try:
        scene = renderer.scene
        bar = scene.legend.geometry.bar
        assert bar is not None and scene.legend.geometry.swatches == ()
        row = rgb[int(bar.y + bar.h / 2), int(bar.x):int(bar.x + bar.w)].astype(float)
        n = len(row)
        expected = diverging_colors(-1.0 + 2.0 * (np.arange(n) + 0.5) / n) * 255.0
        assert np.abs(row - expected).max() <= 2.0, "the bar is not the field's map"
        t, residual = invert_colours(row)
        assert residual.max() <= 3.0
        assert np.all(np.diff(t) >= -1e-3), "the bar's colours do not run monotonically along the map"
        assert t[0] <= -0.95 and t[-1] >= 0.95 and abs(t[n // 2]) <= 0.05
        low, high = scene.field_panel.value_range
        assert (low, high) == (target.min(), target.max())
        texts = [item.text for item in scene.legend.geometry.text]
        assert texts == [f"{low:.3g}", f"{(low + high) / 2:.3g}", f"{high:.3g}"]
        below = bar.y + bar.h
        assert text_pixels(rgb, bar.x, below, bar.x + bar.w, below + 1.5 * scene.layout.label_px) >= 10 * size[1] / 360
    finally:
        release(renderer)


def test_the_legend_is_written_only_when_its_classes_or_range_change(ctx, multiclass):
    snap, X, y = multiclass
    renderer, _ = rendered(ctx, (640, 360), snap, X, y)
    try:
        legend = renderer.scene.legend
        writes = []
        original = legend.rects.set_rects
        legend.rects.set_rects = lambda rows: (writes.append(len(rows)), original(rows))
        moved = dataclasses.replace(snap, weights=[w * 1.1 for w in snap.weights], epoch=snap.epoch + 1)
        renderer.draw(moved, snap)
        renderer.draw(snap, moved)
        assert writes == []
        renamed = dataclasses.replace(snap, classes=("a", "b", "c", "d"))
        renderer.set_data(X, np.array(["a", "b", "c", "d"])[np.searchsorted(NAMES, y)])
        renderer.draw(renamed)
        assert writes == [5] and [i.text for i in legend.geometry.text] == ["a", "b", "c", "d"]
    finally:
        release(renderer)


def test_a_regressions_title_shows_r2_and_not_accuracy(ctx, regression):
    snap, X, target = regression
    renderer, first = rendered(ctx, (640, 360), snap, X, target)
    try:
        title = renderer.scene.layout.title
        region = (slice(int(title.y), int(title.y + title.h)), slice(int(title.x), int(title.x + title.w)))
        texts = [item.text for item in renderer.scene.title.labels()]
        assert "loss 0.100   ·   R² 0.500   ·   test R² 0.250" in texts
        renderer.draw(dataclasses.replace(snap, r2=0.9))
        changed = renderer.read_rgb()
        assert np.any(first[region] != changed[region]), "the title does not show R²"
        renderer.draw(dataclasses.replace(snap, accuracy=0.9))
        assert np.array_equal(first[region], renderer.read_rgb()[region]), "a regression's title shows accuracy"
    finally:
        release(renderer)


def test_r_squared_is_drawn_with_a_superscript_two():
    from nnviz_gl.render.glyph_atlas import build_glyph_atlas

    atlas = build_glyph_atlas(64)
    two, fallback = atlas.glyph_indices("²")[0], atlas.fallback
    assert two != fallback and atlas.has_ink[two]


def test_the_network_names_its_inputs_features_and_a_multiclass_models_classes(ctx, multiclass):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 2)), (rng.random(40) > 0.5).astype(int)

    def features_net(features):
        return nv.Snapshot(weights=[rng.normal(size=(3, 4)), rng.normal(size=(4, 1))],
                           biases=[np.zeros(4), np.zeros(1)], activation="tanh", features=features)

    renderer, rgb = rendered(ctx, (640, 360), features_net(("x1^2", "x2^2", "sin(x1)")), X, y)
    try:
        scene = renderer.scene
        geo, net = scene.geometry, scene.layout.network
        labels = [i for i in scene.network.labels() if i.anchor == "right"]
        assert [i.text for i in labels] == ["x1^2", "x2^2", "sin(x1)"]
        size = scene.layout.label_px
        for (x, y_centre) in geo.neurons[:3]:
            left = x - geo.neuron_radius - 1
            assert text_pixels(rgb, net.x, y_centre - size * 0.6, left, y_centre + size * 0.6) >= 3
        for item in labels:  # inside the network panel
            width = scene.text.atlas.measure(item.text, item.size_px)[0]
            assert item.x - width >= net.x
        renderer.draw(features_net(("x1", "x2", "x1*x2")))
        other = renderer.read_rgb()
        x0 = int(net.x)
        x1 = int(geo.neurons[0][0] - geo.neuron_radius - 2)
        assert np.any(rgb[int(net.y):int(net.y + net.h), x0:x1] != other[int(net.y):int(net.y + net.h), x0:x1])
    finally:
        release(renderer)

    snap, X, y = multiclass
    renderer, rgb = rendered(ctx, (640, 360), snap, X, y)
    try:
        key = renderer.scene.network.key.text  # the caption and the marks' key, along the panel's top
        outputs = [i for i in renderer.scene.network.labels()
                   if i.anchor == "left" and i.baseline == "middle" and i not in key]
        assert [i.text for i in outputs] == list(NAMES)
        assert [i.color[:3] for i in outputs] == [tuple(map(float, c)) for c in STYLE.palette[:4]]
        geo = renderer.scene.geometry
        for item, (x, y_centre) in zip(outputs, geo.neurons[-4:]):
            size = item.size_px
            box = rgb[int(y_centre - size * 0.5):int(y_centre + size * 0.5), int(x + geo.neuron_radius + 2):
                      int(x + geo.neuron_radius + 4 * size)].reshape(-1, 3).astype(float)
            colour = np.array(item.color[:3]) * 255.0
            assert np.sum(np.abs(box - colour).max(axis=1) <= 40) >= 2, f"{item.text!r} not drawn in its colour"
    finally:
        release(renderer)


def test_dark_class_colours_are_lightened_to_read_on_the_network_panel():
    """Output names in classes 6, 7, 9's own colours would be near-invisible on the panel (#161b22)."""
    from nnviz_gl.render.neuron_names import readable_on_dark, relative_luminance

    panel = relative_luminance(STYLE.panel)
    for j, colour in enumerate(STYLE.palette):
        shown = readable_on_dark(colour)
        assert (relative_luminance(shown) + 0.05) / (panel + 0.05) >= 3.0, f"class {j}'s name is too dark"
        if relative_luminance(colour) >= 0.15:
            assert shown == colour
        else:  # the same hue, lighter
            assert np.argmax(shown) == np.argmax(colour) or np.ptp(colour) < 0.05
