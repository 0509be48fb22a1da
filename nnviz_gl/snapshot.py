"""Snapshot: what the training loop publishes. Plain numpy copies, no GL, safe to hand between threads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .features import PLAIN, check_features, feature_matrix

ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
# logistic: binary classification (one output, p of the second class); softmax: k classes (k outputs);
# identity: regression (one output, the predicted value). The field shows each as its kind.
OUTPUT_ACTIVATIONS = ("logistic", "softmax", "identity")
KINDS = {"logistic": "binary", "softmax": "multiclass", "identity": "regression"}
MAX_CLASSES = 10  # the palette's colours that stay apart (render/style.py)
METRICS = ("loss", "test_loss", "accuracy", "test_accuracy", "r2", "test_r2")


@dataclass(frozen=True)
class Architecture:
    """What the field shader is specialised on: changing it means a recompile, anything else is a write."""

    layer_sizes: tuple[int, ...]
    activation: str
    output_activation: str = "logistic"
    features: tuple[str, ...] = PLAIN

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
        object.__setattr__(self, "features", check_features(self.features))
        if sizes[0] != len(self.features):
            raise ValueError(f"the network has {sizes[0]} inputs but {len(self.features)} input features "
                             f"({', '.join(self.features)})")
        outputs, out = sizes[-1], self.output_activation
        if out in ("logistic", "identity") and outputs != 1:
            what = "a binary classifier (logistic output)" if out == "logistic" else "a regressor"
            raise ValueError(f"the network has {outputs} outputs; {what} is drawn with 1 output"
                             + (" (a multiclass one has a softmax output)" if out == "logistic" else ""))
        if out == "softmax" and not 2 <= outputs <= MAX_CLASSES:
            raise ValueError(f"a softmax output of {outputs} classes cannot be drawn: 2 to {MAX_CLASSES} classes")

    @property
    def kind(self) -> str:
        """"binary", "multiclass" or "regression": how the field shows the output."""
        return KINDS[self.output_activation]

    @property
    def n_classes(self) -> int:
        """Classes the output tells apart (2 for binary, k for softmax, 0 for regression)."""
        return {"binary": 2, "multiclass": self.layer_sizes[-1], "regression": 0}[self.kind]

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
    r2: float | None = None
    test_r2: float | None = None
    features: tuple[str, ...] = PLAIN
    classes: tuple | None = None  # the labels the outputs stand for (a classifier's classes_); None: 0..k-1

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
        arch = Architecture(sizes, self.activation, self.output_activation, self.features)
        object.__setattr__(self, "_architecture", arch)
        object.__setattr__(self, "features", arch.features)
        object.__setattr__(self, "classes", _classes(self.classes, arch))
        object.__setattr__(self, "epoch", _whole_number(self.epoch, "epoch"))
        for name in METRICS:
            object.__setattr__(self, name, _metric(getattr(self, name), name))

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_sklearn(cls, model: Any, *, epoch: int = 0, loss: float | None = None,
                     features: Any = None, **metrics: Any) -> "Snapshot":
        """Copy a fitted ``MLPClassifier`` (binary or multiclass, any labels: its ``classes_`` are kept)
        or single-output ``MLPRegressor``. ``features`` names its inputs (default x1, x2)."""
        if not hasattr(model, "coefs_"):
            raise ValueError("the model has no weights yet: call fit or partial_fit first")
        out = getattr(model, "out_activation_", "logistic")
        if out not in OUTPUT_ACTIVATIONS:
            raise ValueError(f"a model with an {out!r} output cannot be drawn; drawn outputs: "
                             f"{', '.join(OUTPUT_ACTIVATIONS)} (a regressor with loss='squared_error')")
        if out == "identity" and model.coefs_[-1].shape[1] != 1:
            raise ValueError(f"the regressor has {model.coefs_[-1].shape[1]} outputs; one is drawn")
        classes = getattr(model, "classes_", None) if out != "identity" else None
        if loss is None:
            loss = getattr(model, "loss_", None)
        return cls(
            weights=model.coefs_,
            biases=model.intercepts_,
            activation=model.activation,
            epoch=epoch,
            loss=loss,
            output_activation=out,
            features=check_features(features),
            classes=None if classes is None else tuple(classes),
            **metrics,
        )

    @classmethod
    def from_torch(cls, model: Any, *, epoch: int, loss: Any = None, **metrics: Any) -> "Snapshot":
        """Copy a ``torch.nn.Sequential`` MLP's weights off its device (see :mod:`nnviz_gl.capture.torch`):
        one logit (binary), k logits (k classes), or with ``problem="regression"`` one value; ``features``
        and ``classes`` as for :meth:`from_sklearn`."""
        from .capture.torch import snapshot_from_torch  # torch is imported only when it is used

        return snapshot_from_torch(model, epoch=epoch, loss=loss, **metrics)

    # -- derived -----------------------------------------------------------------------------
    @property
    def architecture(self) -> Architecture:
        return self._architecture

    @property
    def is_finite(self) -> bool:
        return all(np.isfinite(a).all() for a in (*self.weights, *self.biases))

    @property
    def class_names(self) -> tuple[str, ...]:
        """What each class is called on screen (its label; "0", "1", ... without ``classes``)."""
        if self.classes is None:
            return tuple(str(i) for i in range(self.architecture.n_classes))
        return tuple(str(c) for c in self.classes)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Reference forward pass in numpy of points ``X`` (n, 2), features computed: the probability of
        the second class (binary), every class's probability (n, k) (multiclass) or the value (regression)."""
        h = feature_matrix(X, self.features)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged model gives inf and nan, not warnings
            for i, (w, b) in enumerate(zip(self.weights, self.biases)):
                h = h @ w + b
                h = _apply(self.activation if i < len(self.weights) - 1 else self.output_activation, h)
        return h if self.output_activation == "softmax" else h[:, 0]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Each class's probability, (n, k), as a classifier's ``predict_proba``."""
        if self.architecture.kind == "regression":
            raise ValueError("a regressor has no class probabilities; use predict")
        p = self.forward(X)
        return np.column_stack([1.0 - p, p]) if p.ndim == 1 else p

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The predicted value (regression) or the index of the most probable class (0..k-1)."""
        if self.architecture.kind == "regression":
            return self.forward(X)
        return np.argmax(self.predict_proba(X), axis=1)

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
            r2=pick.r2,
            test_r2=pick.test_r2,
            output_activation=self.output_activation,
            features=self.features,
            classes=self.classes,
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


def _classes(classes: Any, arch: Architecture) -> tuple | None:
    """The output's labels as plain Python values (one per class), or None; a regressor has none."""
    if classes is None:
        return None
    labels = tuple(c.item() if isinstance(c, np.generic) else c for c in classes)
    if arch.kind == "regression":
        raise ValueError("a regressor's output has no classes")
    if len(labels) != arch.n_classes:
        raise ValueError(f"{len(labels)} classes given for an output of {arch.n_classes} classes")
    if not all(isinstance(c, (str, int, float)) for c in labels) \
            or len(set(labels)) != len(labels):
        raise ValueError(f"classes must be distinct numbers or strings, got {labels!r}")
    return labels


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
    if name == "softmax":
        e = np.exp(h - h.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise ValueError(f"unknown activation {name!r}")
