"""The field panel on llvmpipe's 8-bit "linear" path: the same picture as the one-pass composite.

The field texture is copied stretched into the panel as a rectangle with nothing else in its batch
(glFlush before and after: llvmpipe rasterises a tile that also holds a triangle the general way),
which llvmpipe fills with its 8-bit bilinear stretch; then the p = 0.5 line is drawn only in the
cells of the field it passes through. Mesa 22's linear path swaps red and blue in that copy, so the
first frame into each target copies a one-colour texture and reads what arrived: the copy that comes
out right is used there, or the one pass where neither does everywhere.
"""

from __future__ import annotations

import moderngl
import numpy as np

from .field import FieldPass
from .field_composite import SINGLE, FieldCompositePass
from .gl_calls import color_texture, flush_batch
from .shaders import load_program
from .style import Style

COPY, COPY_SWAPPED = "copy", "copy swapped"
CELL_TEXELS = 8             # the boundary pass's cells; boundary.vert decides which are drawn
PROBE_RGB = (212, 106, 37)  # no two channels alike, so a swap or a blend shows
REMEMBERED_TARGETS = 8      # targets come and go (window resizes): probe results of the recent ones


def classify_copy(pixels: np.ndarray, rgb: tuple[int, int, int] = PROBE_RGB) -> str:
    """How a target took the probe's copy of a one-colour texture: exactly (COPY), with red and blue
    swapped everywhere (COPY_SWAPPED), or anything else, e.g. swapped in some tiles only (SINGLE)."""
    pixels = np.asarray(pixels)
    got = pixels.reshape(-1, pixels.shape[-1])[:, :3]
    if got.size and (got == rgb).all():
        return COPY
    if got.size and (got == rgb[::-1]).all():
        return COPY_SWAPPED
    return SINGLE


class LinearCopyPass(FieldCompositePass):
    """The field panel as llvmpipe's linear copy plus the line in cells; per target, probed once."""

    def __init__(self, ctx: moderngl.Context, style: Style, storage: str) -> None:
        super().__init__(ctx, style)
        self._storage = storage
        self._modes: dict[tuple, str] = {}  # (framebuffer, its size, panel) -> how to draw there
        self._probe_texture: moderngl.Texture | None = None

    def _compile(self, key: object) -> moderngl.Program:
        if key in (COPY, COPY_SWAPPED):
            program = load_program(self.ctx, "quad.vert", "field_copy.frag", {"SWAP_RB": key == COPY_SWAPPED})
        elif key == "boundary":
            program = load_program(self.ctx, "boundary.vert", "boundary.frag")
            program["u_boundary_color"] = self.style.boundary
        else:
            return super()._compile(key)
        program["u_field"] = 0
        return program

    def mode(self, framebuffer: moderngl.Framebuffer, panel_viewport: tuple[int, int, int, int]) -> str:
        # A multisampled target cannot be read back (nor does the linear path draw into one).
        if framebuffer.samples:
            return SINGLE
        key = (framebuffer.glo, tuple(framebuffer.size), tuple(panel_viewport))
        if key not in self._modes:
            if len(self._modes) >= REMEMBERED_TARGETS:
                self._modes.clear()
            self._modes[key] = self._probe(framebuffer, panel_viewport)
        return self._modes[key]

    def _probe(self, framebuffer: moderngl.Framebuffer, panel_viewport: tuple[int, int, int, int]) -> str:
        """Copy a one-colour texture into the panel (the viewport the caller set) and read what arrived."""
        if self._probe_texture is None:
            self._probe_texture = color_texture(self.ctx, (4, 4), self._storage)
            self._probe_texture.repeat_x = self._probe_texture.repeat_y = False  # as the field's
            self._probe_texture.write(bytes([*PROBE_RGB, 255]) * 16)
        self._copy(self._probe_texture, COPY)
        pixels = framebuffer.read(viewport=tuple(panel_viewport), components=4, alignment=1)
        return classify_copy(np.frombuffer(pixels, np.uint8).reshape(-1, 4))

    def _copy(self, texture: moderngl.Texture, variant: str) -> None:
        texture.use(0)
        flush_batch()  # a batch of its own: the linear path skips any tile shared with a triangle
        self._variant(variant)[1].render(moderngl.TRIANGLES, vertices=6)
        flush_batch()

    def draw(self, field: FieldPass, framebuffer: moderngl.Framebuffer,
             panel_viewport: tuple[int, int, int, int], boundary_px: float) -> None:
        mode = self.mode(framebuffer, panel_viewport) if field.valid else SINGLE
        if mode == SINGLE:
            super().draw(field, framebuffer, panel_viewport, boundary_px)
            return
        px_per_texel = panel_viewport[2] / field.texture.width
        self._copy(field.texture, mode)
        program, vao = self._variant("boundary")
        cells = (-(-field.texture.width // CELL_TEXELS), -(-field.texture.height // CELL_TEXELS))
        program["u_cells"] = cells
        program["u_cell_texels"] = float(CELL_TEXELS)
        program["u_reach_texels"] = (boundary_px * 0.5 + 0.5) / px_per_texel
        program["u_px_per_texel"] = px_per_texel
        program["u_boundary_px"] = boundary_px
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        vao.render(moderngl.TRIANGLES, vertices=6 * cells[0] * cells[1])
        self.ctx.disable(moderngl.BLEND)

    def release(self) -> None:
        super().release()
        if self._probe_texture is not None:
            self._probe_texture.release()
            self._probe_texture = None
        self._modes.clear()
