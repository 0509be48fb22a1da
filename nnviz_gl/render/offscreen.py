"""An offscreen framebuffer the scene draws into, read back for video or tests."""

from __future__ import annotations

import moderngl
import numpy as np


class OffscreenTarget:
    """RGBA8 colour renderbuffer. RGBA readback is the fast path (RGB was 3-10x slower on llvmpipe)."""

    def __init__(self, ctx: moderngl.Context, size: tuple[int, int]) -> None:
        self.ctx = ctx
        self.size = (int(size[0]), int(size[1]))
        self.framebuffer = ctx.framebuffer(color_attachments=[ctx.renderbuffer(self.size, 4)])

    @property
    def frame_bytes(self) -> int:
        return self.size[0] * self.size[1] * 4

    def read_into(self, buffer: bytearray | memoryview) -> None:
        """Raw RGBA, bottom row first (GL order); the video sink flips it for free in ffmpeg."""
        self.framebuffer.read_into(buffer, components=4, alignment=1)

    def read_rgb(self) -> np.ndarray:
        """(height, width, 3) uint8, row 0 at the top of the picture."""
        raw = self.framebuffer.read(components=4, alignment=1)
        rgba = np.frombuffer(raw, np.uint8).reshape(self.size[1], self.size[0], 4)
        return np.ascontiguousarray(rgba[::-1, :, :3])

    def release(self) -> None:
        for attachment in self.framebuffer.color_attachments:
            attachment.release()
        self.framebuffer.release()
