"""A sweep's training: 16 runs of the seed's size (500 points, 5-10-5, 300 epochs; seeds 0..15), trained
serially in this process, on ``--workers`` local processes (nv.sweep's default pool) and on a Dask
LocalCluster of as many single-threaded worker processes.

    .venv/bin/python benchmarks/sweep_training.py              # 16 runs, 2 workers
    .venv/bin/python benchmarks/sweep_training.py --runs 4 --workers 4 --rounds 3

For each way: the wall time, the start-up (until the first run begins training on a worker: process
start, imports, cluster start), and the bytes sent back (every run's trajectory). Serially, the
scikit-learn import is counted once, as the start-up. With ``--rounds R`` the three ways alternate R
times and each row is the round of median wall time (a busy machine drifts: alternating pairs them).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path


def first_start(folder: Path, began: float, stop: threading.Event, out: dict) -> None:
    """Record when the first run marks itself started (the workers' start-up is over)."""
    while not stop.is_set():
        if any(folder.iterdir()):
            out["first"] = time.perf_counter() - began
            return
        time.sleep(0.005)


def timed_sweep(name: str, runs: int, make_executor, workers: int) -> dict:
    import nnviz_gl as nv
    from nnviz_gl.sweeps.train_run import STARTED_DIR_ENV

    with tempfile.TemporaryDirectory() as started, tempfile.TemporaryDirectory() as runs_dir:
        os.environ[STARTED_DIR_ENV] = started  # workers started after this inherit it
        began = time.perf_counter()
        executor, close = make_executor()
        stop, out = threading.Event(), {}
        watcher = threading.Thread(target=first_start, args=(Path(started), began, stop, out))
        watcher.start()
        results = nv.sweep(nv.TrainingConfig(), {"seed": list(range(runs))}, executor=executor, workers=workers,
                           runs_dir=runs_dir, progress=False)
        wall = time.perf_counter() - began
        stop.set()
        watcher.join()
        close()
        del os.environ[STARTED_DIR_ENV]
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
        sent = sum(r.trajectory.stat().st_size for r in results)
    return {"way": name, "wall": wall, "startup": out.get("first", float("nan")), "bytes": sent}


def serial(runs: int) -> dict:
    began = time.perf_counter()
    from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig

    SklearnTrainer(TrainingConfig(epochs=1))  # the scikit-learn import: start-up, as a worker's
    startup = time.perf_counter() - began
    from nnviz_gl.sweeps.train_run import train_run

    sent = sum(len(train_run(TrainingConfig(seed=seed), index=seed)) for seed in range(runs))
    return {"way": "serial, this process", "wall": time.perf_counter() - began, "startup": startup, "bytes": sent}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()

    def dask():
        import distributed

        cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        client = distributed.Client(cluster, set_as_default=False)
        return client.get_executor(pure=False), lambda: (client.close(), cluster.close())

    rounds = []
    for _ in range(args.rounds):
        rounds.append([serial(args.runs),
                       timed_sweep(f"nv.sweep, {args.workers} local workers", args.runs, lambda: (None, lambda: None),
                                   args.workers),
                       timed_sweep(f"nv.sweep, Dask LocalCluster of {args.workers}", args.runs, dask, args.workers)])
    rows = [sorted((r[i] for r in rounds), key=lambda row: row["wall"])[(args.rounds - 1) // 2] for i in range(3)]
    for i, way in enumerate(rounds):
        print(f"round {i + 1}: " + ", ".join(f"{row['way']} {row['wall']:.1f} s" for row in way))
    base = rows[0]["wall"]
    print(f"{args.runs} runs of the seed's size (500 points, 5-10-5, 300 epochs), {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}, median of {args.rounds} alternating round(s)")
    print("| way | wall | start-up | training and the rest | per run | sent back | vs serial |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        rest = row["wall"] - row["startup"]
        print(f"| {row['way']} | {row['wall']:.1f} s | {row['startup']:.1f} s | {rest:.1f} s | "
              f"{row['wall'] / args.runs:.2f} s | {row['bytes'] / 1e6:.1f} MB | {base / row['wall']:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
