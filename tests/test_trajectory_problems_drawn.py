"""Recorded runs of every problem kind, drawn: ``render --from`` and ``replay`` of multiclass and regression
files draw what ``render_frame`` draws of the same snapshots (decoded with ffmpeg, within the codec's
tolerance; the classes in their palette hues), interpolated frames blend a multiclass run's weights, and
the recording path (``VideoRecorder(record=...)``, as ``render --record``) records every kind."""

from __future__ import annotations

import colorsys
import subprocess
from pathlib import Path

import numpy as np
import pytest
from test_trajectory_problems import ANIMALS, CLI, EPOCHS, assert_same, other, record, run_of
from truth_helpers import field_view

import nnviz_gl as nv
from nnviz_gl.render.style import DEFAULT_STYLE
from nnviz_gl.sinks.probe import read_frames
from nnviz_gl.trajectory import TrajectoryReader, TrajectoryWriter

SIZE = (320, 192)


# -- drawing a recorded run: render --from, interpolation, the recording path, replay --------------
def render_from(path: Path, out: Path, *options: str) -> np.ndarray:
    """``nnviz-gl render --from path`` at SIZE, near-lossless (crf 4), decoded with ffmpeg."""
    result = subprocess.run([*CLI, "render", "--from", str(path), "-r", f"{SIZE[0]},{SIZE[1]}", "--crf", "4",
                             "--no-progress", *options, "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return read_frames(out)


def field_difference(a: np.ndarray, b: np.ndarray, view) -> float:
    """Mean absolute difference of the field panels, over 4x4 tiles (a codec's fine-grained noise averages out)."""
    from window_helpers import coarse

    return float(np.abs(coarse(view.crop(a), 4) - coarse(view.crop(b), 4)).mean())


CODEC_TOLERANCE = 2.5  # field_difference of a crf 4 video's frame and render_frame's (measured: about 1.4)


def assert_palette_hues(rgb: np.ndarray, view, snapshot: nv.Snapshot) -> None:
    """Where class j wins clearly, the field's hue is nearest to palette colour j's among the classes' (paler
    where less sure, the hue stays)."""
    palette = [colorsys.rgb_to_hsv(*c)[0] for c in DEFAULT_STYLE.palette[:len(snapshot.classes)]]
    p = snapshot.predict_proba(view.data_at_pixels().reshape(-1, 2))
    pixels = view.crop(rgb).reshape(-1, 3) / 255.0
    for j in range(len(palette)):
        sure = (np.argmax(p, axis=1) == j) & (p.max(axis=1) > 0.6)
        assert sure.mean() > 0.02, f"class {j} wins clearly nowhere"
        hue = colorsys.rgb_to_hsv(*np.median(pixels[sure], axis=0))[0]
        distances = [min(abs(hue - h), 1 - abs(hue - h)) for h in palette]
        assert int(np.argmin(distances)) == j, f"class {j}: hue {hue:.3f}, palette hues {np.round(palette, 3)}"


@pytest.mark.parametrize("kind", ["multiclass", "regression"])
def test_render_from_a_file_of_any_kind_draws_what_render_frame_draws(kind, tmp_path):
    path = record(tmp_path / f"{kind}.nnviz", kind)
    frames = render_from(path, tmp_path / "out.mp4")
    with TrajectoryReader(path) as run:
        snapshots, data = list(run), run.data
    assert len(frames) == EPOCHS
    view = field_view(SIZE, data[0], data[2])
    last = render_frame_of(snapshots[-1], data, snapshots[-2])
    first = render_frame_of(snapshots[0], data, None)
    assert field_difference(frames[-1], last, view) < CODEC_TOLERANCE
    assert field_difference(frames[-1], first, view) > 4 * CODEC_TOLERANCE  # the check tells epochs apart
    if kind == "multiclass":
        assert_palette_hues(frames[-1], view, snapshots[-1])
    else:  # the diverging map: low predictions on class 0's side (orange), high ones on class 1's (blue)
        values = snapshots[-1].predict(view.data_at_pixels().reshape(-1, 2))
        pixels = view.crop(frames[-1]).reshape(-1, 3).astype(float)
        low, high = pixels[values < np.quantile(values, 0.1)].mean(0), pixels[values > np.quantile(values, 0.9)].mean(0)
        assert low[0] > low[2] + 40 and high[2] > high[0] + 40, (low, high)


def render_frame_of(snapshot: nv.Snapshot, data: tuple, previous: nv.Snapshot | None) -> np.ndarray:
    return nv.render_frame(snapshot, *data, previous=previous, size=SIZE)


def test_render_from_a_version_1_file_draws_its_snapshots(tmp_path):
    import make_v1_trajectory as v1

    frames = render_from(v1.FIXTURE, tmp_path / "out.mp4")
    with TrajectoryReader(v1.FIXTURE) as run:
        snapshots, data = list(run), run.data
    assert len(frames) == 3
    view = field_view(SIZE, data[0], data[2])
    for i, frame in enumerate(frames):
        want = render_frame_of(snapshots[i], data, snapshots[i - 1] if i else None)
        assert field_difference(frame, want, view) < CODEC_TOLERANCE, f"frame {i}"
    assert field_difference(frames[2], render_frame_of(snapshots[0], data, None), view) > 2 * CODEC_TOLERANCE


def test_interpolated_frames_of_a_multiclass_video_blend_the_weights(tmp_path):
    path = record(tmp_path / "multiclass.nnviz", "multiclass")
    frames = render_from(path, tmp_path / "out.mp4", "--frames-per-epoch", "3")
    with TrajectoryReader(path) as run:
        snapshots, data = list(run), run.data
    assert len(frames) == 3 * EPOCHS  # epoch 2's frames: t = 1/3, 2/3 from snapshot 0, then snapshot 1 itself
    blend = snapshots[0].interpolate(snapshots[1], 1 / 3)
    assert blend.classes == ANIMALS and blend.features == ("x1", "x2") and blend.architecture.kind == "multiclass"
    view = field_view(SIZE, data[0], data[2])
    want = render_frame_of(blend, data, snapshots[0])
    got = frames[3]
    assert field_difference(got, want, view) < CODEC_TOLERANCE
    # a blend, not either end: both differ by far more than the codec does
    assert field_difference(got, render_frame_of(snapshots[0], data, None), view) > 2 * CODEC_TOLERANCE
    assert field_difference(got, render_frame_of(snapshots[1], data, snapshots[0]), view) > 2 * CODEC_TOLERANCE
    assert_palette_hues(got, view, blend)


@pytest.mark.parametrize("kind", ["multiclass", "regression", "features"])
def test_a_video_recorder_records_every_kind(kind, tmp_path):
    """The recording path of ``render --record`` (VideoRecorder(record=...)) with each kind's snapshots."""
    run = run_of(kind)
    with nv.VideoRecorder(tmp_path / "v.mp4", run.X, run.y, run.X_test, run.y_test, size=SIZE,
                          record=tmp_path / "v.nnviz") as recorder:
        for snapshot in run.snapshots:
            recorder.publish(snapshot)
    with TrajectoryReader(tmp_path / "v.nnviz") as reader:
        assert reader.finished and len(reader) == EPOCHS
        for got, want in zip(reader, run.snapshots):
            assert_same(got, want)
        assert reader.data[1].tolist() == run.y.tolist()
    assert len(read_frames(tmp_path / "v.mp4")) == EPOCHS


def test_replay_of_a_multiclass_file_plays_to_its_last_snapshot(display, tmp_path):
    from window_helpers import FakeClock

    from nnviz_gl.replay import Replay

    path, given = numbered_run(tmp_path / "numbered.nnviz")  # its points, handed on as indices, would be off
    with TrajectoryReader(path) as run:
        snapshots = list(run)
    size = (640, 400)
    with Replay(path, size=size, vsync=False, output_dir=tmp_path, field_scale=None) as replay:
        replay.viewer.clock = clock = FakeClock()
        replay.speed = 10.0
        replay.play()
        for _ in range(12):  # 10 snapshots/s: the last of 4 is reached after 0.3 s
            clock.now += 0.05
            replay.viewer.draw()
        assert replay.index == EPOCHS - 1 and replay.status == "end"
        shown = replay.viewer.scene.snapshot
        assert_same(shown, snapshots[-1])
        rgb = replay.viewer.read_rgb()
    want = nv.render_frame(snapshots[-1], *given, previous=snapshots[-2], size=size)
    view = field_view(size, given[0], given[2])
    assert np.mean(np.abs(view.crop(rgb).astype(int) - view.crop(want)) > 2) < 0.001
    assert_palette_hues(rgb, view, snapshots[-1])


def numbered_run(path: Path) -> tuple[Path, tuple]:
    """The multiclass run with classes 1..4 and a test set without class 1: its stored indices 1, 2, 3
    are all labels of the model too, so the scene must get the labels back (reader.data), not the
    indices, or it paints those points one class off. Returns the file and the data as the user had it."""
    run = run_of("multiclass")
    y, y_test = (np.searchsorted(ANIMALS, labels) + 1 for labels in (run.y, run.y_test))
    keep = y_test != 1
    with TrajectoryWriter(path, run.X, y, run.X_test[keep], y_test[keep]) as writer:
        for s in run.snapshots:
            writer.publish(other(s, classes=(1, 2, 3, 4), epoch=s.epoch))
    return path, (run.X, y, run.X_test[keep], y_test[keep])


def test_labels_that_are_also_class_numbers_are_drawn_as_the_classes_they_name(tmp_path):
    path, given = numbered_run(tmp_path / "numbered.nnviz")
    with TrajectoryReader(path) as reader:
        assert set(reader.y_test.tolist()) == {1, 2, 3}  # indices of classes 2, 3, 4
        data, stored = reader.data, (reader.X, reader.y, reader.X_test, reader.y_test)
        snapshots = list(reader)
    want = render_frame_of(snapshots[-1], given, snapshots[-2])
    assert np.array_equal(render_frame_of(snapshots[-1], data, snapshots[-2]), want)
    wrong = render_frame_of(snapshots[-1], stored, snapshots[-2])
    assert not np.array_equal(wrong, want)  # what handing on the indices draws
    frames = render_from(path, tmp_path / "out.mp4")  # render --from hands the scene the labels too
    view = field_view(SIZE, given[0], given[2])
    assert field_difference(frames[-1], want, view) < field_difference(frames[-1], wrong, view) - 0.5
