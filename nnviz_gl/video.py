"""VideoRecorder: snapshots in, a video out (mp4, WebM or GIF, by the path's extension). Training
publishes; a render thread draws and encodes.

Three stages overlap: the caller trains and publishes (bounded queue), the render thread draws
frame i+1 while the writer thread pipes frame i into ffmpeg, which encodes in its own process.
The queues are bounded, so memory stays flat however long the run.
"""

from __future__ import annotations

import threading
import weakref
from pathlib import Path
from typing import Callable

import numpy as np

from .points import check_points
from .render.loss_history import snapshot_row
from .render.frame import FrameRenderer
from .render.transforms import Bounds, check_view
from .sinks.ffmpeg import VideoWriter
from .sinks.ffmpeg_process import check_output_path
from .sinks.finalise import FinaliseStopped, cpu_time, finalising
from .sinks.formats import encoder_input, output_format
from .sinks.stills import check_frames_dir, check_png_path, save_png
from .sizes import check_size
from .snapshot import Snapshot
from .training.bus import QueueClosed, SnapshotQueue
from .trajectory import TrajectoryWriter


class VideoRecorder:
    """Record a training run to a video; use it as a context manager around your own training loop.

    Each published snapshot becomes ``frames_per_epoch`` frames, the weights interpolated in between
    so slow videos move smoothly. Learning marks compare each snapshot with the one before it.
    ``record="run.nnviz"`` also appends every published snapshot to a trajectory file, to render again
    later at another size or speed (``nnviz-gl render --from run.nnviz``). ``neuron_fields``: each hidden
    neuron's disc shows its own field (True), never (False), or when the discs are large enough (None).

    The points may also come after construction, through :meth:`set_data` before the first publish:
    the GL context and ffmpeg then start while the data is still being made (``nnviz-gl render`` does
    this while its training worker imports scikit-learn). Without any, the field is drawn over -1..1.
    ``view=(xmin, xmax, ymin, ymax)`` fixes the data rectangle the field panel shows (default: the
    points' extent plus 0.5), as ``nnviz-gl render --view`` does.

    The path's extension picks the format: ``.mp4`` (H.264), ``.webm`` (VP9; ``codec="libsvtav1"`` for
    AV1), ``.gif`` (looping, one palette for the whole video); ``format="mp4"|"webm"|"gif"`` overrides
    it. ``last_frame="end.png"`` also saves the final frame as a PNG once the video is finalised (read
    back from the frame drawn last, not drawn again); ``frames_dir="frames"`` writes every frame as
    ``frame_000001.png``, ... there.

    How the ``with`` block ends decides what becomes of the video (an existing file at ``path`` is only
    ever replaced by a finished video):

    * normally: everything published is drawn, and the video is finalised at ``path``;
    * by ``KeyboardInterrupt`` (Ctrl-C; ``EncoderInterrupted`` from ``raise_on_signals``): drawing stops
      after the current frame and the frames so far are finalised at ``path``;
    * by any other exception, the run *failed*: drawing stops, the frames so far are finished into
      ``name.partial.mp4`` beside ``path`` (left as it was), a note on the exception says where, and
      the exception goes on. Without frames nothing is kept.

    A stop signal while finalising is handed on once the files are settled; a second one, or a stall of
    a few seconds after one, keeps the ``.partial`` file instead. :attr:`kept_at` says where the frames are.
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
        view: tuple[float, float, float, float] | None = None,
        title: str | None = None,
        neuron_fields: bool | None = None,
        format: str | None = None,
        last_frame: str | Path | None = None,
        frames_dir: str | Path | None = None,
    ) -> None:
        if int(frames_per_epoch) < 1:
            raise ValueError(f"frames_per_epoch must be at least 1, got {frames_per_epoch}")
        self.size = check_size(size)
        self.view = None if view is None else check_view(view)
        self.frames_per_epoch = int(frames_per_epoch)
        self._loop = _RenderLoop(SnapshotQueue(queue_snapshots), self.frames_per_epoch, on_frame, self.view)
        self._queue = self._loop.queue
        self._published = False
        self.trajectory: TrajectoryWriter | None = None
        # Data and the output path first: bad points or a path that cannot be written are reported
        # before any GL or training work.
        self._data = self._loop.data = None if X is None and y is None else _checked_data(X, y, X_test, y_test)
        if record is not None and self._data is None:
            raise ValueError("record= needs the points at construction (X and y): a trajectory stores them first")
        check_output_path(path, format)
        self.last_frame_path = None if last_frame is None else check_png_path(last_frame)
        if frames_dir is not None:
            check_frames_dir(frames_dir)
        video = output_format(path, format)
        self._loop.keep_last_frame = last_frame is not None
        # The GL context is made and used on the render thread only; it says which raw format the
        # encoder gets (yuv420p made on the GPU, or on a software renderer the frame as stored, BGRA,
        # which ffmpeg converts) and how many cores the encoder may take.
        loop = self._loop
        loop.title = title  # the frames' caption: "TITLE · epoch N"
        self._thread = threading.Thread(target=loop.run, args=(self.size, field_scale, gpu, neuron_fields), name="nnviz-render",
                                        daemon=True)
        self._thread.start()
        loop.ready.wait()
        if loop.error is not None:
            self._thread.join()
            raise loop.error
        writer = None
        try:
            video_format = loop.encoder_format = encoder_input(loop.renderer.video_format, video)
            writer = VideoWriter(path, self.size, fps, codec=codec, crf=crf, preset=preset,
                                 input_format=video_format, bottom_up=video_format != "yuv420p",
                                 encoder_threads=loop.renderer.caps.encoder_threads, format=format,
                                 frames_dir=frames_dir)
            self.trajectory = None if record is None else TrajectoryWriter(record, *self._data)
        except BaseException:
            self._queue.close()
            self._thread.join()
            if writer is not None:
                writer.abort()
            raise
        self.writer = loop.writer = writer  # the render thread first uses it for a published snapshot
        # Dropped without close(): stop the render thread and ffmpeg (the thread holds the loop, not this).
        weakref.finalize(self, loop.abandon)

    # -- the caller's side ---------------------------------------------------------------------
    def set_data(self, X: np.ndarray, y: np.ndarray, X_test: np.ndarray | None = None,
                 y_test: np.ndarray | None = None) -> None:
        """The points drawn over the field, when they were not known at construction; before the first
        publish (a video shows one dataset, as its trajectory file stores one)."""
        if self._published:
            raise RuntimeError("set_data after the first publish: give the points before any snapshot")
        if self.trajectory is not None:
            raise RuntimeError("this recorder was given its points at construction (it records them)")
        self._data = self._loop.data = _checked_data(X, y, X_test, y_test)  # taken with the first snapshot

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

    def record_metrics(self, epoch: Snapshot | np.ndarray | tuple) -> None:
        """An epoch that is not drawn (``--every``) still joins the loss curve: a Snapshot, or its row
        (epoch, loss, test_loss, score, test_score). In epoch order with :meth:`publish`."""
        self._raise_render_error()
        row = snapshot_row(epoch) if isinstance(epoch, Snapshot) else np.asarray(epoch, np.float64).reshape(-1)
        try:
            self._queue.put(_MetricsRow(row))
        except QueueClosed:
            self._raise_render_error()
            raise RuntimeError("record_metrics after the recorder was closed") from None

    @property
    def frames_written(self) -> int:
        return self.writer.frames_written

    @property
    def path(self) -> Path:
        return self.writer.path

    @property
    def kept_at(self) -> Path | None:
        """Where the frames are: ``path`` once finalised, the ``.partial`` file after a failure or a
        finalise cut short, None when no frame is on disk."""
        return self.writer.kept_at

    @property
    def renderer(self) -> FrameRenderer | None:
        return self._loop.renderer

    @property
    def on_frame(self) -> Callable[[int], None] | None:
        """Called on the render thread with the frame count after each frame."""
        return self._loop.on_frame

    @on_frame.setter
    def on_frame(self, callback: Callable[[int], None] | None) -> None:
        self._loop.on_frame = callback

    @property
    def _error(self) -> BaseException | None:
        return self._loop.error

    def close(self) -> None:
        """Draw everything published, then finalise the video at its path."""
        self._end(rename=True)

    def stop(self, signum: int | None = None) -> None:
        """Stop after the frame being drawn and finalise what was encoded at the path (Ctrl-C, SIGTERM)."""
        self._end(rename=True, stop=True, signum=signum)

    def _end(self, rename: bool, stop: bool = False, signum: int | None = None) -> None:
        if stop:
            self._loop.stop.set()
        self._queue.close()
        with finalising(already_signalled=signum) as fin:
            if fin.on_signal is None:  # the outermost finalise tells the user, once
                fin.on_signal = self.writer.say_finishing
                if fin.signum is not None:
                    self.writer.say_finishing(fin.signum)
            try:
                # Drawing what is queued counts as progress, and so does the encoder's work.
                encoder = cpu_time(self.writer.ffmpeg_pid)
                fin.watch(lambda: (self.writer.frames_written, encoder()))
                fin.join(self._thread)
                self._close_trajectory()
                if self._error is not None:
                    self.writer.abort()
                    self._raise_render_error()
                if not self.writer.frames_written and stop:
                    self.writer.abort()
                elif rename:
                    self.writer._finish(rename=True, signum=signum)
                    self._save_last_frame()
                else:
                    self.writer.keep_partial()
            except FinaliseStopped as cut:
                self._loop.stop.set()
                self.writer.stop_now(cut.why)

    def _save_last_frame(self) -> None:
        """The video's last frame as the ``last_frame`` PNG, once the video itself is at its path."""
        rgb = self._loop.last_rgb
        if self.last_frame_path is not None and rgb is not None and self.writer.kept_at == self.writer.path:
            save_png(self.last_frame_path, rgb)

    def _close_trajectory(self) -> None:
        if self.trajectory is not None:
            self.trajectory.close()

    def __enter__(self) -> "VideoRecorder":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None:
            self.close()
        elif isinstance(exc, KeyboardInterrupt):
            self.stop(getattr(exc, "signum", None) or 2)
        else:
            self._fail(exc)
        return False

    def _fail(self, exc: BaseException) -> None:
        """The block failed: stop drawing, keep the frames so far beside the path, say where on ``exc``."""
        try:
            self._loop.stop.set()
            if self._error is not None or self.writer._state == "failed":
                self._queue.close()
                self._thread.join()
                self._close_trajectory()
                self.writer.abort()
                return  # the render thread's own error (say the encoder's) already said what is kept
            self._end(rename=False, stop=True)
            if self.writer.kept_at is not None and exc is not self._error:
                exc.add_note(self.writer.kept_note())
        except Exception as finish_exc:  # never hide the exception that ended the block
            exc.add_note(f"while finishing {self.writer.path}: {finish_exc}")

    def _raise_render_error(self) -> None:
        if self._error is not None:
            raise self._error


