"""Snapshot.from_torch: PyTorch MLPs drawn exactly like the equivalent hand-built snapshot."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from nnviz_gl import render_frame  # noqa: E402
from nnviz_gl.capture.torch import UnsupportedModelError, snapshot_from_torch  # noqa: E402
from nnviz_gl.snapshot import Snapshot  # noqa: E402

SIZE = (160, 96)


def _parameters(sizes: tuple[int, ...], seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """float32-representable weights in our (n_in, n_out) layout, so a float32 model holds them exactly."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, 1.2, (a, b)).astype(np.float32).astype(np.float64) for a, b in zip(sizes, sizes[1:])]
    biases = [rng.normal(0, 0.5, b).astype(np.float32).astype(np.float64) for b in sizes[1:]]
    return weights, biases


def _model(weights, biases, hidden: type[nn.Module], final: nn.Module | None) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (w, b) in enumerate(zip(weights, biases)):
        linear = nn.Linear(*w.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.T))  # torch keeps (out, in)
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if i < len(weights) - 1:
            layers.append(hidden())
    if final is not None:
        layers.append(final)
    return nn.Sequential(*layers)


def _data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def test_from_torch_draws_the_same_field_as_the_hand_built_snapshot():
    weights, biases = _parameters((2, 5, 10, 5, 1))
    model = _model(weights, biases, nn.Tanh, nn.Sigmoid())
    captured = Snapshot.from_torch(model, epoch=7, loss=torch.tensor(0.25), accuracy=0.5)
    by_hand = Snapshot(weights, biases, activation="tanh", epoch=7, loss=0.25, accuracy=0.5)

    assert captured.architecture == by_hand.architecture
    for got, want in zip((*captured.weights, *captured.biases), (*by_hand.weights, *by_hand.biases)):
        assert got.dtype == np.float64 and np.array_equal(got, want)
    assert (captured.epoch, captured.loss, captured.accuracy) == (7, 0.25, 0.5)
    X, y = _data()
    assert np.array_equal(render_frame(captured, X, y, size=SIZE), render_frame(by_hand, X, y, size=SIZE))
    # and the probability field is the model's own output
    with torch.no_grad():
        p_torch = model(torch.from_numpy(X).float()).numpy()[:, 0]
    np.testing.assert_allclose(captured.forward(X), p_torch, atol=1e-5)


@pytest.mark.parametrize("hidden, name", [(nn.ReLU, "relu"), (nn.Tanh, "tanh"), (nn.Sigmoid, "logistic"),
                                          (nn.Identity, "identity")])
def test_hidden_activations_map_to_ours(hidden, name):
    weights, biases = _parameters((2, 4, 3, 1))
    assert Snapshot.from_torch(_model(weights, biases, hidden, None), epoch=0).activation == name


def test_a_single_logit_and_a_final_sigmoid_are_the_same_classifier():
    weights, biases = _parameters((2, 6, 1))
    logit = snapshot_from_torch(_model(weights, biases, nn.ReLU, None), epoch=1)
    sigmoid = snapshot_from_torch(_model(weights, biases, nn.ReLU, nn.Sigmoid()), epoch=1)
    X, _ = _data()
    assert logit.output_activation == sigmoid.output_activation == "logistic"
    assert np.array_equal(logit.forward(X), sigmoid.forward(X))


def test_weights_are_copied_and_missing_biases_are_zero():
    model = nn.Sequential(nn.Linear(2, 3, bias=False), nn.ReLU(), nn.Linear(3, 1)).double()
    snap = Snapshot.from_torch(model, epoch=0)
    assert np.array_equal(snap.biases[0], np.zeros(3))
    before = snap.weights[1].copy()
    with torch.no_grad():
        model[2].weight.add_(1.0)
    assert np.array_equal(snap.weights[1], before)
    assert snap.weights[0].shape == (2, 3)


def test_nested_sequentials_are_flattened():
    model = nn.Sequential(nn.Sequential(nn.Linear(2, 4), nn.ReLU()), nn.Sequential(nn.Linear(4, 1)))
    assert Snapshot.from_torch(model, epoch=0).architecture.layer_sizes == (2, 4, 1)


