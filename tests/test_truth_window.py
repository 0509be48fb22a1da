"""The live window's framebuffer against scikit-learn and against the video (Xvfb, Mesa's GLX): the same
truth as test_truth.py, at the video's field resolution and at the window's own; and a window and
render_frame in one process, in either order, each drawing the real picture.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnviz_gl as nv
from nnviz_gl.render import frame as frame_module
from nnviz_gl.render.style import WINDOW_FIELD_SCALE
from nnviz_gl.sinks.probe import read_frames
from test_truth import CODEC_MEAN_LEVELS, SIZE, auto_texel_px, check_frame, fitted, frame_of, points
from truth_helpers import field_view, truth_of

# A window and an offscreen frame of the same snapshot at the same field resolution: both llvmpipe, the
# panel drawn in one pass in one and copied in the other (measured: 2 levels at most).
SAME_LEVELS = 3


@pytest.fixture(scope="module")
def moons() -> nv.Dataset:
    return nv.make_dataset("moons", n_samples=120, seed=0)


@pytest.fixture(scope="module")
def models(moons) -> dict[str, object]:
    return {act: fitted(moons, (8, 8), act) for act in ("logistic", "relu")}


def window_frame(snapshot: nv.Snapshot, data: nv.Dataset, field_scale: float | None) -> tuple[np.ndarray, float]:
    """What a window shows of ``snapshot`` (its back buffer), and its field texels' size in pixels."""
    with nv.Viewer(SIZE, visible=False, vsync=False, field_scale=field_scale) as viewer:
        viewer.set_data(data.X_train, data.y_train, data.X_test, data.y_test)
        viewer.show(snapshot)
        assert viewer.draw()
        texel_px = field_view(SIZE, data.X_train, data.X_test).w / viewer.scene.field.texture.width
        return viewer.read_rgb(), texel_px


def assert_same(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.reshape(-1, 3).std(axis=0).min() > 30, f"{what}: a blank frame"
    worst = np.abs(got.astype(int) - want).max()
    assert worst <= SAME_LEVELS, f"{what}: {worst} levels from render_frame's picture"


@pytest.fixture(scope="module")
def video_frames(models, moons, tmp_path_factory) -> dict[str, np.ndarray]:
    path = tmp_path_factory.mktemp("window") / "models.mp4"
    with nv.VideoRecorder(path, moons.X_train, moons.y_train, moons.X_test, moons.y_test, size=SIZE) as recorder:
        for clf in models.values():
            recorder.publish(nv.Snapshot.from_sklearn(clf))
    return dict(zip(models, read_frames(path)))


@pytest.mark.parametrize("activation", ["logistic", "relu"])
def test_window_shows_render_frames_picture_and_predict_proba(display, models, moons, video_frames, activation):
    clf = models[activation]
    snapshot = nv.Snapshot.from_sklearn(clf)
    rgb, texel_px = window_frame(snapshot, moons, field_scale=None)  # the video's field resolution
    assert texel_px == auto_texel_px(field_view(SIZE, moons.X_train, moons.X_test))
    assert_same(rgb, frame_of(snapshot, moons), "the window")
    check_frame(rgb, clf, moons, texel_px)
    assert np.abs(rgb.astype(int) - video_frames[activation]).mean() <= CODEC_MEAN_LEVELS


@pytest.mark.parametrize("activation", ["logistic", "relu"])
def test_window_at_its_own_field_resolution(display, models, moons, video_frames, activation):
    """The window's default field (0.35 texels a pixel): the same truth, the same picture as the video
    away from the p = 0.5 line (where the coarser field moves the line's anti-aliased edge a little)."""
    clf = models[activation]
    snapshot = nv.Snapshot.from_sklearn(clf)
    rgb, texel_px = window_frame(snapshot, moons, field_scale=WINDOW_FIELD_SCALE)
    assert texel_px > 2.5, "the window's own field is coarser than the video's"
    check_frame(rgb, clf, moons, texel_px)
    view = field_view(SIZE, moons.X_train, moons.X_test)
    render = frame_of(snapshot, moons)
    outside = np.ones(rgb.shape[:2], bool)
    view.crop(outside)[:] = False
    assert np.abs(rgb[outside].astype(int) - render[outside]).max() <= SAME_LEVELS, "outside the field panel"
    truth = truth_of(rgb, view, lambda X: clf.predict_proba(X)[:, 1], points(moons))
    plain = np.abs(truth.p - 0.5) > 0.1
    panel_diff = np.abs(view.crop(rgb).astype(int) - view.crop(render))[plain & ~truth.near_point]
    assert np.percentile(panel_diff, 99.9) <= SAME_LEVELS, "the field's colours, away from the line and points"
    assert np.abs(rgb.astype(int) - video_frames[activation]).mean() <= CODEC_MEAN_LEVELS, "against the mp4"


# -- a window and render_frame in one process ------------------------------------------------------
def test_render_frame_and_a_window_in_either_order_draw_the_real_picture(display, models, moons, monkeypatch):
    """Each of: render_frame before a window, with one open (its context made before, and made while the
    window is open), after it closed; and windows opened after render_frame. Every picture is the one a
    fresh render_frame draws (and that one is predict_proba's)."""
    clf = models["relu"]
    snapshot = nv.Snapshot.from_sklearn(clf)
    before, renderers = frame_module._shared, []  # the session's own is put back (monkeypatch), ours released

    def fresh_render_frame() -> np.ndarray:
        """render_frame in a fresh state: its context and scene made by this call."""
        if frame_module._shared not in (None, before):
            renderers.append(frame_module._shared)
        monkeypatch.setattr(frame_module, "_shared", None)
        return frame_of(snapshot, moons)

    def window() -> nv.Viewer:
        viewer = nv.Viewer(SIZE, visible=False, vsync=False, field_scale=None)
        viewer.set_data(moons.X_train, moons.y_train, moons.X_test, moons.y_test)
        viewer.show(snapshot)
        assert viewer.draw()
        return viewer

    try:
        reference = fresh_render_frame()
        check_frame(reference, clf, moons, auto_texel_px(field_view(SIZE, moons.X_train, moons.X_test)))
        with window() as viewer:  # a window after render_frame
            shown = viewer.read_rgb()
            assert_same(shown, reference, "a window opened after render_frame")
            assert_same(frame_of(snapshot, moons), reference, "render_frame while a window is open")
            assert_same(fresh_render_frame(), reference, "a first render_frame while a window is open")
            assert viewer.draw()  # from its second frame on the window adds its heads-up line: compare the field
            view = field_view(SIZE, moons.X_train, moons.X_test)
            assert_same(view.crop(viewer.read_rgb()), view.crop(shown), "the window after render_frame drew")
        assert_same(frame_of(snapshot, moons), reference, "render_frame after the window closed")
        assert_same(fresh_render_frame(), reference, "a first render_frame after a window closed")
        with window() as viewer:  # and a window again, after all of them
            assert_same(viewer.read_rgb(), shown, "a second window")
            assert_same(frame_of(snapshot, moons), reference, "render_frame with the second window open")
    finally:
        for renderer in [*renderers, frame_module._shared]:
            if renderer not in (None, before):
                renderer._make_current()  # its own context, whatever the test left current
                renderer.release()

