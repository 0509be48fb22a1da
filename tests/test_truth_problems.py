"""Every problem kind's picture proven on its own pixels, as test_truth.py does for binary classifiers:
multiclass (softmax) against predict_proba of every class, regression against predict, engineered input
features against the model fitted on them; the raw field within 1e-4 for depths 0-4 and every activation,
the displayed colours read back through the palette or the two-sided map (truth_classes.py).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import moderngl
import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

import nnviz_gl as nv
from nnviz_gl.features import feature_matrix
from nnviz_gl.render.field import FieldPass
from nnviz_gl.render.field_panel import auto_field_side
from nnviz_gl.sinks.probe import read_frames
from truth_classes import check_class_lines, check_classes, class_truth_of, invert_values
from truth_helpers import check_colours, check_line, field_view, truth_of

SIZE = (640, 360)
ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
DEPTHS = {0: (), 1: (7,), 2: (6, 6), 3: (5, 6, 5), 4: (4, 5, 5, 4)}
RAW_W, RAW_H = 48, 40
RAW_BOUNDS = (-2.5, 2.5, -2.0, 2.0)


def quiet(fit, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit(*args, **kwargs)


@dataclass(frozen=True)
class Data:
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray | None
    y_test: np.ndarray | None


def blobs(k: int, n: int = 160, seed: int = 3) -> Data:
    X, y = make_blobs(n, centers=k, cluster_std=1.6, random_state=seed)
    X = (X - X.mean(0)) / X.std(0)
    cut = n * 3 // 5
    return Data(X[:cut], y[:cut], X[cut:], y[cut:])


def surface(n: int = 160, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(seed).uniform(-2, 2, (n, 2))
    return X, np.sin(1.5 * X[:, 0]) + 0.5 * X[:, 1] ** 2


def classifier(data: Data, hidden, activation: str, epochs: int = 60) -> MLPClassifier:
    clf = MLPClassifier(hidden_layer_sizes=hidden, activation=activation, learning_rate_init=0.03, random_state=1)
    for _ in range(epochs):
        quiet(clf.partial_fit, data.X_train, data.y_train, classes=np.unique(data.y_train))
    return clf


def regressor(hidden, activation: str) -> MLPRegressor:
    X, y = surface()
    return quiet(MLPRegressor(hidden_layer_sizes=hidden, activation=activation, learning_rate_init=0.02,
                              max_iter=150, random_state=1).fit, X, y)


def with_random_weights(model, classes_varying: int = 3):
    """The raw checks need a field that varies a lot, not a good model: scikit-learn's own predict then
    judges the same (random, large) weights the shader is given. The first seed whose field has at least
    ``classes_varying`` classes' probabilities spanning 0.1 (a classifier's)."""
    for seed in range(50):
        rng = np.random.default_rng(seed)
        model.coefs_ = [rng.normal(0.0, 4.0 / np.sqrt(w.shape[0]), w.shape) for w in model.coefs_]
        model.intercepts_ = [rng.normal(0.0, 0.5, b.shape) for b in model.intercepts_]
        if not hasattr(model, "predict_proba") or (np.ptp(model.predict_proba(pixel_centres()), axis=0) > 0.1).sum() >= classes_varying:
            return model
    raise AssertionError("no seed gives a varied field")


def pixel_centres() -> np.ndarray:
    xmin, xmax, ymin, ymax = RAW_BOUNDS
    xs = xmin + (np.arange(RAW_W) + 0.5) / RAW_W * (xmax - xmin)
    ys = ymin + (np.arange(RAW_H) + 0.5) / RAW_H * (ymax - ymin)
    return np.array([(x, y) for y in ys for x in xs])


@pytest.fixture(scope="module")
def raw_target(ctx):
    ctx.__enter__()
    ctx.detect_framebuffer(0).use()  # moderngl re-binds the last bound framebuffer: not one freed since
    tex = ctx.texture((RAW_W, RAW_H), 4, dtype="f4")
    fbo = ctx.framebuffer(color_attachments=[tex])
    yield fbo
    ctx.__enter__()  # other contexts were current since: freeing these in one of them would free its objects
    ctx.detect_framebuffer(0).use()
    fbo.release()
    tex.release()


def raw_outputs(ctx: moderngl.Context, target, snapshot: nv.Snapshot) -> np.ndarray:
    """The field's raw outputs at every pixel centre: (n, k) probabilities, or (n,) values."""
    field = FieldPass(ctx)
    field.upload(snapshot)
    arch = snapshot.architecture
    groups = range(0, arch.n_classes, 4) if arch.kind == "multiclass" else [0]
    columns = []
    for first in groups:
        field.evaluate(RAW_BOUNDS, target, first_class=first)
        columns.append(np.frombuffer(target.read(components=4, dtype="f4"), np.float32).reshape(-1, 4))
    field.release()
    if arch.kind == "multiclass":
        return np.concatenate(columns, axis=1)[:, :arch.n_classes]
    return columns[0][:, 0]


