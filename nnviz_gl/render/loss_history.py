"""A run's metrics over epochs, for the loss panel: a fixed-capacity float32 table, numpy only.

Each row is (epoch, loss, test loss, score, test score), the score being accuracy for a classifier and
R² for a regression. Rows come one snapshot at a time (:meth:`LossHistory.record`, by epoch: a snapshot
of an epoch already recorded replaces it, an earlier epoch starts the run again) or as a whole run
(:meth:`LossHistory.set_rows`). A run longer than the capacity is decimated, never truncated: every k-th
row is kept (k doubling as needed) and the newest is always there, so the first and last epochs are
drawn. NaN and inf are stored as they are (the panel draws them as gaps).
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from ..snapshot import Snapshot

ROW_FLOATS = 5       # epoch, loss, test loss, score, test score
CAPACITY = 1024      # rows the panel draws at most: ~4 per pixel column at 4K
HistoryInput = Sequence[Snapshot] | Sequence[Sequence[float]] | np.ndarray


def snapshot_row(snapshot: Snapshot) -> np.ndarray:
    """The row of one snapshot: its epoch, losses and score (accuracy, or R² for a regression); NaN where absent."""
    if snapshot.architecture.kind == "regression":
        score, test_score = snapshot.r2, snapshot.test_r2
    else:
        score, test_score = snapshot.accuracy, snapshot.test_accuracy
    values = (snapshot.loss, snapshot.test_loss, score, test_score)
    return np.array([snapshot.epoch, *(np.nan if v is None else v for v in values)], np.float64)


def history_rows(history: HistoryInput) -> np.ndarray:
    """(n, 5) float64 rows from a list of Snapshots, or of (epoch, loss[, test_loss[, score[, test_score]]])
    tuples (missing values are NaN). Epochs must not decrease."""
    items = list(history) if not isinstance(history, np.ndarray) else history
    if len(items) == 0:
        return np.zeros((0, ROW_FLOATS))
    if isinstance(items, list) and all(isinstance(s, Snapshot) for s in items):
        rows = np.array([snapshot_row(s) for s in items])
    else:
        try:
            table = np.asarray(items, np.float64)
        except (TypeError, ValueError):
            raise ValueError("history must be a list of Snapshots or of (epoch, loss, test_loss, score, "
                             "test_score) rows") from None
        if table.ndim != 2 or not 2 <= table.shape[1] <= ROW_FLOATS:
            raise ValueError(f"history rows must have 2 to {ROW_FLOATS} numbers (epoch, loss, test_loss, score, "
                             f"test_score), got shape {table.shape}")
        rows = np.full((len(table), ROW_FLOATS), np.nan)
        rows[:, : table.shape[1]] = table
    if not np.isfinite(rows[:, 0]).all() or (np.diff(rows[:, 0]) < 0).any():
        raise ValueError("history epochs must be finite numbers that do not decrease")
    return rows


def reader_rows(reader, kind: str) -> np.ndarray:
    """A recorded run's rows from a :class:`~nnviz_gl.trajectory.TrajectoryReader`'s metric arrays
    (no snapshot built)."""
    scores = ("r2", "test_r2") if kind == "regression" else ("accuracy", "test_accuracy")
    columns = [reader.epochs.astype(np.float64)] + [reader.metric(n) for n in ("loss", "test_loss", *scores)]
    return np.column_stack(columns) if len(columns[0]) else np.zeros((0, ROW_FLOATS))


class LossHistory:
    """The rows the panel draws, in a float32 table of ``capacity`` rows (the GL buffer's mirror).

    ``changed_from`` is the first row written since :meth:`take_changes` (None: nothing), so the GL
    buffer is written from there on only.
    """

    def __init__(self, capacity: int = CAPACITY) -> None:
        if capacity < 4:
            raise ValueError(f"a loss history needs room for at least 4 rows, got {capacity}")
        self.capacity = int(capacity)
        self.rows = np.zeros((self.capacity, ROW_FLOATS), np.float32)
        self.count = 0
        self.stride = 1          # every stride-th arrival is kept
        self._arrival = np.zeros(self.capacity, np.int64)  # arrival number of each stored row
        self._arrivals = 0       # rows recorded since the run (re)started
        self._tail_kept = True   # whether the last stored row is a kept one (else the newest, shown until replaced)
        self.changed_from: int | None = None

    def __len__(self) -> int:
        return self.count

    @property
    def epochs(self) -> np.ndarray:
        return self.rows[: self.count, 0]

    @property
    def values(self) -> np.ndarray:
        """(count, 4): loss, test loss, score, test score."""
        return self.rows[: self.count, 1:]

    def clear(self) -> None:
        self.count, self.stride, self._arrivals, self._tail_kept = 0, 1, 0, True
        self._mark(0)

    def record(self, row: np.ndarray) -> None:
        """One epoch's row: a later epoch is added, the same epoch replaces, an earlier one restarts the run."""
        epoch = float(row[0])
        if self.count and epoch <= self.rows[self.count - 1, 0]:
            if epoch == self.rows[self.count - 1, 0]:
                self._write(self.count - 1, row)
                return
            self.clear()  # a reset run counts its epochs again
        keep = self._arrivals % self.stride == 0
        slot = self.count if self._tail_kept else self.count - 1
        if slot == self.capacity:
            self._decimate()
            slot = self.count if self._tail_kept else self.count - 1
            keep = self._arrivals % self.stride == 0
        self._write(slot, row)
        self._arrival[slot] = self._arrivals
        self.count = slot + 1
        self._tail_kept = keep
        self._arrivals += 1

    def set_rows(self, rows: np.ndarray) -> None:
        """A whole run at once (a replay's file, ``render_frame(history=...)``), decimated as recording it would be."""
        rows = np.asarray(rows, np.float64).reshape(-1, ROW_FLOATS)
        self.clear()
        n = len(rows)
        stride = 1
        while -(-n // stride) + 1 > self.capacity:
            stride *= 2
        picks = np.arange(0, n, stride)
        if n and picks[-1] != n - 1:
            picks = np.append(picks, n - 1)
        self.rows[: len(picks)] = rows[picks]
        self._arrival[: len(picks)] = picks
        self.count, self.stride, self._arrivals = len(picks), stride, n
        self._tail_kept = not n or (n - 1) % stride == 0
        self._mark(0)

    def take_changes(self) -> tuple[int, np.ndarray] | None:
        """(first row, the rows from there to the end) written since the last call, or None."""
        first, self.changed_from = self.changed_from, None
        if first is None or first >= self.count:
            return None
        return first, self.rows[first : self.count]

    def at_epoch(self, epoch: float) -> np.ndarray | None:
        """The stored row of the latest epoch at or before ``epoch`` (the first row before the run), or None."""
        if not self.count:
            return None
        i = int(np.searchsorted(self.epochs, epoch, side="right")) - 1
        return self.rows[max(i, 0)]

    def _write(self, slot: int, row: Iterable[float]) -> None:
        with np.errstate(over="ignore"):  # a diverged loss beyond float32 is inf: a gap
            self.rows[slot] = np.asarray(row, np.float64)
        self._mark(slot)

    def _decimate(self) -> None:
        """Keep every other kept row (twice the stride) and the newest: half the table is free again."""
        self.stride *= 2
        n = self.count
        arrival = self._arrival[:n]
        picks = np.flatnonzero(arrival % self.stride == 0)
        if picks[-1] != n - 1:
            picks = np.append(picks, n - 1)
        self.rows[: len(picks)] = self.rows[picks]
        self._arrival[: len(picks)] = arrival[picks]
        self.count = len(picks)
        self._tail_kept = bool(self._arrival[self.count - 1] % self.stride == 0)  # else the next row replaces it
        self._mark(0)

    def _mark(self, slot: int) -> None:
        self.changed_from = slot if self.changed_from is None else min(self.changed_from, slot)
