"""Snapshot: copies, architecture, interpolation (numpy only, no GL)."""

from __future__ import annotations

import numpy as np
import pytest

import nnviz_gl as nv


def snap(value: float, epoch: int) -> nv.Snapshot:
    return nv.Snapshot(weights=[np.full((2, 3), value), np.full((3, 1), value)],
                       biases=[np.zeros(3), np.zeros(1)], activation="tanh", epoch=epoch, loss=1.0 / epoch)


def test_interpolation_blends_weights_and_labels_the_blend_with_its_target():
    a, b = snap(0.0, 1), snap(1.0, 2)
    half = a.interpolate(b, 0.25)
    assert half.weights[0] == pytest.approx(np.full((2, 3), 0.25))
    assert (half.epoch, half.loss) == (2, 0.5)
    assert a.interpolate(b, 0.0).epoch == 1 and a.interpolate(b, 1.0).epoch == 2


def test_restarted_glides_never_freeze_the_label():
    """A live window restarts its glide from the blend on screen whenever a snapshot arrives."""
    shown = snap(0.0, 1)
    for epoch in range(2, 40):
        shown = shown.interpolate(snap(float(epoch), epoch), 0.2)  # never reaches halfway
    assert shown.epoch == 39 and shown.loss == pytest.approx(1 / 39)


def test_interpolating_different_architectures_is_refused():
    other = nv.Snapshot(weights=[np.ones((2, 4)), np.ones((4, 1))], biases=[np.zeros(4), np.zeros(1)])
    with pytest.raises(ValueError, match="different architectures"):
        snap(0.0, 1).interpolate(other, 0.5)


@pytest.mark.parametrize("weights, biases, message", [
    ([], [], "at least one weight matrix"),
    ([np.ones((2, 3))], [np.zeros(3), np.zeros(1)], "1 weight matrices but 2 bias vectors"),
    ([np.ones((2, 3)), np.ones((4, 1))], [np.zeros(3), np.zeros(1)], "takes 4 inputs but layer 1 has 3"),
    ([np.ones((2, 0))], [np.zeros(0)], "empty layer"),
])
def test_malformed_snapshots_say_what_is_wrong(weights, biases, message):
    with pytest.raises(ValueError, match=message):
        nv.Snapshot(weights=weights, biases=biases)
