"""Replay: a recorded run (``.nnviz``) in the live window, with a timeline to play, step and scrub.

A :class:`Replay` pairs a :class:`~nnviz_gl.trajectory.TrajectoryReader` with a
:class:`~nnviz_gl.sinks.window.Viewer` and plugs into it as its ``extension``: it takes the keys and the
timeline's mouse, and before each frame it decides which snapshot is shown. The position on the timeline
is a float snapshot index; between two whole indices the weights are interpolated (smooth playback), on
a whole index the recorded snapshot is shown exactly, its learning marks relative to the record before
it in the file. A file still being written is looked at again every :data:`FOLLOW_EVERY_S` seconds;
playback that has reached the end waits there and goes on as new snapshots arrive.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import glfw
import moderngl
import numpy as np

from .render.context import release_current_egl
from .render.glyph_atlas import INSTANCE_FLOATS, TextItem
from .render.layout import Rect
from .render.shaders import load_program
from .sinks.window import WINDOW_FIELD_SCALE, Viewer
from .snapshot import Snapshot
from .trajectory import TrajectoryError, TrajectoryReader

# + / − walk this ladder of snapshots per second
SPEEDS: tuple[float, ...] = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 250, 500, 1000)
FOLLOW_EVERY_S = 0.25  # how often a file still being written is looked at again
MAX_STEP_S = 0.25      # a stalled frame (window dragged, machine busy) moves playback at most this far

HELP_LINES = (
    "space        play / pause",
    "left, right  one snapshot back / forward",
    "Home, End    first / last snapshot",
    "+ / -        speed (snapshots per second)",
    "drag         on the timeline: scrub",
    "s            save a PNG of this frame",
    "v            start / stop recording an mp4",
    "h            this help",
    "q, Esc       quit",
    "mouse        hover a connection: its weight; hover a neuron: its own field",
)


def next_speed(speed: float, direction: int) -> float:
    """The next step of :data:`SPEEDS` up (``direction`` > 0) or down from ``speed``, clamped at the ends."""
    if direction > 0:
        return next((s for s in SPEEDS if s > speed * 1.001), SPEEDS[-1])
    return next((s for s in reversed(SPEEDS) if s < speed * 0.999), SPEEDS[0])


def check_speed(speed: float) -> float:
    speed = float(speed)
    if not (math.isfinite(speed) and speed > 0):
        raise ValueError(f"replay speed must be a finite number of snapshots per second above 0, got {speed}")
    return speed


@dataclass(frozen=True)
class ReplayStats:
    """What a replay window did; ``line()`` is the summary scripts read (watch's style plus snapshots)."""

    frames: int
    seconds: float
    snapshots: int
    epoch: int

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (f"frames={self.frames} seconds={self.seconds:.2f} fps={self.fps:.1f} "
                f"snapshots={self.snapshots} epoch={self.epoch}")


@dataclass(frozen=True)
class Timeline:
    """Where the timeline sits in a frame (pixels, y down): the track, and the taller band that grabs it."""

    track: Rect
    grab: Rect
    knob_radius: float
    label_y: float
    label_px: float

    def fraction_at(self, x: float) -> float:
        """The fraction of the run (0..1) at pixel column ``x``, clamped to the track."""
        return min(1.0, max(0.0, (x - self.track.x) / max(self.track.w, 1.0)))

    def x_at(self, fraction: float) -> float:
        return self.track.x + min(1.0, max(0.0, fraction)) * self.track.w


def timeline_layout(layout) -> Timeline:
    """The timeline along the bottom of the network panel, just above the window's heads-up line
    (the field panel stays uncovered)."""
    net, unit, label_px = layout.network, layout.unit, layout.label_px
    height = max(4.0, 10.0 * unit)
    knob = max(5.0, 11.0 * unit)
    hud_top = net.y + net.h - 8.0 * unit - 1.5 * label_px  # the viewer's fps / help line sits below this
    centre = hud_top - 6.0 * unit - knob
    left = net.x + 16.0 * unit + knob
    track = Rect(left, centre - height * 0.5, max(net.x + net.w - 16.0 * unit - knob - left, 1.0), height)
    reach = max(knob, 8.0)
    grab = Rect(track.x - reach, centre - reach - 2.0, track.w + 2 * reach, 2 * reach + 4.0)
    return Timeline(track, grab, knob, centre - knob - 3.0 - 0.5 * label_px, label_px)


_UNIT_QUAD = np.array([0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1], dtype=np.float32)
_BOXES = 4  # backing, track, played part, knob


class _TimelinePass:
    """Rounded boxes drawn over the frame through the text program's box path (``text.vert/.frag``,
    radius >= 0): the same anti-aliased rounded rectangles as the HUD's text boxes. Made once."""

    def __init__(self, ctx: moderngl.Context, atlas: moderngl.Texture) -> None:
        self.ctx = ctx
        self.atlas = atlas  # only so the sampler is complete; boxes never read it
        self.program = load_program(ctx, "text.vert", "text.frag")
        self.quad = ctx.buffer(_UNIT_QUAD.tobytes())
        self.instances = ctx.buffer(reserve=_BOXES * INSTANCE_FLOATS * 4, dynamic=True)
        self.vao = ctx.vertex_array(self.program, [
            (self.quad, "2f", "in_corner"),
            (self.instances, "4f 4f 4f 1f/i", "in_rect", "in_uv", "in_color", "in_radius"),
        ])
        self.rows = np.zeros((_BOXES, INSTANCE_FLOATS), np.float32)

    def draw(self, framebuffer: moderngl.Framebuffer, size: tuple[int, int]) -> None:
        framebuffer.use()
        framebuffer.viewport = (0, 0, *size)
        self.instances.write(self.rows.tobytes())
        self.program["u_viewport"].value = (float(size[0]), float(size[1]))
        self.atlas.use(location=0)
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        self.vao.render(moderngl.TRIANGLES, vertices=6, instances=_BOXES)
        self.ctx.disable(moderngl.BLEND)

    def release(self) -> None:
        for obj in (self.vao, self.instances, self.quad):
            obj.release()


class Replay:
    """A window replaying a ``.nnviz`` trajectory. Make it on the main thread, then :meth:`run`.

    ``speed`` is snapshots per second. A finished file starts at its first snapshot, playing; a file
    still being written starts at its newest snapshot and follows it live. ``position`` is a float
    snapshot index (whole numbers show recorded snapshots exactly); ``index`` is the snapshot whose
    epoch is on screen.
    """

    help_lines = HELP_LINES

    def __init__(
        self,
        source: str | os.PathLike[str] | TrajectoryReader,
        *,
        size: tuple[int, int] = (1280, 720),
        speed: float = 30.0,
        field_scale: float | None = WINDOW_FIELD_SCALE,
        vsync: bool = True,
        visible: bool = True,
        output_dir: str | os.PathLike[str] = ".",
    ) -> None:
        self.speed = check_speed(speed)
        owns_reader = not isinstance(source, TrajectoryReader)
        self.reader = TrajectoryReader(source) if owns_reader else source
        self._owns_reader = owns_reader
        try:
            if len(self.reader) == 0 and self.reader.refresh() == 0:
                raise TrajectoryError(f"{str(self.reader.path)!r} holds no complete snapshot yet")
            self.viewer = Viewer(size, title=f"nnviz-gl replay · {Path(self.reader.path).name}",
                                 field_scale=field_scale, vsync=vsync, visible=visible, output_dir=output_dir)
        except BaseException:
            if owns_reader:
                self.reader.close()
            raise
        r = self.reader
        self.viewer.set_data(r.X, r.y, r.X_test, r.y_test)
        self._pass = _TimelinePass(self.viewer.ctx, self.viewer.scene.text.texture)
        self.viewer.extension = self
        self.finished = r.finished
        self.following = not self.finished
        self.count = len(r)
        self.position = float(self.count - 1) if self.following else 0.0
        self.playing = True
        self.dragging = False
        self._resume_after_drag = False
        self._last_now: float | None = None
        self._last_refresh = self.viewer.clock()
        self._shown_position: float | None = None
        self._show(self.position)

    # -- the timeline's state -------------------------------------------------------------------
    @property
    def index(self) -> int:
        """The snapshot on screen (between two, the nearer one, as the interpolated epoch shows)."""
        return min(int(math.floor(self.position + 0.5)), self.count - 1)

    @property
    def at_end(self) -> bool:
        return self.position >= self.count - 1

    def play(self) -> None:
        """Play on; from the end of a finished file, start again at the beginning."""
        if self.at_end and self.finished:
            self.position = 0.0
        self.playing = True

    def pause(self) -> None:
        self.playing = False

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def step(self, delta: int) -> None:
        """Pause and move ``delta`` whole snapshots (from between two, the first step lands on a whole one)."""
        self.pause()
        base = math.floor(self.position + 1e-9) if delta > 0 else math.ceil(self.position - 1e-9)
        self._go_to(base + int(delta))

    def seek(self, index: int) -> None:
        """Show snapshot ``index`` exactly (negative counts from the end; clamped to the file)."""
        i = int(index)
        self._go_to(i + self.count if i < 0 else i)

    def _go_to(self, index: int) -> None:
        self.position = float(min(max(index, 0), self.count - 1))
        self._show(self.position)

    def seek_fraction(self, fraction: float) -> None:
        """Show the snapshot at ``fraction`` (0..1) of the run, exactly: the nearest whole one."""
        f = min(1.0, max(0.0, float(fraction)))
        self.seek(int(math.floor(f * (self.count - 1) + 0.5)))

    def faster(self) -> None:
        self.speed = next_speed(self.speed, +1)

    def slower(self) -> None:
        self.speed = next_speed(self.speed, -1)

    def follow(self) -> int:
        """Look at the file again; returns how many new snapshots it had."""
        was = self.count
        self.finished = self.reader.finished
        self.count = self.reader.refresh()
        return self.count - was

    @property
    def status(self) -> str:
        if self.dragging:
            return "scrubbing"
        if not self.playing:
            return "end" if self.at_end and self.finished else "paused"
        if self.at_end:
            return "waiting for the recording"
        return f"playing at {self.speed:g} snapshots/s"

    # -- the loop ---------------------------------------------------------------------------------
    def run(self, duration: float | None = None) -> ReplayStats:
        """Show the window until it is closed or ``duration`` seconds pass."""
        stats = self.viewer.run(duration)
        return ReplayStats(stats.frames, stats.seconds, self.count, self.reader[self.index].epoch)

    def release(self) -> None:
        """Close the window (and the file, when this replay opened it). Safe to call twice."""
        viewer = getattr(self, "viewer", None)
        if viewer is not None and viewer.window is not None:
            release_current_egl()  # the timeline's GL objects live in the window's context
            glfw.make_context_current(viewer.window)
            self._pass.release()
            viewer.release()
        if self._owns_reader:
            self.reader.close()
            self._owns_reader = False

    def __enter__(self) -> "Replay":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    # -- the viewer's extension -------------------------------------------------------------------
    def before_draw(self, now: float) -> None:
        """Follow the file, advance playback by the wall clock, and show what the position says."""
        if not self.finished and now - self._last_refresh >= FOLLOW_EVERY_S:
            self._last_refresh = now
            self.follow()
        dt = 0.0 if self._last_now is None else min(max(now - self._last_now, 0.0), MAX_STEP_S)
        self._last_now = now
        if self.playing and not self.dragging:
            self.position = min(self.position + self.speed * dt, float(self.count - 1))
            if self.at_end and self.finished:
                self.playing = False
        self._show(self.position)

    def _show(self, position: float) -> None:
        """Hand the viewer the snapshot at ``position``: exact on a whole index, interpolated between;
        learning marks are always for the step from the record before the next whole index to it."""
        if position == self._shown_position:
            return
        self._shown_position = position
        r = self.reader
        target = min(math.ceil(position - 1e-9), self.count - 1)
        before = r[target - 1] if target > 0 else None
        t = position - (target - 1)
        if before is None or t >= 1.0 - 1e-9:
            shown: Snapshot = r[target]
        else:
            shown = before.interpolate(r[target], t)
        self.viewer.show(shown, before)

    def draw_over(self, framebuffer: moderngl.Framebuffer, size: tuple[int, int]) -> None:
        layout = self.viewer.scene.layout
        if layout is None:
            return
        line = timeline_layout(layout)
        s = self.viewer.style
        track, k = line.track, line.knob_radius
        x = line.x_at(self._fraction())
        rows = self._pass.rows
        rows[:] = 0.0
        cy = track.y + track.h * 0.5
        pad = k + 3.0  # a backing pill of panel colour sets the bar off the network drawn beneath it
        rows[0, 0:4] = (track.x - pad, cy - pad, track.x + track.w + pad, cy + pad)
        rows[0, 8:12] = (*s.panel, 0.88)
        rows[0, 12] = pad
        rows[1, 0:4] = (track.x, track.y, track.x + track.w, track.y + track.h)
        rows[1, 8:12] = (*s.text_dim, 0.45)
        rows[2, 0:4] = (track.x, track.y, max(x, track.x + track.h), track.y + track.h)
        rows[2, 8:12] = (*s.class1, 1.0)
        rows[1:3, 12] = track.h * 0.5
        rows[3, 0:4] = (x - k, cy - k, x + k, cy + k)
        rows[3, 8:12] = (*s.text, 1.0) if not self.dragging else (*s.positive, 1.0)
        rows[3, 12] = k
        self._pass.draw(framebuffer, size)

    def _fraction(self) -> float:
        return self.position / (self.count - 1) if self.count > 1 else 1.0

    def overlay_state(self) -> object:
        # the layout appears with the first frame: the labels must be laid out again then
        return (self.index, self.count, self.status, self.viewer.fb_size, self.viewer.scene.layout is not None)

    def overlay_items(self) -> list[TextItem]:
        layout = self.viewer.scene.layout
        if layout is None:
            return []
        line = timeline_layout(layout)
        s = self.viewer.style
        epoch = self.reader[self.index].epoch
        left = f"Epoch {epoch}   ·   snapshot {self.index + 1} / {self.count}"
        if self.following and not self.finished:
            left += "   ·   live"
        box = (*s.panel, 0.88)  # readable over the network drawn beneath
        return [
            TextItem(left, line.track.x, line.label_y, line.label_px, (*s.text, 1.0), anchor="left",
                     baseline="bottom", box=box),
            TextItem(self.status, line.track.x + line.track.w, line.label_y, line.label_px, (*s.text_dim, 1.0),
                     anchor="right", baseline="bottom", box=box),
        ]

    def on_key(self, key: int, action: int, mods: int) -> bool:
        if key == glfw.KEY_SPACE:
            if action == glfw.PRESS:
                self.toggle()
        elif key == glfw.KEY_RIGHT:
            self.step(+1)
        elif key == glfw.KEY_LEFT:
            self.step(-1)
        elif key == glfw.KEY_HOME:
            self.pause()
            self.seek(0)
        elif key == glfw.KEY_END:
            self.seek(-1)
        elif key in (glfw.KEY_EQUAL, glfw.KEY_KP_ADD):
            self.faster()
        elif key in (glfw.KEY_MINUS, glfw.KEY_KP_SUBTRACT):
            self.slower()
        else:
            return False
        return True

    def on_mouse_button(self, button: int, action: int, mods: int) -> bool:
        """Left press on the timeline starts a scrub (playback holds while dragging); release ends it."""
        if button != glfw.MOUSE_BUTTON_LEFT:
            return False
        if action == glfw.RELEASE and self.dragging:
            self.dragging = False
            self.playing = self._resume_after_drag and not (self.at_end and self.finished)
            return True
        mouse, layout = self.viewer.mouse, self.viewer.scene.layout
        if action != glfw.PRESS or mouse is None or layout is None:
            return False
        line = timeline_layout(layout)
        if not line.grab.contains(*mouse):
            return False
        self.dragging = True
        self._resume_after_drag = self.playing
        self.seek_fraction(line.fraction_at(mouse[0]))
        return True

    def on_mouse_move(self) -> bool:
        if not self.dragging or self.viewer.mouse is None or self.viewer.scene.layout is None:
            return False
        self.seek_fraction(timeline_layout(self.viewer.scene.layout).fraction_at(self.viewer.mouse[0]))
        return True


def replay(
    path: str | os.PathLike[str],
    *,
    size: tuple[int, int] = (1280, 720),
    duration: float | None = None,
    speed: float = 30.0,
    field_scale: float = WINDOW_FIELD_SCALE,
    vsync: bool = True,
    output_dir: str | os.PathLike[str] = ".",
    print_summary: bool = True,
) -> ReplayStats:
    """Open a window on the recorded run at ``path`` until it is closed or ``duration`` seconds pass.

    Prints and returns the summary ``frames=N seconds=S fps=F snapshots=K epoch=E`` (K: snapshots in the
    file at the end, E: the epoch on screen at the end).
    """
    with Replay(path, size=size, speed=speed, field_scale=field_scale, vsync=vsync,
                output_dir=output_dir) as window:
        stats = window.run(duration)
    if print_summary:
        print(stats.line(), file=sys.stdout, flush=True)
    return stats
