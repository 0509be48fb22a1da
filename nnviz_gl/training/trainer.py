"""One epoch at a time of scikit-learn's MLPClassifier (or MLPRegressor), each turned into a :class:`Snapshot`.

Epoch numbering: epoch 0 is the network as initialised, before any training (what
:meth:`SklearnTrainer.initial_snapshot` returns); :meth:`SklearnTrainer.step` runs one ``partial_fit``
pass over the training set and returns epoch 1, 2, ... — the seed video's "Training Epoch: i+1".

``Snapshot.loss`` is scikit-learn's ``loss_``: the training log-loss plus the L2 penalty, averaged over
the epoch's mini-batches (with at most 200 training points there is one batch, so it is the loss of
the weights the epoch started from). ``test_loss`` is the plain log-loss of the epoch's final
weights on the test set. For a regression both are scikit-learn's ``squared_error``: ``loss`` its
``loss_`` (0.5 * mean squared error plus the L2 penalty), ``test_loss`` 0.5 * mean squared error on the
test set; ``r2``/``test_r2`` are the coefficient of determination and the accuracies are None.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..features import PLAIN, check_features, feature_matrix
from ..snapshot import ACTIVATIONS, Snapshot
from .datasets import (OWN_DATA_DEFAULTS, PROBLEMS, REGRESSION_DATASETS, TRAINING_DEFAULTS, Dataset,
                       check_dataset_arguments, make_dataset)
from .metrics import accuracy, half_squared_error, l2_penalty, log_loss, r2


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that decides a training run; same config, identical snapshots.

    Defaults are the seed notebook's: data from scikit-learn's classifier comparison and
    ``MLPClassifier(hidden_layer_sizes=(5, 10, 5), alpha=1)`` with its default relu and Adam at 0.001.
    ``hidden``, ``alpha`` and ``learning_rate`` left at None take the dataset's own from
    :data:`TRAINING_DEFAULTS` (the seed's for classification; settings under which the others learn).
    ``epochs`` is how long a run lasts; the trainer itself steps for as long as it is asked.
    ``hidden=()`` is a network with no hidden layer (inputs straight to the output).

    ``problem`` None means "from the data": the regression datasets (and own data whose targets are
    not class labels, see user_data) train an ``MLPRegressor``, the others an ``MLPClassifier``.
    ``classes`` is the number of blobs or spiral arms (2 to 10). ``features`` are the network's inputs
    (a tuple or "x1,x2^2"; see nnviz_gl/features.py), computed from each point's (x1, x2).
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
    problem: str | None = None  # "classification", "regression", or None: what the data is
    classes: int | None = None  # blobs and spiral: how many classes (default 3 blobs, 2 arms)
    features: tuple[str, ...] | str = PLAIN
    batch_size: int | None = None  # points per Adam step; None: scikit-learn's min(200, n)

    def __post_init__(self) -> None:
        check_dataset_arguments(
            self.dataset, n_samples=self.n_samples, noise=self.noise, test_size=self.test_size, seed=self.seed,
            classes=self.classes if self.data_path is None else None,
        )
        object.__setattr__(self, "features", check_features(self.features))
        if self.problem is not None and self.problem not in PROBLEMS:
            raise ValueError(f"unknown problem {self.problem!r}; valid: {', '.join(PROBLEMS)}")
        if self.data_path is not None and self.classes is not None:
            raise ValueError("classes (--classes) sets the classes of blobs and spiral; a data file has its own")
        if self.data_path is None and self.problem is not None:
            kind = "regression" if self.dataset in REGRESSION_DATASETS else "classification"
            if self.problem != kind:
                raise ValueError(f"{self.dataset} is a {kind} dataset (problem {self.problem!r} is for --data "
                                 f"FILE); regression datasets: {', '.join(REGRESSION_DATASETS)}")
        defaults = OWN_DATA_DEFAULTS if self.data_path is not None else TRAINING_DEFAULTS[self.dataset]
        default_hidden, default_alpha, default_learning_rate = defaults
        for name, default in (("hidden", default_hidden), ("alpha", default_alpha), ("learning_rate", default_learning_rate)):
            if getattr(self, name) is None:
                object.__setattr__(self, name, default)
        hidden = tuple(self.hidden) if not isinstance(self.hidden, (int, np.integer)) else (self.hidden,)
        if not all(isinstance(h, (int, np.integer)) and not isinstance(h, bool) and h > 0 for h in hidden):
            raise ValueError(f"hidden must be positive layer sizes, e.g. (5, 10, 5), or () for none; got {self.hidden!r}")
        object.__setattr__(self, "hidden", tuple(int(h) for h in hidden))
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; valid: {', '.join(ACTIVATIONS)}")
        if not (isinstance(self.epochs, (int, np.integer)) and self.epochs > 0):
            raise ValueError(f"epochs must be a positive integer, got {self.epochs!r}")
        if not (np.isfinite(self.alpha) and self.alpha >= 0):
            raise ValueError(f"alpha (L2 penalty) must be a finite number >= 0, got {self.alpha!r}")
        if self.batch_size is not None and (isinstance(self.batch_size, bool) or
                                            not isinstance(self.batch_size, (int, np.integer)) or self.batch_size < 1):
            raise ValueError(f"batch_size must be a whole number >= 1 (or None for min(200, n)), got {self.batch_size!r}")
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
                             test_size=self.test_size, seed=self.seed if seed is None else seed, problem=self.problem)
        return make_dataset(
            self.dataset,
            n_samples=self.n_samples,
            noise=self.noise,
            test_size=self.test_size,
            seed=self.seed if seed is None else seed,
            classes=self.classes,
        )


class SklearnTrainer:
    """Trains an ``MLPClassifier`` (or ``MLPRegressor``) epoch by epoch and reports each epoch as a
    :class:`Snapshot` carrying the features, the class names and the output activation.

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
        """The ``random_state`` of the current model (the config's seed until :meth:`reinitialize`)."""
        return self._random_state

    @property
    def model(self):
        """The scikit-learn ``MLPClassifier`` or ``MLPRegressor`` being trained (on the feature columns)."""
        return self._model

    @property
    def is_regression(self) -> bool:
        return self._dataset.kind == "regression"

    # -- training -----------------------------------------------------------------------------
    def step(self) -> Snapshot:
        """Train one epoch (one ``partial_fit`` pass) and return its snapshot."""
        data = self._dataset
        inputs = feature_matrix(data.X_train, self.config.features)
        with np.errstate(all="ignore"):
            try:
                if self.is_regression:
                    self._model.partial_fit(inputs, data.y_train)
                else:
                    self._model.partial_fit(inputs, data.y_train, classes=np.arange(data.n_classes))
                self._last_loss = float(self._model.loss_)
            except (ValueError, FloatingPointError, OverflowError):
                # scikit-learn raises once its weights are non-finite; they are kept, so training goes on.
                if not hasattr(self._model, "coefs_"):
                    raise
                self._last_loss = float("nan")
        self._epoch += 1
        return self.current_snapshot()

    def initial_snapshot(self) -> Snapshot:
        """Epoch 0: the weights scikit-learn will start from, before any training."""
        weights, biases = self._initial_parameters
        bare = self._snapshot(weights, biases, epoch=0)
        # the loss scikit-learn reports for these weights: its loss plus its L2 penalty
        data = self._dataset
        with np.errstate(all="ignore"):
            output = bare.forward(data.X_train)
            fit = half_squared_error(data.y_train, output) if self.is_regression else log_loss(data.y_train, output)
            loss = fit + l2_penalty(bare.weights, self.config.alpha, len(data.y_train))
        return self._measured(bare, loss)

    def current_snapshot(self) -> Snapshot:
        """The weights as they are now, measured on the current data (epoch 0 before any step)."""
        if self._epoch == 0:
            return self.initial_snapshot()
        return self._measured(self._snapshot(self._model.coefs_, self._model.intercepts_, self._epoch),
                              self._last_loss)

    # -- live controls ------------------------------------------------------------------------
    def reinitialize(self) -> None:
        """New random weights (a seed derived from the config's seed and a counter), same data, epoch 0."""
        self._weight_draws += 1
        self._start_run(_derived_seed(self.config.seed, self._weight_draws))

    def new_data(self) -> None:
        """A fresh sample of the configured dataset (a derived seed); the weights keep training on it."""
        self._data_draws += 1
        self._set_dataset(self.config.make_dataset(seed=_derived_seed(self.config.seed, self._data_draws)))

    def change(self, **options) -> str:
        """Change the run while it trains (``learning_rate=0.03``, ``hidden=(8, 8)``, ``dataset="xor"``...):
        step, alpha and batch size keep the weights, the rest starts a new network; returns what happened
        in one line (see :mod:`~nnviz_gl.training.live_changes`). A bad value changes nothing."""
        from .live_changes import apply_change

        return apply_change(self, **options)

    def replace_data(self, dataset: Dataset) -> None:
        """Train on ``dataset`` from now on, with a new network (its inputs or outputs may differ)."""
        self._set_dataset(dataset)
        self._start_run(self._random_state)

    def add_point(self, x: float, y: float, label: float) -> None:
        """Append a training point (a class index 0..k-1, or a regression's target value); the following
        epochs train on it."""
        self._set_dataset(self._dataset.with_training_point(x, y, label))

    # -- internals ----------------------------------------------------------------------------
    def _set_dataset(self, dataset: Dataset) -> None:
        self._dataset = dataset
        self._data_version += 1

    def _start_run(self, random_state: int) -> None:
        # here, not at the top: see nnviz_gl/__init__.py
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        cfg = self.config
        self._random_state = int(random_state)
        model = MLPRegressor if self.is_regression else MLPClassifier
        self._model = model(
            hidden_layer_sizes=cfg.hidden,
            activation=cfg.activation,
            alpha=cfg.alpha,
            learning_rate_init=cfg.learning_rate,
            batch_size="auto" if cfg.batch_size is None else cfg.batch_size,
            random_state=self._random_state,
        )
        self._epoch = 0
        self._last_loss = float("nan")
        outputs = 1 if self.is_regression or self._dataset.n_classes == 2 else self._dataset.n_classes
        self._initial_parameters = _glorot_parameters(
            (len(cfg.features), *cfg.hidden, outputs), cfg.activation, self._random_state
        )

    def _snapshot(self, weights, biases, epoch: int) -> Snapshot:
        """The model's weights as a Snapshot of its kind, its inputs and its classes, without metrics."""
        data = self._dataset
        if self.is_regression:
            output = "identity"
        else:
            output = "logistic" if data.n_classes == 2 else "softmax"
        return Snapshot(weights, biases, activation=self.config.activation, epoch=epoch, output_activation=output,
                        features=self.config.features, classes=data.class_names)

    def _measured(self, bare: Snapshot, loss: float | None) -> Snapshot:
        """``bare`` with its losses and accuracies (or R²) on the current data."""
        data = self._dataset
        with np.errstate(all="ignore"):
            out_train, out_test = bare.forward(data.X_train), bare.forward(data.X_test)
        if self.is_regression:
            metrics = dict(test_loss=half_squared_error(data.y_test, out_test),
                           r2=r2(data.y_train, out_train), test_r2=r2(data.y_test, out_test))
        else:
            metrics = dict(test_loss=log_loss(data.y_test, out_test), accuracy=accuracy(data.y_train, out_train),
                           test_accuracy=accuracy(data.y_test, out_test))
        return replace(bare, loss=loss, extra={"data_version": self._data_version, "random_state": self._random_state},
                       **metrics)


def _derived_seed(seed: int, counter: int) -> int:
    return int(np.random.SeedSequence([seed, counter]).generate_state(1)[0])


def _glorot_parameters(
    layer_sizes: tuple[int, ...], activation: str, random_state: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The weights ``MLPClassifier`` and ``MLPRegressor`` initialise with for this ``random_state``:
    Glorot-uniform bounds ``sqrt(6 / (fan_in + fan_out))`` (``sqrt(2 / ...)`` for a logistic hidden
    activation), weights then biases, layer by layer, from one ``RandomState``. A test checks this
    against scikit-learn's own weights and the loss of its first epoch."""
    rng = np.random.RandomState(random_state)
    factor = 2.0 if activation == "logistic" else 6.0
    weights, biases = [], []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        bound = np.sqrt(factor / (fan_in + fan_out))
        weights.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
        biases.append(rng.uniform(-bound, bound, fan_out))
    return weights, biases
