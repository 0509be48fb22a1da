"""Trajectory files (``.nnviz``): a training run recorded once, rendered or replayed many times.

Format — one append-only file of fixed-size records::

    bytes 0-7     magic  b"NNVIZTRJ"
    bytes 8-11    format version, uint32 little-endian (1)
    bytes 12-15   state, uint32: 0 while a writer has it open, 1 once it was closed cleanly
    bytes 16-23   length of the JSON header, uint64
    JSON header   architecture, the record layout, the data arrays' dtype/shape/offset, metadata
    data arrays   X, y, X_test, y_test as raw little-endian bytes (offsets in the header)
    records       from ``records_offset`` (64-byte aligned): one float64 record per snapshot —
                  epoch, which metrics are present, loss, test_loss, accuracy, test_accuracy,
                  then every weight matrix (n_in, n_out, row-major) and bias vector, layer by layer

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
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .snapshot import Architecture, Snapshot

MAGIC = b"NNVIZTRJ"
VERSION = 1
SUFFIX = ".nnviz"
_PREAMBLE = struct.Struct("<8sIIQ")  # magic, version, state, header length
_STATE_OFFSET = 12
_WRITING, _CLOSED = 0, 1
_ALIGN = 64
METRICS = ("loss", "test_loss", "accuracy", "test_accuracy")
_FIELDS = ("epoch", "present") + METRICS  # the record's leading scalars, then the parameters
_ARRAYS = ("X", "y", "X_test", "y_test")
_RECORD_DTYPE = np.dtype("<f8")


class TrajectoryError(ValueError):
    """A file that is not a readable nnviz trajectory, or a snapshot that does not fit the file."""


class ArchitectureMismatchError(TrajectoryError):
    """A snapshot whose architecture differs from the one the file records (one architecture per file)."""


def _parameter_layout(arch: Architecture) -> list[dict[str, Any]]:
    """Where each weight matrix and bias vector sits inside a record (offsets in float64 values)."""
    layout, offset = [], len(_FIELDS)
    for i, (n_in, n_out) in enumerate(zip(arch.layer_sizes[:-1], arch.layer_sizes[1:])):
        layout.append({"name": f"weights[{i}]", "shape": [n_in, n_out], "offset": offset})
        offset += n_in * n_out
        layout.append({"name": f"biases[{i}]", "shape": [n_out], "offset": offset})
        offset += n_out
    return layout


def record_values(arch: Architecture) -> int:
    """float64 values per snapshot record for this architecture."""
    n_params = sum(a * b + b for a, b in zip(arch.layer_sizes[:-1], arch.layer_sizes[1:]))
    return len(_FIELDS) + n_params


def _describe(arch: Architecture) -> str:
    return "-".join(str(n) for n in arch.layer_sizes) + f" {arch.activation}/{arch.output_activation}"


def _plain_array(name: str, a: Any, ndim: int) -> np.ndarray:
    array = np.asarray(a)
    if array.dtype.kind not in "biuf":
        raise TrajectoryError(f"{name} must hold numbers (bool, int or float), got dtype {array.dtype}")
    if array.dtype.kind == "f":
        array = array.astype("<f8")
    else:
        array = array.astype("<i8")
    if ndim == 2:
        array = array.reshape(-1, 2)
    else:
        array = array.reshape(-1)
    return np.ascontiguousarray(array)


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


class TrajectoryWriter:
    """Append every published snapshot of a run to a ``.nnviz`` file, as training goes.

    The file appears at the first :meth:`publish` (header, data and first snapshot, renamed into place);
    each later snapshot is one appended record, so memory stays flat and a reader can follow the file.
    Closing without any snapshot leaves no file. All snapshots must share one architecture.
    """

    def __init__(self, path: str | os.PathLike[str], X: np.ndarray, y: np.ndarray,
                 X_test: np.ndarray | None = None, y_test: np.ndarray | None = None, *,
                 metadata: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise TrajectoryError(f"{str(self.path)!r} is a directory; give a file name such as run{SUFFIX}")
        if (X_test is None) != (y_test is None):
            raise TrajectoryError("give both X_test and y_test, or neither")
        arrays = {"X": _plain_array("X", X, 2), "y": _plain_array("y", y, 1)}
        if X_test is not None:
            arrays["X_test"] = _plain_array("X_test", X_test, 2)
            arrays["y_test"] = _plain_array("y_test", y_test, 1)
        for features, labels in (("X", "y"), ("X_test", "y_test")):
            if features in arrays and len(arrays[features]) != len(arrays[labels]):
                raise TrajectoryError(f"{features} has {len(arrays[features])} points but {labels} has "
                                      f"{len(arrays[labels])} labels")
        self._arrays = arrays
        try:
            self._metadata_json = json.dumps(metadata or {}, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise TrajectoryError(f"metadata must be plain JSON (dicts, lists, str, finite numbers): {exc}") from None
        self.metadata = json.loads(self._metadata_json)
        # The temporary file is made now, so a bad directory fails before any training.
        self._tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self._fd: int | None = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        except OSError as exc:
            raise TrajectoryError(f"cannot write the trajectory {str(self.path)!r}: {exc.strerror}") from None
        self.architecture: Architecture | None = None
        self._record: np.ndarray | None = None
        self._layout: list[dict[str, Any]] = []
        self.snapshots_written = 0

    # -- writing ---------------------------------------------------------------------------------
    def publish(self, snapshot: Snapshot) -> None:
        """Append one snapshot: a single write of one fixed-size record."""
        if self._fd is None:
            raise RuntimeError(f"publish after the trajectory {str(self.path)!r} was closed")
        arch = snapshot.architecture
        if self.architecture is None:
            self._start(arch)
        elif arch != self.architecture:
            raise ArchitectureMismatchError(
                f"snapshot of epoch {snapshot.epoch} is a {_describe(arch)} network, but {str(self.path)!r} "
                f"records {_describe(self.architecture)}; one file holds one architecture: start a new file"
            )
        self._fill(snapshot)
        _write_all(self._fd, memoryview(self._record).cast("B"))
        if self.snapshots_written == 0:
            os.replace(self._tmp, self.path)  # header, data and first record appear at once
        self.snapshots_written += 1

    def close(self) -> None:
        """Mark the file as complete. Without any snapshot, no file is left behind."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if self.snapshots_written:
                os.pwrite(fd, struct.pack("<I", _CLOSED), _STATE_OFFSET)
        finally:
            os.close(fd)
            if not self.snapshots_written:
                self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> "TrajectoryWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.close()
        return False

    # -- internals -------------------------------------------------------------------------------
    def _start(self, arch: Architecture) -> None:
        self.architecture = arch
        self._layout = _parameter_layout(arch)
        n_values = record_values(arch)
        self._record = np.zeros(n_values, _RECORD_DTYPE)
        arrays_meta, blobs, offset = {}, [], 0
        for name, array in self._arrays.items():
            arrays_meta[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
            blobs.append(array.tobytes())
            offset += _aligned(array.nbytes)
        header = {
            "format": "nnviz-trajectory",
            "version": VERSION,
            "architecture": {"layer_sizes": list(arch.layer_sizes), "activation": arch.activation,
                             "output_activation": arch.output_activation},
            "record": {"dtype": _RECORD_DTYPE.str, "values": n_values, "bytes": n_values * _RECORD_DTYPE.itemsize,
                       "fields": list(_FIELDS), "parameters": self._layout},
            "arrays": arrays_meta,
            "metadata": json.loads(self._metadata_json),
        }
        # Offsets depend on the header's length, which depends on the offsets: fix the point by iterating.
        data_offset = 0
        while True:
            header["data_offset"] = data_offset
            header["records_offset"] = _aligned(data_offset + offset)
            text = json.dumps(header, separators=(",", ":")).encode()
            needed = _aligned(_PREAMBLE.size + len(text))
            if needed == data_offset:
                break
            data_offset = needed
        head = bytearray(header["records_offset"])
        head[: _PREAMBLE.size] = _PREAMBLE.pack(MAGIC, VERSION, _WRITING, len(text))
        head[_PREAMBLE.size: _PREAMBLE.size + len(text)] = text
        for (name, meta), blob in zip(arrays_meta.items(), blobs):
            start = data_offset + meta["offset"]
            head[start: start + len(blob)] = blob
        _write_all(self._fd, memoryview(head))

    def _fill(self, snapshot: Snapshot) -> None:
        record = self._record
        record[0] = snapshot.epoch
        present = 0
        for bit, name in enumerate(METRICS):
            value = getattr(snapshot, name)
            if value is not None:
                present |= 1 << bit
            record[2 + bit] = 0.0 if value is None else float(value)
        record[1] = present
        params = [a for pair in zip(snapshot.weights, snapshot.biases) for a in pair]
        for entry, array in zip(self._layout, params):
            record[entry["offset"]: entry["offset"] + array.size] = array.reshape(-1)


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        data = data[os.write(fd, data):]


class TrajectoryReader:
    """Random access to a ``.nnviz`` file, also while its writer is still appending.

    ``len(reader)`` counts the complete snapshots seen at opening or at the last :meth:`refresh`;
    ``reader[i]`` builds the i-th :class:`Snapshot` (negative indices count from the end).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self._file = open(self.path, "rb")
        except FileNotFoundError:
            raise FileNotFoundError(f"no trajectory file at {str(self.path)!r}") from None
        try:
            self._read_header()
        except BaseException:
            self._file.close()
            raise
        self._records: np.ndarray | None = None
        self._count = 0
        self.refresh()

    # -- header ----------------------------------------------------------------------------------
    def _read_header(self) -> None:
        name = str(self.path)
        preamble = self._file.read(_PREAMBLE.size)
        if len(preamble) < _PREAMBLE.size or preamble[:8] != MAGIC:
            raise TrajectoryError(f"{name!r} is not an nnviz trajectory (it does not start with {MAGIC!r})")
        _, version, _, header_len = _PREAMBLE.unpack(preamble)
        if version != VERSION:
            raise TrajectoryError(f"{name!r} is trajectory format version {version}; this nnviz_gl reads "
                                  f"version {VERSION}")
        try:
            header = json.loads(self._file.read(header_len).decode())
            arch = header["architecture"]
            self.architecture = Architecture(tuple(int(n) for n in arch["layer_sizes"]), str(arch["activation"]),
                                             str(arch["output_activation"]))
            record = header["record"]
            self._record_values = int(record["values"])
            self._layout = [(tuple(int(s) for s in p["shape"]), int(p["offset"]), int(np.prod(p["shape"])))
                            for p in record["parameters"]]
            self._records_offset = int(header["records_offset"])
            self.metadata: dict[str, Any] = header["metadata"]
            arrays = {name: self._read_array(name, header["arrays"][name], int(header["data_offset"]))
                      for name in _ARRAYS if name in header["arrays"]}
        except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
            raise TrajectoryError(f"{name!r} has a damaged header ({type(exc).__name__}: {exc})") from None
        if record["dtype"] != _RECORD_DTYPE.str or self._record_values != record_values(self.architecture):
            raise TrajectoryError(f"{name!r}: its record layout does not match its architecture")
        self.X: np.ndarray = arrays["X"]
        self.y: np.ndarray = arrays["y"]
        self.X_test: np.ndarray | None = arrays.get("X_test")
        self.y_test: np.ndarray | None = arrays.get("y_test")

    def _read_array(self, name: str, meta: dict[str, Any], data_offset: int) -> np.ndarray:
        dtype = np.dtype(meta["dtype"])
        if dtype.str not in ("<f8", "<i8"):
            raise ValueError(f"array {name} has dtype {dtype.str}; trajectories hold <f8 or <i8 arrays")
        shape = tuple(int(s) for s in meta["shape"])
        count = int(np.prod(shape))
        self._file.seek(data_offset + int(meta["offset"]))
        data = self._file.read(count * dtype.itemsize)
        if len(data) != count * dtype.itemsize:
            raise ValueError(f"array {name} is cut short")
        array = np.frombuffer(data, dtype).reshape(shape)
        array.setflags(write=False)
        return array

    # -- following a growing file ----------------------------------------------------------------
    def refresh(self) -> int:
        """Look at the file's size again and pick up snapshots appended since; returns ``len(self)``."""
        size = os.fstat(self._file.fileno()).st_size
        count = max(0, (size - self._records_offset) // (self._record_values * _RECORD_DTYPE.itemsize))
        if count != self._count:
            mapped = np.memmap(self._file, dtype=_RECORD_DTYPE, mode="r", offset=self._records_offset,
                               shape=(count, self._record_values)) if count else None
            # a plain ndarray view of the mapping (it keeps the mapping alive) indexes faster than a memmap
            self._records = None if mapped is None else mapped.view(np.ndarray)
            self._count = count
        return count

    @property
    def finished(self) -> bool:
        """True once the writer closed the file cleanly; a killed or still-running writer leaves it False."""
        return struct.unpack("<I", os.pread(self._file.fileno(), 4, _STATE_OFFSET))[0] == _CLOSED

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
        record = self._records[i]
        present = int(record[1])
        metrics = {name: (float(record[2 + bit]) if present >> bit & 1 else None)
                   for bit, name in enumerate(METRICS)}
        params = [record[offset: offset + size].reshape(shape) for shape, offset, size in self._layout]
        return Snapshot(weights=params[0::2], biases=params[1::2], activation=self.architecture.activation,
                        epoch=int(record[0]), output_activation=self.architecture.output_activation, **metrics)

    def __iter__(self) -> Iterator[Snapshot]:
        for i in range(self._count):
            yield self[i]

    @property
    def epochs(self) -> np.ndarray:
        """The epoch of every snapshot (for a timeline), without building the snapshots."""
        if self._records is None:
            return np.zeros(0, np.int64)
        return self._records[:, 0].astype(np.int64)

    def metric(self, name: str) -> np.ndarray:
        """One metric for every snapshot as float64, NaN where it was not recorded."""
        if name not in METRICS:
            raise ValueError(f"unknown metric {name!r}; recorded metrics: {', '.join(METRICS)}")
        if self._records is None:
            return np.zeros(0)
        bit = METRICS.index(name)
        present = self._records[:, 1].astype(np.int64) >> bit & 1
        return np.where(present == 1, self._records[:, 2 + bit], np.nan)

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
                f"{_describe(self.architecture)} network, {len(self.X)} training points)")
