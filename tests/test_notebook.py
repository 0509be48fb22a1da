"""examples/notebook.ipynb runs in a real Jupyter kernel (nbclient + ipykernel, the test's own interpreter):
its outputs hold an inline video that decodes, and a live view whose frame is render_frame's picture of the
same snapshot, kept in the saved output for readers without a kernel."""

from __future__ import annotations

import base64
import io
import json
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


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook run in a kernel of this interpreter, in a folder of its own (its media land there)."""
    work = tmp_path_factory.mktemp("notebook")
    prefix = work / "kernel"
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(prefix), "--name", KERNEL],
                   check=True, capture_output=True, timeout=60)
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    nb = nbformat.read(work / NOTEBOOK.name, as_version=4)
    n_cells = len(nb.cells)
    nb.cells.append(nbformat.v4.new_code_cell(CHECK_CELL))
    import os

    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")  # where the kernel spec was installed
    try:
        client = nbclient.NotebookClient(nb, timeout=120, kernel_name=KERNEL, resources={"metadata": {"path": str(work)}})
        client.execute()
    finally:
        if old is None:
            del os.environ["JUPYTER_PATH"]
        else:
            os.environ["JUPYTER_PATH"] = old
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
