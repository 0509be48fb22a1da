"""Sweeps: many training runs side by side (``nv.sweep``), trained on a local process pool, a Dask
cluster or Ray; each run's trajectory kept in a runs folder for ``nv.render_grid``.

Names load on first use: a worker importing ``nnviz_gl.sweeps.train_run`` loads no more than that.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "sweep": ".runner", "SweepRun": ".runner", "SweepError": ".combinations", "VARIABLES": ".combinations",
    "RayExecutor": ".executors", "read_runs": ".runs_dir", "train_run": ".train_run",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nnviz_gl.sweeps' has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)
