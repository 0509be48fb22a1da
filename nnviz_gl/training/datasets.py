"""Two-feature toy datasets (binary, multiclass, regression), standardised and split, ready for an MLP.

``make_dataset("classification")`` with the default ``seed=0`` is exactly the first dataset of
scikit-learn's classifier comparison (``make_classification(random_state=1)``, uniform noise from
``RandomState(2)``, ``StandardScaler``, ``train_test_split(test_size=0.4, random_state=42)``), which
is what the seed video trained on. The seed notebook itself used 500 samples and ``3 * uniform``
noise: ``make_dataset("classification", n_samples=500, noise=3)`` reproduces its arrays exactly.
The points themselves are drawn in generators.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..points import point_label
from .generators import GENERATORS

DATASETS = ("classification", "moons", "circles", "xor", "spiral", "gaussian", "blobs", "reg-plane", "reg-gauss")
REGRESSION_DATASETS = ("reg-plane", "reg-gauss")  # TensorFlow Playground's; their targets are numbers
MULTICLASS_DATASETS = {"spiral": 2, "blobs": 3}  # the datasets that take `classes`, with their default
MIN_CLASSES, MAX_CLASSES = 2, 10
PROBLEMS = ("classification", "regression")

DEFAULT_NOISE = {
    "classification": 3.0,  # scale of the uniform noise on make_classification (the seed notebook used 3)
    "moons": 0.3,  # std of gaussian noise, as in the classifier comparison
    "circles": 0.2,  # idem
    "xor": 0.1,  # std of gaussian noise on coordinates in [-1, 1]
    "spiral": 0.05,  # std of gaussian noise on spirals of radius 1
    "gaussian": 0.7,  # std of each blob; centres are at (-1, -1) and (1, 1)
    "blobs": 0.5,  # std of each blob; neighbouring centres are 2 apart
    "reg-plane": 0.0,  # Playground's default: the target taken at a point moved by noise * uniform(-6, 6)
    "reg-gauss": 0.0,  # idem
}

# (hidden, alpha, learning_rate) each dataset trains with unless told otherwise: classification keeps the
# seed notebook's run; the others get what reaches about the best test accuracy (R² for regression) their
# noise allows in 300 epochs (the seed's strong L2 penalty and slow step leave them near chance).
# tests/test_examples_learn.py
TRAINING_DEFAULTS: dict[str, tuple[tuple[int, ...], float, float]] = {
    "classification": ((5, 10, 5), 1.0, 0.001),
    "moons": ((8, 8), 1e-3, 0.01),
    "circles": ((8, 8), 1e-3, 0.01),
    "xor": ((8, 8), 1e-3, 0.01),
    "spiral": ((16, 16), 1e-3, 0.01),
    "gaussian": ((8, 8), 1e-3, 0.01),
    "blobs": ((8, 8), 1e-3, 0.01),
    "reg-plane": ((8, 8), 1e-3, 0.01),
    "reg-gauss": ((16, 16, 16), 1e-3, 0.01),
}
# What a user's own data (--data) trains with unless told otherwise: the setting most of the above share.
OWN_DATA_DEFAULTS: tuple[tuple[int, ...], float, float] = ((8, 8), 1e-3, 0.01)

# Generator seeds the classifier comparison used for each dataset; they are what seed=0 means.
_COMPARISON_GENERATOR_SEED = {"classification": 1, "moons": 0, "circles": 1}
_COMPARISON_NOISE_SEED = 2
_COMPARISON_SPLIT_SEED = 42
_BOUNDS_PADDING = 0.5


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split of 2-D points with class indices 0..k-1 (``kind="classification"``) or float
    targets (``kind="regression"``). Arrays are read-only, so sharing between threads is safe.

    ``n_classes`` defaults to the number of ``class_names``, else to the highest label + 1 (at least 2);
    a regression has none (0).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str = "custom"
    class_names: tuple | None = None  # what labels 0..k-1 stand for in the user's data (strings or numbers)
    kind: str = "classification"
    n_classes: int | None = None
    note: str | None = None  # a guess made reading the user's data, said once (e.g. "... so this is a regression")

    def __post_init__(self) -> None:
        if self.kind not in PROBLEMS:
            raise ValueError(f"kind must be one of {', '.join(PROBLEMS)}, got {self.kind!r}")
        regression = self.kind == "regression"
        label_type = np.float64 if regression else np.int64
        arrays = {
            "X_train": np.array(self.X_train, dtype=np.float64, copy=True),
            "y_train": np.array(self.y_train, dtype=label_type, copy=True).reshape(-1),
            "X_test": np.array(self.X_test, dtype=np.float64, copy=True),
            "y_test": np.array(self.y_test, dtype=label_type, copy=True).reshape(-1),
        }
        n_classes = 0 if regression else self._class_count(arrays)
        for part in ("train", "test"):
            X, y = arrays[f"X_{part}"], arrays[f"y_{part}"]
            if X.ndim != 2 or X.shape[1] != 2:
                raise ValueError(f"X_{part} must have shape (n, 2), got {X.shape}")
            if len(y) != len(X):
                raise ValueError(f"X_{part} has {len(X)} rows but y_{part} has {len(y)} labels")
            if regression and not np.isfinite(y).all():
                raise ValueError(f"y_{part} targets must be finite numbers")
            if not regression and len(y) and (y.min() < 0 or y.max() >= n_classes):
                raise ValueError(f"y_{part} labels must be class indices 0 to {n_classes - 1}, "
                                 f"got {sorted(set(y.tolist()))}")
        if self.class_names is not None:
            if regression:
                raise ValueError("a regression has targets, not class_names")
            if len(self.class_names) != n_classes:
                raise ValueError(f"class_names must name the {n_classes} classes, got {self.class_names!r}")
            object.__setattr__(self, "class_names", tuple(self.class_names))
        object.__setattr__(self, "n_classes", n_classes)
        for key, value in arrays.items():
            value.setflags(write=False)
            object.__setattr__(self, key, value)

    def _class_count(self, arrays: dict) -> int:
        if self.n_classes is not None:
            count = self.n_classes
        elif self.class_names is not None:
            count = len(self.class_names)
        else:
            labels = np.concatenate([arrays["y_train"], arrays["y_test"]])
            count = max(2, int(labels.max()) + 1) if len(labels) else 2
        if not MIN_CLASSES <= count <= MAX_CLASSES:
            raise ValueError(f"a classification has {MIN_CLASSES} to {MAX_CLASSES} classes, got {count}")
        return int(count)

    @property
    def X(self) -> np.ndarray:
        """All points, training first."""
        return np.concatenate([self.X_train, self.X_test])

    @property
    def y(self) -> np.ndarray:
        """All labels, in the order of :attr:`X`."""
        return np.concatenate([self.y_train, self.y_test])

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, xmax, ymin, ymax)`` of all points padded by 0.5, the view of the classifier comparison."""
        X = self.X
        lo, hi = X.min(axis=0) - _BOUNDS_PADDING, X.max(axis=0) + _BOUNDS_PADDING
        return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])

    def check_label(self, label: float) -> float | int:
        """A new point's label as this dataset stores it: a class index 0..k-1, or a finite target value."""
        return point_label(label, 0 if self.kind == "regression" else self.n_classes)

    def with_training_point(self, x: float, y: float, label: float) -> "Dataset":
        """A copy with one more training point (for points clicked into a live window): ``label`` is a class
        index, or the target value of a regression."""
        point = np.array([[x, y]], dtype=np.float64)
        if not np.isfinite(point).all():
            raise ValueError(f"a point needs finite coordinates, got ({x}, {y})")
        return replace(self, X_train=np.concatenate([self.X_train, point]),
                       y_train=np.append(self.y_train, self.check_label(label)))


