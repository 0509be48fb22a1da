"""The replay window on real recorded runs under a real X server (Xvfb, Mesa's GLX): scrubbing, stepping,
playback, following a file still being written, and the ``nnviz-gl replay`` command.

Uses $DISPLAY when set; otherwise starts its own Xvfb (the same way as test_window.py).
Input goes through the handlers glfw's callbacks call.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from window_helpers import FakeClock

from nnviz_gl.render.layout import frame_layout
from nnviz_gl.speeds import SPEEDS, check_speed, next_speed
from nnviz_gl.timeline import Timeline, timeline_layout

SIZE = (640, 400)
SNAPSHOTS = 21  # epochs 1..21; the middle one is index 10, epoch 11
SUMMARY = re.compile(r"^frames=(\d+) seconds=([\d.]+) fps=([\d.]+) snapshots=(\d+) epoch=(\d+)$", re.MULTILINE)


# -- numpy only --------------------------------------------------------------------------------
def test_speed_ladder_clamps_at_both_ends() -> None:
    assert next_speed(30, +1) == 60 and next_speed(30, -1) == 20
    assert next_speed(7, +1) == 10 and next_speed(7, -1) == 5
    assert next_speed(1000, +1) == 1000 == SPEEDS[-1] and next_speed(0.5, -1) == 0.5 == SPEEDS[0]


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_a_speed_that_is_not_a_positive_number_is_one_clear_error(bad) -> None:
    with pytest.raises(ValueError, match=f"finite number of snapshots per second above 0, got {bad}"):
        check_speed(bad)


@pytest.mark.parametrize("size", [(640, 400), (1920, 1080), (400, 700)])
def test_timeline_sits_in_the_network_panel_and_maps_columns_to_fractions(size) -> None:
    lay = frame_layout(size)
    line: Timeline = timeline_layout(lay)
    net, track = lay.network, line.track
    assert net.x <= line.grab.x and line.grab.x + line.grab.w <= net.x + net.w
    assert net.y <= line.label_y - line.label_px and line.grab.y + line.grab.h <= net.y + net.h
    assert not (lay.field.contains(track.x, track.y) or lay.field.contains(track.x + track.w, track.y))
    assert line.fraction_at(track.x) == 0.0 and line.fraction_at(track.x + track.w) == 1.0
    assert line.fraction_at(line.x_at(0.3)) == pytest.approx(0.3)
    assert line.fraction_at(track.x - 50) == 0.0 and line.fraction_at(track.x + track.w + 50) == 1.0


# -- recorded runs -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Path, list]:
    """A finished file of SNAPSHOTS real training epochs, and the snapshots as training gave them."""
    from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig
    from nnviz_gl.trajectory import TrajectoryWriter

    trainer = SklearnTrainer(TrainingConfig(n_samples=120, epochs=SNAPSHOTS, learning_rate=0.02, seed=3))
    d = trainer.dataset
    path = tmp_path_factory.mktemp("runs") / "run.nnviz"
    snapshots = []
    with TrajectoryWriter(path, d.X_train, d.y_train, d.X_test, d.y_test) as writer:
        for _ in range(SNAPSHOTS):
            snapshots.append(trainer.step())
            writer.publish(snapshots[-1])
    return path, snapshots


@pytest.fixture
def window(display, recorded, tmp_path):
    """A replay window on the finished file, on a hand-moved clock, paused at the start."""
    from nnviz_gl.replay import Replay

    path, snapshots = recorded
    # field_scale=None (automatic) to compare with render_frame: see the note in the dragging test
    with Replay(path, size=SIZE, vsync=False, output_dir=tmp_path, field_scale=None) as replay:
        replay.viewer.clock = FakeClock()
        replay.pause()
        replay.viewer.draw()
        yield replay, snapshots


def press(replay, key) -> None:
    import glfw

    replay.viewer.on_key(key, glfw.PRESS)
    replay.viewer.draw()


def drag_to(replay, fraction: float) -> None:
    """Press on the timeline's knob where it is, drag to ``fraction`` of the track, release there."""
    import glfw

    viewer = replay.viewer
    line = timeline_layout(viewer.scene.layout)
    y = line.track.y + line.track.h * 0.5
    viewer.on_mouse_move(line.x_at(replay.position / (replay.count - 1)), y)
    viewer.on_mouse_button(glfw.MOUSE_BUTTON_LEFT, glfw.PRESS)
    assert replay.dragging
    for f in np.linspace(0.0, fraction, 5):
        viewer.on_mouse_move(line.x_at(f), y)
        viewer.draw()
    viewer.on_mouse_button(glfw.MOUSE_BUTTON_LEFT, glfw.RELEASE)
    assert not replay.dragging


def shown_equals(replay, snapshot) -> bool:
    shown = replay.viewer.scene.snapshot
    return shown.epoch == snapshot.epoch and all(
        np.array_equal(a, b) for a, b in zip(shown.weights + shown.biases, snapshot.weights + snapshot.biases))


