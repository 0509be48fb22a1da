"""nnviz_gl: watch a neural network learn, drawn by OpenGL shaders — live, as 4K video, or headless."""

from .live import watch
from .render.frame import render_frame
from .replay import Replay
from .sinks.window import NoDisplayError, Viewer, ViewerStats
from .snapshot import Architecture, Snapshot
from .training.datasets import Dataset, make_dataset
from .training.trainer import SklearnTrainer, TrainingConfig
from .trajectory import TrajectoryReader, TrajectoryWriter
from .video import VideoRecorder

__all__ = [
    "Architecture",
    "Dataset",
    "SklearnTrainer",
    "Snapshot",
    "TrainingConfig",
    "TrajectoryReader",
    "TrajectoryWriter",
    "VideoRecorder",
    "Viewer",
    "ViewerStats",
    "NoDisplayError",
    "Replay",
    "make_dataset",
    "render_frame",
    "watch",
]
__version__ = "0.1.0"
