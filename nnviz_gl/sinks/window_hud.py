"""The live window's heads-up text: the fps and status line, notices, the hover read-out, the help.

Drawn by the scene's own text pass (``Scene.set_overlay``); rebuilt only when what it says changes,
because a new overlay lays the text out again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..render.neuron_names import display_class_names
from ..render.picking import edge_address, pixel_to_data
from ..render.text import TextItem
from ..render.transforms import Rect
from .window_help import HelpPanel, help_layout
from .window_recording import record_help

if TYPE_CHECKING:
    from .window import Viewer

MESSAGE_S = 3.0      # how long a notice ("saved ...") stays on screen
HUD_REFRESH_S = 0.5  # how often the frames-per-second figure is rewritten
READOUT_CLASSES = 3  # the hover read-out over the field names this many likeliest classes

TRAINING_HELP = (
    "space   pause / resume",
    "→       one epoch (while paused)",
    "r       re-initialise the network",
    "n       new data",
    "+ / -   training speed (epochs per second)",
    "s       save a PNG of this frame",
    *record_help(8),
    "h       this help",
    "q, Esc  quit",
    "mouse   hover: a weight, a neuron's own field, the model's output",
)
CLICK_HELP = {
    "binary": ("        click the field: add a point (left class 0, right class 1)",
               "1, 2    pick the class a left click adds"),
    "multiclass": ("        click the field: add a point (left the class picked, right class 1)",
                   "1-9     pick the class a left click adds (at first class 0)"),
    "regression": ("        click the field: add a point (left the lowest target, right the highest)",
                   "1-9     pick what left adds: 1 lowest ... 9 highest target"),
}
ZOOM_HELP = (
    "wheel   zoom the field about the mouse",
    "drag    pan the field (any button; a click without a drag adds a point)",
    "0       reset the zoom and pan",
)
HELP_LINES = TRAINING_HELP + CLICK_HELP["binary"] + ZOOM_HELP


def help_lines(kind: str) -> tuple[str, ...]:
    """The window's help for a model of this kind ("binary", "multiclass", "regression")."""
    return TRAINING_HELP + CLICK_HELP[kind] + ZOOM_HELP


def panel_help(viewer: "Viewer") -> tuple[str, ...]:
    """The help's line on the control panel: where it is, or how to get it (the nnviz_gl[gui] extra)."""
    if not hasattr(viewer.controls, "change"):
        return ()  # nothing to change (a replay, or controls of one's own)
    if viewer.gui is not None:
        return ("panel   training controls: open them with the arrow on their title bar",)
    return ("panel   training controls: pip install 'nnviz_gl[gui]'",)


