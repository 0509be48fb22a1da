"""An offscreen framebuffer the scene draws into, read back for video or tests."""

from __future__ import annotations

import moderngl
import numpy as np

from .gl_calls import color_texture, finish_without_gil, read_bgra_into
from .yuv import Yuv420Pass


class OffscreenTarget:
    """An 8-bit colour texture stored as the driver's capabilities say (``pixel_order``), read back in
    that order (the cheapest read) or, for video on a GPU, converted to yuv420p there first (the
    converter samples the texture, hence not a renderbuffer)."""

    def __init__(self, ctx: moderngl.Context, size: tuple[int, int], storage: str = "rgba") -> None:
        self.ctx = ctx
        self.size = (int(size[0]), int(size[1]))
        self.pixel_order = storage  # Capabilities.frame_storage
        self.texture = color_texture(ctx, self.size, storage)
        self.texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.texture.repeat_x = self.texture.repeat_y = False
        self.framebuffer = ctx.framebuffer(color_attachments=[self.texture])
        self._yuv: Yuv420Pass | None = None

    def read_into(self, buffer: bytearray | memoryview) -> None:
        """Raw RGBA, bottom row first (GL order); the video sink flips it for free in ffmpeg."""
        finish_without_gil()
        self.framebuffer.read_into(buffer, components=4, alignment=1)

    def read_native_into(self, buffer: bytearray | memoryview) -> None:
        """Raw pixels in :attr:`pixel_order` ("bgra" or "rgba"), bottom row first: the cheapest read."""
        if self.pixel_order != "bgra":
            self.read_into(buffer)
            return
        finish_without_gil()
        read_bgra_into(self.framebuffer, buffer)

    def read_yuv420_into(self, buffer: bytearray | memoryview) -> None:
        """The frame as yuv420p bytes in file order (top row first); made on the GPU."""
        if self._yuv is None:
            self._yuv = Yuv420Pass(self.ctx, self.size)
        self._yuv.convert_into(self.texture, buffer)
        self.framebuffer.use()  # the frame's own framebuffer stays the bound one, as after read_into

    def read_rgb(self) -> np.ndarray:
        """(height, width, 3) uint8, row 0 at the top of the picture."""
        finish_without_gil()
        raw = self.framebuffer.read(components=4, alignment=1)
        rgba = np.frombuffer(raw, np.uint8).reshape(self.size[1], self.size[0], 4)
        return np.ascontiguousarray(rgba[::-1, :, :3])

    def release(self) -> None:
        if self._yuv is not None:
            self._yuv.release()
        self.texture.release()
        self.framebuffer.release()
