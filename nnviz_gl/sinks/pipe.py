"""Whole frames into ffmpeg's stdin with as few copies as the operating system allows.

Why: at 4K a raw RGBA frame is 33 MB, and copying it into the pipe (``write``) and out again (ffmpeg's
``read``) is a large share of all the work (numbers in benchmarks/README.md). Two things cut that:

* the pipe is raised to 1 MiB (Linux's default 64 KiB caps raw frames' rate);
* on Linux, ``vmsplice(2)`` hands the kernel references to our buffer's pages instead of copying them.
  The price is a rule: a spliced buffer must not change until ffmpeg
  has read it. The pipe holds at most ``pipe_size`` bytes, so once the *next* frame is wholly spliced
  the previous one has left the pipe -- if a frame is at least ``pipe_size`` bytes. Smaller frames
  (and other systems) are written with ``write``.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import functools
import os
import sys

PIPE_SIZE = 1 << 20
F_SETPIPE_SZ = 1031  # Linux; fcntl exposes it only from Python 3.10 on some builds
F_GETPIPE_SZ = 1032


def raise_pipe_size(fd: int) -> int:
    """Ask for a 1 MiB pipe (Linux); return the size we got (0 where it cannot be known)."""
    try:
        return fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE)
    except OSError:
        with contextlib.suppress(OSError):
            return fcntl.fcntl(fd, F_GETPIPE_SZ)
    return 0


class _IoVec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


@functools.lru_cache(maxsize=1)
def _vmsplice():  # a ctypes function, or None
    """libc's vmsplice, or None where there is none. ctypes releases the GIL around the call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.vmsplice
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.POINTER(_IoVec), ctypes.c_size_t, ctypes.c_uint]
    fn.restype = ctypes.c_ssize_t
    return fn


class FramePipe:
    """Sends whole frames down a pipe and says when each frame's buffer may be filled again.

    ``send(buf)`` returns the buffers that are free again now: with ``write`` that is ``buf`` itself;
    with ``vmsplice`` it is the frame sent before (still referenced by the pipe until this one went
    in), so one buffer more than the queue is in flight. ``drain()`` gives back what is still held
    (after the pipe is closed or broken nothing reads those pages any more).
    """

    def __init__(self, fd: int, frame_bytes: int, pipe_size: int) -> None:
        self.fd = fd
        splice = _vmsplice()
        self.mode = "vmsplice" if splice is not None and 0 < pipe_size <= frame_bytes else "write"
        self._splice = splice
        self._held: bytearray | None = None
        self._views: dict[int, tuple[bytearray, ctypes.Array]] = {}

    @property
    def buffers_held(self) -> int:
        """How many buffers the pipe may keep beyond the one being sent (0 or 1)."""
        return 1 if self.mode == "vmsplice" else 0

    def send(self, buf: bytearray) -> list[bytearray]:
        if self.mode == "vmsplice" and self._splice_all(buf):
            freed = [] if self._held is None else [self._held]
            self._held = buf
            return freed
        view = memoryview(buf)
        while view:
            view = view[os.write(self.fd, view):]
        # A frame held from before a fallback has left the pipe once this whole one went in after it.
        return [buf, *self.drain()]

    def drain(self) -> list[bytearray]:
        held, self._held = self._held, None
        return [] if held is None else [held]

    def _splice_all(self, buf: bytearray) -> bool:
        """Splice every byte of ``buf``; False (and ``write`` from now on) if the kernel refuses it."""
        address = self._address(buf)
        done, total = 0, len(buf)
        while done < total:
            iov = _IoVec(address + done, total - done)
            n = self._splice(self.fd, ctypes.byref(iov), 1, 0)
            if n >= 0:
                done += n
                continue
            err = ctypes.get_errno()
            if err == errno.EINTR:
                continue
            if done == 0 and err in (errno.ENOSYS, errno.EINVAL, errno.EPERM):
                self.mode = "write"  # e.g. a sandbox that filters vmsplice: fall back for good
                return False
            raise OSError(err, os.strerror(err))
        return True

    def _address(self, buf: bytearray) -> int:
        # The ctypes view pins the bytearray (it cannot be resized while exported) for as long as
        # we keep the view, so the address stays valid.
        entry = self._views.get(id(buf))
        if entry is None or entry[0] is not buf:
            entry = (buf, (ctypes.c_char * len(buf)).from_buffer(buf))
            self._views[id(buf)] = entry
        return ctypes.addressof(entry[1])
