"""Training side: datasets, the epoch-by-epoch trainer, and the bus to the renderer. numpy/sklearn only."""

from __future__ import annotations

import queue
import threading
import time
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_circles, make_classification, make_moons
from sklearn.metrics import log_loss as sklearn_log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from nnviz_gl.training.bus import LatestSnapshot, QueueClosed, SnapshotQueue, TrainingThread
from nnviz_gl.training.datasets import DATASETS, make_dataset
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
    assert ds.X_train.dtype == np.float64 and ds.y_train.dtype.kind == "i"
    assert set(np.unique(ds.y)) == {0, 1}
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
    with pytest.raises(ValueError, match="0 or 1"):
        ds.with_training_point(0.0, 0.0, 2)
    with pytest.raises(ValueError, match="finite"):
        ds.with_training_point(np.nan, 0.0, 0)


# -- trainer -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"hidden": ()}, "positive layer sizes"),
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
    assert trainer._clf.alpha == 1.0 and trainer._clf.learning_rate_init == 0.001


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
    clf, data = trainer._clf, trainer.dataset
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


# -- bus -------------------------------------------------------------------------------------------
def _snapshots(n: int):
    trainer = SklearnTrainer(TrainingConfig(hidden=(2,)))
    return [trainer.step() for _ in range(n)]


def test_latest_snapshot_keeps_only_the_newest():
    bus = LatestSnapshot()
    assert bus.latest() == (None, 0)
    snaps = _snapshots(3)
    for s in snaps:
        bus.publish(s)
    assert bus.latest() == (snaps[-1], 3)
    start = time.perf_counter()
    for _ in range(1000):  # nobody reads: the publisher still never waits
        bus.publish(snaps[0])
    assert time.perf_counter() - start < 0.5 and bus.latest()[1] == 1003


def test_latest_snapshot_wakes_a_waiting_reader():
    bus, snap = LatestSnapshot(), _snapshots(1)[0]
    assert bus.wait_newer(0, timeout=0.01) == (None, 0)
    threading.Timer(0.05, bus.publish, args=(snap,)).start()
    assert bus.wait_newer(0, timeout=WAIT) == (snap, 1)
    threading.Timer(0.05, bus.close).start()
    assert bus.wait_newer(1, timeout=WAIT) == (snap, 1) and bus.closed


def test_queue_is_bounded_ordered_and_ends_at_close():
    with pytest.raises(ValueError, match=">= 1"):
        SnapshotQueue(0)
    q, snaps = SnapshotQueue(2), _snapshots(4)
    q.put(snaps[0])
    q.put(snaps[1])
    with pytest.raises(queue.Full):
        q.put(snaps[2], timeout=0.05)
    assert len(q) == 2
    q.close()
    with pytest.raises(QueueClosed):
        q.put(snaps[2])
    assert list(q) == snaps[:2]  # what was put before the end marker still arrives
    with pytest.raises(QueueClosed):
        q.get(timeout=0.01)
    with pytest.raises(queue.Empty):
        SnapshotQueue(1).get(timeout=0.01)


