"""The live window for every problem kind, under a real X server: keys 1-9 and clicks (real X events from
xdotool) add points of the picked class or value, the HUD says what a click adds in its colour, hovering
the field reads out the model's output, the neuron probe still works. Multiclass and regression models are
scikit-learn's own, published to the viewer as a training thread would; the controls record what they get."""

from __future__ import annotations

import shutil
import subprocess
import threading
import warnings

import numpy as np
import pytest
from polling import poll_until
from window_helpers import RecordingControls, settle, xdotool
from window_helpers import window_id as find_window

import nnviz_gl as nv
from nnviz_gl.render.picking import pixel_to_data
from nnviz_gl.render.style import DEFAULT_STYLE as STYLE
from nnviz_gl.render.style import diverging_colors

SIZE = (640, 400)
TITLE = "nnviz-gl problems test"
NAMES = np.array(["ant", "bee", "cat"])


@pytest.fixture(scope="module")
def data():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(120, centers=3, random_state=1)
    return (X - X.mean(0)) / X.std(0), y


@pytest.fixture(scope="module")
def models(data):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    X, y = data
    target = 2.0 * X[:, 0] - X[:, 1] + 5.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = MLPClassifier((6,), max_iter=300, random_state=0).fit(X, NAMES[y])
        reg = MLPRegressor(hidden_layer_sizes=(6,), max_iter=300, random_state=0).fit(X, target)
    return {"multiclass": (clf, NAMES[y]), "regression": (reg, target)}


@pytest.fixture(scope="module")
def viewer(display):
    from nnviz_gl.sinks.window import Viewer

    v = Viewer(SIZE, title=TITLE, vsync=False, controls=RecordingControls())
    yield v
    v.release()


def show(viewer, model, X, y):
    """The window showing ``model`` over (X, y), nothing picked or hovered, no points asked for yet."""
    viewer.controls.points.clear()
    viewer.input.pick = None
    viewer.set_data(X, y)
    viewer.publish(nv.Snapshot.from_sklearn(model))
    viewer.on_mouse_move(1, 1)
    settle(viewer)
    return viewer.glide.target


def window_id() -> str:
    return find_window(TITLE)


def pump_until(viewer, condition, what: str) -> None:
    """Let glfw take the X events in (as the window's loop does) until ``condition`` holds."""
    import glfw

    def pumped() -> bool:
        glfw.poll_events()
        return condition()

    poll_until(pumped, 10.0, what)


def field_spot(viewer, fx: float, fy: float) -> tuple[float, float]:
    f = viewer.scene.layout.field
    return (f.x + fx * f.w, f.y + fy * f.h)


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")
def test_a_key_then_a_click_adds_a_point_of_that_class(viewer, data, models):
    X, _ = data
    clf, labels = models["multiclass"]
    show(viewer, clf, X, labels)
    wid = window_id()
    xdotool("windowfocus", "--sync", wid)
    xdotool("key", "3")
    pump_until(viewer, lambda: viewer.input.pick == 2, "key 3 to pick the third class")
    spot = field_spot(viewer, 0.3, 0.6)
    expected = pixel_to_data(spot, viewer.scene.bounds, viewer.scene.layout.field)
    xdotool("mousemove", "--window", wid, str(int(spot[0])), str(int(spot[1])), "click", "1")
    pump_until(viewer, lambda: len(viewer.controls.points) == 1, "the left click's point")
    x, y, label = viewer.controls.points[0]
    assert label == 2 and (x, y) == pytest.approx(expected, abs=2 * (viewer.scene.bounds[1] - viewer.scene.bounds[0]) / 640)
    xdotool("click", "3")  # the right button: class 1 whatever is picked
    pump_until(viewer, lambda: len(viewer.controls.points) == 2, "the right click's point")
    assert viewer.controls.points[1][2] == 1


