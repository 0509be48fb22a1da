"""Changing a run while it trains (the playground's controls): step, alpha and batch size keep the
weights and take effect from the next epoch exactly as scikit-learn would with them; shape and data
changes start a new network; a bad change changes nothing."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from polling import poll_until

from nnviz_gl.training.bus import LatestSnapshot, TrainingThread
from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig

CONFIG = TrainingConfig(dataset="moons", n_samples=120, hidden=(6,), learning_rate=0.01, alpha=0.001)


def reference_with_a_change_after(epochs: int, **after) -> MLPClassifier:
    """scikit-learn's own run: ``epochs`` epochs, then the new settings for two more."""
    trainer = SklearnTrainer(CONFIG)
    data = trainer.dataset
    clf = MLPClassifier(hidden_layer_sizes=(6,), learning_rate_init=0.01, alpha=0.001, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(epochs):
            clf.partial_fit(data.X_train, data.y_train, classes=[0, 1])
        clf.set_params(**after)
        if "learning_rate_init" in after:
            clf._optimizer.learning_rate_init = after["learning_rate_init"]
        for _ in range(2):
            clf.partial_fit(data.X_train, data.y_train, classes=[0, 1])
    return clf


@pytest.mark.parametrize("change, sklearn_params", [
    (dict(learning_rate=0.05), dict(learning_rate_init=0.05)),
    (dict(alpha=0.5), dict(alpha=0.5)),
    (dict(batch_size=16), dict(batch_size=16)),
])
def test_step_alpha_and_batch_size_keep_the_weights_and_apply_next_epoch(change, sklearn_params):
    trainer = SklearnTrainer(CONFIG)
    for _ in range(3):
        before = trainer.step()
    message = trainer.change(**change)
    assert message.endswith("from the next epoch (weights kept)"), message
    kept = trainer.current_snapshot()
    assert kept.epoch == 3 and all(np.array_equal(a, b) for a, b in zip(kept.weights, before.weights))
    for _ in range(2):
        after = trainer.step()
    want = reference_with_a_change_after(3, **sklearn_params)
    for got, expected in zip(after.weights, want.coefs_):
        np.testing.assert_array_equal(got, expected)
    unchanged = reference_with_a_change_after(3)
    assert not np.array_equal(after.weights[0], unchanged.coefs_[0]), "the change made no difference"


def test_a_shape_change_starts_a_new_network_on_the_same_data():
    trainer = SklearnTrainer(CONFIG)
    trainer.step()
    points = trainer.dataset.X_train.copy()
    message = trainer.change(hidden=(4, 4), activation="tanh")
    assert message == "hidden 4,4, activation tanh: a new network (the weights were reset)"
    snap = trainer.current_snapshot()
    assert snap.epoch == 0 and snap.architecture.layer_sizes == (2, 4, 4, 1) and snap.activation == "tanh"
    np.testing.assert_array_equal(trainer.dataset.X_train, points)
    assert trainer.step().architecture.layer_sizes == (2, 4, 4, 1)
    assert trainer.change(features="x1,x2,x1*x2").endswith("a new network (the weights were reset)")
    assert trainer.current_snapshot().architecture.layer_sizes == (3, 4, 4, 1)


def test_a_data_change_draws_new_data_and_a_new_network_of_its_kind():
    trainer = SklearnTrainer(CONFIG)
    trainer.step()
    assert trainer.change(dataset="blobs", classes=4) == "dataset blobs, classes 4: new data and a new network"
    snap = trainer.step()
    assert snap.architecture.kind == "multiclass" and snap.architecture.n_classes == 4 and snap.epoch == 1
    assert set(np.unique(trainer.dataset.y_train)) == {0, 1, 2, 3}
    trainer.change(dataset="reg-plane", classes=None)
    assert trainer.step().architecture.kind == "regression"


@pytest.mark.parametrize("change, message", [
    (dict(learning_rate=-1.0), "learning_rate must be a finite number > 0, got -1.0"),
    (dict(hidden=(0,)), "hidden must be positive layer sizes"),
    (dict(features="x1,x9"), "unknown feature 'x9'"),
    (dict(seed=3), "cannot change seed while training; changeable: learning_rate, alpha, batch_size, hidden"),
    (dict(batch_size=0), "batch_size must be a whole number >= 1"),
])
def test_a_bad_change_is_one_line_and_changes_nothing(change, message):
    trainer = SklearnTrainer(CONFIG)
    before = trainer.step()
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        trainer.change(**change)
    assert trainer.config == CONFIG
    again = trainer.current_snapshot()
    assert again.epoch == 1 and all(np.array_equal(a, b) for a, b in zip(again.weights, before.weights))


def test_the_training_thread_applies_a_change_between_epochs_and_says_what_happened():
    bus = LatestSnapshot()
    thread = TrainingThread(SklearnTrainer(CONFIG), bus, epochs_per_second=None)
    thread.start()
    try:
        poll_until(lambda: (bus.latest()[0] is not None and bus.latest()[0].epoch >= 3), 10, "no epochs trained")
        with pytest.raises(ValueError, match="unknown activation 'sigmoid'"):
            thread.change(activation="sigmoid")  # refused in the caller's thread
        thread.change(hidden=(3,))
        poll_until(lambda: thread.last_change is not None, 10, "the change was not applied")
        assert thread.last_change == "hidden 3: a new network (the weights were reset)"
        poll_until(lambda: bus.latest()[0].architecture.layer_sizes == (2, 3, 1), 10, "no snapshot of the new network")
    finally:
        thread.stop()
        thread.join(10)
