"""Snapshot: what the training loop publishes. Plain numpy copies, no GL, safe to hand between threads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
OUTPUT_ACTIVATIONS = ("logistic",)  # binary classification; softmax/identity come with multiclass/regression
METRICS = ("loss", "test_loss", "accuracy", "test_accuracy")


@dataclass(frozen=True)
class Architecture:
    """What the field shader is specialised on: changing it means a recompile, anything else is a write."""

    layer_sizes: tuple[int, ...]
    activation: str
    output_activation: str = "logistic"

    def __post_init__(self) -> None:
        sizes = self.layer_sizes
        if len(sizes) < 2 or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0
                                     for n in sizes):
            raise ValueError(f"layer sizes must be two or more positive whole numbers, got {sizes!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; valid: {', '.join(ACTIVATIONS)}")
        if self.output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"unknown output activation {self.output_activation!r}; valid: {', '.join(OUTPUT_ACTIVATIONS)}"
            )
        if sizes[-1] != 1:  # a logistic output is one probability; several would be drawn as if one
            raise ValueError(f"the network has {sizes[-1]} outputs; only binary classifiers with 1 output are "
                             "drawn so far (multiclass is not supported yet)")

    @property
    def n_inputs(self) -> int:
        return self.layer_sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.layer_sizes[-1]

    @property
    def n_edges(self) -> int:
        return int(sum(a * b for a, b in zip(self.layer_sizes[:-1], self.layer_sizes[1:])))


@dataclass(frozen=True, eq=False)
class Snapshot:
    """One moment of training.

    ``weights[i]`` has scikit-learn's ``coefs_`` layout, shape ``(n_in, n_out)``; ``biases[i]`` has
    shape ``(n_out,)``. The arrays are copied on construction, so later training steps never change
    a published snapshot.
    """

    weights: Sequence[np.ndarray]
    biases: Sequence[np.ndarray]
    activation: str = "relu"
    epoch: int = 0
    loss: float | None = None
    test_loss: float | None = None
    accuracy: float | None = None
    test_accuracy: float | None = None
    output_activation: str = "logistic"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        weights = tuple(_parameters(w, f"weights[{i}]") for i, w in enumerate(self.weights))
        biases = tuple(_parameters(b, f"biases[{i}]").reshape(-1) for i, b in enumerate(self.biases))
        if not weights:
            raise ValueError("a Snapshot needs at least one weight matrix")
        if len(weights) != len(biases):
            raise ValueError(f"got {len(weights)} weight matrices but {len(biases)} bias vectors")
        for i, (w, b) in enumerate(zip(weights, biases)):
            if w.ndim != 2:
                raise ValueError(f"weights[{i}] must be 2-D (n_in, n_out), got shape {w.shape}")
            if b.shape != (w.shape[1],):
                raise ValueError(f"biases[{i}] must have shape ({w.shape[1]},), got {b.shape}")
            if i and w.shape[0] != weights[i - 1].shape[1]:
                raise ValueError(
                    f"weights[{i}] takes {w.shape[0]} inputs but layer {i} has {weights[i - 1].shape[1]} neurons"
                )
            if 0 in w.shape:
                raise ValueError(f"weights[{i}] has an empty layer (shape {w.shape})")
        for w in weights + biases:
            w.setflags(write=False)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "biases", biases)
        # Built once (it checks the activations and refuses what cannot be drawn); compared on every frame.
        sizes = (weights[0].shape[0],) + tuple(w.shape[1] for w in weights)
        object.__setattr__(self, "_architecture", Architecture(sizes, self.activation, self.output_activation))
        object.__setattr__(self, "epoch", _whole_number(self.epoch, "epoch"))
        for name in METRICS:
            object.__setattr__(self, name, _metric(getattr(self, name), name))

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_sklearn(cls, clf: Any, *, epoch: int = 0, loss: float | None = None, **metrics: Any) -> "Snapshot":
        """Copy a fitted ``MLPClassifier``'s weights (binary classification)."""
        if not hasattr(clf, "coefs_"):
            raise ValueError("the classifier has no weights yet: call fit or partial_fit first")
        out = getattr(clf, "out_activation_", "logistic")
        if out != "logistic":
            raise ValueError(f"only binary classifiers (logistic output) are drawn so far, got {out!r}")
        if loss is None:
            loss = getattr(clf, "loss_", None)
        return cls(
            weights=clf.coefs_,
            biases=clf.intercepts_,
            activation=clf.activation,
            epoch=epoch,
            loss=loss,
            output_activation=out,
            **metrics,
        )

    @classmethod
    def from_torch(cls, model: Any, *, epoch: int, loss: Any = None, **metrics: Any) -> "Snapshot":
        """Copy a ``torch.nn.Sequential`` MLP's weights off its device (see :mod:`nnviz_gl.capture.torch`)."""
        from .capture.torch import snapshot_from_torch  # torch is imported only when it is used

        return snapshot_from_torch(model, epoch=epoch, loss=loss, **metrics)

    # -- derived -----------------------------------------------------------------------------
    @property
    def architecture(self) -> Architecture:
        return self._architecture

    @property
    def is_finite(self) -> bool:
        return all(np.isfinite(a).all() for a in (*self.weights, *self.biases))

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Reference forward pass in numpy: probability of class 1 for each row of ``X``."""
        h = np.asarray(X, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged model gives inf and nan, not warnings
            for i, (w, b) in enumerate(zip(self.weights, self.biases)):
                h = h @ w + b
                h = _apply(self.activation if i < len(self.weights) - 1 else self.output_activation, h)
        return h[:, 0]

    def interpolate(self, other: "Snapshot", t: float) -> "Snapshot":
        """Weights blended linearly from ``self`` (t=0) to ``other`` (t=1), for smooth motion between epochs.

        Epoch and metrics are ``other``'s as soon as ``t > 0``: a blend of weights has no loss of its
        own, it is the motion towards ``other``. (Taking the nearer one would freeze the label of a
        live window whose glides are restarted, from the blend on screen, before reaching halfway.)
        """
        if other.architecture != self.architecture:
            raise ValueError("cannot interpolate between different architectures")
        t = float(t)
        pick = other if t > 0 else self
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged model's inf and nan blend to inf and nan
            weights = [a + (b - a) * t for a, b in zip(self.weights, other.weights)]
            biases = [a + (b - a) * t for a, b in zip(self.biases, other.biases)]
        return Snapshot(
            weights=weights,
            biases=biases,
            activation=self.activation,
            epoch=pick.epoch,
            loss=pick.loss,
            test_loss=pick.test_loss,
            accuracy=pick.accuracy,
            test_accuracy=pick.test_accuracy,
            output_activation=self.output_activation,
        )


def to_float32(values: np.ndarray) -> np.ndarray:
    """A float32 copy for the GPU. A diverged model's weights beyond float32's range become inf without
    a warning: the frame shows such a model as diverged."""
    with np.errstate(over="ignore"):
        return np.asarray(values, dtype=np.float32)


def _parameters(value: Any, name: str) -> np.ndarray:
    """A float64 copy of a weight matrix or bias vector; complex, text or object values are refused
    (numpy would drop an imaginary part with only a warning)."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        what = "complex" if array.dtype.kind == "c" else f"non-numeric ({array.dtype})"
        raise ValueError(f"{name} must hold real numbers, got {what} values")
    return np.array(array, dtype=np.float64, copy=True)


def _metric(value: Any, name: str) -> float | None:
    """A metric as a float (nan and inf are kept: a diverged run has them), or None; anything that is not
    one real number is refused."""
    if value is None:
        return None
    kind = np.asarray(value).dtype.kind if not isinstance(value, (str, bytes)) else "U"
    if kind not in "iuf" or np.ndim(value) != 0:
        raise ValueError(f"{name} must be a real number or None, got {value!r}")
    return float(value)


def _whole_number(value: Any, name: str) -> int:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)  # any size: where it must fit (a trajectory's record) says so itself
    number = isinstance(value, (float, np.floating))
    if not number or not np.isfinite(value) or value != int(value):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(value)


def _apply(name: str, h: np.ndarray) -> np.ndarray:
    if name == "identity":
        return h
    if name == "logistic":
        return 1.0 / (1.0 + np.exp(-h))
    if name == "tanh":
        return np.tanh(h)
    if name == "relu":
        return np.maximum(h, 0.0)
    raise ValueError(f"unknown activation {name!r}")
