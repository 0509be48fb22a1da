"""Encoder probing and the codec policy, against the real bundled ffmpeg."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from ffmpeg_helpers import BLUE, RED, H, W, two_colour_frame

from nnviz_gl.sinks import codecs
from nnviz_gl.sinks.codecs import CODECS, encoder_report, encoder_works
from nnviz_gl.sinks.ffmpeg import VideoWriter
from nnviz_gl.sinks.probe import parse_stream_header, probe, read_frames


def test_unknown_codec_error_lists_valid_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as err:
        VideoWriter(tmp_path / "x.mp4", (W, H), codec="mpeg2")
    for name in CODECS:
        assert name in str(err.value)


def test_bad_preset_and_crf_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="veryfast"):
        VideoWriter(tmp_path / "x.mp4", (W, H), codec="libx264", preset="p4")
    with pytest.raises(ValueError, match="0..51"):
        VideoWriter(tmp_path / "x.mp4", (W, H), codec="libx264", crf=80)
    assert list(tmp_path.iterdir()) == []


def test_encoder_threads_caps_the_encoder(tmp_path: Path) -> None:
    out = tmp_path / "one_thread.mp4"
    with VideoWriter(out, (W, H), codec="libx264", encoder_threads=1) as writer:
        for _ in range(3):
            writer.write(two_colour_frame(RED, BLUE))
    i = writer.command.index("-threads")
    assert writer.command[i + 1] == "1" and writer.command.index("-c:v") > i > writer.command.index("-i")
    assert probe(out).frames == 3
    for bad in (0, -2, 1.5, True, "2"):
        with pytest.raises(ValueError, match="encoder_threads"):
            VideoWriter(tmp_path / "bad.mp4", (W, H), codec="libx264", encoder_threads=bad)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one_thread.mp4"]


@pytest.mark.parametrize("driver", ["missing", "there but NVENC unusable"])
def test_auto_codec_makes_an_x264_video_where_nvenc_cannot_work(tmp_path: Path, monkeypatch, driver) -> None:
    """Without an NVIDIA driver NVENC cannot work: ``auto`` must still make a true h264 video, and it
    must be x264's (its own SEI says so). "there but NVENC unusable" points the driver check at an
    existing file, so ffmpeg's real NVENC trial encode runs and fails, as with a driver too old."""
    if os.path.exists(codecs.NVIDIA_DEVICE):
        pytest.skip("an NVIDIA driver is here: NVENC may really work")
    if driver != "missing":
        if "h264_nvenc" not in codecs.available_encoders():
            pytest.skip("this ffmpeg has no NVENC compiled in")
        monkeypatch.setattr(codecs, "NVIDIA_DEVICE", os.devnull)
    commands: list[list[str]] = []
    real_run = subprocess.run
    monkeypatch.setattr(codecs.subprocess, "run", lambda cmd, *a, **k: commands.append(cmd) or real_run(cmd, *a, **k))
    codecs._trial_error_cached.cache_clear()
    colours = [((40 * i) % 256, 200, 255 - 30 * i, 255) for i in range(6)]
    out = tmp_path / "auto.mp4"
    try:
        with VideoWriter(out, (W, H), codec="auto", bottom_up=False) as writer:
            for colour in colours:
                writer.write(two_colour_frame(colour, BLUE))
    finally:
        codecs._trial_error_cached.cache_clear()  # forget the faked verdict
    nvenc_trials = [cmd for cmd in commands if "h264_nvenc" in cmd]
    assert len(nvenc_trials) == (0 if driver == "missing" else 1), commands
    info = probe(out)
    assert (info.codec, info.frames) == ("h264", len(colours))
    assert b"x264 - core" in out.read_bytes(), "the video was not encoded by x264"
    for frame, colour in zip(read_frames(out), colours, strict=True):
        np.testing.assert_allclose(frame[4, W // 2], colour[:3], atol=8)
        np.testing.assert_allclose(frame[H - 5, W // 2], BLUE[:3], atol=8)


def test_encoder_report_lists_every_concrete_codec() -> None:
    report = dict(encoder_report())
    assert set(report) == set(CODECS) - {"auto"}
    assert report["libx264"] is None  # works: no reason against it
    assert all(reason is None or (reason.strip() and "\n" not in reason) for reason in report.values())


def test_a_failed_trial_is_told_in_the_encoders_own_words(monkeypatch) -> None:
    """A real NVENC trial that fails (no CUDA here; on a GPU server a driver too old for this ffmpeg)
    comes back as the lines ffmpeg tags with the encoder, not its pipeline's echoes of the failure."""
    if "h264_nvenc" not in codecs.available_encoders() or encoder_works("h264_nvenc"):
        pytest.skip("needs an ffmpeg with NVENC compiled in, on a machine where it does not work")
    monkeypatch.setattr(codecs, "NVIDIA_DEVICE", os.devnull)  # run the trial encode even without a driver
    reason = codecs._trial_error("h264_nvenc")
    said = codecs._encoder_own_words("h264_nvenc", reason)
    assert said and "\n" not in said and "Terminating thread" not in said, said
    for part in said.split("; "):
        assert re.search(r"^\[h264_nvenc @ 0x[0-9a-f]+\] " + re.escape(part) + "$", reason, re.M), part


def test_stream_header_parsing() -> None:
    line = ("  Stream #0:0[0x1](und): Video: hevc (Main) (hvc1 / 0x31637668), yuv420p(tv, bt709, "
            "progressive), 3840x2160 [SAR 1:1 DAR 16:9], 1234 kb/s, 29.97 fps, 29.97 tbr, 30k tbn")
    assert parse_stream_header(line) == ("hevc", 3840, 2160, "yuv420p", 29.97)


def test_nvenc_is_reported_missing_without_an_nvidia_driver(monkeypatch) -> None:
    """No /dev/nvidiactl: NVENC is refused with the reason, without a trial encode."""
    if "h264_nvenc" not in codecs.available_encoders():
        pytest.skip("this ffmpeg has no NVENC compiled in")
    monkeypatch.setattr(codecs, "NVIDIA_DEVICE", "/nonexistent/nvidiactl")
    monkeypatch.setattr(codecs.subprocess, "run", lambda *a, **k: pytest.fail("ran a trial encode"))
    reason = codecs._trial_error("h264_nvenc")
    assert reason is not None and "no NVIDIA driver" in reason
