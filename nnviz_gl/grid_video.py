"""One video of many runs: a tile per trajectory, all runs at the same epoch in every frame.

The runs are read from their ``.nnviz`` files (memory-mapped): a frame needs each run's one snapshot for
that epoch, so memory stays flat however long the runs. Frames are drawn by
:class:`~nnviz_gl.render.grid_scene.GridScene` into one offscreen target and piped to ffmpeg by the same
:class:`~nnviz_gl.sinks.ffmpeg.VideoWriter` as ``render``'s (a temporary name renamed when finished; a
Ctrl-C keeps a playable video of the frames so far).
"""

from __future__ import annotations

import os
import pathlib
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass

import numpy as np

from .sinks.ffmpeg_process import check_output_path
from .sinks.formats import encoder_input, output_format
from .sizes import check_size
from .trajectory import TrajectoryError, TrajectoryReader


def synchronised_epochs(epochs: Sequence[np.ndarray], every: int = 1) -> np.ndarray:
    """The epochs the frames show: every epoch any run recorded, in order, each ``every``-th of them
    and the last (as ``render --every`` draws a single run)."""
    union = np.unique(np.concatenate([np.asarray(e, np.int64) for e in epochs])) if epochs else np.zeros(0, np.int64)
    keep = (np.arange(1, len(union) + 1) % every == 0) | (np.arange(len(union)) == len(union) - 1)
    return union[keep]


def snapshot_index(epochs: np.ndarray, epoch: int) -> int:
    """Which of a run's snapshots a frame at ``epoch`` shows: its last one at or before that epoch (a
    finished run holds its last; one that starts later shows its first)."""
    return max(int(np.searchsorted(epochs, epoch, side="right")) - 1, 0)


def open_runs(trajectories: Sequence[str | os.PathLike | None], stack: ExitStack) -> list[TrajectoryReader | None]:
    """Readers for the runs (None stays None), each checked now: a file that is not a trajectory, a damaged
    or an empty one is one error naming it, before any GL or video work."""
    readers: list[TrajectoryReader | None] = []
    for path in trajectories:
        if path is None:
            readers.append(None)
            continue
        try:
            reader = stack.enter_context(TrajectoryReader(path))
        except FileNotFoundError as exc:
            raise TrajectoryError(str(exc)) from None
        reader.check_records()
        if len(reader) == 0:
            raise TrajectoryError(f"{str(path)!r} holds no complete snapshot yet")
        readers.append(reader)
    return readers


class _GridFrames:
    """The GL side: a headless context, the grid scene and the offscreen target it is drawn into."""

    def __init__(self, size: tuple[int, int], runs: list[bool], labels: list[str], notes: list[str | None],
                 title: str | None) -> None:
        from .render.capabilities import capabilities
        from .render.context import create_headless_context
        from .render.grid_scene import GridScene
        from .render.offscreen import OffscreenTarget

        self.ctx = create_headless_context()
        try:
            self.ctx.__enter__()
            self.caps = capabilities(self.ctx)
            self.size = check_size(size, max_size=self.caps.info.max_framebuffer)
            self.scene = GridScene(self.ctx, runs, labels, notes, caps=self.caps, title=title)
            self.target = OffscreenTarget(self.ctx, self.size, self.caps.frame_storage)
        except BaseException:
            self.ctx.release()  # its objects go with it
            raise

    def draw_into(self, buffer, encoder_format: str) -> None:
        """Draw the scene and read the frame back in ``encoder_format``."""
        self.scene.render(self.target.framebuffer, self.size)
        if encoder_format == "yuv420p":
            self.target.read_yuv420_into(buffer)
        elif encoder_format == "rgba":
            self.target.read_into(buffer)
        else:
            self.target.read_native_into(buffer)

    def release(self) -> None:
        self.scene.release()
        self.target.release()
        self.ctx.release()


def _frames(readers: list[TrajectoryReader | None], scene, drawn: np.ndarray,
            run_epochs: list[np.ndarray | None]) -> Iterator[int]:
    """Sets each tile's snapshot for every drawn epoch in turn; yields the epoch, the scene ready to draw.
    A run whose snapshot stays the same (it ended) is neither read nor uploaded again."""
    shown = [-1] * len(readers)
    for epoch in drawn:
        for i, reader in enumerate(readers):
            if reader is None:
                continue
            index = snapshot_index(run_epochs[i], int(epoch))
            if index != shown[i]:
                scene.tile(i).show(reader[index])
                shown[i] = index
        scene.epoch = int(epoch)
        yield int(epoch)