class _RenderLoop:
    """The render thread's work. It holds no reference to its ``VideoRecorder``, so a recorder dropped
    without ``close()`` is collected, and its finalizer (:meth:`abandon`) ends this thread and ffmpeg."""

    def __init__(self, queue: SnapshotQueue, frames_per_epoch: int, on_frame: Callable[[int], None] | None,
                 view: Bounds | None = None) -> None:
        self.queue = queue
        self.view = view
        self.frames_per_epoch = frames_per_epoch
        self.on_frame = on_frame
        self.renderer: FrameRenderer | None = None
        self.title: str | None = None
        self.writer: VideoWriter | None = None
        self.data: tuple | None = None
        self.encoder_format = ""  # what the encoder takes (formats.encoder_input), set once the renderer exists
        self.keep_last_frame = False
        self.last_rgb: np.ndarray | None = None  # the last frame written, top row first, when kept
        self._last_written = False  # the frame in the framebuffer is the last one written
        self.error: BaseException | None = None
        self.ready = threading.Event()
        self.stop = threading.Event()

    def abandon(self) -> None:
        self.stop.set()
        self.queue.close()
        if self.writer is not None and self.writer._state == "open":
            self.writer._io.shut_down()

    def run(self, size: tuple[int, int], field_scale: float | None, gpu: int | None,
            neuron_fields: bool | None = None) -> None:
        try:
            # The GL context is made and used on this thread only.
            self.renderer = FrameRenderer(size, field_scale=field_scale, gpu=gpu, title=self.title,
                                          neuron_fields=neuron_fields)
        except BaseException as exc:
            self.error = exc
            self.ready.set()
            return
        if self.view is not None:  # also without points
            self.renderer.scene.set_view(self.view)
        self.ready.set()
        try:
            previous: Snapshot | None = None
            for snapshot in self.queue:
                if self.stop.is_set():
                    break
                if isinstance(snapshot, _MetricsRow):
                    self.renderer.scene.record_history(snapshot.row)
                    continue
                if previous is None and self.data is not None:  # set before the first publish
                    self.renderer.set_data(*self.data, bounds=self.view)
                self._draw_epoch(previous, snapshot)
                previous = snapshot
        except BaseException as exc:
            if not self.stop.is_set():  # a writer closed under a stopped render is no error
                self.error = exc
            self.queue.close()
        finally:
            if self.keep_last_frame and self._last_written and self.error is None:
                self.last_rgb = self.renderer.read_rgb()  # the framebuffer still holds it: read, not drawn again
            self.renderer.release()

    def _draw_epoch(self, previous: Snapshot | None, snapshot: Snapshot) -> None:
        steps = self.frames_per_epoch
        can_blend = previous is not None and previous.architecture == snapshot.architecture
        for i in range(steps):
            if self.stop.is_set():
                return
            t = (i + 1) / steps
            shown = previous.interpolate(snapshot, t) if can_blend and steps > 1 and t < 1 else snapshot
            self._last_written = False
            self.renderer.draw(shown, previous)
            buffer = self.writer.acquire_buffer()
            if self.encoder_format == "rgba":
                self.renderer.read_into(buffer)
            else:
                self.renderer.read_video_frame_into(buffer)
            self.writer.write(buffer)
            self._last_written = True
            if self.on_frame is not None:
                self.on_frame(self.writer.frames_written)


class _MetricsRow:
    """A queued epoch that only joins the loss curve."""

    def __init__(self, row: np.ndarray) -> None:
        self.row = row


def _checked_data(X, y, X_test, y_test) -> tuple:
    X, y = check_points(X, y, name="X")
    if X_test is not None and y_test is not None:
        X_test, y_test = check_points(X_test, y_test, name="X_test", required=False)
    return X, y, X_test, y_test