def test_the_hud_says_what_a_left_click_adds_in_its_colour(viewer, data, models):
    import glfw

    X, _ = data
    clf, labels = models["multiclass"]
    show(viewer, clf, X, labels)

    def chip():
        items = [i for i in viewer.hud.items() if i.box is not None and i.anchor == "right" and i.text in NAMES]
        assert len(items) == 1
        return items[0]

    assert chip().text == "ant" and chip().color[:3] == pytest.approx(STYLE.palette[0])
    viewer.on_key(glfw.KEY_2, glfw.PRESS)
    assert chip().text == "bee" and chip().color[:3] == pytest.approx(STYLE.palette[1])
    before = settle(viewer)
    viewer.on_key(glfw.KEY_KP_3, glfw.PRESS)
    assert chip().text == "cat"
    after = settle(viewer)
    net = viewer.scene.layout.network
    corner = (slice(int(net.y + net.h * 0.85), int(net.y + net.h)), slice(int(net.x + net.w * 0.6), int(net.x + net.w)))
    assert np.any(before[corner] != after[corner]), "the HUD's chip was not redrawn"
    def green(rgb):  # cat's colour (0, 158, 115) and its anti-aliased edges on the light chip; not bee's blue
        c = rgb[corner].reshape(-1, 3).astype(int)
        return int(np.sum((c[:, 1] - c[:, 2] > 15) & (c[:, 1] - c[:, 0] > 40)))

    assert green(before) == 0 and green(after) >= 3, "the class is not written in its colour"
    viewer.on_key(glfw.KEY_5, glfw.PRESS)  # three classes: 5 picks nothing
    assert viewer.input.pick == 2 and "3 classes" in viewer.hud._message


def test_hovering_the_field_reads_out_the_likeliest_classes(viewer, data, models):
    X, _ = data
    clf, labels = models["multiclass"]
    snap = show(viewer, clf, X, labels)
    spot = field_spot(viewer, 0.5, 0.5)
    viewer.on_mouse_move(*spot)
    where = pixel_to_data(spot, viewer.scene.bounds, viewer.scene.layout.field)
    proba = clf.predict_proba(np.array([where]))[0]
    order = np.argsort(-proba)
    text = viewer.hud.hover_text()
    assert text == f"({where[0]:.2f}, {where[1]:.2f})   " + "   ".join(
        f"{clf.classes_[j]} {proba[j]:.2f}" for j in order)
    before = settle(viewer)
    assert text in [item.text for item in viewer.hud.items()]
    viewer.on_mouse_move(1, 1)
    assert viewer.hud.hover_text() == ""
    after = settle(viewer)
    assert np.any(before != after), "the read-out was not drawn"
    assert snap.architecture.kind == "multiclass"


def test_the_neuron_probe_and_neuron_names_work_for_a_multiclass_model(viewer, data, models):
    X, _ = data
    clf, labels = models["multiclass"]
    show(viewer, clf, X, labels)
    model_frame = settle(viewer)
    geo = viewer.scene.geometry
    viewer.on_mouse_move(*geo.neurons[int(np.flatnonzero(geo.neuron_layer == 1)[0])])
    assert viewer.scene.field.probe == (1, 0)
    probed = settle(viewer)
    assert viewer.scene.legend.geometry is None  # the classes' legend does not describe one neuron's field
    f = viewer.scene.layout.field
    panel = (slice(int(f.y) + 4, int(f.y + f.h) - 4), slice(int(f.x) + 4, int(f.x + f.w) - 4))
    assert np.mean(np.any(model_frame[panel] != probed[panel], axis=-1)) > 0.2
    viewer.on_mouse_move(*geo.neurons[0])
    assert viewer.hud.hover_text() == "input 1: feature x1"
    viewer.on_mouse_move(*geo.neurons[-1])
    assert viewer.hud.hover_text() == "output 3: the model's probability of cat"
    viewer.on_mouse_move(1, 1)
    assert viewer.scene.field.probe is None


