"""nv.show (a video inline: fresh names, Colab embedding, the missing-IPython error) and NotebookView's
events (a click adds a point, the wheel zooms), read back from the frames it draws."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("IPython")
imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")

import nnviz_gl as nv  # noqa: E402
from nnviz_gl.render.picking import pixel_to_data  # noqa: E402
from nnviz_gl.sinks.window_view import ZOOM_STEP  # noqa: E402
from polling import poll_until  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRAJECTORY = ROOT / "tests" / "fixtures" / "v1_binary.nnviz"


def decoded_frames(path: Path) -> np.ndarray:
    """Every frame of a video, decoded by ffmpeg: (n, height, width, 3) uint8."""
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    w, h = meta["size"]
    frames = [np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in reader]
    return np.stack(frames)


def moving_video(path: Path, n: int = 6, size: tuple[int, int] = (96, 64)) -> np.ndarray:
    """A small mp4 of a bar sweeping across a dark frame; returns the frames written."""
    w, h = size
    frames = np.zeros((n, h, w, 3), np.uint8)
    for i in range(n):
        frames[i, :, 12 * i : 12 * i + 12] = (255, 200, 40)
    writer = imageio_ffmpeg.write_frames(str(path), (w, h), fps=10, macro_block_size=1, quality=9)
    writer.send(None)
    for frame in frames:
        writer.send(np.ascontiguousarray(frame))
    writer.close()
    return frames


def video_src(html: str) -> str:
    match = re.search(r'<video[^>]*\bsrc="([^"]+)"', html) or re.search(r'<source src="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1)


@pytest.fixture
def notebook_dir(tmp_path, monkeypatch):
    """The kernel's working folder is the notebook's: the media folder goes beside it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_each_display_gets_a_fresh_name_and_the_last_copy_goes(notebook_dir):
    source = notebook_dir / "run.mp4"
    moving_video(source)
    before = source.read_bytes()
    from nnviz_gl.notebook.show import inline_video

    first = inline_video(source)._repr_html_()
    second = inline_video(source, width=320)._repr_html_()
    src1, src2 = video_src(first), video_src(second)
    assert src1 != src2 and src1.startswith("nnviz_media/") and src2.endswith(".mp4")
    for html in (first, second):
        assert re.search(r"<video[^>]*\bcontrols autoplay loop\b", html)
        assert "base64" not in html  # linked, not embedded, off Colab
    assert 'width="320"' in second
    assert (notebook_dir / src2).read_bytes() == before  # served beside the notebook, relative to it
    assert not (notebook_dir / src1).exists()  # manim's rule: one copy per source in the media folder
    assert source.read_bytes() == before


def test_on_colab_the_video_is_embedded_and_decodes(notebook_dir, monkeypatch):
    source = notebook_dir / "run.mp4"
    written = moving_video(source)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    from nnviz_gl.notebook.show import inline_video

    html = inline_video(source)._repr_html_()
    src = video_src(html)
    assert src.startswith("data:video/mp4;base64,")
    embedded = notebook_dir / "embedded.mp4"
    embedded.write_bytes(base64.b64decode(src.split(",", 1)[1]))
    frames = decoded_frames(embedded)
    assert frames.shape == written.shape
    assert np.abs(frames.astype(int) - written).mean() < 6  # the bar where it was written, frame by frame
    assert "controls autoplay loop" in html


def test_a_gif_is_shown_as_an_image_and_embed_is_honoured_off_colab(notebook_dir):
    gif = notebook_dir / "loop.gif"
    from PIL import Image

    Image.fromarray(np.full((32, 48, 3), 200, np.uint8)).save(gif)
    from nnviz_gl.notebook.show import inline_video

    linked = inline_video(gif, width=100)._repr_html_()
    assert re.search(r'<img src="nnviz_media/loop@[^"]+\.gif"', linked) and 'width="100"' in linked
    embedded = inline_video(gif, embed=True)._repr_html_()
    assert 'src="data:image/gif;base64,' in embedded


def test_a_finished_recorder_is_shown_an_unfinished_one_refused(notebook_dir):
    from nnviz_gl.notebook.show import inline_video

    with nv.TrajectoryReader(TRAJECTORY) as run:
        recorder = nv.VideoRecorder(notebook_dir / "rec.mp4", size=(128, 96))
        with pytest.raises(ValueError, match="not finished yet"):
            inline_video(recorder)
        with recorder:
            recorder.set_data(*run.data)
            for snapshot in run:
                recorder.publish(snapshot)
    html = inline_video(recorder)._repr_html_()
    assert decoded_frames(notebook_dir / video_src(html)).shape == (3, 96, 128, 3)


def test_a_trajectory_is_rendered_at_notebook_size_into_a_fresh_file(notebook_dir):
    from nnviz_gl.notebook.show import NOTEBOOK_SIZE, inline_video

    html = inline_video(str(TRAJECTORY))._repr_html_()
    shown = notebook_dir / video_src(html)
    frames = decoded_frames(shown)
    assert frames.shape == (3, NOTEBOOK_SIZE[1], NOTEBOOK_SIZE[0], 3)
    assert frames[-1].std() > 20  # a drawn frame, not a blank one
    again = notebook_dir / video_src(inline_video(nv.TrajectoryReader(TRAJECTORY))._repr_html_())
    assert again != shown and again.exists() and not shown.exists()


