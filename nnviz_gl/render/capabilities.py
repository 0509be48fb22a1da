"""What this driver is and does, found once per context and handed to the passes and sinks.

Every driver-specific choice of the package is made here and only here: the general code asks
"which field-panel strategy?" or "which raw video format?", never "am I on a software renderer?".
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import moderngl

from . import gl_calls
from .context import GLInfo, gl_info

SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swiftshader", "software rasterizer")

ONE_PASS = "one pass"          # the field panel sampled and lined in one full-panel pass (GPUs)
LINEAR_COPY = "linear copy"    # llvmpipe's 8-bit linear copy plus the line in cells (render/linear_copy.py)


@dataclass(frozen=True)
class Capabilities:
    """One context's driver, and the strategies chosen for it.

    ``frame_storage``: how 8-bit colour textures are stored and read back: "bgra" on a software
    renderer whose GL entry points ctypes reaches (how a driver is told), else "rgba".
    ``field_panel``: :data:`ONE_PASS` or :data:`LINEAR_COPY`; the copy's exact form (plain or with red
    and blue swapped) is probed per target by the linear-copy pass itself, on first use.
    ``wait_without_gil``: the GL work runs on the CPU, so a pass that must wait for the one before it
    finishes it with the GIL released first (training and the encoder keep running meanwhile).
    ``raster_threads``: llvmpipe's thread count (None on a GPU). ``encoder_threads``: a cap for the
    video encoder, which shares the cores with a software renderer (None: the encoder's own choice).
    ``shader_loop_limit``: the driver ends a shader invocation's loops after 65,535 turns in all
    (llvmpipe), so the field shader writes large sums out in steps or refuses what cannot fit.
    ``video_format``: what a video sink receives: yuv420p made on the GPU, or the frame as stored,
    which ffmpeg converts in its own process (that overlaps better when the GL work is CPU work).
    """

    info: GLInfo
    software: bool
    frame_storage: str
    field_panel: str
    wait_without_gil: bool
    raster_threads: int | None
    encoder_threads: int | None
    video_format: str
    shader_loop_limit: bool

    def line(self) -> str:
        threads = f", {self.raster_threads} raster threads" if self.raster_threads else ""
        return (f"{'software' if self.software else 'GPU'} renderer{threads}; frames stored {self.frame_storage}; "
                f"field panel: {self.field_panel}; video frames as {self.video_format}")


def is_software(renderer: str) -> bool:
    return any(name in renderer.lower() for name in SOFTWARE_RENDERERS)


def software_encoder_threads() -> int:
    """Half the cores: x264's own choice (1.5 threads a core) crowds a software renderer's raster threads."""
    return max(1, (os.cpu_count() or 2) // 2)


def choose(info: GLInfo, gl_reachable: bool) -> Capabilities:
    """Every strategy for a driver described by ``info`` (``gl_reachable``: GL's entry points load
    through ctypes here). Pure: tests name any driver."""
    software = is_software(info.renderer)
    # BGRA storage only serves llvmpipe's linear copy and its cheapest read-back; a GPU keeps plain RGBA
    storage = "bgra" if software and gl_reachable else "rgba"
    raster_threads = int(os.environ.get("LP_NUM_THREADS") or 0) or None
    return Capabilities(
        info=info,
        software=software,
        frame_storage=storage,
        # the copy needs glFlush (through ctypes) to put the copy in a batch of its own
        field_panel=LINEAR_COPY if software and gl_reachable else ONE_PASS,
        wait_without_gil=software and gl_reachable,
        raster_threads=raster_threads if software else None,
        encoder_threads=software_encoder_threads() if software else None,
        video_format=storage if software else "yuv420p",
        shader_loop_limit=software,
    )


def detect(ctx: moderngl.Context) -> Capabilities:
    """Read the driver of ``ctx`` (current) and choose every strategy for it."""
    return choose(gl_info(ctx), gl_calls.available())


def capabilities(ctx: moderngl.Context) -> Capabilities:
    """The context's capabilities, detected on first use and kept with the context (``ctx.extra``)."""
    extra = ctx.extra if isinstance(ctx.extra, dict) else None
    if extra is None:
        extra = {}
        ctx.extra = extra
    if "nnviz_capabilities" not in extra:
        extra["nnviz_capabilities"] = detect(ctx)
    return extra["nnviz_capabilities"]
