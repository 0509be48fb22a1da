"""The loss panel, read back in pixels: a hand-made history's curve lies where its losses say (linear, and log
when they span decades), a NaN is a gap, a run past the capacity keeps its first and last epochs, drawing
makes no GL objects, render_frame(history=) is the video's frame, and a click in a replay's panel seeks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import nnviz_gl as nv
from nnviz_gl.render.loss_history import LossHistory, history_rows
from nnviz_gl.render.style import DEFAULT_STYLE
from nnviz_gl.sinks.probe import read_frames

from polling import poll_until
from test_scene import count_gl_objects, make_renderer
from window_helpers import FakeClock, coarse, window_id, xdotool

SIZE = (1280, 720)
LOSS_RGB = np.array(DEFAULT_STYLE.curves[0]) * 255.0
RNG = np.random.default_rng(5)
X = RNG.normal(size=(40, 2))
Y = (X[:, 0] > 0).astype(int)


def net(epoch: int = 0, seed: int = 0, **metrics) -> nv.Snapshot:
    rng = np.random.default_rng(seed)
    return nv.Snapshot(weights=[rng.normal(size=(2, 4)), rng.normal(size=(4, 1))], biases=[np.zeros(4), np.zeros(1)],
                       activation="tanh", epoch=epoch, **metrics)


@pytest.fixture(scope="module")
def renderer(ctx):
    r = make_renderer(ctx, SIZE, X, Y)
    yield r
    r.release()


def draw_history(renderer, rows) -> np.ndarray:
    """The frame with ``rows`` as the whole run, the cursor at its last epoch."""
    renderer.scene.set_history(rows, whole_run=True)
    renderer.draw(net(epoch=int(np.asarray(rows)[-1][0])))
    return renderer.read_rgb()


def curve_rows(rgb: np.ndarray, plot, column: float, rgb_of=LOSS_RGB, tolerance: float = 40.0) -> np.ndarray:
    """Rows of pixel column ``column`` inside the plot that have the curve's colour."""
    x = int(column)
    top, bottom = int(plot.y) - 2, int(plot.y + plot.h) + 3
    strip = rgb[top:bottom, x].astype(float)
    return top + np.flatnonzero(np.linalg.norm(strip - rgb_of, axis=1) < tolerance)


def expected_row(plot, fraction: float) -> float:
    """Our own map: fraction 0 of the axis at the plot's bottom, 1 at its top."""
    return plot.y + (1.0 - fraction) * plot.h


def column_of(plot, epoch: float, first: float, last: float) -> float:
    return plot.x + (epoch - first) / (last - first) * plot.w


def checked_columns(plot, first: float, last: float, cursor_epoch: float, step: int = 3):
    """Pixel columns inside the plot, away from its ends and from the cursor and markers."""
    cursor = column_of(plot, cursor_epoch, first, last)
    for x in range(int(plot.x) + 3, int(plot.x + plot.w) - 3, step):
        if abs(x + 0.5 - cursor) > 12:
            yield x


def assert_curve_follows(rgb, plot, epochs, fractions, cursor_epoch) -> None:
    first, last = epochs[0], epochs[-1]
    misses = []
    for x in checked_columns(plot, first, last, cursor_epoch):
        epoch = first + (x + 0.5 - plot.x) / plot.w * (last - first)
        want = expected_row(plot, float(np.interp(epoch, epochs, fractions)))
        rows = curve_rows(rgb, plot, x)
        # the curve's centre may sit between two pixels; its steepest parts span several rows of one column
        if len(rows) == 0 or np.abs(rows + 0.5 - want).min() > 2.0:
            misses.append((x, want, rows[:6]))
    assert not misses, f"{len(misses)} columns without the curve within 2 px of its loss, e.g. {misses[:3]}"


LAYOUT_SIZES = [(640, 360), (854, 480), (1280, 720), (1920, 1080), (3840, 2160), (720, 1280), (1080, 1920),
                (800, 800), (2560, 1080), (400, 700)]


