"""The picture is proven on its own pixels: the field a user sees, read back from the colours of real
frames (render_frame, VideoRecorder's mp4, `nnviz-gl render`'s mp4), against scikit-learn's
predict_proba for real MLPClassifiers with hidden layers and every activation.

How a pixel maps to data and a colour to a probability lives in truth_helpers.py. The window's frames
are checked in test_truth_window.py.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import nnviz_gl as nv
from nnviz_gl.render.capabilities import capabilities
from nnviz_gl.render.field_panel import auto_field_side
from nnviz_gl.sinks.probe import read_frames
from truth_helpers import FieldView, check_colours, check_line, field_view, truth_of

SIZE = (640, 360)
ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
# Lossless frames: the sign is right wherever |p - 0.5| > 0.02, the strength |2p - 1| within 0.05
# (measured: 0.017), the line within 1.5 px of p = 0.5 (measured: 1.02 px).
EXACT = {"sign_margin": 0.02, "max_t_error": 0.05, "min_spearman": 0.995}
# Decoded H.264 at the default crf (23), yuv420p: colours blur across 2x2 chroma blocks and ring around
# the points' white outlines, so the checks keep 4 px further from points and line and ask for: the sign
# beyond |p - 0.5| > 0.05 at all but 0.05 % of the pixels (a few chroma blocks near points take the other
# class's hue: measured up to 5 pixels of ~70,000), the strength within 0.12 at 99.9 % of the pixels and
# 0.4 at all (measured: 0.09 and 0.26), colours within 64 levels of the map (measured: 51), ranks agreeing
# to 0.97 (measured: 0.976 to 0.982 for the relu model, as the rest of the frame gives the encoder more or less to do).
DECODED = {"sign_margin": 0.05, "max_wrong_share": 0.0005, "max_t_error": 0.4, "p999_t_error": 0.12,
           "min_spearman": 0.97, "max_residual": 64.0}
DECODED_REACH_PX = 4.0
# A decoded frame against render_frame of the same snapshot, in colour levels (measured: 3-5 on average).
CODEC_MEAN_LEVELS = 8.0


def quiet(fit, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit(*args, **kwargs)


@pytest.fixture(scope="module")
def moons() -> nv.Dataset:
    return nv.make_dataset("moons", n_samples=120, seed=0)


def fitted(data: nv.Dataset, hidden: tuple[int, ...], activation: str, epochs: int = 40) -> MLPClassifier:
    """A real MLPClassifier after ``epochs`` partial_fit calls: curved boundaries, p across most of 0..1."""
    clf = MLPClassifier(hidden_layer_sizes=hidden, activation=activation, learning_rate_init=0.03, random_state=1)
    for _ in range(epochs):
        quiet(clf.partial_fit, data.X_train, data.y_train, classes=[0, 1])
    return clf


@pytest.fixture(scope="module")
def models(moons) -> dict[str, MLPClassifier]:
    shapes = {"identity": (6, 6), "logistic": (8, 8), "tanh": (8, 8), "relu": (5, 10, 5)}
    return {act: fitted(moons, shapes[act], act) for act in ACTIVATIONS}


def with_weights(template: MLPClassifier, snapshot: nv.Snapshot) -> MLPClassifier:
    """scikit-learn's own predict_proba for a snapshot: a fitted classifier of its shape given its weights."""
    template.coefs_ = [np.array(w) for w in snapshot.weights]
    template.intercepts_ = [np.array(b) for b in snapshot.biases]
    return template


def proba(clf: MLPClassifier):
    return lambda X: clf.predict_proba(X)[:, 1]


def points(data: nv.Dataset) -> np.ndarray:
    return np.concatenate([data.X_train, data.X_test])


def auto_texel_px(view: FieldView) -> float:
    """Output pixels per field texel at render_frame's automatic field resolution."""
    return view.w / auto_field_side(max(view.w, view.h))


def keep_from_line(view: FieldView, texel_px: float, extra: float = 0.0) -> float:
    """How far from p = 0.5 a pixel shows only its own side: the line's half width, and the one texel of the
    bilinearly stretched field on either side of the crossing that mixes both sides' colours."""
    return view.line_px / 2 + 1.5 * texel_px + 1.0 + extra


