"""Trajectory files (``.nnviz``): a training run recorded once, rendered or replayed many times.

Format — one append-only file of fixed-size records::

    bytes 0-7     magic  b"NNVIZTRJ"
    bytes 8-11    format version, uint32 little-endian (2; version 1 files are still read)
    bytes 12-15   state, uint32: 0 while a writer has it open, 1 once it was closed cleanly
    bytes 16-23   length of the JSON header, uint64
    JSON header   architecture (layer sizes, activation, output activation, input features), classes
                  (the labels the outputs stand for, or null), the record layout, the data arrays'
                  dtype/shape/offset, metadata
    data arrays   X, y, X_test, y_test as raw little-endian bytes (offsets in the header): y as int64
                  class indices 0..k-1 for classifiers, float64 targets for regressors
    records       from ``records_offset`` (64-byte aligned): one float64 record per snapshot —
                  epoch, which metrics are present, loss, test_loss, accuracy, test_accuracy, r2,
                  test_r2, then every weight matrix (n_in, n_out, row-major) and bias vector, layer by layer

Version 1 (nnviz_gl before multiclass) has no features (x1, x2) or classes, a logistic output only,
and four metrics (no r2, test_r2) in its records.

Why this format rather than a library's: every requirement follows from fixed-size records with no
index to update. Appending a snapshot is one ``write`` of one record (nothing else in the file
changes), so memory stays flat and a reader sees either a whole record or a trailing partial one,
which it ignores — record *i* starts at ``records_offset + i * record_bytes`` and the number of complete
snapshots is ``(size - records_offset) // record_bytes``. A writer killed with SIGKILL therefore leaves
every snapshot it finished, with no recovery step; a reader follows a growing file by looking at its
size again (:meth:`TrajectoryReader.refresh`). The header, data and first record are written under a
temporary name and renamed into place, so a reader never sees a half-written header. Reading is
``json`` plus ``np.frombuffer``/``np.memmap`` of plain dtypes: no pickle, no eval. Scrubbing is a
memory-mapped index, so opening a 10,000-snapshot file and jumping anywhere costs microseconds.
HDF5 (h5py, SWMR) would do the same with a compiled dependency and a file that a killed writer can
leave needing repair; a zip or directory of ``.npy`` files costs a file (or a central directory
rewrite) per snapshot. The price of fixed records: one architecture per file, and ``Snapshot.extra``
is not recorded.

A file may come from anyone: :mod:`nnviz_gl.trajectory_header` checks every header field and size at
opening, before anything is allocated, and each record's epoch and metrics mask when it is read (or
all of them at once with :meth:`TrajectoryReader.check_records`);
:mod:`nnviz_gl.trajectory_writer` refuses to write what those checks would refuse.
"""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .snapshot import METRICS, Architecture, Snapshot
from .trajectory_format import (CLOSED, RECORD_DTYPE, STATE_OFFSET, SUFFIX, ArchitectureMismatchError,
                                TrajectoryError, describe, parameter_layout, record_is_sound, record_problem,
                                record_values)
from .trajectory_header import read_header
from .trajectory_writer import TrajectoryWriter

__all__ = ["TrajectoryWriter", "TrajectoryReader", "TrajectoryError", "ArchitectureMismatchError",
           "record_values", "METRICS", "SUFFIX"]


