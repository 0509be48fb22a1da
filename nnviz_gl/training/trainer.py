"""One epoch at a time of scikit-learn's MLPClassifier, each turned into a :class:`Snapshot`.

Epoch numbering: epoch 0 is the network as initialised, before any training (what
:meth:`SklearnTrainer.initial_snapshot` returns); :meth:`SklearnTrainer.step` runs one ``partial_fit``
pass over the training set and returns epoch 1, 2, ... — the seed video's "Training Epoch: i+1".

``Snapshot.loss`` is scikit-learn's ``loss_``: the training log-loss plus the L2 penalty, averaged over
the epoch's mini-batches (with at most 200 training points there is one batch, so it is the loss of
the weights the epoch started from). ``test_loss`` is the plain log-loss of the epoch's final
weights on the test set.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..snapshot import ACTIVATIONS, Snapshot
from .datasets import OWN_DATA_DEFAULTS, TRAINING_DEFAULTS, Dataset, check_dataset_arguments, make_dataset

_CLASSES = np.array([0, 1])


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that decides a training run; same config, identical snapshots.

    Defaults are the seed notebook's: data from scikit-learn's classifier comparison and
    ``MLPClassifier(hidden_layer_sizes=(5, 10, 5), alpha=1)`` with its default relu and Adam at 0.001.
    ``hidden``, ``alpha`` and ``learning_rate`` left at None take the dataset's own from
    :data:`TRAINING_DEFAULTS` (the seed's for classification; settings under which the others learn).
    ``epochs`` is how long a run lasts; the trainer itself steps for as long as it is asked.
    """

    dataset: str = "classification"
    n_samples: int = 500  # the seed notebook's 500 points
    noise: float | None = None
    test_size: float = 0.4
    hidden: tuple[int, ...] | None = None
    activation: str = "relu"
    alpha: float | None = None
    learning_rate: float | None = None
    epochs: int = 300
    seed: int = 0
    data_path: str | None = None  # the user's own .csv/.npz instead of `dataset` (see user_data.load_data)
    columns: tuple[str, str, str] | None = None  # CSV header names of x1, x2 and the label
    standardize: bool = True  # the user's data scaled as the built-in data is

    def __post_init__(self) -> None:
        check_dataset_arguments(
            self.dataset, n_samples=self.n_samples, noise=self.noise, test_size=self.test_size, seed=self.seed
        )
        defaults = OWN_DATA_DEFAULTS if self.data_path is not None else TRAINING_DEFAULTS[self.dataset]
        default_hidden, default_alpha, default_learning_rate = defaults
        for name, default in (("hidden", default_hidden), ("alpha", default_alpha), ("learning_rate", default_learning_rate)):
            if getattr(self, name) is None:
                object.__setattr__(self, name, default)
        hidden = tuple(self.hidden) if not isinstance(self.hidden, (int, np.integer)) else (self.hidden,)
        if not hidden or not all(isinstance(h, (int, np.integer)) and not isinstance(h, bool) and h > 0 for h in hidden):
            raise ValueError(f"hidden must be one or more positive layer sizes, e.g. (5, 10, 5); got {self.hidden!r}")
        object.__setattr__(self, "hidden", tuple(int(h) for h in hidden))
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; valid: {', '.join(ACTIVATIONS)}")
        if not (isinstance(self.epochs, (int, np.integer)) and self.epochs > 0):
            raise ValueError(f"epochs must be a positive integer, got {self.epochs!r}")
        if not (np.isfinite(self.alpha) and self.alpha >= 0):
            raise ValueError(f"alpha (L2 penalty) must be a finite number >= 0, got {self.alpha!r}")
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a finite number > 0, got {self.learning_rate!r}")
        if self.columns is not None:
            if self.data_path is None:
                raise ValueError("columns name the fields of a data file; give data_path too")
            object.__setattr__(self, "columns", tuple(self.columns))

    def make_dataset(self, seed: int | None = None) -> Dataset:
        """The dataset this config describes (``seed`` overrides the config's, for fresh samples; for the
        user's own data, a fresh split of the same points)."""
        if self.data_path is not None:
            from .user_data import load_data

            return load_data(self.data_path, columns=self.columns, standardize=self.standardize,
                             test_size=self.test_size, seed=self.seed if seed is None else seed)
        return make_dataset(
            self.dataset,
            n_samples=self.n_samples,
            noise=self.noise,
            test_size=self.test_size,
            seed=self.seed if seed is None else seed,
        )


