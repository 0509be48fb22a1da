"""``NotebookView``: a training run live in a Jupyter notebook, on jupyter_rfb's remote frame buffer.

The frames are the window's (an :class:`~nnviz_gl.notebook.offscreen_viewer.OffscreenViewer`: the same
scene, glide and input handlers, drawn offscreen through EGL in the kernel). Training runs in a
:class:`~nnviz_gl.training.bus.TrainingThread` publishing as it does to the window, so the cell returns
at once; each snapshot asks jupyter_rfb for a draw on the kernel's event loop, where ``get_frame`` runs
(the GL context is made and used on that thread only). The browser's pointer, wheel and keys reach the
window's handlers. The output also holds a still of the view (jupyter_rfb's snapshot), updated whenever
the run rests (paused or finished), so a notebook saved and opened without a kernel shows the last frame.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import Any

import glfw
import numpy as np
from jupyter_rfb import RemoteFrameBuffer

from ..live import ViewerFeed
from ..sinks.window_glide import MAX_GLIDE_S
from ..sizes import check_size
from ..snapshot import Snapshot
from ..training.bus import TrainingThread
from ..training.trainer import SklearnTrainer, TrainingConfig
from .offscreen_viewer import OffscreenViewer

WHEEL_PX_PER_NOTCH = 100.0  # browsers report a wheel notch as about 100 pixels of scrolling
FIRST_FRAME_S = 10.0        # how long displaying the view waits for training's first snapshot
BUTTONS = {1: glfw.MOUSE_BUTTON_LEFT, 2: glfw.MOUSE_BUTTON_RIGHT, 3: glfw.MOUSE_BUTTON_MIDDLE}  # jupyter_rfb's numbers
KEYS = {" ": glfw.KEY_SPACE, "ArrowRight": glfw.KEY_RIGHT, "r": glfw.KEY_R, "n": glfw.KEY_N, "+": glfw.KEY_EQUAL,
        "=": glfw.KEY_EQUAL, "-": glfw.KEY_MINUS, **{str(i): glfw.KEY_0 + i for i in range(10)}}


class _NotebookFeed(ViewerFeed):
    """The window's feed, except that training's end is news: the view rests on its last frame."""

    def close(self) -> None:
        self.viewer.close()


class NotebookView(RemoteFrameBuffer):
    """Train a network and watch it live in a notebook cell; the cell returns at once.

    Training options are :class:`~nnviz_gl.TrainingConfig`'s, given as a config or as keywords, as for
    :func:`~nnviz_gl.watch`: training pauses after ``epochs`` epochs (:meth:`resume` trains on), ``speed`` is
    epochs per second (None: as fast as training goes). ``size`` is the frame in pixels before the page
    resizes it. In the view: hover a connection or neuron, click the field to add a point (left and right
    buttons), drag to pan, the wheel zooms; keys space, →, r, n, +, -, 0-9 as in the window.
    """

    def __init__(self, config: TrainingConfig | None = None, *, size: tuple[int, int] = (854, 480),
                 speed: float | None = 30.0, field_scale: float | None = None, title: str | None = None,
                 neuron_fields: bool | None = None, view: tuple[float, float, float, float] | None = None,
                 **training_options: Any) -> None:
        if config is not None and training_options:
            raise ValueError("pass either a TrainingConfig or training keywords, not both")
        config = config if config is not None else TrainingConfig(**training_options)
        w, h = check_size(size, what="view size")
        self._loop = _running_loop()
        self._wake_lock = threading.Lock()
        self._wake_pending = False
        self._settle_pending = False
        self._ratio = 1.0
        self._handles: list[Any] = []
        self._kept: np.ndarray | None = None
        self._released = False
        self._error_said = False
        # GL first: no usable OpenGL is said before anything trains or any widget is made
        self.viewer = OffscreenViewer((w, h), field_scale=field_scale, view=view, title=title,
                                      neuron_fields=neuron_fields, on_change=self._changed, on_notice=self._notice)
        self.caption = f"nnviz-gl · {config.dataset} · {'-'.join(map(str, config.hidden or ())) or 'no hidden layer'}"
        try:
            trainer = SklearnTrainer(config)
            super().__init__(css_width=f"{w}px", css_height=f"{h}px", has_titlebar=True, title=self.caption)
        except BaseException:
            self.viewer.release()
            raise
        feed = _NotebookFeed(self.viewer, trainer, pause_at=config.epochs)
        self.thread = TrainingThread(trainer, feed, epochs_per_second=speed)
        feed.thread = self.thread
        self.viewer.controls = self.thread
        self.thread.start()

    # -- from Python ---------------------------------------------------------------------------------
    def pause(self) -> None:
        """Pause training after the current epoch (the view keeps answering the mouse)."""
        self.thread.pause()
        self._changed()

    def resume(self) -> None:
        """Train on (also after the ``epochs`` the run paused at)."""
        self.thread.resume()
        self._changed()

    @property
    def paused(self) -> bool:
        return self.thread.paused

    def stop(self) -> None:
        """End training for good (the view stays, on its last frame); :meth:`close` also frees the view."""
        self.thread.stop()
        self.thread.join(timeout=10)  # re-raises a training error

    def close(self, *args: Any, **kwargs: Any) -> None:
        """Stop training, free the GL context and close the widget's views."""
        self._shut_down()
        super().close(*args, **kwargs)

    @property
    def latest(self) -> Snapshot | None:
        """The newest snapshot the view has taken (the one its frames glide to)."""
        return self.viewer.glide.target

    @property
    def previous(self) -> Snapshot | None:
        """The snapshot before :attr:`latest` (what its learning marks compare with)."""
        return self.viewer.glide.before

    @property
    def epoch(self) -> int:
        """The newest published epoch (0 before training's first step)."""
        snapshot, _ = self.viewer.glide.slot.latest()
        return 0 if snapshot is None else snapshot.epoch

    @property
    def settled(self) -> bool:
        """The last frame drawn shows :attr:`latest` exactly, and nothing newer waits."""
        return self.viewer.settled

    @property
    def points(self) -> tuple[np.ndarray | None, ...] | None:
        """(X, y, X_test, y_test) as drawn."""
        return self.viewer.scene.data

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """The data rectangle the field shows now (zoomed and panned)."""
        return self.viewer.scene.bounds

    @property
    def history(self) -> np.ndarray:
        """The loss panel's rows, as ``render_frame(history=...)`` takes them."""
        return self.viewer.history

    @property
    def size(self) -> tuple[int, int]:
        """The frame in pixels."""
        return self.viewer.fb_size

    # -- jupyter_rfb's side (the kernel's thread) ----------------------------------------------------
    def get_frame(self) -> np.ndarray | None:
        """Draw the frame for now and return it, (height, width, 3) uint8; None before the first snapshot."""
        if self._released or not self.viewer.draw():
            return None
        frame = self.viewer.read_rgb()
        self._rfb_last_frame = frame  # what snapshot() and the saved notebook show
        if self.viewer.moving:
            self.request_draw()  # still gliding towards the newest snapshot
        elif self._resting():
            self._keep(frame)
        return frame

    def handle_event(self, event: dict) -> None:
        """The page's events: its size, the pointer, the wheel and keys, in CSS pixels times ``ratio``."""
        kind = event.get("type") or event.get("event_type")
        if self._released:
            return
        if kind == "resize":
            self._ratio = float(event.get("ratio") or event.get("pixel_ratio") or 1.0)
            self.viewer.resize((event["width"] * self._ratio, event["height"] * self._ratio))
        elif kind == "close":
            self._shut_down()
        elif kind in ("pointer_move", "pointer_down", "pointer_up", "wheel"):
            self.viewer.input.mouse_at((event["x"] * self._ratio, event["y"] * self._ratio))
            if kind == "wheel":  # wheel up (negative dy) zooms in, as glfw's positive notches do
                self.viewer.input.on_scroll(-event.get("dx", 0.0) / WHEEL_PX_PER_NOTCH,
                                            -event["dy"] / WHEEL_PX_PER_NOTCH)
            elif kind != "pointer_move" and event.get("button") in BUTTONS:
                action = glfw.PRESS if kind == "pointer_down" else glfw.RELEASE
                self.viewer.input.on_mouse_button(BUTTONS[event["button"]], action)
        elif kind == "key_down" and event.get("key") in KEYS:
            self.viewer.input.on_key(KEYS[event["key"]], glfw.PRESS)

    def _ipython_display_(self, **kwargs: Any) -> None:
        """Display the widget with a still of its first frame (jupyter_rfb's snapshot), kept up to date
        through a display id whenever the run rests."""
        from IPython.display import display

        self.viewer.glide.slot.wait_newer(0, FIRST_FRAME_S)
        self.get_frame()
        self._rfb_pending_display = None  # the still is ours: jupyter_rfb need not reload the output
        data, metadata = self._bundle()
        self._handles.append(display(data, metadata=metadata, raw=True, display_id=True))

    # -- internals -----------------------------------------------------------------------------------
    def _bundle(self) -> tuple[dict, dict]:
        result = super()._repr_mimebundle_()
        data, metadata = result if isinstance(result, tuple) else (result, {})
        data = dict(data)
        if self._rfb_last_frame is not None:
            data["text/html"] = self.snapshot()._repr_html_()
        return data, metadata or {}

    def _resting(self) -> bool:
        return self.viewer.settled and (self.viewer.ended or self.thread.paused)

    def _keep(self, frame: np.ndarray) -> None:
        """The run rests on ``frame``: the displayed outputs' still becomes it (once per new picture)."""
        if not self._handles or (self._kept is not None and np.array_equal(frame, self._kept)):
            return
        self._kept = frame
        data, metadata = self._bundle()
        for handle in self._handles:
            handle.update(data, metadata=metadata, raw=True)

    def _changed(self) -> None:
        """Something new to draw (any thread): one draw request on the kernel's event loop."""
        if self._loop is None:
            return  # no kernel: frames are drawn when asked for (get_frame)
        with self._wake_lock:
            if self._wake_pending:
                return
            self._wake_pending = True
        try:
            self._loop.call_soon_threadsafe(self._wake, context=_no_cell())
        except RuntimeError:  # the loop has closed (the kernel is shutting down)
            pass

    def _wake(self) -> None:
        with self._wake_lock:
            self._wake_pending = False
        if self._released:
            return
        if self.thread.error is not None and not self._error_said:
            self._error_said = True  # the thread has ended: say why in the cell (the view keeps its last frame)
            self.print(f"nnviz-gl: training failed: {type(self.thread.error).__name__}: {self.thread.error}")
        self.request_draw()
        if (self.thread.paused or self.viewer.ended) and not self._settle_pending:
            # no page may be drawing: bring the still up to date once the glide is over
            self._settle_pending = True
            self._loop.call_later(MAX_GLIDE_S + 0.1, self._settle, context=_no_cell())

    def _settle(self) -> None:
        self._settle_pending = False
        if self._released or not self._handles:
            return
        self.get_frame()
        if self.viewer.moving:
            self._settle_pending = True
            self._loop.call_later(0.1, self._settle, context=_no_cell())

    def _notice(self, message: str) -> None:
        self.title = f"{self.caption} · {message}"

    def _shut_down(self) -> None:
        if self._released:
            return
        self._released = True
        self.thread.stop()
        try:
            self.thread.join(timeout=10)
        finally:  # a training error is raised, the GL context freed all the same
            self.viewer.release()


def _no_cell() -> contextvars.Context:
    """A context for our event-loop callbacks: not the cell's that scheduled them (pause() in a cell long
    finished), so the kernel sends what they display (the still's update) as of the cell running now."""
    return contextvars.Context()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The kernel's event loop (a notebook cell runs inside it); None in a plain script."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
