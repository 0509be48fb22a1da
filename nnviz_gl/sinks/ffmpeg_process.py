"""The ffmpeg child process and the files around it: starting it, the signals that end a run, finalising.

* The binary is the one imageio-ffmpeg ships (no system ffmpeg needed).
* It runs in its own session, so a Ctrl-C in the terminal reaches Python (which finalises the video),
  not ffmpeg mid-frame; :func:`raise_on_signals` turns SIGINT/SIGTERM/SIGHUP into :class:`EncoderInterrupted`.
* It writes a *fragmented* mp4 to ``name.partial.mp4`` (a fragment per keyframe), so a ``kill -9``
  leaves a file that plays up to its last fragment; the output path is replaced only by a complete video.
  A run holds a lock on its partial file: a second run writing to the same output at once takes
  ``name.<pid>-<random>.partial.mp4`` instead (:func:`claim_partial_path`). A WebM writes clusters as it
  goes and plays when cut too; a GIF is written only once its frames have ended (``sinks/formats.py``).
* Output paths are checked before any work starts (:func:`check_output_path`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Sequence

from .finalise import STOP_SIGNALS
from .formats import (EXTENSIONS, FormatError, OutputFormat, filter_graph, frames_output, muxer_args,
                      output_format)

CONTAINERS = EXTENSIONS  # file extension -> format (mp4, webm, gif)
FORMAT_OF_MUXER = {"mp4": "mp4", "mov": "mp4", "webm": "webm", "gif": "gif"}
STDERR_TAIL_LINES = 20  # how much of ffmpeg's stderr an error quotes

# ffmpeg reads each raw frame into a new buffer; with glibc's defaults a big one (a 4K RGBA frame is
# 33 MB) is fresh, zeroed mmap pages every frame. One arena, a high mmap threshold and a large top pad
# let it reuse its heap (measurements: benchmarks/README.md). A user's own GLIBC_TUNABLES wins.
FFMPEG_MALLOC_TUNABLES = ("glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=268435456:"
                          "glibc.malloc.trim_threshold=1073741824:glibc.malloc.top_pad=67108864")


class EncoderError(RuntimeError):
    """ffmpeg failed or died; the message quotes the last lines ffmpeg wrote to stderr."""


class OutputPathError(FormatError):
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
def raise_on_signals(signums: Sequence[int] = STOP_SIGNALS) -> Iterator[SignalState]:
    """Turn SIGINT/SIGTERM/SIGHUP into :class:`EncoderInterrupted` in the main thread, then restore handlers.

    With this around a ``with VideoWriter(...)`` block a Ctrl-C or ``kill`` ends the render loop and
    the writer's ``__exit__`` finalises what was written into a playable video at the output path.
    Installing the handlers ourselves also covers a process started in the background, whose SIGINT
    begins ignored. The yielded :class:`SignalState` remembers the signal for loops to ``check()``.
    """
    state = SignalState()

    def handler(signum: int, _frame: object) -> None:
        state.signum = signum
        raise EncoderInterrupted(signum)

    # SIGHUP ignored at start (``nohup``) stays ignored; SIGINT ignored at start (a background job) does not.
    previous = {s: signal.signal(s, handler) for s in signums
                if not (s == getattr(signal, "SIGHUP", None) and signal.getsignal(s) == signal.SIG_IGN)}
    try:
        yield state
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled with imageio-ffmpeg (no system ffmpeg needed)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def encode_command(size: tuple[int, int], fps: float, input_format: str, bottom_up: bool,
                   encoder: list[str], container: str | OutputFormat, out: Path, *,
                   frames_dir: Path | None = None) -> list[str]:
    """ffmpeg's command line: raw frames on stdin, ``encoder`` options, ``container`` (a muxer name or an
    :class:`OutputFormat`) at ``out``, readable when cut where the format allows; with ``frames_dir``
    also a numbered PNG per frame there."""
    w, h = size
    rate = Fraction(fps).limit_denominator(1001)
    fmt = container if isinstance(container, OutputFormat) else output_format(out, FORMAT_OF_MUXER[container])
    graph = filter_graph(fmt, input_format, bottom_up, frames=frames_dir is not None)
    return [
        ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "info", "-y",
        "-f", "rawvideo", "-pix_fmt", input_format, "-s", f"{w}x{h}", "-framerate", str(rate),
        "-i", "-", "-filter_complex", graph,
        "-map", "[video]", *encoder, *muxer_args(fmt), "-f", fmt.muxer, str(out),
        *(frames_output(frames_dir) if frames_dir is not None else []),
    ]


def start_ffmpeg(command: list[str]) -> subprocess.Popen[bytes]:
    """Start ffmpeg reading stdin, stderr piped back, in its own session (Ctrl-C reaches only us)."""
    env = dict(os.environ)
    if sys.platform.startswith("linux"):
        env.setdefault("GLIBC_TUNABLES", FFMPEG_MALLOC_TUNABLES)
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, bufsize=0, start_new_session=True, env=env)


def how_it_ended(returncode: int) -> str:
    """A non-zero exit of ffmpeg in words, for an :class:`EncoderError`."""
    if returncode < 0:
        return f"ffmpeg was killed by {signal.Signals(-returncode).name}"
    return f"ffmpeg exited with code {returncode}"


def partial_path(path: str | os.PathLike[str]) -> Path:
    """Where the video is written while it grows: ``training.mp4`` -> ``training.partial.mp4``."""
    p = Path(path)
    return p.with_name(f"{p.stem}.partial{p.suffix}")


def claim_partial_path(path: str | os.PathLike[str]) -> tuple[Path, int]:
    """A partial file for ``path`` that no other live writer uses, and the open, locked fd that marks it
    ours (close it once the file is renamed or removed). ``name.partial.mp4`` unless another run holds it
    (two renders to one output at once), then ``name.<pid>-<random>.partial.mp4``."""
    p = Path(path)
    unique = p.with_name(f"{p.stem}.{os.getpid()}-{secrets.token_hex(3)}.partial{p.suffix}")
    for candidate in (partial_path(p), unique):
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held, there = os.fstat(fd), os.stat(candidate)
            if (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino):  # not renamed away meanwhile
                return candidate, fd
        except (BlockingIOError, FileNotFoundError):
            pass
        os.close(fd)
    raise OutputPathError(f"cannot write video to {str(p)!r}: no partial file could be claimed beside it")


def remove_file(path: Path) -> None:
    """Remove ``path`` if it is there (a ``.partial`` file that holds no frame)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


