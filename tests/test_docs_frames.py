"""docs/problem_frames.py, which made the README's frame of each problem kind, still runs: at a tiny size,
each kind's frame shows its own picture (the classes' palette hues, or the regression's two-sided map)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np

from nnviz_gl.render.style import DEFAULT_STYLE

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "problem_frames.py"


def share_near(rgb: np.ndarray, colour, levels: float = 40.0) -> float:
    """Share of the frame's pixels within ``levels`` of a colour (0..1 RGB)."""
    return float((np.abs(rgb.astype(int) - np.array(colour) * 255).max(axis=-1) <= levels).mean())


def test_the_readme_frames_script_draws_each_problem_kind(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--size", "320,180", "--epochs", "40", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    frames = {p.stem: iio.imread(p) for p in tmp_path.glob("*.png")}
    assert sorted(frames) == ["binary", "features", "multiclass", "regression", "seed", "spiral3"]
    assert all(f.shape == (180, 320, 3) for f in frames.values())
    palette = DEFAULT_STYLE.palette
    assert sum(share_near(frames["multiclass"], c) > 0.01 for c in palette[:5]) == 5, "a blob's colour is missing"
    assert sum(share_near(frames["spiral3"], c) > 0.01 for c in palette[:3]) == 3
    assert share_near(frames["binary"], palette[2]) < 0.001, "a binary frame has no third class colour"
    # regression: both ends of the map appear (a strongly coloured pixel on each side of the pale middle)
    regression = frames["regression"].astype(int)
    assert (regression[..., 2] - regression[..., 0] > 60).any() and (regression[..., 0] - regression[..., 2] > 60).any()
