"""Engineered input features: what a network sees of a point (x1, x2), as TensorFlow Playground offers.

One table gives each feature's numpy formula (training, the reference forward pass) and its GLSL
expression (the field shader computes the same features from each pixel's (x1, x2)), so the two can
never name different things.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

# name -> (numpy formula of the (n, 2) points, GLSL expression of the vec2 `x`)
FEATURES: dict[str, tuple] = {
    "x1": (lambda X: X[:, 0], "x.x"),
    "x2": (lambda X: X[:, 1], "x.y"),
    "x1^2": (lambda X: X[:, 0] ** 2, "x.x * x.x"),
    "x2^2": (lambda X: X[:, 1] ** 2, "x.y * x.y"),
    "x1*x2": (lambda X: X[:, 0] * X[:, 1], "x.x * x.y"),
    "sin(x1)": (lambda X: np.sin(X[:, 0]), "sin(x.x)"),
    "sin(x2)": (lambda X: np.sin(X[:, 1]), "sin(x.y)"),
}
PLAIN = ("x1", "x2")


class FeatureError(ValueError):
    """An unknown or repeated feature name; the message lists the valid ones."""


def check_features(names: Iterable[str] | str | None) -> tuple[str, ...]:
    """The feature names as a tuple (a comma-separated string is split), or a :class:`FeatureError`."""
    if names is None:
        return PLAIN
    if isinstance(names, str):
        names = [part for part in names.replace(" ", "").split(",") if part]
    names = tuple(names)
    valid = ", ".join(FEATURES)
    if not names:
        raise FeatureError(f"give at least one input feature; valid: {valid}")
    for name in names:
        if name not in FEATURES:
            raise FeatureError(f"unknown feature {name!r}; valid: {valid}")
    if len(set(names)) != len(names):
        repeated = next(n for n in names if names.count(n) > 1)
        raise FeatureError(f"feature {repeated!r} is given twice; each feature is one input neuron")
    return names


def feature_matrix(X: np.ndarray, names: tuple[str, ...] = PLAIN) -> np.ndarray:
    """The network's inputs for points ``X`` (n, 2): one column per feature, in order."""
    X = np.asarray(X, dtype=np.float64).reshape(-1, 2)
    if names == PLAIN:
        return X
    return np.column_stack([FEATURES[name][0](X) for name in names])


def glsl_inputs(names: tuple[str, ...]) -> str:
    """The field shader's input layer: ``h[i] = <feature i of x>;`` for every feature."""
    return " ".join(f"h[{i}] = {FEATURES[name][1]};" for i, name in enumerate(names))
