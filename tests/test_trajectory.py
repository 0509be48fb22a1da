"""Trajectory files: round trip, following a growing file, surviving kill -9, no pickle, render equality."""

from __future__ import annotations

import builtins
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnviz_gl import VideoRecorder, render_frame
from nnviz_gl.cli import main as cli_main
from nnviz_gl.sinks.probe import read_frames
from nnviz_gl.snapshot import Snapshot
from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig
from nnviz_gl.trajectory import (ArchitectureMismatchError, TrajectoryError, TrajectoryReader, TrajectoryWriter,
                                 record_values)

SIZE = (160, 96)
TESTS = Path(__file__).parent


def synthetic_snapshot(i: int, sizes: tuple[int, ...] = (2, 5, 10, 5, 1)) -> Snapshot:
    """Snapshot number ``i``: cheap, deterministic, different for every i (the kill test's writer uses it)."""
    weights = [np.arange(a * b, dtype=np.float64).reshape(a, b) * 1e-3 + i for a, b in zip(sizes, sizes[1:])]
    biases = [np.full(b, -0.5 * i) for b in sizes[1:]]
    return Snapshot(weights, biases, activation="tanh", epoch=i, loss=1.0 / (i + 1), accuracy=None,
                    test_accuracy=0.5 if i % 2 else None)


def assert_same(got: Snapshot, want: Snapshot) -> None:
    assert got.architecture == want.architecture
    for a, b in zip((*got.weights, *got.biases), (*want.weights, *want.biases)):
        np.testing.assert_array_equal(a, b)  # bit-exact; NaN equals NaN here
    for name in ("epoch", "loss", "test_loss", "accuracy", "test_accuracy"):
        a, b = getattr(got, name), getattr(want, name)
        assert (a is None) == (b is None), name
        assert a is None or a == b or (np.isnan(a) and np.isnan(b)), name


@pytest.fixture(scope="module")
def trained():
    trainer = SklearnTrainer(TrainingConfig(n_samples=60, epochs=6))
    return trainer.dataset, [trainer.step() for _ in range(6)]


def test_round_trip_keeps_data_architecture_metrics_and_weights_exactly(tmp_path, trained):
    data, snapshots = trained
    odd = Snapshot([np.array([[np.inf, 1.0], [np.nan, -0.0]]), np.ones((2, 1))], [np.zeros(2), [np.nan]],
                   activation="relu", epoch=9, loss=float("nan"))
    path = tmp_path / "run.nnviz"
    with TrajectoryWriter(path, data.X_train, data.y_train, data.X_test, data.y_test,
                          metadata={"note": "seed run", "hidden": [5, 10, 5]}) as writer:
        for snap in snapshots:
            writer.publish(snap)
    with TrajectoryReader(path) as run:
        assert len(run) == 6 and run.finished
        assert run.architecture == snapshots[0].architecture
        assert run.metadata == {"note": "seed run", "hidden": [5, 10, 5]}
        np.testing.assert_array_equal(run.X, data.X_train)
        np.testing.assert_array_equal(run.y, data.y_train)
        np.testing.assert_array_equal(run.X_test, data.X_test)
        np.testing.assert_array_equal(run.y_test, data.y_test)
        for got, want in zip(run, snapshots):
            assert_same(got, want)
        assert_same(run[-1], snapshots[-1])
        np.testing.assert_array_equal(run.epochs, [1, 2, 3, 4, 5, 6])
        np.testing.assert_array_equal(run.metric("loss"), [s.loss for s in snapshots])
        with pytest.raises(IndexError, match="holds 6"):
            run[6]
    # non-finite weights, a NaN loss (shown as n/a) and absent metrics (not shown) stay distinct
    other = tmp_path / "odd.nnviz"
    with TrajectoryWriter(other, [[0.0, 1.0], [1.0, 0.0]], [1, 0]) as writer:
        writer.publish(odd)
    with TrajectoryReader(other) as run:
        assert_same(run[0], odd)
        assert run.X_test is None and run.y_test is None
        assert np.isnan(run.metric("loss")[0]) and np.isnan(run.metric("accuracy")[0])


def test_file_size_is_header_plus_one_fixed_record_per_snapshot(tmp_path):
    path = tmp_path / "run.nnviz"
    with TrajectoryWriter(path, np.zeros((3, 2)), [0, 1, 0]) as writer:
        writer.publish(synthetic_snapshot(0))
        one = path.stat().st_size
        for i in range(1, 10):
            writer.publish(synthetic_snapshot(i))
    # epoch, metrics mask, 6 metrics; 2-5-10-5-1 has 136 parameters
    assert record_values(synthetic_snapshot(0).architecture) == 8 + 136
    assert path.stat().st_size - one == 9 * 144 * 8


