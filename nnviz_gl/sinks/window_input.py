"""The live window's keys and mouse: quitting, help, s and v, the training keys, hover and clicks, and
the wheel, drags and key 0 of the field's zoom and pan (``window_view``).

glfw's callbacks call these methods (through the :class:`~nnviz_gl.sinks.window.Viewer`'s own
``on_key``, ``on_mouse_move`` and ``on_mouse_button``), and tests may call them directly. A viewer's
``extension`` (a replay's timeline) sees each event first and may take it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import glfw

from ..render.neuron_names import display_class_names
from ..render.picking import nearest_edge, neuron_address, neuron_at, pixel_to_data
from ..render.style import diverging_colors
from ..speeds import next_speed

if TYPE_CHECKING:
    from .window import Viewer

TRAINING_KEYS = (glfw.KEY_SPACE, glfw.KEY_RIGHT, glfw.KEY_R, glfw.KEY_N, glfw.KEY_EQUAL, glfw.KEY_KP_ADD,
                 glfw.KEY_MINUS, glfw.KEY_KP_SUBTRACT)
PICK_KEYS = {**{glfw.KEY_1 + i: i for i in range(9)}, **{glfw.KEY_KP_1 + i: i for i in range(9)}}  # 1-9
PICK_STEPS = 8  # a regression's keys 1-9 pick the lowest target, eighths of the range up, the highest


@dataclass(frozen=True)
class ClickPoint:
    """What a click adds: the label handed to ``add_point`` (class index or value), its name, its colour."""

    label: int | float
    name: str
    color: tuple[float, float, float]


def click_points(snapshot, value_range: tuple[float, float], style, pick: int | None) -> tuple[ClickPoint, ClickPoint]:
    """(left click, right click). Classifiers: left adds class ``pick`` (default 0), right class 1.
    Regression, coloured as classes 0 and 1 are: left adds the lowest target (orange) or the ``pick``-th of
    nine values from lowest to highest, right the highest (blue)."""
    if snapshot is not None and snapshot.architecture.kind == "regression":
        low, high = value_range
        values = (low + (pick or 0) / PICK_STEPS * (high - low), high)
        colors = diverging_colors([(2.0 * v - low - high) / (high - low) for v in values], style)
        return tuple(ClickPoint(float(v), f"value {v:.3g}", tuple(map(float, c))) for v, c in zip(values, colors))
    names = ("class 0", "class 1") if snapshot is None else display_class_names(snapshot)
    n = len(names)
    left = pick if pick is not None and pick < n else 0
    return tuple(ClickPoint(j, names[j], tuple(map(float, style.palette[j]))) for j in (left, 1))


class WindowInput:
    """Keys and mouse of one viewer; ``mouse`` is in framebuffer pixels, ``edge`` and ``neuron`` are
    what it hovers (an index into the flattened weights; a (layer, index) pair)."""

    def __init__(self, viewer: "Viewer") -> None:
        self.viewer = viewer
        self.mouse: tuple[float, float] | None = None
        self.edge: int | None = None
        self.neuron: tuple[int, int] | None = None
        self.pick: int | None = None  # keys 1-9: what a left click adds (class index, or step of the range)

    # -- keys ---------------------------------------------------------------------------------------
    def on_key(self, key: int, action: int, mods: int = 0) -> None:
        if action not in (glfw.PRESS, glfw.REPEAT):
            return
        v = self.viewer
        if v.extension is not None and v.extension.on_key(key, action, mods):
            v.hud.invalidate()
            return
        if key in (glfw.KEY_Q, glfw.KEY_ESCAPE):
            v.closing = True
            glfw.set_window_should_close(v.window, True)
        elif key == glfw.KEY_H:
            v.hud.show_help = not v.hud.show_help
        elif key == glfw.KEY_S and action == glfw.PRESS:
            v.recorder.save_png()
        elif key == glfw.KEY_V and action == glfw.PRESS:
            v.recorder.toggle()
        elif key in TRAINING_KEYS:
            self._training_key(key, action)
        elif key in PICK_KEYS and action == glfw.PRESS:
            self._pick(PICK_KEYS[key])
        elif key in (glfw.KEY_0, glfw.KEY_KP_0) and action == glfw.PRESS:
            v.view.reset()
        v.hud.invalidate()

    def clicks(self) -> tuple[ClickPoint, ClickPoint]:
        """What a left and a right click in the field add now."""
        v = self.viewer
        return click_points(v.glide.target, v.scene.field_panel.value_range, v.style, self.pick)

    def _pick(self, index: int) -> None:
        snap, hud = self.viewer.glide.target, self.viewer.hud
        if snap is None:
            return
        arch = snap.architecture
        if arch.kind != "regression" and index >= arch.n_classes:
            hud.notify(f"this model has {arch.n_classes} classes: keys 1-{arch.n_classes} pick one")
            return
        self.pick = index
        hud.notify(f"a left click adds {self.clicks()[0].name}")

    def _training_key(self, key: int, action: int) -> None:
        c, hud = self.viewer.controls, self.viewer.hud
        if c is None:
            hud.notify("no training attached to this window (pass controls=a TrainingThread)")
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
                hud.notify("→ steps one epoch while paused: press space first")
        elif key == glfw.KEY_R and action == glfw.PRESS:
            c.reinitialize()
            hud.notify("network re-initialised")
        elif key == glfw.KEY_N and action == glfw.PRESS:
            c.new_data()
            hud.notify("new data")
        elif key in (glfw.KEY_EQUAL, glfw.KEY_KP_ADD):
            c.speed = next_speed(c.speed, +1, unlimited=True)
        elif key in (glfw.KEY_MINUS, glfw.KEY_KP_SUBTRACT):
            c.speed = next_speed(c.speed, -1, unlimited=True)

    # -- mouse --------------------------------------------------------------------------------------
    def on_mouse_move(self, x: float, y: float) -> None:
        """``x, y`` in screen units (what glfw reports); scaled to framebuffer pixels for HiDPI."""
        v = self.viewer
        ww, wh = glfw.get_window_size(v.window)
        sx = v.fb_size[0] / ww if ww else 1.0
        sy = v.fb_size[1] / wh if wh else 1.0
        self.mouse_at((x * sx, y * sy))

    def mouse_at(self, pixel: tuple[float, float]) -> None:
        """The mouse moved to ``pixel`` (framebuffer pixels, y down; a notebook view's events come so)."""
        self.mouse = pixel
        if self.viewer.extension is not None and self.viewer.extension.on_mouse_move():
            return
        self.viewer.view.move(self.mouse)
        self.update_hover()

    def on_scroll(self, dx: float, dy: float) -> None:
        """The wheel (``dy`` notches, up positive) over the field panel zooms it about the mouse."""
        if self.mouse is not None:
            self.viewer.view.zoom(dy, self.mouse)

    def on_mouse_button(self, button: int, action: int, mods: int = 0) -> None:
        """A press in the field panel is held: dragged (any button) it pans the view (``window_view``);
        released where it was, it is a click and adds a training point there, of the class or value
        :func:`click_points` says (left or right button)."""
        v = self.viewer
        if v.extension is not None and v.extension.on_mouse_button(button, action, mods):
            return
        if self.mouse is None or v.scene.layout is None:
            return
        if action == glfw.PRESS:
            v.view.press(button, self.mouse)
            return
        if action != glfw.RELEASE:
            return
        clicked = v.view.release(button)
        if clicked is None or button not in (glfw.MOUSE_BUTTON_LEFT, glfw.MOUSE_BUTTON_RIGHT):
            return
        where = pixel_to_data(clicked, v.scene.bounds, v.scene.layout.field)
        if where is None:
            return
        point = self.clicks()[0 if button == glfw.MOUSE_BUTTON_LEFT else 1]
        if v.controls is None:
            v.hud.notify("no training attached to this window: points cannot be added")
            return
        v.controls.add_point(where[0], where[1], point.label)
        v.hud.notify(f"added a point of {point.name} at ({where[0]:.2f}, {where[1]:.2f})")

    def update_hover(self) -> None:
        """Pick the neuron or connection under the mouse in the geometry the scene drew last."""
        v = self.viewer
        lay, geo = v.scene.layout, getattr(v.scene, "geometry", None)
        if self.mouse is None or lay is None or geo is None or v.glide.target is None:
            return
        neuron = neuron_at(geo.neurons, geo.neuron_radius, self.mouse)
        edge = None
        if neuron is None:
            edge = nearest_edge(geo.edge_ends, self.mouse, max(4.0, 6.0 * lay.unit))
        hovered_neuron = None if neuron is None else neuron_address(geo.neuron_layer, neuron)
        if hovered_neuron != self.neuron:
            self.neuron = hovered_neuron
            v.scene.set_probe(hovered_neuron)
        if edge != self.edge:
            self.edge = edge
            v.scene.set_highlight(edge)
        v.hud.invalidate()