class TrajectoryReader:
    """Random access to a ``.nnviz`` file, also while its writer is still appending.

    ``len(reader)`` counts the complete snapshots seen at opening or at the last :meth:`refresh`;
    ``reader[i]`` builds the i-th :class:`Snapshot` (negative indices count from the end), with the
    file's output activation, features and classes. ``y`` and ``y_test`` are as stored: class indices
    0..k-1 (classifiers) or float64 targets (regressors); :attr:`data` gives the points as a
    :class:`~nnviz_gl.video.VideoRecorder` or window takes them.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._file = _open_regular_file(self.path)
        try:
            size = os.fstat(self._file.fileno()).st_size
            header = read_header(self._file, size, str(self.path))
            self.architecture: Architecture = header.architecture
            self.classes: tuple | None = header.classes
            self.version: int = header.version
            self._metrics = header.metrics  # the metrics a record holds (version 1: four)
            self.metadata: dict[str, Any] = header.metadata
            self.origin: dict[str, Any] | None = header.origin  # host, pid, options; None in older files
            self.X: np.ndarray = header.arrays["X"]
            self.y: np.ndarray = header.arrays["y"]
            self.X_test: np.ndarray | None = header.arrays.get("X_test")
            self.y_test: np.ndarray | None = header.arrays.get("y_test")
            self._record_values = header.record_values
            self._records_offset = header.records_offset
            self._layout = [(tuple(p["shape"]), p["offset"], int(np.prod(p["shape"])))
                            for p in parameter_layout(self.architecture, self.version)]
            self._records: np.ndarray | None = None
            self._count = 0
            self.refresh()
        except BaseException:
            self._file.close()
            raise

    # -- following a growing file ----------------------------------------------------------------
    def refresh(self) -> int:
        """Look at the file's size again and pick up snapshots appended since; returns ``len(self)``."""
        size = os.fstat(self._file.fileno()).st_size
        count = max(0, (size - self._records_offset) // (self._record_values * RECORD_DTYPE.itemsize))
        if count != self._count:
            mapped = np.memmap(self._file, dtype=RECORD_DTYPE, mode="r", offset=self._records_offset,
                               shape=(count, self._record_values)) if count else None
            # a plain ndarray view of the mapping (it keeps the mapping alive) indexes faster than a memmap
            self._records = None if mapped is None else mapped.view(np.ndarray)
            self._count = count
        return count

    def check_records(self) -> None:
        """Check every snapshot's epoch and metrics mask now, not when it is read: a TrajectoryError
        names the first damaged one. (Opening checks the header only: it stays instant for any file size,
        while this touches every record.)"""
        if self._records is not None:
            self._check_still_there(self._count)
            self._raise_for(record_problem(self._records[:, :2], 0, self.version))

    def _check_still_there(self, records: int) -> None:
        """Refuse to touch mapped records the file no longer holds: reading a mapping past the end of a
        file cut short since (by another program) kills the process with SIGBUS, not an exception."""
        needed = self._records_offset + records * self._record_values * RECORD_DTYPE.itemsize
        if os.fstat(self._file.fileno()).st_size < needed:
            raise TrajectoryError(f"{str(self.path)!r} was cut short while open: it no longer holds snapshot "
                                  f"{records - 1}")

    def _raise_for(self, problem: str | None) -> None:
        if problem:
            raise TrajectoryError(f"{str(self.path)!r}: {problem}")

    @property
    def finished(self) -> bool:
        """True once the writer closed the file cleanly; a killed or still-running writer leaves it False."""
        return struct.unpack("<I", os.pread(self._file.fileno(), 4, STATE_OFFSET))[0] == CLOSED

    # -- snapshots -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> Snapshot:
        i = int(index)
        if i < 0:
            i += self._count
        if not 0 <= i < self._count:
            raise IndexError(f"snapshot {index} out of range: {str(self.path)!r} holds {self._count} "
                             "(call refresh() to see snapshots appended since opening)")
        self._check_still_there(i + 1)
        record = self._records[i]
        epoch, present = float(record[0]), float(record[1])
        if not record_is_sound(epoch, present, self.version):
            self._raise_for(record_problem(self._records[i: i + 1, :2], i, self.version))
        present = int(present)
        metrics = {name: (float(record[2 + bit]) if present >> bit & 1 else None)
                   for bit, name in enumerate(self._metrics)}
        params = [record[offset: offset + size].reshape(shape) for shape, offset, size in self._layout]
        arch = self.architecture
        return Snapshot(weights=params[0::2], biases=params[1::2], activation=arch.activation, epoch=int(epoch),
                        output_activation=arch.output_activation, features=arch.features, classes=self.classes,
                        **metrics)

    def __iter__(self) -> Iterator[Snapshot]:
        for i in range(self._count):
            yield self[i]

    @property
    def epochs(self) -> np.ndarray:
        """The epoch of every snapshot (for a timeline), without building the snapshots."""
        if self._records is None:
            return np.zeros(0, np.int64)
        self.check_records()  # it reads every record anyway
        return self._records[:, 0].astype(np.int64)

    def metric(self, name: str) -> np.ndarray:
        """One metric for every snapshot as float64, NaN where it was not recorded (a version 1 file
        has no r2 or test_r2)."""
        if name not in METRICS:
            raise ValueError(f"unknown metric {name!r}; recorded metrics: {', '.join(METRICS)}")
        if self._records is None:
            return np.zeros(0)
        self.check_records()
        if name not in self._metrics:
            return np.full(self._count, np.nan)
        bit = self._metrics.index(name)
        present = self._records[:, 1].astype(np.int64) >> bit & 1
        return np.where(present == 1, self._records[:, 2 + bit], np.nan)

    @property
    def data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        """``(X, y, X_test, y_test)`` for a VideoRecorder or window: a classifier's labels as its classes'
        own labels when the file names them (a bare index such as 1 could read as the label 1 of classes
        (1, 2, 3)), else as stored."""
        if self.classes is None:
            return self.X, self.y, self.X_test, self.y_test
        labels = np.asarray(self.classes)  # one kind: all strings or all numbers (the format's rule)
        return self.X, labels[self.y], self.X_test, None if self.y_test is None else labels[self.y_test]

    def close(self) -> None:
        self._records = None
        self._file.close()

    def __enter__(self) -> "TrajectoryReader":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.close()
        return False

    def __repr__(self) -> str:
        return (f"TrajectoryReader({str(self.path)!r}: {self._count} snapshots of a "
                f"{describe(self.architecture)} network, {len(self.X)} training points)")


def _open_regular_file(path: Path):
    """Open a trajectory for reading, refusing at once what is not a regular file: a FIFO would block
    the open (and every read) until some writer came, a directory or device is no trajectory."""
    name = str(path)
    try:
        kind = os.stat(path).st_mode
        if stat.S_ISREG(kind):
            # O_NONBLOCK: should a FIFO replace the file between the stat and the open, the open still returns
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
            kind = os.fstat(fd).st_mode
            if stat.S_ISREG(kind):
                os.set_blocking(fd, True)
                return os.fdopen(fd, "rb")
            os.close(fd)
    except FileNotFoundError:
        raise FileNotFoundError(f"no trajectory file at {name!r}") from None
    except OSError as exc:
        raise TrajectoryError(f"cannot read the trajectory {name!r}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(kind):
        raise TrajectoryError(f"{name!r} is a directory; give a recorded run such as run{SUFFIX}")
    what = "a FIFO (named pipe)" if stat.S_ISFIFO(kind) else "a socket" if stat.S_ISSOCK(kind) else "a device"
    raise TrajectoryError(f"{name!r} is {what}, not a regular file: a trajectory is read from a file on disk")
