"""The control panel's picture, kept: ImGui's draw lists are drawn into a texture only when they change
(a hover, a typed character, a new value), and every other frame the texture is composited with one quad.

On llvmpipe drawing the lists costs as much as blending their many small triangles over the panel's
area each frame; an unchanged panel (most frames: training changes the network, not the controls) costs
one textured rectangle instead. The texture is premultiplied (ImGui's source-over blending into a clear
texture, alpha accumulated with ONE, ONE_MINUS_SRC_ALPHA), so compositing it is exact.
"""

from __future__ import annotations

import ctypes
import math

import moderngl
import numpy as np
from imgui_bundle import imgui

from .imgui_pass import ImGuiPass
from .transforms import Rect

_VERTEX = np.dtype([("pos", "<f4", 2), ("uv", "<f4", 2), ("color", "u1", 4)])  # imgui.VERTEX_SIZE bytes
_QUAD_INDICES = np.array([0, 1, 2, 0, 2, 3], dtype=np.uint16 if imgui.INDEX_SIZE == 2 else np.uint32)


def draw_data_key(draw_data, size: tuple[int, int]) -> tuple:
    """Everything the draw lists draw (vertices, indices, commands, textures, frame size) as one value
    to compare with the last frame's: a memcmp of a few tens of kilobytes."""
    parts: list = [size]
    for commands in draw_data.cmd_lists:
        parts.append(ctypes.string_at(commands.vtx_buffer.data_address(), commands.vtx_buffer.size() * imgui.VERTEX_SIZE))
        parts.append(ctypes.string_at(commands.idx_buffer.data_address(), commands.idx_buffer.size() * imgui.INDEX_SIZE))
        parts.extend((tuple(c.clip_rect), c.elem_count, c.idx_offset, c.vtx_offset, c.tex_ref.get_tex_id())
                     for c in commands.cmd_buffer)
    return tuple(parts)


def drawn_box(draw_data, size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """The whole-pixel box (x0, y0, x1, y1, y down) that holds every vertex drawn, within the frame."""
    w, h = size
    low, high = np.array([np.inf, np.inf]), np.array([-np.inf, -np.inf])
    for commands in draw_data.cmd_lists:
        n = commands.vtx_buffer.size()
        if n:
            raw = ctypes.string_at(commands.vtx_buffer.data_address(), n * imgui.VERTEX_SIZE)
            pos = np.frombuffer(raw, _VERTEX)["pos"]
            low, high = np.minimum(low, pos.min(axis=0)), np.maximum(high, pos.max(axis=0))
    if not np.isfinite(low).all():
        return None
    x0, y0 = max(0, math.floor(low[0])), max(0, math.floor(low[1]))
    x1, y1 = min(w, math.ceil(high[0])), min(h, math.ceil(high[1]))
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


class CachedImGuiPass:
    """Draws ImGui's frame through a texture of the frame's size that is redrawn only when it changed."""

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self.gui = ImGuiPass(ctx)
        self.quad_vertices = ctx.buffer(reserve=4 * _VERTEX.itemsize, dynamic=True)
        self.quad_indices = ctx.buffer(_QUAD_INDICES.tobytes())
        self.quad = ctx.vertex_array(self.gui.program, [(self.quad_vertices, "2f 2f 4f1", "in_pos", "in_uv", "in_color")],
                                     index_buffer=self.quad_indices, index_element_size=imgui.INDEX_SIZE)
        self.texture: moderngl.Texture | None = None
        self.framebuffer: moderngl.Framebuffer | None = None
        self.box: tuple[int, int, int, int] | None = None
        self.redraws = 0  # how often the lists were drawn (the rest were composites)
        self.steady = 0  # frames in a row drawn from the same lists
        self._key: tuple | None = None

    def draw(self, draw_data, framebuffer: moderngl.Framebuffer, size: tuple[int, int]) -> None:
        """ImGui's frame over ``framebuffer`` (of ``size``); leaves blending on, source-over, as found."""
        textures_changed = self.gui.update_textures()
        key = draw_data_key(draw_data, size)
        if textures_changed or key != self._key:
            self._redraw(draw_data, size)
            self._key, self.steady = key, 0
        else:
            self.steady += 1
        framebuffer.use()
        framebuffer.viewport = (0, 0, *size)
        if self.box is not None:
            self.texture.use(0)
            self.ctx.enable(moderngl.BLEND)
            self.ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA  # premultiplied
            self.gui.program["u_projection"].write(Rect(0, 0, *size).projection().tobytes())
            self.quad.render(moderngl.TRIANGLES)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA

    def _redraw(self, draw_data, size: tuple[int, int]) -> None:
        self.redraws += 1
        if self.texture is None or self.texture.size != size:
            self._make_target(size)
        self.box = drawn_box(draw_data, size)
        if self.box is None:
            return
        w, h = size
        x0, y0, x1, y1 = self.box
        self.framebuffer.use()
        self.framebuffer.viewport = (0, 0, w, h)
        self.framebuffer.clear(0.0, 0.0, 0.0, 0.0, viewport=(x0, h - y1, x1 - x0, y1 - y0))  # only what is shown
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = (moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA, moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA)
        self.gui.draw_lists(draw_data, size)
        quad = np.zeros(4, _VERTEX)
        quad["pos"] = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        quad["uv"] = [(x / w, 1.0 - y / h) for x, y in quad["pos"]]
        quad["color"] = 255
        self.quad_vertices.write(quad.tobytes())

    def _make_target(self, size: tuple[int, int]) -> None:
        """A new texture only when the frame's size changes (a window resize), never per frame."""
        if self.framebuffer is not None:
            self.framebuffer.release()
            self.texture.release()
        self.texture = self.ctx.texture(size, 4)
        self.texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.framebuffer = self.ctx.framebuffer(color_attachments=[self.texture])

    def release(self) -> None:
        if self.framebuffer is not None:
            self.framebuffer.release()
            self.texture.release()
        self.quad.release()
        self.quad_vertices.release()
        self.quad_indices.release()
        self.gui.release()
