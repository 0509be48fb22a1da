"""The live window's ``s`` and ``v``: a PNG of the frame, and the window recorded into an mp4.

A recording goes through the same writer and codec policy as :class:`~nnviz_gl.video.VideoRecorder`
(``codec="auto"`` with its preset and crf, the encoder threads of the driver's capabilities)
on a frame clock: every frame the window draws while recording is one video frame at
:data:`RECORD_FPS`, none repeated or dropped. When the encoder falls behind, the window waits for it.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ffmpeg import VideoWriter
    from .window import Viewer

RECORD_FPS = 30.0


def record_help(key_width: int) -> tuple[str, str]:
    """The help overlay's two lines for ``v``: what the video's timing means."""
    pad = " " * key_width
    return (f"{'v':<{key_width}}record an mp4 / stop: one video frame per frame drawn,",
            f"{pad}played at {RECORD_FPS:g} fps (a window drawing faster plays back slower)")


class WindowRecorder:
    """Saves what ``viewer`` draws: :meth:`save_png` and :meth:`toggle` (start or stop an mp4)."""

    def __init__(self, viewer: "Viewer") -> None:
        self.viewer = viewer
        self.writer: VideoWriter | None = None
        self.path: Path | None = None  # of the recording made last

    @property
    def recording(self) -> bool:
        return self.writer is not None

    def save_png(self, path: str | os.PathLike[str] | None = None) -> Path | None:
        """Draw the current frame and save it as a PNG (default: a time-stamped name in ``output_dir``)."""
        from PIL import Image

        v = self.viewer
        if not v.draw():
            v.hud.notify("nothing to save yet")
            return None
        target = Path(path) if path is not None else self._stamped(".png")
        Image.fromarray(v.read_rgb()).save(target)
        self._say(f"saved {target}")
        return target

    def toggle(self, path: str | os.PathLike[str] | None = None) -> None:
        """Start recording into an mp4 (default: a time-stamped name in ``output_dir``), or stop."""
        if self.writer is not None:
            self.stop()
            return
        from .ffmpeg import VideoWriter

        v = self.viewer
        target = Path(path) if path is not None else self._stamped(".mp4")
        w, h = v.fb_size[0] - v.fb_size[0] % 2, v.fb_size[1] - v.fb_size[1] % 2  # H.264: even sizes
        try:
            self.writer = VideoWriter(target, (w, h), RECORD_FPS, codec="auto", input_format="rgba",
                                      bottom_up=True, encoder_threads=v.caps.encoder_threads)
        except (OSError, ValueError, RuntimeError) as exc:  # no ffmpeg, no working encoder: say so, keep the window
            self._say(f"cannot record: {exc}")
            return
        self.path = target
        v.hud.notify(f"recording {target}")

    def capture(self) -> None:
        """The frame just drawn (the back buffer) as the next video frame."""
        writer = self.writer
        try:
            buffer = writer.acquire_buffer()  # blocks while the encoder is behind: no frame is dropped
            self.viewer.framebuffer.read_into(buffer, viewport=(0, 0, writer.width, writer.height), components=4,
                                              alignment=1)
            writer.write(buffer)
        except Exception as exc:  # an encoder failure must not take the live window down
            self.writer = None
            writer.abort()
            self._say(f"recording failed: {exc}")

    def stop(self, reason: str | None = None) -> None:
        """Finish the video (or discard it, before any frame); ``reason`` says why when it was not ``v``."""
        writer, self.writer = self.writer, None
        if writer is None:
            return
        try:
            if writer.frames_written:
                writer.close()
                text = f"saved {self.path} ({writer.frames_written} frames)"
            else:
                writer.abort()
                text = "recording stopped before any frame"
        except Exception as exc:
            writer.abort()
            text = f"recording failed: {exc}"
        self._say(f"{reason}: {text}" if reason else text)

    def _say(self, text: str) -> None:
        self.viewer.hud.notify(text)
        print(f"nnviz-gl: {text}", file=sys.stderr)

    def _stamped(self, suffix: str) -> Path:
        out = self.viewer.output_dir
        out.mkdir(parents=True, exist_ok=True)
        return out / f"nnviz-{datetime.now():%Y%m%d-%H%M%S-%f}{suffix}"
