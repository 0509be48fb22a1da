"""Raw frames into an ffmpeg process, out as an mp4 that survives being killed.

Why it is built this way:

* Frames go through our own pipe into the ffmpeg binary that imageio-ffmpeg ships, so we control the
  pipe (1 MiB, and on Linux pages spliced rather than copied: ``sinks/pipe.py``), the process group
  (a Ctrl-C in the terminal reaches us, not ffmpeg, so we can finish the file), and stderr.
* A writer thread fed by a small pool of frame buffers lets the GL render thread draw the next frame
  while the last one is written to the pipe; memory stays at ``queue_frames + 1`` frames (one more
  where the pipe still references the frame sent before).
* ffmpeg writes a *fragmented* mp4 to ``name.partial.mp4`` (a fragment per keyframe, a keyframe about
  every second), so a ``kill -9`` leaves a file that plays up to its last fragment, and the output
  path is replaced (``os.replace``) only once the new video is complete.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Iterator, Sequence

import numpy as np

from .pipe import FramePipe, raise_pipe_size

CODECS = ("auto", "libx264", "libx265", "h264_nvenc", "hevc_nvenc", "libsvtav1")

# Chosen by measuring at 1920x1080, crf 23 (see the sink's report): ``veryfast`` encodes at about half
# the speed of ``ultrafast`` but makes files several times smaller; drawing is the larger cost at 1080p,
# so the whole pipeline loses much less than the encoder alone.
DEFAULT_PRESETS = {
    "libx264": "veryfast",
    "libx265": "veryfast",
    "h264_nvenc": "p4",
    "hevc_nvenc": "p4",
    "libsvtav1": "10",
}
# Quality targets that look alike across codecs (x265 and AV1 scales sit higher than x264's).
DEFAULT_CRF = {"libx264": 23, "libx265": 28, "h264_nvenc": 23, "hevc_nvenc": 28, "libsvtav1": 35}
CRF_RANGE = {"libx264": (0, 51), "libx265": (0, 51), "h264_nvenc": (0, 51), "hevc_nvenc": (0, 51),
             "libsvtav1": (0, 63)}

X26X_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
                "veryslow", "placebo")
NVENC_PRESETS = tuple(f"p{i}" for i in range(1, 8))
SVTAV1_PRESETS = tuple(str(i) for i in range(0, 14))
VALID_PRESETS = {
    "libx264": X26X_PRESETS,
    "libx265": X26X_PRESETS,
    "h264_nvenc": NVENC_PRESETS,
    "hevc_nvenc": NVENC_PRESETS,
    "libsvtav1": SVTAV1_PRESETS,
}

# Bytes per pixel of the raw frames we accept. yuv420p is what the renderer makes on the GPU for video
# (planar, top row first, BT.709 limited range): ffmpeg passes it to the encoder as is.
INPUT_FORMATS = {"rgba": 4, "bgra": 4, "rgb24": 3, "yuv420p": 1.5}
CONTAINERS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov"}

STDERR_TAIL_LINES = 20
TRIAL_SIZE = (256, 256)  # NVENC refuses frames much smaller than this
NVIDIA_DEVICE = "/dev/nvidiactl"  # every Linux NVIDIA driver makes it; NVENC cannot work without it
# ffmpeg reads each raw frame into a new buffer. glibc gives a thread's big blocks (a 4K RGBA frame
# is 33 MB) fresh pages from mmap, which the kernel zeroes: ~8,000 page faults a frame. One arena and
# a high mmap threshold let ffmpeg reuse its heap, and a 64 MB top pad keeps it from shrinking and
# growing again every frame (its reading side, 4K: 14 -> 5-8 CPU ms a frame; peak memory measured
# flat from 60 to 1,200 frames). A user's own GLIBC_TUNABLES wins.
FFMPEG_MALLOC_TUNABLES = ("glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=268435456:"
                          "glibc.malloc.trim_threshold=1073741824:glibc.malloc.top_pad=67108864")


class EncoderError(RuntimeError):
    """ffmpeg failed or died; the message quotes the last lines ffmpeg wrote to stderr."""


class OutputPathError(ValueError):
    """The video cannot be written where asked (missing or unwritable folder, bad file name)."""


class EncoderInterrupted(KeyboardInterrupt):
    """Raised in the main thread by :func:`raise_on_signals`; a ``VideoWriter`` finalises on it.

    A ``KeyboardInterrupt`` so that ``except Exception`` in user code does not swallow it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


