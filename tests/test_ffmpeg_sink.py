"""The video sink against the real bundled ffmpeg, at tiny sizes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from ffmpeg_helpers import BLUE, RED, H, ProcessEnd, W, file_size, moving_frames, two_colour_frame
from polling import poll_until

from nnviz_gl.sinks.ffmpeg import VideoWriter
from nnviz_gl.sinks.ffmpeg_process import (
    EncoderError,
    EncoderInterrupted,
    ffmpeg_exe,
    partial_path,
    raise_on_signals,
)
from nnviz_gl.sinks.probe import probe, read_frames


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


def test_existing_video_is_replaced_only_when_the_new_one_is_complete(tmp_path: Path) -> None:
    out = tmp_path / "training.mp4"
    out.write_bytes(b"old video")
    with VideoWriter(out, (W, H), keyframe_interval=2) as writer:
        for f in moving_frames(20):
            writer.write(f)
        # Let ffmpeg put real data into the partial file before looking at the old one.
        poll_until(lambda: file_size(partial_path(out)) >= 1000, 10, "no fragment reached the partial file")
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
    poll_until(lambda: file_size(partial_path(out)) > 0, 10, "nothing reached the partial file")
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
        poll_until(lambda: partial.exists() and partial.read_bytes().count(b"moof") >= 2, 20, "fewer than 2 fragments")
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
        poll_until(lambda: writer._pipe._held is not None, 10, "no frame was held in the pipe")
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
