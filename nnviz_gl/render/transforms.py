"""The package's coordinate transforms, in one place: frame pixels <-> GL viewports <-> data.

Frame pixels have their origin at the top-left, y down (what a user sees and a mouse reports); GL
viewports are whole pixels from the bottom-left; data coordinates grow right and up. A panel is a
:class:`Rect` of the frame; a :class:`DataView` is the data rectangle a panel shows. Zoom and pan are
a different ``DataView``, never a different formula elsewhere. Numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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

    def view(self) -> tuple[float, float, float, float]:
        """(x, y, w, h) of :meth:`rounded`: what a pass drawing in this rect's viewport maps to clip space."""
        r = self.rounded()
        return float(r.x), float(r.y), float(r.w), float(r.h)

    def padded(self, pad: float) -> "Rect":
        return Rect(self.x - pad, self.y - pad, self.w + 2 * pad, self.h + 2 * pad)

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px < self.x + self.w and self.y <= py < self.y + self.h


@dataclass(frozen=True)
class DataView:
    """The data rectangle ``bounds`` shown in the frame rectangle ``panel``."""

    bounds: Bounds
    panel: Rect

    def to_pixels(self, points: np.ndarray) -> np.ndarray:
        """(n, 2) data points -> (n, 2) frame pixels."""
        xmin, xmax, ymin, ymax = self.bounds
        points = np.asarray(points, np.float64).reshape(-1, 2)
        px = self.panel.x + (points[:, 0] - xmin) / (xmax - xmin) * self.panel.w
        py = self.panel.y + (1.0 - (points[:, 1] - ymin) / (ymax - ymin)) * self.panel.h
        return np.column_stack([px, py])

    def to_data(self, pixels: np.ndarray) -> np.ndarray:
        """(n, 2) frame pixels -> (n, 2) data points (the inverse of :meth:`to_pixels`)."""
        xmin, xmax, ymin, ymax = self.bounds
        pixels = np.asarray(pixels, np.float64).reshape(-1, 2)
        x = xmin + (pixels[:, 0] - self.panel.x) / self.panel.w * (xmax - xmin)
        y = ymin + (1.0 - (pixels[:, 1] - self.panel.y) / self.panel.h) * (ymax - ymin)
        return np.column_stack([x, y])

    def field_uniforms(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The field shader's data origin (at the texture's lower-left) and span."""
        xmin, xmax, ymin, ymax = self.bounds
        return (xmin, ymin), (xmax - xmin, ymax - ymin)


def data_bounds(*arrays: np.ndarray | None, pad: float = 0.5) -> Bounds:
    """The data's extent plus a margin, as scikit-learn's classifier-comparison plots do."""
    pts = np.concatenate([a for a in arrays if a is not None and len(a)])
    pts = pts[np.isfinite(pts).all(axis=1)]
    (xmin, ymin), (xmax, ymax) = pts.min(axis=0), pts.max(axis=0)
    return float(xmin - pad), float(xmax + pad), float(ymin - pad), float(ymax + pad)


def data_to_pixels(points: np.ndarray, bounds: Bounds, panel: Rect) -> np.ndarray:
    """Data x grows to the right, data y grows upwards."""
    return DataView(bounds, panel).to_pixels(points)