def test_a_reader_follows_a_file_that_is_still_being_written(tmp_path):
    path = tmp_path / "live.nnviz"
    writer = TrajectoryWriter(path, np.zeros((3, 2)), [0, 1, 0])
    assert not path.exists()  # the file appears whole, at the first snapshot
    writer.publish(synthetic_snapshot(0))
    run = TrajectoryReader(path)
    assert len(run) == 1 and not run.finished
    for i in range(1, 4):
        writer.publish(synthetic_snapshot(i))
    assert len(run) == 1  # the count moves only on refresh, so an index stays valid while drawing
    assert run.refresh() == 4
    assert_same(run[3], synthetic_snapshot(3))
    writer.close()
    assert run.finished and run.refresh() == 4
    run.close()


def test_a_trailing_partial_record_is_ignored(tmp_path):
    path = tmp_path / "cut.nnviz"
    with TrajectoryWriter(path, np.zeros((3, 2)), [0, 1, 0]) as writer:
        for i in range(3):
            writer.publish(synthetic_snapshot(i))
    record = record_values(synthetic_snapshot(0).architecture) * 8
    with open(path, "ab") as f:
        f.write(b"\x7f" * (record // 2))
    with TrajectoryReader(path) as run:
        assert len(run) == 3
        assert_same(run[2], synthetic_snapshot(2))


KILLED_WRITER = """
import sys
sys.path.insert(0, {tests!r})
import numpy as np
from test_trajectory import synthetic_snapshot
from nnviz_gl.trajectory import TrajectoryWriter

writer = TrajectoryWriter({path!r}, np.zeros((4, 2)), [0, 1, 1, 0], metadata={{"writer": "killed"}})
i = 0
while True:
    writer.publish(synthetic_snapshot(i, {sizes!r}))
    print(i + 1, flush=True)
    i += 1
"""


def test_a_writer_killed_with_sigkill_keeps_every_complete_snapshot(tmp_path):
    path = tmp_path / "killed.nnviz"
    sizes = (2, 128, 128, 1)  # ~135 kB records, so the kill is likely to land inside a write
    code = KILLED_WRITER.format(tests=str(TESTS), path=str(path), sizes=sizes)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        reported = 0
        while reported < 20:
            line = child.stdout.readline()
            assert line, "the writer process died before writing 20 snapshots"
            reported = int(line)
        # read while the other process is still appending
        run = TrajectoryReader(path)
        assert len(run) >= 20 and not run.finished
        assert_same(run[19], synthetic_snapshot(19, sizes))
        while reported < 40:
            reported = int(child.stdout.readline())
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    n = run.refresh()
    assert n >= 40  # every snapshot the writer reported, perhaps a few more it finished before dying
    assert not run.finished
    for i in (*range(0, n, 7), n - 1):
        assert_same(run[i], synthetic_snapshot(i, sizes))
    assert run.metadata == {"writer": "killed"}
    run.close()


def test_reading_uses_no_pickle_and_no_eval(tmp_path, monkeypatch, trained):
    data, snapshots = trained
    path = tmp_path / "run.nnviz"
    with TrajectoryWriter(path, data.X_train, data.y_train, data.X_test, data.y_test) as writer:
        writer.publish(snapshots[0])

    def forbidden(*args, **kwargs):
        raise AssertionError("a trajectory was read with pickle or eval")

    for module, name in ((pickle, "load"), (pickle, "loads"), (pickle, "Unpickler"), (builtins, "eval"),
                         (np, "load")):
        monkeypatch.setattr(module, name, forbidden)
    with TrajectoryReader(path) as run:
        assert_same(run[0], snapshots[0])
    monkeypatch.undo()
    # an array declared as Python objects is refused, not unpickled
    raw = path.read_bytes()
    assert raw.count(b'"dtype":"<f8","shape":[') >= 1
    path.write_bytes(raw.replace(b'"dtype":"<f8","shape":[', b'"dtype":"|O8","shape":[', 1))
    with pytest.raises(TrajectoryError, match="damaged header"):
        TrajectoryReader(path)


def test_one_architecture_per_file(tmp_path):
    path = tmp_path / "run.nnviz"
    with TrajectoryWriter(path, np.zeros((3, 2)), [0, 1, 0]) as writer:
        writer.publish(synthetic_snapshot(0))
        with pytest.raises(ArchitectureMismatchError, match=r"2-5-1 tanh.*records 2-5-10-5-1 tanh"):
            writer.publish(synthetic_snapshot(1, (2, 5, 1)))
        relu = Snapshot(synthetic_snapshot(2).weights, synthetic_snapshot(2).biases, activation="relu")
        with pytest.raises(ArchitectureMismatchError, match="relu"):
            writer.publish(relu)
    with TrajectoryReader(path) as run:
        assert len(run) == 1


def test_bad_paths_and_files_say_what_is_wrong(tmp_path):
    with pytest.raises(TrajectoryError, match="cannot write"):
        TrajectoryWriter(tmp_path / "missing" / "run.nnviz", np.zeros((2, 2)), [0, 1])
    with pytest.raises(TrajectoryError, match="directory"):
        TrajectoryWriter(tmp_path, np.zeros((2, 2)), [0, 1])
    with pytest.raises(TrajectoryError, match="both X_test and y_test"):
        TrajectoryWriter(tmp_path / "a.nnviz", np.zeros((2, 2)), [0, 1], X_test=np.zeros((2, 2)))
    with pytest.raises(FileNotFoundError, match="no trajectory"):
        TrajectoryReader(tmp_path / "nothing.nnviz")
    (tmp_path / "video.mp4").write_bytes(b"\x00\x00\x00\x20ftypisom" + bytes(100))
    with pytest.raises(TrajectoryError, match="not an nnviz trajectory"):
        TrajectoryReader(tmp_path / "video.mp4")
    # a writer closed before any snapshot leaves nothing behind, not even its temporary file
    TrajectoryWriter(tmp_path / "empty.nnviz", np.zeros((2, 2)), [0, 1]).close()
    assert not any(p.name.endswith((".nnviz", ".tmp")) for p in tmp_path.iterdir())


def test_rendering_from_the_file_equals_the_live_render(tmp_path, trained):
    data, snapshots = trained
    path = tmp_path / "run.nnviz"
    with TrajectoryWriter(path, data.X_train, data.y_train, data.X_test, data.y_test) as writer:
        for snap in snapshots:
            writer.publish(snap)
    with TrajectoryReader(path) as run:
        recorded = list(run)
        live_data = (data.X_train, data.y_train, data.X_test, data.y_test)
        file_data = (run.X, run.y, run.X_test, run.y_test)
    previous_live = previous_file = None
    for live, from_file in zip(snapshots, recorded):
        want = render_frame(live, *live_data, previous=previous_live, size=SIZE)
        got = render_frame(from_file, *file_data, previous=previous_file, size=SIZE)
        assert np.array_equal(got, want), f"epoch {live.epoch} differs"
        previous_live, previous_file = live, from_file


def test_video_recorder_records_what_it_draws(tmp_path, trained):
    data, snapshots = trained
    with VideoRecorder(tmp_path / "v.mp4", data.X_train, data.y_train, size=SIZE,
                       record=tmp_path / "v.nnviz") as recorder:
        for snap in snapshots[::2]:
            recorder.publish(snap)
    with TrajectoryReader(tmp_path / "v.nnviz") as run:
        assert run.finished and len(run) == 3
        for got, want in zip(run, snapshots[::2]):
            assert_same(got, want)
        assert run.X_test is None


def test_cli_render_from_a_recording_gives_the_live_videos_frames(tmp_path, capsys):
    common = ["-r", f"{SIZE[0]},{SIZE[1]}", "--every", "2", "--frames-per-epoch", "2", "--no-progress"]
    training = ["--samples", "60", "--epochs", "5", "--hidden", "4,3"]
    assert cli_main(["render", *common, *training, "--record", str(tmp_path / "run.nnviz"),
                     "-o", str(tmp_path / "live.mp4")]) == 0
    # training options are ignored with --from: the run is the recorded one
    assert cli_main(["render", *common, "--epochs", "50", "--hidden", "9", "--from", str(tmp_path / "run.nnviz"),
                     "-o", str(tmp_path / "replayed.mp4")]) == 0
    live, replayed = read_frames(tmp_path / "live.mp4"), read_frames(tmp_path / "replayed.mp4")
    assert live.shape == (6, SIZE[1], SIZE[0], 3)  # epochs 2, 4 and the last, 5: two frames each
    assert np.array_equal(live, replayed)
    with TrajectoryReader(tmp_path / "run.nnviz") as run:
        assert len(run) == 5  # --record keeps every epoch, whatever --every draws
        assert run.metadata["training"]["hidden"] == [4, 3]
    assert cli_main(["render", "-r", "160,96", "--no-progress", "--from", str(tmp_path / "run.nnviz"),
                     "-o", str(tmp_path / "all.mp4")]) == 0
    assert len(read_frames(tmp_path / "all.mp4")) == 5
    assert cli_main(["render", "--from", str(tmp_path / "none.nnviz"), "-o", str(tmp_path / "x.mp4")]) == 1
    assert "no trajectory file" in capsys.readouterr().err
