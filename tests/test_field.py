"""The field pass on real GL: the shader's MLP against scikit-learn at pixel centres, probes, recompiles."""

from __future__ import annotations

import warnings

import moderngl
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import nnviz_gl as nv
from nnviz_gl.render.capabilities import capabilities
from nnviz_gl.render.field import FieldPass
from nnviz_gl.render.field_defines import (
    LOOP_BUDGET,
    NetworkTooLargeError,
    field_defines,
    loop_turns,
    pack_parameters,
    sum_step,
)

W, H = 24, 16                       # a small float framebuffer: 384 pixel centres per case
BOUNDS = (-3.0, 2.5, -2.0, 3.0)     # deliberately not symmetric, so a flipped axis shows


@pytest.fixture(autouse=True)
def _session_context_current(ctx):
    """render_frame (README examples, the API tests) leaves its own context current on this thread."""
    ctx.__enter__()


def fitted_classifier(hidden: tuple[int, ...], activation: str, seed: int = 0) -> MLPClassifier:
    """A real MLPClassifier after one partial_fit, its weights scaled up until the field spans 0..1."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    clf = MLPClassifier(hidden_layer_sizes=hidden, activation=activation, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.partial_fit(X, y, classes=[0, 1])
    coefs = list(clf.coefs_)
    clf.intercepts_ = [b + rng.normal(scale=0.3, size=b.shape) for b in clf.intercepts_]
    for gain in (2.5, 4.0, 6.0, 9.0, 14.0):
        clf.coefs_ = [w * gain for w in coefs]
        # Centre the output so that the decision boundary crosses the picture.
        clf.intercepts_[-1] = clf.intercepts_[-1] - np.median(logits(clf, pixel_centres()))
        if np.ptp(clf.predict_proba(pixel_centres())[:, 1]) > 0.3:
            break
    return clf


def pixel_centres(bounds=BOUNDS, size=(W, H)) -> np.ndarray:
    """Data coordinates of every pixel centre, rows in GL order (row 0 = bottom)."""
    xmin, xmax, ymin, ymax = bounds
    w, h = size
    xs = xmin + (np.arange(w) + 0.5) / w * (xmax - xmin)
    ys = ymin + (np.arange(h) + 0.5) / h * (ymax - ymin)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


@pytest.fixture(scope="module")
def float_target(ctx):
    ctx.__enter__()  # module fixtures are made before the per-test one that makes ctx current
    tex = ctx.texture((W, H), 2, dtype="f4")
    fbo = ctx.framebuffer(color_attachments=[tex])
    yield fbo
    ctx.__enter__()  # other contexts were current since: freeing these in one of them would free its objects
    ctx.detect_framebuffer(0).use()  # never leave a deleted framebuffer bound (moderngl re-binds it later)
    fbo.release()
    tex.release()


def evaluate(field: FieldPass, fbo: moderngl.Framebuffer, bounds=BOUNDS) -> np.ndarray:
    """(H*W, 2): probability (or probe display value) and logit, rows in GL order like pixel_centres."""
    fbo.clear(-7.0, -7.0, 0.0, 0.0)  # a value the shader never writes, so an undrawn pixel fails
    field.evaluate(bounds, fbo)
    raw = fbo.read(components=2, dtype="f4")
    return np.frombuffer(raw, np.float32).reshape(-1, 2).astype(np.float64)


def logits(clf: MLPClassifier, X: np.ndarray) -> np.ndarray:
    h = X
    for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        h = h @ w + b
        if i < len(clf.coefs_) - 1:
            h = {"identity": lambda v: v, "logistic": lambda v: 1 / (1 + np.exp(-v)),
                 "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0)}[clf.activation](h)
    return h[:, 0]


# Every activation on a shallow net (uniform parameters) and on a wide one (the parameter-texture
# path); plus the deeper shapes. Few distinct shapes on purpose: on llvmpipe each new shape costs up
# to seconds of shader JIT on a cold Mesa cache, and one FieldPass per shape is shared below.
CASES = [((3,), a) for a in ("identity", "logistic", "tanh", "relu")] + [
    ((5, 10, 5), "relu"),
    ((16, 16, 16), "tanh"),
] + [((64, 64), a) for a in ("identity", "logistic", "tanh", "relu")] + [((128, 128), "logistic")]


@pytest.fixture(scope="module")
def field_for(ctx):
    """One FieldPass per architecture for this module: uploads of other snapshots are writes."""
    passes: dict = {}

    def get(snapshot: nv.Snapshot) -> FieldPass:
        arch = snapshot.architecture
        if arch not in passes:
            passes[arch] = FieldPass(ctx)
        field = passes[arch]
        field.upload(snapshot)
        field.set_probe(None)
        return field

    return get


@pytest.mark.parametrize("hidden, activation", CASES, ids=lambda v: "-".join(map(str, v)) if isinstance(v, tuple) else v)
def test_gpu_field_equals_predict_proba(field_for, float_target, hidden, activation):
    clf = fitted_classifier(hidden, activation)
    field = field_for(nv.Snapshot.from_sklearn(clf))
    X = pixel_centres()
    got = evaluate(field, float_target)
    want = clf.predict_proba(X)[:, 1]
    assert np.ptp(want) > 0.3, "the reference field is nearly flat: the comparison would say little"
    np.testing.assert_allclose(got[:, 0], want, atol=1e-4, rtol=0)
    # The second channel is the output's logit (the boundary is drawn from it).
    z = logits(clf, X)
    np.testing.assert_allclose(got[:, 1], z, atol=1e-3 + 1e-4 * np.abs(z).max(), rtol=0)
    uses_texture = field._params_tex is not None
    assert uses_texture == (pack_parameters(nv.Snapshot.from_sklearn(clf)).size > 4 * field._max_uniform_vec4)
    if hidden[0] >= 64:
        assert uses_texture, "a 64-wide network should exceed the uniform budget and read a texture"
    else:
        assert not uses_texture


def test_field_follows_bounds_and_rows_start_at_the_bottom(ctx, float_target):
    """p = sigmoid(x2) increases with the row index in GL order, and bounds move the picture."""
    snap = nv.Snapshot(weights=[np.array([[0.0], [1.0]])], biases=[np.zeros(1)], activation="relu")
    field = FieldPass(ctx)
    field.upload(snap)
    for bounds in (BOUNDS, (10.0, 11.0, -0.5, 0.25)):
        got = evaluate(field, float_target, bounds)[:, 0].reshape(H, W)
        ys = pixel_centres(bounds)[:, 1].reshape(H, W)
        np.testing.assert_allclose(got, 1 / (1 + np.exp(-ys)), atol=1e-5)
        assert (np.diff(got[:, 0]) > 0).all()


def hidden_outputs(snap: nv.Snapshot, X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(pre-activation, activation) of every hidden layer, numpy reference."""
    act = {"identity": lambda v: v, "logistic": lambda v: 1 / (1 + np.exp(-v)),
           "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0)}[snap.activation]
    out, h = [], X
    for w, b in zip(snap.weights[:-1], snap.biases[:-1]):
        z = h @ w + b
        h = act(z)
        out.append((z, h))
    return out


DISPLAY = {  # the shader's mapping of a hidden activation onto -1..1
    "identity": np.tanh,
    "logistic": lambda h: 2 * h - 1,
    "tanh": lambda h: h,
    "relu": np.tanh,
}


@pytest.mark.parametrize("hidden, activation", [((5, 10, 5), "relu"), ((16, 16, 16), "tanh"),
                                                ((64, 64), "identity"), ((64, 64), "logistic")])
def test_probe_shows_one_neurons_activation(field_for, float_target, hidden, activation):
    snap = nv.Snapshot.from_sklearn(fitted_classifier(hidden, activation, seed=3))
    field = field_for(snap)
    compiles = field.compiles
    X = pixel_centres()
    reference = hidden_outputs(snap, X)
    for layer, j in ((1, 2), (2, 3), (len(hidden), 0)):
        field.set_probe((layer, j))
        assert field.probe == (layer, j)
        got = evaluate(field, float_target)
        z, h = reference[layer - 1][0][:, j], reference[layer - 1][1][:, j]
        np.testing.assert_allclose(got[:, 0], 0.5 + 0.5 * DISPLAY[activation](h), atol=1e-4)
        np.testing.assert_allclose(got[:, 1], z, atol=1e-4)
    # Back to the model's output: the probe is a uniform, and None resets it.
    field.set_probe(None)
    np.testing.assert_allclose(evaluate(field, float_target)[:, 0], snap.forward(X), atol=1e-4)
    assert field.compiles == compiles


def test_probe_of_input_or_output_is_the_model_and_bad_neurons_are_refused(ctx, float_target):
    snap = nv.Snapshot.from_sklearn(fitted_classifier((4,), "tanh"))
    field = FieldPass(ctx)
    with pytest.raises(RuntimeError, match="before any snapshot"):
        field.set_probe((1, 0))
    field.upload(snap)
    model = evaluate(field, float_target)
    for neuron in ((0, 1), (2, 0)):
        field.set_probe(neuron)
        assert field.probe is None
        np.testing.assert_array_equal(evaluate(field, float_target), model)
    for bad in ((1, 4), (3, 0), (-1, 0), (1, -1)):
        with pytest.raises(ValueError, match="no neuron"):
            field.set_probe(bad)


def test_a_new_snapshot_is_a_write_not_a_recompile(ctx, float_target):
    field = FieldPass(ctx)
    X = pixel_centres()
    for seed in range(6):
        snap = nv.Snapshot.from_sklearn(fitted_classifier((3,), "tanh", seed=seed))
        field.upload(snap)
        # Each upload really lands: the field follows the new weights.
        np.testing.assert_allclose(evaluate(field, float_target)[:, 0], snap.forward(X), atol=1e-4)
    assert field.compiles == 1
    field.upload(nv.Snapshot.from_sklearn(fitted_classifier((4,), "tanh")))
    assert field.compiles == 2
    field.upload(nv.Snapshot.from_sklearn(fitted_classifier((4,), "relu")))
    assert field.compiles == 3, "the activation is compiled in: changing it must recompile"
    big = nv.Snapshot.from_sklearn(fitted_classifier((64, 64), "relu"))
    for _ in range(3):
        field.upload(big)
    assert field.compiles == 4
    np.testing.assert_allclose(evaluate(field, float_target)[:, 0], big.forward(X), atol=1e-4)


def test_evaluate_before_upload_is_an_error(ctx, float_target):
    with pytest.raises(RuntimeError, match="before any snapshot"):
        FieldPass(ctx).evaluate(BOUNDS, float_target)


def test_pack_parameters_layout():
    w1 = np.arange(6.0).reshape(2, 3)
    w2 = np.arange(3.0).reshape(3, 1) + 10
    snap = nv.Snapshot(weights=[w1, w2], biases=[np.array([-1.0, -2.0, -3.0]), np.array([-4.0])])
    packed = pack_parameters(snap)
    assert packed.dtype == np.float32
    np.testing.assert_array_equal(packed, [0, 1, 2, 3, 4, 5, -1, -2, -3, 10, 11, 12, -4])


def test_field_defines_specialise_on_the_architecture():
    snap = nv.Snapshot(weights=[np.zeros((2, 3)), np.zeros((3, 1))], biases=[np.zeros(3), np.zeros(1)],
                       activation="tanh")
    d = field_defines(snap.architecture, params_in_texture=False)
    assert d["N_PARAMS"] == 2 * 3 + 3 + 3 + 1
    assert d["N_VEC4"] == 4 and d["MAX_WIDTH"] == 3
    assert d["MLP_LAYERS"] == "LAYER(1, 2, 3, 0, HIDDEN_ACTIVATION) LAYER(2, 3, 1, 9, act_logistic)"
    assert d["HIDDEN_ACTIVATION"] == "act_tanh" and d["PARAMS_IN_TEXTURE"] is False
    assert d["INPUTS"] == "h[0] = x.x; h[1] = x.y;" and d["OUTPUT_KIND"] == 0 and d["N_OUT"] == 1
    with pytest.raises(ValueError, match="3 inputs but 2 input features"):
        nv.Snapshot(weights=[np.zeros((3, 1))], biases=[np.zeros(1)])


# -- past llvmpipe's 65,535 loop turns per shader invocation -------------------------------------------
@pytest.mark.parametrize("hidden", [(256, 256), (257, 301), (509, 512)], ids=lambda h: "-".join(map(str, h)))
def test_networks_past_the_loop_limit_equal_predict_proba(ctx, float_target, hidden):
    """A plain loop per sum would take more turns than llvmpipe allows (it then silently stops every loop):
    the sums are written out a few terms a turn instead; odd widths leave remainders written out whole."""
    sizes = (2, *hidden, 1)
    assert loop_turns(sizes, 1) > 65_535, "the case would not reach the limit"
    clf = fitted_classifier(hidden, "tanh")
    snap = nv.Snapshot.from_sklearn(clf)
    field = FieldPass(ctx)
    try:
        field.upload(snap)
        X = pixel_centres()
        got = evaluate(field, float_target)
        want = clf.predict_proba(X)[:, 1]
        assert np.ptp(want) > 0.3
        np.testing.assert_allclose(got[:, 0], want, atol=1e-4, rtol=0)
        np.testing.assert_allclose(got[:, 1], logits(clf, X), atol=1e-3, rtol=1e-4)
        layer, j = len(hidden), hidden[-1] - 1  # the probe's own loop comes on top of the last layer's
        field.set_probe((layer, j))
        z = hidden_outputs(snap, X)[layer - 1][0]
        np.testing.assert_allclose(evaluate(field, float_target)[:, 1], z[:, j], atol=1e-3, rtol=1e-4)
    finally:
        field.release()


def test_the_sum_step_is_one_for_usual_networks_and_keeps_large_ones_in_budget():
    for hidden in ((5, 10, 5), (8, 8), (64, 64), (128, 128), (16,) * 8):
        assert sum_step((2, *hidden, 1)) == 1, "a usual network keeps the plain loops (and its speed)"
    assert "LAYER_STEPS" not in str(field_defines(nv.Architecture((2, 128, 128, 1), "relu"), True)["MLP_LAYERS"])
    for hidden in ((256, 256), (512, 512), (1024, 1024), (64,) * 20, (14_000,), (2_500, 2_500)):
        sizes = (2, *hidden, 1)
        step = sum_step(sizes)
        assert step > 1 and loop_turns(sizes, step) <= LOOP_BUDGET
        assert sum_step(sizes, loop_limit=False) == step


def test_a_network_too_large_for_the_loop_limit_is_refused_in_one_line(ctx, float_target):
    sizes = (2, 20_000, 1)  # 20,000 output neurons: four loop turns each, whatever the step
    with pytest.raises(NetworkTooLargeError, match=r"^a 2-20000-1 network is too large to draw its field .*"
                                                   r"needs 80,086\): use fewer or narrower hidden layers"):
        sum_step(sizes)
    assert sum_step(sizes, loop_limit=False) == 256  # a GPU has no such limit: drawn, the sums in long steps
    rng = np.random.default_rng(0)
    snap = nv.Snapshot([rng.normal(size=(2, 20_000)), rng.normal(size=(20_000, 1))],
                       [np.zeros(20_000), np.zeros(1)], activation="tanh")
    field = FieldPass(ctx)
    try:
        if capabilities(ctx).shader_loop_limit:
            with pytest.raises(NetworkTooLargeError) as refused:
                field.upload(snap)
            assert "\n" not in str(refused.value) and field.compiles == 0
        else:  # no loop limit to refuse for: drawn as any other
            field.upload(snap)
            np.testing.assert_allclose(evaluate(field, float_target)[:, 0], snap.forward(pixel_centres()), atol=1e-4)
    finally:
        field.release()
