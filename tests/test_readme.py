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


HEADLESS = [i for i, block in enumerate(BLOCKS) if "nv.Viewer(" not in block]
WINDOWED = [i for i, block in enumerate(BLOCKS) if "nv.Viewer(" in block]


@pytest.mark.parametrize("index", HEADLESS)
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


@pytest.mark.parametrize("index", WINDOWED)
def test_readme_window_example_runs(index, display, tmp_path, monkeypatch, capsys):
    """The window example, on a virtual display; run() gets a duration instead of a person pressing q."""
    import nnviz_gl as nv

    real_run = nv.Viewer.run
    monkeypatch.setattr(nv.Viewer, "run", lambda self, duration=None, **kw: real_run(self, duration=duration or 3.0, **kw))
    monkeypatch.chdir(tmp_path)
    exec(compile(BLOCKS[index], f"README.md python block {index + 1}", "exec"), {"__name__": "__readme__"})
    line = capsys.readouterr().out
    frames = int(re.search(r"frames=(\d+)", line).group(1))
    assert frames > 0, line
