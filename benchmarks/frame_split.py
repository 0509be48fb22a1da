"""Where a headless frame's time goes: each panel's prepare and draw, the text, the read-back.

    PYTHONPATH=. .venv/bin/python benchmarks/frame_split.py --size 1920x1080 --frames 120

Each frame is a new snapshot of the seed's run (as in a video render). "frame" is a whole frame drawn
and read back as a video render reads it, uninstrumented: wall and CPU time (user + sys of the whole
process, llvmpipe's threads included) per frame, medians of ``--repeat`` runs. The split then times each
stage with ``ctx.finish()`` before and after it, which serialises the pipeline (the sum exceeds the frame).
Runs on any checkout of nnviz_gl (stages it lacks are left out), so the same script compares two commits.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import nnviz_gl as nv
from nnviz_gl.render.frame import FrameRenderer


def cpu_seconds() -> float:
    return time.process_time()  # every thread of this process (llvmpipe's too), nanosecond clock


def frame_times(renderer: FrameRenderer, snapshots: list, buffer: bytearray) -> tuple[float, float, float]:
    """Wall, CPU (all threads) and this thread's CPU milliseconds per frame (draw + read-back)."""
    wall, cpu, own = time.perf_counter(), cpu_seconds(), time.thread_time()
    previous = None
    for snap in snapshots:
        renderer.draw(snap, previous)
        renderer.read_video_frame_into(buffer)
        previous = snap
    n = len(snapshots)
    return (1000.0 * (time.perf_counter() - wall) / n, 1000.0 * (cpu_seconds() - cpu) / n,
            1000.0 * (time.thread_time() - own) / n)


def split(renderer: FrameRenderer, snapshots: list, buffer: bytearray) -> dict[str, tuple[float, float]]:
    """(wall, CPU) milliseconds per frame in each stage, ``ctx.finish()`` around each."""
    ctx, scene = renderer.ctx, renderer.scene
    totals: dict[str, list[float]] = {}
    stages = [(scene, "upload", "upload (writes)"), (scene, "_relayout", "relayout"),
              (scene, "_restyle", "restyle (numpy, text layout)"), (scene.text, "draw", "text draw")]
    for panel in scene.panels:
        name = type(panel).__name__
        stages += [(panel, "prepare", f"{name}.prepare"), (panel, "draw", f"{name}.draw")]
    field = scene.field_panel.field if hasattr(scene, "field_panel") else scene.field
    stages += [(field, "evaluate", "  field evaluate"), (field, "evaluate_atlas", "  atlas evaluate")]
    parts = {"network": ("edges", "neurons", "key_rects", "key_discs"), "field_panel": ("composite", "points"),
             "loss": ("curves", "grid", "cursor", "markers"), "neuron_fields": ("discs",)}
    for owner, names in parts.items():
        for name in names:
            obj = getattr(getattr(scene, owner, None), name, None)
            if obj is not None:
                stages.append((obj, "draw", f"  {owner}.{name}.draw"))
    stages += [(scene.network, "restyle", "  network.restyle"), (scene.text, "set_text", "  text.set_text")]
    stages += [(panel, "labels", f"  {type(panel).__name__}.labels") for panel in scene.panels]
    originals = []
    for obj, attr, key in stages:
        if not hasattr(obj, attr):
            continue
        original = getattr(obj, attr)

        def wrapper(*args, _original=original, _key=key, **kwargs):
            ctx.finish()
            t, c = time.perf_counter(), cpu_seconds()
            result = _original(*args, **kwargs)
            ctx.finish()
            total = totals.setdefault(_key, [0.0, 0.0])
            total[0] += time.perf_counter() - t
            total[1] += cpu_seconds() - c
            return result

        setattr(obj, attr, wrapper)
        originals.append((obj, attr))
    read = [0.0, 0.0]
    previous = None
    for snap in snapshots:
        renderer.draw(snap, previous)
        ctx.finish()
        t, c = time.perf_counter(), cpu_seconds()
        renderer.read_video_frame_into(buffer)
        read[0] += time.perf_counter() - t
        read[1] += cpu_seconds() - c
        previous = snap
    for obj, attr in originals:
        delattr(obj, attr)  # the wrappers were instance attributes over the class's methods
    totals["read-back"] = read
    n = len(snapshots)
    return {key: (1000.0 * wall / n, 1000.0 * cpu / n) for key, (wall, cpu) in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1920x1080", help="frame size WxH (default 1920x1080)")
    parser.add_argument("--frames", type=int, default=120, help="snapshots drawn per run (default 120)")
    parser.add_argument("--repeat", type=int, default=3, help="uninstrumented runs (default 3)")
    parser.add_argument("--no-split", action="store_true", help="only the uninstrumented frame times")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.lower().split("x"))
    trainer = nv.SklearnTrainer(nv.TrainingConfig())
    snapshots = [trainer.step() for _ in range(args.frames)]
    data = trainer.dataset
    renderer = FrameRenderer(size)
    renderer.set_data(data.X_train, data.y_train, data.X_test, data.y_test)
    buffer = bytearray(size[0] * size[1] * 4 if renderer.video_format != "yuv420p" else size[0] * size[1] * 3 // 2)
    frame_times(renderer, snapshots[:5], buffer)  # warm: compiles, first uploads
    runs = [frame_times(renderer, snapshots, buffer) for _ in range(args.repeat)]
    walls, cpus, owns = [r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs]
    print(f"{nv.__file__}\n{size[0]}x{size[1]}, {args.frames} snapshots; {renderer.info.line()}; "
          f"load {os.getloadavg()[0]:.2f}")
    print(f"frame (draw + read-back): wall {statistics.median(walls):.2f} ms (min {min(walls):.2f}), "
          f"CPU {statistics.median(cpus):.2f} ms (min {min(cpus):.2f}), of it the drawing thread's "
          f"{statistics.median(owns):.2f} ms (Python, GL calls, llvmpipe's vertex work)")
    if not args.no_split:
        print(f"  {'stage (ctx.finish around each)':<34} {'wall':>8} {'CPU':>8}")
        for key, (wall, cpu) in split(renderer, snapshots, buffer).items():
            print(f"  {key:<34} {wall:5.2f} ms {cpu:5.2f} ms")
    renderer.release()


if __name__ == "__main__":
    main()
