"""The wheel carries the GLSL files, and an installed package finds them outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHADERS = sorted(p.name for p in (ROOT / "shaders").iterdir() if p.is_file())


def test_wheel_ships_every_shader(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    wheel = next(tmp_path.glob("nnviz_gl-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [s for s in SHADERS if f"nnviz_gl/shaders/{s}" not in names]
    assert not missing, f"shaders missing from the wheel: {missing}"


def test_shaders_found_from_outside_the_checkout(tmp_path):
    code = "from nnviz_gl.render.shaders import shader_dir; import os; print(sorted(os.listdir(shader_dir())))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert all(name in out.stdout for name in SHADERS)
