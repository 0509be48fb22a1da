"""nnviz_gl: watch a neural network learn, drawn by OpenGL shaders — live, as 4K video, or headless."""

from .snapshot import Architecture, Snapshot

__all__ = ["Architecture", "Snapshot"]
__version__ = "0.1.0"
