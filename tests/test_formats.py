"""GIF and WebM beside mp4: the extension (or --format) picks the format, the files decode to the frames
asked for, a GIF loops, and --last-frame / --frames write the very pictures the video holds."""

from __future__ import annotations

import re
import signal
import struct
import subprocess
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

import nnviz_gl as nv
from nnviz_gl.sinks.ffmpeg_process import ffmpeg_exe
from nnviz_gl.sinks.probe import probe, read_frames
from test_errors import assert_clean_error, run_cli

TINY = ["--samples", "60", "--no-progress"]
EPOCHS = 12


@pytest.fixture(scope="module")
def renders(tmp_path_factory) -> Path:
    """One small run per format (12 epochs), the stills beside them; the folder they are in."""
    out = tmp_path_factory.mktemp("formats")
    runs = {
        "gif": ["-r", "161,97", "-o", str(out / "run.gif"), "--last-frame", str(out / "gif_last.png"),
                "--frames", str(out / "gif_frames")],
        "webm": ["-r", "160,96", "-o", str(out / "run.webm")],
        "mp4": ["-r", "160,96", "-o", str(out / "run.mp4"), "--last-frame", str(out / "mp4_last.png"),
                "--frames", str(out / "mp4_frames")],
        # --format wins over the name, and a GIF's default size is -q l's
        "override": ["--epochs", "3", "-o", str(out / "clip.mp4"), "--format", "gif"],
    }
    for name, args in runs.items():
        epochs = [] if "--epochs" in args else ["--epochs", str(EPOCHS)]
        done = run_cli("render", *TINY, *epochs, *args, timeout=300)
        assert done.returncode == 0, (name, done.stderr)
    return out


def test_gif_and_webm_decode_to_the_frames_and_size_asked(renders):
    gif, webm = probe(renders / "run.gif"), probe(renders / "run.webm")
    assert (gif.codec, gif.width, gif.height, gif.frames) == ("gif", 161, 97, EPOCHS), "a GIF takes odd sizes"
    assert (webm.codec, webm.width, webm.height, webm.frames) == ("vp9", 160, 96, EPOCHS)
    assert renders.joinpath("run.webm").read_bytes()[:4] == b"\x1a\x45\xdf\xa3", "an EBML (Matroska/WebM) file"


def test_the_gif_loops_forever_at_the_asked_rate(renders):
    data = renders.joinpath("run.gif").read_bytes()
    netscape = data.find(b"NETSCAPE2.0")
    assert netscape > 0, "no looping extension"
    sub_block = data[netscape + 11: netscape + 15]
    assert sub_block[:2] == b"\x03\x01" and struct.unpack("<H", sub_block[2:4])[0] == 0, "loop count 0: forever"
    delays = [struct.unpack("<H", data[m.start() + 4: m.start() + 6])[0]
              for m in re.finditer(rb"\x21\xf9\x04", data)]  # graphic control extensions, in 1/100 s
    assert len(delays) == EPOCHS and abs(sum(delays) - EPOCHS * 100 / 30) <= 1, delays


def test_format_overrides_the_extension_and_a_gif_defaults_to_a_readme_size(renders):
    clip = probe(renders / "clip.mp4")
    assert (clip.codec, clip.width, clip.height, clip.frames) == ("gif", 854, 480, 3)


def test_the_last_frame_png_is_the_videos_last_frame(renders):
    png = iio.imread(renders / "mp4_last.png")
    video = read_frames(renders / "run.mp4").astype(int)
    assert png.shape == video[-1].shape == (96, 160, 3)
    apart = [np.abs(png.astype(int) - v).mean() for v in video]
    # the closest of all the video's frames, by no more than H.264's loss at this tiny size
    assert int(np.argmin(apart)) == len(video) - 1 and apart[-1] < 6, apart


def test_the_frames_folder_holds_every_frame_numbered(renders):
    names = sorted(p.name for p in (renders / "mp4_frames").iterdir())
    assert names == [f"frame_{i:06d}.png" for i in range(1, EPOCHS + 1)]
    video = read_frames(renders / "run.mp4").astype(int)
    for i, name in enumerate(names):
        still = iio.imread(renders / "mp4_frames" / name).astype(int)
        others = [np.abs(still - v).mean() for v in video]
        assert int(np.argmin(others)) == i and others[i] < 6, (name, others)


