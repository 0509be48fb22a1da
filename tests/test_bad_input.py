"""Bad input refused before any work, in one line: an output that is also an input, options ffmpeg
would refuse, and no warnings from a diverging model on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nnviz_gl.commands.options import ENCODER_MAX_SIZE, FFMPEG_MAX_PADDED_AREA
from nnviz_gl.sinks.ffmpeg_process import MAX_FPS, MIN_FPS
from nnviz_gl.sinks.ffmpeg_process import encode_command
from nnviz_gl.sinks.probe import probe

CLI = [sys.executable, "-m", "nnviz_gl.cli"]
SMALL = ["-r", "160,96", "--samples", "60", "--no-progress"]
NEVER_ENDS = ["--epochs", "100000"]  # a run that would take hours: it must be refused before training


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def one_line_error(result, *needles: str, code: int = 1) -> str:
    err = result.stderr
    assert result.returncode == code, (result.returncode, err)
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("nnviz-gl")]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
    return lines[0]


def snapshot_of(folder: Path) -> dict[str, bytes | None]:
    """Every name in ``folder`` with its bytes (None for a folder)."""
    return {p.name: None if p.is_dir() else p.read_bytes() for p in sorted(folder.iterdir())}


# -- an output that is also an input ---------------------------------------------------------------
@pytest.mark.parametrize("record", ["out.mp4", "./sub/../out.mp4", "{tmp}/out.mp4", "hard-link.mp4",
                                    "symlink.nnviz"])
def test_an_output_that_is_the_recording_is_refused_before_any_work(record, tmp_path):
    (tmp_path / "out.mp4").write_bytes(b"the user's video, not to be replaced" * 100)
    os.link(tmp_path / "out.mp4", tmp_path / "hard-link.mp4")
    (tmp_path / "symlink.nnviz").symlink_to(tmp_path / "out.mp4")
    (tmp_path / "sub").mkdir()
    before = snapshot_of(tmp_path)
    started = time.monotonic()
    result = run_cli("render", *SMALL, *NEVER_ENDS, "--record", record.format(tmp=tmp_path), "-o", "out.mp4",
                     cwd=tmp_path)
    one_line_error(result, "same file", "--record")
    assert time.monotonic() - started < 60  # 100000 epochs were never trained
    assert snapshot_of(tmp_path) == before  # same names, same bytes: no partial beside it either


@pytest.mark.parametrize("source", ["run.nnviz", "hard-link.nnviz"])
def test_an_output_that_is_the_recorded_run_is_refused(source, tmp_path):
    (tmp_path / "run.nnviz").write_bytes(b"a recorded run" * 100)
    os.link(tmp_path / "run.nnviz", tmp_path / "hard-link.nnviz")
    before = snapshot_of(tmp_path)
    result = run_cli("render", "--from", source, "-o", "run.nnviz", "--no-progress", cwd=tmp_path)
    one_line_error(result, "same file", "--from")
    assert snapshot_of(tmp_path) == before


# -- options ffmpeg would refuse -------------------------------------------------------------------
@pytest.mark.parametrize("fps, needle", [
    ("1e-9", "1/1001 fps"),
    ("0.0004", "1/1001 fps"),
    ("2e6", f"at most {MAX_FPS} fps"),
    ("1e10", f"at most {MAX_FPS} fps"),
])
def test_frame_rates_ffmpeg_cannot_write_are_usage_errors(fps, needle, tmp_path):
    one_line_error(run_cli("render", *SMALL, "--fps", fps, "-o", str(tmp_path / "x.mp4")), "--fps", needle, code=2)
    assert list(tmp_path.iterdir()) == []


def _encode_three_frames(tmp_path: Path, size: tuple[int, int], fps: float) -> subprocess.CompletedProcess:
    """The bundled ffmpeg given the command line the sink builds, three black frames on stdin."""
    command = encode_command(size, fps, "rgb24", False, ["-c:v", "libx264", "-preset", "ultrafast"], "mp4",
                             tmp_path / "probe.mp4")
    return subprocess.run(command, input=bytes(size[0] * size[1] * 3) * 3, capture_output=True, timeout=120)


def test_the_frame_rate_limits_are_the_bundled_ffmpegs(tmp_path):
    """The slowest and fastest accepted rates are written as asked; just beyond them ffmpeg refuses or caps."""
    for fps in (MIN_FPS, MAX_FPS):
        assert _encode_three_frames(tmp_path, (64, 64), fps).returncode == 0
        assert probe(tmp_path / "probe.mp4").fps == pytest.approx(fps, rel=2e-3)  # as ffmpeg prints it
    assert _encode_three_frames(tmp_path, (64, 64), MIN_FPS / 2.5).returncode != 0
    assert _encode_three_frames(tmp_path, (64, 64), MAX_FPS * 2).returncode == 0
    assert probe(tmp_path / "probe.mp4").fps == pytest.approx(MAX_FPS)  # silently capped: why it is refused


@pytest.mark.parametrize("args, needles", [
    (["-r", "16386,96"], ("16386x96", "libx264", "16384")),
    (["-r", "96,16386", "--codec", "libx264"], ("96x16386", "libx264", "16384")),
    (["-r", "16384,9000", "--codec", "libsvtav1"], ("16384x9000", "libsvtav1", "8704")),
    (["-r", "16384,16200", "--codec", "libx265"], ("16384x16200", "ffmpeg")),
])
def test_sizes_beyond_the_encoder_are_refused_before_any_work(args, needles, tmp_path):
    started = time.monotonic()
    result = run_cli("render", *args, *NEVER_ENDS, "--no-progress", "-o", str(tmp_path / "x.mp4"))
    one_line_error(result, *needles)
    assert time.monotonic() - started < 60
    assert list(tmp_path.iterdir()) == []


def test_the_size_limits_are_the_bundled_ffmpegs(tmp_path):
    """libx264 encodes its largest side and refuses one more; ffmpeg refuses a frame past its area limit."""
    widest = ENCODER_MAX_SIZE["libx264"][0]
    assert _encode_three_frames(tmp_path, (widest, 64), 30).returncode == 0
    refused = _encode_three_frames(tmp_path, (widest + 2, 64), 30)
    assert refused.returncode != 0 and b"invalid width x height" in refused.stderr
    tallest_fitting = FFMPEG_MAX_PADDED_AREA // (widest + 128) - 128
    too_tall = tallest_fitting + 2 - tallest_fitting % 2
    refused = _encode_three_frames(tmp_path, (widest, too_tall), 30)
    assert refused.returncode != 0 and b"Picture size" in refused.stderr


@pytest.mark.parametrize("command", ["render", "info"])
def test_a_negative_gpu_index_is_a_usage_error(command, tmp_path):
    one_line_error(run_cli(command, "--gpu", "-1", cwd=tmp_path), "--gpu", "0 or more", code=2)
    assert list(tmp_path.iterdir()) == []


# -- a diverging model -----------------------------------------------------------------------------
DIVERGING = ["--learning-rate", "1e300", "--epochs", "12", "--frames-per-epoch", "2"]
EVERY_WARNING = {"PYTHONWARNINGS": "always"}  # each occurrence printed, not just a location's first


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_a_diverging_model_renders_without_warnings_on_stderr(activation, tmp_path):
    result = run_cli("render", *SMALL, *DIVERGING, "--activation", activation, "-o", str(tmp_path / "x.mp4"),
                     env=EVERY_WARNING)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr
    assert probe(tmp_path / "x.mp4").frames == 24


def test_a_diverging_model_in_the_window_leaves_no_warnings_on_stderr(display, tmp_path):
    result = run_cli("watch", "-r", "320,200", "--samples", "60", "--learning-rate", "1e300", "--speed", "max",
                     "--duration", "3", "--no-vsync", "--output-dir", str(tmp_path),
                     env={**EVERY_WARNING, "DISPLAY": display})
    assert result.returncode == 0, result.stderr
    assert "epochs=" in result.stdout  # it trained (and diverged) while the window drew
    assert "Warning" not in result.stderr, result.stderr


# -- a network the binary renderer cannot draw -----------------------------------------------------
def test_a_recorded_two_output_network_is_refused_in_one_line_before_the_first_frame(tmp_path, monkeypatch):
    """A .nnviz file from elsewhere holding a 2-output network (written here by TrajectoryWriter with the
    check switched off, as an older nnviz_gl wrote it): refused when the file is opened, no video started."""
    import numpy as np

    import nnviz_gl as nv

    from nnviz_gl import trajectory_writer

    monkeypatch.setattr(nv.Architecture, "__post_init__", lambda self: None, raising=False)
    monkeypatch.setattr(trajectory_writer, "architecture_problem", lambda arch: None)
    X = np.random.default_rng(0).normal(size=(20, 2))
    with nv.TrajectoryWriter(tmp_path / "run.nnviz", X, (X[:, 0] > 0).astype(np.int64)) as writer:
        for epoch in (1, 2):
            writer.publish(nv.Snapshot([np.ones((2, 3)), np.ones((3, 2))], [np.zeros(3), np.zeros(2)], epoch=epoch))
    monkeypatch.undo()
    result = run_cli("render", "--from", "run.nnviz", "-r", "160,96", "--no-progress", "-o", "x.mp4", cwd=tmp_path)
    one_line_error(result, "run.nnviz", "2 outputs", "a binary classifier (logistic output) is drawn with 1 output")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.nnviz"]
