"""Finishing a video under pressure: stop signals during a finalise, a stalled encoder, failures in one line.

* While a video is finalised (the encoder flushing its last frames, the file renamed) a stop signal
  does not cut the work short at a random point: :func:`finalising` remembers it, lets the finalise go
  on while the encoder is still working, and hands the signal back once the files are in a known state.
  A second signal, or an encoder that stops making progress (a frozen pipe or disk, a stopped process),
  ends the finalise within seconds; the caller then kills ffmpeg and keeps the ``.partial`` file.
* ffmpeg's failures become one line that names the cause (``no space left on device writing out.mp4``,
  ``ffmpeg was killed by SIGKILL ...; ffmpeg's last words: ...``); the whole stderr tail stays on the
  exception as ``details``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Callable, Iterable, Iterator

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
STALL_S = 4.0  # after a stop signal, a finalise whose encoder made no progress for this long is cut short
WAIT_STEP_S = 0.05
# ffmpeg lines that say why it stopped (its stderr also holds the stream summary, which says nothing)
_CAUSE_WORDS = ("error", "signal", "failed", "invalid", "no space", "cannot", "unable", "denied", "broken",
                "killed", "not ")


class FinaliseStopped(Exception):
    """A finalise cut short (a second stop signal, or no progress after one); ``why`` says which."""

    def __init__(self, signum: int, why: str) -> None:
        super().__init__(why)
        self.signum = signum
        self.why = why


class Finalising:
    """Waits of a finalise, bounded once a stop signal came; see :func:`finalising`."""

    def __init__(self) -> None:
        self.signum: int | None = None  # the stop signal this finalise runs under, if any
        self.pending: int | None = None  # one that came during the finalise: handed on at its end
        self._progress: Callable[[], object] | None = None
        self._last_seen: object = None
        self._deadline: float | None = None
        self.on_signal: Callable[[int], None] | None = None

    def signalled(self, signum: int) -> None:
        """A stop signal: the first starts the stall clock, a second stops the finalise now."""
        if self.signum is not None:
            raise FinaliseStopped(signum, f"a second {signal.Signals(signum).name} while finishing")
        self.signum = self.pending = signum
        self._deadline = time.monotonic() + STALL_S
        if self.on_signal is not None:
            self.on_signal(signum)

    def watch(self, progress: Callable[[], object] | None) -> None:
        """What shows the finalise is still working (ffmpeg's CPU time): while it changes, no stall."""
        self._progress = progress
        self._last_seen = progress() if progress is not None else None

    def check(self) -> None:
        if self._deadline is None:
            return
        if self._progress is not None:
            seen = self._progress()
            if seen != self._last_seen:
                self._last_seen = seen
                self._deadline = time.monotonic() + STALL_S
        if time.monotonic() > self._deadline:
            name = signal.Signals(self.signum).name  # type: ignore[arg-type]
            raise FinaliseStopped(self.signum, f"the encoder made no progress for {STALL_S:g} s after {name}")

    def join(self, thread: threading.Thread) -> None:
        while thread.is_alive():
            self.check()
            thread.join(WAIT_STEP_S)

    def wait(self, proc: subprocess.Popen) -> int:
        while True:
            self.check()
            with contextlib.suppress(subprocess.TimeoutExpired):
                return proc.wait(WAIT_STEP_S)

    def redeliver(self) -> None:
        """Hand a remembered signal to the handler it was meant for (it may raise, or end the process)."""
        signum, self.pending = self.pending, None
        if signum is not None and threading.current_thread() is threading.main_thread():
            signal.raise_signal(signum)


_active: Finalising | None = None


@contextlib.contextmanager
def finalising(already_signalled: int | None = None) -> Iterator[Finalising]:
    """Shield a finalise from stop signals (main thread only); nested uses share one :class:`Finalising`.

    ``already_signalled``: the finalise runs because of that signal, so the stall clock starts now.
    A signal that came during the finalise is handed on when the outermost use ends without an exception
    (it then reaches the handler it was meant for: ``raise_on_signals``' raises ``EncoderInterrupted``).
    Callers catch :class:`FinaliseStopped` and put their files in a known state (ffmpeg killed, the
    ``.partial`` file kept).
    """
    global _active
    if _active is not None:
        if already_signalled is not None and _active.signum is None:
            _active.signum, _active._deadline = already_signalled, time.monotonic() + STALL_S
        yield _active
        return
    state = Finalising()
    if already_signalled is not None:
        state.signum, state._deadline = already_signalled, time.monotonic() + STALL_S
    previous: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in STOP_SIGNALS:
            if signal.getsignal(signum) not in (signal.SIG_IGN, None):
                previous[signum] = signal.signal(signum, lambda s, _f: state.signalled(s))
    _active = state
    try:
        yield state
    except FinaliseStopped:
        pass  # landed outside the caller's own handling: its files are as they are, the signal goes on
    finally:
        _active = None
        for signum, handler in previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
    state.redeliver()


def cpu_time(pid: int) -> Callable[[], object]:
    """A function giving the CPU time ``pid`` has used so far (Linux; elsewhere None: no stall detection)."""
    stat = f"/proc/{pid}/stat"
    if not os.path.exists(stat):
        return lambda: None

    def read() -> object:
        try:
            with open(stat, "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            return int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError, ValueError):
            return None

    return read


def last_words(lines: Iterable[str], most: int = 2) -> str:
    """The lines of ffmpeg's stderr that say why it stopped, as one line."""
    lines = [line.strip() for line in lines if line.strip()]
    causes = [line for line in lines if any(w in line.lower() for w in _CAUSE_WORDS)]
    chosen = causes[-most:] or lines[-1:]
    return " / ".join(chosen) or "(ffmpeg wrote nothing)"


def says_disk_full(lines: Iterable[str]) -> bool:
    return any("no space left on device" in line.lower() for line in lines)


def warn(text: str) -> None:
    print(f"nnviz-gl: {text}", file=sys.stderr, flush=True)
