"""Training side: datasets, the epoch-by-epoch trainer, and the bus to the renderer. numpy/sklearn only."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_circles, make_classification, make_moons
from sklearn.metrics import log_loss as sklearn_log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from nnviz_gl.training.datasets import DATASETS, MULTICLASS_DATASETS, REGRESSION_DATASETS, make_dataset
from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig

WAIT = 5.0  # generous upper bound for thread hand-offs on a busy 2-core machine


def _same_arrays(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _recipe(X, y, test_size=0.4, split_seed=42):
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, test_size=test_size, random_state=split_seed)


# -- datasets --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", DATASETS)
def test_every_dataset_is_standardised_split_and_padded(name):
    ds = make_dataset(name, n_samples=101)
    assert ds.name == name
    assert ds.X_train.shape == (60, 2) and ds.X_test.shape == (41, 2)
    assert ds.X_train.dtype == np.float64
    if name in REGRESSION_DATASETS:  # Playground's targets, in [-1, 1]
        assert ds.kind == "regression" and ds.y_train.dtype == np.float64 and np.abs(ds.y).max() <= 1.2
        assert len(np.unique(ds.y)) > 30
    else:
        assert ds.kind == "classification" and ds.y_train.dtype.kind == "i"
        assert set(np.unique(ds.y)) == set(range(MULTICLASS_DATASETS.get(name, 2)))
    np.testing.assert_allclose(ds.X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.X.std(axis=0), 1.0, atol=1e-12)
    xmin, xmax, ymin, ymax = ds.bounds
    assert (xmin, ymin) == pytest.approx(tuple(ds.X.min(axis=0) - 0.5))
    assert (xmax, ymax) == pytest.approx(tuple(ds.X.max(axis=0) + 0.5))
    with pytest.raises(ValueError):
        ds.X_train[0, 0] = 1.0  # read-only: safe to share between threads


@pytest.mark.parametrize("name", DATASETS)
def test_same_seed_same_arrays_other_seed_other_arrays(name):
    a, b, c = make_dataset(name, seed=3), make_dataset(name, seed=3), make_dataset(name, seed=4)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.X_train, c.X_train)


def test_classification_seed_0_is_scikit_learns_classifier_comparison():
    X, y = make_classification(
        n_features=2, n_redundant=0, n_informative=2, random_state=1, n_clusters_per_class=1
    )
    X += 2 * np.random.RandomState(2).uniform(size=X.shape)
    X_train, X_test, y_train, y_test = _recipe(X, y)
    ds = make_dataset(n_samples=100, noise=2.0)
    assert np.array_equal(ds.X_train, X_train) and np.array_equal(ds.X_test, X_test)
    assert np.array_equal(ds.y_train, y_train) and np.array_equal(ds.y_test, y_test)


def test_seed_notebooks_data_is_500_samples_with_noise_3():
    X, y = make_classification(
        n_features=2, n_redundant=0, n_informative=2, random_state=1, n_clusters_per_class=1, n_samples=500
    )
    X += 3 * np.random.RandomState(2).uniform(size=X.shape)
    X_train, X_test, _, _ = _recipe(X, y)
    ds = make_dataset("classification", n_samples=500, noise=3)
    assert np.array_equal(ds.X_train, X_train) and np.array_equal(ds.X_test, X_test)


def test_moons_and_circles_seed_0_match_the_classifier_comparison():
    moons = _recipe(*make_moons(noise=0.3, random_state=0))
    circles = _recipe(*make_circles(noise=0.2, factor=0.5, random_state=1))
    assert np.array_equal(make_dataset("moons", n_samples=100).X_train, moons[0])
    assert np.array_equal(make_dataset("circles", n_samples=100).X_test, circles[1])


def test_shapes_follow_the_data_xor_and_gaussian():
    xor = make_dataset("xor", n_samples=400, noise=0.0)
    same_quadrant = (xor.X[:, 0] > 0) == (xor.X[:, 1] > 0)
    assert np.mean(same_quadrant == (xor.y == 1)) > 0.9  # off only near the axes, moved by standardising
    blobs = make_dataset("gaussian", n_samples=200, noise=0.1)
    assert np.array_equal(blobs.X.sum(axis=1) > 0, blobs.y == 1)
    assert np.bincount(make_dataset("spiral", n_samples=101).y).tolist() == [50, 51]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "swirl"}, "classification, moons, circles, xor, spiral, gaussian"),
        ({"n_samples": 3}, ">= 4"),
        ({"test_size": 0.0}, "between 0 and 1"),
        ({"test_size": 1.0}, "between 0 and 1"),
        ({"noise": -0.1}, ">= 0"),
        ({"seed": -1}, ">= 0"),
    ],
)
def test_bad_dataset_arguments_say_what_is_allowed(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_dataset(**kwargs)


def test_adding_a_training_point_copies():
    ds = make_dataset()
    grown = ds.with_training_point(0.25, -0.5, 1)
    assert len(grown.X_train) == len(ds.X_train) + 1 and len(ds.X_train) == 300
    assert grown.X_train[-1].tolist() == [0.25, -0.5] and grown.y_train[-1] == 1
    assert np.array_equal(grown.X_test, ds.X_test)
    with pytest.raises(ValueError, match="class index 0 to 1"):
        ds.with_training_point(0.0, 0.0, 2)
    with pytest.raises(ValueError, match="finite"):
        ds.with_training_point(np.nan, 0.0, 0)


# -- trainer -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"hidden": (-2,)}, "positive layer sizes"),
        ({"hidden": (5, 0)}, "positive layer sizes"),
        ({"epochs": 0}, "positive integer"),
        ({"activation": "softmax"}, "identity, logistic, tanh, relu"),
        ({"alpha": -1.0}, ">= 0"),
        ({"learning_rate": 0.0}, "> 0"),
        ({"dataset": "swirl"}, "moons"),
        ({"noise": -1.0}, "noise must be"),
        ({"n_samples": 2}, ">= 4"),
    ],
)
def test_bad_config_says_what_is_allowed(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig(**kwargs)


def test_defaults_are_the_seed_notebooks_network():
    trainer = SklearnTrainer()
    snapshot = trainer.step()
    assert snapshot.architecture.layer_sizes == (2, 5, 10, 5, 1)
    assert snapshot.activation == "relu"
    assert trainer.model.alpha == 1.0 and trainer.model.learning_rate_init == 0.001


def test_same_config_gives_identical_snapshots():
    config = TrainingConfig(dataset="moons", hidden=(4, 3), activation="tanh")
    a, b = SklearnTrainer(config), SklearnTrainer(config)
    for _ in range(5):
        sa, sb = a.step(), b.step()
        assert _same_arrays(sa.weights, sb.weights) and _same_arrays(sa.biases, sb.biases)
        assert (sa.epoch, sa.loss, sa.test_loss, sa.accuracy) == (sb.epoch, sb.loss, sb.test_loss, sb.accuracy)


@pytest.mark.parametrize("activation", ["relu", "logistic"])
def test_epoch_0_is_the_weights_scikit_learn_starts_from(activation):
    config = TrainingConfig(activation=activation, seed=7, n_samples=100)  # one mini-batch per epoch
    trainer = SklearnTrainer(config)
    initial = trainer.initial_snapshot()
    assert initial.epoch == 0 and trainer.current_snapshot().epoch == 0
    # A step too small to move anything leaves scikit-learn's own initial weights in place.
    probe = MLPClassifier(
        hidden_layer_sizes=config.hidden, activation=activation, alpha=1.0, learning_rate_init=1e-12, random_state=7
    ).partial_fit(trainer.dataset.X_train, trainer.dataset.y_train, classes=[0, 1])
    for ours, theirs in zip((*initial.weights, *initial.biases), (*probe.coefs_, *probe.intercepts_), strict=True):
        np.testing.assert_allclose(ours, theirs, atol=1e-9)
    # With one mini-batch, scikit-learn's first loss_ is the loss of the initial weights.
    assert trainer.step().loss == pytest.approx(initial.loss, rel=1e-12)


def test_steps_count_epochs_and_measure_on_train_and_test():
    trainer = SklearnTrainer(TrainingConfig(dataset="circles"))
    snapshots = [trainer.step() for _ in range(3)]
    assert [s.epoch for s in snapshots] == [1, 2, 3]
    clf, data = trainer.model, trainer.dataset
    last = snapshots[-1]
    assert last.loss == clf.loss_
    assert last.test_loss == pytest.approx(sklearn_log_loss(data.y_test, clf.predict_proba(data.X_test)), rel=1e-12)
    assert last.accuracy == pytest.approx(clf.score(data.X_train, data.y_train))
    assert last.test_accuracy == pytest.approx(clf.score(data.X_test, data.y_test))


def test_published_snapshots_do_not_change_with_later_training():
    trainer = SklearnTrainer()
    first = trainer.step()
    kept = [w.copy() for w in first.weights]
    later = [trainer.step() for _ in range(5)][-1]
    assert _same_arrays(first.weights, kept)
    assert not _same_arrays(first.weights, later.weights)


def test_loss_falls_over_50_epochs_on_moons():
    trainer = SklearnTrainer(TrainingConfig(dataset="moons", learning_rate=0.01))
    losses = [trainer.step().loss for _ in range(50)]
    assert losses[-1] < 0.7 * losses[0]
    assert trainer.current_snapshot().test_accuracy > 0.8


def test_diverging_training_keeps_producing_snapshots_without_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wild = SklearnTrainer(TrainingConfig(dataset="moons", learning_rate=10.0))
        assert [wild.step().epoch for _ in range(20)][-1] == 20
        broken = SklearnTrainer(TrainingConfig(dataset="moons", learning_rate=1e200))
        snapshots = [broken.step() for _ in range(5)]
    assert caught == []
    assert not snapshots[-1].is_finite and np.isnan(snapshots[-1].loss)
    assert [s.epoch for s in snapshots] == [1, 2, 3, 4, 5]
    broken.reinitialize()
    assert broken.current_snapshot().is_finite and broken.step().epoch == 1


def test_reinitialize_draws_new_weights_deterministically():
    a, b = SklearnTrainer(), SklearnTrainer()
    before = a.initial_snapshot()
    for _ in range(3):
        a.step()
    a.reinitialize()
    b.reinitialize()
    assert a.epoch == 0 and a.random_state != 0 and a.random_state == b.random_state
    after = a.current_snapshot()
    assert after.epoch == 0 and not _same_arrays(after.weights, before.weights)
    assert _same_arrays(a.step().weights, b.step().weights)
    assert a.data_version == 0 and np.array_equal(a.dataset.X_train, make_dataset().X_train)


def test_new_data_and_added_points_bump_the_data_version():
    trainer = SklearnTrainer()
    trainer.step()
    first = trainer.dataset
    trainer.new_data()
    assert trainer.data_version == 1 and trainer.dataset.X_train.shape == first.X_train.shape
    assert not np.array_equal(trainer.dataset.X_train, first.X_train)
    trainer.add_point(3.0, 3.0, 0)
    assert trainer.data_version == 2 and len(trainer.dataset.X_train) == 301
    snapshot = trainer.step()
    assert snapshot.epoch == 2 and snapshot.extra["data_version"] == 2
    assert round(snapshot.accuracy * 301, 9) == round(snapshot.accuracy * 301)  # measured over the 301 points


def test_a_given_dataset_is_trained_on():
    ds = make_dataset("spiral", n_samples=40, seed=5)
    trainer = SklearnTrainer(TrainingConfig(dataset="spiral"), dataset=ds)
    trainer.step()
    assert trainer.dataset is ds
