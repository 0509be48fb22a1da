"""The 16-tile grid video (issue 19) against 16 separate renders, and its memory against the runs' length.

    .venv/bin/python benchmarks/grid_render.py                       # 16 runs x 300 epochs at 1080p, 3 times
    .venv/bin/python benchmarks/grid_render.py --flat 100,1000       # also: peak memory at 100 and 1000 epochs

The runs are the seed's size (500 points, a 5-10-5 relu MLP, 300 epochs), trained once into a temporary
folder (seeds 0-15, four learning rates) and recorded as trajectories. Then, alternating in each round:
``nnviz-gl grid`` of all 16 files, and 16 ``nnviz-gl render --from`` one after another. Each is a whole
process; its wall time and peak RSS (os.wait4, ffmpeg's from RUSAGE_CHILDREN) are reported, median of the
rounds. ``--flat`` renders grids of hand-made runs of each length (random-walk weights, same network
and points) and reports their peak RSS.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CLI = [sys.executable, "-m", "nnviz_gl.cli"]
RATES = (0.001, 0.003, 0.01, 0.03)


def train_runs(folder: Path, runs: int, epochs: int) -> list[Path]:
    from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig
    from nnviz_gl.trajectory import TrajectoryWriter

    paths = []
    for i in range(runs):
        trainer = SklearnTrainer(TrainingConfig(seed=i, learning_rate=RATES[i % len(RATES)], epochs=epochs))
        d = trainer.dataset
        path = folder / f"run{i:02d}-lr{RATES[i % len(RATES)]:g}.nnviz"
        with TrajectoryWriter(path, d.X_train, d.y_train, d.X_test, d.y_test) as writer:
            for _ in range(epochs):
                writer.publish(trainer.step())
        paths.append(path)
    return paths


def hand_made_runs(folder: Path, runs: int, epochs: int) -> list[Path]:
    """Runs of the seed's size whose weights take a random walk: as long as asked, without training."""
    import nnviz_gl as nv
    from nnviz_gl.trajectory import TrajectoryWriter

    rng = np.random.default_rng(0)
    sizes = (2, 5, 10, 5, 1)
    X = rng.normal(size=(500, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    paths = []
    for i in range(runs):
        weights = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
        biases = [rng.normal(size=b) * 0.1 for b in sizes[1:]]
        path = folder / f"walk{i:02d}.nnviz"
        with TrajectoryWriter(path, X[:300], y[:300], X[300:], y[300:]) as writer:
            for epoch in range(1, epochs + 1):
                weights = [w + rng.normal(scale=0.02, size=w.shape) for w in weights]
                writer.publish(nv.Snapshot(weights=weights, biases=biases, activation="relu", epoch=epoch, loss=1.0))
        paths.append(path)
    return paths


def measured(args: list[str]) -> tuple[float, float, float, float]:
    """Wall seconds, peak RSS in MB (os.wait4) and, sampled every 20 ms, the largest anonymous (private)
    and file-backed (mapped files: the trajectories, libraries) resident MB of one command's process."""
    started = time.perf_counter()
    proc = subprocess.Popen([*CLI, *args], stdout=subprocess.DEVNULL)
    anon = mapped = 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        anon, mapped = (max(a, b) for a, b in zip((anon, mapped), resident_mb(proc.pid)))
        time.sleep(0.02)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(args[:3])} ... failed with status {status}")
    return wall, usage.ru_maxrss / 1024, anon, mapped


def resident_mb(pid: int) -> tuple[float, float]:
    """(RssAnon, RssFile) of a live process in MB; zeros once it is gone."""
    try:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    except (OSError, ValueError):
        return 0.0, 0.0
    return tuple(int(fields.get(k, "0 kB").split()[0]) / 1024 for k in ("RssAnon", "RssFile"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--size", default="1920,1080")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--flat", default=None, metavar="E1,E2", help="also peak RSS of grids of runs this long")
    parser.add_argument("--flat-only", action="store_true", help="only --flat, not the grid against 16 renders")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.flat_only:
            compare(folder, args)
        if args.flat:
            flat(folder, args)


def compare(folder: Path, args: argparse.Namespace) -> None:
    """The grid of trained runs against as many separate renders, alternating, ``args.repeat`` rounds."""
    started = time.perf_counter()
    runs = train_runs(folder, args.runs, args.epochs)
    print(f"trained {args.runs} runs x {args.epochs} epochs in {time.perf_counter() - started:.1f} s "
          f"({runs[0].stat().st_size / 1024:.0f} KiB each)")
    grid, separate, separate_peak = [], [], []
    for round_ in range(args.repeat):
        grid.append(measured(["grid", *map(str, runs), "-r", args.size, "--no-progress",
                              "-o", str(folder / "grid.mp4")]))
        renders = [measured(["render", "--from", str(run), "-r", args.size, "--no-progress",
                             "-o", str(folder / "one.mp4")]) for run in runs]
        separate.append(sum(r[0] for r in renders))
        separate_peak.append(max(r[1] for r in renders))
        print(f"round {round_ + 1}: grid {grid[-1][0]:.1f} s, {grid[-1][1]:.0f} MB; "
              f"{args.runs} renders {separate[-1]:.1f} s, largest {separate_peak[-1]:.0f} MB")
    print(f"\nmedian of {args.repeat}, {args.size.replace(',', 'x')}:")
    print(f"  nnviz-gl grid ({args.runs} tiles, {args.epochs} frames): "
          f"{statistics.median(g[0] for g in grid):.1f} s, peak RSS {statistics.median(g[1] for g in grid):.0f} MB")
    print(f"  {args.runs} x nnviz-gl render --from ({args.runs * args.epochs} frames): "
          f"{statistics.median(separate):.1f} s, largest peak RSS {statistics.median(separate_peak):.0f} MB")


def flat(folder: Path, args: argparse.Namespace) -> None:
    """Peak memory of grids of hand-made runs of each length in ``args.flat``."""
    for epochs in (int(e) for e in args.flat.split(",")):
        sub = folder / f"flat{epochs}"
        sub.mkdir()
        walks = hand_made_runs(sub, args.runs, epochs)
        results = [measured(["grid", *map(str, walks), "-r", args.size, "--no-progress",
                             "-o", str(sub / "grid.mp4")]) for _ in range(args.repeat)]
        wall, peak, anon, mapped = (statistics.median(r[k] for r in results) for k in range(4))
        print(f"  grid of {args.runs} runs x {epochs} epochs: {wall:.1f} s, peak RSS {peak:.0f} MB "
              f"(sampled: private {anon:.0f} MB, mapped files {mapped:.0f} MB; "
              f"the trajectories {sum(w.stat().st_size for w in walks) / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
