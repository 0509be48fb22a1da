"""What a user sees, read back as numbers: which data point each pixel of the field panel shows, and the
probability its colour stands for (the style's colour map inverted). Checks of a frame against a model's
``predict_proba`` are built on these.

The one place in the tests that knows the frame's geometry (the field panel, the data bounds, the discs'
size) and the field's colour map: adapt it here when the layout API or the style changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from scipy.stats import spearmanr

from nnviz_gl.render.layout import frame_layout
from nnviz_gl.render.legend import legend_bounds
from nnviz_gl.render.transforms import data_bounds
from nnviz_gl.render.style import DEFAULT_STYLE, Style

Proba = Callable[[np.ndarray], np.ndarray]  # (n, 2) data points -> (n,) probability of class 1

GAMMA = 0.8        # field.frag's shade(): colour = mix(mid, side, |t|^GAMMA * strength), t = 2p - 1
LINE_DARK = 125.0  # a pixel at least half covered by the (near-black) line has no channel above this


@dataclass(frozen=True)
class FieldView:
    """The field panel of one frame: whole frame pixels (top-left origin, as drawn) and the data it spans."""

    size: tuple[int, int]
    x0: int
    y0: int
    w: int
    h: int
    bounds: tuple[float, float, float, float]
    unit: float
    legend: tuple[int, int, int, int] = (0, 0, 0, 0)  # panel pixels (column, row, width, height) it may cover

    def legend_mask(self) -> np.ndarray:
        """(h, w) panel pixels the legend may lie over."""
        mask = np.zeros((self.h, self.w), bool)
        lx, ly, lw, lh = self.legend
        mask[max(ly, 0):max(ly + lh, 0), max(lx, 0):max(lx + lw, 0)] = True
        return mask

    def crop(self, rgb: np.ndarray) -> np.ndarray:
        """The panel's pixels of a whole (height, width, 3) frame, row 0 at the top."""
        return rgb[self.y0:self.y0 + self.h, self.x0:self.x0 + self.w]

    def data_at_pixels(self) -> np.ndarray:
        """(h, w, 2) data coordinates of every panel pixel centre: x grows right, y grows up."""
        xmin, xmax, ymin, ymax = self.bounds
        xs = xmin + (np.arange(self.w) + 0.5) / self.w * (xmax - xmin)
        ys = ymax - (np.arange(self.h) + 0.5) / self.h * (ymax - ymin)
        gx, gy = np.meshgrid(xs, ys)
        return np.stack([gx, gy], axis=-1)

    def pixels_of_data(self, points: np.ndarray) -> np.ndarray:
        """(n, 2) panel pixel coordinates (column, row; continuous, centres at +0.5) of data points."""
        xmin, xmax, ymin, ymax = self.bounds
        col = (points[:, 0] - xmin) / (xmax - xmin) * self.w
        row = (ymax - points[:, 1]) / (ymax - ymin) * self.h
        return np.column_stack([col, row])

    @property
    def disc_reach_px(self) -> float:
        """How far a data point's disc (radius, outline, anti-aliasing) can colour pixels, with room to spare."""
        return max(2.5, 9.0 * self.unit) + max(1.0, 1.6 * self.unit) + 2.0

    @property
    def line_px(self) -> float:
        """The p = 0.5 line's width in pixels (scene.py draws it max(1.5, 2.5 units) wide)."""
        return max(1.5, 2.5 * self.unit)


def field_view(size: tuple[int, int], X: np.ndarray, X_test: np.ndarray | None = None, n_classes: int = 2,
               bounds: tuple[float, float, float, float] | None = None) -> FieldView:
    """The field panel of a frame of ``size`` showing the points X (and X_test) with the default bounds (or
    ``bounds``, a zoomed view), and where a legend of ``n_classes`` (or a regression's colour bar, smaller)
    may lie over it."""
    lay = frame_layout(size)
    x, y_gl, w, h = lay.field.gl_viewport(size[1])  # the whole pixels the panel is drawn into
    y0 = size[1] - y_gl - h
    box = legend_bounds(lay, n_classes)  # a classifier's legend, whatever its class names
    legend = (int(np.floor(box.x)) - x - 1, int(np.floor(box.y)) - y0 - 1, int(np.ceil(box.w)) + 3, int(np.ceil(box.h)) + 3)
    bounds = data_bounds(X, X_test) if bounds is None else tuple(map(float, bounds))
    return FieldView(tuple(size), x, y0, w, h, bounds, lay.unit, legend)


