"""A video a user already has is never replaced by a lesser one, and a run says where its frames really are."""

from __future__ import annotations

import gc
import os
import re
import signal
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from polling import poll_until
from ffmpeg_helpers import H, W, moving_frames
from nnviz_gl.sinks.ffmpeg import VideoWriter
from nnviz_gl.sinks.probe import probe
from nnviz_gl.snapshot import Snapshot
from test_errors import CLI, SMALL, _wait_for_fragments
from test_signals import ENCODER, OLD, Render, ends_within, long_render, render_with_a_frozen_encoder


def _holds_pipe(pid: int, pipe: str) -> bool:
    """Whether process ``pid`` has ``pipe`` (``pipe:[inode]``) open."""
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd) == pipe:
                return True
        except FileNotFoundError:  # closed meanwhile
            continue
    return False


# -- a signal while the video is finished ----------------------------------------------------------
def test_a_signal_while_the_encoder_finishes_still_finishes_the_video(tmp_path):
    """The moment: every frame is in ffmpeg's pipe and the render has closed its end (the finalise has
    begun), ffmpeg stopped so the finalise lasts. The SIGTERM lands in the finalise."""
    out = tmp_path / "run.mp4"
    out.write_bytes(OLD)
    render = Render(*SMALL, "--epochs", "10", "-o", str(out))  # 10 small frames: all fit in the pipe
    ffmpeg = render.child(ENCODER)
    os.kill(ffmpeg, signal.SIGSTOP)
    stdin = os.readlink(f"/proc/{ffmpeg}/fd/0")
    try:
        poll_until(lambda: not _holds_pipe(render.proc.pid, stdin), 90, "the render never closed ffmpeg's input")
        render.proc.send_signal(signal.SIGTERM)
        render.wait_for_words("finishing")
    finally:
        os.kill(ffmpeg, signal.SIGCONT)
    code, err = render.end(60)
    assert code == 143 and "Traceback" not in err, err
    assert "interrupted by SIGTERM: 10 of 10 frames, kept in" in err, err  # the input closes after frame 10
    assert probe(out).frames == 10, "what the run said is what is on disk"
    assert not list(tmp_path.glob("*.partial.mp4"))


def test_a_second_signal_while_finishing_stops_and_says_where_the_frames_are(tmp_path):
    out = tmp_path / "run.mp4"
    out.write_bytes(OLD)
    render, ffmpeg, partial = render_with_a_frozen_encoder(out)  # the finalise cannot finish on its own
    render.proc.send_signal(signal.SIGTERM)
    render.wait_for_words("finishing")
    render.proc.send_signal(signal.SIGTERM)
    code, err = render.end(15)
    assert code == 143 and "Traceback" not in err, err
    assert "a second SIGTERM" in err and f"unfinished in {partial}" in err, err
    assert out.read_bytes() == OLD
    assert probe(partial).frames > 0
    assert not Path(f"/proc/{ffmpeg}").exists() or ends_within(ffmpeg, 10)


# -- a failed run keeps its frames beside the video ------------------------------------------------
def _snapshot(rng: np.random.Generator) -> Snapshot:
    return Snapshot(weights=[rng.normal(size=(2, 4)), rng.normal(size=(4, 1))],
                    biases=[rng.normal(size=4), rng.normal(size=1)], activation="tanh")


def test_an_exception_inside_with_video_recorder_keeps_the_frames_beside_the_video(tmp_path):
    import nnviz_gl as nv

    out = tmp_path / "run.mp4"
    out.write_bytes(OLD)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ArithmeticError, match="a bad batch") as failure:
        with nv.VideoRecorder(out, X, y, size=(160, 96)) as rec:
            for _ in range(6):
                rec.publish(_snapshot(rng))
            poll_until(lambda: rec.frames_written == 6, 60, "the frames were never drawn")
            raise ArithmeticError("a bad batch")  # the user's own code failing mid-run
    partial = tmp_path / "run.partial.mp4"
    assert out.read_bytes() == OLD, "a failed run does not replace the video"
    assert rec.kept_at == partial and probe(partial).frames == 6
    assert any(str(partial) in note for note in failure.value.__notes__)


def test_an_exception_inside_with_video_writer_keeps_the_frames_beside_the_video(tmp_path):
    out = tmp_path / "run.mp4"
    out.write_bytes(OLD)
    with pytest.raises(RuntimeError, match="boom"):
        with VideoWriter(out, (W, H)) as writer:
            for frame in moving_frames(5):
                writer.write(frame)
            raise RuntimeError("boom")
    assert out.read_bytes() == OLD
    assert writer.kept_at == writer.partial_path and probe(writer.partial_path).frames == 5


