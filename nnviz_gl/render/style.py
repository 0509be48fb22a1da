"""Colours and proportions of a frame, in one frozen object passed explicitly (no global config)."""

from __future__ import annotations

from dataclasses import dataclass

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
    class0: Color = hex_color("#e8590c")      # orange: class 0, negative weights
    class1: Color = hex_color("#1c7ed6")      # blue: class 1, positive weights
    field_mid: Color = hex_color("#f1f3f5")
    field_strength: float = 0.85
    boundary: Color = hex_color("#111111")
    positive: Color = hex_color("#4dabf7")
    negative: Color = hex_color("#ff922b")
    learning: Color = hex_color("#ff1744")
    invalid: Color = hex_color("#868e96")
    alarm: Color = hex_color("#ff6b6b")
    max_edge_width: float = 9.0                # at unit 1 (1080 lines)


DEFAULT_STYLE = Style()
