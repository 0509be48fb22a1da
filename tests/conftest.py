"""Shared fixtures. The GL context is made here and only here (through nnviz_gl's own factory)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def ctx():
    from nnviz_gl.render.context import create_headless_context

    context = create_headless_context()
    yield context
    context.release()


@pytest.fixture(autouse=True)
def _no_gl_error_left_behind(request):
    """Make the session context current for tests that use it (render_frame leaves its own current),
    and fail a test that leaves a GL error behind."""
    context = request.getfixturevalue("ctx") if "ctx" in request.fixturenames else None
    if context is not None:
        context.__enter__()
    yield
    if context is not None:
        error = context.error  # reading it clears it: read once
        assert error == "GL_NO_ERROR", f"test left a GL error behind: {error}"


@pytest.fixture(scope="session")
def display():
    """An X display for window tests: $DISPLAY when set (.ci/run starts Xvfb), else our own Xvfb."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if shutil.which("Xvfb") is None:
        pytest.skip("no $DISPLAY and no Xvfb binary to make one (Debian: apt-get install xvfb)")
    number = next(n for n in range(120, 400) if not Path(f"/tmp/.X11-unix/X{n}").exists()
                  and not Path(f"/tmp/.X{n}-lock").exists())
    proc = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp", "-noreset"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"Xvfb :{number} did not start: {proc.stderr.read().decode(errors='replace')}")
        time.sleep(0.05)
    os.environ["DISPLAY"] = f":{number}"
    yield os.environ["DISPLAY"]
    del os.environ["DISPLAY"]
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def small_tanh_snapshot():
    """A 2-6-1 tanh network with fixed random weights, for frames whose content is not the point."""
    import numpy as np

    import nnviz_gl as nv

    rng = np.random.default_rng(0)
    return nv.Snapshot(weights=[rng.normal(size=(2, 6)), rng.normal(size=(6, 1))],
                       biases=[rng.normal(size=6), rng.normal(size=1)], activation="tanh", epoch=4, loss=0.3)


@pytest.fixture(scope="session")
def xor_points():
    """80 points labelled by quadrant (x * y > 0): both classes everywhere in the field panel."""
    import numpy as np

    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)
