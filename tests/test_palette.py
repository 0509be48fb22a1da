"""The class palette stays distinguishable for colour-blind viewers: every pair of the ten class colours,
and each of them against the field's neutral middle, under simulated protanopia, deuteranopia and
tritanopia (Machado, Oliveira and Fernandes 2009, severity 1.0, applied in linear RGB), measured as
CIELAB ΔE76 (D65).

The threshold: ΔE76 >= 10 for every pair, in every vision. The weakest pairs that pass are class 0
(orange) against class 8 (olive), about 12.5 under protanopia, and class 0 against class 4 (amber),
about 14.6 under deuteranopia: told apart, though not at a glance on tiny marks. A multiclass field
also separates classes by its boundary lines, which need no colour at all.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nnviz_gl.render.style import DEFAULT_STYLE as STYLE
from nnviz_gl.render.style import hex_color

MIN_DELTA_E = 10.0

# Machado et al. 2009, Table 1 at severity 1.0 (rows map linear RGB to the simulated linear RGB).
VISION = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
D65 = np.array([0.95047, 1.0, 1.08883])


def linear(srgb: np.ndarray) -> np.ndarray:
    srgb = np.asarray(srgb, np.float64)
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def lab(linear_rgb: np.ndarray) -> np.ndarray:
    xyz = linear_rgb @ SRGB_TO_XYZ.T / D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def seen(colors, vision: str) -> np.ndarray:
    """CIELAB of sRGB ``colors`` as a viewer with ``vision`` sees them."""
    return lab(np.clip(linear(colors) @ VISION[vision].T, 0.0, 1.0))


def test_the_colour_science_is_right():
    """Known values: sRGB white is L* 100, a* b* 0; pure red is about (53.2, 80.1, 67.2); a protanope sees
    red and green far closer together than a normal viewer does."""
    assert np.allclose(seen([(1.0, 1.0, 1.0)], "normal")[0], (100.0, 0.0, 0.0), atol=0.01)
    assert np.allclose(seen([(1.0, 0.0, 0.0)], "normal")[0], (53.24, 80.09, 67.20), atol=0.05)
    red_green = lambda v: np.linalg.norm(np.subtract(*seen([(0.8, 0.2, 0.1), (0.2, 0.6, 0.1)], v)))  # noqa: E731
    assert red_green("protanopia") < 0.5 * red_green("normal")


@pytest.mark.parametrize("vision", list(VISION))
def test_every_pair_of_class_colours_and_the_fields_middle_stay_apart(vision):
    colors = [*STYLE.palette, STYLE.field_mid]
    names = [f"class {j}" for j in range(len(STYLE.palette))] + ["field_mid"]
    L = seen(colors, vision)
    close = [(names[i], names[j], round(float(np.linalg.norm(L[i] - L[j])), 1))
             for i, j in itertools.combinations(range(len(colors)), 2)
             if np.linalg.norm(L[i] - L[j]) < MIN_DELTA_E]
    assert close == [], f"under {vision} these colours are closer than ΔE76 {MIN_DELTA_E}: {close}"


def test_the_first_two_colours_are_the_binary_classes():
    assert STYLE.palette[0] == STYLE.class0 and STYLE.palette[1] == STYLE.class1
    assert len(STYLE.palette) == 10 and all(len(c) == 3 for c in STYLE.palette)
    assert hex_color("#e8590c") == STYLE.class0
