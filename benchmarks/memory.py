"""Peak resident memory of a whole `nnviz-gl render` against the number of frames (it should stay flat).

    .venv/bin/python benchmarks/memory.py --frames 100,1000 --size 854,480

Each run is a child process; its peak RSS and that of its ffmpeg child come from os.wait4 / getrusage.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = Path(sys.executable).parent / "nnviz-gl"


def peak_rss_mb(frames: int, size: str) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(CLI), "render", "-r", size, "--epochs", str(frames), "--no-progress",
                                 "-o", str(Path(tmp) / "m.mp4")], stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if status != 0:
            raise SystemExit(f"render failed with status {status}")
        # RUSAGE_CHILDREN's max covers the grandchild ffmpeg too once it is reaped.
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return usage.ru_maxrss / 1024, max(children, before) / 1024, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", default="100,1000")
    parser.add_argument("--size", default="854,480")
    args = parser.parse_args()
    print(f"{'frames':>7} {'nnviz-gl peak RSS':>18} {'largest child':>14} {'wall':>8}")
    for frames in (int(f) for f in args.frames.split(",")):
        own, largest, wall = peak_rss_mb(frames, args.size)
        print(f"{frames:>7} {own:>15.0f} MB {largest:>11.0f} MB {wall:>7.1f} s")


if __name__ == "__main__":
    main()
