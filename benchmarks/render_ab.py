"""Two checkouts of nnviz_gl rendering the same video, whole processes, paired run by run and alternating.

    .venv/bin/python benchmarks/render_ab.py /path/to/checkout-A /path/to/checkout-B --pairs 5

Each pair runs ``nnviz-gl render`` (the seed's run by default: 300 epochs, 1080p) once from each
checkout (``PYTHONPATH`` set to it), the order swapped every pair, after one warm-up run of each.
On a machine shared with other work only the paired ratios (B / A) mean anything: their median and
range are printed beside each side's median wall time.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NNVIZ_GL = Path(sys.executable).parent / "nnviz-gl"


def run_once(checkout: str, args: list[str], out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": checkout}
    t = time.perf_counter()
    subprocess.run([str(NNVIZ_GL), "render", "--no-progress", "-o", str(out), *args], env=env, check=True,
                   stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="checkout A (the reference)")
    parser.add_argument("b", help="checkout B")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--args", default="", help="options for nnviz-gl render (default: none, the seed's run)")
    parser.add_argument("--args-b", default=None, help="options for B only (default: --args)")
    args = parser.parse_args()
    extra_a = shlex.split(args.args)
    extra_b = extra_a if args.args_b is None else shlex.split(args.args_b)
    walls: dict[str, list[float]] = {"a": [], "b": []}
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ab.mp4"
        run_once(args.a, extra_a, out)
        run_once(args.b, extra_b, out)
        for i in range(args.pairs):
            order = ("a", "b") if i % 2 == 0 else ("b", "a")
            pair = {}
            for side in order:
                pair[side] = run_once(args.a if side == "a" else args.b, extra_a if side == "a" else extra_b, out)
                walls[side].append(pair[side])
            ratios.append(pair["b"] / pair["a"])
            print(f"pair {i + 1}: A {pair['a']:.2f} s, B {pair['b']:.2f} s, B/A {ratios[-1]:.3f}  "
                  f"(load {os.getloadavg()[0]:.2f})", flush=True)
    print(f"A {args.a}: median {statistics.median(walls['a']):.2f} s ({min(walls['a']):.2f}-{max(walls['a']):.2f})")
    print(f"B {args.b}: median {statistics.median(walls['b']):.2f} s ({min(walls['b']):.2f}-{max(walls['b']):.2f})")
    print(f"B/A: median {statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f}), {len(ratios)} pairs")


if __name__ == "__main__":
    main()
