"""Zoom and pan of the field panel, proven on real pixels: a frame of a zoomed view (render_frame's
``view=``, ``nnviz-gl render --view``'s decoded mp4, a window after real wheel and drag events from
xdotool) shows scikit-learn's predict_proba at that view, its line as sharp as unzoomed; the data under the
cursor stays under it, a drag moves the picture by the drag, 0 goes home, a click adds its point where it
was made; bad --view values are one line."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
from polling import poll_until
from test_bad_input import SMALL, one_line_error, run_cli
from test_truth import (DECODED, DECODED_REACH_PX, EXACT, auto_texel_px, fitted, frame_of, keep_from_line,
                        nnviz_gl, points, proba, recorded_cli_render, with_weights)
from truth_helpers import check_colours, check_line, field_view, truth_of
from window_helpers import RecordingControls, settle, window_id, xdotool

import nnviz_gl as nv
from nnviz_gl.render.picking import pixel_to_data
from nnviz_gl.render.transforms import DataView, data_bounds
from nnviz_gl.sinks.window_view import DRAG_PX, ZOOM_STEP

SIZE = (640, 360)
TITLE = "nnviz-gl zoom test"
VIEW = (-0.6, 1.1, -0.3, 0.8)  # about a third of the moons' default width: the boundary's curve, close up
CLI_VIEW = (-1.5, 0.5, -1.0, 1.0)  # the same for the CLI's standardised moons (default view about -2.6..2.3)
needs_xdotool = pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")


@pytest.fixture(scope="module")
def moons() -> nv.Dataset:
    return nv.make_dataset("moons", n_samples=120, seed=0)


@pytest.fixture(scope="module")
def model(moons):
    return fitted(moons, (8, 8), "tanh")


def check_view(rgb: np.ndarray, p, data: nv.Dataset, bounds, texel_px: float, decoded: bool = False,
               line: bool = True) -> dict[str, float]:
    """The field panel of ``rgb`` is ``p`` at ``bounds``: colours everywhere, the p = 0.5 line within 1.5 px."""
    view = field_view((rgb.shape[1], rgb.shape[0]), data.X_train, data.X_test, bounds=bounds)
    reach = DECODED_REACH_PX if decoded else 0.0
    truth = truth_of(rgb, view, p, points(data), extra_reach_px=reach)
    assert np.ptp(truth.p) > 0.6, "the model's field is nearly flat here: the check would say little"
    measured = check_colours(truth, keep_from_line_px=keep_from_line(view, texel_px, reach),
                             **(DECODED if decoded else EXACT))
    if line:
        measured.update(check_line(truth))
    return measured


def outside_field(rgb: np.ndarray, data: nv.Dataset) -> np.ndarray:
    """The frame's pixels outside the field panel (the network, title, strips), as a flat array."""
    view = field_view((rgb.shape[1], rgb.shape[0]), data.X_train, data.X_test)
    mask = np.ones(rgb.shape[:2], bool)
    view.crop(mask)[:] = False
    return rgb[mask]


# -- render_frame ------------------------------------------------------------------------------------
def test_render_frame_at_a_view_shows_predict_proba_there(moons, model):
    snapshot = nv.Snapshot.from_sklearn(model)
    rgb = frame_of(snapshot, moons, view=VIEW)
    texel_px = auto_texel_px(field_view(SIZE, moons.X_train, moons.X_test))  # as many texels as unzoomed
    check_view(rgb, proba(model), moons, VIEW, texel_px)
    with pytest.raises(AssertionError):  # the same pixels are not the default view's field
        check_view(rgb, proba(model), moons, data_bounds(moons.X_train, moons.X_test), texel_px)
    # points outside the view are clipped to the panel: nothing else in the frame changes
    assert np.array_equal(outside_field(rgb, moons), outside_field(frame_of(snapshot, moons), moons))


def test_bad_views_are_refused_by_the_api(moons, model, tmp_path):
    snapshot = nv.Snapshot.from_sklearn(model)
    for bad, needle in (((1, 0, 0, 1), "x0 < x1"), ((0, 1, 0, np.nan), "finite"), ((0, 1, 2), "four numbers")):
        with pytest.raises(ValueError, match=needle):
            frame_of(snapshot, moons, view=bad)
        with pytest.raises(ValueError, match=needle):
            nv.VideoRecorder(tmp_path / "never.mp4", moons.X_train, moons.y_train, size=SIZE, view=bad)
    assert list(tmp_path.iterdir()) == []


