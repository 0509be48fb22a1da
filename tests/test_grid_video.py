"""The grid video (issue 19): each tile is drawn from its own run, read back off the decoded video's pixels;
one tile's field is scikit-learn's predict_proba; runs of different lengths stay on one epoch axis; a failed
run's tile shows its note."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from truth_helpers import FieldView, check_colours, check_line, truth_of

import nnviz_gl as nv
from nnviz_gl.grid_video import synchronised_epochs
from nnviz_gl.render.grid_layout import grid_layout, grid_shape
from nnviz_gl.render.grid_scene import GridScene, tile_field_side
from nnviz_gl.render.offscreen import OffscreenTarget
from nnviz_gl.render.style import DEFAULT_STYLE
from nnviz_gl.render.transforms import data_bounds
from nnviz_gl.sinks.probe import count_frames, read_frames
from nnviz_gl.trajectory import TrajectoryWriter

SIZE = (640, 360)
# A 2-1 logistic model whose field turns with ``angle``: class 1 (blue) where (cos a, sin a) . x > 0.
RIGHT, UP, LEFT, DOWN = 0.0, np.pi / 2, np.pi, 3 * np.pi / 2


def turned(angle: float, epoch: int, steep: float = 4.0) -> nv.Snapshot:
    return nv.Snapshot(weights=[steep * np.array([[np.cos(angle)], [np.sin(angle)]])], biases=[np.zeros(1)],
                       activation="identity", epoch=epoch, loss=1.0 / epoch)


def write_run(path: Path, snapshots: list[nv.Snapshot], n_points: int = 6, seed: int = 0) -> Path:
    """A trajectory of ``snapshots`` over a few points near the middle (the field shows past them)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.5, 1.5, size=(n_points, 2))
    X[:2] = [[-1.5, -1.5], [1.5, 1.5]]  # the same bounds for every run
    y = (X[:, 0] > 0).astype(int)
    y[:2] = [0, 1]
    with TrajectoryWriter(path, X, y) as writer:
        for snapshot in snapshots:
            writer.publish(snapshot)
    return path


def field_crop(frame: np.ndarray, size: tuple[int, int], n: int, index: int, inset: int = 3) -> np.ndarray:
    """Tile ``index``'s field square of a whole frame (row 0 at the top), a few pixels inside its edge."""
    x, y_gl, w, h = grid_layout(size, n).tiles[index].lay.field.gl_viewport(size[1])
    y0 = size[1] - y_gl - h
    return frame[y0 + inset:y0 + h - inset, x + inset:x + w - inset].astype(np.float64)


def blueness(pixels: np.ndarray) -> float:
    """How much more class 1 (blue) than class 0 (orange) a region shows: mean blue minus mean red."""
    return float(pixels[..., 2].mean() - pixels[..., 0].mean())


