"""Time each stage of a headless render: training, drawing, readback, encoding, and all of them overlapped.

    .venv/bin/python benchmarks/stages.py --sizes 1080p,4k --frames 120

Each stage alone is timed on the same snapshots (drawing includes the wait for the GL work to finish;
readback is what a video render reads: yuv420p converted on a GPU, RGBA on a software renderer);
"pipelined" is VideoRecorder end to end, which overlaps training, drawing+readback and encoding.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path


import nnviz_gl as nv
from nnviz_gl.render.frame import FrameRenderer
from nnviz_gl.render.yuv import yuv420_frame_bytes
from nnviz_gl.sinks.ffmpeg import VideoWriter

SIZES = {"480p": (854, 480), "720p": (1280, 720), "1080p": (1920, 1080), "1440p": (2560, 1440), "4k": (3840, 2160)}


def fps(seconds: float, frames: int) -> str:
    return f"{frames / seconds:7.1f} fps ({seconds / frames * 1000:6.1f} ms)"


def measure(size: tuple[int, int], frames: int, codec: str, preset: str | None) -> dict[str, str]:
    trainer = nv.SklearnTrainer(nv.TrainingConfig())
    t0 = time.perf_counter()
    snapshots = [trainer.step() for _ in range(frames)]
    train = time.perf_counter() - t0
    data = trainer.dataset

    renderer = FrameRenderer(size)
    renderer.set_data(data.X_train, data.y_train, data.X_test, data.y_test)
    video_format = renderer.video_format  # what a video render reads: yuv420p on a GPU, RGBA on llvmpipe
    yuv = video_format == "yuv420p"
    buffer = bytearray(yuv420_frame_bytes(size) if yuv else size[0] * size[1] * 4)
    renderer.draw(snapshots[0])
    renderer.read_video_frame_into(buffer)  # warm: compile, first upload
    draw = read = 0.0
    kept = []
    for i in range(1, frames):
        t0 = time.perf_counter()
        renderer.draw(snapshots[i], snapshots[i - 1])
        renderer.ctx.finish()
        t1 = time.perf_counter()
        renderer.read_video_frame_into(buffer)
        t2 = time.perf_counter()
        draw += t1 - t0
        read += t2 - t1
        if len(kept) < 8:
            kept.append(bytes(buffer))
    renderer.release()

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "encode.mp4"
        t0 = time.perf_counter()
        with VideoWriter(out, size, 30, codec=codec, preset=preset, input_format=video_format,
                         bottom_up=not yuv) as writer:
            for i in range(frames):
                writer.write(kept[i % len(kept)])
        encode = time.perf_counter() - t0
        chosen = f"{writer.codec} {writer.preset}"

        out = Path(tmp) / "pipelined.mp4"
        trainer = nv.SklearnTrainer(nv.TrainingConfig())
        t0 = time.perf_counter()
        with nv.VideoRecorder(out, data.X_train, data.y_train, data.X_test, data.y_test, size=size,
                              codec=codec, preset=preset) as rec:
            for _ in range(frames):
                rec.publish(trainer.step())
        pipelined = time.perf_counter() - t0
        file_mb = out.stat().st_size / 1e6

    return {
        "training": fps(train, frames),
        "drawing": fps(draw, frames - 1),
        f"readback ({video_format})": fps(read, frames - 1),
        f"encoding ({chosen})": fps(encode, frames),
        "pipelined (all overlapped)": fps(pipelined, frames),
        "file": f"{file_mb:.2f} MB for {frames} frames",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1080p,4k", help="comma-separated: " + ", ".join(SIZES))
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--codec", default="auto")
    parser.add_argument("--preset", default=None)
    args = parser.parse_args()
    renderer = FrameRenderer((64, 64))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{renderer.info.line()}; load average {os.getloadavg()[0]:.2f}")
    renderer.release()
    for name in args.sizes.split(","):
        size = SIZES[name]
        print(f"\n{name} {size[0]}x{size[1]}, {args.frames} frames, seed run (2-5-10-5-1 relu, 500 points)")
        for stage, value in measure(size, args.frames, args.codec, args.preset).items():
            print(f"  {stage:<34} {value}")


if __name__ == "__main__":
    main()
