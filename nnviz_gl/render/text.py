"""Text pass: labels and HUD lines drawn from one glyph atlas with one instanced draw call.

The atlas and the layout are built in numpy (``glyph_atlas.py``); here they become a texture, a
program and an instance buffer, made once. Per frame, ``set_text`` only writes that buffer.
Measure text with ``TextPass.atlas.measure``.
"""

from __future__ import annotations

from typing import Iterable

import moderngl
import numpy as np

from .gl_calls import build_mipmaps_without_gil
from .glyph_atlas import INSTANCE_FLOATS, TextItem, TextLayoutError, build_glyph_atlas, layout_instances
from .shaders import load_program
from .transforms import Rect

__all__ = ["TextItem", "TextPass"]

_UNIT_QUAD = np.array([0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1], dtype=np.float32)


class TextPass:
    """Draws ``TextItem``s: atlas texture, program and buffers are made once here.

    ``font_px`` is the size text is mostly drawn at; the atlas is rasterised at
    ``max(64, 2 * font_px)`` so that it is minified (sharp) rather than magnified (soft) in use.
    """

    def __init__(self, ctx: moderngl.Context, *, font_px: int = 32, capacity: int = 4096) -> None:
        if not 4 <= font_px <= 128:
            raise TextLayoutError(f"font_px must be 4..128, got {font_px}")
        if capacity < 1:
            raise TextLayoutError(f"capacity must be at least 1 glyph, got {capacity}")
        self.ctx = ctx
        self.atlas = build_glyph_atlas(max(64, 2 * int(font_px)))
        image = self.atlas.image
        self.texture = ctx.texture((image.shape[1], image.shape[0]), 1, image.tobytes(), dtype="f1", alignment=1)
        self.texture.repeat_x = self.texture.repeat_y = False
        build_mipmaps_without_gil(self.texture)
        self.texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        self.program = load_program(ctx, "text.vert", "text.frag")
        self.program["u_atlas"].value = 0
        self._quad = ctx.buffer(_UNIT_QUAD.tobytes())
        self.capacity = 0
        self._allocate(int(capacity))
        self.count = 0
        self._laid_out: dict[TextItem, np.ndarray] = {}  # the items now drawn, laid out (reused when unchanged)

    def _allocate(self, capacity: int) -> None:
        if self.capacity:
            self.vao.release()
            self.instances.release()
        self.capacity = capacity
        self.instances = self.ctx.buffer(reserve=capacity * INSTANCE_FLOATS * 4, dynamic=True)
        self.vao = self.ctx.vertex_array(
            self.program,
            [
                (self._quad, "2f", "in_corner"),
                (self.instances, "4f 4f 4f 1f/i", "in_rect", "in_uv", "in_color", "in_radius"),
            ],
        )

    def set_text(self, items: Iterable[TextItem]) -> None:
        """Replace what is drawn; writes the instance buffer (grows it only past its capacity)."""
        rows = layout_instances(self.atlas, items, self._laid_out)
        if len(rows) > self.capacity:
            self._allocate(1 << (len(rows) - 1).bit_length())
        if len(rows):
            self.instances.write(rows.tobytes())
        self.count = len(rows)

    def draw(self, viewport_size: tuple[int, int]) -> None:
        """One instanced draw of everything set; blending is the scene's business."""
        width, height = viewport_size
        if width <= 0 or height <= 0:
            raise TextLayoutError(f"viewport_size must be positive (width, height), got {viewport_size!r}")
        if not self.count:
            return
        self.program["u_projection"].write(Rect(0, 0, width, height).projection().tobytes())
        self.texture.use(location=0)
        self.vao.render(moderngl.TRIANGLES, vertices=6, instances=self.count)

    def release(self) -> None:
        for obj in (self.vao, self.instances, self._quad, self.program, self.texture):
            obj.release()
        self.capacity = self.count = 0