@pytest.mark.parametrize("model, named", [
    (lambda: nn.Sequential(nn.Linear(2, 5), nn.LeakyReLU(), nn.Linear(5, 1)), "layer 1 (LeakyReLU)"),
    (lambda: nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Dropout(), nn.Linear(5, 1)), "layer 2 (Dropout)"),
    (lambda: nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 1)),
     "layer 3 (Tanh)"),
    (lambda: nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 11)),
     "layer 2 (Linear) has 11 outputs; classifiers of 2 to 10 classes are drawn"),
    (lambda: nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 3), nn.Sigmoid()),
     "layer 3 (Sigmoid) is the output activation; k outputs must be logits (no activation) or a Softmax"),
    (lambda: nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 1), nn.ReLU()), "layer 3 (ReLU)"),
    (lambda: nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 1)), "layer 0 (Linear) takes 3 inputs"),
    (lambda: nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.ReLU(), nn.Linear(5, 1)), "layer 2 (ReLU)"),
    (lambda: nn.Sequential(nn.Linear(2, 5), nn.Sequential(nn.Softmax(dim=1)), nn.Linear(5, 1)),
     "layer 1.0 (Softmax) is a hidden activation; Softmax ends a classifier"),
    (lambda: nn.Sequential(nn.Conv1d(1, 1, 1)), "layer 0 (Conv1d)"),
    (lambda: nn.Linear(2, 1), "got Linear"),
])
def test_what_cannot_be_drawn_is_named(model, named):
    with pytest.raises(UnsupportedModelError, match=r"^.*" + named.replace("(", r"\(").replace(")", r"\)")) as err:
        Snapshot.from_torch(model(), epoch=0)
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("final", [None, nn.Softmax(dim=-1)], ids=["logits", "softmax"])
def test_k_logits_are_a_multiclass_classifier_drawn_as_the_hand_built_one(final):
    weights, biases = _parameters((2, 6, 4))
    captured = Snapshot.from_torch(_model(weights, biases, nn.ReLU, final), epoch=3, classes=["a", "b", "c", "d"])
    by_hand = Snapshot(weights, biases, activation="relu", epoch=3, output_activation="softmax",
                       classes=("a", "b", "c", "d"))
    assert captured.architecture == by_hand.architecture and captured.architecture.kind == "multiclass"
    X = np.random.default_rng(2).normal(size=(40, 2))
    labels = np.array(list("abcd"))[np.argmax(by_hand.predict_proba(X), axis=1)]
    np.testing.assert_array_equal(render_frame(captured, X, labels, size=SIZE), render_frame(by_hand, X, labels, size=SIZE))
    with torch.no_grad():
        logits = _model(weights, biases, nn.ReLU, None)(torch.from_numpy(X).float())
    np.testing.assert_allclose(captured.predict_proba(X), torch.softmax(logits, -1).double().numpy(), atol=1e-6)


def test_a_regressor_and_engineered_inputs_come_through():
    weights, biases = _parameters((3, 5, 1))
    model = _model(weights, biases, nn.Tanh, None)
    snap = Snapshot.from_torch(model, epoch=1, problem="regression", features="x1,x2,x1*x2", r2=0.5)
    assert (snap.architecture.kind, snap.features, snap.r2) == ("regression", ("x1", "x2", "x1*x2"), 0.5)
    X = np.random.default_rng(3).normal(size=(30, 2))
    with torch.no_grad():
        want = model(torch.from_numpy(np.column_stack([X, X[:, 0] * X[:, 1]])).float()).double().numpy()[:, 0]
    np.testing.assert_allclose(snap.predict(X), want, atol=1e-5)
    with pytest.raises(UnsupportedModelError, match=r"layer 0 \(Linear\) takes 3 inputs; the field panel draws 2"):
        Snapshot.from_torch(model, epoch=1, problem="regression")
    with pytest.raises(UnsupportedModelError, match="layer 3 .Sigmoid. is the output activation; a regressor's"):
        Snapshot.from_torch(_model(weights, biases, nn.Tanh, nn.Sigmoid()), epoch=1, problem="regression",
                            features="x1,x2,x1*x2")
    with pytest.raises(ValueError, match="problem must be one of classification, regression, got 'values'"):
        Snapshot.from_torch(model, epoch=1, problem="values")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_weights_come_off_the_gpu():
    weights, biases = _parameters((2, 5, 1))
    model = _model(weights, biases, nn.ReLU, None).cuda()
    snap = Snapshot.from_torch(model, epoch=0)
    assert np.array_equal(snap.weights[0], weights[0])


def test_importing_nnviz_gl_does_not_import_torch():
    code = ("import sys, nnviz_gl, nnviz_gl.cli, nnviz_gl.capture, nnviz_gl.trajectory, nnviz_gl.video\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n"
            "print('ok')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr
