"""What a sweep's worker runs: train one run and return its trajectory as bytes.

Executors pickle this function by reference, so a worker needs nnviz_gl installed, but no GL: this
module imports the trainer and the trajectory writer only (a test checks that no GL module loads).
The bytes come back through the executor (no file system shared with the rendering process).
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

from ..training.datasets import Dataset
from ..training.trainer import TrainingConfig

# Set to a folder, a worker leaves an empty file "<index>-<pid>.started" there as each run begins:
# how the tests find a worker in the middle of a run (to kill it) without guessing with sleeps.
STARTED_DIR_ENV = "NNVIZ_SWEEP_STARTED_DIR"


def train_run(config: TrainingConfig, dataset: Dataset | None = None, metadata: dict[str, Any] | None = None,
              index: int = 0) -> bytes:
    """Train ``config`` for ``config.epochs`` epochs (on ``dataset`` when given: the user's own data,
    read by the rendering process) and return the ``.nnviz`` file's bytes, whose origin says this host,
    this process and the config's options."""
    from ..trajectory_writer import TrajectoryWriter, training_origin
    from ..training.trainer import SklearnTrainer

    started = os.environ.get(STARTED_DIR_ENV)
    if started:
        Path(started, f"{index}-{os.getpid()}.started").touch()
    with warnings.catch_warnings(), tempfile.TemporaryDirectory(prefix="nnviz-run-") as folder:
        # numpy's overflow warnings of a diverging run would scroll over the progress bar; the
        # trajectory records the non-finite loss itself
        warnings.simplefilter("ignore", RuntimeWarning)
        trainer = SklearnTrainer(config, dataset)
        data = trainer.dataset
        path = Path(folder, "run.nnviz")
        with TrajectoryWriter(path, data.X_train, data.y_train, data.X_test, data.y_test, metadata=metadata,
                              origin=training_origin(config)) as writer:
            for _ in range(config.epochs):
                writer.publish(trainer.step())
        return path.read_bytes()
