"""What a user sees of a multiclass or regression model, read back as numbers (as truth_helpers.py does for
a binary one): the winning class and its lead over the runner-up from a pixel's colour (the palette
inverted), or the value from the regression's two-sided map; and where the winning class changes.

Its own formulas, not the package's: colour = mix(mid, class colour, lead^GAMMA * strength) for a class,
colour = mix(mid, end colour, |t|^GAMMA * strength), t on -1..1 over the target's range, for a value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from nnviz_gl.render.style import DEFAULT_STYLE, Style
from truth_helpers import GAMMA, FieldView, invert_colours, line_pixels

# Within this many pixels of a triple point (a third class within reach) the line may be cut short or
# run on a little: there the pair of classes the stored distance belongs to changes (field.frag).
JUNCTION_PX = 6.0


def invert_palette(rgb: np.ndarray, n_classes: int, style: Style = DEFAULT_STYLE) -> tuple[np.ndarray, ...]:
    """(class, lead, residual) per pixel: the palette colour whose mix line from ``field_mid`` passes nearest
    to the pixel's colour, how far along it (p1 - p2 recovered) and how far off it (colour levels)."""
    c = np.asarray(rgb, np.float64).reshape(-1, 3)
    mid = np.array(style.field_mid) * 255.0
    leads, residuals = [], []
    for colour in style.palette[:n_classes]:
        d = np.array(colour) * 255.0 - mid
        a = np.clip((c - mid) @ d / (d @ d), 0.0, style.field_strength)
        residuals.append(np.linalg.norm(c - mid - a[:, None] * d, axis=1))
        leads.append((a / style.field_strength) ** (1.0 / GAMMA))
    residuals, leads = np.array(residuals), np.array(leads)
    pick = residuals.argmin(axis=0)
    rows = np.arange(len(c))
    shape = np.shape(rgb)[:-1]
    return pick.reshape(shape), leads[pick, rows].reshape(shape), residuals[pick, rows].reshape(shape)


