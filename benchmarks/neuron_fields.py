"""What a field in every neuron costs a headless frame: the seed's run drawn with and without them.

    .venv/bin/python benchmarks/neuron_fields.py --size 1920x1080 --frames 60 --repeat 3

Each frame is a new snapshot (as in a video, and in the window while it glides), so each evaluates
the atlas once. "atlas" times ``FieldPass.evaluate_atlas`` alone (``ctx.finish`` around it); "frame"
is a whole frame drawn and finished, without the read-back. The least and the median of ``--repeat``
runs (on a shared machine the least is the cost; the median is what else ran).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nnviz_gl, not an installed one

import nnviz_gl as nv  # noqa: E402 (after the path)
from nnviz_gl.render.frame import FrameRenderer  # noqa: E402


def frame_ms(renderer: FrameRenderer, snapshots: list, atlas_only: bool) -> float:
    """Milliseconds per frame (or per atlas evaluation) over ``snapshots``, after one warm-up frame."""
    renderer.draw(snapshots[0])
    renderer.ctx.finish()
    scene, total = renderer.scene, 0.0
    for snap in snapshots:
        if atlas_only:
            renderer.scene.upload(snap)
            renderer.ctx.finish()
            t = time.perf_counter()
            nf = scene.neuron_fields
            scene.field.evaluate_atlas(scene.bounds, nf.framebuffer, nf.side, nf.columns)
            renderer.ctx.finish()
            total += time.perf_counter() - t
        else:
            t = time.perf_counter()
            renderer.draw(snap)
            renderer.ctx.finish()
            total += time.perf_counter() - t
    return 1000.0 * total / len(snapshots)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1920x1080", help="frame size WxH (default 1920x1080)")
    parser.add_argument("--frames", type=int, default=60, help="snapshots drawn per run (default 60)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the median is reported")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.lower().split("x"))
    trainer = nv.SklearnTrainer(nv.TrainingConfig())
    snapshots = [trainer.step() for _ in range(args.frames)]
    data = trainer.dataset
    results, line = {}, ""
    for name, enabled, atlas_only in (("frame, plain discs", False, False), ("frame, neuron fields", True, False),
                                      ("atlas alone", True, True)):
        renderer = FrameRenderer(size, neuron_fields=enabled)
        renderer.set_data(data.X_train, data.y_train, data.X_test, data.y_test)
        runs = [frame_ms(renderer, snapshots, atlas_only) for _ in range(args.repeat)]
        results[name] = min(runs)
        extra = ""
        if enabled:
            nf = renderer.scene.neuron_fields
            extra = f"   tiles {nf.side}x{nf.side} px, atlas {nf.atlas.size[0]}x{nf.atlas.size[1]}"
        line = renderer.info.line()
        print(f"{name:<22} {results[name]:7.2f} ms, median {statistics.median(runs):.2f}   (runs: {', '.join(f'{r:.2f}' for r in runs)}){extra}")
        renderer.release()
    print(f"{size[0]}x{size[1]}, the seed's 5-10-5 (20 hidden neurons); {line}")


if __name__ == "__main__":
    main()
