"""VideoWriter: raw frames into an ffmpeg process, out as an mp4 that survives being killed.

Why it is built this way:

* Frames go through our own pipe into the bundled ffmpeg binary, so we control the pipe (1 MiB, and
  on Linux pages spliced rather than copied: ``sinks/pipe.py``), the process group and stderr
  (``sinks/ffmpeg_process.py``: the process, signals, the ``.partial`` file).
* A writer thread fed by a small pool of frame buffers lets the GL render thread draw the next frame
  while the last one is written to the pipe; memory stays at ``queue_frames + 1`` frames (one more
  where the pipe still references the frame sent before).
* The codec, its preset and quality come from ``sinks/codecs.py`` (``auto``: NVENC where it works).
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import subprocess
import threading
from types import TracebackType

import numpy as np

from ..sizes import check_size
from .codecs import DEFAULT_PRESETS, auto_preset, encoder_args, resolve_codec
from .ffmpeg_process import (CONTAINERS, STDERR_TAIL_LINES, EncoderError, check_output_path, encode_command,
                             how_it_ended, partial_path, remove_file, start_ffmpeg)
from .pipe import FramePipe, raise_pipe_size

# Bytes per pixel of the raw frames we accept. yuv420p is what the renderer makes on the GPU for video
# (planar, top row first, BT.709 limited range): ffmpeg passes it to the encoder as is.
INPUT_FORMATS = {"rgba": 4, "bgra": 4, "rgb24": 3, "yuv420p": 1.5}
_END = object()


class VideoWriter:
    """Writes raw frames to an mp4 through ffmpeg; a context manager.

    ``frame`` rows run bottom-up by default (``bottom_up=True``, what ``fbo.read()`` gives) and
    ffmpeg flips them (``vflip``), so callers never flip in numpy. Pass ``bottom_up=False`` for
    top-down images. ``input_format="yuv420p"`` takes planar BT.709 frames, top row first (what
    ``FrameRenderer.read_yuv420_into`` makes): ffmpeg then converts nothing. ``encoder_threads`` caps
    the encoder's threads (default: its own choice, for x264 1.5 a core).

    For zero-copy writes fill a buffer from :meth:`acquire_buffer` (``fbo.read_into(buf)``) and pass
    it to :meth:`write`; any other frame is copied into such a buffer first.

    Ending, and the choice made here:

    * ``close()`` waits for ffmpeg, checks its exit code and only then renames the ``.partial`` file
      onto the output path, so an existing video is replaced only by a complete one.
    * ``abort()`` kills ffmpeg and leaves the ``.partial`` file (removed if no frame was written); the
      output path is never touched.
    * ``__exit__`` always *finalises* (``close()``) what was written, whatever ended the block: on a
      ``KeyboardInterrupt`` / :class:`EncoderInterrupted` that is what a user stopping a long run
      wants, and on any other exception the frames so far are still a true record of the training.
      Callers who would rather discard on error call ``abort()`` in their ``except`` and re-raise;
      ``__exit__`` then does nothing more. A failure while finalising during an exception is noted on
      the original exception rather than replacing it; a second Ctrl-C while finalising aborts
      (the ``.partial`` file stays).
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
    ) -> None:
        self.path = check_output_path(path)
        self.partial_path = partial_path(self.path)
        self.width, self.height = check_size(size, what="video size", even=True, smallest=1)
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
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
        self.codec = resolve_codec(codec)
        if codec == "auto" and preset is None:
            preset = auto_preset(self.codec, self.width * self.height)
        self.preset = preset if preset is not None else DEFAULT_PRESETS[self.codec]
        out_args = encoder_args(self.codec, crf=crf, preset=preset, gop=gop)
        if encoder_threads is not None:
            if isinstance(encoder_threads, bool) or not isinstance(encoder_threads, int) or encoder_threads < 1:
                raise ValueError(f"encoder_threads must be a whole number of at least 1, got {encoder_threads!r}")
            out_args = ["-threads", str(encoder_threads), *out_args]
        self.command = encode_command((self.width, self.height), self.fps, input_format, bottom_up, out_args,
                                      CONTAINERS[self.path.suffix.lower()], self.partial_path)

        self._frames = 0
        self._state = "open"  # open -> closed | aborted | failed
        self._failure: EncoderError | None = None
        self._thread_error: BaseException | None = None
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self._work: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._lent: set[int] = set()

        self._proc = start_ffmpeg(self.command)
        stdin = self._proc.stdin.fileno()
        self._pipe = FramePipe(stdin, self.frame_bytes, raise_pipe_size(stdin))
        pool_size = queue_frames + 1 + self._pipe.buffers_held
        self._pool = [bytearray(self.frame_bytes) for _ in range(pool_size)]
        self._pool_ids = {id(b) for b in self._pool}
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        for b in self._pool:
            self._free.put(b)
        self._stderr_thread = threading.Thread(target=self._read_stderr, name="ffmpeg-stderr",
                                               daemon=True)
        self._stderr_thread.start()
        self._writer_thread = threading.Thread(target=self._write_loop, name="ffmpeg-writer",
                                               daemon=True)
        self._writer_thread.start()

    # -- public

    @property
    def frames_written(self) -> int:
        """Frames accepted by :meth:`write` (all of them are in the file once ``close()`` returns)."""
        return self._frames

    @property
    def transfer(self) -> str:
        """How frames reach ffmpeg: ``"vmsplice"`` (pages handed over, Linux) or ``"write"`` (copied)."""
        return self._pipe.mode

    @property
    def ffmpeg_pid(self) -> int:
        return self._proc.pid

    def acquire_buffer(self) -> bytearray:
        """A free frame buffer from the writer's pool; blocks while all are queued (back-pressure)."""
        self._check_open()
        buf = self._free.get()
        self._lent.add(id(buf))
        return buf

    def write(self, frame: bytes | bytearray | memoryview | np.ndarray) -> None:
        """Queue one frame of exactly ``width*height*bytes_per_pixel`` bytes (uint8 if an array)."""
        self._check_open()
        if id(frame) in self._lent and id(frame) in self._pool_ids:
            buf = frame
        else:
            view = _as_bytes(frame, self.frame_bytes, (self.width, self.height), self.input_format)
            buf = self.acquire_buffer()
            try:
                buf[:] = view
            except BaseException:
                self._lent.discard(id(buf))
                self._free.put(buf)
                raise
        self._lent.discard(id(buf))
        self._work.put(buf)
        self._frames += 1

    def close(self) -> None:
        """Finish the video: flush the queue, wait for ffmpeg, check it, rename onto the output path."""
        if self._state in ("closed", "aborted"):
            return
        if self._state == "failed":
            raise self._failure  # type: ignore[misc]
        self._work.put(_END)
        self._writer_thread.join()
        returncode = self._proc.wait()
        self._stderr_thread.join()
        if self._thread_error is not None or returncode != 0:
            self._fail(returncode)
        if self._frames == 0:
            self._state = "closed"
            remove_file(self.partial_path)
            raise EncoderError(f"no frames were written; {str(self.path)!r} was left as it was")
        os.replace(self.partial_path, self.path)
        self._state = "closed"

    def abort(self) -> None:
        """Stop now: kill ffmpeg, keep the ``.partial`` file if any frame was written, else remove it."""
        if self._state in ("closed", "aborted"):
            return
        self._state = "aborted"
        with contextlib.suppress(ProcessLookupError):
            self._proc.kill()
        self._work.put(_END)
        self._writer_thread.join()
        self._proc.wait()
        self._stderr_thread.join()
        if self._frames == 0:
            remove_file(self.partial_path)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if exc is None:
            self.close()
            return False
        if exc is self._failure or self._state in ("closed", "aborted"):
            return False
        try:
            if self._frames == 0:
                self.abort()
            else:
                self.close()
        except BaseException as close_exc:  # never hide the exception that ended the block
            if hasattr(exc, "add_note"):
                exc.add_note(f"while finalising {self.path}: {close_exc}")
            if self._state == "open":
                self.abort()
        return False

    def __del__(self) -> None:
        # Garbage-collected while open: do not leave ffmpeg waiting on a pipe forever.
        proc = getattr(self, "_proc", None)
        if proc is not None and getattr(self, "_state", "") == "open" and proc.poll() is None:
            with contextlib.suppress(Exception):
                proc.kill()

    # -- internals

    def _check_open(self) -> None:
        if self._state == "failed":
            raise self._failure  # type: ignore[misc]
        if self._state != "open":
            raise ValueError(f"the video writer for {self.path} is already {self._state}")
        if self._thread_error is not None:
            self._work.put(_END)
            self._writer_thread.join()
            try:
                returncode = self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                returncode = self._proc.wait()
            self._stderr_thread.join(timeout=5)
            self._fail(returncode)

    def _fail(self, returncode: int) -> None:
        how = how_it_ended(returncode) if returncode else f"writing to ffmpeg failed ({self._thread_error!r})"
        tail = "\n".join(f"    {line}" for line in self._stderr_tail) or "    (ffmpeg wrote nothing)"
        keep = (f"the partial video is at {str(self.partial_path)!r}" if self._frames
                else "nothing was written")
        self._failure = EncoderError(
            f"{how} after {self._frames} frame(s) for {str(self.path)!r}; {keep}.\n"
            f"ffmpeg's last words:\n{tail}\ncommand: {' '.join(self.command)}"
        )
        self._state = "failed"
        if self._frames == 0:
            remove_file(self.partial_path)
        raise self._failure

    def _write_loop(self) -> None:
        try:
            while True:
                item = self._work.get()
                if item is _END:
                    break
                if self._thread_error is None:
                    try:
                        for free in self._pipe.send(item):
                            self._free.put(free)
                        continue
                    except BaseException as exc:  # BrokenPipeError: ffmpeg died
                        self._thread_error = exc
                # Nothing reads the pipe any more: every buffer is free.
                self._free.put(item)
                for free in self._pipe.drain():
                    self._free.put(free)
        finally:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
            for free in self._pipe.drain():
                self._free.put(free)

    def _read_stderr(self) -> None:
        for raw in self._proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            if line:
                self._stderr_tail.append(line)
        self._proc.stderr.close()


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
