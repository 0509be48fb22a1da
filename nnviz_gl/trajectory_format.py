"""The ``.nnviz`` layout (see :mod:`nnviz_gl.trajectory`) and the checks a file from elsewhere must pass.

A trajectory may come from anyone, so the reader trusts nothing in it: every size is compared with the
file's real size before anything is read or allocated, every field's type and range is checked when the
file is opened (not when a snapshot is drawn half-way through a render), and anything wrong is one
:class:`TrajectoryError` line. The writer runs the same checks on what it is given, so it never writes a
file that a reader would refuse.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from .points import DataError, check_points
from .snapshot import ACTIVATIONS, OUTPUT_ACTIVATIONS, Architecture

MAGIC = b"NNVIZTRJ"
VERSION = 1
SUFFIX = ".nnviz"
FORMAT_NAME = "nnviz-trajectory"
PREAMBLE = struct.Struct("<8sIIQ")  # magic, version, state, header length
STATE_OFFSET = 12
WRITING, CLOSED = 0, 1
ALIGN = 64
METRICS = ("loss", "test_loss", "accuracy", "test_accuracy")
FIELDS = ("epoch", "present") + METRICS  # the record's leading scalars, then the parameters
ARRAYS = ("X", "y", "X_test", "y_test")
ARRAY_DTYPES = ("<f8", "<i8")
RECORD_DTYPE = np.dtype("<f8")
# Limits a real run never reaches; they keep a hostile header from costing memory or time.
MAX_HEADER_BYTES = 2 << 20  # parsing JSON costs some 30 times its size: this bounds it
MAX_METADATA_BYTES = 1 << 20
MAX_LAYERS = 256
MAX_NESTING = 64  # JSON depth: far below Python's recursion limit, so parsing never hits it
MAX_LAYER_WIDTH = 1 << 20
MAX_EPOCH = 2 ** 53  # epochs are stored as float64: whole numbers are exact up to here
ALL_PRESENT = (1 << len(METRICS)) - 1


class TrajectoryError(ValueError):
    """A file that is not a readable nnviz trajectory, or a snapshot that does not fit the file."""


class ArchitectureMismatchError(TrajectoryError):
    """A snapshot whose architecture differs from the one the file records (one architecture per file)."""


class _Bad(Exception):
    """A reason a header is refused; the reader adds the file's name."""


def parameter_layout(arch: Architecture) -> list[dict[str, Any]]:
    """Where each weight matrix and bias vector sits inside a record (offsets in float64 values)."""
    layout, offset = [], len(FIELDS)
    for i, (n_in, n_out) in enumerate(zip(arch.layer_sizes[:-1], arch.layer_sizes[1:])):
        layout.append({"name": f"weights[{i}]", "shape": [n_in, n_out], "offset": offset})
        offset += n_in * n_out
        layout.append({"name": f"biases[{i}]", "shape": [n_out], "offset": offset})
        offset += n_out
    return layout


def record_values(arch: Architecture) -> int:
    """float64 values per snapshot record for this architecture."""
    n_params = sum(a * b + b for a, b in zip(arch.layer_sizes[:-1], arch.layer_sizes[1:]))
    return len(FIELDS) + n_params


def describe(arch: Architecture) -> str:
    return "-".join(str(n) for n in arch.layer_sizes) + f" {arch.activation}/{arch.output_activation}"


def architecture_problem(arch: Architecture) -> str | None:
    """Why a file could not hold this network (the renderers draw 2 inputs and one logistic output)."""
    sizes = arch.layer_sizes
    if not 2 <= len(sizes) <= MAX_LAYERS:
        return f"a network has 2 to {MAX_LAYERS} layers (input and output included), this one {len(sizes)}"
    if any(n > MAX_LAYER_WIDTH for n in sizes):
        return f"layer sizes {list(sizes)} exceed {MAX_LAYER_WIDTH:,} neurons in a layer"
    if sizes[0] != 2:
        return f"the field is drawn over 2 input features, this network has {sizes[0]}"
    if sizes[-1] != 1:
        return f"only binary classifiers (one logistic output) are recorded so far, this network has {sizes[-1]}"
    return None