def field_pixels(layout, rgb: np.ndarray) -> np.ndarray:
    f = layout.field
    return rgb[int(f.y) + 4:int(f.y + f.h) - 4, int(f.x) + 4:int(f.x + f.w) - 4]


def render_from_file(path: Path, pairs: list[tuple[int, int]]) -> list[np.ndarray]:
    """render_frame of snapshot ``i`` (learning marks from ``j``) of the file, at SIZE, automatic field
    scale; in this process, beside the open window."""
    from nnviz_gl import render_frame
    from nnviz_gl.trajectory import TrajectoryReader

    with TrajectoryReader(path) as run:
        return [render_frame(run[i], run.X, run.y, run.X_test, run.y_test, previous=run[j], size=SIZE)
                for i, j in pairs]


def test_dragging_the_timeline_to_half_shows_the_middle_snapshot_exactly(window, recorded, tmp_path) -> None:
    replay, snapshots = window
    assert replay.index == 0 and shown_equals(replay, snapshots[0])
    drag_to(replay, 0.5)
    middle = SNAPSHOTS // 2
    assert replay.index == middle and replay.position == middle
    assert not replay.playing  # it was paused before the drag
    replay.viewer.draw()
    rgb = replay.viewer.read_rgb()
    assert shown_equals(replay, snapshots[middle])
    assert replay.viewer.scene.previous is not None and replay.viewer.scene.previous.epoch == middle  # one before
    assert f"Epoch {middle + 1}   ·   snapshot {middle + 1} / {SNAPSHOTS}" in [i.text for i in replay.overlay_items()]
    # the field panel is the same picture render_frame makes of that snapshot from the file
    expected, other = render_from_file(recorded[0], [(middle, middle - 1), (middle + 3, middle + 2)])
    lay = replay.viewer.scene.layout
    got = field_pixels(lay, rgb).astype(int)
    assert np.mean(np.abs(got - field_pixels(lay, expected)) > 2) < 0.001
    assert np.mean(np.abs(got - field_pixels(lay, other)) > 2) > 0.01  # the check can tell snapshots apart


def test_the_drawn_timeline_moves_with_the_position(window) -> None:
    replay, _ = window
    viewer = replay.viewer
    line = timeline_layout(viewer.scene.layout)
    row = int(round(line.track.y + line.track.h * 0.5))
    quarter, three_quarters = int(line.x_at(0.25)), int(line.x_at(0.75))

    def played(x: int) -> bool:  # the played part is drawn in the class-1 blue
        r, g, b = viewer.read_rgb()[row, x].astype(int)
        return b > r + 60

    replay.seek(0)
    viewer.draw()
    assert not played(quarter) and not played(three_quarters)
    replay.seek_fraction(0.5)
    viewer.draw()
    assert played(quarter) and not played(three_quarters)
    replay.seek(-1)
    viewer.draw()
    assert played(quarter) and played(three_quarters)


def test_arrows_home_and_end_step_through_the_snapshots(window) -> None:
    import glfw

    replay, snapshots = window
    press(replay, glfw.KEY_RIGHT)
    press(replay, glfw.KEY_RIGHT)
    assert replay.index == 2 and shown_equals(replay, snapshots[2])
    press(replay, glfw.KEY_LEFT)
    assert replay.index == 1 and shown_equals(replay, snapshots[1])
    press(replay, glfw.KEY_END)
    assert replay.index == SNAPSHOTS - 1 and shown_equals(replay, snapshots[-1])
    press(replay, glfw.KEY_RIGHT)  # clamped at the ends
    assert replay.index == SNAPSHOTS - 1
    press(replay, glfw.KEY_HOME)
    press(replay, glfw.KEY_LEFT)
    assert replay.index == 0 and shown_equals(replay, snapshots[0])
    assert replay.viewer.scene.previous is None  # nothing before the first record


def test_space_plays_forward_at_the_speed_and_stops_at_the_end(window) -> None:
    import glfw

    replay, snapshots = window
    clock = replay.viewer.clock
    replay.speed = 10.0
    press(replay, glfw.KEY_SPACE)
    assert replay.playing
    clock.now += 0.2  # 10 snapshots/s for 0.2 s: two snapshots on
    replay.viewer.draw()
    assert replay.position == pytest.approx(2.0) and replay.index == 2
    clock.now += 0.05  # halfway between 2 and 3: weights interpolated, marks of the step 2 -> 3
    replay.viewer.draw()
    shown = replay.viewer.scene.snapshot
    expected = snapshots[2].interpolate(snapshots[3], 0.5)
    assert shown.weights[0] == pytest.approx(expected.weights[0])
    assert replay.viewer.scene.previous.epoch == snapshots[2].epoch
    press(replay, glfw.KEY_SPACE)
    assert not replay.playing
    clock.now += 1.0
    replay.viewer.draw()
    assert replay.position == pytest.approx(2.5)  # paused: stays
    press(replay, glfw.KEY_EQUAL)
    assert replay.speed == 20
    press(replay, glfw.KEY_MINUS)
    press(replay, glfw.KEY_KP_SUBTRACT)
    assert replay.speed == 5
    replay.speed = 1000
    replay.play()
    for _ in range(5):
        clock.now += 0.1
        replay.viewer.draw()
    assert replay.index == SNAPSHOTS - 1 and not replay.playing and replay.status == "end"
    replay.play()  # from the end of a finished file: from the start again
    assert replay.position == 0.0 and replay.playing