@pytest.mark.parametrize("size", LAYOUT_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_loss_strip_has_room_of_its_own_under_the_network(size):
    """In the network's column, below it; its padded box touches no other panel's, nor the frame's edge."""
    from nnviz_gl.render.layout import frame_layout
    from nnviz_gl.render.panels import PANEL_PAD

    lay = frame_layout(size)
    loss, net = lay.loss, lay.network
    assert loss.x == net.x and loss.w == net.w and loss.y >= net.y + net.h
    pad = PANEL_PAD * lay.unit
    boxes = [r.padded(pad) for r in (lay.network, lay.field)] + [lay.title]
    box = loss.padded(pad)
    for other in boxes:
        assert (box.x + box.w <= other.x or other.x + other.w <= box.x or box.y + box.h <= other.y
                or other.y + other.h <= box.y), f"the loss strip {box} meets {other} at {size}"
    assert box.x >= 0 and box.y >= 0 and box.x + box.w <= size[0] and box.y + box.h <= size[1]
    # room for a legend row, a plot and the epochs under it, in text of 10 px at least
    assert loss.h >= 5 * max(lay.label_px, 10.0) and loss.w >= 0.25 * size[0]


def test_a_linear_history_is_drawn_where_its_losses_say(renderer):
    epochs = np.arange(0, 101, dtype=float)
    loss = 0.35 + 0.6 * (1 - epochs / 100) ** 2 + 0.05 * np.sin(epochs / 4)  # within a decade: linear from 0
    rgb = draw_history(renderer, list(zip(epochs, loss)))
    panel = renderer.scene.loss
    assert not panel.axes[1].log
    assert_curve_follows(rgb, panel.plot, epochs, loss / loss.max(), cursor_epoch=100)


def test_losses_spanning_decades_are_drawn_on_a_log_axis(renderer):
    epochs = np.arange(0, 101, dtype=float)
    loss = 10.0 * 10.0 ** (-3.0 * epochs / 100)  # 10 -> 0.01
    rgb = draw_history(renderer, list(zip(epochs, loss)))
    panel = renderer.scene.loss
    plot = panel.plot
    assert panel.axes[1].log
    # the middle epoch's loss, 0.316, halfway between 10 and 0.01 in log: the plot's vertical middle
    rows = curve_rows(rgb, plot, column_of(plot, 50, 0, 100))
    assert len(rows) and np.abs(rows + 0.5 - (plot.y + plot.h / 2)).min() <= 2.0, rows
    fractions = (np.log10(loss) - np.log10(0.01)) / (np.log10(10.0) - np.log10(0.01))
    assert_curve_follows(rgb, plot, epochs, fractions, cursor_epoch=100)
    # a test loss above the train loss raises the top of the axis to its largest value
    rgb = draw_history(renderer, list(zip(epochs, loss, loss * 1.5)))
    fractions = (np.log10(loss) - np.log10(0.01)) / (np.log10(15.0) - np.log10(0.01))
    assert_curve_follows(rgb, renderer.scene.loss.plot, epochs, fractions, cursor_epoch=100)


def test_a_nan_loss_is_a_gap_not_a_crash(renderer):
    epochs = np.arange(0, 101, dtype=float)
    loss = 1.0 - 0.5 * epochs / 100
    loss[40:50] = np.nan
    loss[70] = np.inf
    rgb = draw_history(renderer, list(zip(epochs, loss)))
    plot = renderer.scene.loss.plot
    gap = range(int(column_of(plot, 39, 0, 100)) + 3, int(column_of(plot, 50, 0, 100)) - 3)
    assert len(gap) > 20
    assert all(len(curve_rows(rgb, plot, x)) == 0 for x in gap), "the curve is drawn across the NaN epochs"
    around_inf = range(int(column_of(plot, 69, 0, 100)) + 3, int(column_of(plot, 71, 0, 100)) - 3)
    assert all(len(curve_rows(rgb, plot, x)) == 0 for x in around_inf), "the curve is drawn through an inf loss"
    for epoch in (20, 60, 85):
        assert len(curve_rows(rgb, plot, column_of(plot, epoch, 0, 100))), f"no curve at epoch {epoch}"


def test_a_run_longer_than_the_capacity_keeps_its_first_and_last_epochs(renderer):
    n = 5000
    epochs = np.arange(n, dtype=float) + 7
    loss = np.linspace(1.0, 0.6, n)
    loss[-1] = 0.2  # the last epoch's drop must be drawn
    loss[2500:2520] = np.nan  # a short divergence: a gap, however few rows the curves are drawn with
    rgb = draw_history(renderer, list(zip(epochs, loss)))
    history = renderer.scene.loss.history
    assert len(history) <= history.capacity < n
    assert history.epochs[0] == epochs[0] and history.epochs[-1] == epochs[-1]
    plot = renderer.scene.loss.plot
    last_column = column_of(plot, epochs[-1], epochs[0], epochs[-1]) - 1
    rows = curve_rows(rgb, plot, last_column, tolerance=60)
    assert len(rows) and (rows + 0.5).max() >= expected_row(plot, 0.2) - 3, "the last epoch's loss is not drawn"
    around = range(int(column_of(plot, epochs[2490], epochs[0], epochs[-1])),
                   int(column_of(plot, epochs[2530], epochs[0], epochs[-1])) + 1)
    assert any(len(curve_rows(rgb, plot, x)) == 0 for x in around), "the NaN epochs are drawn over"
    assert len(curve_rows(rgb, plot, column_of(plot, epochs[1000], epochs[0], epochs[-1])))
    # recorded one epoch at a time, the same
    live = LossHistory(64)
    for row in history_rows(list(zip(epochs, loss))):
        live.record(row)
        assert len(live) <= 64 and live.epochs[0] == epochs[0]
    assert live.epochs[-1] == epochs[-1] and (np.diff(live.epochs) > 0).all()


def test_uploads_past_the_capacity_make_no_gl_objects(ctx, renderer, monkeypatch):
    scene = renderer.scene
    scene.set_history([])  # live: each upload records its epoch
    renderer.draw(net(epoch=1, loss=1.0))
    calls = count_gl_objects(monkeypatch, ctx)
    n = scene.loss.history.capacity + 300
    snapshots = [net(epoch=e, loss=1.0 / e, test_loss=1.2 / e, accuracy=1 - 0.5 / e) for e in range(1, n + 1)]
    for i, snapshot in enumerate(snapshots):
        scene.upload(snapshot)
        if i % 97 == 0 or i == n - 1:
            scene.render(renderer.target.framebuffer, renderer.size)
    assert calls == dict.fromkeys(calls, 0), f"GL objects made while the history grew: {calls}"
    history = scene.loss.history
    assert history.epochs[0] == 1 and history.epochs[-1] == n and len(history) <= history.capacity
    # the same epoch again (a window's glide frames) replaces, an earlier one starts the run again
    scene.upload(snapshots[-1])
    assert history.epochs[-1] == n and (np.diff(history.epochs) > 0).all()
    scene.upload(net(epoch=1, loss=0.5))
    assert list(history.epochs) == [1]


def test_render_frame_history_is_the_videos_frame(tmp_path):
    snapshots = [net(epoch=e, seed=e, loss=2.0 * 0.6 ** e, test_loss=2.2 * 0.62 ** e, accuracy=1 - 0.4 * 0.7 ** e,
                     test_accuracy=1 - 0.45 * 0.7 ** e) for e in range(1, 13)]
    size = (640, 360)
    out = tmp_path / "run.mp4"
    with nv.VideoRecorder(out, X, Y, size=size) as recorder:
        for snapshot in snapshots:
            recorder.publish(snapshot)
    decoded = read_frames(out)[-1].astype(float)
    expected = nv.render_frame(snapshots[-1], X, Y, previous=snapshots[-2], size=size, history=snapshots)
    alone = nv.render_frame(snapshots[-1], X, Y, previous=snapshots[-2], size=size)
    from nnviz_gl.render.layout import frame_layout

    r = frame_layout(size).loss
    rows, cols = slice(int(r.y), int(r.y + r.h)), slice(int(r.x), int(r.x + r.w))
    # 4 x 4 tiles: the codec blurs thin lines and text, the tiles' means stay
    same = np.abs(coarse(decoded[rows, cols], 4) - coarse(expected[rows, cols], 4)).mean()
    other = np.abs(coarse(decoded[rows, cols], 4) - coarse(alone[rows, cols], 4)).mean()
    assert same < 3.5 and other > 3 * same, (same, other)


# -- the replay: the whole run, a cursor, a click seeks ---------------------------------------------
@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    from nnviz_gl.trajectory import TrajectoryWriter

    path = tmp_path_factory.mktemp("runs") / "loss.nnviz"
    with TrajectoryWriter(path, X, Y) as writer:
        for e in range(1, 41):
            writer.publish(net(epoch=e * 5, seed=e, loss=3.0 * 0.9 ** e, accuracy=1 - 0.5 * 0.9 ** e))
    return path


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")
def test_a_click_in_the_replays_loss_panel_seeks_to_that_epoch(display, recorded, tmp_path):
    import glfw

    from nnviz_gl.replay import Replay

    with Replay(recorded, size=(960, 540), vsync=False, output_dir=tmp_path) as replay:
        replay.viewer.clock = FakeClock()
        replay.pause()
        replay.viewer.draw()
        loss = replay.viewer.scene.loss
        assert list(loss.history.epochs) == [5 * e for e in range(1, 41)], "the whole run, from the start"
        assert replay.index == 0
        wid = window_id("nnviz-gl replay · loss.nnviz")
        x, y = loss.x_at(5 * 27), loss.plot.y + loss.plot.h * 0.5
        xdotool("mousemove", "--window", wid, str(int(round(x))), str(int(y)), "click", "1")

        def seeked() -> bool:
            glfw.poll_events()
            return replay.index == 26

        poll_until(seeked, 10.0, "the click to show epoch 135 (snapshot 27)")
        assert not replay.dragging and not replay.playing
        replay.viewer.draw()
        assert replay.viewer.scene.snapshot.epoch == 135
        assert loss.epoch == 135, "the cursor moved to the snapshot shown"
        assert list(loss.history.epochs)[-1] == 200, "seeking back keeps the whole run"


def test_render_every_k_still_draws_every_epochs_loss(tmp_path):
    """``render --from --every 5`` draws 4 of 20 snapshots; the loss curve has all 20 epochs (from the file's
    metric arrays), the spike at an epoch not drawn included: the last frame is render_frame with them all."""
    import sys

    from nnviz_gl.trajectory import TrajectoryWriter

    snapshots = [net(epoch=e, seed=e, loss=5.0 if e == 12 else 1.0 / e, accuracy=0.5 + e / 50) for e in range(1, 21)]
    run, out = tmp_path / "run.nnviz", tmp_path / "run.mp4"
    with TrajectoryWriter(run, X, Y) as writer:
        for snapshot in snapshots:
            writer.publish(snapshot)
    done = subprocess.run([sys.executable, "-m", "nnviz_gl.cli", "render", "--from", str(run), "-o", str(out),
                           "-r", "640,360", "--every", "5", "--no-progress"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    frames = read_frames(out)
    assert len(frames) == 4
    size = (640, 360)
    every = nv.render_frame(snapshots[-1], X, Y, previous=snapshots[-2], size=size, history=snapshots)
    drawn_only = nv.render_frame(snapshots[-1], X, Y, previous=snapshots[-2], size=size, history=snapshots[4::5])
    from nnviz_gl.render.layout import frame_layout

    r = frame_layout(size).loss
    rows, cols = slice(int(r.y), int(r.y + r.h)), slice(int(r.x), int(r.x + r.w))
    decoded = coarse(frames[-1][rows, cols].astype(float), 4)
    same = np.abs(decoded - coarse(every[rows, cols], 4)).mean()
    other = np.abs(decoded - coarse(drawn_only[rows, cols], 4)).mean()
    assert same < 3.5 and other > 2 * same, (same, other)


def test_the_live_window_records_each_epoch_once_through_its_glides(display, tmp_path):
    from nnviz_gl.sinks.window import Viewer

    with Viewer((640, 360), vsync=False, visible=False, output_dir=tmp_path) as viewer:
        viewer.clock = clock = FakeClock()
        viewer.set_data(X, Y)
        for epoch in range(1, 7):
            viewer.publish(net(epoch=epoch, seed=epoch, loss=1.0 / epoch, accuracy=1 - 0.5 / epoch))
            for _ in range(4):  # frames in the middle of the glide carry the target's epoch and metrics
                clock.now += 0.01
                viewer.draw()
        loss = viewer.scene.loss
        assert list(loss.history.epochs) == [1, 2, 3, 4, 5, 6]
        np.testing.assert_allclose(loss.history.values[:, 0], [1.0 / e for e in range(1, 7)], rtol=1e-6)
        assert loss.epoch == 6