def poll_until(condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_closing_the_queue_unblocks_a_waiting_publisher():
    q, snap = SnapshotQueue(1), _snapshots(1)[0]
    q.put(snap)
    outcome = []

    def publish():
        try:
            q.put(snap)
        except QueueClosed:
            outcome.append("closed")

    publisher = threading.Thread(target=publish)
    publisher.start()
    poll_until(lambda: len(q._changed._waiters) == 1)  # the publisher is waiting inside put()
    q.close()
    publisher.join(WAIT)
    assert outcome == ["closed"]


def test_training_thread_feeds_a_video_queue_in_order_and_ends_it():
    q = SnapshotQueue(2)
    thread = TrainingThread(SklearnTrainer(), q, epochs=6)
    thread.start()
    epochs, longest = [], 0
    for snapshot in q:
        # a slow consumer: take the next only once the trainer is ahead by a full queue; it must wait there
        poll_until(lambda: len(q) == q.maxsize or not thread.is_alive())
        longest = max(longest, len(q))
        epochs.append(snapshot.epoch)
    thread.join(WAIT)
    assert epochs == [0, 1, 2, 3, 4, 5, 6]
    assert longest <= 2 and not thread.is_alive() and thread.epochs_run == 6


def test_pause_step_once_and_resume():
    bus = LatestSnapshot()
    thread = TrainingThread(SklearnTrainer(), bus)
    thread.pause()
    thread.start()
    snapshot, version = bus.wait_newer(0, timeout=WAIT)
    assert snapshot.epoch == 0 and thread.paused
    cpu = time.process_time()
    assert bus.wait_newer(version, timeout=0.3)[1] == version  # paused: nothing new...
    assert time.process_time() - cpu < 0.1  # ...and no busy waiting
    thread.step_once()
    snapshot, version = bus.wait_newer(version, timeout=WAIT)
    assert snapshot.epoch == 1 and thread.epochs_run == 1
    assert bus.wait_newer(version, timeout=0.1)[1] == version
    thread.resume()
    snapshot, _ = bus.wait_newer(version + 3, timeout=WAIT)
    assert snapshot.epoch > 2
    thread.stop()
    thread.join(WAIT)
    assert not thread.is_alive() and bus.closed


def _wait_for_epoch(bus: LatestSnapshot, epoch: int, version: int = 0) -> tuple[float, int]:
    """Wait (on the bus's own wake-ups) for the snapshot of ``epoch``; the monotonic time it arrived."""
    deadline = time.monotonic() + WAIT
    snapshot = None
    while snapshot is None or snapshot.epoch < epoch:
        assert time.monotonic() < deadline, f"no epoch {epoch} within {WAIT} s"
        snapshot, version = bus.wait_newer(version, timeout=deadline - time.monotonic())
    return time.monotonic(), version


def test_speed_caps_epochs_per_second():
    """At 20 epochs/s epoch n starts no sooner than (n - 1) / 20 s after the thread: a bound that a busy
    machine cannot break, since it only makes training slower. Without the cap the epochs come faster."""
    bus = LatestSnapshot()
    thread = TrainingThread(SklearnTrainer(), bus, epochs_per_second=20)
    started = time.monotonic()
    thread.start()
    arrived, version = _wait_for_epoch(bus, 8)
    assert arrived - started >= 7 / 20
    thread.speed = None
    started = time.monotonic()
    _wait_for_epoch(bus, 48, version)
    assert time.monotonic() - started < 40 / 20  # an epoch takes a few ms here: 40 of them well under 2 s
    thread.stop()
    thread.join(WAIT)
    with pytest.raises(ValueError, match="None for unlimited"):
        thread.speed = 0
    thread.speed = None
    assert thread.speed is None


def test_commands_run_on_the_training_thread_between_epochs():
    bus, trainer = LatestSnapshot(), SklearnTrainer()
    thread = TrainingThread(trainer, bus)
    thread.pause()
    thread.start()
    _, version = bus.wait_newer(0, timeout=WAIT)
    thread.add_point(2.0, -2.0, 1)
    snapshot, version = bus.wait_newer(version, timeout=WAIT)
    assert snapshot.extra["data_version"] == 1 and len(trainer.dataset.X_train) == 301
    thread.step_once()
    snapshot, version = bus.wait_newer(version, timeout=WAIT)
    assert snapshot.epoch == 1
    thread.reinitialize()
    snapshot, version = bus.wait_newer(version, timeout=WAIT)
    assert snapshot.epoch == 0 and snapshot.extra["random_state"] != 0
    thread.new_data()
    snapshot, version = bus.wait_newer(version, timeout=WAIT)
    assert snapshot.extra["data_version"] == 2 and len(trainer.dataset.X_train) == 300
    with pytest.raises(ValueError, match="0 or 1"):
        thread.add_point(0.0, 0.0, 3)
    thread.stop()
    thread.join(WAIT)


def test_a_training_error_surfaces_at_join():
    class FailingTrainer(SklearnTrainer):
        def step(self):
            raise ArithmeticError("boom")

    bus = LatestSnapshot()
    thread = TrainingThread(FailingTrainer(), bus)
    thread.start()
    with pytest.raises(RuntimeError, match="training failed") as info:
        thread.join(WAIT)
    assert isinstance(info.value.__cause__, ArithmeticError) and bus.closed
