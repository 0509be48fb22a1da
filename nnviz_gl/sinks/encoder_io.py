"""The ffmpeg child's I/O for a ``VideoWriter``: the thread that pipes frames in, the one that reads stderr.

They share this object, never the writer itself: a ``VideoWriter`` dropped without ``close()`` is then
garbage-collected, and its finalizer (:meth:`EncoderIO.shut_down`) ends ffmpeg and both threads.
"""

from __future__ import annotations

import collections
import contextlib
import queue
import subprocess
import threading

from .ffmpeg_process import STDERR_TAIL_LINES
from .pipe import FramePipe

END = object()  # the work queue's last item


class EncoderIO:
    """The pipe into ffmpeg, the frame buffer pool and the two threads around one ffmpeg process."""

    def __init__(self, proc: subprocess.Popen[bytes], pipe: FramePipe, pool_size: int, frame_bytes: int) -> None:
        self.proc = proc
        self.pipe = pipe
        self.pool = [bytearray(frame_bytes) for _ in range(pool_size)]
        self.pool_ids = {id(b) for b in self.pool}
        self.free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        for b in self.pool:
            self.free.put(b)
        self.work: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.thread_error: BaseException | None = None
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self.writer_thread = threading.Thread(target=self._write_loop, name="nnviz-ffmpeg-writer", daemon=True)
        self.stderr_thread = threading.Thread(target=self._read_stderr, name="nnviz-ffmpeg-stderr", daemon=True)
        self.writer_thread.start()
        self.stderr_thread.start()

    def kill(self) -> None:
        """Kill ffmpeg; the writer thread then finds the pipe broken and frees every buffer."""
        with contextlib.suppress(ProcessLookupError, OSError):
            self.proc.kill()

    def shut_down(self) -> None:
        """End ffmpeg and both threads without waiting (a writer dropped while open)."""
        if self.proc.poll() is None:
            self.kill()
        self.work.put(END)

    def _write_loop(self) -> None:
        try:
            while True:
                item = self.work.get()
                if item is END:
                    break
                if self.thread_error is None:
                    try:
                        for free in self.pipe.send(item):  # type: ignore[arg-type]
                            self.free.put(free)
                        continue
                    except BaseException as exc:  # BrokenPipeError: ffmpeg died
                        self.thread_error = exc
                # Nothing reads the pipe any more: every buffer is free.
                self.free.put(item)  # type: ignore[arg-type]
                for free in self.pipe.drain():
                    self.free.put(free)
        finally:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            for free in self.pipe.drain():
                self.free.put(free)

    def _read_stderr(self) -> None:
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            if line:
                self.stderr_tail.append(line)
        self.proc.stderr.close()
        with contextlib.suppress(Exception):
            self.proc.wait()  # reap it here too: a writer dropped without close() leaves no zombie
