"""Bad input and faults at the command line: one clear line, a non-zero exit, no traceback, nothing lost."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from polling import poll_until

from nnviz_gl.render.context import gl_info
from nnviz_gl.sinks.probe import probe, read_frames

CLI = [sys.executable, "-m", "nnviz_gl.cli"]
SMALL = ["-r", "160,96", "--samples", "60", "--no-progress"]


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=timeout)


def assert_clean_error(result, *needles: str, code: int = 1) -> str:
    err = result.stderr
    assert result.returncode == code, (result.returncode, err)
    assert "Traceback" not in err, err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"
    return err


# -- options ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("resolution, needle", [
    ("0,100", "must be positive"),
    ("-320,200", "must be positive"),
    ("wide,tall", "expected WIDTH,HEIGHT"),
    ("320", "expected WIDTH,HEIGHT"),
])
def test_impossible_sizes_are_usage_errors(resolution, needle, tmp_path):
    result = run_cli("render", f"--resolution={resolution}", "-o", str(tmp_path / "x.mp4"))
    assert_clean_error(result, needle, code=2)
    assert not list(tmp_path.iterdir())


def test_odd_size_is_refused_with_the_next_even_size(tmp_path):
    assert_clean_error(run_cli("render", "-r", "321,181", "-o", str(tmp_path / "x.mp4")), "odd", "322,182")


def test_size_beyond_the_largest_framebuffer_is_refused_before_training(tmp_path):
    started = time.perf_counter()
    result = run_cli("render", "-r", "40000,200", "--codec", "libx265", "--epochs", "100000",  # x264 stops at 16384
                     "-o", str(tmp_path / "x.mp4"))
    assert_clean_error(result, "largest framebuffer", "40000x200")
    assert time.perf_counter() - started < 60  # 100000 epochs were never trained
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("option, value, valid", [
    ("--dataset", "spirals", "moons"),
    ("--activation", "gelu", "tanh"),
    ("--codec", "h266", "libx264"),
    ("-q", "x", "'k'"),
])
def test_unknown_names_list_the_valid_ones(option, value, valid, tmp_path):
    assert_clean_error(run_cli("render", option, value, "-o", str(tmp_path / "x.mp4")), "invalid choice", valid, code=2)


@pytest.mark.parametrize("args, needle", [
    (["--hidden="], "--hidden"),
    (["--hidden", "5,0,3"], "at least 1 neuron"),
    (["--hidden", "5,-2"], "at least 1 neuron"),
    (["--hidden", "5,,3"], "separated by commas"),
    (["--epochs", "0"], "must be at least 1"),
    (["--fps=-30"], "above 0"),
    (["--fps", "nan"], "above 0"),
    (["--frames-per-epoch", "0"], "must be at least 1"),
    (["--every", "0"], "must be at least 1"),
])
def test_bad_network_shapes_and_counts(args, needle, tmp_path):
    assert_clean_error(run_cli("render", *args, "-o", str(tmp_path / "x.mp4")), needle, code=2)


# -- output paths ----------------------------------------------------------------------------------
def test_missing_output_folder_is_reported_before_training(tmp_path):
    result = run_cli("render", *SMALL, "--epochs", "100000", "-o", str(tmp_path / "nowhere" / "x.mp4"))
    assert_clean_error(result, "does not exist", "nowhere")


def test_unwritable_output_folder_is_reported(tmp_path):
    assert_clean_error(run_cli("render", *SMALL, "-o", "/proc/x.mp4"), "/proc")


def test_a_record_file_that_cannot_be_made_leaves_no_video_and_no_worker(tmp_path):
    """The recording opens once the training worker has sent its data, after ffmpeg has started: the
    failure still removes the unfinished video and ends the worker."""
    # The render has exited, so its children cannot be listed: they (worker, ffmpeg) are found by a mark in the
    # environment they inherit (another render running on this machine does not carry it).
    mark = f"NNVIZ_TEST_MARK={uuid.uuid4().hex}"
    result = run_cli("render", *SMALL, "--epochs", "100000", "-o", str(tmp_path / "x.mp4"),
                     "--record", str(tmp_path / "nowhere" / "run.nnviz"), env=dict([mark.split("=")]))
    assert_clean_error(result, "nowhere")
    assert list(tmp_path.iterdir()) == []
    assert _pids_with_environment(mark) == [], "the training worker or ffmpeg outlived the render"


def _process_files(*names: str) -> Iterator[tuple[int, list[bytes]]]:
    """(pid, contents of /proc/pid/<name> for each name) of every process whose files can be read."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            yield int(entry.name), [(entry / name).read_bytes() for name in names]
        except OSError:  # gone meanwhile, or another user's
            continue


