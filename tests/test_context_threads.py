"""llvmpipe gets twice as many raster threads as cores, unless the user chose; counted in a fresh
process (Mesa reads LP_NUM_THREADS when its first context is made)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from nnviz_gl.render.context import gl_info

COUNT_RASTER_THREADS = """
import os
from nnviz_gl.render.context import create_headless_context
ctx = create_headless_context()
names = [open(f"/proc/self/task/{t}/comm").read().strip() for t in os.listdir("/proc/self/task")]
print(sum(name.startswith("llvmpipe-") for name in names))
"""


def _raster_threads(lp_num_threads: str | None) -> int:
    env = {k: v for k, v in os.environ.items() if k != "LP_NUM_THREADS"}
    if lp_num_threads is not None:
        env["LP_NUM_THREADS"] = lp_num_threads
    out = subprocess.run([sys.executable, "-c", COUNT_RASTER_THREADS], env=env, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return int(out.strip().splitlines()[-1])


@pytest.fixture(autouse=True)
def _on_llvmpipe(ctx):
    renderer = gl_info(ctx).renderer
    if "llvmpipe" not in renderer.lower():
        pytest.skip(f"raster threads are llvmpipe's; the renderer here is {renderer}")


def test_llvmpipe_gets_twice_the_cores_by_default():
    assert _raster_threads(None) == min(2 * os.cpu_count(), 32)


def test_a_users_own_choice_is_kept():
    assert _raster_threads("1") == 1
