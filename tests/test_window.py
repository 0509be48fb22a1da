"""The live window under a real X server (Xvfb, Mesa's GLX): size, pixels, every key and click, the CLI.

Uses $DISPLAY when set (``.ci/run`` starts Xvfb); otherwise starts its own Xvfb for the session.
Input goes through the same handlers glfw's callbacks call.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest
from polling import poll_until
from window_helpers import FakeClock, settle, tiny_snapshot

from nnviz_gl.render.picking import pixel_to_data
from nnviz_gl.speeds import SPEEDS, next_speed

SIZE = (640, 400)
SUMMARY = re.compile(r"^frames=(\d+) seconds=([\d.]+) fps=([\d.]+) epochs=(\d+)$", re.MULTILINE)


# -- numpy only ------------------------------------------------------------------------------------
def test_speed_ladder_goes_up_to_unlimited_and_back() -> None:
    """The live window's ladder: the replay's one, with "as fast as training goes" (None) above the top."""
    assert next_speed(30, +1, unlimited=True) == 60
    assert next_speed(30, -1, unlimited=True) == 20
    assert next_speed(1000, +1, unlimited=True) is None and SPEEDS[-1] == 1000
    assert next_speed(None, +1, unlimited=True) is None
    assert next_speed(None, -1, unlimited=True) == 1000
    assert next_speed(0.5, -1, unlimited=True) == 0.5 and SPEEDS[0] == 0.5
    assert next_speed(7, +1, unlimited=True) == 10


# -- the window --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def live(display, tmp_path_factory):
    """One window with real training behind it (paused, so each test decides what runs)."""
    yield from live_window(tmp_path_factory)


def live_window(tmp_path_factory, **config):
    """A window of SIZE with a paused training thread of 200 points and 50 epochs (and ``config``) behind
    it, its first snapshot drawn: (viewer, thread, trainer)."""
    from nnviz_gl.live import ViewerFeed
    from nnviz_gl.sinks.window import Viewer
    from nnviz_gl.training.bus import TrainingThread
    from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig

    trainer = SklearnTrainer(TrainingConfig(n_samples=200, epochs=50, **config))
    viewer = Viewer(SIZE, vsync=False, output_dir=tmp_path_factory.mktemp("shots"))
    thread = TrainingThread(trainer, ViewerFeed(viewer, trainer, pause_at=None), epochs_per_second=None)
    viewer.controls = thread
    thread.pause()
    thread.start()
    wait_for(lambda: viewer.glide.slot.latest()[1] >= 1)
    settle(viewer)
    yield viewer, thread, trainer
    thread.stop()
    thread.join(5)
    viewer.release()


def wait_for(condition, timeout: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail at the deadline."""
    poll_until(condition, timeout, "timed out waiting for the training thread")


def drained(thread) -> None:
    """Return once the training thread has run everything asked of it so far: commands run between
    epochs in the order given, so when one queued now has run, all queued before it have, and so has
    an epoch it had already started."""
    import threading

    done = threading.Event()
    thread._command(done.set)
    assert done.wait(10), "the training thread did not get to the command"


def field_pixels(viewer, rgb: np.ndarray) -> np.ndarray:
    f = viewer.scene.layout.field
    return rgb[int(f.y) + 4:int(f.y + f.h) - 4, int(f.x) + 4:int(f.x + f.w) - 4].astype(int)


def test_window_opens_at_the_asked_size_and_draws_a_picture(live) -> None:
    import glfw

    viewer, _, _ = live
    assert tuple(glfw.get_window_size(viewer.window)) == SIZE
    assert viewer.fb_size == SIZE
    rgb = settle(viewer)
    assert rgb.shape == (SIZE[1], SIZE[0], 3)
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 500  # a real picture, not a clear colour
    field = field_pixels(viewer, rgb)
    orange = (field[..., 0] > field[..., 2] + 60).mean()
    blue = (field[..., 2] > field[..., 0] + 60).mean()
    assert orange > 0.005 and blue > 0.005, (orange, blue)  # both classes' points are drawn


def test_window_follows_a_resize_with_its_framebuffer(live) -> None:
    import glfw

    viewer, _, _ = live
    glfw.set_window_size(viewer.window, 500, 460)
    wait = time.monotonic() + 5
    while tuple(glfw.get_framebuffer_size(viewer.window)) != (500, 460) and time.monotonic() < wait:
        glfw.poll_events()
    assert viewer.draw()
    assert viewer.read_rgb().shape == (460, 500, 3)
    assert viewer.scene.layout.size == (500, 460)
    glfw.set_window_size(viewer.window, *SIZE)
    while tuple(glfw.get_framebuffer_size(viewer.window)) != SIZE and time.monotonic() < wait + 5:
        glfw.poll_events()
    settle(viewer)
    assert viewer.fb_size == SIZE


