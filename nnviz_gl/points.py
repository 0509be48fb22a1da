"""Checks on the data points a user hands us, so bad input fails early with a message that says why."""

from __future__ import annotations

import numpy as np


class DataError(ValueError):
    """Points or labels that cannot be drawn: wrong shape, not finite, not two classes, too few."""


def check_points(X: object, y: object, *, name: str = "X", required: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``X`` as (n, 2) float64 and ``y`` as (n,) int labels 0/1, or a :class:`DataError`."""
    label = "y" if name == "X" else f"y{name[1:]}"
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
    try:
        numeric = labels.astype(np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{label} must be class labels 0 and 1") from None
    classes = np.unique(numeric)
    if not np.isin(classes, (0.0, 1.0)).all():
        shown = ", ".join(f"{c:g}" for c in classes[:6])
        raise DataError(f"{label} must be binary labels 0 and 1 (multiclass is not drawn yet), got {shown}")
    return points, numeric.astype(np.int64)
