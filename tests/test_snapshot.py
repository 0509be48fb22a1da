"""Snapshot: copies, architecture, interpolation (numpy only, no GL)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nnviz_gl as nv


def snap(value: float, epoch: int) -> nv.Snapshot:
    return nv.Snapshot(weights=[np.full((2, 3), value), np.full((3, 1), value)],
                       biases=[np.zeros(3), np.zeros(1)], activation="tanh", epoch=epoch, loss=1.0 / epoch)


def test_interpolation_blends_weights_and_labels_the_blend_with_its_target():
    a, b = snap(0.0, 1), snap(1.0, 2)
    half = a.interpolate(b, 0.25)
    assert half.weights[0] == pytest.approx(np.full((2, 3), 0.25))
    assert (half.epoch, half.loss) == (2, 0.5)
    assert a.interpolate(b, 0.0).epoch == 1 and a.interpolate(b, 1.0).epoch == 2


def test_restarted_glides_never_freeze_the_label():
    """A live window restarts its glide from the blend on screen whenever a snapshot arrives."""
    shown = snap(0.0, 1)
    for epoch in range(2, 40):
        shown = shown.interpolate(snap(float(epoch), epoch), 0.2)  # never reaches halfway
    assert shown.epoch == 39 and shown.loss == pytest.approx(1 / 39)


def test_interpolating_different_architectures_is_refused():
    other = nv.Snapshot(weights=[np.ones((2, 4)), np.ones((4, 1))], biases=[np.zeros(4), np.zeros(1)])
    with pytest.raises(ValueError, match="different architectures"):
        snap(0.0, 1).interpolate(other, 0.5)


@pytest.mark.parametrize("weights, biases, message", [
    ([], [], "at least one weight matrix"),
    ([np.ones((2, 3))], [np.zeros(3), np.zeros(1)], "1 weight matrices but 2 bias vectors"),
    ([np.ones((2, 3)), np.ones((4, 1))], [np.zeros(3), np.zeros(1)], "takes 4 inputs but layer 1 has 3"),
    ([np.ones((2, 0))], [np.zeros(0)], "empty layer"),
])
def test_malformed_snapshots_say_what_is_wrong(weights, biases, message):
    with pytest.raises(ValueError, match=message):
        nv.Snapshot(weights=weights, biases=biases)


# -- what a Snapshot refuses -----------------------------------------------------------------------
WEIGHTS = [np.ones((2, 3)), np.ones((3, 1))]
BIASES = [np.zeros(3), np.zeros(1)]


@pytest.mark.parametrize("metric", ["loss", "test_loss", "accuracy", "test_accuracy"])
@pytest.mark.parametrize("value", ["abc", [0.5], 0.5 + 1j, True, np.array([0.5, 0.6])])
def test_metrics_that_are_not_one_real_number_are_refused(metric, value):
    with pytest.raises(ValueError, match=f"^{metric} must be a real number or None, got "):
        nv.Snapshot(WEIGHTS, BIASES, **{metric: value})


def test_metrics_keep_nan_and_become_plain_floats():
    """A diverged run's loss is nan; numpy scalars and 0-d arrays are numbers too."""
    s = nv.Snapshot(WEIGHTS, BIASES, loss=float("nan"), accuracy=np.float32(0.75), test_loss=np.array(2.0),
                    test_accuracy=1, epoch=np.int64(3))
    assert np.isnan(s.loss) and (s.accuracy, s.test_loss, s.test_accuracy, s.epoch) == (0.75, 2.0, 1.0, 3)
    assert all(type(v) is float for v in (s.loss, s.accuracy, s.test_loss, s.test_accuracy))


@pytest.mark.parametrize("epoch", ["3", 1.5, float("nan"), None])
def test_an_epoch_that_is_not_a_whole_number_is_refused(epoch):
    with pytest.raises(ValueError, match="^epoch must be a whole number"):
        nv.Snapshot(WEIGHTS, BIASES, epoch=epoch)


