"""Bad data through the API: a clear DataError before anything is drawn or written."""

from __future__ import annotations

import numpy as np
import pytest

import nnviz_gl as nv
from nnviz_gl.points import DataError, check_points

SNAP = nv.Snapshot(weights=[np.ones((2, 3)), np.ones((3, 1))], biases=[np.zeros(3), np.zeros(1)], activation="tanh")
GOOD_X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, -1.0]])
GOOD_Y = np.array([0, 1, 0])


@pytest.mark.parametrize("X, y, message", [
    (np.array([[0.0, np.nan], [1.0, 1.0]]), [0, 1], "NaN or infinite coordinates, the first at row 0"),
    (np.array([[0.0, 0.0], [np.inf, 1.0]]), [0, 1], "the first at row 1"),
    (np.zeros((4, 3)), [0, 1, 0, 1], r"shape \(n_points, 2\)"),
    (np.zeros(4), [0, 1, 0, 1], r"shape \(n_points, 2\)"),
    (np.zeros((1, 2)), [0], "at least 2 points"),
    (np.zeros((3, 2)), [0, 1], "one label per point"),
    (np.zeros((2, 2)), [0, np.nan], "y has 1 NaN or infinite value"),
    ([["a", "b"], ["c", "d"]], [0, 1], "must be numbers"),
])
def test_bad_points_are_refused_with_the_reason(X, y, message):
    with pytest.raises(DataError, match=message):
        check_points(X, y)
    with pytest.raises(DataError, match=message):
        nv.render_frame(SNAP, X, y, size=(128, 96))


@pytest.mark.parametrize("y, message", [
    ([0, 1, 2], "y must be class indices 0 to 1 for a model of 2 classes .or its own class labels., got 2"),
    (["cat", "dog", "cat"], "y must be class indices 0 to 1 .* got cat, dog"),
    ([0.5, 1.0, 0.0], "y must be class indices"),
])
def test_labels_a_binary_model_does_not_know_are_refused(y, message):
    with pytest.raises(DataError, match=message):
        nv.render_frame(SNAP, GOOD_X, y, size=(128, 96))


def test_labels_are_checked_against_the_models_own_classes():
    snap = nv.Snapshot(SNAP.weights, SNAP.biases, activation="tanh", classes=("cat", "dog"))
    with pytest.raises(DataError, match="y has labels the model does not know .bird.; its classes: cat, dog"):
        nv.render_frame(snap, GOOD_X, ["cat", "bird", "dog"], size=(128, 96))
    regressor = nv.Snapshot(SNAP.weights, SNAP.biases, activation="tanh", output_activation="identity")
    with pytest.raises(DataError, match="y must be numbers .the regression targets., got text labels"):
        nv.render_frame(regressor, GOOD_X, ["cat", "bird", "dog"], size=(128, 96))


def test_good_points_pass_and_labels_keep_their_kind():
    X, y = check_points(GOOD_X.tolist(), [0.0, 1.0, 0.0])
    assert X.dtype == np.float64 and y.dtype == np.int64 and y.tolist() == [0, 1, 0]
    assert check_points(GOOD_X, [0.5, 1.0, 0.0])[1].dtype == np.float64
    assert check_points(GOOD_X, ["a", "b", "a"])[1].tolist() == ["a", "b", "a"]


def test_test_points_are_checked_too_and_may_be_empty():
    with pytest.raises(DataError, match="X_test has 1 point"):
        nv.render_frame(SNAP, GOOD_X, GOOD_Y, np.array([[np.nan, 0.0]]), np.array([1]), size=(128, 96))
    frame = nv.render_frame(SNAP, GOOD_X, GOOD_Y, np.zeros((0, 2)), np.zeros(0), size=(128, 96))
    assert frame.shape == (96, 128, 3)


def test_video_recorder_refuses_bad_data_before_writing_anything(tmp_path):
    out = tmp_path / "never.mp4"
    with pytest.raises(DataError, match="y has 1 NaN"):
        nv.VideoRecorder(out, GOOD_X, np.array([0, 1, np.nan]), size=(128, 96))
    assert list(tmp_path.iterdir()) == []