def test_a_bad_record_part_way_through_from_keeps_the_video(tmp_path):
    run = tmp_path / "run.nnviz"
    made = subprocess.run([*CLI, "render", *SMALL, "--epochs", "8", "-o", str(tmp_path / "first.mp4"),
                           "--record", str(run)], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    data = bytearray(run.read_bytes())
    data[-(len(data) // 3):] = b"\xff" * (len(data) // 3)  # the last records' bytes made nonsense
    run.write_bytes(bytes(data))
    out = tmp_path / "again.mp4"
    out.write_bytes(OLD)
    result = subprocess.run([*CLI, "render", *SMALL, "--from", str(run), "-o", str(out)],
                            capture_output=True, text=True, timeout=120)
    if result.returncode == 0:
        pytest.skip(f"the reader took the damaged file: {result.stderr}")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert out.read_bytes() == OLD, "a failed render does not replace the video"
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# -- two runs, one output --------------------------------------------------------------------------
def test_two_writers_to_one_output_at_once_each_write_their_own_partial_file(tmp_path):
    out = tmp_path / "run.mp4"
    first, second = VideoWriter(out, (W, H)), VideoWriter(out, (W, H))
    assert first.partial_path != second.partial_path
    for frame in moving_frames(5):
        first.write(frame)
    for frame in moving_frames(9):
        second.write(frame)
    first.close()
    assert probe(out).frames == 5
    second.close()
    assert probe(out).frames == 9
    assert not list(tmp_path.glob("*.partial.mp4"))


def test_two_renders_to_one_output_at_once_both_say_what_is_on_disk(tmp_path):
    """The second starts once the first is writing its partial file, and ends while the first runs on;
    the first is then stopped. Each says what is on disk when it says it."""
    out = tmp_path / "run.mp4"
    first = long_render(out)
    _wait_for_fragments(tmp_path / "run.partial.mp4", first.proc)
    second = subprocess.run([*CLI, "render", *SMALL, "--epochs", "20", "-o", str(out)],
                            capture_output=True, text=True, timeout=180)
    assert second.returncode == 0 and "Traceback" not in second.stderr, second.stderr
    assert ": 20 frames" in second.stdout, second.stdout
    assert first.proc.poll() is None, f"the first render ended early: {first.err}"
    assert probe(out).frames == 20
    first.proc.send_signal(signal.SIGTERM)
    code, err = first.end(60)
    assert code == 143 and "Traceback" not in err, err
    frames = int(re.search(r"(\d+) of 3000 frames, kept in", err).group(1))
    assert probe(out).frames == frames > 0
    assert not list(tmp_path.glob("*.partial.mp4"))


# -- a disk that fills, an encoder killed ----------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"no small tmpfs here (mount needs root): {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_one_line_and_the_partial_leaves_it(small_disk):
    out = small_disk / "run.mp4"
    result = subprocess.run([*CLI, "render", "-r", "640,480", "--epochs", "3000", "--no-progress", "-o", str(out)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert f"no space left on device writing {out}" in result.stderr
    assert list(small_disk.iterdir()) == [], "the partial file is removed from the full disk"


def test_a_disk_that_fills_while_record_writes_leaves_the_video_as_it_was(small_disk, tmp_path):
    out = tmp_path / "run.mp4"
    out.write_bytes(OLD)
    result = subprocess.run([*CLI, "render", *SMALL, "--hidden", "64,64", "--epochs", "3000", "-o", str(out),
                             "--record", str(small_disk / "run.nnviz")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert out.read_bytes() == OLD, "a failed run does not replace the video"
    assert "run.partial.mp4" in result.stderr and probe(tmp_path / "run.partial.mp4").frames > 0, result.stderr


def test_a_killed_encoder_is_one_line_with_its_last_words(tmp_path):
    out = tmp_path / "run.mp4"
    render = long_render(out)
    _wait_for_fragments(tmp_path / "run.partial.mp4", render.proc)
    os.kill(render.child(ENCODER), signal.SIGTERM)
    code, err = render.end(60)
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "ffmpeg's last words: " in err and "signal 15" in err, err


# -- a recorder dropped without close() ------------------------------------------------------------
def test_a_dropped_video_recorder_leaves_no_ffmpeg_and_no_threads(tmp_path):
    import nnviz_gl as nv

    rng = np.random.default_rng(1)
    rec = nv.VideoRecorder(tmp_path / "dropped.mp4", size=(160, 96))
    rec.publish(_snapshot(rng))
    writer = rec.writer
    poll_until(lambda w=writer: w.frames_written == 1, 60, "the frame was never drawn")
    ffmpeg = writer.ffmpeg_pid
    del rec, writer
    gc.collect()
    poll_until(lambda: not Path(f"/proc/{ffmpeg}").exists(), 20, "ffmpeg outlived its dropped recorder")
    poll_until(lambda: not [t for t in threading.enumerate() if t.name.startswith("nnviz")], 20,
                f"threads outlived their recorder: {threading.enumerate()}")


def test_a_dropped_video_writer_leaves_no_ffmpeg_and_no_threads(tmp_path):
    writer = VideoWriter(tmp_path / "dropped.mp4", (W, H))
    writer.write(moving_frames(1)[0])
    ffmpeg = writer.ffmpeg_pid
    del writer
    gc.collect()
    poll_until(lambda: not Path(f"/proc/{ffmpeg}").exists(), 20, "ffmpeg outlived its dropped writer")
    poll_until(lambda: not [t for t in threading.enumerate() if "ffmpeg" in t.name], 20,
                f"threads outlived their writer: {threading.enumerate()}")
