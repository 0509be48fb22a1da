"""The replay's timeline: where it sits in a frame, and a panel of the scene that draws it.

A :class:`TimelinePanel` is one more panel in the scene's list (drawn by the one draw path, after the
network it lies over): a :class:`~nnviz_gl.render.instanced.RectPass` for the bar (its backing, the
track, the played part) and a :class:`~nnviz_gl.render.instanced.DiscPass` for the knob. Its labels go
through the scene's text batch with the window's heads-up text.
"""

from __future__ import annotations

from dataclasses import dataclass

import moderngl
import numpy as np

from .render.instanced import DiscPass, RectPass
from .render.layout import FrameLayout
from .render.panels import Panel
from .render.transforms import Rect
from .render.style import Style
from .render.text import TextItem


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


def timeline_layout(layout: FrameLayout) -> Timeline:
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


def timeline_reserve(layout: FrameLayout) -> float:
    """Pixels at the network panel's bottom the timeline needs (its labels, the bar, the status line
    below): the panel keeps its neurons above them (``NetworkPanel.reserve_bottom``)."""
    line, net = timeline_layout(layout), layout.network
    return net.y + net.h - (line.label_y - 1.2 * line.label_px)


def timeline_labels(line: Timeline, style: Style, left: str, right: str) -> list[TextItem]:
    """The line above the track: ``left`` (where playback is) and ``right`` (what it is doing)."""
    box = (*style.panel, 0.88)  # readable over the network drawn beneath
    return [
        TextItem(left, line.track.x, line.label_y, line.label_px, (*style.text, 1.0), anchor="left",
                 baseline="bottom", box=box),
        TextItem(right, line.track.x + line.track.w, line.label_y, line.label_px, (*style.text_dim, 1.0),
                 anchor="right", baseline="bottom", box=box),
    ]


class TimelinePanel(Panel):
    """The bar and the knob, a panel of the scene drawn over the network panel: the track's backing
    strip is its rect. GL objects made once; buffers written only when the timeline moves."""

    def __init__(self, ctx: moderngl.Context, style: Style) -> None:
        super().__init__()
        self.style = style
        self.bar = RectPass(ctx, capacity=3)
        self.knob = DiscPass(ctx, capacity=1)
        self.line: Timeline | None = None
        self.fraction, self.grabbed = 0.0, False
        self._drawn: tuple | None = None  # what the buffers hold

    def region(self, lay: FrameLayout) -> Rect:
        self.line = timeline_layout(lay)
        track, pad = self.line.track, self.line.knob_radius + 3.0
        return Rect(track.x - pad, track.y + track.h * 0.5 - pad, track.w + 2 * pad, 2 * pad)

    def set_position(self, fraction: float, grabbed: bool) -> None:
        """The knob at ``fraction`` (0..1) of the run, in the accent colour while ``grabbed``."""
        self.fraction, self.grabbed = float(fraction), bool(grabbed)

    def prepare(self) -> None:
        state = (self.rect, self.fraction, self.grabbed)
        if state != self._drawn:
            self._write()
            self._drawn = state

    def draw(self, framebuffer: moderngl.Framebuffer, frame_size: tuple[int, int]) -> None:
        framebuffer.viewport = self.rect.gl_viewport(frame_size[1])
        self.bar.draw(self.rect)   # opaque
        self.knob.draw(self.rect)  # blended: its anti-aliased edge

    def _write(self) -> None:
        s, line = self.style, self.line
        track, k = line.track, line.knob_radius
        x = line.x_at(self.fraction)
        cy = track.y + track.h * 0.5
        panel, dim = np.array(s.panel), np.array(s.text_dim)
        self.bar.set_rects([
            (self.rect.x, self.rect.y, self.rect.w, self.rect.h, *s.panel, 1.0),  # sets the bar off the network
            (track.x, track.y, track.w, track.h, *(panel * 0.55 + dim * 0.45), 1.0),  # the track, dimmed
            (track.x, track.y, max(x - track.x, track.h), track.h, *s.class1, 1.0),  # the part played
        ])
        knob = (*s.class1, 1.0) if self.grabbed else (*s.text, 1.0)
        self.knob.set_discs(np.array([[x, cy, k, *knob, 0.0, 0.0, 0.0, 0.0]], np.float32))

    def release(self) -> None:
        self.bar.release()
        self.knob.release()