def test_a_new_snapshot_glides_instead_of_jumping(live) -> None:
    viewer, thread, _ = live
    settle(viewer)
    clock = viewer.clock = FakeClock()
    try:
        now = viewer.shown
        Snap = type(now)
        start = Snap(now.weights, [*now.biases[:-1], now.biases[-1] - 4.0], activation=now.activation, epoch=now.epoch)
        viewer.publish(start)
        viewer.frame()  # first arrival on this clock: shown at once
        end = type(start)([w + 1.0 for w in start.weights], start.biases, activation=start.activation,
                          epoch=start.epoch + 1)
        clock.now += 0.2  # the next snapshot arrives 0.2 s after the last one: that is the glide
        viewer.frame()    # a frame drawn just before it arrives
        viewer.publish(end)
        viewer.frame()
        assert viewer.shown.weights[0] == pytest.approx(start.weights[0])  # t = 0: still where it was
        clock.now += 0.1
        viewer.frame()
        assert viewer.shown.weights[0] == pytest.approx(start.weights[0] + 0.5)  # halfway
        clock.now += 0.1
        viewer.frame()
        assert viewer.shown is end
    finally:
        viewer.clock = time.perf_counter
        viewer.publish(thread.trainer.current_snapshot())
        settle(viewer)


def test_snapshots_faster_than_frames_show_the_newest_every_frame(live) -> None:
    """Training outpacing the display must not freeze the picture: each frame shows the newest."""
    viewer, thread, _ = live
    settle(viewer)
    clock = viewer.clock = FakeClock()
    try:
        snap = viewer.shown
        viewer.publish(snap)
        viewer.frame()
        for _ in range(5):
            clock.now += 1 / 30  # a frame every 33 ms, three snapshots between frames
            for _ in range(3):
                snap = type(snap)([w + 0.1 for w in snap.weights], snap.biases, activation=snap.activation,
                                  epoch=snap.epoch + 1)
                viewer.publish(snap)
                clock.now += 0.001
            viewer.frame()
            assert viewer.shown.epoch == snap.epoch
            assert viewer.shown.weights[0] == pytest.approx(snap.weights[0])
    finally:
        viewer.clock = time.perf_counter
        viewer.publish(thread.trainer.current_snapshot())
        settle(viewer)


def test_space_pauses_and_resumes_training(live) -> None:
    import glfw

    viewer, thread, _ = live
    assert thread.paused
    viewer.on_key(glfw.KEY_SPACE, glfw.PRESS)
    assert not thread.paused
    before = thread.epochs_run
    wait_for(lambda: thread.epochs_run > before + 2)
    viewer.on_key(glfw.KEY_SPACE, glfw.PRESS)
    assert thread.paused
    viewer.on_key(glfw.KEY_SPACE, glfw.RELEASE)  # releases do nothing
    assert thread.paused


def test_right_arrow_trains_exactly_one_epoch_while_paused(live) -> None:
    import glfw

    viewer, thread, _ = live
    thread.pause()
    drained(thread)  # no epoch under way
    before = thread.epochs_run
    viewer.on_key(glfw.KEY_RIGHT, glfw.PRESS)
    wait_for(lambda: thread.epochs_run == before + 1)
    drained(thread)
    drained(thread)  # a second epoch, had one been asked for, would have run by now
    assert thread.epochs_run == before + 1
    wait_for(lambda: viewer.glide.slot.latest()[0].epoch == thread.trainer.epoch)
    viewer.frame()
    assert viewer.glide.target.epoch == thread.trainer.epoch


def test_r_reinitialises_the_network_on_the_same_data(live) -> None:
    import glfw

    viewer, thread, trainer = live
    seed, data = trainer.random_state, trainer.dataset
    viewer.on_key(glfw.KEY_R, glfw.PRESS)
    wait_for(lambda: trainer.random_state != seed and viewer.glide.slot.latest()[0].epoch == 0)
    assert trainer.dataset is data
    settle(viewer)
    assert viewer.shown.epoch == 0


