"""The window's s and v under a real X server (Xvfb): the PNG and the mp4 hold the picture the window
showed, the one the headless renderer makes of the same snapshot; and headless frames and a window
share a thread in one process."""

from __future__ import annotations

import time

import numpy as np
import pytest
from window_helpers import FakeClock, coarse, differing, settle, tiny_snapshot

SIZE = (640, 400)


@pytest.fixture(scope="module")
def still(display, tmp_path_factory):
    """A window showing a real training run's snapshots (epochs 1 and 2), no training behind it."""
    from nnviz_gl.sinks.window import Viewer
    from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig

    trainer = SklearnTrainer(TrainingConfig(n_samples=200))
    d = trainer.dataset
    with Viewer(SIZE, vsync=False, output_dir=tmp_path_factory.mktemp("shots")) as viewer:
        viewer.set_data(d.X_train, d.y_train, d.X_test, d.y_test)
        for _ in range(2):
            viewer.publish(trainer.step())
            settle(viewer)
        yield viewer, trainer


def headless_frame(viewer, trainer, snapshot, previous) -> np.ndarray:
    """The frame the video path draws (an offscreen FrameRenderer, no window) of ``snapshot`` with the
    window's data, view and field scale: the window must show the same picture but for its heads-up text."""
    from nnviz_gl.render.frame import FrameRenderer

    d = trainer.dataset
    renderer = FrameRenderer(viewer.fb_size, field_scale=viewer.scene.field_scale)
    try:
        renderer.set_data(d.X_train, d.y_train, d.X_test, d.y_test, bounds=viewer.scene.bounds)
        renderer.draw(snapshot, previous)
        return renderer.read_rgb()
    finally:
        renderer.release()


def test_s_saves_the_frame_as_a_png(still) -> None:
    import glfw
    from PIL import Image

    viewer, trainer = still
    settle(viewer)
    viewer.on_key(glfw.KEY_S, glfw.PRESS)
    saved = sorted(viewer.output_dir.glob("nnviz-*.png"))
    assert len(saved) == 1
    image = np.asarray(Image.open(saved[0]).convert("RGB"))
    assert image.shape == (SIZE[1], SIZE[0], 3)
    # the picture the headless renderer makes of the snapshot on screen, row 0 at the top (the window
    # adds only its heads-up line); and not the picture of another snapshot
    snapshot, previous = viewer.shown, viewer.glide.before
    assert differing(image, headless_frame(viewer, trainer, snapshot, previous)) < 0.02
    other = type(snapshot)([w * 0.5 for w in snapshot.weights], snapshot.biases, activation=snapshot.activation,
                           epoch=snapshot.epoch)
    assert differing(image, headless_frame(viewer, trainer, other, previous)) > 0.05


def test_v_records_the_window_into_an_mp4(still) -> None:
    """Every frame drawn while recording is one video frame, in order, showing what the window showed."""
    import glfw

    from nnviz_gl.sinks.probe import probe, read_frames
    from nnviz_gl.sinks.window_recording import RECORD_FPS

    viewer, trainer = still
    settle(viewer)
    clock = viewer.clock = FakeClock()
    clock.now = viewer.glide.last_drawn + 10.0
    shown = []
    try:
        now = viewer.shown
        Snap = type(now)
        start = Snap(now.weights, [*now.biases[:-1], now.biases[-1] - 4.0], activation=now.activation, epoch=now.epoch)
        viewer.publish(start)
        viewer.frame()
        clock.now += 0.24
        viewer.frame()  # the glide to the next snapshot starts from the last frame drawn
        viewer.on_key(glfw.KEY_V, glfw.PRESS)
        assert viewer.recording
        # the next snapshot 0.24 s later, the output's bias from -4 to +4 off: a glide over the 12 frames
        # recorded, the field's colour moving from one class to the other, each frame a different picture
        viewer.publish(Snap(now.weights, [*now.biases[:-1], now.biases[-1] + 4.0], activation=now.activation,
                            epoch=now.epoch + 1))
        for _ in range(12):
            clock.now += 0.02  # frames drawn 20 ms apart: the video's 30 fps does not follow the clock
            viewer.draw()
            shown.append(viewer.read_rgb())  # what frame() draws next, at the same clock
            viewer.frame()
        viewer.on_key(glfw.KEY_V, glfw.PRESS)
    finally:
        viewer.clock = time.perf_counter
        viewer.publish(trainer.current_snapshot())
        settle(viewer)
    assert not viewer.recording
    info = probe(viewer.recording_path)
    assert (info.width, info.height) == SIZE and info.fps == pytest.approx(RECORD_FPS)
    decoded = read_frames(viewer.recording_path).astype(int)
    assert len(decoded) == len(shown) == info.frames
    pictures = [coarse(f) for f in shown]
    for k, frame in enumerate(decoded):
        assert np.abs(frame - shown[k]).mean() < 4.5, k  # the window's own pixels, within what H.264 changes
        distances = [np.abs(coarse(frame) - picture).mean() for picture in pictures]
        assert int(np.argmin(distances)) == k and distances[k] < 2.5, (k, distances)  # its own frame, in order


def test_render_frame_and_a_window_share_a_thread(display) -> None:
    """Headless frames before, during and after a window on the same thread, in one process: no X
    error, and every picture right (the window's the same each time, the headless ones identical)."""
    from nnviz_gl import render_frame
    from nnviz_gl.render.style import WINDOW_FIELD_SCALE
    from nnviz_gl.sinks.window import Viewer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    y = (X[:, 0] > 0).astype(int)
    snap = tiny_snapshot()

    def headless() -> np.ndarray:
        return render_frame(snap, X, y, size=(320, 200), field_scale=WINDOW_FIELD_SCALE)

    first = headless()
    with Viewer((320, 200), vsync=False) as viewer:
        viewer.set_data(X, y)
        viewer.publish(snap)
        assert viewer.draw() and viewer.draw()  # the heads-up line is laid out in the frame's layout: from the second
        window = viewer.read_rgb()
        during = headless()
        assert viewer.draw()
        window_again = viewer.read_rgb()
    after = headless()
    assert first.std() > 10 and window.std() > 10
    assert np.array_equal(first, during) and np.array_equal(first, after)
    assert np.array_equal(window, window_again)
    # the window draws that same picture, but for its heads-up line
    assert differing(window, first) < 0.03
