"""nnviz_gl: watch a neural network learn, drawn by OpenGL shaders — live, as 4K video, or headless.

The public names load on first use (PEP 562): ``import nnviz_gl`` and ``nnviz-gl --help`` stay quick,
and scikit-learn (over a second to import, most of it scipy.stats) is imported only by what trains or
draws a dataset. ``nnviz-gl render`` imports it in a worker process, beside the GL and ffmpeg start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# public name -> the module that defines it
_EXPORTS = {
    "Architecture": ".snapshot",
    "Dataset": ".training.datasets",
    "NoDisplayError": ".sinks.window",
    "NotebookView": ".notebook.view",
    "Replay": ".replay",
    "SklearnTrainer": ".training.trainer",
    "Snapshot": ".snapshot",
    "TrainingConfig": ".training.trainer",
    "TrajectoryReader": ".trajectory",
    "TrajectoryWriter": ".trajectory",
    "VideoRecorder": ".video",
    "feature_matrix": ".features",
    "Viewer": ".sinks.window",
    "ViewerStats": ".sinks.window",
    "load_data": ".training.user_data",
    "make_dataset": ".training.datasets",
    "render_frame": ".render.frame",
    "render_grid": ".grid_video",
    "show": ".notebook.show",
    "sweep": ".sweeps.runner",
    "watch": ".live",
}
__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ loads each on first use
    # ruff: noqa: F401 (the names are re-exported through __all__)
    from .features import feature_matrix
    from .grid_video import render_grid
    from .live import watch
    from .notebook.show import show
    from .notebook.view import NotebookView
    from .render.frame import render_frame
    from .replay import Replay
    from .sinks.window import NoDisplayError, Viewer, ViewerStats
    from .snapshot import Architecture, Snapshot
    from .sweeps.runner import sweep
    from .training.datasets import Dataset, make_dataset
    from .training.user_data import load_data
    from .training.trainer import SklearnTrainer, TrainingConfig
    from .trajectory import TrajectoryReader, TrajectoryWriter
    from .video import VideoRecorder


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nnviz_gl' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
