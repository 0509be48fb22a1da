"""The field panel: the field texture drawn into its panel at output size, with the p = 0.5 line."""

from __future__ import annotations

import moderngl
import numpy as np

from .context import bgra_texture, flush_batch, gl_info
from .field import FieldPass, release_variants
from .shaders import load_program
from .style import DEFAULT_STYLE, Style

SINGLE, COPY, COPY_SWAPPED = "single", "copy", "copy swapped"
CELL_TEXELS = 8           # the boundary pass's cells; boundary.vert decides which are drawn
PROBE_RGB = (212, 106, 37)  # no two channels alike, so a swap or a blend shows


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


class FieldCompositePass:
    """Draws the field texture into its panel at output size with the p = 0.5 line anti-aliased from
    the stored distance; a hatch for a diverged model (its own variant, compiled on first use).

    Two ways to the same picture. ``single``: one pass, every pixel samples the texture and draws the
    line (what a GPU does in no time). On a software renderer, ``copy``: the texture is copied
    stretched into the panel as a rectangle with nothing else in its batch (glFlush before and
    after), which llvmpipe fills on its 8-bit linear path (a 4K panel: ~8 instead of ~30 CPU ms),
    then the line is drawn only in the cells of the field it passes through. Mesa 22's linear path
    swaps red and blue in that copy; so the first frame into each target measures what the copy does
    to a known colour (a read-back of the panel, once) and takes the copy that comes out right, or
    ``single`` where neither does everywhere.
    """

    def __init__(self, ctx: moderngl.Context, style: Style = DEFAULT_STYLE) -> None:
        self.ctx = ctx
        self.style = style
        # The copy is for software renderers only, and needs glFlush through ctypes.
        self._may_copy = gl_info(ctx).software and flush_batch()
        self._variants: dict[object, tuple[moderngl.Program, moderngl.VertexArray]] = {}
        self._modes: dict[tuple, str] = {}  # (framebuffer, its size, panel) -> how to draw there
        self._probe_texture: moderngl.Texture | None = None
        self._variant(True)

    def _variant(self, key: object) -> tuple[moderngl.Program, moderngl.VertexArray]:
        """True/False: the one-pass composite (valid model or hatch); COPY/COPY_SWAPPED: the copy;
        "boundary": the line's cells."""
        if key not in self._variants:
            if key in (COPY, COPY_SWAPPED):
                program = load_program(self.ctx, "quad.vert", "field_copy.frag", {"SWAP_RB": key == COPY_SWAPPED})
                program["u_field"] = 0
            elif key == "boundary":
                program = load_program(self.ctx, "boundary.vert", "boundary.frag")
                program["u_field"] = 0
                program["u_boundary_color"] = self.style.boundary
            else:
                program = load_program(self.ctx, "fullscreen.vert", "field_composite.frag", {"VALID": key})
                if key:
                    program["u_field"] = 0
                    program["u_boundary_color"] = self.style.boundary
                else:
                    program["u_invalid_color"] = self.style.invalid
            self._variants[key] = (program, self.ctx.vertex_array(program, []))
        return self._variants[key]

    def mode(self, framebuffer: moderngl.Framebuffer, panel_viewport: tuple[int, int, int, int]) -> str:
        """How the panel is drawn into ``framebuffer`` (probed on first use; see the class)."""
        # A multisampled target cannot be read back (nor does llvmpipe's linear path draw into one).
        if not self._may_copy or framebuffer.samples:
            return SINGLE
        key = (framebuffer.glo, tuple(framebuffer.size), tuple(panel_viewport))
        if key not in self._modes:
            if len(self._modes) >= 8:  # targets come and go (window resizes): remember the recent ones
                self._modes.clear()
            self._modes[key] = self._probe(framebuffer, panel_viewport)
        return self._modes[key]

    def _probe(self, framebuffer: moderngl.Framebuffer, panel_viewport: tuple[int, int, int, int]) -> str:
        """Copy a one-colour texture into the panel (the viewport the caller set) and read what arrived."""
        if self._probe_texture is None:
            self._probe_texture, _ = bgra_texture(self.ctx, (4, 4))
            self._probe_texture.repeat_x = self._probe_texture.repeat_y = False  # as the field's
            self._probe_texture.write(bytes([*PROBE_RGB, 255]) * 16)
        self._copy(self._probe_texture, COPY)
        pixels = framebuffer.read(viewport=tuple(panel_viewport), components=4, alignment=1)
        return classify_copy(np.frombuffer(pixels, np.uint8).reshape(-1, 4))

    def _copy(self, texture: moderngl.Texture, variant: str) -> None:
        texture.use(0)
        flush_batch()  # a batch of its own: llvmpipe's linear path skips any tile shared with a triangle
        self._variant(variant)[1].render(moderngl.TRIANGLES, vertices=6)
        flush_batch()

    def draw(self, field: FieldPass, framebuffer: moderngl.Framebuffer,
             panel_viewport: tuple[int, int, int, int], boundary_px: float) -> None:
        """Draw into ``framebuffer``, whose viewport is set to ``panel_viewport`` (x, y, w, h in GL pixels)."""
        if not field.valid:
            self._variant(False)[1].render(moderngl.TRIANGLES, vertices=3)
            return
        px_per_texel = panel_viewport[2] / field.texture.width
        mode = self.mode(framebuffer, panel_viewport)
        if mode == SINGLE:
            program, vao = self._variant(True)
            field.texture.use(0)
            program["u_px_per_texel"] = px_per_texel
            program["u_boundary_px"] = boundary_px
            vao.render(moderngl.TRIANGLES, vertices=3)
            return
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
        release_variants(self._variants)
        if self._probe_texture is not None:
            self._probe_texture.release()
            self._probe_texture = None
        self._modes.clear()
