"""What the live window shows between snapshots: a glide from the picture on screen to the newest one.

Training publishes into a latest-wins slot from any thread; once a frame, on the window's thread,
:meth:`Glide.take_latest` looks at it and :meth:`Glide.frame` says which (interpolated) snapshot to
draw. Times are the window's clock (``Viewer.clock``), passed in, so tests move them by hand. No GL.
"""

from __future__ import annotations

from ..snapshot import Snapshot
from ..training.bus import LatestSnapshot

MAX_GLIDE_S = 1.0  # the longest a move between two snapshots is spread over (1 epoch/s still moves all the time)


class Glide:
    """The snapshots on screen: gliding from ``start`` to ``target`` from ``t0`` over ``span`` seconds.

    ``before`` is the real snapshot before ``target`` (learning marks, the last change of a weight);
    ``shown`` is what the last frame drew.
    """

    def __init__(self) -> None:
        self.slot = LatestSnapshot()
        self.version = 0  # of the slot's snapshot taken last
        self.start: Snapshot | None = None
        self.target: Snapshot | None = None
        self.before: Snapshot | None = None
        self.shown: Snapshot | None = None
        self.t0 = 0.0
        self.span = 0.0
        self._last_arrival: float | None = None
        self.last_drawn: float | None = None  # the clock at the last frame drawn
        self._settled = False

    def take_latest(self, now: float) -> None:
        """Start gliding towards the newest published snapshot, if there is one not yet taken."""
        snapshot, version = self.slot.latest()
        if version == self.version or snapshot is None:
            return
        self.version = version
        interval = MAX_GLIDE_S if self._last_arrival is None else now - self._last_arrival
        self._last_arrival = now
        if self.target is None or snapshot.architecture != self.target.architecture:
            self.start, self.before, self.span = snapshot, None, 0.0
        else:
            # glide on from what is on screen now, so a new snapshot never makes the picture jump
            self.start = self.shown if self.shown is not None else self.target
            self.before = self.target
            self.span = min(max(interval, 0.0), MAX_GLIDE_S)
        self.target = snapshot
        # The glide starts at the previous frame, not now: when snapshots arrive faster than frames
        # the picture must still move (to the newest) every frame instead of restarting at t = 0.
        self.t0 = now if self.last_drawn is None else min(self.last_drawn, now)
        self._settled = False

    def show(self, snapshot: Snapshot, previous: Snapshot | None, now: float) -> None:
        """``snapshot`` exactly from the next frame on, without a glide (a replay's scrubbing and playback)."""
        self.start = self.target = snapshot
        self.before = previous
        self.span = 0.0
        self.t0 = now
        self._settled = False

    def frame(self, now: float) -> Snapshot | None:
        """The snapshot to draw at ``now`` when it changed since the last frame; None once the glide has
        settled (the scene keeps what it has: no upload at all)."""
        self.last_drawn = now
        if self._settled or self.target is None:
            return None
        t = 1.0 if self.span <= 0 else (now - self.t0) / self.span
        if t >= 1.0:
            shown, self._settled = self.target, True
        else:
            shown = self.start.interpolate(self.target, max(t, 0.0))
        self.shown = shown
        return shown
