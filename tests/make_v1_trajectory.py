"""Writes tests/fixtures/v1_binary.nnviz, a trajectory in format version 1 (binary classifiers, four
metrics), as nnviz_gl wrote it up to commit 8f24ca6. Run once, with that commit's package:

    git worktree add /tmp/v1 8f24ca6 && PYTHONPATH=/tmp/v1 python tests/make_v1_trajectory.py

tests/test_trajectory_problems.py reads the committed file back and compares it with the functions here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).parent / "fixtures" / "v1_binary.nnviz"
SIZES = (2, 3, 1)
X = np.array([[-1.0, -0.5], [0.25, 1.0], [0.5, -1.0], [1.0, 0.75], [-0.75, 0.5], [0.0, 0.0]])
Y = np.array([0, 1, 0, 1, 1, 0])
X_TEST = np.array([[0.5, 0.5], [-0.5, -0.5]])
Y_TEST = np.array([1, 0])
METADATA = {"recorded_by": "tests/make_v1_trajectory.py"}


def parameters(i: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Snapshot i's weights and biases: different for every i, with fractions float64 holds exactly."""
    weights = [(np.arange(a * b, dtype=np.float64).reshape(a, b) - 2.5) * 0.375 + 0.125 * i
               for a, b in zip(SIZES, SIZES[1:])]
    biases = [np.linspace(-0.5, 0.5, b) * (i + 1) for b in SIZES[1:]]
    return weights, biases


def metrics(i: int) -> dict[str, float | None]:
    """Snapshot i's four version-1 metrics: some absent, so the mask is read back too."""
    return {"loss": 1.0 / (i + 2), "test_loss": None if i == 0 else 0.75 / (i + 1),
            "accuracy": 0.5 + 0.125 * i, "test_accuracy": None}


def main() -> None:
    from nnviz_gl.snapshot import Snapshot
    from nnviz_gl.trajectory import TrajectoryReader, TrajectoryWriter
    from nnviz_gl.trajectory_format import VERSION

    assert VERSION == 1, "run this with nnviz_gl at commit 8f24ca6 (format version 1)"
    FIXTURE.parent.mkdir(exist_ok=True)
    with TrajectoryWriter(FIXTURE, X, Y, X_TEST, Y_TEST, metadata=METADATA) as writer:
        for i in range(3):
            weights, biases = parameters(i)
            writer.publish(Snapshot(weights, biases, activation="tanh", epoch=i + 1, **metrics(i)))
    with TrajectoryReader(FIXTURE) as run:
        print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size} bytes): {run!r}")


if __name__ == "__main__":
    main()