@dataclass
class GridStatus:
    """How far a grid render got (filled in as it goes): frames drawn of ``total``, and the writer, which
    says where they are once it ended (``writer.kept_at``) and how they were encoded."""

    total: int = 0
    frames: int = 0
    writer: object | None = None


def render_grid(trajectories: Sequence[str | os.PathLike | None], path: str | os.PathLike, *,
                size: tuple[int, int] = (1920, 1080), labels: Sequence[str] | None = None,
                notes: Sequence[str | None] | None = None, fps: float = 30.0, every: int = 1, codec: str = "auto",
                preset: str | None = None, crf: float | None = None, progress: bool = True,
                title: str | None = None, status: GridStatus | None = None,
                format: str | None = None) -> pathlib.Path:
    """Render many runs side by side into one video at ``path``: a tile per entry of ``trajectories``
    (``.nnviz`` files), in order, laid out in the grid that gives the largest tiles for the frame's shape.

    ``None`` stands for a run without a trajectory (it failed): its tile shows its entry of ``notes`` in
    place of a field. ``labels`` caption the tiles (default: the files' stems). Every frame shows all runs
    at one epoch (a run that ended holds its last snapshot; the frame's caption says the epoch); ``every``
    draws every K-th epoch (and the last). The output is written as ``render`` writes it: under a temporary
    name renamed when finished; a Ctrl-C (``KeyboardInterrupt``) keeps a playable video of the frames so
    far at ``path``. ``format`` (mp4, webm, gif) overrides the one ``path``'s extension picks. Returns ``path``. ``status``, if given, is kept up to date (``nnviz-gl grid`` reports it).
    """
    status = GridStatus() if status is None else status
    entries = list(trajectories)
    if not entries:
        raise ValueError("render_grid needs at least one run")
    if isinstance(every, bool) or int(every) != every or every < 1:
        raise ValueError(f"every must be a whole number of at least 1, got {every!r}")
    labels = [pathlib.Path(p).stem if p is not None else f"run {i + 1}" for i, p in enumerate(entries)] \
        if labels is None else [str(label) for label in labels]
    notes = [None] * len(entries) if notes is None else list(notes)
    if len(labels) != len(entries) or len(notes) != len(entries):
        raise ValueError(f"{len(entries)} runs need as many labels and notes, got {len(labels)} and {len(notes)}")
    out = check_output_path(path, format)  # before any work: one line naming the path
    video = output_format(out, format)
    size = check_size(size, what="video size", even=video.even_size)

    from .sinks.ffmpeg import VideoWriter

    with ExitStack() as stack:
        readers = open_runs(entries, stack)
        run_epochs = [None if r is None else r.epochs for r in readers]
        drawn = synchronised_epochs([e for e in run_epochs if e is not None], int(every))
        frames = _GridFrames(size, [r is not None for r in readers], labels, notes, title)
        stack.callback(frames.release)
        for i, reader in enumerate(readers):
            if reader is not None:
                frames.scene.tile(i).set_data(*reader.data)
        if not len(drawn):  # every run failed: one frame of notes
            drawn = np.zeros(1, np.int64)
        fmt = encoder_input(frames.caps.video_format, video)
        writer = stack.enter_context(VideoWriter(out, frames.size, fps, codec=codec, crf=crf, preset=preset,
                                                 input_format=fmt, bottom_up=fmt != "yuv420p",
                                                 encoder_threads=frames.caps.encoder_threads, format=format))
        status.total, status.writer = len(drawn), writer
        bar = _progress(len(drawn), out.name, progress)
        stack.callback(bar.close)
        for _ in _frames(readers, frames.scene, drawn, run_epochs):
            buffer = writer.acquire_buffer()
            frames.draw_into(buffer, fmt)
            writer.write(buffer)
            status.frames = writer.frames_written
            bar.update(1)
    return out


def _progress(total: int, name: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="frame", disable=not enabled, dynamic_ncols=True, desc=name, file=sys.stderr)