def checked_points(X: Any, y: Any, X_test: Any, y_test: Any) -> dict[str, np.ndarray]:
    """The data arrays as stored (X, X_test float64 (n, 2); y, y_test int64 0/1), or a TrajectoryError."""
    if (X_test is None) != (y_test is None):
        raise TrajectoryError("give both X_test and y_test, or neither")
    try:
        arrays = dict(zip(("X", "y"), check_points(X, y, name="X")))
        if X_test is not None:
            arrays.update(zip(("X_test", "y_test"), check_points(X_test, y_test, name="X_test", required=False)))
    except DataError as exc:
        raise TrajectoryError(str(exc)) from None
    for name in ("y", "y_test"):  # this version of the format records binary classifiers only
        if name in arrays and (arrays[name].dtype.kind != "i" or not np.isin(arrays[name], (0, 1)).all()):
            raise TrajectoryError(f"{name} must be binary labels 0 and 1 (the format records binary classifiers)")
    return {name: np.ascontiguousarray(a, a.dtype.newbyteorder("<")) for name, a in arrays.items()}


def metadata_json(metadata: Any) -> str:
    """``metadata`` as the JSON text a reader accepts back, or a TrajectoryError saying why not."""
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise TrajectoryError(f"metadata must be a dict, got {type(metadata).__name__}")
    try:
        text = json.dumps(metadata, allow_nan=False)
        _check_nesting(metadata, 2)  # in the header, metadata sits one level down
    except (TypeError, ValueError, RecursionError, _Bad) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise TrajectoryError(f"metadata must be plain JSON (dicts, lists, str, finite numbers): {reason}") from None
    if len(text) > MAX_METADATA_BYTES:
        raise TrajectoryError(f"metadata is {len(text):,} bytes of JSON; at most {MAX_METADATA_BYTES:,}")
    return text


def _check_nesting(value: Any, depth: int) -> None:
    """Refuse JSON nested deeper than MAX_NESTING, without recursing (a deep value cannot overflow the stack)."""
    stack = [(value, depth)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_NESTING:
                raise _Bad(f"nested more than {MAX_NESTING} levels deep")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)


@dataclass
class Header:
    """What :func:`read_header` found, every field checked."""

    architecture: Architecture
    record_values: int
    records_offset: int
    metadata: dict[str, Any]
    arrays: dict[str, np.ndarray]


def read_header(file: BinaryIO, size: int, name: str) -> Header:
    """Read and check the preamble, JSON header and data arrays of an open trajectory of ``size`` bytes."""
    preamble = file.read(PREAMBLE.size)
    if len(preamble) < PREAMBLE.size or preamble[:8] != MAGIC:
        raise TrajectoryError(f"{name!r} is not an nnviz trajectory (it does not start with {MAGIC!r})")
    _, version, state, header_len = PREAMBLE.unpack(preamble)
    if version != VERSION:
        raise TrajectoryError(f"{name!r} is trajectory format version {version}; this nnviz_gl reads "
                              f"version {VERSION}")
    if header_len > size - PREAMBLE.size or header_len > MAX_HEADER_BYTES:
        raise TrajectoryError(f"{name!r} has a damaged header: it declares {header_len:,} header bytes, but "
                              f"the file holds {size:,} bytes (at most {MAX_HEADER_BYTES:,} are read)")
    try:
        if state not in (WRITING, CLOSED):
            raise _Bad(f"its state is {state}, neither 0 (writing) nor 1 (closed)")
        header = _parse_json(file.read(header_len))
        return _checked_header(header, file, size, PREAMBLE.size + header_len)
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
    _check_nesting(header, 1)
    return header


