"""Frames per second of the live window (``Viewer``) with training running and paused.

Runs under ``$DISPLAY`` or, when none is set, under an Xvfb it starts itself. Swap interval 0 (no
vsync), so the figure is what drawing costs, not the monitor's rate. Training is the real thing: a
:class:`TrainingThread` on the same cores, publishing snapshots the window interpolates between.

The split (``--split``) times each pass with ``ctx.finish()`` around it, which serialises the GPU (or
llvmpipe's threads) and so costs frames itself: read it for proportions, not for the total.

    .venv/bin/python benchmarks/window_fps.py --size 1280x720 --seconds 5 --repeat 3 --split
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nnviz_gl, not an installed one

from nnviz_gl.render.style import WINDOW_FIELD_SCALE  # noqa: E402 (after the path)


XVFB_PID: int | None = None  # our own Xvfb, whose CPU time (it receives every swapped frame) is counted too


def cpu_seconds() -> float:
    """CPU time of this process (all threads: Python, training, llvmpipe's) plus our Xvfb's."""
    total = time.process_time()
    if XVFB_PID is not None:
        fields = Path(f"/proc/{XVFB_PID}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@contextlib.contextmanager
def virtual_display():
    """Use $DISPLAY if set, else start Xvfb on a free display number for the duration."""
    global XVFB_PID
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if shutil.which("Xvfb") is None:
        raise SystemExit("no $DISPLAY and no Xvfb to make one (Debian: apt-get install xvfb)")
    number = next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists()
                  and not Path(f"/tmp/.X{n}-lock").exists())
    proc = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"Xvfb :{number} did not start")
            time.sleep(0.05)
        os.environ["DISPLAY"] = f":{number}"
        XVFB_PID = proc.pid
        yield os.environ["DISPLAY"]
    finally:
        os.environ.pop("DISPLAY", None)
        proc.terminate()
        proc.wait(5)


def measure(viewer, thread, mode: str, seconds: float, speed: float | None) -> tuple[float, float]:
    """Frames per second over ``seconds`` after a short warm-up, with training in ``mode``, and the CPU
    milliseconds each frame cost (training's share included). On a shared machine the first depends on
    what else runs; the second much less: 2 cores give at most 2000 / ms frames per second."""
    if mode == "paused":
        thread.pause()
    else:
        thread.speed = speed
        thread.resume()
    viewer.run(duration=0.7)  # warm-up: shader compiles, the first glides
    cpu = cpu_seconds()
    stats = viewer.run(duration=seconds)
    return stats.fps, 1000.0 * (cpu_seconds() - cpu) / max(stats.frames, 1)


def split(viewer, thread, seconds: float, speed: float | None) -> dict[str, float]:
    """Milliseconds per frame in each pass and in swap, with training running."""
    import glfw

    ctx, scene = viewer.ctx, viewer.scene
    totals: dict[str, float] = {}

    def timed(obj, name, key):
        original = getattr(obj, name)

        def wrapper(*args, **kwargs):
            ctx.finish()
            t = time.perf_counter()
            result = original(*args, **kwargs)
            ctx.finish()
            totals[key] = totals.get(key, 0.0) + time.perf_counter() - t
            return result

        setattr(obj, name, wrapper)
        return original

    patched = [(scene.field, "evaluate", "field"), (scene.composite, "draw", "field colours"),
               (scene.network.edges, "draw", "edges"), (scene.network.neurons, "draw", "neurons"),
               (scene.field, "evaluate_atlas", "neuron fields (atlas)"),
               (scene.neuron_fields.discs, "draw", "neuron fields (discs)"),
               (scene.field_panel.points, "draw", "points"), (scene.legend.rects, "draw", "legend"),
               (scene.loss, "draw", "loss panel"), (scene.loss, "prepare", "loss panel (prepare)"),
               (scene.text, "draw", "text"),
               (scene, "upload", "upload (writes)"), (scene, "_restyle", "restyle (numpy, text)"),
               (scene, "render", "render total")]
    if viewer.gui is not None:  # the control panel (--controls): its ImGui frame, and its cached picture drawn
        patched += [(viewer.gui, "prepare", "controls (ImGui frame)"), (viewer.gui, "draw", "controls (draw)"),
                    (viewer.gui.gui, "_redraw", "controls (lists redrawn)")]
    originals = [(obj, name, timed(obj, name, key)) for obj, name, key in patched]
    original_swap = glfw.swap_buffers

    def swap(window):
        t = time.perf_counter()
        original_swap(window)
        totals["swap"] = totals.get("swap", 0.0) + time.perf_counter() - t

    glfw.swap_buffers = swap
    try:
        thread.speed = speed
        thread.resume()
        stats = viewer.run(duration=seconds)
    finally:
        glfw.swap_buffers = original_swap
        for obj, name, original in originals:
            setattr(obj, name, original)
    out = {key: 1000.0 * value / max(stats.frames, 1) for key, value in totals.items()}
    out["frame (instrumented)"] = 1000.0 * stats.seconds / max(stats.frames, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1280x720", help="window size WxH (default 1280x720)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds measured per mode (default 5)")
    parser.add_argument("--repeat", type=int, default=1, help="repeat each mode and report the median")
    parser.add_argument("--speed", type=float, default=30.0, help="training epochs per second (default 30)")
    parser.add_argument("--field-scale", type=float, default=WINDOW_FIELD_SCALE,
                        help=f"the window's field scale (default {WINDOW_FIELD_SCALE})")
    parser.add_argument("--split", action="store_true", help="also time each pass (ctx.finish between)")
    parser.add_argument("--dataset", default="classification", help="the run's dataset (default the seed's)")
    parser.add_argument("--neuron-fields", action=argparse.BooleanOptionalAction, default=None,
                        help="fields in the hidden neurons' discs (default: the window's own choice, by disc size)")
    parser.add_argument("--classes", type=int, default=None, help="classes of blobs/spiral (a multiclass run)")
    parser.add_argument("--controls", choices=("none", "folded", "open"), default="none",
                        help="the control panel (nnviz_gl[gui]): not shown, folded to its title bar, or open")
    parser.add_argument("--modes", default="speed,max,paused",
                        help="what to measure, of speed (training at --speed), max (training flat out), paused")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.lower().split("x"))

    from nnviz_gl.sinks.window import Viewer
    from nnviz_gl.training.bus import TrainingThread
    from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig

    with virtual_display() as display:
        trainer = SklearnTrainer(TrainingConfig(dataset=args.dataset, classes=args.classes))
        viewer = Viewer(size, vsync=False, field_scale=args.field_scale, neuron_fields=args.neuron_fields)
        thread = TrainingThread(trainer, viewer, epochs_per_second=args.speed)
        viewer.controls = thread
        if args.controls != "none" and not viewer.add_controls_panel(open=args.controls == "open"):
            raise SystemExit("--controls needs the nnviz_gl[gui] extra (imgui-bundle)")
        data = trainer.dataset
        viewer.set_data(data.X_train, data.y_train, data.X_test, data.y_test)
        thread.start()
        try:
            fields = {None: "auto", True: "on", False: "off"}[args.neuron_fields]
            print(f"dataset {args.dataset}" + (f", {args.classes} classes" if args.classes else "") + "; "
                  f"display {display}: {viewer.gl.line()}; {os.cpu_count()} CPUs; window {size[0]}x{size[1]}, "
                  f"field scale {args.field_scale}, neuron fields {fields}, vsync off; "
                  f"load average {os.getloadavg()[0]:.2f}")
            known = {"speed": ("training", args.speed), "max": ("training", None), "paused": ("paused", None)}
            modes = [known[name] for name in args.modes.split(",")]
            for mode, speed in modes:
                results = [measure(viewer, thread, mode, args.seconds, speed) for _ in range(args.repeat)]
                runs = [fps for fps, _ in results]
                cpu_ms = statistics.median(ms for _, ms in results)
                label = mode if mode == "paused" else f"training at {'max' if speed is None else f'{speed:g}/s'}"
                print(f"{label:<22} {statistics.median(runs):6.1f} fps   (runs: {', '.join(f'{r:.1f}' for r in runs)})"
                      f"   {cpu_ms:5.1f} CPU ms/frame -> at most {2000 / cpu_ms:5.1f} fps on 2 idle cores"
                      f"   epochs so far {thread.epochs_run}")
            if args.split:
                print("split, ms per frame, training at", f"{args.speed:g}/s:")
                for key, ms in split(viewer, thread, args.seconds, args.speed).items():
                    print(f"  {key:<22} {ms:6.2f}")
        finally:
            thread.stop()
            thread.join(5)
            viewer.release()


if __name__ == "__main__":
    main()
