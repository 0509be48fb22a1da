"""The loss panel's axes: ranges, log or linear, ticks and their labels. Numpy only.

A value maps to the plot linearly between the axis' ends, or between the ends' log10 on a log axis:
the curve shader (``shaders/curve.vert``) and :meth:`Axis.fraction` use the same formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LOG_SPAN = 10.0  # the loss axis turns logarithmic when its largest value is more than this times its smallest


@dataclass(frozen=True)
class Axis:
    """``low``..``high`` along the axis (in log10 when ``log``); ``ticks`` are values (not logs)."""

    low: float
    high: float
    log: bool
    ticks: tuple[float, ...]

    def fraction(self, values: np.ndarray) -> np.ndarray:
        """0 at ``low``, 1 at ``high`` (the shader's map)."""
        v = np.asarray(values, np.float64)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.log10(v)
        return (v - self.low) / (self.high - self.low)


def nice_ticks(low: float, high: float, most: int = 4) -> tuple[float, ...]:
    """Round values (1, 2, 5 x 10^k steps) from ``low`` to ``high``, at most ``most`` of them."""
    span = high - low
    if not span > 0:
        return (low,)
    for step in (m * 10.0 ** e for e in range(math.floor(math.log10(span / most)) - 1, 400) for m in (1, 2, 5)):
        first = math.ceil(low / step - 1e-9)
        count = math.floor(high / step + 1e-9) - first + 1
        if count <= most:
            return tuple(round((first + i) * step, 12) for i in range(count))
    return (low, high)


def loss_axis(losses: np.ndarray) -> Axis:
    """The losses' range (finite values only): log when they span more than a decade, else linear from 0."""
    v = np.asarray(losses, np.float64).reshape(-1)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return Axis(0.0, 1.0, False, nice_ticks(0.0, 1.0))
    low, high = float(v.min()), float(v.max())
    if low > 0 and high > LOG_SPAN * low:
        lo, hi = math.log10(low), math.log10(high)
        decades = range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1)
        step = max(1, math.ceil(len(decades) / 4))
        return Axis(lo, hi, True, tuple(10.0 ** d for d in decades[::step]))
    low = min(low, 0.0)
    if high <= low:
        high = low + 1.0
    return Axis(low, high, False, nice_ticks(low, high))


def score_axis(scores: np.ndarray, kind: str) -> Axis:
    """Accuracy: 0..1. R²: from 0 (or its lowest finite value, down to -1) to 1; lower values sit on the floor."""
    if kind != "regression":
        return Axis(0.0, 1.0, False, (0.0, 0.5, 1.0))
    v = np.asarray(scores, np.float64).reshape(-1)
    v = v[np.isfinite(v)]
    low = max(-1.0, min(0.0, float(v.min()) if v.size else 0.0))
    return Axis(low, 1.0, False, nice_ticks(low, 1.0, 3))


def epoch_axis(epochs: np.ndarray) -> Axis:
    """From the first epoch to the last (one epoch wide at least)."""
    e = np.asarray(epochs, np.float64)
    first = float(e[0]) if e.size else 0.0
    last = max(float(e[-1]) if e.size else 1.0, first + 1.0)
    return Axis(first, last, False, tuple(t for t in nice_ticks(first, last, 5) if t == int(t)))


def tick_label(value: float) -> str:
    """Short: 0.01, 0.5, 2, 1e-05, 1e+03."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e4 or magnitude < 1e-3:
        return f"{value:.0e}"
    return f"{value:.3g}"
