"""``nv.sweep``: train every combination of some training options on an executor, keep each run's
trajectory in a runs folder, and say which runs failed and why — without sinking the others.

Faults: a run that raises is reported (one line with its values) and carries its error. With the
default local pool (loky's, from joblib), a worker process that dies breaks the whole pool
(``BrokenProcessPool`` for every run in it): the runs that had not started go to a fresh pool; those that had (any of them may be the
one whose worker died) are run again one at a time in a pool of their own, so a run that kills its
worker again is known for certain and reported, and the rest finish. Dask reschedules a dead
worker's runs itself (``KilledWorker`` after its allowed failures). Ctrl-C cancels the pending runs,
ends the local workers, writes the runs folder's list and re-raises KeyboardInterrupt.
"""

from __future__ import annotations

import os
import sys
import tempfile
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..training.trainer import TrainingConfig
from . import runs_dir as stored
from .combinations import Run, combinations, file_names
from .executors import local_pool, stop_pool
from .train_run import STARTED_DIR_ENV, train_run


@dataclass
class SweepRun:
    """One run's outcome: its values, label (a tile's caption), trajectory file, or the error it failed with."""

    index: int
    values: dict[str, Any]
    label: str
    config: TrainingConfig
    trajectory: Path | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.trajectory is not None

    @property
    def note(self) -> str | None:
        """What its tile says instead of a field: None when the run trained."""
        return None if self.ok else f"failed: {self.error or 'not trained'}"


def sweep(config: TrainingConfig | None = None, vary: Mapping[str, Sequence[Any]] | None = None, *, zip: bool = False,
          executor: Executor | None = None, workers: int | None = None, runs_dir: str | os.PathLike[str] | None = None,
          progress: bool = True) -> list[SweepRun]:
    """Train one run per combination of ``vary``'s values (``{"learning_rate": [0.01, 0.1], "activation":
    ["relu", "tanh"]}``: names as TrainingConfig's fields or render's options), on top of ``config``.

    ``zip=True`` pairs the lists instead of crossing them. ``executor``: any ``concurrent.futures.Executor``
    (Dask's ``client.get_executor()``, ``nnviz_gl.sweeps.RayExecutor()``); default, a pool of ``workers``
    local processes (default: the CPU count). ``runs_dir``: where each run's ``.nnviz`` and ``sweep.json``
    go (default: a new temporary folder, left for you). Returns the runs in sweep order; failed runs have
    ``error`` set and no trajectory. ``nv.render_grid([r.trajectory for r in runs], ...)`` draws them.
    """
    runs = combinations(config if config is not None else TrainingConfig(), vary or {}, zip_lists=zip)
    folder = runs_dir_for(runs_dir)
    names = file_names(runs)
    results = [SweepRun(run.index, run.values, run.label, run.config) for run in runs]
    trainer = _Trainer(runs, results, names, folder, executor, workers or os.cpu_count() or 1)
    try:
        trainer.train_all(progress)
    finally:
        stored.write_manifest(folder, results)  # also after Ctrl-C: what trained is listed
    return results


def runs_dir_for(path: str | os.PathLike[str] | None) -> Path:
    """The runs folder, made now (a bad one is one line before any work); a temporary one for None."""
    return stored.prepare(path) if path is not None else Path(tempfile.mkdtemp(prefix="nnviz-sweep-"))