# -- nnviz-gl render --view ----------------------------------------------------------------------------
def test_cli_render_view_frames_show_predict_proba_at_the_view(tmp_path):
    frames, snapshots, data, template = recorded_cli_render(tmp_path, "--view", ",".join(map(str, CLI_VIEW)))
    texel_px = auto_texel_px(field_view(SIZE, data.X_train, data.X_test))
    for i in (16, 23):
        check_view(frames[i], proba(with_weights(template, snapshots[i])), data, CLI_VIEW, texel_px, decoded=True)
    with pytest.raises(AssertionError):
        check_view(frames[23], proba(with_weights(template, snapshots[23])), data,
                   data_bounds(data.X_train, data.X_test), texel_px, decoded=True)


@pytest.mark.parametrize("view, needle", [("1,0,-1,1", "x0 < x1"), ("-1,1,2,2", "y0 < y1"),
                                          ("0,1,nan,1", "finite"), ("-inf,1,0,1", "finite"),
                                          ("0,1,2", "four numbers"), ("a,b,c,d", "four numbers")])
def test_bad_cli_views_are_one_line_and_nothing_is_written(view, needle, tmp_path):
    result = run_cli("render", *SMALL, "--epochs", "100000", "--view", view, "-o", "x.mp4", cwd=tmp_path)
    one_line_error(result, "--view", needle, code=2)
    assert list(tmp_path.iterdir()) == []


# -- the window, under real X events ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def window(display, moons, model):
    v = nv.Viewer(SIZE, title=TITLE, vsync=False, field_scale=None, controls=RecordingControls())
    v.set_data(moons.X_train, moons.y_train, moons.X_test, moons.y_test)
    v.publish(nv.Snapshot.from_sklearn(model))
    settle(v)
    wid = None
    if shutil.which("xdotool"):
        wid = window_id(TITLE)
        xdotool("windowfocus", "--sync", wid)
    yield v, wid
    v.release()


def pump_until(viewer, condition, what: str) -> None:
    """Let glfw take the X events in (as the window's loop does) until ``condition`` holds."""
    import glfw

    def pumped() -> bool:
        glfw.poll_events()
        return condition()

    poll_until(pumped, 10.0, what)


def at_rest(viewer, wid: str) -> np.ndarray:
    """The frame with the mouse moved off the field (its read-out box would cover the field)."""
    xdotool("mousemove", "--window", wid, "1", "1")
    pump_until(viewer, lambda: viewer.mouse == (1.0, 1.0), "the mouse off the field")
    return settle(viewer)


def back_home(viewer):
    """No clicked points, the home view (key 0): its data rectangle and the field panel's rect."""
    viewer.controls.points.clear()
    xdotool("key", "0")
    pump_until(viewer, lambda: not viewer.view.current, "0: home")
    return viewer.scene.bounds, viewer.scene.layout.field


def spot(viewer, fx: float, fy: float) -> tuple[int, int]:
    f = viewer.scene.layout.field
    return int(f.x + fx * f.w), int(f.y + fy * f.h)


def texel_px(viewer) -> float:
    return viewer.scene.layout.field.w / viewer.scene.field.texture.width


@needs_xdotool
def test_wheel_zooms_about_the_cursor_and_the_field_is_predict_proba_there(window, moons, model):
    viewer, wid = window
    xdotool("key", "0")
    pump_until(viewer, lambda: not viewer.view.current, "0: home")
    home = viewer.scene.bounds
    field = viewer.scene.layout.field
    texture, compiles = viewer.scene.field.texture, viewer.scene.field.compiles
    cursor = spot(viewer, 0.45, 0.4)
    under = pixel_to_data(cursor, home, field)
    xdotool("mousemove", "--window", wid, *map(str, cursor), "click", "--repeat", "3", "--delay", "30", "4")
    want_span = (home[1] - home[0]) / ZOOM_STEP ** 3
    pump_until(viewer, lambda: np.isclose(viewer.scene.bounds[1] - viewer.scene.bounds[0], want_span),
               "three wheel notches up: zoomed in")
    zoomed = viewer.scene.bounds
    assert (zoomed[3] - zoomed[2]) == pytest.approx((home[3] - home[2]) / ZOOM_STEP ** 3)
    assert pixel_to_data(cursor, zoomed, field) == pytest.approx(under, abs=1e-9)  # still under the cursor
    rgb = at_rest(viewer, wid)
    check_view(rgb, proba(model), moons, zoomed, texel_px(viewer))
    # re-evaluated into the same texture by the same program; the heads-up line says how to go back
    assert viewer.scene.field.texture is texture and viewer.scene.field.compiles == compiles
    assert f"zoom {ZOOM_STEP ** 3:.3g}x (0: reset)" in viewer.hud.items()[0].text
    with pytest.raises(AssertionError):
        check_view(rgb, proba(model), moons, home, texel_px(viewer))
    # wheel down zooms out about another spot, the same way
    other = spot(viewer, 0.7, 0.7)
    under = pixel_to_data(other, zoomed, field)
    xdotool("mousemove", "--window", wid, *map(str, other), "click", "5")
    pump_until(viewer, lambda: viewer.scene.bounds != zoomed, "a wheel notch down")
    assert viewer.scene.bounds[1] - viewer.scene.bounds[0] == pytest.approx(want_span * ZOOM_STEP)
    assert pixel_to_data(other, viewer.scene.bounds, field) == pytest.approx(under, abs=1e-9)
    # 0 goes home: the picture of an unzoomed window again
    xdotool("key", "0")
    pump_until(viewer, lambda: viewer.scene.bounds == home, "0: back home")
    check_view(at_rest(viewer, wid), proba(model), moons, home, texel_px(viewer))
    assert "(0: reset)" not in viewer.hud.items()[0].text


