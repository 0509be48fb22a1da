"""The ``.nnviz`` layout (see :mod:`nnviz_gl.trajectory`) and the checks both its writer and its reader run.

A trajectory may come from anyone, so the reader trusts nothing in it (:mod:`nnviz_gl.trajectory_header`
checks every header field and size at opening); the writer runs the same checks on what it is given, so
it never writes a file that a reader would refuse.

Version 2 records any problem kind: the architecture's output activation (logistic, softmax, identity)
and input features, the classes the outputs stand for, labels as class indices (classifiers) or float
targets (regressors), and six metrics. Version 1 (binary classifiers, four metrics) is still read.
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import numpy as np

from .points import DataError, check_points, class_indices, target_values
from .snapshot import METRICS, Architecture

MAGIC = b"NNVIZTRJ"
VERSION = 2  # what the writer writes
READABLE_VERSIONS = (1, 2)
METRICS_OF = {1: METRICS[:4], 2: METRICS}  # each version's recorded metrics, in record order
SUFFIX = ".nnviz"
FORMAT_NAME = "nnviz-trajectory"
PREAMBLE = struct.Struct("<8sIIQ")  # magic, version, state, header length
STATE_OFFSET = 12
WRITING, CLOSED = 0, 1
ALIGN = 64
ARRAYS = ("X", "y", "X_test", "y_test")
RECORD_DTYPE = np.dtype("<f8")
LABEL_DTYPES = {"regression": "<f8"}  # how y and y_test are stored: int64 class indices unless named here
# Limits a real run never reaches; they keep a hostile header from costing memory or time.
MAX_HEADER_BYTES = 2 << 20  # parsing JSON costs some 30 times its size: this bounds it
MAX_METADATA_BYTES = 1 << 20
MAX_LAYERS = 256
MAX_NESTING = 64  # JSON depth: far below Python's recursion limit, so parsing never hits it
MAX_LAYER_WIDTH = 1 << 20
MAX_EPOCH = 2 ** 53  # epochs are stored as float64: whole numbers are exact up to here
MAX_CLASS_NUMBER = 2 ** 53  # numeric class labels: whole numbers JSON and float64 both keep exactly


class TrajectoryError(ValueError):
    """A file that is not a readable nnviz trajectory, or a snapshot that does not fit the file."""


class ArchitectureMismatchError(TrajectoryError):
    """A snapshot whose architecture (or classes) differs from the file's (one architecture per file)."""


def fields(version: int = VERSION) -> tuple[str, ...]:
    """A record's leading scalars in this version: epoch, the metrics mask, the metrics."""
    return ("epoch", "present") + METRICS_OF[version]


def all_present(version: int = VERSION) -> int:
    """The metrics mask with every metric of this version present."""
    return (1 << len(METRICS_OF[version])) - 1


def label_dtype(arch: Architecture) -> np.dtype:
    """How this architecture's labels are stored: float64 targets (regression), int64 class indices."""
    return np.dtype(LABEL_DTYPES.get(arch.kind, "<i8"))


def parameter_layout(arch: Architecture, version: int = VERSION) -> list[dict[str, Any]]:
    """Where each weight matrix and bias vector sits inside a record (offsets in float64 values)."""
    layout, offset = [], len(fields(version))
    for i, (n_in, n_out) in enumerate(zip(arch.layer_sizes[:-1], arch.layer_sizes[1:])):
        layout.append({"name": f"weights[{i}]", "shape": [n_in, n_out], "offset": offset})
        offset += n_in * n_out
        layout.append({"name": f"biases[{i}]", "shape": [n_out], "offset": offset})
        offset += n_out
    return layout


def record_values(arch: Architecture, version: int = VERSION) -> int:
    """float64 values per snapshot record for this architecture."""
    n_params = sum(a * b + b for a, b in zip(arch.layer_sizes[:-1], arch.layer_sizes[1:]))
    return len(fields(version)) + n_params


def describe(arch: Architecture) -> str:
    text = "-".join(str(n) for n in arch.layer_sizes) + f" {arch.activation}/{arch.output_activation}"
    return text if arch.features == ("x1", "x2") else f"{text} on {','.join(arch.features)}"


def architecture_problem(arch: Architecture) -> str | None:
    """Why a file could not hold this network (limits that keep a reader's memory and time bounded)."""
    sizes = arch.layer_sizes
    if not 2 <= len(sizes) <= MAX_LAYERS:
        return f"a network has 2 to {MAX_LAYERS} layers (input and output included), this one {len(sizes)}"
    if any(n > MAX_LAYER_WIDTH for n in sizes):
        return f"layer sizes {list(sizes)} exceed {MAX_LAYER_WIDTH:,} neurons in a layer"
    return None