@pytest.mark.parametrize("where", ["weights", "biases"])
def test_complex_parameters_are_refused_not_silently_made_real(where):
    parts = {"weights": list(WEIGHTS), "biases": list(BIASES)}
    parts[where][1] = parts[where][1] + 2j  # numpy alone would drop the 2j with a ComplexWarning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=rf"^{where}\[1\] must hold real numbers, got complex values"):
            nv.Snapshot(**parts)


def test_text_parameters_are_refused_in_the_same_words():
    with pytest.raises(ValueError, match=r"^weights\[0\] must hold real numbers, got non-numeric"):
        nv.Snapshot([np.array([["1", "2", "3"]] * 2), WEIGHTS[1]], BIASES)


def test_a_logistic_output_of_two_units_is_refused_pointing_at_softmax():
    with pytest.raises(ValueError, match=r"^the network has 2 outputs; a binary classifier \(logistic output\) "
                                         r"is drawn with 1 output \(a multiclass one has a softmax output\)"):
        nv.Snapshot([np.ones((2, 3)), np.ones((3, 2))], [np.zeros(3), np.zeros(2)])


def test_a_two_output_sklearn_classifier_is_refused_in_one_line():
    """Two labels per point (multilabel) gives a logistic output with 2 units: not a binary classifier."""
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    clf = MLPClassifier(hidden_layer_sizes=(3,), max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 5 iterations do not converge; the weights are what matters here
        clf.fit(X, np.column_stack([X[:, 0] > 0, X[:, 1] > 0]))
    assert clf.out_activation_ == "logistic"
    with pytest.raises(ValueError, match="^the network has 2 outputs"):
        nv.Snapshot.from_sklearn(clf)


def test_from_sklearn_refuses_a_metric_in_the_same_words():
    from sklearn.neural_network import MLPClassifier

    X = np.random.default_rng(0).normal(size=(40, 2))
    clf = MLPClassifier(hidden_layer_sizes=(3,)).partial_fit(X, X[:, 0] > 0, classes=[False, True])
    with pytest.raises(ValueError, match="^loss must be a real number or None, got 'abc'"):
        nv.Snapshot.from_sklearn(clf, loss="abc")
    with pytest.raises(ValueError, match=r"^accuracy must be a real number or None, got \[1\]"):
        nv.Snapshot.from_sklearn(clf, accuracy=[1])


def test_torch_models_with_complex_weights_or_bad_metrics_are_refused():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch alone would drop the imaginary part with a UserWarning
        with pytest.raises(ValueError, match=r"layer 0 \(Linear\) has complex weights"):
            nv.Snapshot.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1, dtype=torch.complex64)), epoch=1)
    model = torch.nn.Sequential(torch.nn.Linear(2, 1))
    with pytest.raises(ValueError, match="^loss must be a real number or None, got 'abc'"):
        nv.Snapshot.from_torch(model, epoch=1, loss="abc")
    with pytest.raises(ValueError, match=r"^accuracy must be one number, got a tensor of shape \(2,\)"):
        nv.Snapshot.from_torch(model, epoch=1, accuracy=torch.tensor([0.5, 0.6]))
    assert nv.Snapshot.from_torch(model, epoch=torch.tensor(2), loss=torch.tensor(0.25)).loss == 0.25


def test_a_diverged_model_computes_inf_and_nan_without_warnings():
    huge = nv.Snapshot([np.full((2, 3), 1e308), np.full((3, 1), -1e308)], [np.full(3, 1e308), np.zeros(1)],
                       activation="relu")
    diverged = nv.Snapshot([np.full((2, 3), np.inf), np.full((3, 1), np.nan)], BIASES, activation="relu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        blend = huge.interpolate(diverged, 0.5)
        assert not blend.is_finite
        assert huge.forward(np.array([[1.0, 1.0]]))[0] == 0.0  # the logit overflowed to -inf
        assert np.isnan(diverged.forward(np.array([[1.0, 1.0]]))).all()
        from nnviz_gl.render.field_defines import pack_parameters

        assert np.isinf(pack_parameters(huge)).any()  # beyond float32: inf on the GPU, drawn as diverged