@needs_xdotool
def test_a_drag_pans_by_the_drag_and_adds_no_point(window, moons, model):
    viewer, wid = window
    home, field = back_home(viewer)
    start, end = spot(viewer, 0.3, 0.3), spot(viewer, 0.55, 0.6)
    grabbed = pixel_to_data(start, home, field)
    xdotool("mousemove", "--window", wid, *map(str, start), "mousedown", "1",
            "mousemove", "--window", wid, *map(str, end), "mouseup", "1")
    expected = DataView(home, field).dragged((end[0] - start[0], end[1] - start[1]))
    pump_until(viewer, lambda: not viewer.view.held and viewer.scene.bounds != home, "the drag")
    assert viewer.scene.bounds == pytest.approx(expected, abs=1e-9)
    assert pixel_to_data(end, viewer.scene.bounds, field) == pytest.approx(grabbed, abs=1e-9)  # moved with the mouse
    assert viewer.controls.points == []  # a drag is no click
    assert "panned (0: reset)" in viewer.hud.items()[0].text
    check_view(at_rest(viewer, wid), proba(model), moons, expected, texel_px(viewer))


@needs_xdotool
def test_a_click_after_zooming_adds_the_point_under_it_and_new_data_keeps_the_zoom(window, moons):
    viewer, wid = window
    home, field = back_home(viewer)
    xdotool("mousemove", "--window", wid, *map(str, spot(viewer, 0.2, 0.8)), "click", "--repeat", "2",
            "--delay", "30", "4")
    pump_until(viewer, lambda: np.isclose(viewer.scene.bounds[1] - viewer.scene.bounds[0],
                                          (home[1] - home[0]) / ZOOM_STEP ** 2), "zoomed in")
    zoomed = viewer.scene.bounds
    target = spot(viewer, 0.6, 0.35)
    xdotool("mousemove", "--window", wid, *map(str, target), "click", "1")
    pump_until(viewer, lambda: len(viewer.controls.points) == 1, "the click's point")
    x, y, label = viewer.controls.points[0]
    want, unzoomed = pixel_to_data(target, zoomed, field), pixel_to_data(target, home, field)
    assert (x, y) == pytest.approx(want, abs=1e-9) and label == 0
    assert np.hypot(want[0] - unzoomed[0], want[1] - unzoomed[1]) > 0.1  # the zoom made the difference
    p = viewer.shown.predict_proba(np.array([want]))[0]  # the hover read-out is of the zoomed view's point
    assert viewer.hud.field_readout().startswith(f"({want[0]:.2f}, {want[1]:.2f})   class ")
    assert f"{p.max():.2f}" in viewer.hud.field_readout()
    # a click moved by less than DRAG_PX is still a click
    xdotool("mousedown", "3", "mousemove", "--window", wid, str(target[0] + int(DRAG_PX) - 1), str(target[1]),
            "mouseup", "3")
    pump_until(viewer, lambda: len(viewer.controls.points) == 2, "the right click's point")
    assert viewer.controls.points[1][2] == 1 and viewer.scene.bounds == zoomed
    # the points arrive again (as a training thread sends them after a click): the zoom stays
    viewer.set_data(moons.X_train, moons.y_train, moons.X_test, moons.y_test)
    settle(viewer)
    assert viewer.scene.bounds == zoomed


