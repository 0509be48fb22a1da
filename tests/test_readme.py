"""The README's Python examples run as written (in a temporary folder, at the sizes they give)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nnviz_gl.sinks.probe import probe

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(BLOCKS[index], f"README.md python block {index + 1}", "exec"), {"__name__": "__readme__"})
    for video in tmp_path.glob("*.mp4"):
        info = probe(video)
        assert info.frames > 0 and info.codec == "h264" and (info.width, info.height) == (640, 360)
    assert not list(tmp_path.glob("*.partial.mp4"))


def test_readme_recorder_examples_write_one_frame_per_publish(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(BLOCKS[1], "README.md python block 2", "exec"), {"__name__": "__readme__"})
    assert probe(tmp_path / "moons.mp4").frames == 30
