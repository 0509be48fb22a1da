"""``show``: a finished video, a recorder's video or a recorded run, inline in a Jupyter notebook.

Manim's ``%%manim`` conventions: each display gets a fresh file name under a media folder beside the
notebook (a re-run cell must not show the browser's cached copy of the old video under the same name),
the copy shown before for the same source is removed, the video is embedded as base64 data on Colab
(whose kernel's files the browser cannot reach) or when asked, and it plays with ``controls autoplay loop``.
IPython is imported here only, so ``import nnviz_gl`` never needs it.
"""

from __future__ import annotations

import base64
import html
import os
import shutil
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

NOTEBOOK_SIZE = (854, 480)   # a trajectory is rendered this size: sharp in a notebook's column, quick on a CPU
MEDIA_DIR = "nnviz_media"    # beside the notebook (the kernel's working folder), as manim's media/jupyter
MAX_DRAWN_EPOCHS = 300       # a longer recorded run draws every k-th epoch (the loss curve keeps them all)
VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm"}
IMAGE_TYPES = {".gif": "image/gif"}
INSTALL_HINT = "pip install 'nnviz_gl[notebook]' (or pip install ipython)"

_shown_copies: dict[Path, Path] = {}  # source -> the copy its last display showed (removed on the next)


def show(obj: Any, width: int | None = None, *, embed: bool | None = None,
         media_dir: str | os.PathLike[str] | None = None) -> None:
    """Show a video inline in a notebook: ``obj`` is a path (.mp4, .webm, or a .gif shown as an image), a
    finished :class:`~nnviz_gl.VideoRecorder`, or a recorded run (a :class:`~nnviz_gl.TrajectoryReader` or a
    ``.nnviz`` path), which is rendered first at 854x480 into a fresh file.

    ``width`` is the displayed width in pixels (default: the video's own, at most the column's).
    ``embed`` puts the video's bytes into the notebook (default: only on Colab); otherwise it is linked
    from a fresh copy under ``media_dir`` (default ``nnviz_media/`` in the working folder, the notebook's).
    """
    _ipython_display().display(inline_video(obj, width, embed=embed, media_dir=media_dir))


def inline_video(obj: Any, width: int | None = None, *, embed: bool | None = None,
                 media_dir: str | os.PathLike[str] | None = None) -> Any:
    """The IPython display object :func:`show` displays (an ``IPython.display.Video`` or ``Image``)."""
    display_module = _ipython_display()
    media = Path(media_dir) if media_dir is not None else Path.cwd() / MEDIA_DIR
    if embed is None:
        embed = "google.colab" in sys.modules  # Colab cannot serve the kernel's files to the page
    source, rendered = _video_file(obj, media)
    if rendered:
        shown = source  # already a fresh name of its own
    else:
        shown = _fresh_copy(source, media)
    suffix = shown.suffix.lower()
    if suffix in IMAGE_TYPES:  # an <img> in HTML, as a video is: every front-end shows it, a data URI too
        src = _data_uri(shown, IMAGE_TYPES[suffix]) if embed else html.escape(_url(shown))
        size = f' width="{int(width)}"' if width else ' style="max-width: 100%"'
        return display_module.HTML(f'<img src="{src}"{size}/>')
    attributes = "controls autoplay loop" + ("" if width else ' style="max-width: 100%"')
    if embed:
        return display_module.Video(filename=str(shown), embed=True, mimetype=VIDEO_TYPES[suffix], width=width,
                                    html_attributes=attributes)
    return display_module.Video(url=_url(shown), width=width, html_attributes=attributes)


def _ipython_display():
    try:
        import IPython.display
    except ImportError:
        raise ImportError(f"nnviz_gl.show needs IPython (it runs in a Jupyter notebook): {INSTALL_HINT}") from None
    return IPython.display


def _video_file(obj: Any, media: Path) -> tuple[Path, bool]:
    """(the file to show, whether it was just rendered under a fresh name)."""
    from ..trajectory import TrajectoryReader
    from ..trajectory_format import SUFFIX
    from ..video import VideoRecorder

    if isinstance(obj, VideoRecorder):
        if obj.kept_at is None:
            raise ValueError(f"{obj.path} is not finished yet: show the recorder after its with-block ends")
        return Path(obj.kept_at), False
    if isinstance(obj, TrajectoryReader):
        return render_trajectory(obj, media), True
    if not isinstance(obj, (str, os.PathLike)):
        raise TypeError(f"show() takes a video path, a finished VideoRecorder or a trajectory, not {type(obj).__name__}")
    path = Path(obj)
    if path.suffix.lower() == SUFFIX:
        with TrajectoryReader(path) as reader:
            return render_trajectory(reader, media), True
    if path.suffix.lower() not in {**VIDEO_TYPES, **IMAGE_TYPES}:
        raise ValueError(f"{str(path)!r}: show() plays .mp4, .webm and .gif files and renders {SUFFIX} runs")
    if not path.is_file():
        raise FileNotFoundError(f"{str(path)!r}: no such video")
    return path, False


def render_trajectory(reader, media: Path, size: tuple[int, int] = NOTEBOOK_SIZE, fps: float = 30.0) -> Path:
    """Render a recorded run into a fresh mp4 under ``media``, as ``nnviz-gl render --from`` would: every
    k-th epoch drawn (at most :data:`MAX_DRAWN_EPOCHS`), the last one always, every epoch on the loss curve."""
    from ..render.loss_history import reader_rows
    from ..video import VideoRecorder

    reader.refresh()
    reader.check_records()
    n = len(reader)
    if n == 0:
        raise ValueError(f"{str(reader.path)!r} holds no complete snapshot yet")
    every = -(-n // MAX_DRAWN_EPOCHS)
    rows = reader_rows(reader, reader[0].architecture.kind)
    out = _fresh_name(reader.path.with_suffix(".mp4"), media)
    with VideoRecorder(out, size=size, fps=fps) as recorder:
        recorder.set_data(*reader.data)
        for i in range(n):
            if (i + 1) % every == 0 or i == n - 1:
                recorder.publish(reader[i])
            else:
                recorder.record_metrics(rows[i])
    _forget_previous(reader.path.resolve(), out)
    return out


def _data_uri(path: Path, mimetype: str) -> str:
    return f"data:{mimetype};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _fresh_copy(source: Path, media: Path) -> Path:
    copy = _fresh_name(source, media)
    shutil.copyfile(source, copy)
    _forget_previous(source.resolve(), copy)
    return copy


def _fresh_name(source: Path, media: Path) -> Path:
    """``media/<name>@<date>@<time>-<random>.<ext>``: never a name a browser has cached."""
    media.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%d@%H-%M-%S")
    return media / f"{source.stem}@{stamp}-{uuid.uuid4().hex[:8]}{source.suffix.lower()}"


def _forget_previous(source: Path, copy: Path) -> None:
    """Remove the copy the last display of ``source`` showed (manim's rendered_files): the media folder
    holds one copy per source, not one per run of the cell."""
    previous = _shown_copies.get(source)
    _shown_copies[source] = copy
    if previous is not None and previous != copy:
        previous.unlink(missing_ok=True)


def _url(path: Path) -> str:
    """The link the notebook page follows: relative to the kernel's folder (the notebook's) when inside it."""
    try:
        return Path(os.path.relpath(path.resolve(), Path.cwd().resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return path.resolve().as_uri()
