"""What the window tests share: a hand-moved clock, drawing a window to rest, comparing pictures."""

from __future__ import annotations

import subprocess
import time

import numpy as np


class FakeClock:
    """The viewer's wall clock, moved by hand so glides are exact."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def settle(viewer) -> np.ndarray:
    """Draw the latest snapshot with its glide ended; the frame's pixels."""
    from nnviz_gl.sinks.window_glide import MAX_GLIDE_S

    viewer.clock = FakeClock()
    # past any glide, even one that a snapshot arriving now starts from the last frame drawn
    viewer.clock.now = max(time.perf_counter(), viewer.glide.last_drawn or 0.0) + MAX_GLIDE_S
    viewer.frame()
    viewer.draw()
    viewer.clock = time.perf_counter
    return viewer.read_rgb()


def tiny_snapshot(seed: int = 0):
    from nnviz_gl.snapshot import Snapshot

    rng = np.random.default_rng(seed)
    return Snapshot(weights=[rng.normal(size=(2, 3)), rng.normal(size=(3, 1))], biases=[np.zeros(3), np.zeros(1)],
                    activation="tanh")


def differing(a: np.ndarray, b: np.ndarray, tolerance: int = 8) -> float:
    """The fraction of pixels where ``a`` and ``b`` differ by more than ``tolerance`` in some channel."""
    return float(np.mean(np.any(np.abs(a.astype(int) - b.astype(int)) > tolerance, axis=-1)))


def coarse(rgb: np.ndarray, block: int = 8) -> np.ndarray:
    """Means of ``block`` x ``block`` tiles: what a picture shows, without a codec's fine-grained noise."""
    h, w = (rgb.shape[0] // block) * block, (rgb.shape[1] // block) * block
    return rgb[:h, :w].reshape(h // block, block, w // block, block, 3).mean(axis=(1, 3))


class RecordingControls:
    """What a TrainingThread offers the window, recording each point asked for."""

    paused, speed = True, None

    def __init__(self) -> None:
        self.points: list[tuple[float, float, object]] = []

    def add_point(self, x: float, y: float, label) -> None:
        self.points.append((x, y, label))


def xdotool(*args: str) -> None:
    """Real X input (keys, mouse) through xdotool."""
    subprocess.run(["xdotool", *args], check=True, capture_output=True, timeout=10)


def window_id(title: str) -> str:
    """The X window whose title is ``title``."""
    found = subprocess.run(["xdotool", "search", "--name", title], capture_output=True, text=True, timeout=10)
    return found.stdout.split()[0]
