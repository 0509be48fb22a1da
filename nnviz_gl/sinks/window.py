"""The live window: a glfw window that draws the latest published snapshot, smoothly, at the display's pace.

The window lives on the main thread; training runs elsewhere and calls :meth:`Viewer.publish` (a
latest-wins slot, so neither side ever waits for the other). Each frame takes the newest snapshot,
glides the weights by the clock from what is on screen towards it (``window_glide``), and draws through
the same ``Scene.render`` as the video. The viewer's other jobs are rooms of their own: keys and mouse
(``window_input``), the heads-up text (``window_hud``), ``s`` and ``v`` (``window_recording``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

import glfw
import moderngl
import numpy as np

from ..render.capabilities import capabilities
from ..render.context import REQUIRED_GL, check_version, release_current_egl
from ..render.scene import Scene
from ..render.style import DEFAULT_STYLE, WINDOW_FIELD_SCALE, Style
from ..render.text import TextItem
from ..sizes import check_size
from ..snapshot import Snapshot
from .glfw_window import NoDisplayError, glfw_acquire, glfw_release, open_window
from .window_glide import Glide
from .window_hud import HeadsUp
from .window_input import WindowInput
from .window_recording import WindowRecorder
from .window_view import PendingPoints, ViewControl

__all__ = ["NoDisplayError", "Viewer", "ViewerExtension", "ViewerStats", "WINDOW_FIELD_SCALE"]


class ViewerExtension(Protocol):
    """What a controller plugged into a :class:`Viewer` (``viewer.extension``) provides, e.g. the replay's
    timeline. Input methods return True when they handled the event (the viewer then ignores it)."""

    help_lines: tuple[str, ...]

    def before_draw(self, now: float) -> None: ...
    def on_key(self, key: int, action: int, mods: int) -> bool: ...
    def on_mouse_button(self, button: int, action: int, mods: int) -> bool: ...
    def on_mouse_move(self) -> bool: ...
    def overlay_state(self) -> object: ...
    def overlay_items(self) -> list[TextItem]: ...


@dataclass(frozen=True)
class ViewerStats:
    """What a run of the window did; ``line()`` is the summary scripts and benchmarks read."""

    frames: int
    seconds: float
    epochs: int

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return f"frames={self.frames} seconds={self.seconds:.2f} fps={self.fps:.1f} epochs={self.epochs}"


class Viewer:
    """A window showing a training run live. Make it on the main thread; call :meth:`publish` from any.

    ``controls`` is what the training keys drive: an object with ``paused``, ``pause()``, ``resume()``,
    ``step_once()``, ``speed``, ``reinitialize()``, ``new_data()`` and ``add_point(x, y, label)`` —
    a :class:`~nnviz_gl.training.bus.TrainingThread` has them. Without it those keys say so on screen.
    ``field_scale`` is the field texture's resolution per window pixel (0.35: an eighth of the shader
    work, bilinearly smoothed). ``vsync=False`` draws as fast as it can (benchmarks). ``view`` fixes
    the field panel's home view (xmin, xmax, ymin, ymax; default: the points' extent plus 0.5), which
    the wheel zooms, a drag pans and key 0 returns to (:attr:`view`). ``neuron_fields``: hidden neurons
    show their own fields (True), never (False), or when their discs are large enough (None).
    """

    def __init__(
        self,
        size: tuple[int, int] = (1280, 720),
        *,
        title: str = "nnviz-gl",
        controls: Any = None,
        field_scale: float = WINDOW_FIELD_SCALE,
        vsync: bool = True,
        visible: bool = True,
        output_dir: str | os.PathLike[str] = ".",
        style: Style = DEFAULT_STYLE,
        view: tuple[float, float, float, float] | None = None,
        neuron_fields: bool | None = None,
    ) -> None:
        w, h = check_size(size, what="window size")
        self.controls = controls
        self.extension: ViewerExtension | None = None  # e.g. a replay's timeline: keys, mouse, overlay, drawing
        self.gui = None  # the optional control panel (window_controls.ControlPanel): first look at the mouse
        self.output_dir = Path(output_dir)
        self.clock: Callable[[], float] = time.perf_counter  # tests may replace it
        self.style = style
        self.glide = Glide()
        self.new_points = PendingPoints()
        self.view = ViewControl(self, view)  # checked before the window opens

        glfw_acquire()
        try:
            release_current_egl()  # glfw makes the new context current: a headless one must not be
            self.window = open_window(w, h, title, visible)
        except BaseException:
            glfw_release()
            raise
        try:
            glfw.make_context_current(self.window)
            glfw.swap_interval(1 if vsync else 0)
            self.ctx = moderngl.create_context(require=REQUIRED_GL[0] * 100 + REQUIRED_GL[1] * 10)
            self.gl = check_version(self.ctx)
            self.caps = capabilities(self.ctx)
            self.scene = Scene(self.ctx, field_scale=field_scale, style=style, caps=self.caps,
                               neuron_fields=neuron_fields)
        except BaseException:
            glfw.destroy_window(self.window)
            glfw_release()
            raise
        self.framebuffer = self.ctx.detect_framebuffer()
        self.fb_size = tuple(glfw.get_framebuffer_size(self.window))
        self.closing = False
        self.frames = 0
        self.input = WindowInput(self)
        self.hud = HeadsUp(self)
        self.recorder = WindowRecorder(self)

        glfw.set_key_callback(self.window, lambda _w, key, _sc, action, mods: self.on_key(key, action, mods))
        glfw.set_char_callback(self.window, lambda _w, codepoint: self.on_char(codepoint))
        glfw.set_cursor_pos_callback(self.window, lambda _w, x, y: self.on_mouse_move(x, y))
        glfw.set_mouse_button_callback(self.window, lambda _w, b, action, mods: self.on_mouse_button(b, action, mods))
        glfw.set_scroll_callback(self.window, lambda _w, dx, dy: self.on_scroll(dx, dy))
        if self.view.home is not None:
            self.scene.set_view(self.view.home)

    # -- data in (any thread) -----------------------------------------------------------------
    def publish(self, snapshot: Snapshot) -> None:
        """Hand over the newest snapshot; never blocks on the window. Safe from any thread."""
        self.glide.slot.publish(snapshot)

    def set_data(self, X: np.ndarray, y: np.ndarray, X_test: np.ndarray | None = None,
                 y_test: np.ndarray | None = None) -> None:
        """The points to draw; applied at the next frame. Safe from any thread."""
        self.new_points.put(X, y, X_test, y_test)

    def close(self) -> None:
        """No more snapshots will come (the bus protocol: a TrainingThread calls it when training ends).

        Safe from any thread; the window stays open showing the last one. :meth:`release` closes the window.
        """
        self.glide.slot.close()

    def show(self, snapshot: Snapshot, previous: Snapshot | None = None) -> None:
        """Show exactly ``snapshot`` from the next frame on, without a glide; learning marks and weight
        changes are relative to ``previous``. Main thread (a replay's scrubbing and playback)."""
        self.glide.show(snapshot, previous, self.clock())

    @property
    def shown(self) -> Snapshot | None:
        """The snapshot the last frame drew (between two published ones, an interpolated one)."""
        return self.glide.shown

    # -- the loop (main thread) ---------------------------------------------------------------
    def run(self, duration: float | None = None, stop_when: Callable[[], bool] | None = None) -> ViewerStats:
        """Draw until the window is closed (q, Esc, the close button), ``duration`` seconds pass, or
        ``stop_when()`` is true. Never waits for training: each frame draws whatever is latest."""
        start = self.clock()
        frames_before = self.frames
        while not (self.closing or glfw.window_should_close(self.window)):
            if duration is not None and self.clock() - start >= duration:
                break
            if stop_when is not None and stop_when():
                break
            glfw.poll_events()
            if not self.frame():
                glfw.wait_events_timeout(0.05)  # minimised, or nothing published yet
        seconds = self.clock() - start
        epoch = self.glide.target.epoch if self.glide.target is not None else 0
        return ViewerStats(self.frames - frames_before, seconds, epoch)

    def frame(self) -> bool:
        """Draw one frame and show it; False (and nothing drawn) while minimised or before any snapshot.
        While recording, the frame is also the recording's next video frame."""
        if not self.draw():
            return False
        if self.recorder.recording:
            self.recorder.capture()
        glfw.swap_buffers(self.window)
        self.frames += 1
        self.hud.count_frame(self.clock())
        return True

    def draw(self) -> bool:
        """Draw into the window's back buffer without showing it (tests read it back with :meth:`read_rgb`)."""
        size = tuple(glfw.get_framebuffer_size(self.window))
        if size[0] < 1 or size[1] < 1:
            return False
        if glfw.get_current_context() != self.window:  # e.g. render_frame ran on this thread
            release_current_egl()
            glfw.make_context_current(self.window)
        if size != self.fb_size:
            self._resized(size)
        now = self.clock()
        self.new_points.apply(self.view, self.scene)
        if self.extension is not None:
            self.extension.before_draw(now)
        self.glide.take_latest(now)
        if self.glide.target is None:
            return False
        shown = self.glide.frame(now)
        if shown is not None:
            self.scene.upload(shown, self.glide.before)
        self.hud.refresh(now)
        self.scene.render(self.framebuffer, self.fb_size)
        return True

    def read_rgb(self) -> np.ndarray:
        """The back buffer just drawn, as (height, width, 3) uint8 with row 0 at the top."""
        w, h = self.fb_size
        raw = self.framebuffer.read(viewport=(0, 0, w, h), components=4, alignment=1)
        return np.frombuffer(raw, np.uint8).reshape(h, w, 4)[::-1, :, :3].copy()

    def release(self) -> None:
        """Finish a recording, release GL and close the window (main thread). Safe to call twice."""
        if getattr(self, "window", None) is None:
            return
        self.recorder.stop()
        release_current_egl()  # e.g. render_frame ran on this thread since the last frame
        glfw.make_context_current(self.window)
        if self.gui is not None:
            self.gui.release()  # its GL objects, and ImGui's own context
            self.gui = None
        self.ctx.release()
        glfw.destroy_window(self.window)
        self.window = None
        glfw_release()

    def __enter__(self) -> "Viewer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    # -- input, s and v: the rooms that do them ---------------------------------------------------
    def on_key(self, key: int, action: int, mods: int = 0) -> None:
        if self.gui is not None and self.gui.key(key, action, mods):
            return  # a value is being typed into the control panel: not the window's keys
        self.input.on_key(key, action, mods)

    def on_char(self, codepoint: int) -> None:
        """A typed character (after the keyboard layout): only the control panel reads text."""
        if self.gui is not None:
            self.gui.char(codepoint)

    def on_mouse_move(self, x: float, y: float) -> None:
        """``x, y`` in screen units (what glfw reports)."""
        self.input.on_mouse_move(x, y)
        if self.gui is not None and self.input.mouse is not None:
            self.gui.mouse_moved(*self.input.mouse)

    def on_mouse_button(self, button: int, action: int, mods: int = 0) -> None:
        captured = self.gui is not None and self.gui.mouse_button(button, action == glfw.PRESS)
        if captured and action == glfw.PRESS:
            return  # a press on the control panel is not a click or a drag on the field (its release ends one)
        self.input.on_mouse_button(button, action, mods)

    def on_scroll(self, dx: float, dy: float) -> None:
        """Wheel notches (``dy`` up positive: zoom in), as glfw reports them."""
        if self.gui is not None and self.gui.wheel(dx, dy):
            return  # the wheel over the control panel scrolls it, not the field
        self.input.on_scroll(dx, dy)

    def add_controls_panel(self, open: bool = False) -> bool:
        """Show the playground's control panel over the window (the ``nnviz_gl[gui]`` extra) driving
        :attr:`controls`, folded to its title bar unless ``open``; False where the extra is not
        installed (the keys still work)."""
        from .window_controls import ControlPanel, gui_available

        if self.controls is None or not hasattr(self.controls, "change") or not gui_available():
            return False
        self.gui = ControlPanel(self.ctx, self.controls, open=open)
        self.scene.add_panel(self.gui)
        return True

    @property
    def mouse(self) -> tuple[float, float] | None:
        """The mouse in framebuffer pixels (y down), once it has moved over the window."""
        return self.input.mouse

    def save_png(self, path: str | os.PathLike[str] | None = None) -> Path | None:
        """Draw the current frame and save it as a PNG (default: a time-stamped name in ``output_dir``)."""
        return self.recorder.save_png(path)

    def toggle_recording(self, path: str | os.PathLike[str] | None = None) -> None:
        """Start recording the window into an mp4 (the writer and codec policy of ``VideoRecorder``), or stop."""
        self.recorder.toggle(path)

    @property
    def recording(self) -> bool:
        return self.recorder.recording

    @property
    def recording_path(self) -> Path | None:
        return self.recorder.path

    # -- internals ----------------------------------------------------------------------------------
    def _resized(self, size: tuple[int, int]) -> None:
        self.fb_size = size
        self.framebuffer = self.ctx.detect_framebuffer()
        if self.recorder.recording:
            self.recorder.stop("the window was resized")
        self.hud.invalidate()