def make_dataset(
    name: str = "classification",
    *,
    n_samples: int = 500,
    noise: float | None = None,
    test_size: float = 0.4,
    seed: int = 0,
    classes: int | None = None,
) -> Dataset:
    """Draw one of :data:`DATASETS`, standardise it and split it. Same arguments, identical arrays.

    ``noise=None`` takes the dataset's default from :data:`DEFAULT_NOISE`. ``seed=0`` reproduces
    scikit-learn's classifier comparison (for classification, moons and circles); other seeds draw
    independent samples. ``classes`` (2 to 10) is the number of blobs or spiral arms; the regression
    datasets (:data:`REGRESSION_DATASETS`) return float targets.
    """
    from sklearn.model_selection import train_test_split  # here, not at the top: see nnviz_gl/__init__.py
    from sklearn.preprocessing import StandardScaler

    check_dataset_arguments(name, n_samples=n_samples, noise=noise, test_size=test_size, seed=seed, classes=classes)
    if noise is None:
        noise = DEFAULT_NOISE[name]
    k = dataset_classes(name, classes)
    generator_seed, noise_seed, split_seed = _seeds(name, int(seed))
    X, y = GENERATORS[name](int(n_samples), float(noise), generator_seed, noise_seed, k)
    X = StandardScaler().fit_transform(X)  # scaled before the split, as the classifier comparison does
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=float(test_size), random_state=split_seed)
    if name in REGRESSION_DATASETS:
        return Dataset(X_train, y_train, X_test, y_test, name=name, kind="regression")
    return Dataset(X_train, y_train, X_test, y_test, name=name, n_classes=k)