def test_n_draws_new_data_and_the_window_shows_it(live) -> None:
    import glfw

    viewer, thread, trainer = live
    version, before = trainer.data_version, trainer.dataset.X_train.copy()
    viewer.on_key(glfw.KEY_N, glfw.PRESS)
    wait_for(lambda: trainer.data_version == version + 1 and viewer.new_points.waiting)
    assert not np.array_equal(trainer.dataset.X_train, before)
    settle(viewer)
    assert not viewer.new_points.waiting
    assert np.array_equal(viewer.scene.data[0], trainer.dataset.X_train)  # the scene draws the new points


def test_plus_and_minus_change_training_speed(live) -> None:
    import glfw

    viewer, thread, _ = live
    thread.speed = 30
    viewer.on_key(glfw.KEY_EQUAL, glfw.PRESS, glfw.MOD_SHIFT)
    assert thread.speed == 60
    viewer.on_key(glfw.KEY_KP_SUBTRACT, glfw.PRESS)
    viewer.on_key(glfw.KEY_MINUS, glfw.PRESS)
    assert thread.speed == 20
    for _ in range(len(SPEEDS)):
        viewer.on_key(glfw.KEY_KP_ADD, glfw.PRESS)
    assert thread.speed is None  # unlimited
    thread.speed = None


def test_h_toggles_the_help_overlay(live) -> None:
    import glfw

    viewer, _, _ = live
    plain = settle(viewer)
    viewer.on_key(glfw.KEY_H, glfw.PRESS)
    assert viewer.hud.show_help
    helped = settle(viewer)
    net = viewer.scene.layout.network
    # The panel's middle: its bottom strip holds the fps line and messages, which change with time.
    region = (slice(int(net.y + 0.1 * net.h), int(net.y + 0.8 * net.h)), slice(int(net.x), int(net.x + net.w)))
    assert np.mean(np.any(plain[region] != helped[region], axis=-1)) > 0.05
    viewer.on_key(glfw.KEY_H, glfw.PRESS)
    assert not viewer.hud.show_help
    assert np.array_equal(settle(viewer)[region], plain[region])


def layer_centres(geo, layer: int) -> np.ndarray:
    """The drawn centres of one layer's neurons, top to bottom: neuron i of the layer is the i-th from the top."""
    centres = geo.neurons[geo.neuron_layer == layer]
    return centres[np.argsort(centres[:, 1])]


@pytest.mark.parametrize("layer, end", [(0, "bottom"), (1, "top")])
def test_hovering_a_connection_highlights_it_and_reads_its_weight(live, layer, end) -> None:
    """The connection drawn between the top (bottom) neurons of two layers: the pixels along it change
    (drawn emphasised) and nowhere else near, and the read-out names that pair's weight in the snapshot."""
    import glfw

    viewer, thread, _ = live
    thread.pause()
    drained(thread)
    epoch = thread.trainer.epoch
    viewer.on_key(glfw.KEY_RIGHT, glfw.PRESS)  # one epoch more: a last change to read out
    wait_for(lambda: viewer.glide.slot.latest()[0].epoch == epoch + 1)
    before = settle(viewer)
    geo, lay = viewer.scene.geometry, viewer.scene.layout
    sources, targets = layer_centres(geo, layer), layer_centres(geo, layer + 1)
    i, j = (0, 0) if end == "top" else (len(sources) - 1, len(targets) - 1)  # no connection crosses these
    a, b = sources[i], targets[j]
    mouse = a + 0.45 * (b - a)
    # left of the mouse (its read-out box is to the lower right), right of the source neuron, in the panel
    region = (slice(int(lay.network.y), int(lay.network.y + lay.network.h)),
              slice(int(a[0] + geo.neuron_radius) + 1, int(mouse[0])))
    viewer.on_mouse_move(*mouse)
    hovered = settle(viewer)

    ys, xs = np.nonzero(np.any(before[region] != hovered[region], axis=-1))
    points = np.column_stack([xs + region[1].start, ys + region[0].start]).astype(float)
    along = b - a
    t = np.clip((points - a) @ along / (along @ along), 0.0, 1.0)
    distance = np.hypot(*(points - (a + t[:, None] * along)).T)
    assert len(points) > 0.3 * (mouse[0] - a[0]), "the hovered connection is not drawn any differently"
    assert distance.max() < 8.0 * lay.unit + 3.0, "something other than the hovered connection changed"

    weights, previous = viewer.shown.weights[layer], viewer.glide.before.weights[layer]
    text = viewer.hud.hover_text()
    assert f"layer {layer}: {i + 1} → {j + 1}   weight {weights[i, j]:+.4f}" in text
    assert f"last change {weights[i, j] - previous[i, j]:+.2e}" in text
    assert text in [item.text for item in viewer.hud.items()]  # and it is on screen
    viewer.on_mouse_move(2, 2)
    assert np.array_equal(settle(viewer)[region], before[region])  # no longer emphasised


