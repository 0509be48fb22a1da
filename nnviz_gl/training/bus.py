"""How snapshots travel from the training thread to whoever draws them.

* :class:`LatestSnapshot` — for the live window: latest wins, the trainer never waits for the screen.
* :class:`SnapshotQueue` — for video: every epoch is a frame, so nothing may be dropped; a bounded FIFO
  makes the trainer wait for the encoder and keeps memory flat; :meth:`SnapshotQueue.close` is the end marker.
* :class:`TrainingThread` — runs a trainer on its own thread and publishes to either, with the live
  window's controls (pause, step, speed, reinitialise, new data, add a point) executed between epochs.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from typing import Any, Callable, Iterator, Protocol

from ..points import point_label
from ..snapshot import Snapshot


class QueueClosed(RuntimeError):
    """The queue was closed: nothing more can be put, and it has been drained."""


class SnapshotSink(Protocol):
    """What :class:`TrainingThread` publishes to."""

    def publish(self, snapshot: Snapshot) -> None: ...

    def close(self) -> None: ...


class LatestSnapshot:
    """A thread-safe slot holding the newest snapshot; publishing replaces it and never blocks for long."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._snapshot: Snapshot | None = None
        self._version = 0
        self._closed = False

    def publish(self, snapshot: Snapshot) -> None:
        with self._changed:
            self._snapshot = snapshot
            self._version += 1
            self._changed.notify_all()

    def latest(self) -> tuple[Snapshot | None, int]:
        """The newest snapshot (None before the first) and its version: 0 before any, then 1, 2, ..."""
        with self._changed:
            return self._snapshot, self._version

    def wait_newer(self, version: int, timeout: float | None = None) -> tuple[Snapshot | None, int]:
        """Block until a snapshot newer than ``version`` arrives, the slot is closed, or ``timeout`` passes;
        then return :meth:`latest` (compare the version to tell which happened)."""
        with self._changed:
            self._changed.wait_for(lambda: self._version > version or self._closed, timeout)
            return self._snapshot, self._version

    def close(self) -> None:
        """Mark that no more snapshots will come (training ended); wakes any waiter."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def closed(self) -> bool:
        with self._changed:
            return self._closed


class SnapshotQueue:
    """A bounded FIFO of snapshots with an end marker.

    ``put`` blocks while the queue is full. ``close()`` is the end marker: the consumer still gets
    everything put before it, then iteration stops and ``get`` raises :class:`QueueClosed`. A consumer
    that gives up calls ``close()`` too, which makes a blocked ``put`` raise :class:`QueueClosed`
    instead of waiting forever.
    """

    def __init__(self, maxsize: int = 8) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
            raise ValueError(f"maxsize must be an integer >= 1, got {maxsize!r}")
        self.maxsize = maxsize
        self._items: deque[Snapshot] = deque()
        self._changed = threading.Condition()
        self._closed = False

    def put(self, snapshot: Snapshot, timeout: float | None = None) -> None:
        """Append, waiting while full; ``queue.Full`` after ``timeout`` seconds, :class:`QueueClosed` if closed."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._items) < self.maxsize or self._closed, timeout):
                raise queue.Full(f"snapshot queue still full ({self.maxsize}) after {timeout} s")
            if self._closed:
                raise QueueClosed("cannot put a snapshot into a closed queue")
            self._items.append(snapshot)
            self._changed.notify_all()

    publish = put  # so a TrainingThread can feed a video

    def get(self, timeout: float | None = None) -> Snapshot:
        """The oldest snapshot, waiting for one; ``queue.Empty`` after ``timeout`` seconds,
        :class:`QueueClosed` once closed and drained."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._items or self._closed, timeout):
                raise queue.Empty(f"no snapshot within {timeout} s")
            if not self._items:
                raise QueueClosed("the snapshot queue is closed and drained")
            item = self._items.popleft()
            self._changed.notify_all()
            return item

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def closed(self) -> bool:
        with self._changed:
            return self._closed

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)

    def __iter__(self) -> Iterator[Snapshot]:
        while True:
            try:
                yield self.get()
            except QueueClosed:
                return


class TrainingThread(threading.Thread):
    """Runs ``trainer.step()`` on a daemon thread and publishes every snapshot to ``bus``.

    It publishes the trainer's current snapshot first (epoch 0 for a fresh trainer), then one per
    epoch. With ``epochs`` it stops after that many epochs; ``epochs_per_second`` caps the pace
    (``None``: as fast as training goes). Controls may be called from any thread: commands queue up
    and run on the training thread between epochs, each followed by a fresh snapshot. When the thread
    ends (epochs done, :meth:`stop`, or an error) it closes ``bus``; :meth:`join` re-raises a training error.
    """

    def __init__(
        self,
        trainer: Any,
        bus: SnapshotSink,
        *,
        epochs: int | None = None,
        epochs_per_second: float | None = None,
    ) -> None:
        super().__init__(name="nnviz-training", daemon=True)
        if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0):
            raise ValueError(f"epochs must be an integer >= 0 or None (no limit), got {epochs!r}")
        self.trainer = trainer
        self.bus = bus
        self.epochs = epochs
        self.error: BaseException | None = None
        self._control = threading.Condition()
        self._speed = _checked_speed(epochs_per_second)
        self._paused = False
        self._stopping = False
        self._steps_requested = 0
        self._commands: deque[Callable[[], None]] = deque()
        self._epochs_run = 0
        self._next_step_at = 0.0
        self._problem: tuple[str, int] | None = None  # (kind, classes) of the model last published
        self.last_change: str | None = None  # what the last change() did, in one line

    # -- controls (any thread) ----------------------------------------------------------------
    @property
    def paused(self) -> bool:
        with self._control:
            return self._paused

    def pause(self) -> None:
        with self._control:
            self._paused = True
            self._control.notify_all()

    def resume(self) -> None:
        with self._control:
            self._paused = False
            self._steps_requested = 0
            self._control.notify_all()

    def step_once(self) -> None:
        """Pause (if running) and train exactly one more epoch."""
        with self._control:
            self._paused = True
            self._steps_requested += 1
            self._control.notify_all()

    @property
    def speed(self) -> float | None:
        """Epochs per second at most; ``None`` means unlimited."""
        with self._control:
            return self._speed

    @speed.setter
    def speed(self, epochs_per_second: float | None) -> None:
        speed = _checked_speed(epochs_per_second)
        with self._control:
            self._speed = speed
            self._next_step_at = 0.0  # a new pace starts now, not after the old interval
            self._control.notify_all()

    @property
    def epochs_run(self) -> int:
        """Epochs this thread has trained (across reinitialisations)."""
        with self._control:
            return self._epochs_run

    def reinitialize(self) -> None:
        self._command(self.trainer.reinitialize)

    def new_data(self) -> None:
        self._command(self.trainer.new_data)

    def change(self, **options) -> None:
        """Change the run between two epochs (:meth:`SklearnTrainer.change`); checked here, in the caller's
        thread, so a bad value raises now and changes nothing. What happened is then :attr:`last_change`."""
        from .live_changes import checked_change

        checked_change(self.trainer, options)

        def apply() -> None:
            message = self.trainer.change(**options)
            with self._control:
                self.last_change = message

        self._command(apply)

    def add_point(self, x: float, y: float, label: int | float) -> None:
        """A training point: ``label`` is a class index (0..k-1) for a classifier, a value for a regression."""
        with self._control:
            kind, n_classes = self._problem or ("binary", 2)
        # fail here, in the caller's thread, not later on the training thread
        label = point_label(label, 0 if kind == "regression" else n_classes)
        self._command(lambda: self.trainer.add_point(x, y, label))

    def stop(self) -> None:
        """Ask the thread to end after the current epoch; also unblocks a publish waiting on a full queue."""
        with self._control:
            self._stopping = True
            self._control.notify_all()
        self.bus.close()

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self.error is not None and not self.is_alive():
            raise RuntimeError("training failed on its thread") from self.error

    # -- the thread ---------------------------------------------------------------------------
    def run(self) -> None:
        try:
            self._publish(self.trainer.current_snapshot())
            while True:
                commands, step = self._next_work()
                if commands is None:
                    return
                for command in commands:
                    command()
                if commands:
                    self._publish(self.trainer.current_snapshot())
                if step:
                    snapshot = self.trainer.step()
                    with self._control:
                        self._epochs_run += 1
                    self._publish(snapshot)
        except QueueClosed:
            pass  # the consumer went away or stop() closed the queue: nothing left to publish to
        except BaseException as error:  # kept for join(); the thread must end and close the bus
            self.error = error
        finally:
            self.bus.close()

    def _publish(self, snapshot: Snapshot) -> None:
        with self._control:  # what add_point checks labels against
            self._problem = (snapshot.architecture.kind, snapshot.architecture.n_classes)
        self.bus.publish(snapshot)

    def _next_work(self) -> tuple[list[Callable[[], None]] | None, bool]:
        """Wait (without spinning) until there is something to do: (commands, whether to step); None when done."""
        with self._control:
            while True:
                if self._stopping or (self.epochs is not None and self._epochs_run >= self.epochs):
                    return None, False
                commands = list(self._commands)
                self._commands.clear()
                wait: float | None = None
                if self._paused:
                    step = self._steps_requested > 0
                    if step:
                        self._steps_requested -= 1
                else:
                    wait = self._next_step_at - time.monotonic()
                    step = wait <= 0
                if step and not self._paused and self._speed is not None:
                    # keep a steady beat; after falling more than a beat behind, restart it from now
                    now, interval = time.monotonic(), 1.0 / self._speed
                    beat = self._next_step_at if now - self._next_step_at < interval else now
                    self._next_step_at = beat + interval
                if commands or step:
                    return commands, step
                self._control.wait(wait)

    def _command(self, command: Callable[[], None]) -> None:
        with self._control:
            self._commands.append(command)
            self._control.notify_all()


def _checked_speed(epochs_per_second: float | None) -> float | None:
    if epochs_per_second is None:
        return None
    speed = float(epochs_per_second)
    if not speed > 0 or speed == float("inf"):
        raise ValueError(f"epochs_per_second must be a finite number > 0, or None for unlimited; got {epochs_per_second!r}")
    return speed