def dataset_classes(name: str, classes: int | None) -> int:
    """How many classes ``name`` has with ``classes`` asked for (0 for a regression dataset)."""
    if name in REGRESSION_DATASETS:
        return 0
    return int(classes) if classes is not None else MULTICLASS_DATASETS.get(name, 2)


def check_dataset_arguments(name: str, *, n_samples: int, noise: float | None, test_size: float, seed: int,
                            classes: int | None = None) -> None:
    """Raise ValueError naming what is allowed; lets a config fail early, before any data is drawn."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid: {', '.join(DATASETS)}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 4:
        raise ValueError(f"n_samples must be an integer >= 4 (enough for a train and a test set), got {n_samples!r}")
    if not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"test_size must be a fraction strictly between 0 and 1, got {test_size!r}")
    if noise is not None and not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0 (or None for the dataset's default), got {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    if classes is not None:
        check_classes(classes)
        if name not in MULTICLASS_DATASETS:
            raise ValueError(f"classes (--classes) applies to {' and '.join(MULTICLASS_DATASETS)}; "
                             f"{name} has {'targets, not classes' if name in REGRESSION_DATASETS else '2 classes'}")


def check_classes(classes: object) -> int:
    """``classes`` as an int, or a ValueError: 2 to 10 classes are drawn."""
    if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) \
            or not MIN_CLASSES <= classes <= MAX_CLASSES:
        raise ValueError(f"--classes needs {MIN_CLASSES} to {MAX_CLASSES} classes, got {classes!r}")
    return int(classes)


def split_seed(seed: int) -> int:
    """The train/test split's seed for ``seed``, as :func:`make_dataset` splits (for the user's own data)."""
    return _seeds("", int(seed))[2]


def _seeds(name: str, seed: int) -> tuple[int, int, int]:
    """(generator, noise, split) seeds: the classifier comparison's for seed 0, independent streams otherwise."""
    if seed == 0:
        return _COMPARISON_GENERATOR_SEED.get(name, 0), _COMPARISON_NOISE_SEED, _COMPARISON_SPLIT_SEED
    generator_seed, noise_seed, split_seed = np.random.SeedSequence(seed).generate_state(3)
    return int(generator_seed), int(noise_seed), int(split_seed)