def side_of_class_1(field: np.ndarray) -> str:
    """Which half of a field square is blue: "right", "left", "up" or "down"."""
    h, w = field.shape[:2]
    sides = {"right": blueness(field[:, w // 2:]) - blueness(field[:, :w // 2]),
             "up": blueness(field[:h // 2]) - blueness(field[h // 2:])}
    axis = max(sides, key=lambda k: abs(sides[k]))
    other = min(sides, key=lambda k: abs(sides[k]))
    assert abs(sides[axis]) > 150 and abs(sides[other]) < 40, sides  # a clear half, the other axis even
    return axis if sides[axis] > 0 else {"right": "left", "up": "down"}[axis]


def drawn_and_released(ctx, scene: GridScene, size: tuple[int, int]) -> np.ndarray:
    """The grid's own draw path read back losslessly: one frame of ``scene``, which is then released (with
    the default framebuffer bound first, so the session's context never keeps a deleted one bound)."""
    target = OffscreenTarget(ctx, size, scene.caps.frame_storage)
    try:
        scene.render(target.framebuffer, size)
        return target.read_rgb()
    finally:
        ctx.detect_framebuffer(0).use()
        target.release()
        scene.release()


def test_the_grid_is_the_most_square_one_for_the_frame():
    assert grid_shape(16, (1920, 1000), 16 / 9) == (4, 4)
    assert grid_shape(4, (1920, 1000), 16 / 9) == (2, 2)
    assert grid_shape(3, (1920, 1000), 16 / 9) == (2, 2)
    assert grid_shape(2, (1000, 1900), 9 / 16) == (1, 2)
    assert grid_shape(1000, (1900, 1000), 16 / 9)[0] * grid_shape(1000, (1900, 1000), 16 / 9)[1] >= 1000


def test_each_tile_shows_its_own_runs_field(tmp_path):
    """Four runs turned four ways: in the decoded video each tile's blue half is its own run's."""
    angles = {"right": RIGHT, "up": UP, "left": LEFT, "down": DOWN}
    order = ["up", "left", "down", "right"]
    runs = [write_run(tmp_path / f"{name}.nnviz", [turned(angles[name], e) for e in (1, 2)]) for name in order]
    out = nv.render_grid(runs, tmp_path / "grid.mp4", size=SIZE, progress=False)
    frames = read_frames(out)
    assert len(frames) == 2
    shown = [side_of_class_1(field_crop(frames[-1], SIZE, 4, i)) for i in range(4)]
    assert shown == order


def test_a_tiles_field_is_predict_proba_of_its_run(ctx):
    """The grid's own draw path, read back losslessly: one tile's field against scikit-learn's predict_proba
    for its weights, while the other tiles show other models (and its network is drawn beside it)."""
    data = nv.make_dataset("moons", n_samples=120, seed=0)
    clf = MLPClassifier(hidden_layer_sizes=(8, 8), activation="tanh", learning_rate_init=0.03, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(40):
            clf.partial_fit(data.X_train, data.y_train, classes=[0, 1])
    size, n, index = (1280, 720), 4, 2
    scene = GridScene(ctx, [True] * n, [f"run {i}" for i in range(n)], [None] * n)
    for i in range(n):
        scene.tile(i).set_data(data.X_train, data.y_train, data.X_test, data.y_test)
        scene.tile(i).show(nv.Snapshot.from_sklearn(clf, epoch=40) if i == index else turned(i, 40))
    scene.epoch = 40
    rgb = drawn_and_released(ctx, scene, size)
    tile = grid_layout(size, n).tiles[index]
    assert tile.show_network
    x, y_gl, w, h = tile.lay.field.gl_viewport(size[1])
    view = FieldView(size, x, size[1] - y_gl - h, w, h, data_bounds(data.X_train, data.X_test), tile.lay.unit)
    points = np.concatenate([data.X_train, data.X_test])
    truth = truth_of(rgb, view, lambda X: clf.predict_proba(X)[:, 1], points)
    assert np.ptp(truth.p) > 0.6
    texel_px = w / tile_field_side(max(w, h))
    check_colours(truth, keep_from_line_px=view.line_px / 2 + 1.5 * texel_px + 1.0, sign_margin=0.02,
                  max_t_error=0.05, min_spearman=0.995)
    check_line(truth)


def test_each_tile_draws_its_own_runs_points(ctx):
    """Two runs, one model, different data: most points upper left in one, lower right in the other. The
    training points' white rings in each tile sit where its own run's points are."""
    rng = np.random.default_rng(3)
    clusters = {"upper left": (-1.0, 1.0), "lower right": (1.0, -1.0)}
    size, n = (1280, 720), 2
    scene = GridScene(ctx, [True] * n, ["a", "b"], [None] * n)
    for i, (main, other) in enumerate([("upper left", "lower right"), ("lower right", "upper left")]):
        X = np.concatenate([rng.normal(clusters[main], 0.05, size=(12, 2)), [clusters[other]]])
        scene.tile(i).set_data(X, (X[:, 0] > 0).astype(int), None, None)
        scene.tile(i).show(turned(RIGHT, 1, steep=40.0))
    scene.epoch = 1
    rgb = drawn_and_released(ctx, scene, size)
    where = []
    for i in range(n):
        field = field_crop(rgb, size, n, i, inset=0)
        h, w = field.shape[:2]
        white = field.min(axis=-1) >= 230  # the rings; the field is saturated but along its boundary (x = 0)
        white[:, w // 2 - 8:w // 2 + 8] = False
        rows, cols = np.nonzero(white)
        assert len(rows) > 20, "no training points drawn"
        where.append(("upper" if rows.mean() < h / 2 else "lower") + " " + ("left" if cols.mean() < w / 2 else "right"))
    assert where == ["upper left", "lower right"]


def test_runs_of_different_lengths_share_the_epoch_axis(tmp_path):
    """A 12-epoch run and a 7-epoch one, every 3rd epoch: frames at epochs 3, 6, 9 and 12; the short run's
    tile holds its last snapshot (epoch 7) while the long one's keeps turning."""
    long = write_run(tmp_path / "long.nnviz", [turned(e * 0.5, e) for e in range(1, 13)])
    short = write_run(tmp_path / "short.nnviz", [turned(RIGHT if e < 7 else UP, e) for e in range(1, 8)])
    out = nv.render_grid([long, short], tmp_path / "grid.mp4", size=SIZE, every=3, progress=False)
    assert count_frames(out) == len(synchronised_epochs([np.arange(1, 13), np.arange(1, 8)], 3)) == 4
    frames = read_frames(out)
    short_tiles = [field_crop(f, SIZE, 2, 1) for f in frames]
    assert side_of_class_1(short_tiles[1]) == "right"  # epoch 6: its own snapshot 6
    assert side_of_class_1(short_tiles[2]) == side_of_class_1(short_tiles[3]) == "up"  # epochs 9, 12: its last (7)
    assert np.abs(short_tiles[3] - short_tiles[2]).mean() < 2.0
    long_tiles = [field_crop(f, SIZE, 2, 0) for f in frames]
    assert np.abs(long_tiles[3] - long_tiles[2]).mean() > 20.0  # the long run still moves


def test_a_failed_runs_tile_shows_its_note_where_its_field_would_be(tmp_path):
    run = write_run(tmp_path / "ok.nnviz", [turned(RIGHT, 1)])
    out = nv.render_grid([run, None], tmp_path / "grid.mp4", size=SIZE, progress=False,
                         notes=[None, "failed: ValueError: diverged"], labels=["ok", "learning-rate=10"])
    frame = read_frames(out)[0].astype(np.float64)
    failed = field_crop(frame, SIZE, 2, 1)
    alarm = np.array(DEFAULT_STYLE.alarm) * 255
    panel = np.array(DEFAULT_STYLE.panel) * 255
    near_alarm = np.linalg.norm(failed - alarm, axis=-1) < 60
    near_panel = np.linalg.norm(failed - panel, axis=-1) < 12
    assert near_alarm.sum() > 100, "no note drawn in the failed run's tile"
    assert (near_alarm | near_panel).mean() > 0.9, "something other than its note is drawn in the failed tile"
    tile = grid_layout(SIZE, 2).tiles[1]
    label = frame[int(tile.lay.title.y):int(tile.lay.title.y + tile.lay.title.h),
                  int(tile.lay.title.x):int(tile.lay.title.x + tile.lay.title.w)]
    assert (np.linalg.norm(label - panel, axis=-1) > 80).sum() > 30, "no caption drawn"


def test_bad_input_is_refused_before_any_work(tmp_path):
    run = write_run(tmp_path / "ok.nnviz", [turned(RIGHT, 1)])
    with pytest.raises(ValueError, match="folder .* does not exist"):
        nv.render_grid([run], tmp_path / "no" / "grid.mp4", progress=False)
    not_a_run = tmp_path / "notes.nnviz"
    not_a_run.write_text("hello")
    with pytest.raises(ValueError, match="notes.nnviz"):
        nv.render_grid([run, not_a_run], tmp_path / "grid.mp4", progress=False)
    with pytest.raises(ValueError, match="2 runs need as many labels"):
        nv.render_grid([run, None], tmp_path / "grid.mp4", labels=["one"], progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.nnviz", "ok.nnviz"]
