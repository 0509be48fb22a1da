"""The field panel's colours and boundary line: the field texture drawn into its panel at output size.

Two strategies give the same picture; the field panel (``field_panel.py``) picks one per context from its
:class:`~nnviz_gl.render.capabilities.Capabilities`: :class:`FieldCompositePass` (one pass, every
pixel samples the texture and draws the line: what a GPU does in no time) or, on llvmpipe,
:class:`~nnviz_gl.render.linear_copy.LinearCopyPass` (its 8-bit copy, then the line in cells).
"""

from __future__ import annotations

import moderngl

from .field import FieldPass, release_variants
from .shaders import load_program
from .style import DEFAULT_STYLE, Style

SINGLE = "single"  # the one-pass mode's name (LinearCopyPass may fall back to it per target)


class FieldCompositePass:
    """Draws the field texture into its panel with the p = 0.5 line anti-aliased from the stored
    distance; a hatch for a diverged model (a compile-time variant: a uniform branch made a software
    renderer pay for both sides at every pixel)."""

    def __init__(self, ctx: moderngl.Context, style: Style = DEFAULT_STYLE) -> None:
        self.ctx = ctx
        self.style = style
        self._variants: dict[object, tuple[moderngl.Program, moderngl.VertexArray]] = {}
        self._variant(True)

    def _variant(self, key: object) -> tuple[moderngl.Program, moderngl.VertexArray]:
        """True/False: the one-pass composite (valid model / hatch); subclasses add their own keys."""
        if key not in self._variants:
            program = self._compile(key)
            self._variants[key] = (program, self.ctx.vertex_array(program, []))
        return self._variants[key]

    def _compile(self, key: object) -> moderngl.Program:
        program = load_program(self.ctx, "fullscreen.vert", "field_composite.frag", {"VALID": bool(key)})
        if key:
            program["u_field"] = 0
            program["u_boundary_color"] = self.style.boundary
        else:
            program["u_invalid_color"] = self.style.invalid
        return program

    def mode(self, framebuffer: moderngl.Framebuffer, panel_viewport: tuple[int, int, int, int]) -> str:
        """How the panel is drawn into ``framebuffer``: always in one pass here."""
        return SINGLE

    def draw(self, field: FieldPass, framebuffer: moderngl.Framebuffer,
             panel_viewport: tuple[int, int, int, int], boundary_px: float) -> None:
        """Draw into ``framebuffer``, whose viewport is set to ``panel_viewport`` (x, y, w, h in GL pixels)."""
        if not field.valid:
            self._variant(False)[1].render(moderngl.TRIANGLES, vertices=3)
            return
        program, vao = self._variant(True)
        field.texture.use(0)
        program["u_px_per_texel"] = panel_viewport[2] / field.texture.width
        program["u_boundary_px"] = boundary_px
        vao.render(moderngl.TRIANGLES, vertices=3)

    def release(self) -> None:
        release_variants(self._variants)

