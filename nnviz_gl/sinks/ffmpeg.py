"""VideoWriter: raw frames into an ffmpeg process, out as an mp4, WebM or GIF that survives being killed.

Why it is built this way:

* Frames go through our own pipe into the bundled ffmpeg binary, so we control the pipe (1 MiB, and
  on Linux pages spliced rather than copied: ``sinks/pipe.py``), the process group and stderr
  (``sinks/ffmpeg_process.py``: the process, signals, the ``.partial`` file).
* A writer thread fed by a small pool of frame buffers lets the GL render thread draw the next frame
  while the last one is written to the pipe; memory stays at ``queue_frames + 1`` frames (one more
  where the pipe still references the frame sent before).
* The codec, its preset and quality come from ``sinks/codecs.py`` (``auto``: NVENC where it works);
  the format (the output's extension, or ``format=``) and its filter graph from ``sinks/formats.py``.
"""

from __future__ import annotations

import os
import queue
import subprocess
import weakref
from pathlib import Path
from types import TracebackType

import numpy as np

from ..sizes import check_size
from .codecs import DEFAULT_PRESETS, auto_preset, encoder_args, resolve_codec
from .encoder_io import END, EncoderIO
from .ffmpeg_process import (EncoderError, check_output_path, claim_partial_path, encode_command,
                             frame_rate_problem, how_it_ended, remove_file, start_ffmpeg)
from .finalise import FinaliseStopped, cpu_time, finalising, last_words, says_disk_full, warn
from .formats import check_codec, output_format
from .stills import check_frames_dir
from .pipe import FramePipe, raise_pipe_size

# Bytes per pixel of the raw frames we accept. yuv420p is what the renderer makes on the GPU for video
# (planar, top row first, BT.709 limited range): ffmpeg passes it to the encoder as is.
INPUT_FORMATS = {"rgba": 4, "bgra": 4, "rgb24": 3, "yuv420p": 1.5}
_ABORT_WAIT_S = 5.0  # how long an abort waits for a killed ffmpeg and the writer thread
_FREE_BUFFER_POLL_S = 0.25  # a render thread waiting for a buffer looks this often whether the writer ended