def invert_colours(rgb: np.ndarray, style: Style = DEFAULT_STYLE) -> tuple[np.ndarray, np.ndarray]:
    """(t, residual) per pixel: t = 2p - 1 recovered from the colour map (class 0 side negative), and how far
    (in colour levels) the pixel is from the map's nearest colour, large for anything that is not field."""
    c = np.asarray(rgb, np.float64).reshape(-1, 3)
    mid = np.array(style.field_mid) * 255.0
    ts, residuals = [], []
    for side, sign in ((style.class0, -1.0), (style.class1, 1.0)):
        d = np.array(side) * 255.0 - mid
        a = np.clip((c - mid) @ d / (d @ d), 0.0, style.field_strength)
        residuals.append(np.linalg.norm(c - mid - a[:, None] * d, axis=1))
        ts.append(sign * (a / style.field_strength) ** (1.0 / GAMMA))
    pick = residuals[1] < residuals[0]
    shape = np.shape(rgb)[:-1]
    return np.where(pick, ts[1], ts[0]).reshape(shape), np.minimum(*residuals).reshape(shape)


def line_pixels(panel_rgb: np.ndarray) -> np.ndarray:
    """(h, w) mask: pixels at least about half covered by the boundary line (no channel brighter than LINE_DARK)."""
    return panel_rgb.max(axis=-1) <= LINE_DARK


def crossings(p: np.ndarray) -> np.ndarray:
    """(n, 2) sub-pixel points (column, row) where p crosses 0.5 between neighbouring pixel centres."""
    q = p - 0.5
    found = []
    for axis in (0, 1):
        a = q[:-1, :] if axis == 0 else q[:, :-1]
        b = q[1:, :] if axis == 0 else q[:, 1:]
        rows, cols = np.nonzero((a > 0) != (b > 0))
        f = a[rows, cols] / (a[rows, cols] - b[rows, cols])  # linear interpolation between the two centres
        r, c = rows + 0.5 + (f if axis == 0 else 0.0), cols + 0.5 + (f if axis == 1 else 0.0)
        found.append(np.column_stack([c, r]))
    return np.concatenate(found)


@dataclass(frozen=True)
class Truth:
    """A frame's field panel beside the model: what the checks below compare."""

    view: FieldView
    panel: np.ndarray       # (h, w, 3) the panel's pixels
    p: np.ndarray           # (h, w) predict_proba at each pixel centre
    t: np.ndarray           # (h, w) 2p - 1 read back from the colours
    residual: np.ndarray    # (h, w) distance from the colour map
    crossing: np.ndarray    # (n, 2) where p crosses 0.5, panel pixels
    near_point: np.ndarray  # (h, w) within a disc's reach of a data point, or under the legend


def truth_of(rgb: np.ndarray, view: FieldView, proba: Proba, points: np.ndarray,
             extra_reach_px: float = 0.0) -> Truth:
    """``rgb``, a whole frame, beside ``proba`` at its field pixels; ``points`` are the data points drawn
    (their discs, plus ``extra_reach_px``, are left out of the checks)."""
    panel = view.crop(rgb)
    p = proba(view.data_at_pixels().reshape(-1, 2)).reshape(view.h, view.w)
    t, residual = invert_colours(panel)
    rows, cols = np.mgrid[0:view.h, 0:view.w]
    centres = np.column_stack([cols.ravel() + 0.5, rows.ravel() + 0.5])
    near = cKDTree(view.pixels_of_data(points)).query(centres)[0] <= view.disc_reach_px + extra_reach_px
    near = near.reshape(view.h, view.w) | view.legend_mask()
    return Truth(view, panel, p, t, residual, crossings(p), near)


def field_pixels(truth: Truth, keep_from_line_px: float) -> np.ndarray:
    """(h, w) mask of plain field pixels: away from data points, the panel's edge and p = 0.5 crossings."""
    v = truth.view
    rows, cols = np.mgrid[0:v.h, 0:v.w]
    centres = np.column_stack([cols.ravel() + 0.5, rows.ravel() + 0.5])
    if len(truth.crossing):
        far = cKDTree(truth.crossing).query(centres)[0] > keep_from_line_px
    else:
        far = np.ones(len(centres), bool)
    inner = (rows >= 2) & (rows < v.h - 2) & (cols >= 2) & (cols < v.w - 2)
    return far.reshape(v.h, v.w) & inner & ~truth.near_point