def test_s_saves_the_replayed_frame_and_h_shows_the_replay_keys(window) -> None:
    import glfw

    replay, _ = window
    press(replay, glfw.KEY_S)
    assert len(list(replay.viewer.output_dir.glob("nnviz-*.png"))) == 1
    press(replay, glfw.KEY_H)
    texts = [item.text for item in replay.viewer.hud.items()]
    assert any("drag" == t for t in texts) and any("scrub" in t for t in texts)  # key, description
    press(replay, glfw.KEY_Q)
    assert replay.viewer.closing


def test_a_file_still_being_written_is_followed_live(display, recorded, tmp_path) -> None:
    from nnviz_gl.replay import FOLLOW_EVERY_S, Replay
    from nnviz_gl.trajectory import TrajectoryWriter

    _, snapshots = recorded
    from nnviz_gl.trajectory import TrajectoryReader

    with TrajectoryReader(recorded[0]) as run:
        data = (run.X, run.y, run.X_test, run.y_test)
    path = tmp_path / "live.nnviz"
    writer = TrajectoryWriter(path, *data)
    try:
        for s in snapshots[:3]:
            writer.publish(s)
        with Replay(path, size=SIZE, vsync=False, speed=10) as replay:
            clock = replay.viewer.clock = FakeClock()
            replay._last_refresh = clock.now
            assert replay.following and replay.count == 3
            assert replay.index == 2 and replay.playing  # a live file opens at its newest snapshot
            replay.viewer.draw()
            assert replay.status == "waiting for the recording" and replay.playing
            for s in snapshots[3:6]:
                writer.publish(s)
            clock.now += FOLLOW_EVERY_S * 0.5
            replay.viewer.draw()
            assert replay.count == 3  # not looked at again yet
            clock.now += FOLLOW_EVERY_S * 0.5
            replay.viewer.draw()
            assert replay.count == 6  # picked up; playback goes on from where it waited
            for _ in range(4):
                clock.now += 0.1
                replay.viewer.draw()
            assert replay.index == 5 and shown_equals(replay, snapshots[5]) and replay.playing
            writer.close()
            clock.now += FOLLOW_EVERY_S
            replay.viewer.draw()
            assert replay.finished and not replay.playing and replay.status == "end"
    finally:
        writer.close()


# -- the command --------------------------------------------------------------------------------
def _nnviz(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnviz_gl.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_replay_duration_ends_the_run_with_the_summary_line(display, recorded, tmp_path) -> None:
    run = _nnviz("replay", str(recorded[0]), "--duration", "1.2", "-r", "480,300", "--speed", "1000",
                 "--no-vsync", "--output-dir", str(tmp_path))
    assert run.returncode == 0, run.stderr
    match = SUMMARY.search(run.stdout)
    assert match, run.stdout
    frames, seconds, fps, snapshots, epoch = (float(v) for v in match.groups())
    assert 1.2 <= seconds < 3.0
    assert frames > 5 and fps == pytest.approx(frames / seconds, rel=0.05)
    assert snapshots == SNAPSHOTS and epoch == SNAPSHOTS  # played to the end at 1000 snapshots/s


@pytest.mark.parametrize("case", ["missing", "not a trajectory", "directory"])
def test_replay_of_a_bad_file_is_one_clear_error(recorded, tmp_path, case) -> None:
    target = {"missing": tmp_path / "nope.nnviz", "directory": tmp_path}.get(case, tmp_path / "notes.nnviz")
    if case == "not a trajectory":
        target.write_text("hello")
    run = _nnviz("replay", str(target), "--duration", "1")
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("nnviz-gl: error: ") and str(target.name) in lines[0]
    expected = {"missing": "no trajectory file", "not a trajectory": "not an nnviz trajectory",
                "directory": "is a directory"}[case]
    assert expected in lines[0] and "Traceback" not in run.stderr and run.stdout == ""


def test_replay_without_a_display_says_what_to_do_in_one_line(recorded) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    run = _nnviz("replay", str(recorded[0]), "--duration", "1", env=env)
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "no display" in lines[0] and "nnviz-gl render" in lines[0] and "xvfb-run" in lines[0]
    assert "Traceback" not in run.stderr and run.stdout == ""