# -- the raw field: every class's probability, every value ------------------------------------------------
@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_multiclass_field_equals_predict_proba_of_every_class(ctx, raw_target, depth, activation):
    clf = with_random_weights(classifier(blobs(5), DEPTHS[depth], activation, epochs=1))
    got = raw_outputs(ctx, raw_target, nv.Snapshot.from_sklearn(clf))
    want = clf.predict_proba(pixel_centres())
    assert (np.ptp(want, axis=0) > 0.1).sum() >= 3, "fewer than three classes' probabilities vary: a weak check"
    np.testing.assert_allclose(got, want, atol=1e-4)


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_regression_field_equals_predict(ctx, raw_target, depth, activation):
    reg = with_random_weights(regressor(DEPTHS[depth], activation))
    got = raw_outputs(ctx, raw_target, nv.Snapshot.from_sklearn(reg))
    want = reg.predict(pixel_centres())
    np.testing.assert_allclose(got, want, atol=1e-4 * max(1.0, np.abs(want).max()))


def test_engineered_features_are_computed_by_the_shader(ctx, raw_target):
    """A circle, learned with no hidden layer from x1^2 and x2^2; all seven features feed a multiclass model."""
    X = np.random.default_rng(0).uniform(-2, 2, (300, 2))
    inside = (X ** 2).sum(1) < 1.5
    names = ("x1^2", "x2^2")
    circle = quiet(MLPClassifier(hidden_layer_sizes=(), learning_rate_init=0.05, max_iter=400, random_state=0).fit,
                   feature_matrix(X, names), inside)
    got = raw_outputs(ctx, raw_target, nv.Snapshot.from_sklearn(circle, features=names))
    want = circle.predict_proba(feature_matrix(pixel_centres(), names))[:, 1]
    assert circle.score(feature_matrix(X, names), inside) > 0.95
    np.testing.assert_allclose(got, want, atol=1e-4)
    every = ("sin(x2)", "x1*x2", "x1", "x2^2", "sin(x1)", "x2", "x1^2")
    data = blobs(3)
    clf = quiet(MLPClassifier(hidden_layer_sizes=(5,), max_iter=60, random_state=0).fit,
                feature_matrix(data.X_train, every), data.y_train)
    got = raw_outputs(ctx, raw_target, nv.Snapshot.from_sklearn(clf, features=every))
    np.testing.assert_allclose(got, clf.predict_proba(feature_matrix(pixel_centres(), every)), atol=1e-4)


# -- what the frame shows ------------------------------------------------------------------------------
EXACT = {"lead_margin": 0.03, "max_lead_error": 0.05}


def texel_px(size=SIZE, X=None, X_test=None) -> float:
    view = field_view(size, X, X_test)
    return view.w / auto_field_side(max(view.w, view.h))


def keep_from_line(view, texel: float, extra: float = 0.0) -> float:
    return view.line_px / 2 + 1.5 * texel + 1.0 + extra


