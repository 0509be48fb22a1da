"""The one speed ladder that + and − walk: the live window's epochs per second, the replay's snapshots
per second. No GL, no window."""

from __future__ import annotations

import math

# Steps of + / −; the live window goes one step past the top to "as fast as training goes" (None).
SPEEDS: tuple[float, ...] = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 250, 500, 1000)


def next_speed(speed: float | None, direction: int, *, unlimited: bool = False) -> float | None:
    """The next step of :data:`SPEEDS` up (``direction`` > 0) or down from ``speed``.

    Clamped at both ends; with ``unlimited`` the step above the top is ``None`` ("as fast as it goes"),
    and down from ``None`` is the top. A speed between two steps moves to the nearer one that way.
    """
    if speed is None:
        return None if direction > 0 else SPEEDS[-1]
    if direction > 0:
        return next((s for s in SPEEDS if s > speed * 1.001), None if unlimited else SPEEDS[-1])
    return next((s for s in reversed(SPEEDS) if s < speed * 0.999), SPEEDS[0])


def check_speed(speed: float, unit: str = "snapshots per second") -> float:
    """``speed`` as a float, or a one-line ValueError unless it is finite and above 0."""
    value = float(speed)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"speed must be a finite number of {unit} above 0, got {speed}")
    return value
