"""Every script in examples/ runs, small, as a user would run it, and writes the video it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nnviz_gl.sinks.probe import probe

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))
WIDTH, HEIGHT, EPOCHS = 160, 96, 4
NEEDS = {"02_torch_record_then_render.py": "torch"}


def test_there_are_examples():
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_small_and_writes_its_video(script, tmp_path):
    if script.name in NEEDS:
        pytest.importorskip(NEEDS[script.name])
    out = tmp_path / "out.mp4"
    run = subprocess.run(
        [sys.executable, str(script), "--size", f"{WIDTH},{HEIGHT}", "--epochs", str(EPOCHS), "--out", str(out)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert run.returncode == 0, f"{script.name} failed:\n{run.stderr[-3000:]}"
    info = probe(out)
    assert (info.width, info.height, info.frames) == (WIDTH, HEIGHT, EPOCHS)