def test_the_neuron_probe_is_evaluated_at_the_zoomed_view(window, moons, model):
    viewer, _ = window
    viewer.view.show(VIEW)
    geo = viewer.scene.geometry
    first_hidden = int(np.flatnonzero(geo.neuron_layer == 1)[2])
    viewer.on_mouse_move(*geo.neurons[first_hidden])
    assert viewer.scene.field.probe == (1, 2)  # hovering picks it; drawn without the hover text over the field:
    viewer.on_mouse_move(1, 1)
    viewer.scene.set_probe((1, 2))
    rgb = settle(viewer)
    viewer.scene.set_probe(None)
    w, b = model.coefs_[0][:, 2], model.intercepts_[0][2]
    neuron = lambda X: 0.5 + 0.5 * np.tanh(X @ w + b)  # noqa: E731  tanh's probe shows 0.5 + h/2
    view = field_view(SIZE, moons.X_train, moons.X_test, bounds=VIEW)
    truth = truth_of(rgb, view, neuron, points(moons))
    lay = viewer.scene.layout  # the label "field: neuron 3 of layer 1" at the panel's top is no field
    label_rows = np.arange(view.h)[:, None] < 8 * lay.unit + 2.5 * lay.label_px + 4
    truth = dataclasses.replace(truth, near_point=truth.near_point | label_rows)
    check_colours(truth, keep_from_line_px=keep_from_line(view, texel_px(viewer)), min_pixels=1000, **EXACT)
    viewer.view.reset()
    assert viewer.scene.bounds == data_bounds(moons.X_train, moons.X_test)


# -- the replay window ----------------------------------------------------------------------------------
def test_replay_opens_at_its_view_zooms_and_0_goes_back_to_it(display, moons, model, tmp_path):
    import glfw

    run = tmp_path / "run.nnviz"
    with nv.TrajectoryWriter(run, moons.X_train, moons.y_train, moons.X_test, moons.y_test) as writer:
        writer.publish(nv.Snapshot.from_sklearn(model, epoch=1))
    with nv.Replay(run, size=SIZE, visible=False, vsync=False, field_scale=None, view=VIEW) as replay:
        viewer = replay.viewer
        assert viewer.draw()
        check_view(viewer.read_rgb(), proba(model), moons, VIEW, texel_px(viewer))
        centre = spot(viewer, 0.5, 0.5)
        viewer.on_mouse_move(*centre)
        viewer.on_scroll(0.0, 1.0)
        zoomed = viewer.scene.bounds
        assert zoomed[1] - zoomed[0] == pytest.approx((VIEW[1] - VIEW[0]) / ZOOM_STEP)
        viewer.on_scroll(0.0, -1.0)  # and out again: home, not "zoom 1x"
        assert viewer.view.current is None and viewer.scene.bounds == pytest.approx(VIEW)
        viewer.on_scroll(0.0, 2.0)
        viewer.on_key(glfw.KEY_0, glfw.PRESS)
        assert viewer.scene.bounds == VIEW and viewer.view.current is None


def test_bad_replay_view_is_one_line(tmp_path):
    one_line_error(run_cli("replay", "missing.nnviz", "--view", "0,1,1,0", cwd=tmp_path), "--view", "y0 < y1", code=2)
    assert list(tmp_path.iterdir()) == []



def test_watch_opens_at_its_view_and_shows_predict_proba_there(display, monkeypatch):
    """``nv.watch(view=...)`` (``nnviz-gl watch --view``): the window's field panel, once training has
    paused at ``epochs``, shows the trained model's predict_proba at that view."""
    import nnviz_gl.live as live

    seen = {}

    class Trainer(live.SklearnTrainer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            seen["trainer"] = self

    class Window(live.Viewer):
        def run(self, duration, stop_when):
            trained = lambda: seen["trainer"].epoch >= 30  # noqa: E731 (then training pauses)
            stats = super().run(duration, stop_when=lambda: stop_when() or trained())
            self.on_mouse_move(1.0, 1.0)  # where the earlier tests left the pointer, a read-out would cover the field
            seen["rgb"], seen["bounds"], seen["texel_px"] = settle(self), self.scene.bounds, texel_px(self)
            return stats

    monkeypatch.setattr(live, "SklearnTrainer", Trainer)
    monkeypatch.setattr(live, "Viewer", Window)
    nv.watch(dataset="moons", n_samples=120, hidden=(8, 8), activation="tanh", epochs=30, speed=None,
             size=SIZE, vsync=False, controls_panel=False, print_summary=False, view=VIEW, duration=60)
    trainer = seen["trainer"]
    assert trainer.epoch == 30 and seen["bounds"] == VIEW
    check_view(seen["rgb"], proba(trainer.model), trainer.dataset, VIEW, seen["texel_px"])


def test_watch_takes_view_on_the_command_line(display):
    """The CLI hands --view to the window (a bad one is refused before the window opens)."""
    result = run_cli("watch", "--samples", "60", "--view", "1,0,-1,1", "--duration", "1")
    one_line_error(result, "--view", "x0 < x1", code=2)