def _show(value: Any) -> str:
    text = json.dumps(value)  # a value of a parsed header, whose nesting was checked
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


def _checked_header(header: Any, file: BinaryIO, size: int, header_end: int) -> Header:
    if _get(header, "format", str, "") != FORMAT_NAME or _get(header, "version", int, "") != VERSION:
        raise _Bad(f"its format is not {FORMAT_NAME} version {VERSION}")
    arch = _checked_architecture(_get(header, "architecture", dict, ""))
    record = _get(header, "record", dict, "")
    n_values = record_values(arch)
    expected = {"dtype": RECORD_DTYPE.str, "values": n_values, "bytes": n_values * RECORD_DTYPE.itemsize,
                "fields": list(FIELDS), "parameters": parameter_layout(arch)}
    for key, want in expected.items():
        if key not in record or record[key] != want or type(record[key]) is not type(want):
            raise _Bad(f"its record layout ({key}) does not match its architecture {describe(arch)}")
    data_offset = _whole(header.get("data_offset"), "data_offset", header_end, size)
    records_offset = _whole(header.get("records_offset"), "records_offset", data_offset, size)
    arrays = _checked_arrays(_get(header, "arrays", dict, ""), file, data_offset, records_offset)
    metadata = _get(header, "metadata", dict, "")
    return Header(arch, n_values, records_offset, metadata, arrays)


def _checked_architecture(table: dict[str, Any]) -> Architecture:
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
    try:
        arch = Architecture(tuple(sizes), activation, output)
    except ValueError as exc:  # what the package cannot draw (e.g. several outputs), said of this file
        raise _Bad(str(exc)) from None
    problem = architecture_problem(arch)
    if problem:
        raise _Bad(problem)
    return arch


def _checked_arrays(table: dict[str, Any], file: BinaryIO, data_offset: int, records_offset: int
                    ) -> dict[str, np.ndarray]:
    unknown = sorted(set(table) - set(ARRAYS))
    if unknown:
        raise _Bad(f"unknown data array {_show(unknown[0])}; a trajectory holds {', '.join(ARRAYS)}")
    arrays = {}
    for name in ARRAYS:
        if name not in table:
            continue
        meta = _get(table, name, dict, "arrays")
        dtype = _get(meta, "dtype", str, f"arrays.{name}")
        if dtype not in ARRAY_DTYPES:
            raise _Bad(f"array {name} has dtype {_show(dtype)}; trajectories hold {' or '.join(ARRAY_DTYPES)}")
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
    except TrajectoryError as exc:
        raise _Bad(str(exc)) from None
    for array in checked.values():
        array.setflags(write=False)
    return checked


def record_is_sound(epoch: float, present: float) -> bool:
    """Whether one record's leading scalars can become a Snapshot's epoch and metrics (the fast path)."""
    return (math.isfinite(epoch) and epoch.is_integer() and abs(epoch) <= MAX_EPOCH
            and present.is_integer() and 0 <= present <= ALL_PRESENT)


def record_problem(records: np.ndarray, first: int) -> str | None:
    """Why the records (their epoch and mask columns; rows ``first``, ``first + 1``, ... of a file)
    could not become snapshots, if so."""
    epochs, present = records[:, 0], records[:, 1]
    bad_epoch = ~(np.isfinite(epochs) & (np.floor(epochs) == epochs) & (np.abs(epochs) <= MAX_EPOCH))
    bad_present = ~np.isin(present, np.arange(ALL_PRESENT + 1, dtype=np.float64))
    bad = bad_epoch | bad_present
    if not bad.any():
        return None
    i = int(np.argmax(bad))
    if bad_epoch[i]:
        return f"snapshot {first + i} is damaged: its epoch {float(epochs[i])!r} is not a whole number up to 2**53"
    return (f"snapshot {first + i} is damaged: its metrics mask {float(present[i])!r} is not a whole number "
            f"0..{ALL_PRESENT}")
