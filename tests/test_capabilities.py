"""Driver quirks in one place: the capabilities found once per context choose every driver-specific
strategy, and the GPU strategy draws the same picture as the software one (both run here on real GL)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np

import nnviz_gl as nv
from nnviz_gl.render.capabilities import LINEAR_COPY, ONE_PASS, capabilities, choose
from nnviz_gl.render.field_composite import FieldCompositePass
from nnviz_gl.render.frame import FrameRenderer
from nnviz_gl.render.linear_copy import LinearCopyPass
from nnviz_gl.render.scene import Scene

LLVMPIPE = "llvmpipe (LLVM 15.0.6, 256 bits)"
NVIDIA = "NVIDIA H100 80GB HBM3/PCIe/SSE2"


def test_a_software_renderer_and_a_gpu_get_their_own_strategies(ctx):
    info = capabilities(ctx).info
    cpu = choose(dataclasses.replace(info, renderer=LLVMPIPE), gl_reachable=True)
    gpu = choose(dataclasses.replace(info, renderer=NVIDIA), gl_reachable=True)
    assert (cpu.software, cpu.field_panel, cpu.video_format, cpu.wait_without_gil) == (True, LINEAR_COPY, "bgra", True)
    assert cpu.encoder_threads >= 1
    assert (gpu.software, gpu.field_panel, gpu.video_format, gpu.wait_without_gil) == (False, ONE_PASS, "yuv420p", False)
    assert cpu.shader_loop_limit and not gpu.shader_loop_limit
    assert gpu.encoder_threads is None and gpu.raster_threads is None and gpu.frame_storage == "rgba"
    # without ctypes access to GL neither the BGRA storage nor the flushed copy is possible
    plain = choose(dataclasses.replace(info, renderer=LLVMPIPE), gl_reachable=False)
    assert (plain.frame_storage, plain.field_panel, plain.video_format) == ("rgba", ONE_PASS, "rgba")


def test_capabilities_are_found_once_per_context(ctx):
    assert capabilities(ctx) is capabilities(ctx)
    renderer = FrameRenderer((96, 64), ctx=ctx)
    try:
        assert renderer.caps is capabilities(ctx) and renderer.scene.caps is renderer.caps
    finally:
        renderer.release()


def test_the_gpu_strategy_draws_what_the_software_one_draws(ctx, xor_points):
    """A scene given a GPU's capabilities on this context: the one-pass field panel, never probed,
    and a frame within a few levels of the default scene's (whatever this driver is)."""
    rng = np.random.default_rng(3)
    sizes = (2, 6, 4, 1)
    snapshot = nv.Snapshot(weights=[rng.normal(scale=2.0, size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
                           biases=[rng.normal(size=b) for b in sizes[1:]], activation="tanh")
    gpu = choose(dataclasses.replace(capabilities(ctx).info, renderer=NVIDIA), gl_reachable=True)
    frames = []
    renderer = FrameRenderer((480, 270), ctx=ctx)
    try:
        default_scene = renderer.scene
        for scene in (default_scene, Scene(ctx, caps=gpu)):
            renderer.scene = scene
            renderer.set_data(*xor_points)
            renderer.draw(snapshot)
            frames.append(renderer.read_rgb().astype(int))
            if scene is not default_scene:
                assert type(scene.composite) is FieldCompositePass
                scene.release()
        if renderer.caps.field_panel == LINEAR_COPY:
            assert isinstance(default_scene.composite, LinearCopyPass)
        renderer.scene = default_scene
    finally:
        renderer.release()
    difference = np.abs(frames[0] - frames[1]).max(-1)
    assert frames[0].max() > 100 and difference.mean() < 0.6 and (difference > 3).mean() < 5e-4


def test_info_says_how_this_driver_draws():
    run = subprocess.run([sys.executable, "-m", "nnviz_gl.cli", "info"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    renderer = next(line for line in run.stdout.splitlines() if line.startswith("OpenGL renderer:"))
    drawing = next(line for line in run.stdout.splitlines() if line.startswith("drawing:"))
    software = "llvmpipe" in renderer
    assert ("field panel: linear copy" in drawing) == software, drawing
    assert ("video frames as yuv420p" in drawing) == (not software), drawing