class SignalState:
    """Which signal stopped the run, if any; see :func:`raise_on_signals`."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def check(self) -> None:
        """Raise again a stop that a library swallowed (scikit-learn's partial_fit catches
        KeyboardInterrupt and returns normally): call it between steps of a loop."""
        if self.signum is not None:
            raise EncoderInterrupted(self.signum)


@contextlib.contextmanager
def raise_on_signals(signums: Sequence[int] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[SignalState]:
    """Turn SIGINT/SIGTERM into :class:`EncoderInterrupted` in the main thread, then restore handlers.

    With this around a ``with VideoWriter(...)`` block a Ctrl-C or ``kill`` ends the render loop and
    the writer's ``__exit__`` finalises what was written into a playable video at the output path.
    Installing the handlers ourselves also covers a process started in the background, whose SIGINT
    begins ignored. The yielded :class:`SignalState` remembers the signal for loops to ``check()``.
    """
    state = SignalState()

    def handler(signum: int, _frame: object) -> None:
        state.signum = signum
        raise EncoderInterrupted(signum)

    previous = {s: signal.signal(s, handler) for s in signums}
    try:
        yield state
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled with imageio-ffmpeg (no system ffmpeg needed)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def partial_path(path: str | os.PathLike[str]) -> Path:
    """Where the video is written while it grows: ``training.mp4`` -> ``training.partial.mp4``."""
    p = Path(path)
    return p.with_name(f"{p.stem}.partial{p.suffix}")


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """Refuse, before any work starts, an output the sink could not write; return it as a Path.

    Checks the suffix (the container is chosen from it), that the folder exists, and that a file can
    really be created there (a trial file, so read-only mounts and permissions are both caught).
    """
    p = Path(path)
    if p.suffix.lower() not in CONTAINERS:
        raise OutputPathError(
            f"cannot write video to {str(p)!r}: the file name must end in one of "
            f"{', '.join(CONTAINERS)}"
        )
    if p.is_dir():
        raise OutputPathError(f"cannot write video to {str(p)!r}: it is a folder")
    folder = p.parent
    if not folder.exists():
        raise OutputPathError(f"cannot write video to {str(p)!r}: folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise OutputPathError(f"cannot write video to {str(p)!r}: {str(folder)!r} is not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".nnviz-write-test-"):
            pass
    except OSError as exc:
        raise OutputPathError(
            f"cannot write video to {str(p)!r}: folder {str(folder)!r} is not writable ({exc.strerror})"
        ) from None
    return p


# ---------------------------------------------------------------- codecs


def _check_codec_name(codec: str) -> None:
    if codec not in CODECS:
        raise ValueError(f"unknown codec {codec!r}; valid codecs: {', '.join(CODECS)}")


@functools.lru_cache(maxsize=None)
def available_encoders() -> frozenset[str]:
    """Video encoders compiled into the bundled ffmpeg (compiled in is not the same as working)."""
    out = subprocess.run([ffmpeg_exe(), "-hide_banner", "-encoders"], capture_output=True,
                         text=True, check=True).stdout
    return frozenset(m.group(1) for m in re.finditer(r"^\s*V[A-Z.]{5}\s+(\S+)", out, re.MULTILINE))


def encoder_args(codec: str, *, crf: float | None = None, preset: str | int | None = None,
                 gop: int | None = None) -> list[str]:
    """ffmpeg output options for one concrete codec, with our defaults; validates preset and crf."""
    _check_codec_name(codec)
    if codec == "auto":
        raise ValueError("resolve 'auto' to a concrete codec first (resolve_codec)")
    preset = DEFAULT_PRESETS[codec] if preset is None else str(preset)
    if preset not in VALID_PRESETS[codec]:
        raise ValueError(
            f"preset {preset!r} is not valid for {codec}; valid presets: {', '.join(VALID_PRESETS[codec])}"
        )
    crf = DEFAULT_CRF[codec] if crf is None else crf
    lo, hi = CRF_RANGE[codec]
    if not lo <= crf <= hi:
        raise ValueError(f"crf {crf} is out of range for {codec}; allowed {lo}..{hi} (lower is better)")
    args = ["-c:v", codec, "-preset", preset]
    if codec.endswith("_nvenc"):
        args += ["-rc", "vbr", "-cq", f"{crf:g}", "-b:v", "0"]
    else:
        args += ["-crf", f"{crf:g}"]
    # Keep the encoders' own statistics out of stderr, whose tail is quoted in errors.
    if codec == "libx264":
        args += ["-x264-params", "log=1"]
    if codec == "libx265":
        args += ["-x265-params", "log-level=warning"]
    if codec in ("libx265", "hevc_nvenc"):
        args += ["-tag:v", "hvc1"]  # QuickTime / Safari refuse the default hev1 tag
    if gop is not None:
        args += ["-g", str(gop)]
    return args


def _trial_error(codec: str) -> str | None:
    """Encode one small frame with ``codec`` into the null muxer; None if it worked, else why not."""
    if codec not in available_encoders():
        return f"{codec} is not compiled into {ffmpeg_exe()}"
    if codec.endswith("_nvenc") and sys.platform.startswith("linux") and not os.path.exists(NVIDIA_DEVICE):
        return f"no NVIDIA driver here ({NVIDIA_DEVICE} is missing), so no NVENC"  # spares a trial encode
    w, h = TRIAL_SIZE
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error",
           "-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{w}x{h}", "-framerate", "30", "-i", "-",
           "-frames:v", "1", *encoder_args(codec), "-pix_fmt", "yuv420p", "-f", "null", "-"]
    try:
        run = subprocess.run(cmd, input=bytes(w * h * 4), capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return f"{codec} trial encode took over 60 s"
    if run.returncode != 0:
        lines = run.stderr.decode(errors="replace").strip().splitlines()
        return "\n".join(lines[-STDERR_TAIL_LINES:]) or f"ffmpeg exited with {run.returncode}"
    return None


_trial_error_cached = functools.lru_cache(maxsize=None)(_trial_error)


def encoder_works(codec: str) -> bool:
    """Whether ``codec`` really encodes here (NVENC is compiled in everywhere but needs an NVIDIA GPU)."""
    _check_codec_name(codec)
    return codec != "auto" and _trial_error_cached(codec) is None


def auto_preset(codec: str, pixels: int) -> str:
    """The preset ``--codec auto`` uses: on a CPU encoder, speed first.

    x264 shares the cores with the renderer (on a software renderer, with all of it): ``ultrafast``
    keeps the encoder from being the slowest stage from 720p up, for files ~1.6x larger than
    ``superfast`` at the same crf. Below 720p encoding is cheap and ``superfast`` is kept.
    """
    if codec == "libx264":
        return "superfast" if pixels < 1280 * 720 else "ultrafast"
    return DEFAULT_PRESETS[codec]


def resolve_codec(codec: str = "auto") -> str:
    """A concrete codec: ``auto`` -> h264_nvenc when it works here, else libx264.

    A named codec that cannot encode here is refused with ffmpeg's reason.
    """
    _check_codec_name(codec)
    if codec == "auto":
        return "h264_nvenc" if encoder_works("h264_nvenc") else "libx264"
    reason = _trial_error_cached(codec)
    if reason is not None:
        raise ValueError(f"codec {codec} does not work on this machine:\n{reason}")
    return codec


def encoder_report() -> list[tuple[str, str | None]]:
    """Every concrete codec and, where it does not work here, why not in one line (for ``nnviz-gl info``:
    on a new server "driver too old for this ffmpeg's NVENC" and "no NVENC on this GPU" need different fixes)."""
    report = []
    for codec in (c for c in CODECS if c != "auto"):
        reason = _trial_error_cached(codec)
        report.append((codec, None if reason is None else _encoder_own_words(codec, reason)))
    return report


def _encoder_own_words(codec: str, reason: str) -> str:
    """The lines ffmpeg tags ``[codec @ 0x...]`` (the encoder's own reason, not the pipeline's echoes), joined."""
    tag = re.compile(rf"^\[{re.escape(codec)} @ 0x[0-9a-f]+\]\s*")
    own = [tag.sub("", line) for line in reason.splitlines() if tag.match(line)]
    return "; ".join(own) if own else reason.splitlines()[0]


# ---------------------------------------------------------------- the writer


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
        self.width, self.height = _check_size(size)
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
        self.command = _command(self.width, self.height, self.fps, input_format, bottom_up, out_args,
                                CONTAINERS[self.path.suffix.lower()], self.partial_path)

        self._frames = 0
        self._state = "open"  # open -> closed | aborted | failed
        self._failure: EncoderError | None = None
        self._thread_error: BaseException | None = None
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self._work: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._lent: set[int] = set()

        # Own session: a terminal Ctrl-C reaches Python (which finalises), not ffmpeg mid-frame.
        self._proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, bufsize=0, start_new_session=True,
                                      env=_ffmpeg_env())
        self.pipe_size = raise_pipe_size(self._proc.stdin.fileno())
        self._pipe = FramePipe(self._proc.stdin.fileno(), self.frame_bytes, self.pipe_size)
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
            _remove(self.partial_path)
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
            _remove(self.partial_path)

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
        if returncode < 0:
            how = f"ffmpeg was killed by {signal.Signals(-returncode).name}"
        elif returncode != 0:
            how = f"ffmpeg exited with code {returncode}"
        else:
            how = f"writing to ffmpeg failed ({self._thread_error!r})"
        tail = "\n".join(f"    {line}" for line in self._stderr_tail) or "    (ffmpeg wrote nothing)"
        keep = (f"the partial video is at {str(self.partial_path)!r}" if self._frames
                else "nothing was written")
        self._failure = EncoderError(
            f"{how} after {self._frames} frame(s) for {str(self.path)!r}; {keep}.\n"
            f"ffmpeg's last words:\n{tail}\ncommand: {' '.join(self.command)}"
        )
        self._state = "failed"
        if self._frames == 0:
            _remove(self.partial_path)
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


def _command(w: int, h: int, fps: float, input_format: str, bottom_up: bool, out_args: list[str],
             container: str, out: Path) -> list[str]:
    rate = Fraction(fps).limit_denominator(1001)
    # Convert RGB -> YUV with BT.709 (yuv420p input already is) and say so in the stream, so players
    # do not shift colours.
    convert = [] if input_format == "yuv420p" else [
        "scale=out_color_matrix=bt709:out_range=tv", "format=yuv420p"]
    filters = (["vflip"] if bottom_up else []) + convert + [
        "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"]
    return [
        ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "info", "-y",
        "-f", "rawvideo", "-pix_fmt", input_format, "-s", f"{w}x{h}", "-framerate", str(rate),
        "-i", "-",
        "-vf", ",".join(filters), *out_args,
        "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-flush_packets", "1",
        "-f", container, str(out),
    ]


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be (width, height), got {size!r}") from None
    if w <= 0 or h <= 0:
        raise ValueError(f"size must be positive, got {w}x{h}")
    if w % 2 or h % 2:
        raise ValueError(
            f"video size {w}x{h} has an odd side; yuv420p needs even width and height "
            f"(try {w + w % 2}x{h + h % 2})"
        )
    return w, h


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


def _ffmpeg_env() -> dict[str, str]:
    env = dict(os.environ)
    if sys.platform.startswith("linux"):
        env.setdefault("GLIBC_TUNABLES", FFMPEG_MALLOC_TUNABLES)
    return env


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
