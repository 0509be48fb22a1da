"""Reading a ``.nnviz`` file's preamble, JSON header and data arrays, trusting nothing in them.

Every size is compared with the file's real size before anything is read or allocated, every field's
type and range is checked when the file is opened (not when a snapshot is drawn half-way through a
render), and anything wrong is one :class:`~nnviz_gl.trajectory_format.TrajectoryError` line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from .features import FeatureError, check_features
from .snapshot import ACTIVATIONS, OUTPUT_ACTIVATIONS, Architecture
from .trajectory_format import (ARRAYS, FORMAT_NAME, MAGIC, MAX_HEADER_BYTES, MAX_LAYER_WIDTH, MAX_LAYERS,
                                MAX_NESTING, METRICS_OF, PREAMBLE, READABLE_VERSIONS, RECORD_DTYPE, CLOSED,
                                WRITING, TrajectoryError, architecture_problem, checked_points, classes_problem,
                                describe, fields, label_dtype, parameter_layout, record_values, stored_labels,
                                too_deep)


class _Bad(Exception):
    """A reason a header is refused; the reader adds the file's name."""


@dataclass
class Header:
    """What :func:`read_header` found, every field checked."""

    version: int
    architecture: Architecture
    classes: tuple | None
    record_values: int
    records_offset: int
    metadata: dict[str, Any]
    arrays: dict[str, np.ndarray]
    origin: dict[str, Any] | None = None  # where and with what the run trained (host, pid, options); optional

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metrics each record holds, in order."""
        return METRICS_OF[self.version]


def read_header(file: BinaryIO, size: int, name: str) -> Header:
    """Read and check the preamble, JSON header and data arrays of an open trajectory of ``size`` bytes."""
    preamble = file.read(PREAMBLE.size)
    if len(preamble) < PREAMBLE.size or preamble[:8] != MAGIC:
        raise TrajectoryError(f"{name!r} is not an nnviz trajectory (it does not start with {MAGIC!r})")
    _, version, state, header_len = PREAMBLE.unpack(preamble)
    if version not in READABLE_VERSIONS:
        raise TrajectoryError(f"{name!r} is trajectory format version {version}; this nnviz_gl reads "
                              f"versions {', '.join(map(str, READABLE_VERSIONS))}")
    if header_len > size - PREAMBLE.size or header_len > MAX_HEADER_BYTES:
        raise TrajectoryError(f"{name!r} has a damaged header: it declares {header_len:,} header bytes, but "
                              f"the file holds {size:,} bytes (at most {MAX_HEADER_BYTES:,} are read)")
    try:
        if state not in (WRITING, CLOSED):
            raise _Bad(f"its state is {state}, neither 0 (writing) nor 1 (closed)")
        header = _parse_json(file.read(header_len))
        return _checked_header(header, version, file, size, PREAMBLE.size + header_len)
    except _Bad as exc:
        raise TrajectoryError(f"{name!r} has a damaged header: {exc}") from None


def _parse_json(raw: bytes) -> Any:
    def refuse_constant(word: str) -> None:
        raise _Bad(f"the header holds {word}, which is not a number a trajectory uses")

    try:
        header = json.loads(raw.decode("utf-8"), parse_constant=refuse_constant)
    except UnicodeDecodeError:
        raise _Bad("its JSON is not UTF-8 text") from None
    except RecursionError:
        raise _Bad(f"its JSON is nested more than {MAX_NESTING} levels deep") from None
    except ValueError as exc:  # JSONDecodeError, or an integer with too many digits
        raise _Bad(f"its JSON does not parse ({exc})") from None
    problem = too_deep(header, 1)
    if problem:
        raise _Bad(f"its JSON is {problem}")
    return header


def _show(value: Any) -> str:
    try:
        text = json.dumps(value)  # a value of a parsed header, whose nesting was checked
    except (TypeError, ValueError, RecursionError):  # a writer's argument: not JSON at all
        text = type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _get(table: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(table, dict):
        raise _Bad(f"{where or 'the header'} is not a JSON object")
    if key not in table:
        raise _Bad(f"{where + '.' if where else ''}{key} is missing")
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool):  # JSON true is no number
        raise _Bad(f"{where + '.' if where else ''}{key} must be a {kind.__name__}, got {_show(value)}")
    return value


def _whole(value: Any, what: str, low: int, high: int) -> int:
    if type(value) is not int:
        raise _Bad(f"{what} must be a whole number, got {_show(value)}")
    if not low <= value <= high:
        raise _Bad(f"{what} is {value:,}, outside {low:,}..{high:,}")
    return value


def _checked_header(header: Any, version: int, file: BinaryIO, size: int, header_end: int) -> Header:
    if _get(header, "format", str, "") != FORMAT_NAME or _get(header, "version", int, "") != version:
        raise _Bad(f"its format is not {FORMAT_NAME} version {version}")
    arch = _checked_architecture(_get(header, "architecture", dict, ""), version)
    classes = _checked_classes(header, arch, version)
    record = _get(header, "record", dict, "")
    n_values = record_values(arch, version)
    expected = {"dtype": RECORD_DTYPE.str, "values": n_values, "bytes": n_values * RECORD_DTYPE.itemsize,
                "fields": list(fields(version)), "parameters": parameter_layout(arch, version)}
    for key, want in expected.items():
        if key not in record or record[key] != want or type(record[key]) is not type(want):
            raise _Bad(f"its record layout ({key}) does not match its architecture {describe(arch)}")
    data_offset = _whole(header.get("data_offset"), "data_offset", header_end, size)
    records_offset = _whole(header.get("records_offset"), "records_offset", data_offset, size)
    arrays = _checked_arrays(_get(header, "arrays", dict, ""), arch, file, data_offset, records_offset)
    metadata = _get(header, "metadata", dict, "")
    origin = header.get("origin")
    if origin is not None and origin_problem(origin):
        raise _Bad(f"origin {origin_problem(origin)}")
    return Header(version, arch, classes, n_values, records_offset, metadata, arrays, origin)


def origin_problem(origin: Any) -> str | None:
    """Why ``origin`` is not {"host": str, "pid": whole number, "options": dict}, or None."""
    if not isinstance(origin, dict):
        return f"must be a JSON object, got {_show(origin)}"
    for key, kind, said in (("host", str, "text"), ("pid", int, "a whole number"), ("options", dict, "a JSON object")):
        value = origin.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"{key} must be {said}, got {_show(value)}"
    return None


def _checked_architecture(table: dict[str, Any], version: int) -> Architecture:
    sizes = _get(table, "layer_sizes", list, "architecture")
    if len(sizes) > MAX_LAYERS:
        raise _Bad(f"it declares {len(sizes):,} layers; at most {MAX_LAYERS} are read")
    for i, n in enumerate(sizes):
        _whole(n, f"architecture.layer_sizes[{i}]", 1, MAX_LAYER_WIDTH)
    activation = _get(table, "activation", str, "architecture")
    output = _get(table, "output_activation", str, "architecture")
    if activation not in ACTIVATIONS:
        raise _Bad(f"unknown activation {_show(activation)}; valid: {', '.join(ACTIVATIONS)}")
    if output not in OUTPUT_ACTIVATIONS:
        raise _Bad(f"unknown output activation {_show(output)}; valid: {', '.join(OUTPUT_ACTIVATIONS)}")
    if version == 1:  # version 1 recorded binary classifiers on (x1, x2) only
        if output != "logistic":
            raise _Bad(f"a version 1 file records binary classifiers (a logistic output), not {_show(output)}")
        features = None
    else:
        features = _get(table, "features", list, "architecture")
        if not all(isinstance(f, str) for f in features):
            raise _Bad(f"architecture.features must be a list of feature names, got {_show(features)}")
        try:
            features = check_features(features)
        except FeatureError as exc:
            raise _Bad(str(exc)) from None
    try:
        arch = Architecture(tuple(sizes), activation, output, features)
    except ValueError as exc:  # what the package cannot draw (e.g. several logistic outputs), said of this file
        raise _Bad(str(exc)) from None
    problem = architecture_problem(arch)
    if problem:
        raise _Bad(problem)
    return arch


def _checked_classes(header: dict[str, Any], arch: Architecture, version: int) -> tuple | None:
    if version == 1:
        return None
    if "classes" not in header:
        raise _Bad("classes is missing")
    classes = header["classes"]
    if classes is not None and not isinstance(classes, list):
        raise _Bad(f"classes must be a list of labels or null, got {_show(classes)}")
    problem = classes_problem(classes, arch)
    if problem:
        raise _Bad(problem)
    return None if classes is None else tuple(classes)


def _checked_arrays(table: dict[str, Any], arch: Architecture, file: BinaryIO, data_offset: int,
                    records_offset: int) -> dict[str, np.ndarray]:
    unknown = sorted(set(table) - set(ARRAYS))
    if unknown:
        raise _Bad(f"unknown data array {_show(unknown[0])}; a trajectory holds {', '.join(ARRAYS)}")
    labels = label_dtype(arch).str
    arrays = {}
    for name in ARRAYS:
        if name not in table:
            continue
        meta = _get(table, name, dict, "arrays")
        dtype = _get(meta, "dtype", str, f"arrays.{name}")
        want_dtype = "<f8" if name.startswith("X") else labels
        if dtype != want_dtype:
            what = ("float64 points" if name.startswith("X") else "float64 targets" if arch.kind == "regression"
                    else "int64 class indices")
            raise _Bad(f"array {name} has dtype {_show(dtype)}; a {arch.kind} file stores {what} ({want_dtype})")
        shape = _get(meta, "shape", list, f"arrays.{name}")
        want = "(n, 2)" if name.startswith("X") else "(n,)"
        if len(shape) != (2 if name.startswith("X") else 1) or (name.startswith("X") and shape[1] != 2):
            raise _Bad(f"array {name} must have shape {want}, got {_show(shape)}")
        rows = _whole(shape[0], f"arrays.{name}.shape[0]", 0, 2 ** 62)
        nbytes = rows * (len(shape) * 8 if name.startswith("X") else 8)
        start = data_offset + _whole(meta.get("offset"), f"arrays.{name}.offset", 0, records_offset)
        if start + nbytes > records_offset:  # checked before reading: the size says what gets allocated
            raise _Bad(f"array {name} ({rows:,} rows, {nbytes:,} bytes at {start:,}) runs past the data "
                       f"section, which ends at byte {records_offset:,}")
        file.seek(start)
        data = file.read(nbytes)
        if len(data) != nbytes:
            raise _Bad(f"array {name} is cut short")
        arrays[name] = np.frombuffer(data, dtype).reshape(tuple(shape))
    if "X" not in arrays or "y" not in arrays:
        raise _Bad("it has no training points (arrays X and y)")
    try:
        checked = checked_points(arrays["X"], arrays["y"], arrays.get("X_test"), arrays.get("y_test"))
        if arch.kind == "regression":  # stored targets as they are (no round trip through whole numbers)
            checked.update({name: arrays[name] for name in ("y", "y_test") if name in arrays})
        checked = stored_labels(checked, arch, None)  # class indices 0..k-1 or finite targets
    except TrajectoryError as exc:
        raise _Bad(str(exc)) from None
    for array in checked.values():
        array.setflags(write=False)
    return checked
