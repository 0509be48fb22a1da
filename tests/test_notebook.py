"""examples/notebook.ipynb runs in a real Jupyter kernel (nbclient + ipykernel, the test's own interpreter):
its outputs hold an inline video that decodes, and a live view whose frame is render_frame's picture of the
same snapshot, kept in the saved output for readers without a kernel."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("jupyter_rfb")

from test_notebook_show import decoded_frames, video_src  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "notebook.ipynb"
KERNEL = "nnviz-test"

# Appended to the notebook by the test: rest the live view, then compare its frame with render_frame's.
CHECK_CELL = """\
import json, time
import numpy as np
view.pause()
deadline = time.monotonic() + 30
while True:
    frame = view.get_frame()
    if frame is not None and view.paused and view.settled:
        break
    assert time.monotonic() < deadline, "the live view never settled"
    time.sleep(0.02)
expected = nv.render_frame(view.latest, *view.points, previous=view.previous, size=view.size, view=view.bounds,
                           history=view.history)
np.save("live_frame.npy", frame)
print(json.dumps({"diff": int(np.abs(frame.astype(int) - expected).max()), "std": float(frame.std()),
                  "epoch": view.latest.epoch, "shape": list(frame.shape)}))
"""


# A page showing the view, as far as the kernel can tell: jupyter_rfb draws only for visible views, and no
# page confirms the frames here, so none may be held back for that.
LIVE_CELLS = (
    """import nnviz_gl as nv
from IPython.display import display
live = nv.NotebookView(dataset="moons", n_samples=100, hidden=(4,), epochs=20, speed=20)
live.max_buffered_frames = 10**6
live._has_visible_views = True
display(live)
print(live.epoch)""",
    """import asyncio, time
import numpy as np
# While this cell awaits, the kernel's event loop runs: training publishes, the view draws and, once the run
# rests at its epochs, brings the still up to date. Wait for that, polled with a deadline.
deadline = time.monotonic() + 60
while not (live.paused and live.epoch >= 20 and live._resting() and live._kept is not None
           and np.array_equal(live._kept, live._rfb_last_frame)):
    assert time.monotonic() < deadline, "the live view never came to rest with its still up to date"
    await asyncio.sleep(0.02)""",
    """import numpy as np
np.save("last_sent.npy", live._rfb_last_frame)
print(live.get_stats()["sent_frames"], live.epoch, live.paused)""",
)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernel spec for this interpreter (so the kernel imports this checkout), found through JUPYTER_PATH."""
    prefix = tmp_path_factory.mktemp("kernel")
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(prefix), "--name", KERNEL],
                   check=True, capture_output=True, timeout=60)
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    yield KERNEL
    if old is None:
        del os.environ["JUPYTER_PATH"]
    else:
        os.environ["JUPYTER_PATH"] = old


def execute(nb, kernel: str, work: Path) -> None:
    nbclient.NotebookClient(nb, timeout=120, kernel_name=kernel, resources={"metadata": {"path": str(work)}}).execute()


@pytest.fixture(scope="module")
def executed(kernel, tmp_path_factory):
    """The example run in a kernel, in a folder of its own (its media land there), then the test's cells:
    a second view drawing as if a page showed it, and the comparison with render_frame."""
    work = tmp_path_factory.mktemp("notebook")
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    nb = nbformat.read(work / NOTEBOOK.name, as_version=4)
    n_cells = len(nb.cells)
    nb.cells += [nbformat.v4.new_code_cell(source) for source in (*LIVE_CELLS, CHECK_CELL)]
    execute(nb, kernel, work)
    return work, nb, n_cells


def outputs_with(nb, mime: str, n_cells: int) -> list[dict]:
    """The example's own outputs (not the test's cell) that carry ``mime``."""
    return [out for cell in nb.cells[:n_cells] if cell.cell_type == "code" for out in cell.outputs
            if mime in out.get("data", {})]


def test_the_notebook_shows_the_run_inline_as_a_video(executed):
    work, nb, n_cells = executed
    videos = [out for out in outputs_with(nb, "text/html", n_cells) if "<video" in out["data"]["text/html"]]
    assert len(videos) == 1
    html = videos[0]["data"]["text/html"]
    assert re.search(r"<video[^>]*controls autoplay loop", html) and 'width="640"' in html
    src = video_src(html)
    if src.startswith("data:"):
        path = work / "embedded.mp4"
        path.write_bytes(base64.b64decode(src.split(",", 1)[1]))
    else:
        path = work / src  # served beside the notebook
        assert src.startswith("nnviz_media/") and path.exists()
    frames = decoded_frames(path)
    assert frames.shape == (61, 480, 854, 3)  # epoch 0 and 60 epochs, at the size recorded
    assert frames[-1].std() > 20 and np.abs(frames[-1].astype(int) - frames[0]).max() > 60  # drawn, and it moved


def test_the_live_view_draws_render_frames_picture(executed):
    _, nb, _ = executed
    check = json.loads(nb.cells[-1].outputs[-1]["text"].strip().splitlines()[-1])
    assert check["shape"] == [480, 854, 3]
    assert check["std"] > 20  # read back, not blank
    assert check["diff"] <= 2  # the same scene as render_frame's of the same snapshot
    assert check["epoch"] >= 0


def test_the_saved_live_view_keeps_its_last_frame(executed):
    work, nb, n_cells = executed
    views = [out for out in outputs_with(nb, "application/vnd.jupyter.widget-view+json", n_cells)
             if "snapshot-rfb" in out["data"].get("text/html", "")]  # the view (beside it: its error output)
    assert len(views) == 1
    still = re.search(r"<img src='data:image/(?:image/)?(\w+);base64,([^']+)'", views[0]["data"]["text/html"])
    assert still, "no snapshot for readers without a kernel"
    from PIL import Image

    kept = np.asarray(Image.open(io.BytesIO(base64.b64decode(still.group(2)))).convert("RGB")).astype(int)
    last = np.load(work / "live_frame.npy")
    assert kept.shape == last.shape
    # the frame the run rested on, not the first one: a JPEG of it, whose error 8x8 block means average out
    assert np.abs(block_means(kept) - block_means(last)).max() < 12


def block_means(frame: np.ndarray, n: int = 8) -> np.ndarray:
    h, w = frame.shape[0] // n * n, frame.shape[1] // n * n
    return frame[:h, :w].reshape(h // n, n, w // n, n, -1).mean(axis=(1, 3))


def test_the_live_view_keeps_drawing_after_its_cell_returned(executed):
    work, nb, n_cells = executed
    created, _, stats = nb.cells[n_cells : n_cells + 3]
    epoch_at_return = int(created.outputs[-1]["text"])
    sent, epoch, paused = stats.outputs[-1]["text"].split()
    assert epoch_at_return < 20  # the cell returned while training went on
    assert (int(epoch), paused) == (20, "True")  # it trained on, then paused at its epochs
    assert int(sent) >= 5  # frames drawn and sent from the event loop as snapshots came
    # the still was brought up to date by the event loop once the run rested (no cell drew a frame)
    view_output = next(out for out in created.outputs if "snapshot-rfb" in out.get("data", {}).get("text/html", ""))
    still = re.search(r"base64,([^']+)'", view_output["data"]["text/html"])
    from PIL import Image

    kept = np.asarray(Image.open(io.BytesIO(base64.b64decode(still.group(1)))).convert("RGB")).astype(int)
    assert np.abs(block_means(kept) - block_means(np.load(work / "last_sent.npy"))).max() < 12
