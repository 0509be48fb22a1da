"""The field panel's two ways (one pass; a copy plus the boundary's cells) give the same picture, and the
probe picks the copy that comes out right on the target it is drawn into. Real frames on real GL."""

from __future__ import annotations

import numpy as np
import pytest

import nnviz_gl as nv
from nnviz_gl.render import linear_copy
from nnviz_gl.render.field_composite import SINGLE
from nnviz_gl.render.linear_copy import COPY, COPY_SWAPPED, PROBE_RGB, classify_copy
from nnviz_gl.render.capabilities import LINEAR_COPY
from nnviz_gl.render.frame import FrameRenderer


@pytest.fixture(autouse=True)
def _session_context_current(ctx):
    ctx.__enter__()


def curved_net(seed: int, scale: float) -> nv.Snapshot:
    """A 2-6-4-1 tanh network: a bent, sometimes closed boundary, sharper with ``scale``."""
    rng = np.random.default_rng(seed)
    sizes = (2, 6, 4, 1)
    return nv.Snapshot(weights=[rng.normal(scale=scale, size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
                       biases=[rng.normal(scale=0.5, size=b) for b in sizes[1:]], activation="tanh", epoch=seed)


POINTS = np.array([[-2.0, -2.0], [2.0, 2.0], [-2.0, 2.0], [2.0, -2.0], [0.3, -0.4]])
LABELS = np.array([0, 1, 0, 1, 1])


def frame_in_mode(renderer: FrameRenderer, snapshot: nv.Snapshot, mode: str | None, monkeypatch) -> np.ndarray:
    composite = renderer.scene.composite
    if mode is None:
        monkeypatch.undo()
    else:
        monkeypatch.setattr(composite, "mode", lambda framebuffer, panel: mode)
    renderer.draw(snapshot)
    return renderer.read_rgb().astype(int)


def release_all(ctx, framebuffer, renderer: FrameRenderer) -> None:
    """Unbind, then free one's own framebuffer (with its attachments) and the renderer."""
    ctx.detect_framebuffer(0).use()
    for attachment in framebuffer.color_attachments:
        attachment.release()
    framebuffer.release()
    renderer.release()


def panel_of(renderer: FrameRenderer, frame: np.ndarray) -> np.ndarray:
    x, y, w, h = renderer.scene.layout.field.gl_viewport(renderer.size[1])
    return frame[renderer.size[1] - y - h: renderer.size[1] - y, x: x + w]


@pytest.mark.parametrize("size", [(640, 360), (1920, 1080)])
def test_the_copy_and_the_boundary_cells_draw_what_one_pass_draws(ctx, size, monkeypatch):
    """Whatever mode the probe picks here, and the plain copy forced on any driver: within 2 levels
    of the one-pass frame (8-bit filtering and blending round differently), the line included."""
    renderer = FrameRenderer(size, ctx=ctx)
    try:
        renderer.set_data(POINTS, LABELS)
        renderer.draw(curved_net(0, 1.0))
        chosen = renderer.scene.composite.mode(renderer.target.framebuffer,
                                               renderer.scene.layout.field.gl_viewport(size[1]))
        modes = [None] if chosen != SINGLE else [None, COPY]
        for seed, scale in ((1, 1.0), (2, 3.0), (3, 6.0)):
            snapshot = curved_net(seed, scale)
            single = panel_of(renderer, frame_in_mode(renderer, snapshot, SINGLE, monkeypatch))
            dark = (single.max(-1) < 60).mean()
            assert dark > 0.001, "the boundary line is in the picture"
            for mode in modes:
                other = panel_of(renderer, frame_in_mode(renderer, snapshot, mode, monkeypatch))
                error = np.abs(other - single).max(-1)
                assert error.mean() < 0.6, (seed, mode)
                assert (error > 3).mean() < 2e-4, (seed, mode, int(error.max()))
    finally:
        renderer.ctx.detect_framebuffer(0).use()
        renderer.release()


def test_the_probe_reads_the_target_it_draws_into(ctx):
    """A software renderer copies (BGRA offscreen frames: Mesa 22's linear path swaps, the probe says so;
    an RGBA framebuffer of one's own: a plain copy); a GPU keeps the one pass."""
    renderer = FrameRenderer((640, 360), ctx=ctx)
    own = ctx.framebuffer(color_attachments=[ctx.texture((640, 360), 4)])
    try:
        renderer.set_data(POINTS, LABELS)
        snapshot = curved_net(0, 1.0)
        renderer.draw(snapshot)
        panel = renderer.scene.layout.field.gl_viewport(360)
        composite = renderer.scene.composite
        offscreen = composite.mode(renderer.target.framebuffer, panel)
        renderer.scene.render(own, (640, 360))
        mine = composite.mode(own, panel)
        if renderer.caps.field_panel == LINEAR_COPY:
            assert offscreen in (COPY, COPY_SWAPPED) and mine in (COPY, COPY_SWAPPED, SINGLE)
        else:
            assert offscreen == mine == SINGLE
        # Whichever it chose, the frame drawn into one's own framebuffer is the offscreen one.
        ours = np.frombuffer(own.read(components=3), np.uint8).reshape(360, 640, 3)[::-1].astype(int)
        assert np.abs(ours - renderer.read_rgb().astype(int)).max() <= 3
    finally:
        release_all(ctx, own, renderer)


def test_a_multisampled_target_keeps_the_one_pass(ctx):
    """It cannot be read back for the probe (GL_INVALID_OPERATION; the autouse check would see it)."""
    renderer = FrameRenderer((320, 180), ctx=ctx)
    msaa = ctx.framebuffer(color_attachments=[ctx.renderbuffer((320, 180), 4, samples=4)])
    try:
        renderer.set_data(POINTS, LABELS)
        renderer.draw(curved_net(0, 1.0))
        renderer.scene.render(msaa, (320, 180))
        assert renderer.scene.composite.mode(msaa, renderer.scene.layout.field.gl_viewport(180)) == SINGLE
    finally:
        release_all(ctx, msaa, renderer)


def test_classify_copy():
    rgb = np.array(PROBE_RGB, np.uint8)
    block = np.tile(np.append(rgb, 255), (64, 1))
    assert classify_copy(block) == COPY
    assert classify_copy(block[:, [2, 1, 0, 3]]) == COPY_SWAPPED
    mixed = block.copy()
    mixed[:32] = block[:32, [2, 1, 0, 3]]
    assert classify_copy(mixed) == SINGLE, "swapped in some tiles only: neither copy is right everywhere"
    off_by_one = block.copy()
    off_by_one[5, 0] += 1
    assert classify_copy(off_by_one) == SINGLE, "a target that changes the colour (dither, 16 bits)"
    assert classify_copy(np.zeros((0, 4), np.uint8)) == SINGLE
    assert linear_copy.PROBE_RGB[0] != linear_copy.PROBE_RGB[2]
