"""The video sink against the real bundled ffmpeg, at tiny sizes."""

from __future__ import annotations

import os
import pwd
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nnviz_gl.sinks import codecs
from nnviz_gl.sinks.codecs import CODECS, encoder_report, encoder_works
from nnviz_gl.sinks.ffmpeg import VideoWriter
from nnviz_gl.sinks.ffmpeg_process import (
    EncoderError,
    EncoderInterrupted,
    OutputPathError,
    check_output_path,
    ffmpeg_exe,
    partial_path,
    raise_on_signals,
)
from nnviz_gl.sinks.probe import parse_stream_header, probe, read_frames

W, H = 64, 48
RED, BLUE = (255, 0, 0, 255), (0, 0, 255, 255)


def two_colour_frame(first_rows: tuple, last_rows: tuple, w: int = W, h: int = H) -> np.ndarray:
    """RGBA frame whose first h/2 rows in memory are ``first_rows`` and the rest ``last_rows``."""
    frame = np.empty((h, w, 4), np.uint8)
    frame[: h // 2] = first_rows
    frame[h // 2 :] = last_rows
    return frame


def wait_for(condition, timeout: float = 10.0) -> bool:
    """Poll ``condition`` until it holds (True) or the deadline passes (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)  # the polling interval; the outcome depends only on the condition and the deadline
    return True


class ProcessEnd:
    """The end of a process that may not be our child (ffmpeg under another Python): its pidfd turns
    readable when it exits, zombie or not. Opened while the process surely lives, so no pid reuse."""

    def __init__(self, pid: int) -> None:
        self.fd = os.pidfd_open(pid)

    def wait(self, timeout: float) -> bool:
        try:
            return bool(select.select([self.fd], [], [], timeout)[0])
        finally:
            os.close(self.fd)


def file_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def moving_frames(n: int, w: int = W, h: int = H) -> list[np.ndarray]:
    """Frames that differ from one another (a bar sweeping across), so nothing is trivially static."""
    frames = []
    for i in range(n):
        f = np.zeros((h, w, 4), np.uint8)
        f[..., 3] = 255
        f[:, (i * 3) % w : (i * 3) % w + 4, 1] = 255
        frames.append(f)
    return frames


def test_frames_in_equal_frames_out_as_h264_yuv420p(tmp_path: Path) -> None:
    out = tmp_path / "training.mp4"
    with VideoWriter(out, (128, 96), fps=24, codec="libx264") as writer:
        for f in moving_frames(37, 128, 96):
            writer.write(f)
    assert writer.frames_written == 37
    info = probe(out)
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 128, 96)
    assert info.frames == 37
    assert info.fps == pytest.approx(24)
    assert not partial_path(out).exists()


def test_bottom_up_rows_are_flipped_by_ffmpeg(tmp_path: Path) -> None:
    # GL readback: first rows in memory are the bottom of the image. Bottom red, top blue.
    gl_frame = two_colour_frame(first_rows=RED, last_rows=BLUE)
    out = tmp_path / "flip.mp4"
    with VideoWriter(out, (W, H), bottom_up=True) as writer:
        for _ in range(3):
            writer.write(gl_frame)
    top, bottom = read_frames(out)[0, 4, W // 2], read_frames(out)[0, H - 5, W // 2]
    np.testing.assert_allclose(top, BLUE[:3], atol=6)
    np.testing.assert_allclose(bottom, RED[:3], atol=6)


def test_top_down_frames_are_kept_as_they_are(tmp_path: Path) -> None:
    out = tmp_path / "noflip.mp4"
    with VideoWriter(out, (W, H), bottom_up=False) as writer:
        writer.write(two_colour_frame(first_rows=RED, last_rows=BLUE))
    frame = read_frames(out)[0]
    np.testing.assert_allclose(frame[4, W // 2], RED[:3], atol=6)
    np.testing.assert_allclose(frame[H - 5, W // 2], BLUE[:3], atol=6)


def test_odd_size_is_refused_with_the_next_even_size(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"even.*66x48"):
        VideoWriter(tmp_path / "odd.mp4", (65, 48))
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "folder" / "out.mp4"
    with pytest.raises(OutputPathError, match="does not exist") as err:
        check_output_path(target)
    assert str(target.parent) in str(err.value)
    with pytest.raises(OutputPathError):
        VideoWriter(target, (W, H))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc, unwritable even for root")
def test_unwritable_folder_is_refused() -> None:
    with pytest.raises(OutputPathError, match="not writable"):
        check_output_path("/proc/nnviz-gl-test.mp4")


def _check_output_path_as(uid: int, gid: int, paths: list[Path]) -> list[str]:
    """``check_output_path`` for each path in a forked child running as ``uid``/``gid``: root writes
    through permission bits, so the read-only case is run as the unprivileged user a CI's root is not.
    (A fork, not a new interpreter: this Python may sit where that user cannot read it.)"""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, never return into pytest
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            answers = []
            for path in paths:
                try:
                    answers.append(f"accepted {check_output_path(path)}")
                except OutputPathError as exc:
                    answers.append(f"refused {exc}")
            os.write(write_end, "\n".join(answers).encode())
        except BaseException as exc:  # any failure becomes the parent's message
            os.write(write_end, f"child failed: {exc!r}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        said = pipe.read().decode()
    os.waitpid(pid, 0)
    if said.startswith("child failed: PermissionError"):
        pytest.skip(f"cannot become an unprivileged user here ({said})")
    assert not said.startswith("child failed"), said
    return said.split("\n")


def test_read_only_folder_is_refused() -> None:
    # Under /tmp with its own 0755 top folder: pytest's tmp_path is 0700 to everyone but its owner.
    top = Path(tempfile.mkdtemp(prefix="nnviz-ro-"))
    try:
        top.chmod(0o755)
        read_only, writable = top / "ro", top / "rw"
        read_only.mkdir()
        read_only.chmod(0o555)
        writable.mkdir()
        if os.geteuid() != 0:
            with pytest.raises(OutputPathError, match="not writable"):
                check_output_path(read_only / "out.mp4")
            return
        nobody = pwd.getpwnam("nobody")
        os.chown(writable, nobody.pw_uid, nobody.pw_gid)
        refused, accepted = _check_output_path_as(nobody.pw_uid, nobody.pw_gid,
                                                  [read_only / "out.mp4", writable / "out.mp4"])
        assert refused.startswith("refused") and "not writable" in refused and "Permission denied" in refused, refused
        assert accepted == f"accepted {writable / 'out.mp4'}", "the unprivileged user could not write anywhere"
        assert list(read_only.iterdir()) == [] and list(writable.iterdir()) == []  # trial files removed
    finally:
        shutil.rmtree(top)


def test_unknown_container_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputPathError, match=r"\.mp4"):
        check_output_path(tmp_path / "out.avi")


def test_existing_video_is_replaced_only_when_the_new_one_is_complete(tmp_path: Path) -> None:
    out = tmp_path / "training.mp4"
    out.write_bytes(b"old video")
    with VideoWriter(out, (W, H), keyframe_interval=2) as writer:
        for f in moving_frames(20):
            writer.write(f)
        # Let ffmpeg put real data into the partial file before looking at the old one.
        assert wait_for(lambda: file_size(partial_path(out)) >= 1000)
        assert out.read_bytes() == b"old video"
    assert probe(out).frames == 20


def test_abort_leaves_the_output_path_alone(tmp_path: Path) -> None:
    out = tmp_path / "aborted.mp4"
    writer = VideoWriter(out, (W, H))
    for f in moving_frames(10):
        writer.write(f)
    writer.abort()
    assert not out.exists()
    writer.close()  # a no-op after abort
    assert not out.exists()

    unused = VideoWriter(out, (W, H))
    unused.abort()
    assert not partial_path(out).exists(), "a partial file without frames should be removed"


def test_ffmpeg_dying_mid_stream_raises_with_its_stderr(tmp_path: Path) -> None:
    out = tmp_path / "died.mp4"
    writer = VideoWriter(out, (W, H))
    frame = moving_frames(1)[0]
    for _ in range(5):
        writer.write(frame)
    # Once the output header is on disk ffmpeg has its signal handlers and will say why it stops.
    assert wait_for(lambda: file_size(partial_path(out)) > 0)
    os.kill(writer.ffmpeg_pid, signal.SIGTERM)
    # ffmpeg notices the signal once its read of stdin returns, so frames keep coming until the pipe
    # breaks and a write raises; the pool's back-pressure paces the loop, the deadline only bounds it.
    deadline = time.monotonic() + 10
    with pytest.raises(EncoderError) as err:
        while time.monotonic() < deadline:
            writer.write(frame)
    message = str(err.value)
    assert "received signal 15" in message  # ffmpeg's own words, quoted from its stderr
    assert "exited with code" in message
    with pytest.raises(EncoderError):
        writer.close()
    assert not out.exists()


def test_frame_of_wrong_size_or_type_is_refused(tmp_path: Path) -> None:
    with VideoWriter(tmp_path / "x.mp4", (W, H)) as writer:
        with pytest.raises(ValueError, match=rf"{W * H * 4}"):
            writer.write(bytes(W * H * 3))
        with pytest.raises(ValueError, match="uint8"):
            writer.write(np.zeros((H, W, 4), np.float32))
        with pytest.raises(TypeError):
            writer.write([0] * (W * H * 4))  # type: ignore[arg-type]
        writer.write(memoryview(bytes(W * H * 4)))
        writer.write(bytearray(W * H * 4))
    assert probe(tmp_path / "x.mp4").frames == 2


def test_pool_buffers_are_written_without_a_copy(tmp_path: Path) -> None:
    # The whole pool is lent out before any write: a write that copied its frame would need one more
    # pool buffer and wait forever, so every write returning proves the lent buffer itself went to
    # ffmpeg; the same objects come back for the next frames, and their bytes arrive exactly.
    queue_frames = 2
    frame_bytes = W * H * 3 // 2
    frames = np.random.default_rng(3).integers(0, 256, (3, queue_frames + 1, frame_bytes), dtype=np.uint8)
    out = tmp_path / "pool.mp4"
    with VideoWriter(out, (W, H), codec="libx264", crf=0, preset="ultrafast", input_format="yuv420p",
                     bottom_up=False, queue_frames=queue_frames) as writer:
        assert writer.transfer == "write"  # small frames: the pool is queue_frames + 1 buffers
        lent_ids: list[set[int]] = []
        for batch in frames:
            lent, written = threading.Event(), threading.Event()

            def lend_fill_write(batch: np.ndarray = batch) -> None:
                buffers = [writer.acquire_buffer() for _ in batch]
                lent_ids.append({id(buf) for buf in buffers})
                lent.set()
                for buf, frame in zip(buffers, batch):
                    buf[:] = frame.tobytes()  # what fbo.read_into(buf) does
                for buf in buffers:
                    writer.write(buf)
                written.set()

            threading.Thread(target=lend_fill_write, daemon=True).start()
            assert lent.wait(20), "the pool did not lend queue_frames + 1 buffers"
            assert written.wait(20), "write() waited for a free buffer: it copied the lent one"
        assert all(len(ids) == queue_frames + 1 and ids == lent_ids[0] for ids in lent_ids), \
            "the pool handed out other buffers"
    decoded = decode_yuv420p(out, W, H)
    sent = frames.reshape(-1, frame_bytes)
    assert decoded.shape == sent.shape
    for i, (got, expected) in enumerate(zip(decoded, sent, strict=True)):
        assert np.array_equal(got, expected), f"frame {i} is not the bytes of the buffer written"


def test_interrupt_inside_the_block_finalises_a_playable_video(tmp_path: Path) -> None:
    out = tmp_path / "interrupted.mp4"
    handler_before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(EncoderInterrupted):
        with raise_on_signals():
            with VideoWriter(out, (W, H)) as writer:
                for f in moving_frames(8):
                    writer.write(f)
                signal.raise_signal(signal.SIGTERM)  # delivered to this thread: the handler runs in the call
                pytest.fail("the SIGTERM handler did not raise")
    assert probe(out).frames == 8
    assert signal.getsignal(signal.SIGTERM) == handler_before


def test_closing_without_frames_keeps_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "empty.mp4"
    out.write_bytes(b"old")
    writer = VideoWriter(out, (W, H))
    with pytest.raises(EncoderError, match="no frames"):
        writer.close()
    assert out.read_bytes() == b"old"
    assert not partial_path(out).exists()


KILLED_WRITER = textwrap.dedent(
    """
    import itertools, sys
    import numpy as np
    from nnviz_gl.sinks.ffmpeg import VideoWriter
    writer = VideoWriter(sys.argv[1], (64, 48), fps=30, keyframe_interval=3, preset="ultrafast")
    print(writer.ffmpeg_pid, flush=True)
    frame = np.zeros((48, 64, 4), np.uint8)
    for i in itertools.count():  # never finishes on its own: only the kill ends it
        frame[:, (i * 3) % 60 : (i * 3) % 60 + 4] = 255
        writer.write(frame)
    """
)


def test_kill_9_mid_render_leaves_a_partial_video_that_plays(tmp_path: Path) -> None:
    out = tmp_path / "killed.mp4"
    partial = partial_path(out)
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(out)], stdout=subprocess.PIPE,
                             text=True)
    try:
        ffmpeg_pid = int(child.stdout.readline())
        ffmpeg_end = ProcessEnd(ffmpeg_pid)
        # Wait for at least two fragments ("moof" boxes) on disk.
        assert wait_for(lambda: partial.exists() and partial.read_bytes().count(b"moof") >= 2, 20)
        os.kill(ffmpeg_pid, signal.SIGKILL)
        child.kill()
        assert ffmpeg_end.wait(10), "ffmpeg outlived SIGKILL"  # so no write of its is still landing
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    assert not out.exists()
    info = probe(partial)
    assert info.codec == "h264"
    assert info.frames > 0


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


def decode_yuv420p(path: Path, w: int, h: int) -> np.ndarray:
    run = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo",
                          "-pix_fmt", "yuv420p", "-"], capture_output=True, check=True)
    return np.frombuffer(run.stdout, np.uint8).reshape(-1, w * h * 3 // 2)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="vmsplice is Linux only")
def test_spliced_frames_arrive_intact_while_their_buffers_are_refilled(tmp_path: Path) -> None:
    # A frame of at least the pipe's size is spliced: the pipe holds references to the buffer's pages,
    # so a buffer refilled before ffmpeg read it would change the frame still in the pipe (its last
    # bytes first). Lossless yuv420p in, every byte compared out, buffers refilled as soon as given.
    w, h = 1024, 768  # 1.18 MB a frame, more than the 1 MiB pipe
    frames = np.random.default_rng(7).integers(0, 256, (16, w * h * 3 // 2), dtype=np.uint8)
    out = tmp_path / "spliced.mp4"
    with VideoWriter(out, (w, h), codec="libx264", crf=0, preset="ultrafast",
                     input_format="yuv420p", bottom_up=False, queue_frames=1) as writer:
        assert writer.transfer == "vmsplice"
        for frame in frames:
            buf = writer.acquire_buffer()
            buf[:] = frame.tobytes()
            writer.write(buf)
    decoded = decode_yuv420p(out, w, h)
    assert decoded.shape == frames.shape
    for i, (got, sent) in enumerate(zip(decoded, frames, strict=True)):
        assert np.array_equal(got, sent), f"frame {i} changed on its way to ffmpeg"


def test_frames_smaller_than_the_pipe_are_copied(tmp_path: Path) -> None:
    # Splicing them would need several frames held back; a copy is cheap at this size.
    with VideoWriter(tmp_path / "small.mp4", (W, H)) as writer:
        assert writer.transfer == "write"
        writer.write(moving_frames(1)[0])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="vmsplice is Linux only")
def test_a_kernel_that_refuses_vmsplice_gets_the_frames_written(tmp_path: Path) -> None:
    # e.g. a container whose seccomp profile filters vmsplice: the first frame falls back to write.
    import ctypes
    import errno

    def refused(fd, iov, count, flags):
        ctypes.set_errno(errno.EPERM)
        return -1

    w, h = 1024, 768
    frames = moving_frames(4, w, h)
    out = tmp_path / "refused.mp4"
    with VideoWriter(out, (w, h), codec="libx264", preset="ultrafast", queue_frames=1) as writer:
        assert writer.transfer == "vmsplice"
        writer.write(frames[0])  # spliced, its buffer held by the pipe
        assert wait_for(lambda: writer._pipe._held is not None)
        writer._pipe._splice = refused
        for f in frames[1:]:
            writer.write(f)
        # Every pool buffer comes back, the one held before the fallback included.
        got = []
        taker = threading.Thread(target=lambda: got.extend(writer.acquire_buffer() for _ in writer._pool),
                                 daemon=True)
        taker.start()
        taker.join(timeout=20)
        assert len(got) == len(writer._pool), "a buffer held before the fallback never came back"
        for buf in got:
            writer._lent.discard(id(buf))
            writer._free.put(buf)
    assert writer.transfer == "write"
    assert probe(out).frames == 4