def describe_error(exc: BaseException) -> str:
    """An exception from a worker in one line: its type and first line (scikit-learn's run long)."""
    if type(exc).__name__ == "KilledWorker":
        return "its worker died each time it trained it (Dask's KilledWorker)"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class _Trainer:
    """Submits the runs, collects their bytes into the runs folder, and handles the faults above."""

    def __init__(self, runs: list[Run], results: list[SweepRun], names: list[str], folder: Path,
                 executor: Executor | None, workers: int) -> None:
        self.runs, self.results, self.names, self.folder = runs, results, names, folder
        self.executor, self.workers = executor, workers
        self.pools: dict[str, Any] = {}  # local only: "main" and "alone" (one worker: runs again after a break)
        self.rerun: set[int] = set()  # runs that were training when their pool broke
        self.futures: dict[Future, tuple[Run, Any]] = {}
        self._started_tmp = None
        self.started_dir = None
        if executor is None:  # where local workers mark the runs they start (the pool shares this disk)
            self.started_dir = os.environ.get(STARTED_DIR_ENV)
            if not self.started_dir:
                self._started_tmp = tempfile.TemporaryDirectory(prefix="nnviz-sweep-started-")
                self.started_dir = self._started_tmp.name

    def train_all(self, progress: bool) -> None:
        from tqdm import tqdm

        total = sum(run.config.epochs for run in self.runs)
        bar = tqdm(total=total, unit="epoch", desc="sweep", disable=not progress, dynamic_ncols=True, file=sys.stderr)
        finished = failed = 0
        bar.set_postfix_str(f"0/{len(self.runs)} runs")
        try:
            for run in self.runs:
                self.submit(run)
            while self.futures:
                done, _ = wait(list(self.futures), timeout=1.0, return_when=FIRST_COMPLETED)
                for future in done:
                    run, pool = self.futures.pop(future)
                    if not self.collect(run, pool, future):
                        continue  # submitted again
                    finished += 1
                    failed += not self.results[run.index].ok
                    bar.update(run.config.epochs)  # workers report a run when it is whole: its epochs at once
                    bar.set_postfix_str(f"{finished}/{len(self.runs)} runs" + (f", {failed} failed" if failed else ""))
                    if not self.results[run.index].ok:
                        bar.write(f"nnviz-gl: run {run.label} failed: {self.results[run.index].error}", file=sys.stderr)
        except BaseException as exc:
            self.cancel("interrupted" if isinstance(exc, KeyboardInterrupt) else "stopped")
            raise
        finally:
            bar.close()
            self.close()

    def submit(self, run: Run) -> None:
        dataset = run.config.make_dataset() if run.config.data_path is not None else None  # no shared disk needed
        metadata = {"recorded_by": "nnviz-gl sweep",
                    "sweep": {"index": run.index, "label": run.label,
                              "values": {k: list(v) if isinstance(v, tuple) else v for k, v in run.values.items()}}}
        pool = self.executor if self.executor is not None else self._pool("alone" if run.index in self.rerun else "main")
        if self.started_dir is not None:  # a marker of an earlier try would say it started again
            for marker in Path(self.started_dir).glob(f"{run.index}-*.started"):
                marker.unlink(missing_ok=True)
        self.futures[pool.submit(train_run, run.config, dataset, metadata, run.index)] = (run, pool)

    def collect(self, run: Run, pool: Any, future: Future) -> bool:
        """Store a finished run; False when it was submitted again instead (its local pool broke)."""
        result = self.results[run.index]
        try:
            data = future.result()
        except BrokenProcessPool:
            if self.executor is not None:
                result.error = "its worker process died (the executor's pool broke)"
                return True
            return self.after_break(run, pool)
        except Exception as exc:
            result.error = describe_error(exc)
            return True
        path = self.folder / self.names[run.index]
        stored.write_atomically(path, data)
        result.trajectory = path
        return True

    def after_break(self, run: Run, pool: Any) -> bool:
        for key, current in list(self.pools.items()):
            if current is pool:  # replaced now; its other runs arrive broken one by one, resubmitted here
                stop_pool(pool)
                del self.pools[key]
        started = any(Path(self.started_dir).glob(f"{run.index}-*.started"))
        if started and run.index in self.rerun:  # alone in its pool: it was this run's worker that died
            self.results[run.index].error = "its worker process died while training it, twice"
            return True
        if started:
            self.rerun.add(run.index)
            print(f"nnviz-gl: run {run.label}: a worker process died while it trained; training it again, "
                  f"on its own", file=sys.stderr)
        self.submit(run)
        return False

    def _pool(self, key: str):
        if key not in self.pools:
            self.pools[key] = local_pool(1 if key == "alone" else self.workers)
        return self.pools[key]

    def cancel(self, why: str) -> None:
        for run, _ in self.futures.values():
            self.results[run.index].error = f"not trained (the sweep {why})"
        for pool in self.pools.values():  # our own pools end their workers and fail their futures themselves
            stop_pool(pool)
        self.pools.clear()
        if self.executor is not None:
            for future in self.futures:
                future.cancel()
        self.futures.clear()

    def close(self) -> None:
        for pool in self.pools.values():
            pool.shutdown(wait=True)
        self.pools.clear()
        if self._started_tmp is not None:
            self._started_tmp.cleanup()
