"""Colours and proportions of a frame, in one frozen object passed explicitly (no global config)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Color = tuple[float, float, float]

# The window's field texture per window pixel: the field is the largest cost of a live frame and its
# logit is smooth, so about a third of the pixels per axis looks the same and leaves room for 60 fps
# on a software renderer.
WINDOW_FIELD_SCALE = 0.35


def hex_color(code: str) -> Color:
    code = code.lstrip("#")
    return tuple(int(code[i : i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]


@dataclass(frozen=True)
class Style:
    background: Color = hex_color("#0f1216")
    panel: Color = hex_color("#161b22")
    text: Color = hex_color("#e6edf3")
    text_dim: Color = hex_color("#8b949e")
    class0: Color = hex_color("#e8590c")      # orange: class 0
    class1: Color = hex_color("#1c7ed6")      # blue: class 1
    field_mid: Color = hex_color("#f1f3f5")
    field_strength: float = 0.85
    boundary: Color = hex_color("#111111")
    # A weight's sign (edges) and a neuron's bias: a warm sand and violet, far from every class colour
    # in every simulated vision (tests/test_explain.py), so edges never read as classes.
    positive: Color = hex_color("#f2dfb4")
    negative: Color = hex_color("#7950f2")
    learning: Color = hex_color("#ff1744")
    invalid: Color = hex_color("#868e96")
    alarm: Color = hex_color("#ff6b6b")
    max_edge_width: float = 9.0                # at unit 1 (1080 lines)
    # Multiclass: class j's colour. The first two are the binary classes; the first six are Okabe and
    # Ito's colours for colour-blind viewers (two of them our orange and blue), the rest dark ones kept
    # apart from those by lightness. Class 7 is a dark brown: Tol's wine (#882255) and the grey of class 9
    # look alike to a deuteranope (tests/test_palette.py simulates colour-blind vision).
    palette: tuple[Color, ...] = tuple(hex_color(c) for c in (
        "#e8590c", "#1c7ed6", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
        "#332288", "#661100", "#999933", "#5c5f66"))
    # The loss panel's series: loss, test loss, score (accuracy or R²), test score.
    curves: tuple[Color, ...] = tuple(hex_color(c) for c in ("#ffd43b", "#f783ac", "#69db7c", "#66d9e8"))


DEFAULT_STYLE = Style()


def diverging_colors(t: np.ndarray, style: Style = DEFAULT_STYLE) -> np.ndarray:
    """Values on -1..1 through the two-sided map the field shows a regression's value and a binary
    probability with (field.frag's ``diverging``): (n, 3) RGB in 0..1."""
    t = np.clip(np.asarray(t, np.float64), -1.0, 1.0)[:, None]
    side = np.where(t < 0, np.array(style.class0), np.array(style.class1))
    k = np.abs(t) ** 0.8 * style.field_strength
    return np.array(style.field_mid) * (1 - k) + side * k
