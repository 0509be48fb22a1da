"""docs/gallery.py, which makes the README's gallery (a GIF and a still of each dataset and problem kind)
and its frames, still runs: at a tiny size every GIF loops and decodes to the epochs drawn, each still is
its GIF's last frame, and each entry shows its own run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np

from nnviz_gl.sinks.probe import probe, read_frames

DOCS = Path(__file__).resolve().parents[1] / "docs"
sys.path.insert(0, str(DOCS))
from gallery import GALLERY  # noqa: E402
from problem_frames import RUNS  # noqa: E402


def test_the_gallery_script_makes_a_looping_gif_and_a_still_of_each_run(tmp_path):
    gallery, problems = tmp_path / "gallery", tmp_path / "problems"
    done = subprocess.run([sys.executable, str(DOCS / "gallery.py"), "--size", "161,91", "--epochs", "20",
                           "--every", "10", "--problems-size", "160,90", "--out", str(gallery),
                           "--problems-out", str(problems)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in gallery.iterdir()) == sorted(f"{n}.{ext}" for n in GALLERY for ext in ("gif", "png"))
    stills = {}
    for name in GALLERY:
        gif = gallery / f"{name}.gif"
        info = probe(gif)
        assert (info.codec, info.width, info.height, info.frames) == ("gif", 161, 91, 2), name
        assert b"NETSCAPE2.0\x03\x01\x00\x00" in gif.read_bytes(), f"{name}.gif does not loop"
        stills[name] = iio.imread(gallery / f"{name}.png")
        apart = np.abs(read_frames(gif)[-1].astype(int) - stills[name].astype(int)).mean()
        assert apart < 8, f"{name}.png is not its GIF's last frame ({apart:.1f} levels apart)"
    assert len({s.tobytes() for s in stills.values()}) == len(GALLERY), "two entries show the same picture"
    frames = {p.stem: iio.imread(p) for p in problems.glob("*.png")}
    assert sorted(frames) == sorted(RUNS) and all(f.shape == (90, 160, 3) for f in frames.values())
    assert "MB in all" in done.stdout
