"""The package's coordinate transforms, in one place: frame pixels <-> GL viewports <-> data.

Frame pixels have their origin at the top-left, y down (what a user sees and a mouse reports); GL
viewports are whole pixels from the bottom-left; data coordinates grow right and up. A panel is a
:class:`Rect` of the frame; a :class:`DataView` is the data rectangle a panel shows. Zoom and pan are
a different ``DataView``, never a different formula elsewhere.

The maps are pyrr 4x4 matrices in its row-vector convention (``points @ M``), which a shader takes
as ``uniform mat4`` and applies as ``M * vec4(p, 0, 1)``: data -> frame pixels -> clip space compose
by multiplication, so a zoomed view is one more matrix, on the CPU and the GPU alike. No GL here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pyrr import matrix44

Bounds = tuple[float, float, float, float]  # xmin, xmax, ymin, ymax in data units


@dataclass(frozen=True)
class Rect:
    """Pixels, origin at the top-left of the frame, y down."""

    x: float
    y: float
    w: float
    h: float

    def rounded(self) -> "Rect":
        """The whole-pixel rectangle a GL viewport of this rect covers."""
        x0, y0 = int(round(self.x)), int(round(self.y))
        x1, y1 = int(round(self.x + self.w)), int(round(self.y + self.h))
        return Rect(x0, y0, x1 - x0, y1 - y0)

    def gl_viewport(self, frame_height: int) -> tuple[int, int, int, int]:
        """The same rectangle as a GL viewport (origin bottom-left, whole pixels)."""
        r = self.rounded()
        return int(r.x), int(frame_height - r.y - r.h), int(r.w), int(r.h)

    def projection(self) -> np.ndarray:
        """Frame pixels -> clip space for a pass drawing in this rect's viewport (:meth:`rounded`);
        read-only, made once per rectangle (passes ask for it every frame)."""
        r = self.rounded()
        return _orthographic(r.x, r.y, r.w, r.h)

    def padded(self, pad: float) -> "Rect":
        return Rect(self.x - pad, self.y - pad, self.w + 2 * pad, self.h + 2 * pad)

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px < self.x + self.w and self.y <= py < self.y + self.h


@dataclass(frozen=True)
class DataView:
    """The data rectangle ``bounds`` shown in the frame rectangle ``panel``."""

    bounds: Bounds
    panel: Rect

    def matrix(self) -> np.ndarray:
        """Data -> frame pixels: (xmin, ymax) lands on the panel's top-left corner, (xmax, ymin) on
        its bottom-right."""
        xmin, xmax, ymin, ymax = self.bounds
        p = self.panel
        to_origin = matrix44.create_from_translation([-xmin, -ymax, 0.0])
        scale = matrix44.create_from_scale([p.w / (xmax - xmin), -p.h / (ymax - ymin), 1.0])
        to_panel = matrix44.create_from_translation([p.x, p.y, 0.0])
        return to_origin @ scale @ to_panel

    def to_pixels(self, points: np.ndarray) -> np.ndarray:
        """(n, 2) data points -> (n, 2) frame pixels."""
        return _apply(self.matrix(), points)

    def to_data(self, pixels: np.ndarray) -> np.ndarray:
        """(n, 2) frame pixels -> (n, 2) data points (the inverse of :meth:`to_pixels`)."""
        return _apply(matrix44.inverse(self.matrix()), pixels)

    def zoomed(self, pixel: tuple[float, float], factor: float) -> Bounds:
        """The bounds ``factor`` times as wide and high (below 1: zoomed in) whose data point under
        ``pixel`` is the one under it now: the data under the cursor stays under the cursor."""
        ax, ay = self.to_data([pixel])[0]
        xmin, xmax, ymin, ymax = self.bounds
        return (float(ax + (xmin - ax) * factor), float(ax + (xmax - ax) * factor),
                float(ay + (ymin - ay) * factor), float(ay + (ymax - ay) * factor))

    def dragged(self, by_pixels: tuple[float, float]) -> Bounds:
        """The bounds that show each data point ``by_pixels`` (frame pixels, y down) further: a pan
        that moves the picture with the mouse."""
        xmin, xmax, ymin, ymax = self.bounds
        dx = by_pixels[0] * (xmax - xmin) / self.panel.w
        dy = by_pixels[1] * (ymax - ymin) / self.panel.h
        return (float(xmin - dx), float(xmax - dx), float(ymin + dy), float(ymax + dy))


@lru_cache(maxsize=256)
def _orthographic(x: float, y: float, w: float, h: float) -> np.ndarray:
    matrix = matrix44.create_orthogonal_projection(x, x + w, y + h, y, -1.0, 1.0, dtype=np.float32)
    matrix.flags.writeable = False
    return matrix


def _apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, np.float64).reshape(-1, 2)
    homogeneous = np.column_stack([points, np.zeros(len(points)), np.ones(len(points))])
    return (homogeneous @ matrix)[:, :2]


def check_view(view: object) -> Bounds:
    """A data rectangle given as (xmin, xmax, ymin, ymax): four finite numbers, each min below its max.
    Raises ValueError saying what is wrong."""
    try:
        values = tuple(float(v) for v in view)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(f"a view is four numbers x0,x1,y0,y1; got {view!r}") from None
    if len(values) != 4:
        raise ValueError(f"a view is four numbers x0,x1,y0,y1; got {len(values)}")
    if not all(np.isfinite(values)):
        raise ValueError(f"a view's x0,x1,y0,y1 must be finite numbers, got {','.join(map(str, values))}")
    x0, x1, y0, y1 = values
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"a view needs x0 < x1 and y0 < y1, got {x0:g},{x1:g},{y0:g},{y1:g}")
    return values  # type: ignore[return-value]


def data_bounds(*arrays: np.ndarray | None, pad: float = 0.5) -> Bounds:
    """The data's extent plus a margin, as scikit-learn's classifier-comparison plots do."""
    pts = np.concatenate([a for a in arrays if a is not None and len(a)])
    pts = pts[np.isfinite(pts).all(axis=1)]
    (xmin, ymin), (xmax, ymax) = pts.min(axis=0), pts.max(axis=0)
    return float(xmin - pad), float(xmax + pad), float(ymin - pad), float(ymax + pad)


def data_to_pixels(points: np.ndarray, bounds: Bounds, panel: Rect) -> np.ndarray:
    """Data x grows to the right, data y grows upwards."""
    return DataView(bounds, panel).to_pixels(points)