def check_frame(rgb: np.ndarray, clf: MLPClassifier, data: nv.Dataset, texel_px: float,
                decoded: bool = False) -> dict[str, float]:
    view = field_view((rgb.shape[1], rgb.shape[0]), data.X_train, data.X_test)
    reach = DECODED_REACH_PX if decoded else 0.0
    truth = truth_of(rgb, view, proba(clf), points(data), extra_reach_px=reach)
    assert np.ptp(truth.p) > 0.6, "the model's field is nearly flat here: the check would say little"
    measured = check_colours(truth, keep_from_line_px=keep_from_line(view, texel_px, reach),
                             **(DECODED if decoded else EXACT))
    measured.update(check_line(truth))
    return measured


def frame_of(snapshot: nv.Snapshot, data: nv.Dataset, previous: nv.Snapshot | None = None, **kwargs) -> np.ndarray:
    return nv.render_frame(snapshot, data.X_train, data.y_train, data.X_test, data.y_test, previous=previous,
                           size=kwargs.pop("size", SIZE), **kwargs)


# -- render_frame ---------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_render_frame_shows_predict_proba(models, moons, activation):
    clf = models[activation]
    rgb = frame_of(nv.Snapshot.from_sklearn(clf, epoch=40), moons)
    check_frame(rgb, clf, moons, auto_texel_px(field_view(SIZE, moons.X_train, moons.X_test)))


def test_render_frame_at_a_coarse_field_and_a_tall_frame(models, moons):
    """Another layout (stacked panels) and a field of ~0.35 texels per pixel: the same truth."""
    clf = models["tanh"]
    size = (480, 640)
    rgb = frame_of(nv.Snapshot.from_sklearn(clf), moons, size=size, field_scale=0.35)
    check_frame(rgb, clf, moons, texel_px=1 / 0.35)


def test_the_checks_catch_a_wrong_picture(models, moons):
    """The checks fail on a frame beside another model, with the classes swapped, and upside down."""
    clf = models["tanh"]
    rgb = frame_of(nv.Snapshot.from_sklearn(clf), moons)
    view = field_view(SIZE, moons.X_train, moons.X_test)
    keep = keep_from_line(view, auto_texel_px(view))
    with pytest.raises(AssertionError):
        check_frame(rgb, models["relu"], moons, auto_texel_px(view))
    swapped = truth_of(rgb, view, lambda X: clf.predict_proba(X)[:, 0], points(moons))
    with pytest.raises(AssertionError, match="wrong class"):
        check_colours(swapped, keep_from_line_px=keep, **EXACT)
    flipped = rgb.copy()
    view.crop(flipped)[:] = view.crop(rgb)[::-1]
    with pytest.raises(AssertionError):
        check_frame(flipped, clf, moons, auto_texel_px(view))


# -- VideoRecorder --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def recorded(models, moons, tmp_path_factory):
    """One mp4 of a snapshot of each model (VideoRecorder's defaults), decoded."""
    path = tmp_path_factory.mktemp("truth") / "models.mp4"
    snapshots = [nv.Snapshot.from_sklearn(models[a], epoch=i + 1) for i, a in enumerate(ACTIVATIONS)]
    with nv.VideoRecorder(path, moons.X_train, moons.y_train, moons.X_test, moons.y_test, size=SIZE) as recorder:
        for snapshot in snapshots:
            recorder.publish(snapshot)
    return snapshots, read_frames(path)


def assert_same_picture(decoded: np.ndarray, expected: np.ndarray, other: np.ndarray, view: FieldView) -> None:
    """Within codec tolerance of ``expected``; and in the field panel clearly nearer to it than to ``other``."""
    own = np.abs(decoded.astype(int) - expected).mean()
    assert own <= CODEC_MEAN_LEVELS, f"decoded frame differs from render_frame by {own:.1f} levels on average"
    near = np.abs(view.crop(decoded).astype(int) - view.crop(expected)).mean()
    far = np.abs(view.crop(decoded).astype(int) - view.crop(other)).mean()
    assert near * 2 < far, f"the comparison cannot tell the pictures apart ({near:.1f} vs {far:.1f} levels)"


