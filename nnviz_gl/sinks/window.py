"""The live window: a glfw window that draws the latest published snapshot, smoothly, at the display's pace.

The window lives on the main thread; training runs elsewhere and calls :meth:`Viewer.publish` (a
latest-wins slot, so neither side ever waits for the other). Each frame takes the newest snapshot,
interpolates the weights by wall clock from what is on screen towards it, and draws through the same
``Scene.render`` as the video. Keys and mouse go through plain methods (``on_key``, ``on_mouse_move``,
``on_mouse_button``) that the glfw callbacks call and tests can call directly.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Protocol

import glfw
import moderngl
import numpy as np

from ..render.context import (REQUIRED_GL, GLUnavailableError, check_version, release_current_egl,
                              spread_software_rasterizer)
from ..render.picking import edge_address, nearest_edge, neuron_address, neuron_at, pixel_to_data
from ..render.scene import Scene
from ..render.style import DEFAULT_STYLE, WINDOW_FIELD_SCALE, Style
from ..render.text import TextItem
from ..snapshot import Snapshot
from ..training.bus import LatestSnapshot

# + / − walk this ladder of epochs per second; None is "as fast as training goes".
SPEEDS: tuple[float | None, ...] = (1, 2, 5, 10, 20, 30, 60, 120, 250, None)
MAX_GLIDE_S = 1.0   # the longest a move between two snapshots is spread over (1 epoch/s still moves all the time)
MESSAGE_S = 3.0     # how long a notice ("saved ...") stays on screen
HUD_REFRESH_S = 0.5  # how often the frames-per-second figure is rewritten
RECORD_FPS = 30.0

HELP_LINES = (
    "space   pause / resume",
    "→       one epoch (while paused)",
    "r       re-initialise the network",
    "n       new data",
    "+ / -   training speed (epochs per second)",
    "s       save a PNG of this frame",
    "v       start / stop recording an mp4",
    "h       this help",
    "q, Esc  quit",
    "mouse   hover a connection: its weight; hover a neuron: its own field",
    "        click the field: add a point (left class 0, right class 1)",
)


class ViewerExtension(Protocol):
    """What a controller plugged into a :class:`Viewer` (``viewer.extension``) provides, e.g. the replay's
    timeline. Input methods return True when they handled the event (the viewer then ignores it)."""

    help_lines: tuple[str, ...]

    def before_draw(self, now: float) -> None: ...
    def draw_over(self, framebuffer: moderngl.Framebuffer, size: tuple[int, int]) -> None: ...
    def on_key(self, key: int, action: int, mods: int) -> bool: ...
    def on_mouse_button(self, button: int, action: int, mods: int) -> bool: ...
    def on_mouse_move(self) -> bool: ...
    def overlay_state(self) -> object: ...
    def overlay_items(self) -> list[TextItem]: ...


class NoDisplayError(GLUnavailableError):
    """There is no display to open a window on; the message says what to do instead."""


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


_glfw_users = 0


def _glfw_acquire() -> None:
    """Initialise glfw once per process for any number of viewers; a missing display is one clear error."""
    global _glfw_users
    if _glfw_users == 0:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise NoDisplayError(_no_display("DISPLAY is not set"))
        errors: list[str] = []
        glfw.set_error_callback(lambda code, text: errors.append(text.decode() if isinstance(text, bytes) else str(text)))
        if not glfw.init():
            raise NoDisplayError(_no_display(errors[-1] if errors else "glfw could not initialise"))
    _glfw_users += 1


def _glfw_release() -> None:
    global _glfw_users
    _glfw_users -= 1
    if _glfw_users == 0:
        glfw.terminate()


def _no_display(reason: str) -> str:
    return (f"no display to open a window on ({reason}); render a video instead with `nnviz-gl render`, "
            "or run under a virtual display: `xvfb-run -a nnviz-gl watch`")


class Viewer:
    """A window showing a training run live. Make it on the main thread; call :meth:`publish` from any.

    ``controls`` is what the training keys drive: an object with ``paused``, ``pause()``, ``resume()``,
    ``step_once()``, ``speed``, ``reinitialize()``, ``new_data()`` and ``add_point(x, y, label)`` —
    a :class:`~nnviz_gl.training.bus.TrainingThread` has them. Without it those keys say so on screen.
    ``field_scale`` is the field texture's resolution per window pixel (0.35: an eighth of the shader
    work, bilinearly smoothed). ``vsync=False`` draws as fast as it can (benchmarks).
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
    ) -> None:
        w, h = (int(v) for v in size)
        if w < 64 or h < 64:
            raise ValueError(f"window size must be at least 64x64, got {w}x{h}")
        self.controls = controls
        self.extension: ViewerExtension | None = None  # e.g. a replay's timeline: keys, mouse, overlay, drawing
        self.output_dir = Path(output_dir)
        self.clock: Callable[[], float] = time.perf_counter  # wall clock; tests may replace it
        self._slot = LatestSnapshot()
        self._data_lock = threading.Lock()
        self._pending_data: tuple[np.ndarray, ...] | None = None
        self._bounds: tuple[float, float, float, float] | None = None

        _glfw_acquire()
        try:
            release_current_egl()  # glfw makes the new context current: a headless one must not be
            self.window = self._open_window(w, h, title, visible)
        except BaseException:
            _glfw_release()
            raise
        try:
            glfw.make_context_current(self.window)
            glfw.swap_interval(1 if vsync else 0)
            self.ctx = moderngl.create_context(require=REQUIRED_GL[0] * 100 + REQUIRED_GL[1] * 10)
            self.gl = check_version(self.ctx)
            self.scene = Scene(self.ctx, field_scale=field_scale, style=style)
        except BaseException:
            glfw.destroy_window(self.window)
            _glfw_release()
            raise
        self.style = style
        self._framebuffer = self.ctx.detect_framebuffer()
        self.fb_size = tuple(glfw.get_framebuffer_size(self.window))

        # what is on screen: a glide from `_from` to `_to` starting at `_t0` over `_span` seconds
        self._version = 0
        self._from: Snapshot | None = None
        self._to: Snapshot | None = None
        self._before: Snapshot | None = None  # the real snapshot before `_to`: learning marks, Δw
        self._t0 = 0.0
        self._span = 0.0
        self._last_arrival: float | None = None
        self._last_drawn: float | None = None  # the clock at the last frame drawn
        self._settled = False
        self.shown: Snapshot | None = None

        # interaction state
        self.mouse: tuple[float, float] | None = None  # framebuffer pixels
        self.hovered_edge: int | None = None
        self.hovered_neuron: tuple[int, int] | None = None
        self.show_help = False
        self.closing = False
        self.recording_path: Path | None = None
        self._writer = None
        self._record_start = 0.0
        self._message = ""
        self._message_until = 0.0
        self._overlay_key: tuple | None = None

        # frame counting
        self.frames = 0
        self._fps = 0.0
        self._fps_frames = 0
        self._fps_since = self.clock()

        glfw.set_key_callback(self.window, lambda _w, key, _sc, action, mods: self.on_key(key, action, mods))
        glfw.set_cursor_pos_callback(self.window, lambda _w, x, y: self.on_mouse_move(x, y))
        glfw.set_mouse_button_callback(self.window, lambda _w, b, action, mods: self.on_mouse_button(b, action, mods))

    @staticmethod
    def _open_window(w: int, h: int, title: str, visible: bool):
        glfw.default_window_hints()
        glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, REQUIRED_GL[0])
        glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, REQUIRED_GL[1])
        glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
        glfw.window_hint(glfw.OPENGL_FORWARD_COMPAT, True)
        glfw.window_hint(glfw.RESIZABLE, True)
        glfw.window_hint(glfw.SCALE_TO_MONITOR, True)  # the asked size is in screen units on HiDPI
        glfw.window_hint(glfw.VISIBLE, visible)
        errors: list[str] = []
        glfw.set_error_callback(lambda code, text: errors.append(text.decode() if isinstance(text, bytes) else str(text)))
        spread_software_rasterizer()
        window = glfw.create_window(w, h, title, None, None)
        if not window:
            reason = errors[-1] if errors else "no reason given"
            raise GLUnavailableError(
                f"could not open an OpenGL {REQUIRED_GL[0]}.{REQUIRED_GL[1]} core window ({reason}); the window "
                "needs OpenGL 3.3 core: update the graphics driver or Mesa, or use `nnviz-gl render` (headless)"
            )
        return window

    # -- data in (any thread) -----------------------------------------------------------------
    def publish(self, snapshot: Snapshot) -> None:
        """Hand over the newest snapshot; never blocks on the window. Safe from any thread."""
        self._slot.publish(snapshot)

    def set_data(self, X: np.ndarray, y: np.ndarray, X_test: np.ndarray | None = None,
                 y_test: np.ndarray | None = None) -> None:
        """The points to draw; applied at the next frame. Safe from any thread."""
        with self._data_lock:
            self._pending_data = (X, y, X_test, y_test)

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
        epoch = self._to.epoch if self._to is not None else 0
        return ViewerStats(self.frames - frames_before, seconds, epoch)

    def frame(self) -> bool:
        """Draw one frame and show it; False (and nothing drawn) while minimised or before any snapshot."""
        if not self.draw():
            return False
        if self._writer is not None:
            self._record_frame()
        glfw.swap_buffers(self.window)
        self._count_frame()
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
        self._apply_pending_data()
        if self.extension is not None:
            self.extension.before_draw(now)
        self._take_latest(now)
        if self._to is None:
            return False
        self._advance(now)
        self._refresh_overlay(now)
        self.scene.render(self._framebuffer, self.fb_size)
        if self.extension is not None:
            self.extension.draw_over(self._framebuffer, self.fb_size)
        return True

    def read_rgb(self) -> np.ndarray:
        """The back buffer just drawn, as (height, width, 3) uint8 with row 0 at the top."""
        w, h = self.fb_size
        raw = self._framebuffer.read(viewport=(0, 0, w, h), components=4, alignment=1)
        return np.frombuffer(raw, np.uint8).reshape(h, w, 4)[::-1, :, :3].copy()

    def close(self) -> None:
        """No more snapshots will come (the bus protocol: a TrainingThread calls it when training ends).

        Safe from any thread; the window stays open showing the last one. :meth:`release` closes the window.
        """
        self._slot.close()

    def release(self) -> None:
        """Finish a recording, release GL and close the window (main thread). Safe to call twice."""
        if getattr(self, "window", None) is None:
            return
        if self._writer is not None:
            self._stop_recording()
        release_current_egl()  # e.g. render_frame ran on this thread since the last frame
        glfw.make_context_current(self.window)
        self.ctx.release()
        glfw.destroy_window(self.window)
        self.window = None
        _glfw_release()

    def __enter__(self) -> "Viewer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def show(self, snapshot: Snapshot, previous: Snapshot | None = None) -> None:
        """Show exactly ``snapshot`` from the next frame on, without a glide; learning marks and weight
        changes are relative to ``previous``. Main thread (a replay's scrubbing and playback)."""
        self._from = self._to = snapshot
        self._before = previous
        self._span = 0.0
        self._t0 = self.clock()
        self._settled = False

    # -- snapshots on screen -------------------------------------------------------------------
    def _take_latest(self, now: float) -> None:
        snapshot, version = self._slot.latest()
        if version == self._version or snapshot is None:
            return
        self._version = version
        interval = MAX_GLIDE_S if self._last_arrival is None else now - self._last_arrival
        self._last_arrival = now
        if self._to is None or snapshot.architecture != self._to.architecture:
            self._from, self._before, self._span = snapshot, None, 0.0
        else:
            # glide on from what is on screen now, so a new snapshot never makes the picture jump
            self._from = self.shown if self.shown is not None else self._to
            self._before = self._to
            self._span = min(max(interval, 0.0), MAX_GLIDE_S)
        self._to = snapshot
        # The glide starts at the previous frame, not now: when snapshots arrive faster than frames
        # the picture must still move (to the newest) every frame instead of restarting at t = 0.
        self._t0 = now if self._last_drawn is None else min(self._last_drawn, now)
        self._settled = False

    def _advance(self, now: float) -> None:
        """Upload the interpolated snapshot for ``now``; nothing at all once the glide has settled."""
        self._last_drawn = now
        if self._settled:
            return
        t = 1.0 if self._span <= 0 else (now - self._t0) / self._span
        if t >= 1.0:
            shown, self._settled = self._to, True
        else:
            shown = self._from.interpolate(self._to, max(t, 0.0))
        self.shown = shown
        self.scene.upload(shown, self._before)

    def _apply_pending_data(self) -> None:
        with self._data_lock:
            data, self._pending_data = self._pending_data, None
        if data is None:
            return
        X, y, X_test, y_test = data
        points = np.concatenate([np.asarray(a, np.float64).reshape(-1, 2) for a in (X, X_test) if a is not None])
        points = points[np.isfinite(points).all(axis=1)]
        old = self._bounds
        # keep the view still while the points stay inside it (a clicked point must land where clicked)
        inside = old is not None and len(points) > 0 and bool(
            (points[:, 0] >= old[0]).all() and (points[:, 0] <= old[1]).all()
            and (points[:, 1] >= old[2]).all() and (points[:, 1] <= old[3]).all())
        self.scene.set_data(X, y, X_test, y_test, bounds=old if inside else None)
        self._bounds = self.scene.bounds

    def _resized(self, size: tuple[int, int]) -> None:
        self.fb_size = size
        self._framebuffer = self.ctx.detect_framebuffer()
        if self._writer is not None:
            self._stop_recording("the window was resized")
        self._overlay_key = None

    # -- input (glfw callbacks call these; tests may too) ------------------------------------------
    def on_key(self, key: int, action: int, mods: int = 0) -> None:
        if action not in (glfw.PRESS, glfw.REPEAT):
            return
        if self.extension is not None and self.extension.on_key(key, action, mods):
            self._overlay_key = None
            return
        if key in (glfw.KEY_Q, glfw.KEY_ESCAPE):
            self.closing = True
            glfw.set_window_should_close(self.window, True)
        elif key == glfw.KEY_H:
            self.show_help = not self.show_help
        elif key == glfw.KEY_S and action == glfw.PRESS:
            self.save_png()
        elif key == glfw.KEY_V and action == glfw.PRESS:
            self.toggle_recording()
        elif key in (glfw.KEY_SPACE, glfw.KEY_RIGHT, glfw.KEY_R, glfw.KEY_N, glfw.KEY_EQUAL, glfw.KEY_KP_ADD,
                     glfw.KEY_MINUS, glfw.KEY_KP_SUBTRACT):
            self._training_key(key, action)
        self._overlay_key = None

    def _training_key(self, key: int, action: int) -> None:
        c = self.controls
        if c is None:
            self._notify("no training attached to this window (pass controls=a TrainingThread)")
            return
        if key == glfw.KEY_SPACE and action == glfw.PRESS:
            if c.paused:
                c.resume()
            else:
                c.pause()
        elif key == glfw.KEY_RIGHT:
            if c.paused:
                c.step_once()
            else:
                self._notify("→ steps one epoch while paused: press space first")
        elif key == glfw.KEY_R and action == glfw.PRESS:
            c.reinitialize()
            self._notify("network re-initialised")
        elif key == glfw.KEY_N and action == glfw.PRESS:
            c.new_data()
            self._notify("new data")
        elif key in (glfw.KEY_EQUAL, glfw.KEY_KP_ADD):
            c.speed = next_speed(c.speed, +1)
        elif key in (glfw.KEY_MINUS, glfw.KEY_KP_SUBTRACT):
            c.speed = next_speed(c.speed, -1)

    def on_mouse_move(self, x: float, y: float) -> None:
        """``x, y`` in screen units (what glfw reports); scaled to framebuffer pixels for HiDPI."""
        ww, wh = glfw.get_window_size(self.window)
        sx = self.fb_size[0] / ww if ww else 1.0
        sy = self.fb_size[1] / wh if wh else 1.0
        self.mouse = (x * sx, y * sy)
        if self.extension is not None and self.extension.on_mouse_move():
            return
        self._update_hover()

    def on_mouse_button(self, button: int, action: int, mods: int = 0) -> None:
        """Click in the field panel: a training point there, left button class 0, right button class 1."""
        if self.extension is not None and self.extension.on_mouse_button(button, action, mods):
            return
        if action != glfw.PRESS or self.mouse is None or self.scene.layout is None:
            return
        if button not in (glfw.MOUSE_BUTTON_LEFT, glfw.MOUSE_BUTTON_RIGHT):
            return
        where = pixel_to_data(self.mouse, self.scene.bounds, self.scene.layout.field)
        if where is None:
            return
        label = 0 if button == glfw.MOUSE_BUTTON_LEFT else 1
        if self.controls is None:
            self._notify("no training attached to this window: points cannot be added")
            return
        self.controls.add_point(where[0], where[1], label)
        self._notify(f"added a class {label} point at ({where[0]:.2f}, {where[1]:.2f})")

    def _update_hover(self) -> None:
        lay = self.scene.layout
        geo = getattr(self.scene, "geometry", None)
        if self.mouse is None or lay is None or geo is None or self._to is None:
            return
        neuron = neuron_at(geo.neurons, geo.neuron_radius, self.mouse)
        edge = None
        if neuron is None:
            edge = nearest_edge(geo.edge_ends, self.mouse, max(4.0, 6.0 * lay.unit))
        hovered_neuron = None if neuron is None else neuron_address(geo.neuron_layer, neuron)
        if hovered_neuron != self.hovered_neuron:
            self.hovered_neuron = hovered_neuron
            self.scene.set_probe(hovered_neuron)
        if edge != self.hovered_edge:
            self.hovered_edge = edge
            self.scene.set_highlight(edge)
        self._overlay_key = None

    # -- s and v --------------------------------------------------------------------------------
    def save_png(self, path: str | os.PathLike[str] | None = None) -> Path | None:
        """Draw the current frame and save it as a PNG (default: a time-stamped name in ``output_dir``)."""
        from PIL import Image

        if not self.draw():
            self._notify("nothing to save yet")
            return None
        target = Path(path) if path is not None else self._stamped(".png")
        Image.fromarray(self.read_rgb()).save(target)
        self._notify(f"saved {target}")
        print(f"nnviz-gl: saved {target}", file=sys.stderr)
        return target

    def toggle_recording(self, path: str | os.PathLike[str] | None = None) -> None:
        """Start recording the window into an mp4 (the same encoder as ``nnviz-gl render``), or stop."""
        if self._writer is not None:
            self._stop_recording()
            return
        from ..sinks.ffmpeg import VideoWriter, resolve_codec

        target = Path(path) if path is not None else self._stamped(".mp4")
        w, h = self.fb_size[0] - self.fb_size[0] % 2, self.fb_size[1] - self.fb_size[1] % 2  # H.264: even sizes
        codec = resolve_codec("auto")
        # the fastest x264 preset: the encoder shares the CPU with drawing and training
        preset = "ultrafast" if codec == "libx264" else None
        self._writer = VideoWriter(target, (w, h), RECORD_FPS, codec=codec, preset=preset)
        self.recording_path = target
        self._record_start = self.clock()
        self._notify(f"recording {target}")

    @property
    def recording(self) -> bool:
        return self._writer is not None

    def _record_frame(self) -> None:
        """Frames go in at a steady 30 fps by wall clock: repeated when drawing is slower, skipped when faster."""
        writer = self._writer
        due = int((self.clock() - self._record_start) * RECORD_FPS + 1e-6) + 1 - writer.frames_written
        if due <= 0:
            return
        buffer = writer.acquire_buffer()
        self._framebuffer.read_into(buffer, viewport=(0, 0, writer.width, writer.height), components=4, alignment=1)
        for _ in range(min(due, 3) - 1):
            writer.write(memoryview(buffer))  # a copy; the buffer itself goes last
        writer.write(buffer)

    def _stop_recording(self, reason: str | None = None) -> None:
        writer, self._writer = self._writer, None
        try:
            if writer.frames_written:
                writer.close()
                text = f"saved {self.recording_path} ({writer.frames_written} frames)"
            else:
                writer.abort()
                text = "recording stopped before any frame"
        except Exception as exc:  # an encoder failure must not take the live window down
            text = f"recording failed: {exc}"
        if reason:
            text = f"{reason}: {text}"
        self._notify(text)
        print(f"nnviz-gl: {text}", file=sys.stderr)

    def _stamped(self, suffix: str) -> Path:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        return self.output_dir / f"nnviz-{datetime.now():%Y%m%d-%H%M%S-%f}{suffix}"

    # -- heads-up text ----------------------------------------------------------------------------
    def _notify(self, text: str) -> None:
        self._message = text
        self._message_until = self.clock() + MESSAGE_S
        self._overlay_key = None

    def _count_frame(self) -> None:
        self.frames += 1
        self._fps_frames += 1
        now = self.clock()
        if now - self._fps_since >= HUD_REFRESH_S:
            self._fps = self._fps_frames / (now - self._fps_since)
            self._fps_frames, self._fps_since = 0, now

    def _status(self) -> str:
        c = self.controls
        if c is None:
            return ""
        if c.paused:
            return "paused"
        speed = c.speed
        return "training, unlimited speed" if speed is None else f"training at {speed:g} epochs/s"

    def _refresh_overlay(self, now: float) -> None:
        """Rebuild the overlay only when its text changes (a new overlay re-lays out the text buffer)."""
        message = self._message if now < self._message_until else ""
        key = (round(self._fps), self._status(), message, self.show_help, self.recording, self.hovered_edge,
               self.hovered_neuron, self._version if self.hovered_edge is not None else 0, self.fb_size,
               None if self.extension is None else self.extension.overlay_state())
        if key == self._overlay_key:
            return
        self._overlay_key = key
        self.scene.set_overlay(self._overlay_items(message))

    def _overlay_items(self, message: str) -> list[TextItem]:
        lay, s = self.scene.layout, self.style
        if lay is None:
            return []
        size = lay.label_px
        box = (*s.panel, 0.85)
        net = lay.network
        parts = [f"{self._fps:.0f} fps"]
        if self._status():
            parts.append(self._status())
        if self.recording:
            parts.append("REC")
        parts.append("h: help")
        items = [TextItem("   ·   ".join(parts), net.x + 10 * lay.unit, net.y + net.h - 8 * lay.unit, size,
                          (*s.text_dim, 1.0), anchor="left", baseline="bottom")]
        if message:
            items.append(TextItem(message, net.x + net.w * 0.5, net.y + net.h - 8 * lay.unit - 1.6 * size, size,
                                  (*s.text, 1.0), anchor="center", baseline="bottom", box=box))
        hover = self._hover_text()
        if hover and self.mouse is not None:
            items.append(TextItem(hover, self.mouse[0] + 14 * lay.unit, self.mouse[1] + 14 * lay.unit, size,
                                  (*s.text, 1.0), anchor="left", baseline="top", box=box))
        if self.extension is not None:
            items.extend(self.extension.overlay_items())
        help_lines = HELP_LINES if self.extension is None else self.extension.help_lines
        if self.show_help:
            line_h = size * 1.45
            top = net.y + (net.h - line_h * len(help_lines)) * 0.5
            for i, line in enumerate(help_lines):
                items.append(TextItem(line, net.x + 40 * lay.unit, top + i * line_h, size, (*s.text, 1.0),
                                      anchor="left", baseline="top", box=(*s.background, 0.9)))
        return items

    def _hover_text(self) -> str:
        snap = self._to
        if snap is None:
            return ""
        if self.hovered_edge is not None:
            sizes = snap.architecture.layer_sizes
            layer, source, target = edge_address(sizes, self.hovered_edge)
            weight = float(snap.weights[layer][source, target])
            text = f"layer {layer}: {source + 1} → {target + 1}   weight {weight:+.4f}"
            if self._before is not None:
                change = weight - float(self._before.weights[layer][source, target])
                text += f"   last change {change:+.2e}"
            return text
        if self.hovered_neuron is not None:
            layer, index = self.hovered_neuron
            n_layers = len(snap.architecture.layer_sizes)
            if layer == 0:
                return f"input {index + 1} (feature x{index + 1})"
            if layer == n_layers - 1:
                return "output: the model's probability of class 1"
            return f"layer {layer}, neuron {index + 1}: its own output in the field panel"
        return ""


def next_speed(speed: float | None, direction: int) -> float | None:
    """The next step of :data:`SPEEDS` up (``direction`` > 0) or down from ``speed`` (None = unlimited)."""
    finite = [s for s in SPEEDS if s is not None]
    if direction > 0:
        if speed is None:
            return None
        return next((s for s in finite if s > speed * 1.001), None)
    if speed is None:
        return finite[-1]
    return next((s for s in reversed(finite) if s < speed * 0.999), finite[0])
