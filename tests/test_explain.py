"""A frame that explains itself: colours that do not collide, edge widths that tell trained weights
apart, test points that stay visible on their own class, text that can be read at 640x360, a legend
that says what the marks mean, and nothing drawn over anything else."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from test_palette import VISION, seen

import nnviz_gl as nv
from nnviz_gl.render.layout import edge_style
from nnviz_gl.render.style import DEFAULT_STYLE as STYLE

SIGN_MIN_DELTA_E = 20.0  # an edge's sign colour against any class colour, in any simulated vision


@pytest.fixture(scope="module")
def trained_16_16():
    """A 2-16-16-1 trained on moons until its weights have all grown (the 'wall of thick lines' case)."""
    from sklearn.datasets import make_moons
    from sklearn.neural_network import MLPClassifier

    X, y = make_moons(300, noise=0.15, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier((16, 16), max_iter=2000, random_state=0, learning_rate_init=0.01).fit(X, y)
    return nv.Snapshot.from_sklearn(model), X, y


@pytest.mark.parametrize("vision", list(VISION))
def test_the_sign_colours_are_no_class_colour(vision):
    """Edges (and neurons' bias fill) use a sign pair that no class colour resembles, and that differ
    from each other."""
    signs = seen([STYLE.positive, STYLE.negative], vision)
    classes = seen(list(STYLE.palette), vision)
    close = [(s, j, round(float(np.linalg.norm(signs[i] - classes[j])), 1))
             for (i, s), j in itertools.product(enumerate(("positive", "negative")), range(len(classes)))
             if np.linalg.norm(signs[i] - classes[j]) < SIGN_MIN_DELTA_E]
    assert close == [], f"under {vision} these sign colours look like class colours: {close}"
    assert np.linalg.norm(signs[0] - signs[1]) > 2 * SIGN_MIN_DELTA_E


def width_spread(widths: np.ndarray) -> float:
    return float(np.percentile(widths, 90) / np.percentile(widths, 10))


def test_a_trained_networks_edges_are_not_a_wall_of_equal_widths(trained_16_16):
    """Trained, most |w| exceed 1 and a saturating width made them all equally thick; per layer, the
    widths still span most of the range, in each layer."""
    snap, _, _ = trained_16_16
    unit, max_px = 1.0, STYLE.max_edge_width
    widths = edge_style(snap, None, unit, max_px)[:, 0]
    layer_of = np.concatenate([np.full(w.size, i) for i, w in enumerate(snap.weights)])
    assert width_spread(widths) > 4.0
    for layer in range(len(snap.weights)):
        assert width_spread(widths[layer_of == layer]) > 2.5, f"layer {layer}"
    assert widths.max() == pytest.approx(max_px, rel=1e-4)
