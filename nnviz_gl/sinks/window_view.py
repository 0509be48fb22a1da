"""The live window's zoom and pan of the field panel: the wheel zooms about the mouse, a drag pans, 0 resets.

A press in the field panel is held until it is known what it is: moved more than :data:`DRAG_PX` pixels,
it is a pan (with any button) and adds nothing; released before that, it is a click, and the viewer's input
adds its point where the press was. Every change is a new data rectangle for the scene
(``Scene.set_view``): the field is evaluated there again, never recompiled, no GL object made.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING

import numpy as np

from ..render.picking import pixel_to_data
from ..render.transforms import Bounds, DataView, check_view

if TYPE_CHECKING:
    from .window import Viewer

DRAG_PX = 4.0       # a press that moves further than this (frame pixels) is a pan, not a click
ZOOM_STEP = 1.25    # one wheel notch shows 1/1.25 of the width and height (wheel up: in)
ZOOM_LIMITS = (1e-4, 1e3)  # the view's span relative to the home view's: float32 fields stay exact


class ViewControl:
    """The data rectangle a viewer's field panel shows. ``home`` is the unzoomed view: ``fixed`` when
    given (``Viewer(view=...)``, ``replay --view``), else the points' extent; ``current`` is the zoomed or
    panned one, None at home."""

    def __init__(self, viewer: "Viewer", fixed: Bounds | None = None) -> None:
        self.viewer = viewer
        self.fixed = None if fixed is None else check_view(fixed)
        self.home: Bounds | None = self.fixed
        self.current: Bounds | None = None
        self._press: tuple[int, tuple[float, float], Bounds] | None = None  # button, pixel, bounds then
        self.panning = False

    @property
    def held(self) -> bool:
        """A button pressed over the field panel is still down (a click or a pan to be)."""
        return self._press is not None

    @property
    def bounds(self) -> Bounds:
        """What the field panel shows now."""
        return self.viewer.scene.bounds

    def describe(self) -> str:
        """The heads-up line's word on a zoomed or panned view, and how to leave it."""
        if self.current is None or self.home is None:
            return ""
        zoom = (self.home[1] - self.home[0]) / (self.current[1] - self.current[0])
        return ("panned" if math.isclose(zoom, 1.0) else f"zoom {zoom:.3g}x") + " (0: reset)"

    def home_for(self, X, X_test=None) -> Bounds | None:
        """The home view for new points: the fixed one, or the old one while the points stay inside it
        (a clicked point must land where it was clicked), else None (the scene takes their extent)."""
        points = np.concatenate([np.asarray(a, np.float64).reshape(-1, 2) for a in (X, X_test) if a is not None])
        points = points[np.isfinite(points).all(axis=1)]
        if self.fixed is not None:
            return self.fixed
        old = self.home
        inside = old is not None and len(points) > 0 and bool(
            (points[:, 0] >= old[0]).all() and (points[:, 0] <= old[1]).all()
            and (points[:, 1] >= old[2]).all() and (points[:, 1] <= old[3]).all())
        return old if inside else None

    def data_set(self, home: Bounds) -> None:
        """The scene took new points over ``home``: keep the zoom unless the home view moved."""
        if home != self.home:
            self.current = None
        self.home = home
        if self.current is not None:
            self.viewer.scene.set_view(self.current)

    def show(self, bounds: Bounds | None) -> None:
        """Show ``bounds`` (None: the home view)."""
        scene = self.viewer.scene
        home = self.home
        at_home = bounds is None or (home is not None and all(  # zoomed in and out again: home, not "1x"
            math.isclose(a, b, abs_tol=1e-9 * (home[1] - home[0] + home[3] - home[2])) for a, b in zip(bounds, home)))
        self.current = None if at_home else check_view(bounds)
        scene.set_view(self.current or self.home or scene.bounds)
        self.viewer.hud.invalidate()

    def reset(self) -> None:
        """Key 0: back to the home view."""
        self._press, self.panning = None, False
        self.show(None)

    def zoom(self, notches: float, pixel: tuple[float, float]) -> bool:
        """Zoom ``notches`` wheel steps (up, positive: in) about the frame pixel ``pixel``; False outside
        the field panel."""
        lay = self.viewer.scene.layout
        if lay is None or not notches or pixel_to_data(pixel, self.bounds, lay.field) is None:
            return False
        factor = ZOOM_STEP ** -float(notches)
        if self.home is not None:  # within the limits, however many notches
            span = (self.bounds[1] - self.bounds[0]) / (self.home[1] - self.home[0])
            factor = min(max(factor, ZOOM_LIMITS[0] / span), ZOOM_LIMITS[1] / span)
        if math.isclose(factor, 1.0):
            return True
        self.show(DataView(self.bounds, lay.field).zoomed(pixel, factor))
        return True

    # -- a press: a click or a pan ------------------------------------------------------------------
    def press(self, button: int, pixel: tuple[float, float]) -> bool:
        """A button went down; held (True) when it is over the field panel."""
        lay = self.viewer.scene.layout
        if lay is None or self._press is not None or pixel_to_data(pixel, self.bounds, lay.field) is None:
            return False
        self._press, self.panning = (button, pixel, self.bounds), False
        return True

    def move(self, pixel: tuple[float, float]) -> bool:
        """The mouse moved: pan once a held press has moved further than :data:`DRAG_PX`; True while panning."""
        lay = self.viewer.scene.layout
        if self._press is None or lay is None:
            return False
        _, start, bounds = self._press
        by = (pixel[0] - start[0], pixel[1] - start[1])
        if not self.panning and math.hypot(*by) <= DRAG_PX:
            return False
        self.panning = True
        self.show(DataView(bounds, lay.field).dragged(by))
        return True

    def release(self, button: int) -> tuple[float, float] | None:
        """The button went up: the pixel it was pressed at if that was a click, None after a pan (or
        when no press of it was held)."""
        if self._press is None or self._press[0] != button:
            return None
        _, start, _ = self._press
        was_pan = self.panning
        self._press, self.panning = None, False
        return None if was_pan else start


class PendingPoints:
    """New points handed over from any thread (training's), applied by the drawing thread at its next frame;
    the newest wins. Applying keeps the view's home while the points stay inside it (:meth:`ViewControl.home_for`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: tuple | None = None

    def put(self, X, y, X_test=None, y_test=None) -> None:
        with self._lock:
            self._data = (X, y, X_test, y_test)

    @property
    def waiting(self) -> bool:
        """Points were handed over and not drawn yet."""
        with self._lock:
            return self._data is not None

    def apply(self, view: ViewControl, scene) -> None:
        """Give ``scene`` the newest points, if any, over the view's home (the drawing thread)."""
        with self._lock:
            data, self._data = self._data, None
        if data is None:
            return
        X, y, X_test, y_test = data
        scene.set_data(X, y, X_test, y_test, bounds=view.home_for(X, X_test))
        view.data_set(scene.bounds)
