"""Snapshot in, pixels out: a context, the scene and an offscreen target, for video and for tests."""

from __future__ import annotations

import moderngl
import numpy as np

from ..sizes import check_size
from ..snapshot import Snapshot
from .loss_history import HistoryInput
from .capabilities import capabilities
from .context import create_headless_context, release_current_glx
from .offscreen import OffscreenTarget
from .scene import Scene
from .style import DEFAULT_STYLE, Style


class FrameRenderer:
    """Draws snapshots offscreen at one size. Made once; drawing a frame creates no GL objects."""

    def __init__(self, size: tuple[int, int], *, field_scale: float | None = None, style: Style = DEFAULT_STYLE,
                 ctx: moderngl.Context | None = None, gpu: int | None = None, title: str | None = None,
                 neuron_fields: bool | None = None) -> None:
        self.ctx = ctx or create_headless_context(gpu)
        self._own_ctx = ctx is None
        self.caps = capabilities(self.ctx)
        self.info = self.caps.info
        self.size = check_size(size, max_size=self.info.max_framebuffer)
        if not self._own_ctx:
            # moderngl re-binds the framebuffer it last bound after making each new one; in a shared
            # context that may be one its owner has since deleted (GL_INVALID_OPERATION).
            self._make_current()
            self.ctx.detect_framebuffer(0).use()
        self.scene = Scene(self.ctx, field_scale=field_scale, style=style, caps=self.caps, title=title,
                           neuron_fields=neuron_fields)
        self.target = OffscreenTarget(self.ctx, self.size, self.caps.frame_storage)

    def set_data(self, X, y, X_test=None, y_test=None, bounds=None) -> None:
        self.scene.set_data(X, y, X_test, y_test, bounds)

    def _make_current(self) -> None:
        """Our context becomes current, so a user's own GL context on this thread is never drawn into.

        It stays current afterwards (glcontext's EGL exit releases instead of restoring): a caller
        with a context of their own enters it again (``with their_ctx:``) before using it.
        """
        release_current_glx()  # a window's context on this thread would swallow our EGL make-current
        self.ctx.__enter__()

    def draw(self, snapshot: Snapshot, previous: Snapshot | None = None) -> None:
        self._make_current()
        self.scene.upload(snapshot, previous)
        self.scene.render(self.target.framebuffer, self.size)

    def read_rgb(self) -> np.ndarray:
        self._make_current()
        return self.target.read_rgb()

    def read_into(self, buffer) -> None:
        """RGBA bytes, bottom row first (GL order)."""
        self._make_current()
        self.target.read_into(buffer)

    @property
    def video_format(self) -> str:
        """The raw format a video encoder gets (:attr:`Capabilities.video_format`): yuv420p made on
        the GPU, or the frame as stored ("bgra"/"rgba") where the GL work is CPU work too."""
        return self.caps.video_format

    def read_video_frame_into(self, buffer) -> None:
        """One frame in :attr:`video_format` (BGRA/RGBA bottom row first, or yuv420p top row first)."""
        if self.video_format == "yuv420p":
            self.read_yuv420_into(buffer)
        else:
            self._make_current()
            self.target.read_native_into(buffer)

    def read_yuv420_into(self, buffer) -> None:
        """yuv420p bytes (BT.709, limited range), top row first: what a video encoder takes as is."""
        self._make_current()
        self.target.read_yuv420_into(buffer)

    def resize(self, size: tuple[int, int]) -> None:
        size = check_size(size, max_size=self.info.max_framebuffer)
        if size != self.size:
            self._make_current()
            old, self.target = self.target, OffscreenTarget(self.ctx, size, self.caps.frame_storage)
            self.target.framebuffer.use()  # never leave a deleted framebuffer bound
            old.release()
            self.size = size

    def release(self) -> None:
        if not self._own_ctx:  # never leave one deleted here bound (see __init__); free what we made
            self._make_current()
            self.ctx.detect_framebuffer(0).use()
            self.scene.release()
        self.target.release()
        if self._own_ctx:
            self.ctx.release()


_shared: FrameRenderer | None = None


def render_frame(snapshot: Snapshot, X: np.ndarray, y: np.ndarray, X_test: np.ndarray | None = None,
                 y_test: np.ndarray | None = None, previous: Snapshot | None = None,
                 size: tuple[int, int] = (1920, 1080), *, field_scale: float | None = None,
                 view: tuple[float, float, float, float] | None = None, title: str | None = None,
                 history: HistoryInput | None = None, neuron_fields: bool | None = None) -> np.ndarray:
    """One frame as an (height, width, 3) uint8 array, row 0 at the top of the picture.
    ``neuron_fields``: hidden neurons show their own fields (None: when their discs are large enough).

    ``view`` is the data rectangle (xmin, xmax, ymin, ymax) the field panel shows (default: the
    points' extent plus 0.5); the field is evaluated there, points outside it are clipped.
    ``history`` is what the loss panel draws, as given: a list of Snapshots, or of (epoch, loss,
    test_loss, score, test_score) rows (score: accuracy, or R² for a regression; missing values NaN), the
    current epoch (``snapshot``'s) marked; without it the panel shows ``snapshot``'s own point only.
    The context and scene are made on the first call and reused, so calling this in a loop is cheap.
    """
    global _shared
    if _shared is None:
        _shared = FrameRenderer(size, field_scale=field_scale)
    _shared.resize(size)
    _shared.scene.set_field_scale(field_scale)
    _shared.scene.title.title = title  # one's own caption: "TITLE · epoch N" instead of "Epoch N"
    _shared.scene.set_neuron_fields(neuron_fields)
    _shared.set_data(X, y, X_test, y_test, bounds=view)
    _shared.scene.set_history([snapshot] if history is None else history, whole_run=True)
    _shared.draw(snapshot, previous)
    return _shared.read_rgb()