def test_video_recorder_frames_are_render_frame_and_predict_proba(models, moons, recorded):
    snapshots, frames = recorded
    assert len(frames) == len(snapshots)
    expected = [frame_of(s, moons, previous=p) for s, p in zip(snapshots, [None, *snapshots[:-1]])]
    view = field_view(SIZE, moons.X_train, moons.X_test)
    for i, activation in enumerate(ACTIVATIONS):
        assert_same_picture(frames[i], expected[i], expected[i - 1], view)
        check_frame(frames[i], models[activation], moons, auto_texel_px(view), decoded=True)


# -- nnviz-gl render --------------------------------------------------------------------------------
def nnviz_gl() -> list[str]:
    script = Path(sys.executable).with_name("nnviz-gl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "nnviz_gl.cli"]


def recorded_cli_render(tmp_path, *options: str):
    """``nnviz-gl render --record`` of 24 epochs of moons (8-8 tanh) at 640x360 with ``options``: the decoded
    frames, the recorded snapshots, the data, and a classifier of that shape to give their weights."""
    out, run = tmp_path / "run.mp4", tmp_path / "run.nnviz"
    done = subprocess.run([*nnviz_gl(), "render", "-o", str(out), "--record", str(run), "-r", "640,360", *options,
                           "--dataset", "moons", "--samples", "120", "--hidden", "8,8", "--activation", "tanh",
                           "--learning-rate", "0.05", "--epochs", "24", "--no-progress"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    frames = read_frames(out)
    reader = nv.TrajectoryReader(run)
    snapshots = list(reader)
    assert len(frames) == len(snapshots) == 24
    data = nv.Dataset(reader.X, reader.y, reader.X_test, reader.y_test)
    template = quiet(MLPClassifier((8, 8), activation="tanh", max_iter=1).fit, data.X_train, data.y_train)
    return frames, snapshots, data, template


def test_cli_render_frames_are_the_recorded_snapshots_and_predict_proba(tmp_path):
    frames, snapshots, data, template = recorded_cli_render(tmp_path)
    view = field_view(SIZE, data.X_train, data.X_test)
    first = frame_of(snapshots[0], data)
    for i in (8, 16, 23):  # the field has taken shape by then
        expected = frame_of(snapshots[i], data, previous=snapshots[i - 1])
        assert_same_picture(frames[i], expected, first, view)
        check_frame(frames[i], with_weights(template, snapshots[i]), data, auto_texel_px(view), decoded=True)


# -- networks past llvmpipe's 65,535 loop turns ------------------------------------------------------
def test_a_256_by_256_network_is_drawn_right(moons):
    """2-256-256-1: 65,536 weights in one layer pair, more loop turns than llvmpipe allows a shader (the
    raw-float tests in test_field.py go to 512x512; this is what a user sees)."""
    clf = fitted(moons, (256, 256), "relu", epochs=3)
    rgb = frame_of(nv.Snapshot.from_sklearn(clf), moons, field_scale=0.2)  # ~4,000 texels of 66,000 weights
    check_frame(rgb, clf, moons, texel_px=1 / 0.2)


def test_cli_refuses_a_network_it_cannot_draw_in_one_line(ctx, tmp_path):
    """Where shader loops are limited (llvmpipe), a network past what the field shader can lay out within the
    limit is one clear line before any frame, not a wrong picture (GPU drivers draw it: nothing to refuse)."""
    if not capabilities(ctx).shader_loop_limit:
        pytest.skip("this driver has no loop limit: the network is drawn")
    out = tmp_path / "wide.mp4"
    done = subprocess.run([*nnviz_gl(), "render", "-o", str(out), "-r", "160,96", "--hidden", "20000",
                           "--epochs", "2", "--no-progress"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [(
        "nnviz-gl: error: a 2-20000-1 network is too large to draw its field on this software renderer (it stops "
        "a shader after 65,535 loop turns; this one needs 80,086): use fewer or narrower hidden layers, or a GPU")]
    assert not out.exists() and not list(tmp_path.glob("*.mp4"))
