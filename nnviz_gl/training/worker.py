"""Training in a worker process, for ``nnviz-gl render``: snapshots stream back through a pipe.

Why a process: importing scikit-learn takes over a second of one core (scipy.stats, mostly), and the
render process has its own start-up to do in that second (GL context, shaders, ffmpeg); in a worker
the two overlap on two cores. Afterwards training's Python never holds the render process's GIL.
A snapshot is a few kilobytes of weights, so pickling it through the pipe costs microseconds.

The worker runs in its own session: a Ctrl-C at the terminal reaches the render process only, which
finalises the video and then ends the worker. If the render process dies, the worker's next write
fails (the pipe has no reader) and it exits; the pipe's buffer bounds how far it trains ahead.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import traceback
from typing import IO, Iterator

from ..snapshot import Snapshot
from .datasets import Dataset
from .trainer import TrainingConfig


class TrainingError(RuntimeError):
    """Training failed in the worker process; the message is the worker's error."""


class TrainingWorker:
    """Trains ``config`` for ``config.epochs`` epochs in a worker process; iterate for the snapshots.

    ``dataset()`` blocks until the worker has drawn the data (after its scikit-learn import); iterating
    yields epochs 1, 2, ... as the worker trains them. Use it as a context manager: leaving ends the
    worker, finished or not.
    """

    def __init__(self, config: TrainingConfig) -> None:
        self.config = config
        self._dataset: Dataset | None = None
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "nnviz_gl.training.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
        )
        try:
            pickle.dump(config, self._proc.stdin)
            self._proc.stdin.close()
        except BaseException:
            self.close()
            raise

    @property
    def pid(self) -> int:
        """The training process's id (a recorded run's ``origin`` names it)."""
        return self._proc.pid

    def dataset(self) -> Dataset:
        if self._dataset is None:
            self._dataset = self._receive("dataset")
        return self._dataset

    def __iter__(self) -> Iterator[Snapshot]:
        self.dataset()
        for _ in range(self.config.epochs):
            yield self._receive("snapshot")

    def _receive(self, kind: str):
        try:
            got, value = pickle.load(self._proc.stdout)
        except (EOFError, pickle.UnpicklingError):  # gone, possibly in the middle of a message
            code = self._proc.wait()
            raise TrainingError(f"the training worker ended before sending its {kind} (exit status {code})") from None
        if got == "error":
            raise TrainingError(value)
        if got != kind:
            raise TrainingError(f"the training worker sent a {got} where a {kind} was due")
        return value

    def close(self) -> None:
        """End the worker (it may still be training ahead) and free its pipe."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._proc.stdout.close()

    def __enter__(self) -> "TrainingWorker":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _serve(channel: IO[bytes]) -> None:
    from .trainer import SklearnTrainer  # scikit-learn is imported here, in the worker

    config = pickle.load(sys.stdin.buffer)
    try:
        trainer = SklearnTrainer(config)
        pickle.dump(("dataset", trainer.dataset), channel)
        channel.flush()
        for _ in range(config.epochs):
            pickle.dump(("snapshot", trainer.step()), channel)
            channel.flush()
    except BrokenPipeError:
        raise
    except Exception as exc:
        if os.environ.get("NNVIZ_DEBUG"):  # as the CLI: one line, the traceback on request
            traceback.print_exc()
        pickle.dump(("error", f"training failed: {type(exc).__name__}: {exc}"), channel)
        channel.flush()


def main() -> int:
    # The pipe to the render process is our stdout; anything a library prints goes to stderr instead.
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        _serve(channel)
        channel.close()
    except BrokenPipeError:  # the render process is gone: nobody wants the rest
        os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