def test_bad_objects_are_refused_with_what_show_takes(notebook_dir):
    from nnviz_gl.notebook.show import inline_video

    with pytest.raises(FileNotFoundError, match="no such video"):
        inline_video("missing.mp4")
    with pytest.raises(ValueError, match=r"\.mp4, \.webm and \.gif"):
        inline_video("notes.txt")
    with pytest.raises(TypeError, match="video path"):
        inline_video(42)


def test_without_ipython_show_says_how_to_install_it(tmp_path):
    script = (
        "import sys; sys.modules['IPython'] = None\n"  # as if IPython were not installed
        "import nnviz_gl as nv\n"
        "assert callable(nv.show)\n"  # importing show needs no IPython
        "try:\n    nv.show('video.mp4')\n"
        "except ImportError as exc:\n    print(json.dumps(str(exc)))\n"
    )
    done = subprocess.run([sys.executable, "-c", "import json\n" + script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    message = json.loads(done.stdout.strip().splitlines()[-1])
    assert "needs IPython" in message and "pip install 'nnviz_gl[notebook]'" in message


# -- NotebookView: the window's handlers on the page's events ------------------------------------------
pytest.importorskip("jupyter_rfb")


@pytest.fixture(scope="module")
def view():
    v = nv.NotebookView(dataset="moons", n_samples=60, hidden=(4,), epochs=3, speed=None)
    yield v
    v.close()


def settled_frame(v) -> np.ndarray:
    """Draw until the view shows its newest snapshot and data exactly (the glide is clock-driven)."""
    frames = []
    poll_until(lambda: v.paused and frames.append(v.get_frame()) is None and v.settled, 30,
               "the view never settled on a paused run")
    return frames[-1]


def expected(v) -> np.ndarray:
    return nv.render_frame(v.latest, *v.points, previous=v.previous, size=v.size, view=v.bounds, history=v.history)


def test_a_click_in_the_field_adds_a_point_where_it_was_clicked(view):
    before = settled_frame(view)
    n = len(view.points[0])
    field = view.viewer.scene.layout.field
    pixel = (field.x + 0.3 * field.w, field.y + 0.7 * field.h)
    where = pixel_to_data(pixel, view.bounds, field)
    for kind in ("pointer_move", "pointer_down", "pointer_up"):
        view.handle_event({"type": kind, "x": pixel[0], "y": pixel[1], "button": 1, "buttons": (), "modifiers": ()})
    frames = []
    poll_until(lambda: frames.append(view.get_frame()) is None and len(view.points[0]) == n + 1 and view.settled,
               30, "the click added no point")
    after = frames[-1]
    assert np.allclose(view.points[0][-1], where) and view.points[1][-1] == 0  # a left click: class 0
    # the same picture as render_frame's, the loss panel's marks at the epoch's new score included
    assert np.abs(after.astype(int) - expected(view)).max() <= 2
    x, y = int(pixel[0]), int(pixel[1])
    near = np.abs(after.astype(int) - before)[y - 6 : y + 7, x - 6 : x + 7]
    assert near.max() > 60  # the new point is drawn where the click was


def test_the_wheel_zooms_the_field_about_the_mouse(view):
    before = settled_frame(view)
    old = view.bounds
    field = view.viewer.scene.layout.field
    pixel = (field.x + 0.6 * field.w, field.y + 0.4 * field.h)
    under = pixel_to_data(pixel, old, field)
    view.handle_event({"type": "wheel", "x": pixel[0], "y": pixel[1], "dx": 0.0, "dy": -100.0, "buttons": (),
                       "modifiers": ()})
    after = view.get_frame()
    new = view.bounds
    assert np.isclose((old[1] - old[0]) / (new[1] - new[0]), ZOOM_STEP)  # one notch in
    assert np.allclose(pixel_to_data(pixel, new, field), under)  # the point under the mouse stays put
    assert np.abs(after.astype(int) - expected(view)).max() <= 2
    assert np.abs(after.astype(int) - before).max() > 60


def test_hovering_a_hidden_neuron_shows_its_own_field(view):
    before = settled_frame(view)
    geo = view.viewer.scene.geometry
    index = int(np.flatnonzero(np.asarray(geo.neuron_layer) == 1)[0])  # the first hidden neuron
    x, y = (float(v) for v in geo.neurons[index])
    view.handle_event({"type": "pointer_move", "x": x, "y": y, "button": 0, "buttons": (), "modifiers": ()})
    hovered = view.get_frame()
    assert view.viewer.input.neuron == (1, 0)
    field = view.viewer.scene.layout.field
    inside = (slice(int(field.y) + 4, int(field.y + field.h) - 4), slice(int(field.x) + 4, int(field.x + field.w) - 4))
    assert np.abs(hovered[inside].astype(int) - before[inside]).mean() > 5  # the field panel shows another field
    view.handle_event({"type": "pointer_move", "x": 2.0, "y": 2.0, "button": 0, "buttons": (), "modifiers": ()})
    assert np.abs(view.get_frame().astype(int) - before).max() <= 2  # and the model's again, off the neuron
