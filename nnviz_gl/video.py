"""VideoRecorder: snapshots in, an mp4 out. Training publishes; a render thread draws and encodes.

Three stages overlap: the caller trains and publishes (bounded queue), the render thread draws
frame i+1 while the writer thread pipes frame i into ffmpeg, which encodes in its own process.
The queues are bounded, so memory stays flat however long the run.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

import numpy as np

from .points import check_points
from .render.frame import FrameRenderer
from .sinks.ffmpeg import VideoWriter
from .sinks.ffmpeg_process import check_output_path
from .sizes import check_size
from .snapshot import Snapshot
from .training.bus import QueueClosed, SnapshotQueue
from .trajectory import TrajectoryWriter


class VideoRecorder:
    """Record a training run to a video; use it as a context manager around your own training loop.

    Each published snapshot becomes ``frames_per_epoch`` frames, the weights interpolated in between
    so slow videos move smoothly. Learning marks compare each snapshot with the one before it.
    ``record="run.nnviz"`` also appends every published snapshot to a trajectory file, to render again
    later at another size or speed (``nnviz-gl render --from run.nnviz``).

    The points may also come after construction, through :meth:`set_data` before the first publish:
    the GL context and ffmpeg then start while the data is still being made (``nnviz-gl render`` does
    this while its training worker imports scikit-learn). Without any, the field is drawn over -1..1.
    """

    def __init__(
        self,
        path: str | Path,
        X: np.ndarray | None = None,
        y: np.ndarray | None = None,
        X_test: np.ndarray | None = None,
        y_test: np.ndarray | None = None,
        *,
        size: tuple[int, int] = (1920, 1080),
        fps: float = 30.0,
        codec: str = "auto",
        crf: float | None = None,
        preset: str | int | None = None,
        frames_per_epoch: int = 1,
        field_scale: float | None = None,
        gpu: int | None = None,
        queue_snapshots: int = 4,
        on_frame: Callable[[int], None] | None = None,
        record: str | Path | None = None,
    ) -> None:
        if int(frames_per_epoch) < 1:
            raise ValueError(f"frames_per_epoch must be at least 1, got {frames_per_epoch}")
        self.size = check_size(size)
        self.frames_per_epoch = int(frames_per_epoch)
        self.on_frame = on_frame  # called on the render thread with the frame count
        self._queue = SnapshotQueue(queue_snapshots)
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self._stop = threading.Event()
        self.renderer: FrameRenderer | None = None
        self._published = False
        # Data and the output path first: bad points or a path that cannot be written are reported
        # before any GL or training work.
        self._data = None if X is None and y is None else _checked_data(X, y, X_test, y_test)
        if record is not None and self._data is None:
            raise ValueError("record= needs the points at construction (X and y): a trajectory stores them first")
        check_output_path(path)
        # The GL context is made and used on the render thread only; it says which raw format the
        # encoder gets (yuv420p made on the GPU, or on a software renderer the frame as stored, BGRA,
        # which ffmpeg converts) and how many cores the encoder may take.
        self._thread = threading.Thread(target=self._run, args=(field_scale, gpu), name="nnviz-render", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            raise self._error
        writer = None
        try:
            video_format = self.renderer.video_format
            writer = VideoWriter(path, self.size, fps, codec=codec, crf=crf, preset=preset,
                                 input_format=video_format, bottom_up=video_format != "yuv420p",
                                 encoder_threads=self.renderer.caps.encoder_threads)
            self.trajectory = None if record is None else TrajectoryWriter(record, *self._data)
        except BaseException:
            self._queue.close()
            self._thread.join()
            if writer is not None:
                writer.abort()
            raise
        self.writer = writer  # the render thread first uses it for a published snapshot, after this

    # -- the caller's side ---------------------------------------------------------------------
    def set_data(self, X: np.ndarray, y: np.ndarray, X_test: np.ndarray | None = None,
                 y_test: np.ndarray | None = None) -> None:
        """The points drawn over the field, when they were not known at construction; before the first
        publish (a video shows one dataset, as its trajectory file stores one)."""
        if self._published:
            raise RuntimeError("set_data after the first publish: give the points before any snapshot")
        if self.trajectory is not None:
            raise RuntimeError("this recorder was given its points at construction (it records them)")
        self._data = _checked_data(X, y, X_test, y_test)  # the render thread takes it with the first snapshot

    def publish(self, snapshot: Snapshot) -> None:
        """Queue a snapshot for drawing; blocks only while the bounded queue is full."""
        self._raise_render_error()
        self._published = True
        try:
            self._queue.put(snapshot)
            if self.trajectory is not None:
                self.trajectory.publish(snapshot)
        except QueueClosed:
            self._raise_render_error()
            raise RuntimeError("publish after the recorder was closed") from None

    @property
    def frames_written(self) -> int:
        return self.writer.frames_written

    @property
    def path(self) -> Path:
        return self.writer.path

    def close(self) -> None:
        """Draw everything published, then finalise the video at its path."""
        self._queue.close()
        self._thread.join()
        self._close_trajectory()
        if self._error is not None:
            self.writer.abort()
            self._raise_render_error()
        self.writer.close()

    def stop(self) -> None:
        """Stop after the frame being drawn and finalise what was encoded (Ctrl-C, SIGTERM)."""
        self._stop.set()
        self._queue.close()
        self._thread.join()
        self._close_trajectory()
        if self.writer.frames_written:
            self.writer.close()
        else:
            self.writer.abort()

    def _close_trajectory(self) -> None:
        if self.trajectory is not None:
            self.trajectory.close()

    def __enter__(self) -> "VideoRecorder":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None:
            self.close()
        else:
            self.stop()
        return False

    # -- the render thread -------------------------------------------------------------------
    def _run(self, field_scale: float | None, gpu: int | None) -> None:
        try:
            # The GL context is made and used on this thread only.
            self.renderer = FrameRenderer(self.size, field_scale=field_scale, gpu=gpu)
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            previous: Snapshot | None = None
            for snapshot in self._queue:
                if self._stop.is_set():
                    break
                if previous is None and self._data is not None:  # set before the first publish
                    self.renderer.set_data(*self._data)
                self._draw_epoch(previous, snapshot)
                previous = snapshot
        except BaseException as exc:
            self._error = exc
            self._queue.close()
        finally:
            self.renderer.release()

    def _draw_epoch(self, previous: Snapshot | None, snapshot: Snapshot) -> None:
        steps = self.frames_per_epoch
        can_blend = previous is not None and previous.architecture == snapshot.architecture
        for i in range(steps):
            if self._stop.is_set():
                return
            t = (i + 1) / steps
            shown = previous.interpolate(snapshot, t) if can_blend and steps > 1 and t < 1 else snapshot
            self.renderer.draw(shown, previous)
            buffer = self.writer.acquire_buffer()
            self.renderer.read_video_frame_into(buffer)
            self.writer.write(buffer)
            if self.on_frame is not None:
                self.on_frame(self.writer.frames_written)

    def _raise_render_error(self) -> None:
        if self._error is not None:
            raise self._error


def _checked_data(X, y, X_test, y_test) -> tuple:
    X, y = check_points(X, y, name="X")
    if X_test is not None and y_test is not None:
        X_test, y_test = check_points(X_test, y_test, name="X_test", required=False)
    return X, y, X_test, y_test