def classes_problem(classes: Any, arch: Architecture) -> str | None:
    """Why ``classes`` (None or a list, as in the header) cannot be the labels of this network's outputs."""
    if classes is None:
        return None
    if arch.kind == "regression":
        return "a regressor's output has no classes (classes must be null)"
    if not isinstance(classes, (list, tuple)):
        return f"classes must be a list of {arch.n_classes} labels or null"
    if len(classes) != arch.n_classes:
        return f"{len(classes)} classes for an output of {arch.n_classes} classes"
    texts = sum(isinstance(c, str) for c in classes)
    for c in classes:
        if isinstance(c, str) or (isinstance(c, int) and abs(c) <= MAX_CLASS_NUMBER):
            continue
        if type(c) is not float or not math.isfinite(c):
            return f"classes must be strings or finite numbers (whole ones up to 2**53), got {_short(c)}"
    if 0 < texts < len(classes):
        return "classes must be all strings or all numbers, not a mix"
    keys = [c if isinstance(c, str) else float(c) for c in classes]
    if len(set(keys)) != len(keys):
        repeated = next(c for c, k in zip(classes, keys) if keys.count(k) > 1)
        return f"class {_short(repeated)} is given twice; each output is one class"
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def checked_points(X: Any, y: Any, X_test: Any, y_test: Any) -> dict[str, np.ndarray]:
    """The data arrays (X, X_test float64 (n, 2); y, y_test as :func:`~nnviz_gl.points.check_points`
    gives them: labels as the user has them), or a TrajectoryError."""
    if (X_test is None) != (y_test is None):
        raise TrajectoryError("give both X_test and y_test, or neither")
    try:
        arrays = dict(zip(("X", "y"), check_points(X, y, name="X")))
        if X_test is not None:
            arrays.update(zip(("X_test", "y_test"), check_points(X_test, y_test, name="X_test", required=False)))
    except DataError as exc:
        raise TrajectoryError(str(exc)) from None
    return arrays


def stored_labels(arrays: dict[str, np.ndarray], arch: Architecture, classes: tuple | None
                  ) -> dict[str, np.ndarray]:
    """The arrays as a file stores them: labels as class indices 0..k-1 through ``classes`` (classifiers)
    or float64 targets (regressors), little-endian; a TrajectoryError when a label does not fit."""
    stored = dict(arrays)
    try:
        for name, points in (("y", "X"), ("y_test", "X_test")):
            if name in arrays:
                stored[name] = (target_values(arrays[name], name=points) if arch.kind == "regression" else
                                class_indices(arrays[name], classes, arch.n_classes, name=points))
    except DataError as exc:
        raise TrajectoryError(str(exc)) from None
    dtypes = {"X": "<f8", "X_test": "<f8", "y": label_dtype(arch), "y_test": label_dtype(arch)}
    return {name: np.ascontiguousarray(a, dtypes[name]) for name, a in stored.items()}


def metadata_json(metadata: Any) -> str:
    """``metadata`` as the JSON text a reader accepts back, or a TrajectoryError saying why not."""
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise TrajectoryError(f"metadata must be a dict, got {type(metadata).__name__}")
    try:
        text = json.dumps(metadata, allow_nan=False)
        nesting_problem = too_deep(metadata, 2)  # in the header, metadata sits one level down
    except (TypeError, ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise TrajectoryError(f"metadata must be plain JSON (dicts, lists, str, finite numbers): {reason}") from None
    if nesting_problem:
        raise TrajectoryError(f"metadata must be plain JSON (dicts, lists, str, finite numbers): {nesting_problem}")
    if len(text) > MAX_METADATA_BYTES:
        raise TrajectoryError(f"metadata is {len(text):,} bytes of JSON; at most {MAX_METADATA_BYTES:,}")
    return text


def too_deep(value: Any, depth: int) -> str | None:
    """Whether JSON is nested deeper than MAX_NESTING, found without recursing (a deep value cannot
    overflow the stack)."""
    stack = [(value, depth)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_NESTING:
                return f"nested more than {MAX_NESTING} levels deep"
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return None


def record_is_sound(epoch: float, present: float, version: int = VERSION) -> bool:
    """Whether one record's leading scalars can become a Snapshot's epoch and metrics (the fast path)."""
    return (math.isfinite(epoch) and epoch.is_integer() and abs(epoch) <= MAX_EPOCH
            and present.is_integer() and 0 <= present <= all_present(version))


def record_problem(records: np.ndarray, first: int, version: int = VERSION) -> str | None:
    """Why the records (their epoch and mask columns; rows ``first``, ``first + 1``, ... of a file)
    could not become snapshots, if so."""
    epochs, present = records[:, 0], records[:, 1]
    highest = all_present(version)
    bad_epoch = ~(np.isfinite(epochs) & (np.floor(epochs) == epochs) & (np.abs(epochs) <= MAX_EPOCH))
    bad_present = ~np.isin(present, np.arange(highest + 1, dtype=np.float64))
    bad = bad_epoch | bad_present
    if not bad.any():
        return None
    i = int(np.argmax(bad))
    if bad_epoch[i]:
        return f"snapshot {first + i} is damaged: its epoch {float(epochs[i])!r} is not a whole number up to 2**53"
    return (f"snapshot {first + i} is damaged: its metrics mask {float(present[i])!r} is not a whole number "
            f"0..{highest}")
