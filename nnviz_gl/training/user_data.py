"""The user's own 2-D data from a ``.csv`` or ``.npz`` file, checked line by line, as a :class:`Dataset`.

CSV rules: a first line with no number in it is a header. Without ``columns`` the first two columns whose
first data row holds numbers are x1 and x2 and the last column is the label; ``columns=("x", "y",
"label")`` names them in the header. Labels are integers or strings (2 to 10 classes); they map to
0..k-1 in sorted order, as scikit-learn's ``classes_``, and the Dataset keeps them as ``class_names``.
A target of numbers that are not whole, or of more than 10 distinct whole numbers, is a regression
(the Dataset's ``note`` says so, for the command line to print); ``problem`` overrides the guess, except
that text labels are always classes. A bad file raises :class:`DataFileError`: one line naming the file
and the first bad line (1-based, as an editor shows it).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Sequence

import numpy as np

from .datasets import MAX_CLASSES, PROBLEMS, Dataset, check_dataset_arguments, split_seed

_OVERRIDE = "--problem classification to treat them as classes"


class DataFileError(ValueError):
    """The data file cannot be used; the message names the file and its first bad line."""


def load_data(
    path: str | Path,
    *,
    columns: Sequence[str] | None = None,
    standardize: bool = True,
    test_size: float = 0.4,
    seed: int = 0,
    problem: str | None = None,
) -> Dataset:
    """Read ``path`` (.csv or .npz), map its labels to 0..k-1 (or keep its regression targets), standardise
    (unless told not to) and split it. ``problem`` is "classification", "regression" or None (guess)."""
    from sklearn.model_selection import train_test_split  # here, not at the top: see nnviz_gl/__init__.py
    from sklearn.preprocessing import StandardScaler

    check_dataset_arguments("classification", n_samples=4, noise=None, test_size=test_size, seed=seed)
    if problem is not None and problem not in PROBLEMS:
        raise ValueError(f"unknown problem {problem!r}; valid: {', '.join(PROBLEMS)}")
    path = Path(path)
    if path.suffix.lower() == ".npz":
        if columns is not None:
            raise DataFileError(f"{path}: columns name CSV header fields; a .npz file has arrays X and y")
        X, labels, where = _read_npz(path)
    elif path.suffix.lower() == ".csv":
        X, labels, where = _read_csv(path, columns)
    else:
        raise DataFileError(f"{path}: expected a .csv or .npz file")
    if len(labels) < 2:
        raise DataFileError(f"{path}: holds {len(labels)} point(s); need at least 2")
    kind, note, values = _problem(path, labels, where, problem)
    class_names = None
    if kind == "regression":
        y = np.asarray(values, dtype=np.float64)
    else:
        class_names, y = _classes(path, values, where)
    if standardize:
        X = StandardScaler().fit_transform(X)  # scaled before the split, as the built-in data is
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=float(test_size), random_state=split_seed(seed))
    return Dataset(X_train, y_train, X_test, y_test, name=path.name, class_names=class_names, kind=kind, note=note)


def _read_csv(path: Path, columns: Sequence[str] | None) -> tuple[np.ndarray, list, list[str]]:
    """Points, raw labels, and where each point came from ("line N") for the messages."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = []
            reader = csv.reader(f)
            for row in reader:
                if any(cell.strip() for cell in row):  # blank lines carry no point
                    rows.append((reader.line_num, [cell.strip() for cell in row]))
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataFileError(f"{path}: not a readable CSV text file ({exc})") from None
    if not rows:
        raise DataFileError(f"{path}: holds no points; need at least 2")
    header = rows[0][1] if not any(_is_number(cell) for cell in rows[0][1]) else None
    data = rows[1:] if header is not None else rows
    width = len(rows[0][1])
    if width < 3:
        raise DataFileError(f"{path}: line {rows[0][0]} has {width} column(s); need x1, x2 and a label")
    x1, x2, label = _pick_columns(path, header, rows[0][0], data, columns)
    names = header or [f"column {i + 1}" for i in range(width)]
    X, labels, where = [], [], []
    for line, row in data:
        if len(row) != width:
            raise DataFileError(f"{path}: line {line} has {len(row)} columns; expected {width} as on line {rows[0][0]}")
        point = []
        for i in (x1, x2):
            cell = row[i]
            if cell == "":
                raise DataFileError(f"{path}: line {line}: missing value in {names[i]!s}")
            if not _is_number(cell):
                raise DataFileError(f"{path}: line {line}: {names[i]} is {cell!r}, not a number")
            value = float(cell)
            if not math.isfinite(value):
                raise DataFileError(f"{path}: line {line}: {names[i]} is {cell}; need a finite number")
            point.append(value)
        if row[label] == "":
            raise DataFileError(f"{path}: line {line}: missing label in {names[label]}")
        X.append(point)
        labels.append(row[label])
        where.append(f"line {line}")
    return np.array(X, dtype=np.float64).reshape(-1, 2), labels, where


