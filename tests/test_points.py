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
    (np.zeros((3, 2)), [0, 1, 2], "binary labels 0 and 1"),
    (np.zeros((3, 2)), [0, 1], "one label per point"),
    (np.zeros((2, 2)), ["cat", "dog"], "class labels 0 and 1"),
    ([["a", "b"], ["c", "d"]], [0, 1], "must be numbers"),
])
def test_bad_points_are_refused_with_the_reason(X, y, message):
    with pytest.raises(DataError, match=message):
        check_points(X, y)
    with pytest.raises(DataError, match=message):
        nv.render_frame(SNAP, X, y, size=(128, 96))


def test_good_points_pass_and_labels_become_integers():
    X, y = check_points(GOOD_X.tolist(), [0.0, 1.0, 0.0])
    assert X.dtype == np.float64 and y.dtype == np.int64 and y.tolist() == [0, 1, 0]


def test_test_points_are_checked_too_and_may_be_empty():
    with pytest.raises(DataError, match="X_test has 1 point"):
        nv.render_frame(SNAP, GOOD_X, GOOD_Y, np.array([[np.nan, 0.0]]), np.array([1]), size=(128, 96))
    frame = nv.render_frame(SNAP, GOOD_X, GOOD_Y, np.zeros((0, 2)), np.zeros(0), size=(128, 96))
    assert frame.shape == (96, 128, 3)


def test_video_recorder_refuses_bad_data_before_writing_anything(tmp_path):
    out = tmp_path / "never.mp4"
    with pytest.raises(DataError, match="binary labels"):
        nv.VideoRecorder(out, GOOD_X, np.array([0, 1, 5]), size=(128, 96))
    assert list(tmp_path.iterdir()) == []