def _pids_with_environment(entry: str) -> list[int]:
    """Processes whose environment holds ``entry`` (NAME=value); only ours can be read."""
    return [pid for pid, (environ,) in _process_files("environ") if entry.encode() in environ.split(b"\0")]


# -- GL --------------------------------------------------------------------------------------------
def test_opengl_too_old_says_what_is_needed(tmp_path, ctx):
    if "Mesa" not in gl_info(ctx).version:
        pytest.skip("only Mesa lowers its OpenGL version on request (MESA_GL_VERSION_OVERRIDE)")
    result = run_cli("render", *SMALL, "--epochs", "2", "-o", str(tmp_path / "x.mp4"),
                     env={"MESA_GL_VERSION_OVERRIDE": "3.1"})
    assert_clean_error(result, "OpenGL 3.3 core is needed", "older OpenGL")
    assert not (tmp_path / "x.mp4").exists()


def test_no_opengl_at_all_says_what_is_needed(tmp_path):
    result = run_cli("info", env={"__EGL_VENDOR_LIBRARY_FILENAMES": str(tmp_path / "none.json")})
    assert_clean_error(result, "OpenGL 3.3 core is needed", "no OpenGL driver")


# -- diverging training ----------------------------------------------------------------------------
def test_diverging_weights_still_render_a_picture(tmp_path):
    out = tmp_path / "nan.mp4"
    result = run_cli("render", *SMALL, "--epochs", "4", "--learning-rate", "1e200", "-o", str(out))
    assert result.returncode == 0, result.stderr
    frames = read_frames(out)
    assert len(frames) == 4
    assert frames[-1].mean() > 20  # not a black video: panels, hatched field, network, text


# -- signals and kills -----------------------------------------------------------------------------
def _start_render(tmp_path: Path, out: Path, *, ignore_sigint: bool = False) -> subprocess.Popen:
    def child_setup():
        if ignore_sigint:  # what a shell does to a job it starts in the background
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    # 640x480 RGBA frames (1.2 MB) are over the pipe's 1 MiB: on Linux they are spliced, the default path.
    return subprocess.Popen([*CLI, "render", "-r", "640,480", "--epochs", "3000", "--no-progress", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=child_setup)


def _wait_for_fragments(partial: Path, proc: subprocess.Popen, min_bytes: int = 20_000) -> None:
    def written() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"render ended early: {proc.stderr.read()}")
        return partial.exists() and partial.stat().st_size > min_bytes

    poll_until(written, 90, "no fragment was written in time")


def _wait_for_exit(pidfd: int, seconds: float) -> bool:
    """Whether the process behind ``pidfd`` (not our child: its fd turns readable when it ends) ended in time."""
    try:
        return bool(select.select([pidfd], [], [], seconds)[0])
    finally:
        os.close(pidfd)


