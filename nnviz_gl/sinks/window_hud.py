"""The live window's heads-up text: the fps and status line, notices, the hover read-out, the help.

Drawn by the scene's own text pass (``Scene.set_overlay``); rebuilt only when what it says changes,
because a new overlay lays the text out again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..render.picking import edge_address
from ..render.text import TextItem
from .window_recording import record_help

if TYPE_CHECKING:
    from .window import Viewer

MESSAGE_S = 3.0      # how long a notice ("saved ...") stays on screen
HUD_REFRESH_S = 0.5  # how often the frames-per-second figure is rewritten

HELP_LINES = (
    "space   pause / resume",
    "→       one epoch (while paused)",
    "r       re-initialise the network",
    "n       new data",
    "+ / -   training speed (epochs per second)",
    "s       save a PNG of this frame",
    *record_help(8),
    "h       this help",
    "q, Esc  quit",
    "mouse   hover a connection: its weight; hover a neuron: its own field",
    "        click the field: add a point (left class 0, right class 1)",
)


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
               None if v.extension is None else v.extension.overlay_state())
        if key == self._key:
            return
        self._key = key
        v.scene.set_overlay(self.items(message))

    def items(self, message: str = "") -> list[TextItem]:
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
        parts.append("h: help")
        items = [TextItem("   ·   ".join(parts), net.x + 10 * lay.unit, net.y + net.h - 8 * lay.unit, size,
                          (*s.text_dim, 1.0), anchor="left", baseline="bottom")]
        if message:
            items.append(TextItem(message, net.x + net.w * 0.5, net.y + net.h - 8 * lay.unit - 1.6 * size, size,
                                  (*s.text, 1.0), anchor="center", baseline="bottom", box=box))
        hover = self.hover_text()
        mouse = v.input.mouse
        if hover and mouse is not None:
            items.append(TextItem(hover, mouse[0] + 14 * lay.unit, mouse[1] + 14 * lay.unit, size,
                                  (*s.text, 1.0), anchor="left", baseline="top", box=box))
        if v.extension is not None:
            items.extend(v.extension.overlay_items())
        help_lines = HELP_LINES if v.extension is None else v.extension.help_lines
        if self.show_help:
            line_h = size * 1.45
            top = net.y + (net.h - line_h * len(help_lines)) * 0.5
            for i, line in enumerate(help_lines):
                items.append(TextItem(line, net.x + 40 * lay.unit, top + i * line_h, size, (*s.text, 1.0),
                                      anchor="left", baseline="top", box=(*s.background, 0.9)))
        return items

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
            n_layers = len(snap.architecture.layer_sizes)
            if layer == 0:
                return f"input {index + 1} (feature x{index + 1})"
            if layer == n_layers - 1:
                return "output: the model's probability of class 1"
            return f"layer {layer}, neuron {index + 1}: its own output in the field panel"
        return ""
