"""The live window's viewer without a window: the same scene, glide, zoom and mouse handling, drawn
offscreen by a :class:`~nnviz_gl.render.frame.FrameRenderer` (the video's draw path) for a notebook's view.

It has what the window's input rooms use (``scene``, ``glide``, ``view``, ``input``, ``hud``, ``controls``,
``style``), so :class:`~nnviz_gl.sinks.window_input.WindowInput` and
:class:`~nnviz_gl.sinks.window_view.ViewControl` drive it unchanged. Training publishes from its own
thread; everything GL happens on the thread that calls :meth:`draw` (a kernel's main thread).
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from ..render.frame import FrameRenderer
from ..render.style import DEFAULT_STYLE, Style
from ..sinks.window_glide import Glide
from ..sinks.window_input import WindowInput
from ..sinks.window_view import PendingPoints, ViewControl
from ..sizes import SMALLEST
from ..snapshot import Snapshot


class QuietHeadsUp:
    """What the input rooms tell the window's heads-up text; a notebook view draws none (its picture is
    the video's), so notices go to ``on_notice`` and any change asks for a new frame."""

    def __init__(self, on_change: Callable[[], None], on_notice: Callable[[str], None]) -> None:
        self.show_help = False
        self.message = ""
        self._on_change = on_change
        self._on_notice = on_notice

    def invalidate(self) -> None:
        self._on_change()

    def notify(self, message: str) -> None:
        self.message = message
        self._on_notice(message)


class OffscreenViewer:
    """A viewer drawing into an offscreen framebuffer of ``size`` pixels; made and drawn on one thread.

    ``on_change`` is called (from any thread) whenever a new frame would differ: a snapshot or data
    published, the view zoomed, the hover moved; ``on_notice`` with what a click or key did.
    """

    def __init__(self, size: tuple[int, int], *, field_scale: float | None = None, style: Style = DEFAULT_STYLE,
                 view: tuple[float, float, float, float] | None = None, title: str | None = None,
                 neuron_fields: bool | None = None, on_change: Callable[[], None] = lambda: None,
                 on_notice: Callable[[str], None] = lambda message: None) -> None:
        self.controls: Any = None  # a TrainingThread: what clicks and the training keys drive
        self.extension = None
        self.gui = None
        self.style = style
        self.clock: Callable[[], float] = time.perf_counter  # tests may replace it
        self.on_change = on_change
        self.glide = Glide()
        self.new_points = PendingPoints()
        self.view = ViewControl(self, view)
        self.renderer = FrameRenderer(size, field_scale=field_scale, style=style, title=title,
                                      neuron_fields=neuron_fields)
        self.scene = self.renderer.scene
        if self.view.home is not None:
            self.scene.set_view(self.view.home)
        self.input = WindowInput(self)
        self.hud = QuietHeadsUp(on_change, on_notice)
        self.moving = False  # the last frame was on the way to the newest snapshot: draw again
        self.ended = False

    # -- the bus (any thread) -----------------------------------------------------------------------
    def publish(self, snapshot: Snapshot) -> None:
        self.glide.slot.publish(snapshot)
        self.on_change()

    def set_data(self, X: np.ndarray, y: np.ndarray, X_test: np.ndarray | None = None,
                 y_test: np.ndarray | None = None) -> None:
        self.new_points.put(X, y, X_test, y_test)
        self.on_change()

    def close(self) -> None:
        """Training ended: the last snapshot stays."""
        self.ended = True
        self.glide.slot.close()
        self.on_change()

    # -- drawing (the drawing thread) ---------------------------------------------------------------
    @property
    def fb_size(self) -> tuple[int, int]:
        return self.renderer.size

    def resize(self, size: tuple[int, int]) -> None:
        """A new frame size in pixels (the page's element times its pixel ratio); the smallest frame at least."""
        self.renderer.resize((max(int(round(size[0])), SMALLEST), max(int(round(size[1])), SMALLEST)))
        self.on_change()

    def draw(self) -> bool:
        """Draw the frame for now: gliding towards the newest snapshot, as the window does; False before any."""
        now = self.clock()
        self.new_points.apply(self.view, self.scene)
        self.glide.take_latest(now)
        if self.glide.target is None:
            return False
        moved = self.glide.frame(now)
        self.moving = moved is not None
        self.renderer.draw(self.glide.shown or self.glide.target, self.glide.before)
        return True

    def read_rgb(self) -> np.ndarray:
        """The frame just drawn: (height, width, 3) uint8, row 0 at the top."""
        return self.renderer.read_rgb()

    @property
    def settled(self) -> bool:
        """The last frame showed the newest snapshot and data, and the next would show the same."""
        return not (self.moving or self.new_points.waiting or self.glide.slot.latest()[1] != self.glide.version)

    @property
    def history(self) -> np.ndarray:
        """The loss panel's rows (epoch, loss, test loss, score, test score), as ``render_frame(history=)`` takes them."""
        loss = self.scene.loss.history
        return loss.rows[: loss.count].astype(np.float64)

    def release(self) -> None:
        self.renderer.release()
