"""The bus between training and drawing: the latest-wins slot, the bounded queue, the training thread."""

from __future__ import annotations

import queue
import threading
import time

import pytest

from polling import poll_until

from nnviz_gl.training.bus import (
    LatestSnapshot,
    QueueClosed,
    SnapshotQueue,
    TrainingThread,
)
from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig

WAIT = 5.0  # generous upper bound for thread hand-offs on a busy 2-core machine


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
    poll_until(lambda: len(q._changed._waiters) == 1, WAIT)  # the publisher is waiting inside put()
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
        poll_until(lambda: len(q) == q.maxsize or not thread.is_alive(), WAIT)
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
    """At 5 epochs/s epoch n starts no sooner than (n - 1) / 5 s after the thread: a bound that a busy
    machine cannot break, since it only makes training slower. Uncapped, 40 epochs arrive before a cap
    of 5/s would allow even 40 (8 s: a deadline, with room for a machine many times slower than this)."""
    bus = LatestSnapshot()
    thread = TrainingThread(SklearnTrainer(), bus, epochs_per_second=5)
    started = time.monotonic()
    thread.start()
    arrived, version = _wait_for_epoch(bus, 4)
    assert arrived - started >= 3 / 5
    thread.speed = None
    started = time.monotonic()
    _wait_for_epoch(bus, 44, version)
    assert time.monotonic() - started < 40 / 5
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
