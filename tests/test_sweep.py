"""nv.sweep on this machine's worker processes: the runs, their trajectories (where and with what they
trained), a run that fails, a worker killed in the middle of a run (twice); no GL on a worker."""

from __future__ import annotations

import os
import signal
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

import nnviz_gl as nv
from nnviz_gl.sweeps.combinations import SweepError, combinations, file_names
from nnviz_gl.sweeps.executors import local_pool
from nnviz_gl.sweeps.runs_dir import read_runs
from nnviz_gl.sweeps.train_run import STARTED_DIR_ENV, train_run
from polling import poll_until

TINY = nv.TrainingConfig(epochs=4, n_samples=40, hidden=(3,))
SLOWER = nv.TrainingConfig(epochs=60, n_samples=200, hidden=(5, 10, 5))  # a kill lands in the middle of it


def weights_of(path) -> list[list[np.ndarray]]:
    with nv.TrajectoryReader(path) as run:
        return [[a.copy() for a in (*s.weights, *s.biases)] for s in run]


def trained_here(config: nv.TrainingConfig, tmp_path: Path) -> list[list[np.ndarray]]:
    """The same run trained in this process: what every executor must give back, bit for bit."""
    path = tmp_path / f"here-{abs(hash(config))}.nnviz"
    path.write_bytes(train_run(config))
    return weights_of(path)


def assert_same_weights(a, b) -> None:
    assert len(a) == len(b)
    for epoch_a, epoch_b in zip(a, b):
        assert all(np.array_equal(x, y) for x, y in zip(epoch_a, epoch_b))


@pytest.fixture(scope="module")
def pool():
    executor = local_pool(2)
    yield executor
    executor.shutdown()


def test_runs_are_every_combination_in_order_or_the_lists_paired():
    runs = combinations(TINY, {"learning_rate": [0.01, 0.1], "activation": ["relu", "tanh"]})
    assert [r.label for r in runs] == ["learning-rate=0.01 · activation=relu", "learning-rate=0.01 · activation=tanh",
                                       "learning-rate=0.1 · activation=relu", "learning-rate=0.1 · activation=tanh"]
    assert [(r.config.learning_rate, r.config.activation) for r in runs][1] == (0.01, "tanh")
    paired = combinations(TINY, {"hidden": [(5, 10, 5), ()], "features": [("x1", "x2"), ("x1", "x2", "x1^2")]},
                          zip_lists=True)
    assert [r.label for r in paired] == ["hidden=5-10-5 · features=x1+x2", "hidden=none · features=x1+x2+x1^2"]
    assert file_names(paired) == ["0-hidden=5-10-5_features=x1+x2.nnviz", "1-hidden=none_features=x1+x2+x1_2.nnviz"]
    with pytest.raises(SweepError, match="same length; got seed 2, alpha 1"):
        combinations(TINY, {"seed": [1, 2], "alpha": [1.0]}, zip_lists=True)
    with pytest.raises(SweepError, match="run activation=softplus: unknown activation"):
        combinations(TINY, {"activation": ["relu", "softplus"]})


