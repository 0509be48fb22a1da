"""Checks on the data points a user hands us, so bad input fails early with a message that says why.

Points come with labels as the user has them: class indices 0..k-1, the model's own labels (a
classifier's ``classes_``: {1, 2}, {-1, 1}, strings) or, for a regressor, target values.
:func:`check_points` checks what holds for every problem; :func:`class_indices` and
:func:`target_values` check the labels against the model they are drawn with.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


class DataError(ValueError):
    """Points or labels that cannot be drawn: wrong shape, not finite, unknown classes, too few."""


def check_points(X: object, y: object, *, name: str = "X", required: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``X`` as (n, 2) float64 and ``y`` as (n,): int64 for whole numbers, float64 for other numbers,
    text labels as they are; or a :class:`DataError`."""
    label = _label_name(name)
    try:
        points = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be numbers, shape (n_points, 2)") from None
    if points.ndim != 2 or points.shape[1] != 2:
        raise DataError(f"{name} must have shape (n_points, 2) (two input features), got {points.shape}")
    if required and len(points) < 2:
        raise DataError(f"{name} needs at least 2 points, got {len(points)}")
    bad = ~np.isfinite(points).all(axis=1)
    if bad.any():
        raise DataError(f"{name} has {int(bad.sum())} point(s) with NaN or infinite coordinates, "
                        f"the first at row {int(np.argmax(bad))}")
    labels = np.asarray(y)
    if labels.shape != (len(points),):
        raise DataError(f"{label} must have one label per point, shape ({len(points)},), got {labels.shape}")
    if labels.dtype.kind in "US":
        return points, labels.astype(str)
    try:
        numeric = labels.astype(np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{label} must be numbers or text labels") from None
    bad = ~np.isfinite(numeric)
    if bad.any():
        raise DataError(f"{label} has {int(bad.sum())} NaN or infinite value(s), the first at row {int(np.argmax(bad))}")
    if (numeric == np.round(numeric)).all():
        return points, numeric.astype(np.int64)
    return points, numeric


def class_indices(y: np.ndarray, classes: tuple | None, n_classes: int, *, name: str = "X") -> np.ndarray:
    """Labels as class indices 0..n_classes-1: through the model's ``classes`` when every label is one
    of them (labels as the model was fitted on), else as indices themselves."""
    label = _label_name(name)
    y = np.asarray(y)
    if classes is not None and len(y):
        lookup = {_key(c): i for i, c in enumerate(classes)}
        keys = [_key(v) for v in y.tolist()]
        if all(k in lookup for k in keys):
            return np.array([lookup[k] for k in keys], np.int64)
    if y.dtype.kind in "iu" and (len(y) == 0 or (y.min() >= 0 and y.max() < n_classes)):
        return y.astype(np.int64)
    if classes is not None:
        known = {_key(c) for c in classes}
        unknown = sorted({str(v) for v in y.tolist() if _key(v) not in known})[:6]
        raise DataError(f"{label} has labels the model does not know ({', '.join(unknown)}); its classes: "
                        f"{', '.join(map(str, classes))}")
    indices = set(range(n_classes))
    unknown = sorted({str(v) for v in y.tolist() if isinstance(v, str) or v not in indices})[:6]
    raise DataError(f"{label} must be class indices 0 to {n_classes - 1} for a model of {n_classes} classes "
                    f"(or its own class labels), got {', '.join(unknown)}")


def point_label(label: Any, n_classes: int) -> int | float:
    """One new point's label (a point clicked into a live window) for a model of ``n_classes`` classes:
    a class index 0..k-1, or for a regression (``n_classes`` 0) a finite target value."""
    if n_classes == 0:
        if isinstance(label, bool) or not isinstance(label, numbers.Real) or not math.isfinite(label):
            raise ValueError(f"a point's target must be a finite number, got {label!r}")
        return float(label)
    if isinstance(label, bool) or not isinstance(label, numbers.Integral) or not 0 <= label < n_classes:
        either = " (0 or 1)" if n_classes == 2 else ""
        raise ValueError(f"a point's label must be a class index 0 to {n_classes - 1}{either}, got {label!r}")
    return int(label)


def target_values(y: np.ndarray, *, name: str = "X") -> np.ndarray:
    """A regressor's targets as float64 (numbers only)."""
    y = np.asarray(y)
    if y.dtype.kind not in "iuf":
        raise DataError(f"{_label_name(name)} must be numbers (the regression targets), got text labels")
    return y.astype(np.float64)


def _key(value: Any) -> tuple:
    """Labels compare by kind and value: the text "1" is not the number 1, but 1 and 1.0 are one."""
    if isinstance(value, str):
        return ("text", value)
    return ("number", float(value))


def _label_name(name: str) -> str:
    return "y" if name == "X" else f"y{name[1:]}"