def check_colours(truth: Truth, *, keep_from_line_px: float, sign_margin: float, max_t_error: float,
                  min_spearman: float = 0.99, max_residual: float = 12.0, p999_t_error: float | None = None,
                  max_wrong_share: float = 0.0, min_pixels: int = 2000) -> dict[str, float]:
    """Away from points and the line: every colour is on the colour map (within max_residual levels), on
    the side of p = 0.5 that predict_proba gives where |p - 0.5| > sign_margin (all of them, or all but
    max_wrong_share of them), and its strength |t|
    follows |2p - 1|: each within max_t_error (99.9 % of them within p999_t_error, if given), ranks
    agreeing to min_spearman. Returns what it measured."""
    mask = field_pixels(truth, keep_from_line_px)
    n = int(mask.sum())
    assert n >= min_pixels, f"only {n} plain field pixels to check"
    p, t, residual = truth.p[mask], truth.t[mask], truth.residual[mask]
    assert residual.max() <= max_residual, f"a field pixel is {residual.max():.1f} levels off the colour map"
    sure = np.abs(p - 0.5) > sign_margin
    wrong = sure & ((t > 0) != (p > 0.5))
    assert wrong.sum() <= max_wrong_share * sure.sum(), (f"{int(wrong.sum())} of {int(sure.sum())} pixels show the wrong class, e.g. "
                             f"p={p[wrong][:5].round(3)} shown as t={t[wrong][:5].round(3)}")
    want = np.abs(2.0 * p - 1.0)
    error = np.abs(np.abs(t) - want)
    rho = float(spearmanr(np.abs(t), want)[0])
    assert error.max() <= max_t_error, f"|t| off by up to {error.max():.3f} (p={p[error.argmax()]:.3f})"
    if p999_t_error is not None:
        p999 = float(np.percentile(error, 99.9))
        assert p999 <= p999_t_error, f"|t| off by {p999:.3f} or more at 0.1 % of the pixels"
    assert rho >= min_spearman, f"|t| ranks agree with |2p - 1| only to {rho:.4f}"
    return {"pixels": n, "sure": int(sure.sum()), "wrong": int(wrong.sum()), "max_t_error": float(error.max()), "spearman": rho,
            "p_range": float(np.ptp(p))}


def check_line(truth: Truth, *, max_off_px: float = 1.5, cover_px: float = 1.0) -> dict[str, float]:
    """The drawn line lies within max_off_px of where predict_proba crosses 0.5, and covers that crossing
    (a line pixel within cover_px of every crossing point), both away from data points and the edge."""
    v = truth.view
    line = line_pixels(truth.panel) & ~truth.near_point
    line[:1, :] = line[-1:, :] = line[:, :1] = line[:, -1:] = False
    rows, cols = np.nonzero(line)
    assert len(rows) > 20, "no boundary line drawn"
    assert len(truth.crossing), "predict_proba does not cross 0.5 in the panel"
    line_centres = np.column_stack([cols + 0.5, rows + 0.5])
    off = cKDTree(truth.crossing).query(line_centres)[0]
    assert off.max() <= max_off_px, (f"{int((off > max_off_px).sum())} line pixels lie more than {max_off_px} px "
                                     f"from p = 0.5 (up to {off.max():.2f} px)")
    c = truth.crossing
    crossing_rows, crossing_cols = np.clip(c[:, 1].astype(int), 0, v.h - 1), np.clip(c[:, 0].astype(int), 0, v.w - 1)
    away = ~truth.near_point[crossing_rows, crossing_cols]
    away &= (c[:, 0] > 2) & (c[:, 0] < v.w - 2) & (c[:, 1] > 2) & (c[:, 1] < v.h - 2)
    gap = cKDTree(line_centres).query(c[away])[0]
    assert gap.max() <= cover_px, (f"{int((gap > cover_px).sum())} of {int(away.sum())} points of p = 0.5 have no "
                                   f"line pixel within {cover_px} px (up to {gap.max():.2f} px)")
    return {"line_pixels": len(rows), "max_off_px": float(off.max()), "crossings": int(away.sum()),
            "max_gap_px": float(gap.max())}