def test_the_gifs_stills_are_its_exact_rgb_frames(renders):
    """A GIF is made from RGB frames, and so are both kinds of stills: the last PNG of --frames and the
    --last-frame PNG are the same picture, and the GIF's last frame is it through the palette."""
    last = iio.imread(renders / "gif_last.png")
    frames = sorted((renders / "gif_frames").iterdir())
    assert len(frames) == EPOCHS
    np.testing.assert_array_equal(iio.imread(frames[-1]), last)
    gif_last = read_frames(renders / "run.gif")[-1].astype(int)
    assert np.abs(gif_last - last.astype(int)).mean() < 6, "the palette's dither, not another picture"


def test_video_recorder_picks_the_format_by_extension_or_by_name(tmp_path):
    for name, fmt, codec in (("a.gif", None, "gif"), ("b.mp4", "webm", "vp9")):
        trainer = nv.SklearnTrainer(nv.TrainingConfig(dataset="moons", n_samples=60, epochs=3))
        d = trainer.dataset
        with nv.VideoRecorder(tmp_path / name, d.X_train, d.y_train, size=(96, 64), format=fmt,
                              last_frame=tmp_path / f"{name}.png") as rec:
            for _ in range(3):
                rec.publish(trainer.step())
        info = probe(tmp_path / name)
        assert (info.codec, info.width, info.height, info.frames) == (codec, 96, 64, 3)
        assert iio.imread(tmp_path / f"{name}.png").shape == (64, 96, 3)


@pytest.mark.parametrize("args, needles", [
    (["--last-frame", "{tmp}/missing/last.png"], ("last frame", "does not exist")),
    (["--last-frame", "{tmp}/last.jpg"], ("last frame", ".png")),
    (["--frames", "{tmp}/a_file"], ("frames", "is a file")),
    (["--frames", "{tmp}/missing/frames"], ("frames", "does not exist")),
    (["--frames", "/proc/nnviz-frames"], ("frames", "not writable")),
    (["-o", "{tmp}/x.gif", "--crf", "20"], ("GIF", "crf")),
    (["-o", "{tmp}/x.webm", "--codec", "libx264"], ("WebM", "libsvtav1")),
    (["-o", "{tmp}/x.avi"], (".webm", ".gif", "format")),
    (["-r", "161,97"], ("odd", ".gif takes any")),
    (["-o", "{tmp}/missing/x.mp4", "--frames", "{tmp}/new_frames"], ("does not exist",)),  # no folder made
])
def test_bad_outputs_are_one_line_before_any_work(tmp_path, args, needles):
    (tmp_path / "a_file").write_bytes(b"not a folder")
    before = sorted(tmp_path.iterdir())
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    out = [] if "-o" in args else ["-o", str(tmp_path / "x.mp4")]
    err = assert_clean_error(run_cli("render", *TINY, "--epochs", "2", *out, *args), *needles)
    assert len(err.strip().splitlines()) == 1, err
    assert sorted(tmp_path.iterdir()) == before, "nothing written"


def test_a_gif_shows_every_pixel_of_its_frames(renders):
    """The frames' alpha is not the picture's: nothing in a GIF's first frame is transparent (a palette
    made with alpha turned parts of it see-through, and the file five times larger)."""
    first = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(renders / "run.gif"), "-frames:v", "1",
                            "-f", "rawvideo", "-pix_fmt", "rgba", "-"], capture_output=True, check=True).stdout
    alpha = np.frombuffer(first, np.uint8).reshape(97, 161, 4)[..., 3]
    assert (alpha == 255).all(), f"{(alpha < 255).mean():.1%} of the pixels are transparent"


def test_a_gif_that_ffmpeg_holds_in_gigabytes_is_said_at_the_start(tmp_path):
    from test_signals import Render

    render = Render("-r", "1000,1000", "--epochs", "600", "--samples", "60", "-o", str(tmp_path / "big.gif"))
    render.wait_for_words(r"note: ffmpeg holds a GIF's 600 frames until its palette is made: about 2\.4 GB")
    render.proc.send_signal(signal.SIGINT)
    code, err = render.end(120)
    assert code == 130 and "Traceback" not in err, err