def test_a_sweep_gives_back_each_run_as_trained_here_and_a_failing_run_does_not_sink_it(pool, tmp_path, capfd):
    vary = {"seed": [0, 1], "noise": [0.3, 1e308]}  # noise 1e308 makes non-finite points: that run raises
    runs = nv.sweep(TINY, vary, executor=pool, runs_dir=tmp_path / "runs", progress=False)
    assert [r.ok for r in runs] == [True, False, True, False]
    assert runs[1].trajectory is None and "NaN or infinite" in runs[1].error
    assert runs[1].note.startswith("failed: ")
    err = capfd.readouterr().err
    assert "nnviz-gl: run seed=0 · noise=1e+308 failed: TrajectoryError" in err
    for run in (runs[0], runs[2]):
        assert run.trajectory.parent == tmp_path / "runs"
        assert_same_weights(weights_of(run.trajectory), trained_here(run.config, tmp_path))
        with nv.TrajectoryReader(run.trajectory) as recorded:
            assert recorded.metadata["sweep"]["label"] == run.label
            assert recorded.origin["host"] == socket.gethostname()
            assert recorded.origin["pid"] != os.getpid()  # trained in a worker
            assert recorded.origin["options"]["seed"] == run.config.seed
    stored = read_runs(tmp_path / "runs")
    assert [s.label for s in stored] == [r.label for r in runs]
    assert [s.trajectory for s in stored] == [r.trajectory for r in runs]
    assert stored[3].note.startswith("failed: TrajectoryError")
    # the workers that trained hold no GL: only the rendering process draws
    gl = "sorted(m for m in __import__('sys').modules if m.split('.')[0] in ('moderngl', 'glfw', 'OpenGL') " \
         "or m.startswith(('nnviz_gl.render', 'nnviz_gl.sinks', 'nnviz_gl.video')))"
    trained = "'nnviz_gl.training.trainer' in __import__('sys').modules"
    assert [pool.submit(eval, f"({trained}, {gl})").result() for _ in range(4)] == [(True, [])] * 4


def test_a_trajectory_says_where_it_trained_and_a_damaged_origin_is_refused(tmp_path):
    from nnviz_gl.trajectory import TrajectoryError
    from nnviz_gl.trajectory_writer import training_origin

    X, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1])
    with pytest.raises(TrajectoryError, match="origin pid must be a whole number, got \"1\""):
        nv.TrajectoryWriter(tmp_path / "bad.nnviz", X, y, origin={"host": "h", "pid": "1", "options": {}})
    path = tmp_path / "run.nnviz"
    origin = {**training_origin({"seed": 3}), "pid": 12345}
    with nv.TrajectoryWriter(path, X, y, origin=origin) as writer:
        writer.publish(nv.Snapshot([np.ones((2, 1))], [np.zeros(1)], activation="relu"))
    with nv.TrajectoryReader(path) as run:
        assert run.origin == {"host": socket.gethostname(), "pid": 12345, "options": {"seed": 3}}
    path.write_bytes(path.read_bytes().replace(b'"pid":12345', b'"pid":"123"'))  # same length: offsets hold
    with pytest.raises(TrajectoryError, match="damaged header: origin pid must be a whole number, got \"123\""):
        nv.TrajectoryReader(path)


def test_a_worker_killed_mid_run_is_run_again_and_one_that_dies_twice_is_reported(tmp_path, monkeypatch, capfd):
    """The local pool breaks for every run in it; the sweep finishes the others on a fresh pool."""
    started = tmp_path / "started"
    started.mkdir()
    monkeypatch.setenv(STARTED_DIR_ENV, str(started))
    killed: list[int] = []
    result: dict = {}
    sweep = threading.Thread(target=lambda: result.update(runs=nv.sweep(
        SLOWER, {"seed": [0, 1, 2]}, workers=2, runs_dir=tmp_path / "runs", progress=False)))
    sweep.start()
    try:
        for _ in range(2):  # run 1's worker, each time run 1 starts: at its first try and when it runs alone
            markers = []
            poll_until(lambda: markers.extend(p for p in started.glob("1-*.started") if int(p.stem.split("-")[1])
                                              not in (*killed, os.getpid())) or markers, 120, "run 1 did not start")
            pid = int(markers[0].stem.split("-")[1])
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    finally:
        sweep.join(180)
    runs = result["runs"]
    assert [r.ok for r in runs] == [True, False, True]
    assert "died while training it, twice" in runs[1].error
    err = capfd.readouterr().err
    assert "nnviz-gl: run seed=1: a worker process died while it trained; training it again" in err
    for run in (runs[0], runs[2]):
        assert_same_weights(weights_of(run.trajectory), trained_here(run.config, tmp_path))
