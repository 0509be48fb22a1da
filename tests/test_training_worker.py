"""The training worker process behind ``nnviz-gl render``: same snapshots as training in-process,
its own session, and it ends with the render process, whichever way that one ends."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig
from nnviz_gl.training.worker import TrainingError, TrainingWorker

CONFIG = TrainingConfig(n_samples=120, epochs=6, hidden=(4, 3), seed=3)


def test_worker_sends_the_dataset_and_every_epoch_as_training_here_would():
    here = SklearnTrainer(CONFIG)
    with TrainingWorker(CONFIG) as worker:
        there = worker.dataset()
        snapshots = list(worker)
    assert np.array_equal(there.X_train, here.dataset.X_train)
    assert np.array_equal(there.y_test, here.dataset.y_test)
    assert [s.epoch for s in snapshots] == list(range(1, CONFIG.epochs + 1))
    for snapshot in snapshots:
        expected = here.step()
        assert snapshot.loss == expected.loss and snapshot.test_accuracy == expected.test_accuracy
        for a, b in zip(snapshot.weights + snapshot.biases, expected.weights + expected.biases):
            assert np.array_equal(a, b)
    assert worker._proc.returncode is not None, "leaving the block ends the worker"


def test_worker_runs_in_its_own_session_so_a_terminal_ctrl_c_reaches_the_render_process_only():
    with TrainingWorker(CONFIG) as worker:
        worker.dataset()
        assert os.getsid(worker._proc.pid) == worker._proc.pid != os.getsid(0)


def test_a_worker_that_dies_is_a_clear_error_not_a_hang():
    with TrainingWorker(CONFIG) as worker:
        worker.dataset()
        worker._proc.kill()
        with pytest.raises(TrainingError, match="ended before sending its snapshot"):
            for _ in range(10_000):  # what was already in the pipe still comes, then the error
                next(iter(worker))


def test_the_worker_exits_by_itself_when_the_render_process_stops_reading():
    """What happens when the render process is killed: the pipe loses its reader, the next write
    fails and the worker ends quietly instead of training on for nobody."""
    worker = TrainingWorker(TrainingConfig(n_samples=120, epochs=100_000, hidden=(4,)))
    worker.dataset()
    worker._proc.stdout.close()
    assert worker._proc.wait(timeout=60) == 0
