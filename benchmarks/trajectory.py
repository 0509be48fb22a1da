"""Trajectory files (.nnviz): size per snapshot, write cost against a training step, open and scrub time.

    .venv/bin/python benchmarks/trajectory.py                 # the seed's 2-5-10-5-1 and 2-256-256-1
    .venv/bin/python benchmarks/trajectory.py --snapshots 2000 --hidden 5,10,5

For each network: the bytes one snapshot adds to the file; the median time of ``TrajectoryWriter.publish``
next to the median time of one ``SklearnTrainer.step`` (the seed's data: 500 points, one epoch of
``partial_fit`` plus the losses and accuracies); the time to open a file of ``--snapshots`` snapshots and
to build 100 snapshots at random indices (a scrub), with the file in the page cache ("warm") and after
asking the kernel to drop it (``posix_fadvise(DONTNEED)``, "cold"; not a true cold disk read when the
storage has its own cache).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from nnviz_gl.snapshot import Snapshot
from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig
from nnviz_gl.trajectory import TrajectoryReader, TrajectoryWriter, record_values


def write_cost(hidden: tuple[int, ...], steps: int, folder: Path) -> tuple[float, float, int]:
    """(median training step s, median publish s, bytes of the first file write) for one network."""
    trainer = SklearnTrainer(TrainingConfig(hidden=hidden))
    data = trainer.dataset
    step_times, publish_times = [], []
    path = folder / "cost.nnviz"
    with TrajectoryWriter(path, data.X_train, data.y_train, data.X_test, data.y_test) as writer:
        for _ in range(steps):
            t0 = time.perf_counter()
            snapshot = trainer.step()
            t1 = time.perf_counter()
            writer.publish(snapshot)
            t2 = time.perf_counter()
            step_times.append(t1 - t0)
            publish_times.append(t2 - t1)
        header = path.stat().st_size - record_values(snapshot.architecture) * 8 * steps
    path.unlink()
    # the first publish also writes the header and data and renames the file: report the steady state
    return statistics.median(step_times[1:]), statistics.median(publish_times[1:]), header


def scrub_cost(hidden: tuple[int, ...], snapshots: int, scrubs: int, folder: Path) -> dict[str, float]:
    """Write a long file of synthetic snapshots, then time opening it and reading random snapshots."""
    sizes = (2, *hidden, 1)
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(a, b)) for a, b in zip(sizes, sizes[1:])]
    biases = [rng.normal(size=b) for b in sizes[1:]]
    path = folder / "long.nnviz"
    X = rng.normal(size=(300, 2))
    t0 = time.perf_counter()
    with TrajectoryWriter(path, X, (X[:, 0] > 0).astype(int)) as writer:
        for i in range(snapshots):
            drift = 1e-4 * i
            writer.publish(Snapshot([w + drift for w in weights], biases, activation="relu", epoch=i,
                                    loss=1.0 / (i + 1)))
    write_s = time.perf_counter() - t0
    result = {"write_s": write_s, "file_bytes": path.stat().st_size}
    for state in ("warm", "cold"):
        if state == "cold":
            fd = os.open(path, os.O_RDONLY)
            os.fsync(fd)  # DONTNEED drops only clean pages: write the file back first
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
        indices = np.random.default_rng(1).integers(0, snapshots, scrubs)
        t0 = time.perf_counter()
        run = TrajectoryReader(path)
        t1 = time.perf_counter()
        for i in indices:
            run[int(i)]
        t2 = time.perf_counter()
        assert len(run) == snapshots
        run.close()
        result[f"open_{state}_ms"] = (t1 - t0) * 1e3
        result[f"scrub_{state}_ms"] = (t2 - t1) * 1e3
    path.unlink()
    return result


def layers(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(","))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=layers, action="append", default=None, metavar="N,N",
                        help="hidden layers of a network to measure (repeatable; default 5,10,5 and 256,256)")
    parser.add_argument("--snapshots", type=int, default=10_000, help="length of the scrubbed file (default 10000)")
    parser.add_argument("--scrubs", type=int, default=100, help="random snapshots read (default 100)")
    parser.add_argument("--steps", type=int, default=60, help="training steps timed (default 60)")
    parser.add_argument("--dir", default=None, help="folder for the temporary files (default: the system's)")
    args = parser.parse_args()
    networks = args.hidden or [(5, 10, 5), (256, 256)]

    print(f"{'network':>14} | bytes/snapshot | header+data | train step | publish | share | "
          f"{args.snapshots} snapshots: file, write | open warm/cold | {args.scrubs} random reads warm/cold")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        for hidden in networks:
            sizes = (2, *hidden, 1)
            name = "-".join(map(str, sizes))
            record = record_values(Snapshot([np.zeros((a, b)) for a, b in zip(sizes, sizes[1:])],
                                            [np.zeros(b) for b in sizes[1:]]).architecture) * 8
            step, publish, header = write_cost(hidden, args.steps, folder)
            scrub = scrub_cost(hidden, args.snapshots, args.scrubs, folder)
            print(f"{name:>14} | {record:>10,} B | {header:>9,} B | {step * 1e3:7.2f} ms | "
                  f"{publish * 1e6:6.1f} µs | {publish / step:6.2%} | "
                  f"{scrub['file_bytes'] / 2**20:8.1f} MiB, {scrub['write_s']:5.1f} s | "
                  f"{scrub['open_warm_ms']:.2f} / {scrub['open_cold_ms']:.2f} ms | "
                  f"{scrub['scrub_warm_ms']:.1f} / {scrub['scrub_cold_ms']:.1f} ms")


if __name__ == "__main__":
    main()