def class_crossings(proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the winning class changes between neighbouring pixel centres: (n, 2) sub-pixel points
    (column, row) where the two winners' probabilities are equal, and (n,) whether a third class is
    within reach there (a triple point)."""
    top = proba.argmax(axis=-1)
    found, triple = [], []
    for axis in (0, 1):
        a_top = top[:-1, :] if axis == 0 else top[:, :-1]
        b_top = top[1:, :] if axis == 0 else top[:, 1:]
        rows, cols = np.nonzero(a_top != b_top)
        pa = proba[:-1, :] if axis == 0 else proba[:, :-1]
        pb = proba[1:, :] if axis == 0 else proba[:, 1:]
        i, j = a_top[rows, cols], b_top[rows, cols]
        da = pa[rows, cols, i] - pa[rows, cols, j]   # > 0: class i leads at the first centre
        db = pb[rows, cols, i] - pb[rows, cols, j]   # < 0: class j leads at the second
        f = da / (da - db)
        r, c = rows + 0.5 + (f if axis == 0 else 0.0), cols + 0.5 + (f if axis == 1 else 0.0)
        found.append(np.column_stack([c, r]))
        third = np.sort(pa[rows, cols], axis=-1)[:, -3] if proba.shape[-1] > 2 else np.zeros(len(rows))
        triple.append(third > 0.15)
    return np.concatenate(found), np.concatenate(triple)


@dataclass(frozen=True)
class ClassTruth:
    view: FieldView
    panel: np.ndarray        # (h, w, 3)
    proba: np.ndarray        # (h, w, k) predict_proba at each pixel centre
    shown: np.ndarray        # (h, w) class read back from the colour
    lead: np.ndarray         # (h, w) p1 - p2 read back
    residual: np.ndarray     # (h, w)
    crossing: np.ndarray     # (n, 2)
    junction: np.ndarray     # (m, 2) crossings near a triple point
    near_point: np.ndarray   # (h, w) within a disc's reach of a data point, or under the legend


def class_truth_of(rgb: np.ndarray, view: FieldView, proba, points: np.ndarray, extra_reach_px: float = 0.0
                   ) -> ClassTruth:
    panel = view.crop(rgb)
    p = proba(view.data_at_pixels().reshape(-1, 2)).reshape(view.h, view.w, -1)
    shown, lead, residual = invert_palette(panel, p.shape[-1])
    crossing, triple = class_crossings(p)
    rows, cols = np.mgrid[0:view.h, 0:view.w]
    centres = np.column_stack([cols.ravel() + 0.5, rows.ravel() + 0.5])
    near = cKDTree(view.pixels_of_data(points)).query(centres)[0] <= view.disc_reach_px + extra_reach_px
    near = near.reshape(view.h, view.w) | view.legend_mask()  # the legend lies over the field there
    return ClassTruth(view, panel, p, shown, lead, residual, crossing, crossing[triple], near)


def _far_from(points: np.ndarray, view: FieldView, px: float) -> np.ndarray:
    rows, cols = np.mgrid[0:view.h, 0:view.w]
    centres = np.column_stack([cols.ravel() + 0.5, rows.ravel() + 0.5])
    if not len(points):
        return np.ones((view.h, view.w), bool)
    return (cKDTree(points).query(centres)[0] > px).reshape(view.h, view.w)


def check_classes(truth: ClassTruth, *, keep_from_line_px: float, lead_margin: float, max_lead_error: float,
                  max_residual: float = 12.0, max_wrong_share: float = 0.0, min_pixels: int = 2000
                  ) -> dict[str, float]:
    """Away from points and boundaries: every pixel is on one class's mix line, shows predict_proba's winning
    class where its lead is over ``lead_margin``, and the lead read back is p1 - p2 within ``max_lead_error``
    (no rank test as for a binary field: a multiclass field is mostly saturated or mostly tied, where ranks
    are decided by rounding)."""
    v = truth.view
    rows, cols = np.mgrid[0:v.h, 0:v.w]
    inner = (rows >= 2) & (rows < v.h - 2) & (cols >= 2) & (cols < v.w - 2)
    mask = inner & ~truth.near_point & _far_from(truth.crossing, v, keep_from_line_px)
    n = int(mask.sum())
    assert n >= min_pixels, f"only {n} plain field pixels to check"
    p = truth.proba[mask]
    ranked = np.sort(p, axis=-1)
    want_lead = ranked[:, -1] - ranked[:, -2]
    winner = p.argmax(axis=-1)
    residual = truth.residual[mask]
    assert residual.max() <= max_residual, f"a field pixel is {residual.max():.1f} levels off every class's colours"
    sure = want_lead > lead_margin
    wrong = sure & (truth.shown[mask] != winner)
    assert wrong.sum() <= max_wrong_share * sure.sum(), (
        f"{int(wrong.sum())} of {int(sure.sum())} pixels show the wrong class, e.g. winner "
        f"{winner[wrong][:5]} shown as {truth.shown[mask][wrong][:5]}")
    lead = truth.lead[mask]
    error = np.abs(lead - want_lead)
    assert error.max() <= max_lead_error, f"the lead is off by up to {error.max():.3f}"
    return {"pixels": n, "sure": int(sure.sum()), "classes_seen": len(np.unique(winner[sure])),
            "max_lead_error": float(error.max())}


def check_class_lines(truth: ClassTruth, *, max_off_px: float = 1.5, cover_px: float = 1.0) -> dict[str, float]:
    """The drawn lines lie within max_off_px of where the winning class changes, and cover every such place
    away from points, the edge and triple points."""
    v = truth.view
    line = line_pixels(truth.panel) & ~truth.near_point
    line[:1, :] = line[-1:, :] = line[:, :1] = line[:, -1:] = False
    rows, cols = np.nonzero(line)
    assert len(rows) > 20, "no boundary line drawn"
    centres = np.column_stack([cols + 0.5, rows + 0.5])
    if len(truth.junction):
        centres = centres[cKDTree(truth.junction).query(centres)[0] > JUNCTION_PX]
    off = cKDTree(truth.crossing).query(centres)[0]
    assert off.max() <= max_off_px, (f"{int((off > max_off_px).sum())} line pixels lie more than {max_off_px} px "
                                     f"from a class boundary (up to {off.max():.2f} px)")
    c = truth.crossing
    r, k = np.clip(c[:, 1].astype(int), 0, v.h - 1), np.clip(c[:, 0].astype(int), 0, v.w - 1)
    away = ~truth.near_point[r, k] & (c[:, 0] > 2) & (c[:, 0] < v.w - 2) & (c[:, 1] > 2) & (c[:, 1] < v.h - 2)
    if len(truth.junction):
        away &= cKDTree(truth.junction).query(c)[0] > JUNCTION_PX
    gap = cKDTree(centres).query(c[away])[0]
    assert gap.max() <= cover_px, (f"{int((gap > cover_px).sum())} of {int(away.sum())} boundary points have no "
                                   f"line pixel within {cover_px} px (up to {gap.max():.2f} px)")
    return {"line_pixels": len(rows), "max_off_px": float(off.max()), "max_gap_px": float(gap.max())}


def invert_values(rgb: np.ndarray, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """(value, residual) per pixel through the regression's two-sided map over low..high (the binary map's
    colours: t = -1 at ``low``, +1 at ``high``)."""
    t, residual = invert_colours(rgb)
    return low + (t + 1.0) / 2.0 * (high - low), residual
