"""Instanced quads: the edge pass (one quad per connection), the disc pass (neurons, data points) and
the rectangle pass (the background between panels)."""

from __future__ import annotations

import moderngl
import numpy as np

from .shaders import load_program
from .transforms import Rect

_QUAD_ALONG = np.array([[0, -1], [1, -1], [1, 1], [0, -1], [1, 1], [0, 1]], np.float32)
_QUAD_CENTRED = np.array([[-1, -1], [1, -1], [1, 1], [-1, -1], [1, 1], [-1, 1]], np.float32)
_QUAD_UNIT = np.array([[0, 0], [1, 0], [1, 1], [0, 0], [1, 1], [0, 1]], np.float32)


class _InstancedPass:
    """A static unit quad plus per-instance buffers that grow only when capacity is exceeded."""

    vertex_file = ""
    fragment_file = ""
    corner = _QUAD_CENTRED
    # (attribute names, floats per instance) for each instance buffer
    instance_layout: tuple[tuple[tuple[str, ...], str, int], ...] = ()

    def __init__(self, ctx: moderngl.Context, capacity: int = 64) -> None:
        self.ctx = ctx
        self.program = load_program(ctx, self.vertex_file, self.fragment_file)
        self.corners = ctx.buffer(self.corner.tobytes())
        self.count = 0
        self.buffers: list[moderngl.Buffer] = []
        self.vao: moderngl.VertexArray | None = None
        self.capacity = 0
        self._reserve(capacity)

    def _reserve(self, n: int) -> None:
        if n <= self.capacity:
            return
        capacity = max(n, self.capacity * 2, 16)
        for buf in self.buffers:
            buf.release()
        if self.vao is not None:
            self.vao.release()
        self.buffers = [ctx_buf for ctx_buf in (self.ctx.buffer(reserve=capacity * 4 * floats) for _, _, floats in self.instance_layout)]
        content = [(self.corners, "2f", "in_corner")]
        for buf, (names, fmt, _) in zip(self.buffers, self.instance_layout):
            content.append((buf, fmt + "/i", *names))
        self.vao = self.ctx.vertex_array(self.program, content)
        self.capacity = capacity

    def release(self) -> None:
        for obj in (self.vao, *self.buffers, self.corners, self.program):
            if obj is not None:
                obj.release()
        self.vao, self.buffers, self.capacity, self.count = None, [], 0, 0

    def write(self, index: int, data: np.ndarray) -> None:
        """Write instance buffer ``index``; all buffers must then hold the same instance count."""
        data = np.ascontiguousarray(data, dtype=np.float32)
        self._reserve(len(data))
        self.buffers[index].write(data.tobytes())
        self.count = len(data)

    def draw(self, view: Rect | tuple[int, int]) -> None:
        """Draw every instance; ``view`` is the frame rectangle the current viewport shows, or the
        frame's (width, height) when it shows the whole frame."""
        if self.count == 0:
            return
        rect = view if isinstance(view, Rect) else Rect(0, 0, view[0], view[1])
        self.program["u_projection"].write(rect.projection().tobytes())
        self.vao.render(moderngl.TRIANGLES, vertices=6, instances=self.count)


class EdgePass(_InstancedPass):
    """Connections: end points per architecture, (width, strength, learning) per snapshot."""

    vertex_file = "edges.vert"
    fragment_file = "edges.frag"
    corner = _QUAD_ALONG
    instance_layout = ((("in_ends",), "4f", 4), (("in_style",), "3f", 3))

    def set_style(self, style, unit: float, disc_radius: float = 0.0) -> None:
        """Colours and dash length; ``disc_radius``: the opaque discs later drawn over both ends (0: none),
        under which the quads need not reach."""
        self.program["u_disc_radius"] = float(disc_radius)
        self.program["u_color_pos"] = style.positive
        self.program["u_color_neg"] = style.negative
        self.program["u_color_learning"] = style.learning
        self.program["u_color_invalid"] = style.invalid
        self.program["u_dash_px"] = 14.0 * unit
        self.program["u_thin_px"] = max(1.0, 1.5 * unit)


class DiscPass(_InstancedPass):
    """Anti-aliased discs: per instance centre + radius (3), fill RGBA (4), outline RGB + width (4)."""

    vertex_file = "discs.vert"
    fragment_file = "discs.frag"
    instance_layout = ((("in_disc", "in_fill", "in_outline"), "3f 4f 4f", 11),)

    def set_discs(self, discs: np.ndarray) -> None:
        self.write(0, discs)


class RectPass(_InstancedPass):
    """Rectangles: per instance x, y (top-left), width, height in frame pixels (4), straight RGBA (4);
    opaque ones (alpha 1) or, blended by the caller, translucent ones."""

    vertex_file = "rects.vert"
    fragment_file = "rects.frag"
    corner = _QUAD_UNIT
    instance_layout = ((("in_rect", "in_color"), "4f 4f", 8),)

    def set_rects(self, rects: np.ndarray) -> None:
        rects = np.asarray(rects, np.float32).reshape(-1, 8)
        if len(rects):
            self.write(0, rects)
        self.count = len(rects)