class VideoWriter:
    """Writes raw frames to an mp4, WebM or GIF through ffmpeg; a context manager.

    The output's extension picks the format (``.mp4``/``.m4v``/``.mov``, ``.webm``, ``.gif``);
    ``format="mp4"|"webm"|"gif"`` overrides it. ``frames_dir`` also writes every frame as a numbered
    PNG there (``frame_000001.png``, ...), from the same ffmpeg.

    ``frame`` rows run bottom-up by default (``bottom_up=True``, what ``fbo.read()`` gives) and
    ffmpeg flips them (``vflip``), so callers never flip in numpy. Pass ``bottom_up=False`` for
    top-down images. ``input_format="yuv420p"`` takes planar BT.709 frames, top row first (what
    ``FrameRenderer.read_yuv420_into`` makes): ffmpeg then converts nothing. ``encoder_threads`` caps
    the encoder's threads (default: its own choice, for x264 1.5 a core).

    For zero-copy writes fill a buffer from :meth:`acquire_buffer` (``fbo.read_into(buf)``) and pass
    it to :meth:`write`; any other frame is copied into such a buffer first.

    Ending, and the choice made here (an existing video is only ever replaced by a complete one):

    * ``close()`` waits for ffmpeg, checks its exit code and only then renames the ``.partial`` file
      onto the output path.
    * ``abort()`` kills ffmpeg and leaves the ``.partial`` file (removed if no frame was written, or for
      a GIF, which ffmpeg writes only at the end); the output path is never touched.
    * ``__exit__`` on a ``KeyboardInterrupt`` (Ctrl-C, or :class:`EncoderInterrupted` from
      ``raise_on_signals``) finalises what was written onto the output path: what a user stopping a
      long run wants. On any other exception the run *failed*: ffmpeg finishes the frames so far into a
      playable ``.partial`` file, which is kept beside the output (the output path is left as it was),
      and a note on the exception says where. Without frames nothing is kept.
    * While finalising, a stop signal does not cut the work short: it is handed on once the files are
      settled. A second one, or an encoder that makes no progress for a few seconds after one (a frozen
      pipe or disk), kills ffmpeg and keeps the ``.partial`` file. :attr:`kept_at` says where the
      frames are in every case.
    * Two writers to one output at once each write their own ``.partial`` file.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        size: tuple[int, int],
        fps: float = 30.0,
        *,
        codec: str = "auto",
        crf: float | None = None,
        preset: str | int | None = None,
        input_format: str = "rgba",
        bottom_up: bool = True,
        queue_frames: int = 3,
        keyframe_interval: int | None = None,
        encoder_threads: int | None = None,
        format: str | None = None,
        frames_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.path = check_output_path(path, format)
        self.format = output_format(self.path, format)
        check_codec(self.format, codec, crf, preset)
        self.frames_dir = None if frames_dir is None else check_frames_dir(frames_dir)
        self.width, self.height = check_size(size, what="video size", smallest=1,
                                              even=self.format.even_size or input_format == "yuv420p")
        problem = frame_rate_problem(float(fps))
        if problem:
            raise ValueError(f"fps {fps} {problem}")
        self.fps = float(fps)
        if input_format not in INPUT_FORMATS:
            raise ValueError(f"input_format {input_format!r} unknown; valid: {', '.join(INPUT_FORMATS)}")
        self.input_format = input_format
        if input_format == "yuv420p" and bottom_up:
            raise ValueError("yuv420p frames are planar and run top-down; pass bottom_up=False")
        self.frame_bytes = int(self.width * self.height * INPUT_FORMATS[input_format])
        if queue_frames < 1:
            raise ValueError(f"queue_frames must be at least 1, got {queue_frames}")
        gop = keyframe_interval if keyframe_interval is not None else max(1, round(self.fps))
        if gop < 1:
            raise ValueError(f"keyframe_interval must be at least 1 frame, got {gop}")
        if self.format.name == "gif":
            self.codec, self.preset = "gif", "palette"
            out_args = ["-c:v", "gif"]
        else:
            self.codec = resolve_codec("libvpx-vp9" if self.format.name == "webm" and codec == "auto" else codec)
            if codec == "auto" and preset is None:
                preset = auto_preset(self.codec, self.width * self.height)
            self.preset = preset if preset is not None else DEFAULT_PRESETS[self.codec]
            out_args = encoder_args(self.codec, crf=crf, preset=preset, gop=gop)
        if encoder_threads is not None:
            if isinstance(encoder_threads, bool) or not isinstance(encoder_threads, int) or encoder_threads < 1:
                raise ValueError(f"encoder_threads must be a whole number of at least 1, got {encoder_threads!r}")
            out_args = ["-threads", str(encoder_threads), *out_args]
        self._frames = 0
        self._state = "open"  # open -> finishing -> closed | kept (a failed run's partial) | aborted | failed
        self._failure: EncoderError | None = None
        self._lent: set[int] = set()
        self._partial_fd: int | None = None
        self.partial_path, self._partial_fd = claim_partial_path(self.path)
        self.command = encode_command((self.width, self.height), self.fps, input_format, bottom_up, out_args,
                                      self.format, self.partial_path, frames_dir=self.frames_dir)
        try:
            if self.frames_dir is not None:
                check_frames_dir(self.frames_dir, create=True)  # made now: every check before passed
            self._proc = start_ffmpeg(self.command)
        except BaseException:
            remove_file(self.partial_path)
            self._release_partial()
            raise
        stdin = self._proc.stdin.fileno()
        pipe = FramePipe(stdin, self.frame_bytes, raise_pipe_size(stdin))
        self._pipe = pipe
        self._io = EncoderIO(self._proc, pipe, queue_frames + 1 + pipe.buffers_held, self.frame_bytes)
        self._pool, self._free = self._io.pool, self._io.free
        # Dropped without close(): end ffmpeg and the threads (they hold the EncoderIO, not this writer).
        self._finalizer = weakref.finalize(self, self._io.shut_down)

    # -- public

    @property
    def frames_written(self) -> int:
        """Frames accepted by :meth:`write` (all of them are in the file once ``close()`` returns)."""
        return self._frames

    @property
    def transfer(self) -> str:
        """How frames reach ffmpeg: ``"vmsplice"`` (pages handed over, Linux) or ``"write"`` (copied)."""
        return self._io.pipe.mode

    @property
    def ffmpeg_pid(self) -> int:
        return self._proc.pid

    def acquire_buffer(self) -> bytearray:
        """A free frame buffer from the writer's pool; blocks while all are queued (back-pressure)."""
        self._check_open()
        while True:
            try:
                buf = self._io.free.get(timeout=_FREE_BUFFER_POLL_S)
                break
            except queue.Empty:
                self._check_open()  # the writer was closed or aborted meanwhile (e.g. a stalled encoder)
        self._lent.add(id(buf))
        return buf

    def write(self, frame: bytes | bytearray | memoryview | np.ndarray) -> None:
        """Queue one frame of exactly ``width*height*bytes_per_pixel`` bytes (uint8 if an array)."""
        self._check_open()
        if id(frame) in self._lent and id(frame) in self._io.pool_ids:
            buf = frame
        else:
            view = _as_bytes(frame, self.frame_bytes, (self.width, self.height), self.input_format)
            buf = self.acquire_buffer()
            try:
                buf[:] = view
            except BaseException:
                self._lent.discard(id(buf))
                self._io.free.put(buf)
                raise
        self._lent.discard(id(buf))
        self._io.work.put(buf)
        self._frames += 1

    @property
    def kept_at(self) -> Path | None:
        """Where the frames written are now: the output path once closed, the ``.partial`` file after a
        failure, an abort or a finalise cut short, None when no frame is on disk (or still open)."""
        if self._state == "closed":
            return self.path if self._frames else None
        if self._state in ("aborted", "failed", "kept") and self._frames and self.partial_path.exists():
            return self.partial_path
        return None

    def close(self) -> None:
        """Finish the video: flush the queue, wait for ffmpeg, check it, rename onto the output path."""
        self._finish(rename=True)

    def keep_partial(self) -> None:
        """Finish what was written into a playable ``.partial`` file and keep it there, beside the
        output path, which is left as it was (a failed run); nothing is kept without frames."""
        self._finish(rename=False)

    def abort(self) -> None:
        """Stop now: kill ffmpeg, keep the ``.partial`` file if any frame was written, else remove it."""
        if self._state in ("closed", "aborted", "kept"):
            return
        self._state = "aborted"
        self._io.kill()
        self._io.work.put(END)
        # Bounded: a process stuck on a frozen disk dies (and closes its pipe) only once its I/O returns.
        self._io.writer_thread.join(_ABORT_WAIT_S)
        try:
            self._proc.wait(_ABORT_WAIT_S)
        except subprocess.TimeoutExpired:
            pass
        self._io.stderr_thread.join(_ABORT_WAIT_S)
        if self._frames == 0 or not self.format.plays_when_cut:  # a GIF killed before its end is no GIF
            remove_file(self.partial_path)
        self._release_partial()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if exc is None:
            self.close()
            return False
        if exc is self._failure or self._state in ("closed", "aborted", "kept", "failed"):
            return False
        try:
            if self._frames == 0:
                self.abort()
            elif isinstance(exc, KeyboardInterrupt):
                self._finish(rename=True, signum=getattr(exc, "signum", None) or 2)
            else:
                self.keep_partial()
                if self.kept_at is not None:
                    exc.add_note(self.kept_note())
        except BaseException as close_exc:  # never hide the exception that ended the block
            exc.add_note(f"while finalising {self.path}: {close_exc}")
            if self._state in ("open", "finishing"):
                self.abort()
        return False

    def kept_note(self) -> str:
        """One clause saying where the frames are after a failure (for the error's line)."""
        return (f"the {self._frames} frame(s) written are kept in {str(self.partial_path)!r}; "
                f"{str(self.path)!r} was left as it was")

    # -- internals

    def _finish(self, rename: bool, signum: int | None = None) -> None:
        if self._state in ("closed", "aborted", "kept"):
            return
        if self._state == "failed":
            raise self._failure  # type: ignore[misc]
        self._state = "finishing"  # no more frames: a render thread still drawing is refused
        self._io.work.put(END)
        with finalising(already_signalled=signum) as fin:
            if fin.on_signal is None:  # the outermost finalise tells the user, once
                fin.on_signal = self.say_finishing
                if fin.signum is not None:
                    self.say_finishing(fin.signum)
            try:
                fin.watch(cpu_time(self._proc.pid))
                fin.join(self._io.writer_thread)
                returncode = fin.wait(self._proc)
                fin.join(self._io.stderr_thread)
                if self._io.thread_error is not None or returncode != 0:
                    self._fail(returncode)
                self._settle(rename)
            except FinaliseStopped as stop:
                if self._state == "finishing":
                    self.stop_now(stop.why)

    def stop_now(self, why: str) -> None:
        """A finalise cut short (``why``): kill ffmpeg, keep the ``.partial`` file and say so."""
        self.abort()
        where = (f"the unfinished video is at {str(self.partial_path)!r}" if self.kept_at
                 else "no frame was kept")
        warn(f"stopped finishing {self.path}: {why}; {where}, {str(self.path)!r} was left as it was")

    def say_finishing(self, signum: int) -> None:
        import signal

        name = signal.Signals(signum).name
        warn(f"{name}: finishing {self.path} ({self._frames} frames); another {name} stops at once "
             f"and keeps {self.partial_path.name}")

    def _settle(self, rename: bool) -> None:
        if self._frames == 0:
            self._state = "closed"
            remove_file(self.partial_path)
            self._release_partial()
            if rename:
                raise EncoderError(f"no frames were written; {str(self.path)!r} was left as it was")
            return
        if rename:
            os.replace(self.partial_path, self.path)
        self._state = "closed" if rename else "kept"
        self._release_partial()

    def _release_partial(self) -> None:
        fd, self._partial_fd = self._partial_fd, None
        if fd is not None:
            os.close(fd)

    def _check_open(self) -> None:
        if self._state == "failed":
            raise self._failure  # type: ignore[misc]
        if self._state != "open":
            raise ValueError(f"the video writer for {self.path} is already {self._state}")
        if self._io.thread_error is not None:
            self._io.work.put(END)
            self._io.writer_thread.join()
            try:
                returncode = self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._io.kill()
                returncode = self._proc.wait()
            self._io.stderr_thread.join(timeout=5)
            self._fail(returncode)

    def _fail(self, returncode: int) -> None:
        tail = list(self._io.stderr_tail)
        self._state = "failed"
        if says_disk_full(tail):  # the partial file only takes space the disk no longer has
            remove_file(self.partial_path)
            message = (f"no space left on device writing {self.path} (after {self._frames} frame(s); "
                       f"the partial file was removed)")
        else:
            how = (how_it_ended(returncode) if returncode
                   else f"writing to ffmpeg failed ({self._io.thread_error!r})")
            if not self._frames or not self.format.plays_when_cut:
                remove_file(self.partial_path)
            keep = (f"the partial video is at {str(self.partial_path)!r}" if self.kept_at
                    else "nothing was kept")
            message = (f"{how} after {self._frames} frame(s) for {str(self.path)!r}; {keep}; "
                       f"ffmpeg's last words: {last_words(tail)}")
        self._release_partial()
        self._failure = EncoderError(message)
        self._failure.details = "\n".join(tail + [f"command: {' '.join(self.command)}"])  # type: ignore[attr-defined]
        raise self._failure


def _as_bytes(frame: object, nbytes: int, size: tuple[int, int], fmt: str) -> memoryview:
    if isinstance(frame, np.ndarray):
        if frame.dtype != np.uint8:
            raise ValueError(f"frame array must be uint8, got {frame.dtype}")
        frame = np.ascontiguousarray(frame)
    elif not isinstance(frame, (bytes, bytearray, memoryview)):
        raise TypeError(f"frame must be bytes, bytearray, memoryview or a uint8 numpy array, "
                        f"got {type(frame).__name__}")
    view = memoryview(frame).cast("B")
    if view.nbytes != nbytes:
        w, h = size
        raise ValueError(f"frame has {view.nbytes} bytes; a {w}x{h} {fmt} frame needs exactly "
                         f"{nbytes} ({w}*{h}*{INPUT_FORMATS[fmt]:g})")
    return view