class HeadsUp:
    """The text over the window's frame; ``viewer`` is read for what to say (controls, hover, recording)."""

    def __init__(self, viewer: "Viewer") -> None:
        self.viewer = viewer
        self.show_help = False
        self.fps = 0.0
        self._fps_frames = 0
        self._fps_since = viewer.clock()
        self._message = ""
        self._message_until = 0.0
        self._key: tuple | None = None
        self.help_panel: HelpPanel | None = None  # added to the scene when first shown: over every panel
        self.help_box: Rect | None = None
        self.help_items: list[TextItem] = []

    def notify(self, text: str) -> None:
        """Show ``text`` for :data:`MESSAGE_S` seconds."""
        self._message = text
        self._message_until = self.viewer.clock() + MESSAGE_S
        self.invalidate()

    def invalidate(self) -> None:
        """Something shown changed (a key, the hover, the size): lay the text out again next frame."""
        self._key = None

    def count_frame(self, now: float) -> None:
        self._fps_frames += 1
        if now - self._fps_since >= HUD_REFRESH_S:
            self.fps = self._fps_frames / (now - self._fps_since)
            self._fps_frames, self._fps_since = 0, now

    def status(self) -> str:
        c = self.viewer.controls
        if c is None:
            return ""
        if c.paused:
            return "paused"
        speed = c.speed
        return "training, unlimited speed" if speed is None else f"training at {speed:g} epochs/s"

    def refresh(self, now: float) -> None:
        """Hand the scene a new overlay when its text would change."""
        v = self.viewer
        message = self._message if now < self._message_until else ""
        hover = v.input
        key = (round(self.fps), self.status(), message, self.show_help, v.recording, hover.edge, hover.neuron,
               v.glide.version if hover.edge is not None else 0, v.fb_size, v.scene.layout is not None,
               None if v.extension is None else v.extension.overlay_state(), self.field_readout(),
               hover.clicks()[0] if v.controls is not None else None, v.view.current)
        if key == self._key:
            return
        self._key = key
        items = self.items()
        v.scene.title.notice = message  # in the title bar, in place of the run's numbers: over nothing
        below = [i for i in items if i not in self.help_items]
        v.scene.set_overlay(below, cover=self.help_box, on_top=self.help_items)

    def items(self) -> list[TextItem]:
        v = self.viewer
        lay, s = v.scene.layout, v.style
        if lay is None:
            return []
        size = lay.label_px
        box = (*s.panel, 0.85)
        net = lay.network
        parts = [f"{self.fps:.0f} fps"]
        if self.status():
            parts.append(self.status())
        if v.recording:
            parts.append("REC")
        if v.view.current is not None:
            parts.append(v.view.describe())
        parts.append("h: help")
        bottom = net.y + net.h - 8 * lay.unit
        items = [TextItem("   ·   ".join(parts), net.x + 10 * lay.unit, bottom, size,
                          (*s.text_dim, 1.0), anchor="left", baseline="bottom")]
        if v.controls is not None and v.extension is None:
            items += self.click_items(net.x + net.w - 10 * lay.unit, bottom, size)
        hover = self.hover_text()
        mouse = v.input.mouse
        if hover and mouse is not None:
            leftward = mouse[0] > lay.size[0] * 0.6  # near the right edge (the field panel): keep it on screen
            x = mouse[0] - 14 * lay.unit if leftward else mouse[0] + 14 * lay.unit
            items.append(TextItem(hover, x, mouse[1] + 14 * lay.unit, size, (*s.text, 1.0),
                                  anchor="right" if leftward else "left", baseline="top", box=box))
        if v.extension is not None:
            items.extend(v.extension.overlay_items())
        kind = "binary" if v.glide.target is None else v.glide.target.architecture.kind
        lines = help_lines(kind) + panel_help(v) if v.extension is None else v.extension.help_lines
        self.help_box = None
        if self.show_help:
            self.help_box, help_items = help_layout(lines, lay, v.scene.text.atlas.measure, s)
            items += help_items
        self.help_items = help_items if self.show_help else []
        self._show_help_box()
        return items

    def _show_help_box(self) -> None:
        if self.help_box is not None and self.help_panel is None:
            self.help_panel = HelpPanel(self.viewer.ctx, self.viewer.style)
            self.viewer.scene.add_panel(self.help_panel)  # last: over the timeline too; released with the scene
        if self.help_panel is not None:
            self.help_panel.show(self.help_box)

    def hover_text(self) -> str:
        """What is under the mouse: a connection's weight and last change, or what a neuron is."""
        glide, hover = self.viewer.glide, self.viewer.input
        snap = glide.target
        if snap is None:
            return ""
        if hover.edge is not None:
            layer, source, target = edge_address(snap.architecture.layer_sizes, hover.edge)
            weight = float(snap.weights[layer][source, target])
            text = f"layer {layer}: {source + 1} → {target + 1}   weight {weight:+.4f}"
            if glide.before is not None:
                change = weight - float(glide.before.weights[layer][source, target])
                text += f"   last change {change:+.2e}"
            return text
        if hover.neuron is not None:
            layer, index = hover.neuron
            arch = snap.architecture
            if layer == 0:
                return f"input {index + 1}: feature {arch.features[index]}"
            if layer == len(arch.layer_sizes) - 1:
                names = display_class_names(snap)
                return {"binary": f"output: the model's probability of {names[1]}",
                        "multiclass": f"output {index + 1}: the model's probability of {names[index]}",
                        "regression": "output: the model's predicted value"}[arch.kind]
            return f"layer {layer}, neuron {index + 1}: its own output in the field panel"
        return self.field_readout()

    def field_readout(self) -> str:
        """The model's output under the mouse in the field panel: the likeliest classes, or the value."""
        v = self.viewer
        snap, mouse, lay = v.shown or v.glide.target, v.input.mouse, v.scene.layout
        if snap is None or mouse is None or lay is None or v.input.neuron is not None or v.input.edge is not None:
            return ""
        where = pixel_to_data(mouse, v.scene.bounds, lay.field)
        if where is None:
            return ""
        point = np.array([where], np.float64)
        at = f"({where[0]:.2f}, {where[1]:.2f})   "
        with np.errstate(all="ignore"):  # a diverged model reads out as nan
            if snap.architecture.kind == "regression":
                return at + f"predicted {float(snap.forward(point)[0]):.3g}"
            proba = snap.predict_proba(point)[0]
        names = display_class_names(snap)
        top = np.argsort(-np.nan_to_num(proba, nan=-1.0), kind="stable")[:READOUT_CLASSES]
        return at + "   ".join(f"{names[j]} {proba[j]:.2f}" for j in top)

    def click_items(self, right: float, bottom: float, size: float) -> list[TextItem]:
        """"left click adds <class>", the class (or value) in its own colour, ending at ``right``."""
        s, point = self.viewer.style, self.viewer.input.clicks()[0]
        measure = self.viewer.scene.text.atlas.measure
        name_w = measure(point.name, size)[0]
        return [TextItem(point.name, right, bottom, size, (*point.color, 1.0), anchor="right", baseline="bottom",
                         box=(*s.field_mid, 0.92)),  # light chip: dark class colours stay readable
                TextItem("left click adds", right - name_w - 0.7 * size, bottom, size, (*s.text_dim, 1.0),
                         anchor="right", baseline="bottom")]
