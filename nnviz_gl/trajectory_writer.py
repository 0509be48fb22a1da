"""Writing ``.nnviz`` trajectories (the format is described in :mod:`nnviz_gl.trajectory`)."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import struct
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .snapshot import Architecture, Snapshot
from .trajectory_header import origin_problem
from .trajectory_format import (ALIGN, CLOSED, FORMAT_NAME, MAGIC, MAX_EPOCH, MAX_HEADER_BYTES, METRICS_OF,
                                PREAMBLE, RECORD_DTYPE, STATE_OFFSET, SUFFIX, VERSION, WRITING,
                                ArchitectureMismatchError, TrajectoryError, architecture_problem, checked_points,
                                classes_problem, describe, fields, metadata_json, parameter_layout, record_values,
                                stored_labels)


def check_trajectory_path(path: str | os.PathLike[str]) -> Path:
    """Refuse, before any work starts, a trajectory path that could not be written (one line naming it)."""
    p = Path(path)
    folder = p.parent
    problem = None
    if p.is_dir():
        problem = "it is a folder"
    elif not folder.is_dir():
        problem = f"folder {str(folder)!r} does not exist" if not folder.exists() else f"{str(folder)!r} is not a folder"
    else:
        try:  # a trial file: read-only mounts and permissions are both caught, as for the video
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".nnviz-write-test-"):
                pass
        except OSError as exc:
            problem = f"folder {str(folder)!r} is not writable ({exc.strerror})"
    if problem:
        raise TrajectoryError(f"cannot write the trajectory {str(p)!r}: {problem}")
    return p


def training_origin(config: Any = None, pid: int | None = None) -> dict[str, Any]:
    """Where and with what a run trains, for :class:`TrajectoryWriter`'s ``origin``: this host's name, the
    training process's id (default this process's), and the run's training options (a TrainingConfig's
    fields, or a dict), as plain JSON (tuples as lists)."""
    options = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config or {})
    return {"host": socket.gethostname(), "pid": os.getpid() if pid is None else int(pid),
            "options": {key: list(value) if isinstance(value, tuple) else value for key, value in options.items()}}


def _aligned(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


class TrajectoryWriter:
    """Append every published snapshot of a run to a ``.nnviz`` file, as training goes.

    The file appears at the first :meth:`publish` (header, data and first snapshot, renamed into place);
    each later snapshot is one appended record, so memory stays flat and a reader can follow the file.
    Closing without any snapshot leaves no file. All snapshots must share one architecture (features and
    classes included). Labels come as the model knows them (class indices, its ``classes``' labels, or a
    regressor's targets); the first snapshot says which, and they are stored as class indices or float64
    targets. ``origin`` (see :func:`training_origin`) records where and with which options the run trained. Data, metadata or snapshots a reader would refuse are refused here, and a failed write (a full
    disk) is a :class:`TrajectoryError` naming the file; the snapshots written before it stay readable.
    """

    def __init__(self, path: str | os.PathLike[str], X: np.ndarray, y: np.ndarray,
                 X_test: np.ndarray | None = None, y_test: np.ndarray | None = None, *,
                 metadata: dict[str, Any] | None = None, origin: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise TrajectoryError(f"{str(self.path)!r} is a directory; give a file name such as run{SUFFIX}")
        self._arrays = checked_points(X, y, X_test, y_test)  # labels are matched to the model at the first snapshot
        self._metadata_json = metadata_json(metadata)
        self.metadata = json.loads(self._metadata_json)
        problem = origin_problem(origin) if origin is not None else None
        if problem:
            raise TrajectoryError(f"origin {problem}")
        self.origin = None if origin is None else json.loads(metadata_json(origin))
        # The temporary file is made now, so a bad directory fails before any training.
        self._tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self._fd: int | None = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        except OSError as exc:
            raise self._write_error(exc) from None
        self.architecture: Architecture | None = None
        self.classes: tuple | None = None
        self._record: np.ndarray | None = None
        self._layout: list[dict[str, Any]] = []
        self._records_offset = 0
        self._head: bytes | None = None
        self._failed: TrajectoryError | None = None
        self.snapshots_written = 0

    # -- writing ---------------------------------------------------------------------------------
    def publish(self, snapshot: Snapshot) -> None:
        """Append one snapshot: a single write of one fixed-size record."""
        if self._failed is not None:
            raise TrajectoryError(f"{self._failed} (an earlier write failed: nothing more is recorded)")
        if self._fd is None:
            raise RuntimeError(f"publish after the trajectory {str(self.path)!r} was closed")
        arch = snapshot.architecture
        if self.architecture is None:
            problem = architecture_problem(arch) or classes_problem(snapshot.classes, arch)
            if problem:
                raise TrajectoryError(f"cannot record to {str(self.path)!r}: {problem}")
            self._start(arch, snapshot.classes)
        elif arch != self.architecture or snapshot.classes != self.classes:
            what, recorded = ((describe(arch), describe(self.architecture)) if arch != self.architecture else
                              (f"classes {_listed(snapshot.classes)}", f"classes {_listed(self.classes)}"))
            raise ArchitectureMismatchError(
                f"snapshot of epoch {snapshot.epoch} has {what}, but {str(self.path)!r} records {recorded}; "
                f"one file holds one architecture: start a new file"
            )
        self._fill(snapshot)
        try:
            _write_all(self._fd, memoryview(self._head + self._record.tobytes()) if self._head is not None
                       else memoryview(self._record).cast("B"))
            if self.snapshots_written == 0:
                os.replace(self._tmp, self.path)  # header, data and first record appear at once
        except OSError as exc:
            self._abandon()
            self._failed = self._write_error(exc)
            raise self._write_error(exc) from None
        self._head = None
        self.snapshots_written += 1

    def close(self) -> None:
        """Mark the file as complete. Without any snapshot, no file is left behind."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if self.snapshots_written:
                os.pwrite(fd, struct.pack("<I", CLOSED), STATE_OFFSET)
        except OSError as exc:
            raise self._write_error(exc) from None
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
    def _write_error(self, exc: OSError) -> TrajectoryError:
        return TrajectoryError(f"cannot write the trajectory {str(self.path)!r}: {exc.strerror or exc}")

    def _abandon(self) -> None:
        """After a failed write: keep the complete snapshots (cut a half record, which also frees the
        space a full disk needs back), leave the file marked unfinished, and write no more."""
        fd, self._fd = self._fd, None
        try:
            if self.snapshots_written:
                os.ftruncate(fd, self._records_offset + self.snapshots_written * self._record.nbytes)
        except OSError:
            pass  # a reader ignores a trailing partial record anyway
        finally:
            os.close(fd)
            if not self.snapshots_written:
                self._tmp.unlink(missing_ok=True)

    def _start(self, arch: Architecture, classes: tuple | None) -> None:
        try:  # the labels' meaning comes with the model: labels that do not fit it are refused here
            arrays = stored_labels(self._arrays, arch, classes)
        except TrajectoryError as exc:
            raise TrajectoryError(f"cannot record to {str(self.path)!r}: {exc}") from None
        self._layout = parameter_layout(arch)
        n_values = record_values(arch)
        arrays_meta, blobs, offset = {}, [], 0
        for name, array in arrays.items():
            arrays_meta[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
            blobs.append(array.tobytes())
            offset += _aligned(array.nbytes)
        header = {
            "format": FORMAT_NAME,
            "version": VERSION,
            "architecture": {"layer_sizes": list(arch.layer_sizes), "activation": arch.activation,
                             "output_activation": arch.output_activation, "features": list(arch.features)},
            "classes": None if classes is None else list(classes),
            "record": {"dtype": RECORD_DTYPE.str, "values": n_values, "bytes": n_values * RECORD_DTYPE.itemsize,
                       "fields": list(fields()), "parameters": self._layout},
            "arrays": arrays_meta,
            "metadata": json.loads(self._metadata_json),
        }
        if self.origin is not None:  # optional: files without it (and readers before it) are as before
            header["origin"] = self.origin
        # Offsets depend on the header's length, which depends on the offsets: fix the point by iterating.
        data_offset = 0
        while True:
            header["data_offset"] = data_offset
            header["records_offset"] = _aligned(data_offset + offset)
            text = json.dumps(header, separators=(",", ":")).encode()
            needed = _aligned(PREAMBLE.size + len(text))
            if needed == data_offset:
                break
            data_offset = needed
        if len(text) > MAX_HEADER_BYTES:
            raise TrajectoryError(f"cannot record to {str(self.path)!r}: its header would be {len(text):,} "
                                  f"bytes, over the {MAX_HEADER_BYTES:,} a reader accepts")
        head = bytearray(header["records_offset"])
        head[: PREAMBLE.size] = PREAMBLE.pack(MAGIC, VERSION, WRITING, len(text))
        head[PREAMBLE.size: PREAMBLE.size + len(text)] = text
        for (name, meta), blob in zip(arrays_meta.items(), blobs):
            start = data_offset + meta["offset"]
            head[start: start + len(blob)] = blob
        # the head goes out with the first record, in one write: nothing is half-made if that fails
        self._head = bytes(head)
        self._records_offset = header["records_offset"]
        self._record = np.zeros(n_values, RECORD_DTYPE)
        self.architecture, self.classes = arch, classes

    def _fill(self, snapshot: Snapshot) -> None:
        if not -MAX_EPOCH <= snapshot.epoch <= MAX_EPOCH:
            raise TrajectoryError(f"cannot record epoch {snapshot.epoch} to {str(self.path)!r}: epochs are "
                                  f"stored exactly up to 2**53")
        values = [snapshot.epoch, 0.0]
        present = 0
        for bit, name in enumerate(METRICS_OF[VERSION]):
            value = getattr(snapshot, name)
            try:
                values.append(0.0 if value is None else float(value))
            except (TypeError, ValueError, OverflowError):
                raise TrajectoryError(f"cannot record {name}={value!r} of epoch {snapshot.epoch} to "
                                      f"{str(self.path)!r}: not a float64 number") from None
            present |= (value is not None) << bit
        values[1] = present
        record = self._record
        record[: len(values)] = values
        params = [a for pair in zip(snapshot.weights, snapshot.biases) for a in pair]
        for entry, array in zip(self._layout, params):
            record[entry["offset"]: entry["offset"] + array.size] = array.reshape(-1)


def _listed(classes: tuple | None) -> str:
    return "0..k-1 (none given)" if classes is None else json.dumps(list(classes))


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        data = data[os.write(fd, data):]
