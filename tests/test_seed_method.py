"""The seed-method baseline (benchmarks/seed_method.py) must produce a real video, or the benchmark
against it measures nothing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("imageio")
imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")

SEED_METHOD = Path(__file__).resolve().parents[1] / "benchmarks" / "seed_method.py"


def decoded_video(path: Path) -> tuple[int, str]:
    """Decode every frame with ffmpeg; return (frame count, WxH of the video stream)."""
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-i", str(path), "-map", "0:v", "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"ffmpeg could not decode {path}:\n{result.stderr}"
    frames = re.findall(r"frame=\s*(\d+)", result.stderr)
    size = re.search(r"Video: .*?(\d{2,5})x(\d{2,5})", result.stderr)
    assert frames, f"no frame= progress line in ffmpeg's output:\n{result.stderr}"
    assert size, f"no video stream size in ffmpeg's output:\n{result.stderr}"
    return int(frames[-1]), f"{size.group(1)}x{size.group(2)}"


def test_seed_method_writes_one_frame_per_epoch_at_the_asked_size(tmp_path: Path) -> None:
    output = tmp_path / "seed.mp4"
    result = subprocess.run(
        [sys.executable, str(SEED_METHOD), "-o", str(output), "--size", "320x180", "--epochs", "3", "--fps", "30"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, f"seed method failed:\n{result.stdout}\n{result.stderr}"
    assert re.search(r"in \d+\.\d+ s", result.stdout), f"no wall time printed: {result.stdout!r}"
    assert output.stat().st_size > 0
    assert decoded_video(output) == (3, "320x180")


def test_seed_method_rejects_an_odd_size(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SEED_METHOD), "-o", str(tmp_path / "x.mp4"), "--size", "321x180", "--epochs", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "even" in result.stderr
    assert not (tmp_path / "x.mp4").exists()