def check_multiclass_frame(rgb, clf, data: Data, decoded: bool = False) -> dict:
    view = field_view((rgb.shape[1], rgb.shape[0]), data.X_train, data.X_test, n_classes=len(clf.classes_))
    reach = 4.0 if decoded else 0.0
    truth = class_truth_of(rgb, view, clf.predict_proba, np.concatenate([x for x in (data.X_train, data.X_test) if x is not None]), reach)
    keep = keep_from_line(view, view.w / auto_field_side(max(view.w, view.h)), reach)
    measured = check_classes(truth, keep_from_line_px=keep, **(
        {"lead_margin": 0.08, "max_lead_error": 0.4, "max_residual": 64.0,
         "max_wrong_share": 0.001} if decoded else EXACT))
    if not decoded:
        measured.update(check_class_lines(truth))
    return measured


@pytest.mark.parametrize("hidden, activation", [((8, 8), a) for a in ACTIVATIONS]
                         + [(DEPTHS[d], "tanh") for d in (0, 1, 3, 4)])
def test_render_frame_shows_every_classes_predict_proba(hidden, activation):
    data = blobs(4)
    clf = classifier(data, hidden, activation)
    rgb = nv.render_frame(nv.Snapshot.from_sklearn(clf), data.X_train, data.y_train, data.X_test, data.y_test,
                          size=SIZE)
    measured = check_multiclass_frame(rgb, clf, data)
    assert measured["classes_seen"] == 4


def test_a_model_fitted_on_its_own_labels_is_drawn_through_its_classes():
    """Labels {1, 2} (binary) and strings (multiclass): the points take their class's colour, the field the
    same colours; the same frame as the model fitted on indices."""
    data = blobs(3)
    names = np.array(["cat", "dog", "emu"])
    by_index = classifier(data, (6,), "tanh")
    by_name = classifier(Data(data.X_train, names[data.y_train], data.X_test, names[data.y_test]),
                         (6,), "tanh")
    frames = [nv.render_frame(nv.Snapshot.from_sklearn(m), data.X_train, labels, size=(320, 180))
              for m, labels in ((by_index, data.y_train), (by_name, names[data.y_train]))]
    view = field_view((320, 180), data.X_train, n_classes=3)
    field = ~view.legend_mask()  # the legends differ: "class 0" ... beside "cat" ...
    np.testing.assert_array_equal(view.crop(frames[0])[field], view.crop(frames[1])[field])
    assert (view.crop(frames[0]) != view.crop(frames[1])).any(), "the legend does not name the classes"
    binary = Data(data.X_train, 1 + (data.y_train > 0), data.X_test, 1 + (data.y_test > 0))
    clf = classifier(binary, (6,), "tanh")
    assert list(clf.classes_) == [1, 2]
    rgb = nv.render_frame(nv.Snapshot.from_sklearn(clf), binary.X_train, binary.y_train, size=SIZE)
    view = field_view(SIZE, binary.X_train)
    truth = truth_of(rgb, view, lambda X: clf.predict_proba(X)[:, 1], binary.X_train)
    check_colours(truth, keep_from_line_px=keep_from_line(view, texel_px(SIZE, binary.X_train)),
                  sign_margin=0.02, max_t_error=0.05, min_spearman=0.995)


def test_the_class_checks_catch_a_wrong_picture():
    data = blobs(4)
    clf, other = classifier(data, (8, 8), "tanh"), classifier(data, (8, 8), "relu", epochs=3)
    rgb = nv.render_frame(nv.Snapshot.from_sklearn(clf), data.X_train, data.y_train, size=SIZE)
    with pytest.raises(AssertionError):
        check_multiclass_frame(rgb, other, Data(data.X_train, data.y_train, None, None))
    swapped = rgb.copy()
    view = field_view(SIZE, data.X_train, n_classes=4)
    panel = view.crop(swapped)
    panel[:] = panel[:, ::-1]
    with pytest.raises(AssertionError):
        check_multiclass_frame(swapped, clf, Data(data.X_train, data.y_train, None, None))


