"""`nnviz-gl render` end to end, as a user runs it: a real process, a real mp4, checked with ffmpeg."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from nnviz_gl.sinks.probe import probe, read_frames

ISSUE_OPTIONS = ("-o", "-q", "-r", "--fps", "--epochs", "--dataset", "--noise", "--samples", "--test-size",
                 "--hidden", "--activation", "--alpha", "--learning-rate", "--seed", "--crf")


def nnviz_gl() -> list[str]:
    """The installed console script next to this interpreter (what `pip install .` puts on PATH)."""
    script = Path(sys.executable).with_name("nnviz-gl")
    if script.exists():
        return [str(script)]
    found = shutil.which("nnviz-gl")
    return [found] if found else [sys.executable, "-m", "nnviz_gl.cli"]


def run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([*nnviz_gl(), *args], capture_output=True, text=True, timeout=timeout)


def render_args(out: Path, *args: str, progress: bool = False) -> tuple[str, ...]:
    return ("render", "-o", str(out), *args, *(() if progress else ("--no-progress",)))


def rendered(job, out: Path) -> subprocess.CompletedProcess:
    done = job.result()
    assert done.returncode == 0, f"nnviz-gl render failed ({done.returncode}):\n{done.stderr}"
    assert out.is_file()
    return done


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    """Every render of this module, started at once two at a time (each process is mostly one core)."""
    folder = tmp_path_factory.mktemp("cli")
    small = ("-r", "320,180", "--epochs", "12")
    plan = {
        # The brief's run: 12 epochs at 320x180, defaults otherwise (the seed's data and 5-10-5 network).
        "small": (small, True),
        "again": (small, False),
        "other_seed": ((*small, "--seed", "1"), False),
        "frames-per-epoch": (("-r", "160,96", "--fps", "12", "--frames-per-epoch", "3", "--epochs", "4"), False),
        "every": (("-r", "160,96", "--fps", "12", "--every", "5", "--epochs", "20"), False),
        # -q l, and the training options of the issue that the other runs leave at their defaults.
        "low": (("-q", "l", "--epochs", "2", "--dataset", "xor", "--noise", "0.1", "--samples", "80",
                 "--test-size", "0.25", "--alpha", "0.01", "--learning-rate", "0.01", "--crf", "30",
                 "--hidden", "4,4", "--activation", "logistic"), False),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {name: (pool.submit(run, *render_args(folder / f"{name}.mp4", *args, progress=progress)),
                       folder / f"{name}.mp4") for name, (args, progress) in plan.items()}
        yield {name: (rendered(job, out), out) for name, (job, out) in jobs.items()}


def test_render_writes_one_h264_frame_per_epoch(renders):
    _, out = renders["small"]
    info = probe(out)
    assert (info.frames, info.width, info.height) == (12, 320, 180)
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p")
    assert info.fps == pytest.approx(30.0)


def test_render_closing_line_names_file_frames_duration_and_wall_time(renders):
    done, out = renders["small"]
    last = done.stdout.strip().splitlines()[-1]
    assert str(out) in last, last
    assert re.search(r"\b12 frames\b", last), last
    assert re.search(r"\b0\.4 s at 30 fps\b", last), last          # 12 frames at 30 fps
    assert re.search(r"\bin \d+(\.\d+)? s\b", last), last          # wall time
    assert "12/12" in done.stderr, "the progress bar counts frames to the end"


def test_same_seed_same_frames_other_seed_other_frames(renders):
    first = read_frames(renders["small"][1])
    assert first.shape == (12, 180, 320, 3)
    np.testing.assert_array_equal(first, read_frames(renders["again"][1]))
    assert not np.array_equal(first, read_frames(renders["other_seed"][1]))
    assert not np.array_equal(first[0], first[-1]), "the frames show training, not one still"


@pytest.mark.parametrize("name, frames", [("frames-per-epoch", 12), ("every", 4)])
def test_frame_counts_follow_the_options(renders, name, frames):
    info = probe(renders[name][1])
    assert (info.frames, info.width, info.height) == (frames, 160, 96)
    assert info.fps == pytest.approx(12.0)


def test_quality_l_is_854x480_and_training_options_are_taken(renders):
    done, out = renders["low"]
    info = probe(out)
    assert (info.width, info.height, info.frames) == (854, 480, 2)
    assert "854x480" in done.stdout
    assert read_frames(out)[-1].max() > 100, "a drawn frame, not a blank one"


def test_info_names_the_driver_and_says_why_an_encoder_does_not_work():
    result = run("info", timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for field in ("OpenGL vendor:", "OpenGL renderer:", "OpenGL version:", "largest frame:", "ffmpeg:"):
        assert field in out
    assert re.search(r"largest frame:\s+\d+x\d+", out)
    encoders = dict(re.findall(r"^encoder (\S+)\s+(.+)$", out, re.M))
    assert set(encoders) == {"libx264", "libx265", "h264_nvenc", "hevc_nvenc", "libsvtav1"}
    assert encoders["libx264"] == "works"
    for verdict in encoders.values():
        assert verdict == "works" or re.fullmatch(r"not available: \S.*", verdict), verdict


def test_help_teaches_every_option_of_the_issue():
    with ThreadPoolExecutor(max_workers=2) as pool:
        top, sub = pool.map(lambda args: run(*args), [("--help",), ("render", "--help")])
    assert top.returncode == 0, top.stderr
    assert "render" in top.stdout
    assert sub.returncode == 0, sub.stderr
    missing = [opt for opt in ISSUE_OPTIONS if not re.search(rf"(^|[\s,\[]){re.escape(opt)}\b", sub.stdout)]
    assert not missing, f"render --help does not mention {missing}"
    for activation in ("identity", "logistic", "tanh", "relu"):
        assert activation in sub.stdout
    for dataset in ("classification", "moons", "circles", "xor"):
        assert dataset in sub.stdout


def test_bad_options_are_one_line_errors(tmp_path):
    odd = run("render", "-r", "321,180", "--epochs", "1", "-o", str(tmp_path / "odd.mp4"))
    assert odd.returncode == 1
    assert "even" in odd.stderr and "Traceback" not in odd.stderr
    assert not (tmp_path / "odd.mp4").exists()