# ffmpeg is given the rate as a fraction with a denominator of at most 1001 (encode_command): below
# 1/1001 fps that fraction is 0, which ffmpeg refuses. ffmpeg reads -framerate as a ratio of at most
# 1,001,000 and silently caps a faster one, so the video would play slower than asked.
MIN_FPS = 1 / 1001
MAX_FPS = 1_001_000


def frame_rate_problem(fps: float) -> str | None:
    """Why ffmpeg could not write ``fps`` frames a second as asked, or None."""
    if not fps >= MIN_FPS:
        return ("is slower than ffmpeg can write: the frame rate is stored as a fraction with a denominator "
                f"of at most 1001, so the slowest is 1/1001 fps (about {MIN_FPS:.6f})")
    if fps > MAX_FPS:
        return f"is faster than ffmpeg takes (at most {MAX_FPS} fps)"
    return None


def check_output_path(path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Refuse, before any work starts, an output the sink could not write; return it as a Path.

    Checks the suffix (the format is chosen from it, unless ``format`` names one), that the folder
    exists, and that a file can really be created there (a trial file, so read-only mounts and
    permissions are both caught).
    """
    p = Path(path)
    try:
        output_format(p, format)
    except FormatError as exc:
        raise OutputPathError(str(exc)) from None
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
