"""Ctrl-C and kill -9 with a WebM or a GIF: the same rules as an mp4. Ctrl-C finishes the frames so far
at the output path (a GIF's palette made from them); a killed render never leaves a file under the final
name; a WebM cut anywhere (its ffmpeg killed) still plays to its last cluster."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest

from ffmpeg_helpers import ProcessEnd
from nnviz_gl.sinks.probe import probe
from test_errors import _wait_for_fragments
from test_signals import Render

ENCODER = b".partial."  # in the encoding ffmpeg's command line only
PROGRESS = r"\| *([2-9]\d|\d{3,})/3000 "  # tqdm has counted at least 20 frames


def long_render(out: Path, *extra: str) -> Render:
    return Render("-r", "320,180", "--epochs", "3000", "-o", str(out), *extra)


@pytest.mark.parametrize("name", ["run.webm", "run.gif"])
def test_ctrl_c_finishes_a_playable_file_of_the_frames_so_far(tmp_path, name):
    out = tmp_path / name
    render = long_render(out, "--last-frame", str(tmp_path / "last.png"))
    render.wait_for_words(PROGRESS)
    render.proc.send_signal(signal.SIGINT)
    code, err = render.end(120)
    assert code == 130 and "Traceback" not in err, err
    frames = int(re.search(r"interrupted by SIGINT: (\d+) of 3000 frames, kept in", err).group(1))
    assert frames >= 20 and probe(out).frames == frames, err
    assert not list(tmp_path.glob("*.partial*")), "the temporary file became the video"
    assert (tmp_path / "last.png").exists(), "the last frame of the frames kept"


@pytest.mark.parametrize("name", ["run.webm", "run.gif"])
def test_kill_9_leaves_only_the_temporary_file_which_plays(tmp_path, name):
    """The render killed outright: its ffmpeg (in its own session) reads the end of its input and
    finishes the temporary file; the output path is never taken by an unfinished video."""
    out = tmp_path / name
    render = long_render(out)
    render.wait_for_words(PROGRESS)
    ffmpeg = ProcessEnd(render.child(ENCODER))
    render.proc.kill()
    render.end(30)
    assert ffmpeg.wait(60), "ffmpeg went on after its input ended"
    partial = out.with_name(f"run.partial{out.suffix}")
    assert not out.exists() and probe(partial).frames >= 20


def test_a_webm_cut_anywhere_plays_to_its_last_cluster(tmp_path):
    """ffmpeg itself killed -9 mid-stream: no cues, no sizes written at the end; the clusters written
    so far decode, and the render ends in one line that says where they are."""
    out = tmp_path / "run.webm"
    render = long_render(out, "--no-progress")
    partial = tmp_path / "run.partial.webm"
    _wait_for_fragments(partial, render.proc, min_bytes=60_000)
    os.kill(render.child(ENCODER), signal.SIGKILL)
    code, err = render.end(60)
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "run.partial.webm" in err and not out.exists(), err
    assert probe(partial).frames > 10


def test_a_gif_whose_finish_is_cut_short_leaves_no_file(tmp_path):
    """A GIF is written only at its end: an encoder killed before it (a frozen encoder after Ctrl-C, here
    stopped with SIGSTOP) leaves nothing, neither under the final name nor as a temporary file."""
    out = tmp_path / "run.gif"
    render = long_render(out)
    render.wait_for_words(PROGRESS)
    ffmpeg = render.child(ENCODER)
    os.kill(ffmpeg, signal.SIGSTOP)
    try:
        render.proc.send_signal(signal.SIGINT)
        code, err = render.end(60)
    finally:
        if Path(f"/proc/{ffmpeg}").exists():
            os.kill(ffmpeg, signal.SIGCONT)
    assert code == 130 and "no progress" in err and "nothing written" in err, err
    assert list(tmp_path.iterdir()) == []
