"""Pictures beside a video: the last frame as a PNG (``--last-frame``), every frame as numbered PNGs (``--frames``).

Both paths are checked before any work starts, in the same words as a video's output path; a PNG is
written under a temporary name and renamed, so a run cut short never leaves half a picture.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from .ffmpeg_process import OutputPathError


def _check_writable_folder(folder: Path, what: str) -> None:
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".nnviz-write-test-"):
            pass
    except OSError as exc:
        raise OutputPathError(f"{what}: folder {str(folder)!r} is not writable ({exc.strerror})") from None


def check_png_path(path: str | os.PathLike[str]) -> Path:
    """A ``.png`` file that can be written (its folder exists and takes files); refused in one line."""
    p = Path(path)
    what = f"cannot write the last frame to {str(p)!r}"
    if p.suffix.lower() != ".png":
        raise OutputPathError(f"{what}: the file name must end in .png")
    if p.is_dir():
        raise OutputPathError(f"{what}: it is a folder")
    if not p.parent.is_dir():
        raise OutputPathError(f"{what}: folder {str(p.parent)!r} does not exist")
    _check_writable_folder(p.parent, what)
    return p


def check_frames_dir(path: str | os.PathLike[str], *, create: bool = False) -> Path:
    """A folder for numbered PNGs: an existing, writable folder, or a new one in an existing, writable
    folder (made here only with ``create``, once every other check passed)."""
    p = Path(path)
    what = f"cannot write frames to {str(p)!r}"
    if p.exists() and not p.is_dir():
        raise OutputPathError(f"{what}: it is a file, not a folder")
    if not p.exists():
        if not p.parent.is_dir():
            raise OutputPathError(f"{what}: folder {str(p.parent)!r} does not exist")
        _check_writable_folder(p.parent, what)
        if not create:
            return p
        p.mkdir(exist_ok=True)
    _check_writable_folder(p, what)
    return p


def save_png(path: Path, rgb: np.ndarray) -> None:
    """Write ``rgb`` (height, width, 3) uint8 to ``path`` as a PNG: a temporary name first, then renamed."""
    from PIL import Image

    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".partial.png")
    try:
        with os.fdopen(fd, "wb") as file:
            Image.fromarray(rgb).save(file, format="PNG")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 is for the temporary file, not the picture
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
