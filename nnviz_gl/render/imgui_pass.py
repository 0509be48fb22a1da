"""Dear ImGui's draw data drawn with moderngl (imgui-bundle's own moderngl integration is broken): one
vertex and one index buffer that grow by doubling, one texture per ImGui texture (ImGui 1.92 creates
and updates them itself: ``renderer_has_textures``), one indexed draw per command, scissored.

Imported only where the optional ``nnviz_gl[gui]`` extra (imgui-bundle) is installed.
"""

from __future__ import annotations

import ctypes
import itertools

import moderngl
import numpy as np
from imgui_bundle import imgui

from .shaders import load_program
from .transforms import Rect

_FIRST_BYTES = 1 << 16
_CHANGES = (imgui.ImTextureStatus.want_create, imgui.ImTextureStatus.want_updates, imgui.ImTextureStatus.want_destroy)


class ImGuiPass:
    """Draws ``imgui.get_draw_data()`` into the bound framebuffer of ``size`` pixels."""

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self.program = load_program(ctx, "gui.vert", "gui.frag")
        self.program["u_texture"] = 0
        self.vertices = ctx.buffer(reserve=_FIRST_BYTES, dynamic=True)
        self.indices = ctx.buffer(reserve=_FIRST_BYTES, dynamic=True)
        self.vao = ctx.vertex_array(self.program, [(self.vertices, "2f 2f 4f1", "in_pos", "in_uv", "in_color")],
                                    index_buffer=self.indices, index_element_size=imgui.INDEX_SIZE)
        self.textures: dict[int, moderngl.Texture] = {}
        self._ids = itertools.count(1)
        io = imgui.get_io()
        io.backend_flags |= imgui.BackendFlags_.renderer_has_textures
        limit = int(ctx.info.get("GL_MAX_TEXTURE_SIZE", 4096))
        platform = imgui.get_platform_io()
        platform.renderer_texture_max_width = platform.renderer_texture_max_height = limit

    def update_textures(self) -> bool:
        """Create, update or free the textures ImGui asks for (its font atlas grows as glyphs are used);
        True when any changed (a cached picture of the panel is then stale)."""
        changed = False
        for tex in imgui.get_platform_io().textures:
            status = tex.status
            changed = changed or status in _CHANGES
            if status == imgui.ImTextureStatus.want_create:
                texture = self.ctx.texture((tex.width, tex.height), 4, tex.get_pixels_array().tobytes())
                texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
                texture.repeat_x = texture.repeat_y = False
                key = next(self._ids)
                self.textures[key] = texture
                tex.set_tex_id(key)
                tex.status = imgui.ImTextureStatus.ok
            elif status == imgui.ImTextureStatus.want_updates:
                texture = self.textures[tex.tex_id]
                pixels = tex.get_pixels_array().reshape(tex.height, tex.width, 4)
                for r in tex.updates:
                    block = np.ascontiguousarray(pixels[r.y:r.y + r.h, r.x:r.x + r.w])
                    texture.write(block.tobytes(), viewport=(r.x, r.y, r.w, r.h))
                tex.status = imgui.ImTextureStatus.ok
            elif status == imgui.ImTextureStatus.want_destroy:
                texture = self.textures.pop(tex.tex_id, None)
                if texture is not None:
                    texture.release()
                tex.set_tex_id(0)
                tex.status = imgui.ImTextureStatus.destroyed
        return changed

    def draw(self, draw_data, size: tuple[int, int]) -> None:
        """The draw lists of one ImGui frame; blending on, scissor per command, both restored after."""
        self.update_textures()
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        self.draw_lists(draw_data, size)

    def draw_lists(self, draw_data, size: tuple[int, int]) -> None:
        """The draw lists with the blending already set by the caller; scissor per command, reset after."""
        w, h = size
        self.program["u_projection"].write(Rect(0, 0, w, h).projection().tobytes())
        try:
            for commands in draw_data.cmd_lists:
                self._upload(self.vertices, commands.vtx_buffer.data_address(),
                             commands.vtx_buffer.size() * imgui.VERTEX_SIZE)
                self._upload(self.indices, commands.idx_buffer.data_address(),
                             commands.idx_buffer.size() * imgui.INDEX_SIZE)
                for command in commands.cmd_buffer:
                    x0, y0, x1, y1 = command.clip_rect
                    if x1 <= x0 or y1 <= y0:
                        continue
                    self.ctx.scissor = (int(x0), int(h - y1), int(x1 - x0), int(y1 - y0))
                    self.textures[command.tex_ref.get_tex_id()].use(0)
                    self.vao.render(moderngl.TRIANGLES, vertices=command.elem_count, first=command.idx_offset)
        finally:
            self.ctx.scissor = None

    @staticmethod
    def _upload(buffer: moderngl.Buffer, address: int, size: int) -> None:
        if size > buffer.size:
            buffer.orphan(1 << (size - 1).bit_length())  # the same buffer object, a larger store
        if size:
            buffer.write((ctypes.c_char * size).from_address(address))

    def release(self) -> None:
        for texture in self.textures.values():
            texture.release()
        self.textures.clear()
        self.vao.release()
        self.vertices.release()
        self.indices.release()
        self.program.release()