@pytest.mark.parametrize("hidden, activation", [((10, 10), "tanh"), ((10, 10), "relu"), ((), "relu"),
                                                ((8,), "logistic"), ((6, 6, 6, 6), "tanh")])
def test_render_frame_shows_a_regressors_predict(hidden, activation):
    reg = regressor(hidden, activation)
    X, y = surface()
    rgb = nv.render_frame(nv.Snapshot.from_sklearn(reg), X, y, size=SIZE)
    view = field_view(SIZE, X)
    low, high = y.min(), y.max()
    value, residual = invert_values(view.crop(rgb), low, high)
    want = reg.predict(view.data_at_pixels().reshape(-1, 2)).reshape(view.h, view.w)
    far = truth_of(rgb, view, lambda P: np.zeros(len(P)), X).near_point  # where no point's disc reaches
    inside = ~far & (want > low + 0.02 * (high - low)) & (want < high - 0.02 * (high - low))
    inside[:2], inside[-2:], inside[:, :2], inside[:, -2:] = False, False, False, False
    assert inside.sum() > 20_000 and np.ptp(want[inside]) > 0.5 * (high - low)
    assert residual[inside].max() <= 12.0
    error = np.abs(value - want)[inside] / (high - low)
    assert error.max() <= 0.03, f"values off by up to {error.max():.3f} of the range"
    outside = ~far & (want > high)  # beyond the targets' range: the map's end, not a wrap-around
    if outside.any():
        assert (value[outside] > high - 0.03 * (high - low)).all()


def test_a_features_model_is_drawn_true():
    X = np.random.default_rng(0).uniform(-2, 2, (200, 2))
    inside = ((X ** 2).sum(1) < 1.5).astype(int)
    names = ("x1^2", "x2^2")
    clf = quiet(MLPClassifier(hidden_layer_sizes=(), learning_rate_init=0.05, max_iter=80, random_state=0).fit,
                feature_matrix(X, names), inside)
    rgb = nv.render_frame(nv.Snapshot.from_sklearn(clf, features=names), X, inside, size=SIZE)
    view = field_view(SIZE, X)
    truth = truth_of(rgb, view, lambda P: clf.predict_proba(feature_matrix(P, names))[:, 1], X)
    check_colours(truth, keep_from_line_px=keep_from_line(view, texel_px(SIZE, X)), sign_margin=0.02,
                  max_t_error=0.05, min_spearman=0.995)
    check_line(truth)


# -- decoded video -------------------------------------------------------------------------------------
def test_video_recorder_frames_show_multiclass_and_regression_truly(tmp_path):
    data = blobs(4)
    clf = classifier(data, (8, 8), "tanh")
    path = tmp_path / "classes.mp4"
    with nv.VideoRecorder(path, data.X_train, data.y_train, data.X_test, data.y_test, size=SIZE) as recorder:
        recorder.publish(nv.Snapshot.from_sklearn(clf, epoch=1))
    check_multiclass_frame(read_frames(path)[-1], clf, data, decoded=True)

    reg = regressor((10, 10), "tanh")
    X, y = surface()
    path = tmp_path / "values.mp4"
    with nv.VideoRecorder(path, X, y, size=SIZE) as recorder:
        recorder.publish(nv.Snapshot.from_sklearn(reg, epoch=1))
    decoded = read_frames(path)[-1]
    expected = nv.render_frame(nv.Snapshot.from_sklearn(reg, epoch=1), X, y, size=SIZE)
    assert np.abs(decoded.astype(int) - expected).mean() <= 8.0


# -- the live window ---------------------------------------------------------------------------------
def test_the_window_shows_a_multiclass_model_truly(display):
    """The window's back buffer at the video's field resolution: the same truth as render_frame."""
    from test_truth_window import window_frame

    data = blobs(4)
    clf = classifier(data, (8, 8), "tanh")
    rgb, _ = window_frame(nv.Snapshot.from_sklearn(clf), data, field_scale=None)
    assert check_multiclass_frame(rgb, clf, data)["classes_seen"] == 4
