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

from .render.glyph_atlas import TextItem
from .render.loss_history import reader_rows
from .sinks.window import WINDOW_FIELD_SCALE, Viewer
from .sinks.window_recording import record_help
from .snapshot import Snapshot
from .speeds import check_speed, next_speed
from .timeline import TimelinePanel, timeline_labels, timeline_layout, timeline_reserve
from .trajectory import TrajectoryError, TrajectoryReader

FOLLOW_EVERY_S = 0.25  # how often a file still being written is looked at again
MAX_STEP_S = 0.25      # a stalled frame (window dragged, machine busy) moves playback at most this far

HELP_LINES = (
    "space        play / pause",
    "left, right  one snapshot back / forward",
    "Home, End    first / last snapshot",
    "+ / -        speed (snapshots per second)",
    "drag         on the timeline: scrub; in the field: pan",
    "wheel        zoom the field about the mouse",
    "0            reset the zoom and pan",
    "click        in the loss panel: go to that epoch",
    "s            save a PNG of this frame",
    *record_help(13),
    "h            this help",
    "q, Esc       quit",
    "mouse        hover a connection: its weight; hover a neuron: its own field",
)


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
        view: tuple[float, float, float, float] | None = None,
        title: str | None = None,
        neuron_fields: bool | None = None,
    ) -> None:
        self.speed = check_speed(speed)
        owns_reader = not isinstance(source, TrajectoryReader)
        self.reader = TrajectoryReader(source) if owns_reader else source
        self._owns_reader = owns_reader
        try:
            if len(self.reader) == 0 and self.reader.refresh() == 0:
                raise TrajectoryError(f"{str(self.reader.path)!r} holds no complete snapshot yet")
            self.viewer = Viewer(size, title=f"nnviz-gl replay · {Path(self.reader.path).name}",
                                 field_scale=field_scale, vsync=vsync, visible=visible, output_dir=output_dir,
                                 view=view, neuron_fields=neuron_fields)
        except BaseException:
            if owns_reader:
                self.reader.close()
            raise
        r = self.reader
        self.viewer.set_data(*r.data)
        self.viewer.scene.title.title = title  # one's own caption: "TITLE · epoch N"
        self._timeline = TimelinePanel(self.viewer.ctx, self.viewer.style)
        self.viewer.scene.add_panel(self._timeline)  # released with the scene
        self.viewer.scene.network.reserve_bottom = timeline_reserve  # its own strip: neurons above it
        self.viewer.extension = self
        self.finished = r.finished
        self.following = not self.finished
        self.count = len(r)
        self._show_whole_run()
        self.position = float(self.count - 1) if self.following else 0.0
        self.playing = True
        self.dragging = False
        self._scrubbing = "timeline"  # what a drag moves: the timeline's knob or the loss panel's cursor
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
        if self.count != was:
            self._show_whole_run()
        return self.count - was

    def _show_whole_run(self) -> None:
        """The loss panel shows every recorded epoch, its cursor at the snapshot on screen."""
        self._epochs = self.reader.epochs
        self.viewer.scene.set_history(reader_rows(self.reader, self.reader[0].architecture.kind), whole_run=True)

    def seek_epoch(self, epoch: float) -> None:
        """Show the recorded snapshot whose epoch is nearest ``epoch`` (a click in the loss panel)."""
        self.seek(int(abs(self._epochs - epoch).argmin()))

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
        self._timeline.set_position(self._fraction(), self.dragging)

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

    def _fraction(self) -> float:
        return self.position / (self.count - 1) if self.count > 1 else 1.0

    def overlay_state(self) -> object:
        # the layout appears with the first frame: the labels must be laid out again then
        return (self.index, self.count, self.status, self.viewer.fb_size, self.viewer.scene.layout is not None)

    def overlay_items(self) -> list[TextItem]:
        layout = self.viewer.scene.layout
        if layout is None:
            return []
        epoch = self.reader[self.index].epoch
        left = f"Epoch {epoch}   ·   snapshot {self.index + 1} / {self.count}"
        if self.following and not self.finished:
            left += "   ·   live"
        return timeline_labels(timeline_layout(layout), self.viewer.style, left, self.status)

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
        line, loss = timeline_layout(layout), self.viewer.scene.loss
        if line.grab.contains(*mouse):
            self._scrubbing = "timeline"
        elif loss.axes is not None and loss.rect.contains(*mouse):
            self._scrubbing = "loss"
        else:
            return False
        self.dragging = True
        self._resume_after_drag = self.playing
        self._scrub(mouse[0])
        return True

    def on_mouse_move(self) -> bool:
        if not self.dragging or self.viewer.mouse is None or self.viewer.scene.layout is None:
            return False
        self._scrub(self.viewer.mouse[0])
        return True

    def _scrub(self, x: float) -> None:
        """Seek to what pixel column ``x`` of the timeline or the loss panel (whichever was grabbed) says."""
        if self._scrubbing == "loss":
            self.seek_epoch(self.viewer.scene.loss.epoch_at(x))
        else:
            self.seek_fraction(timeline_layout(self.viewer.scene.layout).fraction_at(x))


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
    view: tuple[float, float, float, float] | None = None,
    title: str | None = None,
    neuron_fields: bool | None = None,
) -> ReplayStats:
    """Open a window on the recorded run at ``path`` until it is closed or ``duration`` seconds pass.

    Prints and returns the summary ``frames=N seconds=S fps=F snapshots=K epoch=E`` (K: snapshots in the
    file at the end, E: the epoch on screen at the end). ``view`` (xmin, xmax, ymin, ymax) is the field
    panel's home view (default: the points' extent plus 0.5).
    """
    with Replay(path, size=size, speed=speed, field_scale=field_scale, vsync=vsync,
                output_dir=output_dir, view=view, title=title, neuron_fields=neuron_fields) as window:
        stats = window.run(duration)
    if print_summary:
        print(stats.line(), file=sys.stdout, flush=True)
    return stats
