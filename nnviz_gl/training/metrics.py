"""Losses and scores of a snapshot's outputs, computed as scikit-learn computes them.

Classifiers: ``p`` is the class-1 probability (n,) of a binary model or every class's (n, k); ``y`` the
class indices. Regressors: ``v`` the predicted values, ``y`` the targets. Every function returns nan for
no points or for nan outputs (a diverged model), never raises.
"""

from __future__ import annotations

import numpy as np


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    """Mean log-loss with probabilities clipped as scikit-learn clips them (binary or k classes)."""
    if len(y) == 0:
        return float("nan")
    eps = np.finfo(np.float64).eps
    p = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    if p.ndim == 2:
        picked = p[np.arange(len(p)), np.asarray(y, dtype=np.int64)]
        return float(-np.mean(np.log(picked)))
    y = np.asarray(y, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))


def accuracy(y: np.ndarray, p: np.ndarray) -> float:
    """Share of points whose most probable class is theirs (binary: class-1 probability above 0.5)."""
    if len(y) == 0:
        return float("nan")
    p = np.asarray(p)
    if p.ndim == 2:
        predicted = np.where(np.isnan(p).any(axis=1), -1, np.argmax(np.nan_to_num(p, nan=0.0), axis=1))
        return float(np.mean(predicted == np.asarray(y)))
    return float(np.mean((p > 0.5) == (np.asarray(y) == 1)))


def half_squared_error(y: np.ndarray, v: np.ndarray) -> float:
    """0.5 * mean squared error: scikit-learn's ``squared_error`` loss of a regressor, without its penalty."""
    if len(y) == 0:
        return float("nan")
    with np.errstate(over="ignore", invalid="ignore"):
        return float(0.5 * np.mean((np.asarray(v, np.float64) - np.asarray(y, np.float64)) ** 2))


def r2(y: np.ndarray, v: np.ndarray) -> float:
    """Coefficient of determination, as ``r2_score`` (1 is perfect, 0 is the mean's guess); nan when the
    targets are all equal or there are fewer than 2."""
    y = np.asarray(y, np.float64)
    if len(y) < 2:
        return float("nan")
    total = float(np.sum((y - y.mean()) ** 2))
    if total == 0.0:
        return float("nan")
    with np.errstate(over="ignore", invalid="ignore"):
        return float(1.0 - np.sum((y - np.asarray(v, np.float64)) ** 2) / total)


def l2_penalty(weights, alpha: float, n_samples: int) -> float:
    """The L2 term scikit-learn adds to ``loss_``: 0.5 * alpha * sum of squared weights / batch size."""
    with np.errstate(over="ignore", invalid="ignore"):
        return 0.5 * alpha * sum(float(np.sum(w * w)) for w in weights) / max(n_samples, 1)
