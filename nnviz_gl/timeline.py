"""The replay's timeline: where it sits in a frame, and how it is drawn.

Drawn with the scene's own kinds of pass: a :class:`~nnviz_gl.render.instanced.RectPass` for the bar
(its backing, the track, the played part) and a :class:`~nnviz_gl.render.instanced.DiscPass` for the
knob, made once and written only when the timeline moves; its labels go through the scene's text pass
with the window's heads-up text.
"""

from __future__ import annotations

from dataclasses import dataclass

import moderngl
import numpy as np

from .render.instanced import DiscPass, RectPass
from .render.layout import FrameLayout
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


def timeline_labels(line: Timeline, style: Style, left: str, right: str) -> list[TextItem]:
    """The line above the track: ``left`` (where playback is) and ``right`` (what it is doing)."""
    box = (*style.panel, 0.88)  # readable over the network drawn beneath
    return [
        TextItem(left, line.track.x, line.label_y, line.label_px, (*style.text, 1.0), anchor="left",
                 baseline="bottom", box=box),
        TextItem(right, line.track.x + line.track.w, line.label_y, line.label_px, (*style.text_dim, 1.0),
                 anchor="right", baseline="bottom", box=box),
    ]


class TimelineDrawing:
    """The bar and the knob over a frame; GL objects made once, in the window's context."""

    def __init__(self, ctx: moderngl.Context, style: Style) -> None:
        self.ctx = ctx
        self.style = style
        self.bar = RectPass(ctx, capacity=3)
        self.knob = DiscPass(ctx, capacity=1)
        self._drawn: tuple | None = None  # what the buffers hold

    def draw(self, framebuffer: moderngl.Framebuffer, size: tuple[int, int], line: Timeline, fraction: float,
             grabbed: bool) -> None:
        """The timeline at ``fraction`` (0..1) of the run over what ``framebuffer`` holds; the knob in the
        accent colour while ``grabbed``."""
        state = (line, float(fraction), bool(grabbed))
        if state != self._drawn:
            self._write(line, fraction, grabbed)
            self._drawn = state
        framebuffer.use()
        framebuffer.viewport = (0, 0, *size)
        self.ctx.scissor = None
        self.bar.draw(size)  # opaque
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        self.knob.draw(size)  # anti-aliased edge
        self.ctx.disable(moderngl.BLEND)

    def _write(self, line: Timeline, fraction: float, grabbed: bool) -> None:
        s, track, k = self.style, line.track, line.knob_radius
        x = line.x_at(fraction)
        cy = track.y + track.h * 0.5
        pad = k + 3.0  # a backing strip of panel colour sets the bar off the network drawn beneath it
        panel, dim = np.array(s.panel), np.array(s.text_dim)
        self.bar.set_rects([
            (track.x - pad, cy - pad, track.w + 2 * pad, 2 * pad, *s.panel),
            (track.x, track.y, track.w, track.h, *(panel * 0.55 + dim * 0.45)),  # the track, dimmed
            (track.x, track.y, max(x - track.x, track.h), track.h, *s.class1),  # the part played
        ])
        knob = (*s.positive, 1.0) if grabbed else (*s.text, 1.0)
        self.knob.set_discs(np.array([[x, cy, k, *knob, 0.0, 0.0, 0.0, 0.0]], np.float32))

    def release(self) -> None:
        self.bar.release()
        self.knob.release()
