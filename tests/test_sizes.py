"""One size check: a frame, a window and a video refuse bad sizes in the same words, before any GL or ffmpeg."""

from __future__ import annotations

import numpy as np
import pytest

import nnviz_gl as nv
from nnviz_gl.sinks.ffmpeg import VideoWriter
from nnviz_gl.sizes import SizeError


def test_a_frame_too_small_is_refused_in_one_line(small_tanh_snapshot, xor_points):
    with pytest.raises(SizeError, match=r"^size 48x200 is too small to draw a frame; the smallest is 64x64$"):
        nv.render_frame(small_tanh_snapshot, *xor_points, size=(48, 200))
    with pytest.raises(SizeError, match=r"^size must be two whole numbers"):
        nv.render_frame(small_tanh_snapshot, *xor_points, size="big")


def test_a_window_too_small_is_refused_the_same_way(display):
    with pytest.raises(SizeError, match=r"^window size 32x32 is too small to draw a frame; the smallest is 64x64$"):
        nv.Viewer((32, 32), visible=False)


def test_a_video_with_an_odd_side_is_refused_naming_the_next_even_size(tmp_path):
    with pytest.raises(SizeError, match=r"video size 65x48 has an odd side.*try 66x48"):
        VideoWriter(tmp_path / "odd.mp4", (65, 48))
    assert list(tmp_path.iterdir()) == []


def test_a_recorder_refuses_before_starting_anything(tmp_path):
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(SizeError, match="too small"):
        nv.VideoRecorder(tmp_path / "x.mp4", X, (X[:, 0] > 0).astype(int), size=(16, 16))
    assert list(tmp_path.iterdir()) == []