def _pick_columns(path, header, header_line, data, columns) -> tuple[int, int, int]:
    """Indices of x1, x2 and the label: named in the header, or the first two numeric columns and the last."""
    if columns is not None:
        columns = list(columns)
        if len(columns) != 3:
            raise DataFileError(f"{path}: columns must name 3 header fields (x1, x2, label), got {len(columns)}")
        if header is None:
            raise DataFileError(f"{path}: line {header_line} is data, not a header; columns "
                                f"{','.join(columns)} need a header line naming them")
        for name in columns:
            if name not in header:
                raise DataFileError(f"{path}: line {header_line}: no column named {name!r}; "
                                    f"the header has {', '.join(header)}")
        return tuple(header.index(name) for name in columns)
    if not data:
        raise DataFileError(f"{path}: holds no points; need at least 2")
    last = len(data[0][1]) - 1
    numeric = [i for i, cell in enumerate(data[0][1][:last]) if _is_number(cell)]
    if len(numeric) < 2:
        raise DataFileError(f"{path}: line {data[0][0]}: need two numeric columns before the label, "
                            f"found {len(numeric)}")
    return numeric[0], numeric[1], last


def _read_npz(path: Path) -> tuple[np.ndarray, list, list[str]]:
    try:
        with np.load(path, allow_pickle=False) as arrays:
            missing = [key for key in ("X", "y") if key not in arrays]
            if missing:
                raise DataFileError(f"{path}: has no array {missing[0]!r}; need X of shape (n, 2) and y")
            X, y = np.asarray(arrays["X"]), np.asarray(arrays["y"]).reshape(-1)
    except DataFileError:
        raise
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{path}: not a readable .npz file ({exc})") from None
    if X.ndim != 2 or X.shape[1] != 2 or not np.issubdtype(X.dtype, np.number):
        raise DataFileError(f"{path}: X must be numbers of shape (n, 2), got {X.dtype} {X.shape}")
    if len(y) != len(X):
        raise DataFileError(f"{path}: X has {len(X)} rows but y has {len(y)} labels")
    bad = np.flatnonzero(~np.isfinite(X.astype(np.float64)).all(axis=1))
    if len(bad):
        raise DataFileError(f"{path}: row {bad[0] + 1} of X is {X[bad[0]].tolist()}; need finite numbers")
    return X.astype(np.float64), y.tolist(), [f"row {i + 1}" for i in range(len(X))]


def _problem(path: Path, labels: list, where: list[str], problem: str | None) -> tuple[str, str | None, list]:
    """The kind of problem (and the note when it was guessed) and the labels to use: numbers when every
    label is one, text otherwise."""
    text = next(((v, place) for v, place in zip(labels, where) if not _is_number(v)), None)
    if text is not None:
        if problem == "regression":
            raise DataFileError(f"{path}: {text[1]}: the target is {text[0]!r}, not a number; a regression needs "
                                f"numbers")
        return "classification", None, [str(v) for v in labels]
    numbers = [float(v) for v in labels]
    for value, place in zip(numbers, where):
        if not math.isfinite(value):
            raise DataFileError(f"{path}: {place}: the target is {value}; need a finite number")
    if problem == "classification":
        return "classification", None, numbers
    distinct = len(set(numbers))
    if problem == "regression":
        if distinct < 2:
            raise DataFileError(f"{path}: every target is {numbers[0]:g}; a regression needs 2 different values")
        return "regression", None, numbers
    fraction = next(((v, place) for v, place in zip(numbers, where) if not v.is_integer()), None)
    if distinct > MAX_CLASSES:
        why = f"the target has {distinct} distinct values"
    elif fraction is not None:
        why = f"the target has numbers that are not whole ({fraction[0]:g} on {fraction[1]})"
    else:
        return "classification", None, numbers
    return "regression", f"{path}: {why}, so this is a regression ({_OVERRIDE})", numbers


def _classes(path: Path, labels: list, where: list[str]) -> tuple[tuple, np.ndarray]:
    """Class names in sorted order and each point's index into them; whole numbers are integers."""
    if all(isinstance(v, float) for v in labels):
        labels = [int(v) if v.is_integer() else v for v in labels]
    seen: dict = {}
    for label, place in zip(labels, where):
        if label not in seen:
            seen[label] = place
            if len(seen) == MAX_CLASSES + 1:
                raise DataFileError(f"{path}: {place}: an 11th class {label!r}; at most {MAX_CLASSES} classes")
    if len(seen) < 2:
        raise DataFileError(f"{path}: every label is {labels[0]!r}; need 2 classes")
    numeric = not isinstance(labels[0], str)
    class_names, y = np.unique(np.array(labels, dtype=np.float64 if numeric else object), return_inverse=True)
    names = [int(c) if numeric and float(c).is_integer() else c for c in class_names.tolist()]
    return tuple(names), y.reshape(-1)


def _is_number(text) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True