@pytest.mark.parametrize("signum, code, ignore_sigint", [
    (signal.SIGINT, 130, False),
    (signal.SIGINT, 130, True),   # started in the background: SIGINT ignored at start, handled anyway
    (signal.SIGTERM, 143, False),
])
def test_interrupted_render_keeps_a_playable_video(signum, code, ignore_sigint, tmp_path):
    out = tmp_path / "run.mp4"
    proc = _start_render(tmp_path, out, ignore_sigint=ignore_sigint)
    _wait_for_fragments(tmp_path / "run.partial.mp4", proc)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Traceback" not in err
    match = re.search(r"(\d+) of 3000 frames", err)
    assert match, err
    info = probe(out)
    assert info.frames == int(match.group(1)) > 0
    assert not (tmp_path / "run.partial.mp4").exists()


def test_kill_9_leaves_a_playable_partial_file_and_the_old_video_untouched(tmp_path):
    out = tmp_path / "run.mp4"
    out.write_bytes(b"the previous video")
    proc = _start_render(tmp_path, out)
    partial = tmp_path / "run.partial.mp4"
    _wait_for_fragments(partial, proc)
    ffmpeg = _child(proc.pid, b"ffmpeg")
    assert ffmpeg is not None
    ffmpeg_end = os.pidfd_open(ffmpeg)
    proc.kill()
    proc.communicate(timeout=30)
    # ffmpeg (its own session) sees its input end, finishes the fragment it had and exits.
    assert _wait_for_exit(ffmpeg_end, 30), "ffmpeg outlived the render it encoded for"
    assert out.read_bytes() == b"the previous video"
    info = probe(partial)
    assert info.codec == "h264" and info.frames > 0


def _child(pid: int, command_part: bytes) -> int | None:
    """The child of ``pid`` whose command line holds ``command_part`` (ffmpeg, the training worker)."""
    for child, (stat, cmdline) in _process_files("stat", "cmdline"):
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        if ppid == pid and command_part in cmdline:
            return child
    return None


def _kill_child_mid_stream(tmp_path: Path, command_part: bytes, signum: int) -> tuple[Path, str]:
    """Start a render, let it write, kill one of its children; the render must end as a one-line error."""
    out = tmp_path / "run.mp4"
    proc = _start_render(tmp_path, out)
    _wait_for_fragments(tmp_path / "run.partial.mp4", proc)
    child = _child(proc.pid, command_part)
    assert child is not None
    os.kill(child, signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "Traceback" not in err, err
    return out, err


def test_ffmpeg_dying_mid_stream_is_reported_with_its_own_words(tmp_path):
    _, err = _kill_child_mid_stream(tmp_path, b"ffmpeg", signal.SIGTERM)
    assert "ffmpeg" in err
    assert "signal 15" in err or "Exiting normally" in err or "received signal" in err, err


def test_the_training_worker_dying_is_one_line_and_the_frames_drawn_are_kept(tmp_path):
    out, err = _kill_child_mid_stream(tmp_path, b"nnviz_gl.training.worker", signal.SIGKILL)
    assert "training worker ended" in err and "run.partial.mp4" in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists(), "a failed run does not take the final name"
    assert probe(tmp_path / "run.partial.mp4").frames > 0, "what was drawn is kept, playable, beside it"


def test_ctrl_c_while_the_worker_is_still_starting_ends_everything_cleanly(tmp_path):
    """The window this design opens: the render process waits for the worker's first data (its
    scikit-learn import) with GL and ffmpeg already started. A Ctrl-C there leaves no file and no worker."""
    out = tmp_path / "run.mp4"
    proc = _start_render(tmp_path, out)
    poll_until(lambda: proc.poll() is not None or _child(proc.pid, b"nnviz_gl.training.worker") is not None,
                60, "no training worker started")
    worker = _child(proc.pid, b"nnviz_gl.training.worker")
    assert worker is not None and proc.poll() is None, "the render ended before its worker started"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted by SIGINT" in err, err
    assert not Path(f"/proc/{worker}").exists(), "the render process ended and reaped its worker"
    if "nothing written" in err:  # the usual case: the worker had not sent its data yet
        assert list(tmp_path.iterdir()) == []
    else:
        assert probe(out).frames > 0
