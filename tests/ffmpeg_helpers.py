"""Frames, waits and process helpers shared by the video sink tests."""

from __future__ import annotations

import os
import select
from pathlib import Path

import numpy as np

W, H = 64, 48
RED, BLUE = (255, 0, 0, 255), (0, 0, 255, 255)


def two_colour_frame(first_rows: tuple, last_rows: tuple, w: int = W, h: int = H) -> np.ndarray:
    """RGBA frame whose first h/2 rows in memory are ``first_rows`` and the rest ``last_rows``."""
    frame = np.empty((h, w, 4), np.uint8)
    frame[: h // 2] = first_rows
    frame[h // 2 :] = last_rows
    return frame


class ProcessEnd:
    """The end of a process that may not be our child (ffmpeg under another Python): its pidfd turns
    readable when it exits, zombie or not. Opened while the process surely lives, so no pid reuse."""

    def __init__(self, pid: int) -> None:
        self.fd = os.pidfd_open(pid)

    def wait(self, timeout: float) -> bool:
        try:
            return bool(select.select([self.fd], [], [], timeout)[0])
        finally:
            os.close(self.fd)


def file_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def moving_frames(n: int, w: int = W, h: int = H) -> list[np.ndarray]:
    """Frames that differ from one another (a bar sweeping across), so nothing is trivially static."""
    frames = []
    for i in range(n):
        f = np.zeros((h, w, 4), np.uint8)
        f[..., 3] = 255
        f[:, (i * 3) % w : (i * 3) % w + 4, 1] = 255
        frames.append(f)
    return frames
