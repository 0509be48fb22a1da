"""The GPU's RGB -> yuv420p step for video: the planes are BT.709 limited range of the drawn frame,
in file order, at every packing of bytes per texel; and a video made from them decodes to the frame."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnviz_gl.render.capabilities import choose
from nnviz_gl.render.frame import FrameRenderer
from nnviz_gl.render.yuv import Yuv420Pass, yuv420_frame_bytes
from nnviz_gl.sinks.ffmpeg import VideoWriter
from nnviz_gl.sinks.probe import read_frames

LUMA = np.array([0.2126, 0.7152, 0.0722])


def reference_planes(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BT.709 limited range in numpy; chroma from the mean colour of each 2x2 block."""
    rgb = rgb.astype(np.float64) / 255.0
    h, w, _ = rgb.shape
    y = 16 + 219 * (rgb @ LUMA)
    block = rgb.reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3))
    block_luma = block @ LUMA
    cb = 128 + 224 * (block[..., 2] - block_luma) / 1.8556
    cr = 128 + 224 * (block[..., 0] - block_luma) / 1.5748
    return y, cb, cr


# Widths that exercise 4, 2 and 1 bytes per texel for the luma and chroma targets.
@pytest.mark.parametrize("size", [(320, 180), (260, 144), (322, 182)])
def test_planes_are_bt709_of_the_drawn_frame_in_file_order(ctx, xor_points, small_tanh_snapshot, size):
    w, h = size
    renderer = FrameRenderer(size, ctx=ctx)
    try:
        renderer.set_data(*xor_points)
        renderer.draw(small_tanh_snapshot)
        rgb = renderer.read_rgb()
        buffer = bytearray(yuv420_frame_bytes(size) + 16)
        buffer[-16:] = b"\xab" * 16
        renderer.read_yuv420_into(buffer)
    finally:
        renderer.release()
    assert buffer[-16:] == b"\xab" * 16, "wrote past the frame"
    raw = np.frombuffer(buffer, np.uint8)
    got_y = raw[: w * h].reshape(h, w)
    got_cb = raw[w * h: w * h * 5 // 4].reshape(h // 2, w // 2)
    got_cr = raw[w * h * 5 // 4: w * h * 3 // 2].reshape(h // 2, w // 2)
    want_y, want_cb, want_cr = reference_planes(rgb)
    for got, want in ((got_y, want_y), (got_cb, want_cb), (got_cr, want_cr)):
        assert np.abs(got - want).max() <= 0.51  # exact up to rounding
    assert got_y.std() > 5 and got_cb.std() > 1, "a drawn frame, not a flat one"


def test_conversion_refuses_odd_sizes_and_a_frame_of_another_size(ctx):
    with pytest.raises(ValueError, match="even"):
        Yuv420Pass(ctx, (321, 180))
    conversion = Yuv420Pass(ctx, (64, 64))
    other = ctx.texture((32, 32), 4)
    try:
        with pytest.raises(ValueError, match="32x32"):
            conversion.convert_into(other, bytearray(yuv420_frame_bytes((64, 64))))
    finally:
        other.release()
        conversion.release()


@pytest.mark.parametrize("video_format", ["yuv420p", "rgba", "bgra"])
def test_a_video_decodes_to_the_frame_that_was_drawn(ctx, tmp_path, xor_points, small_tanh_snapshot,
                                                     video_format):
    """Every raw format a render may hand ffmpeg (GPU yuv420p; on a software renderer the frame as
    stored, BGRA or RGBA, which ffmpeg converts), through lossless x264 and the decoder: the tagged
    BT.709 colours come back."""
    size = (320, 180)
    renderer = FrameRenderer(size, ctx=ctx)
    out = tmp_path / f"{video_format}.mp4"
    try:
        renderer.set_data(*xor_points)
        renderer.draw(small_tanh_snapshot)
        drawn = renderer.read_rgb().astype(int)
        yuv = video_format == "yuv420p"
        read = {"yuv420p": renderer.read_yuv420_into, "rgba": renderer.read_into,
                "bgra": renderer.target.read_native_into}[video_format]
        if video_format == "bgra" and renderer.target.pixel_order != "bgra":
            pytest.skip("this driver did not store the frame as BGRA")
        with VideoWriter(out, size, codec="libx264", crf=0, preset="ultrafast", input_format=video_format,
                         bottom_up=not yuv) as writer:
            buffer = writer.acquire_buffer()
            read(buffer)
            writer.write(buffer)
    finally:
        renderer.release()
    decoded = read_frames(out)[0].astype(int)
    error = np.abs(decoded - drawn)
    # Flat areas come back within rounding; only chroma subsampling at sharp colour edges differs more
    # (mean measured 3.0 from the BGRA/RGBA frame at this size, the loss panel's coloured lines and labels included).
    assert np.median(error) <= 2
    assert error.mean() < 3.5
    assert np.abs(decoded[2, 2] - drawn[2, 2]).max() <= 2, "the background colour"


def test_the_video_format_follows_the_renderer(ctx, xor_points, small_tanh_snapshot):
    """yuv420p from the GPU on hardware; the frame as stored (BGRA on Mesa) for ffmpeg to convert on a
    software renderer. Both are read from the one context here, whichever it is, by naming its
    renderer each way."""
    size = (128, 72)
    renderer = FrameRenderer(size, ctx=ctx)
    try:
        renderer.set_data(*xor_points)
        renderer.draw(small_tanh_snapshot)
        order = renderer.target.pixel_order
        info = renderer.caps.info
        renderer.caps = choose(dataclasses.replace(info, renderer="llvmpipe (LLVM 15.0.6, 256 bits)"), order == "bgra")
        assert renderer.caps.software and renderer.video_format == order in ("bgra", "rgba")
        native = bytearray(128 * 72 * 4)
        renderer.read_video_frame_into(native)
        renderer.caps = choose(dataclasses.replace(info, renderer="NVIDIA H100 80GB HBM3/PCIe/SSE2"), order == "bgra")
        assert not renderer.caps.software and renderer.video_format == "yuv420p"
        yuv = bytearray(yuv420_frame_bytes(size))
        renderer.read_video_frame_into(yuv)
    finally:
        renderer.release()
    bottom_up = np.frombuffer(native, np.uint8).reshape(72, 128, 4)[::-1, :, :3]
    if order == "bgra":
        bottom_up = bottom_up[:, :, ::-1]
    want_y, _, _ = reference_planes(bottom_up)
    np.testing.assert_allclose(np.frombuffer(yuv, np.uint8)[: 128 * 72].reshape(72, 128), want_y, atol=0.51)