def test_hovering_a_hidden_neuron_shows_its_own_field(live) -> None:
    viewer, _, _ = live
    model = settle(viewer)
    geo = viewer.scene.geometry
    first_hidden = int(np.flatnonzero(geo.neuron_layer == 1)[0])
    viewer.on_mouse_move(*geo.neurons[first_hidden])
    assert viewer.input.neuron == (1, 0)
    assert viewer.scene.field.probe == (1, 0)
    probed = settle(viewer)
    assert np.mean(np.any(field_pixels(viewer, model) != field_pixels(viewer, probed), axis=-1)) > 0.2
    viewer.on_mouse_move(2, 2)
    assert viewer.scene.field.probe is None


def test_clicks_in_the_field_add_points_of_each_class(live) -> None:
    import glfw

    viewer, thread, trainer = live
    settle(viewer)
    f = viewer.scene.layout.field
    n = len(trainer.dataset.X_train)
    for button, label, spot in ((glfw.MOUSE_BUTTON_LEFT, 0, (0.25, 0.3)), (glfw.MOUSE_BUTTON_RIGHT, 1, (0.7, 0.8))):
        pixel = (f.x + spot[0] * f.w, f.y + spot[1] * f.h)
        expected = pixel_to_data(pixel, viewer.scene.bounds, f)
        viewer.on_mouse_move(*pixel)
        viewer.on_mouse_button(button, glfw.PRESS); viewer.on_mouse_button(button, glfw.RELEASE)
        wait_for(lambda: len(trainer.dataset.X_train) == n + 1)
        n += 1
        assert trainer.dataset.X_train[-1] == pytest.approx(expected)
        assert trainer.dataset.y_train[-1] == label
    bounds = viewer.scene.bounds
    wait_for(lambda: viewer.new_points.waiting)
    settle(viewer)
    assert viewer.scene.bounds == bounds  # the view stays still, so the point is where it was clicked
    viewer.on_mouse_move(2, 2)
    viewer.on_mouse_button(glfw.MOUSE_BUTTON_LEFT, glfw.PRESS); viewer.on_mouse_button(glfw.MOUSE_BUTTON_LEFT, glfw.RELEASE)  # outside the field: nothing
    drained(thread)  # a point asked for by that click would have been added by now
    assert len(trainer.dataset.X_train) == n


def test_q_and_escape_close_the_window(display) -> None:
    import glfw

    from nnviz_gl.sinks.window import Viewer

    for key in (glfw.KEY_Q, glfw.KEY_ESCAPE):
        with Viewer((200, 150), vsync=False) as viewer:
            viewer.publish(tiny_snapshot())  # something to draw: a window still open would draw frames
            viewer.on_key(key, glfw.PRESS)
            assert glfw.window_should_close(viewer.window)
            assert viewer.run(duration=5).frames == 0


# -- the command --------------------------------------------------------------------------------
def _nnviz(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnviz_gl.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_watch_duration_ends_the_run_with_the_summary_line(display, tmp_path) -> None:
    started = time.monotonic()
    run = _nnviz("watch", "--duration", "1.5", "-r", "480,300", "--samples", "100", "--epochs", "20",
                 "--speed", "max", "--no-vsync", "--output-dir", str(tmp_path))
    assert run.returncode == 0, run.stderr
    match = SUMMARY.search(run.stdout)
    assert match, run.stdout
    frames, seconds, fps, epochs = int(match[1]), float(match[2]), float(match[3]), int(match[4])
    assert 1.5 <= seconds < 3.0
    assert frames > 5 and fps == pytest.approx(frames / seconds, rel=0.05)
    assert epochs == 20  # trained to --epochs, then paused
    assert time.monotonic() - started < 30


def test_watch_without_a_display_says_what_to_do_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    run = _nnviz("watch", "--duration", "1", env=env)
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "no display" in lines[0] and "nnviz-gl render" in lines[0] and "xvfb-run" in lines[0]
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_watch_with_opengl_too_old_says_what_is_needed_and_that_render_works(display) -> None:
    env = {**os.environ, "DISPLAY": display, "MESA_GL_VERSION_OVERRIDE": "3.0"}
    run = _nnviz("watch", "--duration", "1", env=env)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert "OpenGL 3.3 core" in run.stderr and "nnviz-gl render" in run.stderr, run.stderr