def test_regression_clicks_add_the_lowest_and_highest_target_and_keys_pick_between(viewer, data, models):
    import glfw

    X, _ = data
    reg, target = models["regression"]
    show(viewer, reg, X, target)
    low, high = target.min(), target.max()
    viewer.on_mouse_move(*field_spot(viewer, 0.4, 0.4))
    viewer.on_mouse_button(glfw.MOUSE_BUTTON_LEFT, glfw.PRESS); viewer.on_mouse_button(glfw.MOUSE_BUTTON_LEFT, glfw.RELEASE)
    viewer.on_mouse_button(glfw.MOUSE_BUTTON_RIGHT, glfw.PRESS); viewer.on_mouse_button(glfw.MOUSE_BUTTON_RIGHT, glfw.RELEASE)
    viewer.on_key(glfw.KEY_5, glfw.PRESS)
    viewer.on_mouse_button(glfw.MOUSE_BUTTON_LEFT, glfw.PRESS); viewer.on_mouse_button(glfw.MOUSE_BUTTON_LEFT, glfw.RELEASE)
    viewer.on_key(glfw.KEY_9, glfw.PRESS)
    viewer.on_mouse_button(glfw.MOUSE_BUTTON_LEFT, glfw.PRESS); viewer.on_mouse_button(glfw.MOUSE_BUTTON_LEFT, glfw.RELEASE)
    values = [p[2] for p in viewer.controls.points]
    assert values == pytest.approx([low, high, (low + high) / 2, high])
    assert all(isinstance(v, float) for v in values)
    chip = [i for i in viewer.hud.items() if i.box is not None and i.anchor == "right" and i.text.startswith("value")]
    assert chip[0].text == f"value {high:.3g}"
    assert chip[0].color[:3] == pytest.approx(tuple(diverging_colors([1.0])[0]))
    spot = field_spot(viewer, 0.25, 0.75)
    viewer.on_mouse_move(*spot)
    where = pixel_to_data(spot, viewer.scene.bounds, viewer.scene.layout.field)
    assert viewer.hud.hover_text() == f"({where[0]:.2f}, {where[1]:.2f})   predicted {reg.predict([where])[0]:.3g}"


def test_the_help_says_what_clicks_and_keys_do_for_each_kind(viewer, data, models):
    import glfw

    X, _ = data
    for kind, expected in (("regression", "1 lowest ... 9 highest target"),
                           ("multiclass", "pick the class a left click adds")):
        model, y = models[kind]
        show(viewer, model, X, y)
        viewer.on_key(glfw.KEY_H, glfw.PRESS)
        try:
            assert any(expected in item.text for item in viewer.hud.items())
        finally:
            viewer.on_key(glfw.KEY_H, glfw.PRESS)


# -- the bus: a point's label is checked against the model it last published ---------------------------
class StubTrainer:
    """A trainer that publishes one fixed snapshot and records the points it is given."""

    def __init__(self, snapshot) -> None:
        self.snapshot = snapshot
        self.points: list[tuple] = []
        self.added = threading.Event()

    def current_snapshot(self):
        return self.snapshot

    def step(self):
        return self.snapshot

    def add_point(self, x, y, label) -> None:
        self.points.append((x, y, label))
        self.added.set()


@pytest.mark.parametrize("kind", ["multiclass", "regression"])
def test_the_bus_takes_class_indices_or_values_per_model(models, kind):
    from nnviz_gl.training.bus import LatestSnapshot, TrainingThread

    model, _ = models[kind]
    trainer = StubTrainer(nv.Snapshot.from_sklearn(model))
    bus = LatestSnapshot()
    thread = TrainingThread(trainer, bus)
    thread.pause()
    thread.start()
    try:
        bus.wait_newer(0, timeout=10)
        good, bad, message = (2, 3, "class index 0 to 2") if kind == "multiclass" else (4.5, float("nan"), "finite")
        with pytest.raises(ValueError, match=message):
            thread.add_point(0.0, 0.0, bad)
        with pytest.raises(ValueError):
            thread.add_point(0.0, 0.0, True)
        thread.add_point(0.5, -0.5, good)
        assert trainer.added.wait(10)
        assert trainer.points == [(0.5, -0.5, good)] and type(trainer.points[0][2]) is type(good)
    finally:
        thread.stop()
        thread.join(10)