class SklearnTrainer:
    """Trains an ``MLPClassifier`` epoch by epoch and reports each epoch as a :class:`Snapshot`.

    Not thread-safe: call it from one thread (``bus.TrainingThread`` does). Training that diverges
    never raises: its snapshots carry non-finite weights and ``loss = nan``.
    """

    def __init__(self, config: TrainingConfig | None = None, dataset: Dataset | None = None) -> None:
        self.config = config if config is not None else TrainingConfig()
        self._dataset = dataset if dataset is not None else self.config.make_dataset()
        self._data_version = 0
        self._data_draws = 0
        self._weight_draws = 0
        self._start_run(self.config.seed)

    # -- state --------------------------------------------------------------------------------
    @property
    def dataset(self) -> Dataset:
        """The data being trained on now (changes with :meth:`new_data` and :meth:`add_point`)."""
        return self._dataset

    @property
    def data_version(self) -> int:
        """Counts changes of the points: compare it to know when to redraw them."""
        return self._data_version

    @property
    def epoch(self) -> int:
        """Epochs trained since the weights were (re)initialised."""
        return self._epoch

    @property
    def random_state(self) -> int:
        """The ``random_state`` of the current classifier (the config's seed until :meth:`reinitialize`)."""
        return self._random_state

    # -- training -----------------------------------------------------------------------------
    def step(self) -> Snapshot:
        """Train one epoch (one ``partial_fit`` pass) and return its snapshot."""
        data = self._dataset
        with np.errstate(all="ignore"):
            try:
                self._clf.partial_fit(data.X_train, data.y_train, classes=_CLASSES)
                self._last_loss = float(self._clf.loss_)
            except (ValueError, FloatingPointError, OverflowError):
                # scikit-learn raises once its weights are non-finite; they are kept, so training goes on.
                if not hasattr(self._clf, "coefs_"):
                    raise
                self._last_loss = float("nan")
        self._epoch += 1
        return self.current_snapshot()

    def initial_snapshot(self) -> Snapshot:
        """Epoch 0: the weights scikit-learn will start from, before any training."""
        weights, biases = self._initial_parameters
        bare = Snapshot(weights, biases, activation=self.config.activation, epoch=0)
        # the loss scikit-learn reports for these weights: log-loss plus its L2 penalty
        y = self._dataset.y_train
        with np.errstate(all="ignore"):
            penalty = 0.5 * self.config.alpha * sum(float(np.sum(w * w)) for w in bare.weights) / max(len(y), 1)
            loss = log_loss(y, bare.forward(self._dataset.X_train)) + penalty
        return self._measured(bare, loss)

    def current_snapshot(self) -> Snapshot:
        """The weights as they are now, measured on the current data (epoch 0 before any step)."""
        if self._epoch == 0:
            return self.initial_snapshot()
        return self._measured(Snapshot.from_sklearn(self._clf, epoch=self._epoch), self._last_loss)

    # -- live controls ------------------------------------------------------------------------
    def reinitialize(self) -> None:
        """New random weights (a seed derived from the config's seed and a counter), same data, epoch 0."""
        self._weight_draws += 1
        self._start_run(_derived_seed(self.config.seed, self._weight_draws))

    def new_data(self) -> None:
        """A fresh sample of the configured dataset (a derived seed); the weights keep training on it."""
        self._data_draws += 1
        self._set_dataset(self.config.make_dataset(seed=_derived_seed(self.config.seed, self._data_draws)))

    def add_point(self, x: float, y: float, label: int) -> None:
        """Append a training point; the following epochs train on it."""
        self._set_dataset(self._dataset.with_training_point(x, y, label))

    # -- internals ----------------------------------------------------------------------------
    def _set_dataset(self, dataset: Dataset) -> None:
        self._dataset = dataset
        self._data_version += 1

    def _start_run(self, random_state: int) -> None:
        from sklearn.neural_network import MLPClassifier  # here, not at the top: see nnviz_gl/__init__.py

        cfg = self.config
        self._random_state = int(random_state)
        self._clf = MLPClassifier(
            hidden_layer_sizes=cfg.hidden,
            activation=cfg.activation,
            alpha=cfg.alpha,
            learning_rate_init=cfg.learning_rate,
            random_state=self._random_state,
        )
        self._epoch = 0
        self._last_loss = float("nan")
        self._initial_parameters = _glorot_parameters(
            (2, *cfg.hidden, 1), cfg.activation, self._random_state
        )

    def _measured(self, bare: Snapshot, loss: float | None) -> Snapshot:
        """``bare`` with its losses and accuracies on the current data."""
        data = self._dataset
        with np.errstate(all="ignore"):
            p_train, p_test = bare.forward(data.X_train), bare.forward(data.X_test)
        return replace(
            bare,
            loss=loss,
            test_loss=log_loss(data.y_test, p_test),
            accuracy=accuracy(data.y_train, p_train),
            test_accuracy=accuracy(data.y_test, p_test),
            extra={"data_version": self._data_version, "random_state": self._random_state},
        )


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    """Binary log-loss with probabilities clipped as scikit-learn clips them; nan if any probability is nan."""
    if len(y) == 0:
        return float("nan")
    eps = np.finfo(np.float64).eps
    p = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    y = np.asarray(y, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))


def accuracy(y: np.ndarray, p: np.ndarray) -> float:
    """Share of points whose class-1 probability lands on the right side of 0.5; nan if there are none."""
    if len(y) == 0:
        return float("nan")
    return float(np.mean((np.asarray(p) > 0.5) == (np.asarray(y) == 1)))


def _derived_seed(seed: int, counter: int) -> int:
    return int(np.random.SeedSequence([seed, counter]).generate_state(1)[0])


def _glorot_parameters(
    layer_sizes: tuple[int, ...], activation: str, random_state: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The weights ``MLPClassifier`` initialises with for this ``random_state``: Glorot-uniform bounds
    ``sqrt(6 / (fan_in + fan_out))`` (``sqrt(2 / ...)`` for logistic), weights then biases, layer by layer,
    from one ``RandomState``. A test checks this against the loss of scikit-learn's first epoch."""
    rng = np.random.RandomState(random_state)
    factor = 2.0 if activation == "logistic" else 6.0
    weights, biases = [], []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        bound = np.sqrt(factor / (fan_in + fan_out))
        weights.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
        biases.append(rng.uniform(-bound, bound, fan_out))
    return weights, biases
