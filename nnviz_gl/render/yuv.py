"""The drawn frame converted to yuv420p on the GPU, so the video encoder gets its own pixel format.

At 4K, ffmpeg's RGB -> YUV conversion alone would cap a GPU server near 35 frames a second, and the
readback and the pipe would carry 4 bytes a pixel instead of 1.5. The planes come out in file order
(Y, then Cb, then Cr, rows top-down): ffmpeg reads them as ``-pix_fmt yuv420p`` and converts nothing.
"""

from __future__ import annotations

import moderngl

from .gl_calls import finish_without_gil
from .shaders import load_program


def yuv420_frame_bytes(size: tuple[int, int]) -> int:
    w, h = size
    return w * h * 3 // 2


def _pack(row_bytes: int) -> int:
    """Bytes per target texel: as many as divide the row (fewer, fatter fragments suit a software renderer)."""
    return next(k for k in (4, 2, 1) if row_bytes % k == 0)


class Yuv420Pass:
    """Made once per output size: two draws (luma; both chroma planes through two outputs) and three
    reads straight into the caller's buffer. No GL object is made per frame."""

    def __init__(self, ctx: moderngl.Context, size: tuple[int, int]) -> None:
        w, h = (int(v) for v in size)
        if w <= 0 or h <= 0 or w % 2 or h % 2:
            raise ValueError(f"yuv420p needs a positive, even width and height, got {w}x{h}")
        self.ctx = ctx
        self.size = (w, h)
        self.frame_bytes = yuv420_frame_bytes(self.size)
        self._luma_pack, self._chroma_pack = _pack(w), _pack(w // 2)
        self._luma = ctx.framebuffer(
            color_attachments=[ctx.renderbuffer((w // self._luma_pack, h), self._luma_pack)])
        chroma_size = (w // 2 // self._chroma_pack, h // 2)
        self._chroma = ctx.framebuffer(color_attachments=[
            ctx.renderbuffer(chroma_size, self._chroma_pack) for _ in range(2)])
        self._passes = []
        for plane, fbo, pack in ((0, self._luma, self._luma_pack), (1, self._chroma, self._chroma_pack)):
            program = load_program(ctx, "fullscreen.vert", "yuv420.frag", {"PLANE": plane, "PACK": pack})
            program["u_frame"] = 0
            program["u_size"] = self.size
            self._passes.append((fbo, program, ctx.vertex_array(program, [])))

    def convert_into(self, frame: moderngl.Texture, buffer: bytearray | memoryview) -> None:
        """Convert ``frame`` (this pass's size) into ``buffer``'s first ``frame_bytes``."""
        if frame.size != self.size:
            raise ValueError(f"frame is {frame.size[0]}x{frame.size[1]}, this pass converts "
                             f"{self.size[0]}x{self.size[1]}")
        self.ctx.disable(moderngl.BLEND)
        self.ctx.scissor = None
        finish_without_gil()  # the frame is done before we sample it, and the wait lets Python run
        frame.use(0)
        for fbo, _, vao in self._passes:
            fbo.use()
            fbo.viewport = (0, 0, *fbo.size)
            vao.render(moderngl.TRIANGLES, vertices=3)
        finish_without_gil()
        luma_bytes = self.size[0] * self.size[1]
        self._luma.read_into(buffer, components=self._luma_pack, alignment=1)
        for plane in range(2):
            self._chroma.read_into(buffer, components=self._chroma_pack, alignment=1, attachment=plane,
                                   write_offset=luma_bytes + plane * luma_bytes // 4)

    def release(self) -> None:
        for _, program, vao in self._passes:
            vao.release()
            program.release()
        for fbo in (self._luma, self._chroma):
            for attachment in fbo.color_attachments:
                attachment.release()
            fbo.release()
