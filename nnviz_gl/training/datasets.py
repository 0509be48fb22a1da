"""Two-class, two-feature toy datasets, standardised and split, ready for an MLP to learn.

``make_dataset("classification")`` with the default ``seed=0`` is exactly the first dataset of
scikit-learn's classifier comparison (``make_classification(random_state=1)``, uniform noise from
``RandomState(2)``, ``StandardScaler``, ``train_test_split(test_size=0.4, random_state=42)``), which
is what the seed video trained on. The seed notebook itself used 500 samples and ``3 * uniform``
noise: ``make_dataset("classification", n_samples=500, noise=3)`` reproduces its arrays exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

DATASETS = ("classification", "moons", "circles", "xor", "spiral", "gaussian")

DEFAULT_NOISE = {
    "classification": 3.0,  # scale of the uniform noise on make_classification (the seed notebook used 3)
    "moons": 0.3,  # std of gaussian noise, as in the classifier comparison
    "circles": 0.2,  # idem
    "xor": 0.1,  # std of gaussian noise on coordinates in [-1, 1]
    "spiral": 0.05,  # std of gaussian noise on spirals of radius 1
    "gaussian": 0.7,  # std of each blob; centres are at (-1, -1) and (1, 1)
}

# (hidden, alpha, learning_rate) each dataset trains with unless told otherwise: classification keeps the
# seed notebook's run; the others get what reaches about the best test accuracy their noise allows in
# 300 epochs (the seed's strong L2 penalty and slow step leave them near chance). tests/test_examples_learn.py
TRAINING_DEFAULTS: dict[str, tuple[tuple[int, ...], float, float]] = {
    "classification": ((5, 10, 5), 1.0, 0.001),
    "moons": ((8, 8), 1e-3, 0.01),
    "circles": ((8, 8), 1e-3, 0.01),
    "xor": ((8, 8), 1e-3, 0.01),
    "spiral": ((16, 16), 1e-3, 0.01),
    "gaussian": ((8, 8), 1e-3, 0.01),
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
    """A train/test split of 2-D points with 0/1 labels. Arrays are read-only, so sharing between threads is safe."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str = "custom"
    class_names: tuple | None = None  # what labels 0 and 1 stand for in the user's data (strings or integers)

    def __post_init__(self) -> None:
        arrays = {
            "X_train": np.array(self.X_train, dtype=np.float64, copy=True),
            "y_train": np.array(self.y_train, dtype=np.int64, copy=True).reshape(-1),
            "X_test": np.array(self.X_test, dtype=np.float64, copy=True),
            "y_test": np.array(self.y_test, dtype=np.int64, copy=True).reshape(-1),
        }
        for part in ("train", "test"):
            X, y = arrays[f"X_{part}"], arrays[f"y_{part}"]
            if X.ndim != 2 or X.shape[1] != 2:
                raise ValueError(f"X_{part} must have shape (n, 2), got {X.shape}")
            if len(y) != len(X):
                raise ValueError(f"X_{part} has {len(X)} rows but y_{part} has {len(y)} labels")
            if not np.isin(y, (0, 1)).all():
                raise ValueError(f"y_{part} labels must be 0 or 1, got {sorted(set(y.tolist()))}")
        if self.class_names is not None:
            if len(self.class_names) != 2:
                raise ValueError(f"class_names must name the 2 classes 0 and 1, got {self.class_names!r}")
            object.__setattr__(self, "class_names", tuple(self.class_names))
        for key, value in arrays.items():
            value.setflags(write=False)
            object.__setattr__(self, key, value)

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

    def with_training_point(self, x: float, y: float, label: int) -> "Dataset":
        """A copy with one more training point (for points clicked into a live window)."""
        point = np.array([[x, y]], dtype=np.float64)
        if not np.isfinite(point).all():
            raise ValueError(f"a point needs finite coordinates, got ({x}, {y})")
        if label not in (0, 1):
            raise ValueError(f"a point's label must be 0 or 1, got {label!r}")
        return Dataset(
            X_train=np.concatenate([self.X_train, point]),
            y_train=np.append(self.y_train, int(label)),
            X_test=self.X_test,
            y_test=self.y_test,
            name=self.name,
            class_names=self.class_names,
        )


def make_dataset(
    name: str = "classification",
    *,
    n_samples: int = 500,
    noise: float | None = None,
    test_size: float = 0.4,
    seed: int = 0,
) -> Dataset:
    """Draw one of :data:`DATASETS`, standardise it and split it. Same arguments, identical arrays.

    ``noise=None`` takes the dataset's default from :data:`DEFAULT_NOISE`. ``seed=0`` reproduces
    scikit-learn's classifier comparison (for classification, moons and circles); other seeds draw
    independent samples.
    """
    from sklearn.model_selection import train_test_split  # here, not at the top: see nnviz_gl/__init__.py
    from sklearn.preprocessing import StandardScaler

    check_dataset_arguments(name, n_samples=n_samples, noise=noise, test_size=test_size, seed=seed)
    if noise is None:
        noise = DEFAULT_NOISE[name]
    generator_seed, noise_seed, split_seed = _seeds(name, int(seed))
    X, y = _GENERATORS[name](int(n_samples), float(noise), generator_seed, noise_seed)
    X = StandardScaler().fit_transform(X)  # scaled before the split, as the classifier comparison does
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=float(test_size), random_state=split_seed)
    return Dataset(X_train, y_train, X_test, y_test, name=name)


def check_dataset_arguments(name: str, *, n_samples: int, noise: float | None, test_size: float, seed: int) -> None:
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


def split_seed(seed: int) -> int:
    """The train/test split's seed for ``seed``, as :func:`make_dataset` splits (for the user's own data)."""
    return _seeds("", int(seed))[2]


def _seeds(name: str, seed: int) -> tuple[int, int, int]:
    """(generator, noise, split) seeds: the classifier comparison's for seed 0, independent streams otherwise."""
    if seed == 0:
        return _COMPARISON_GENERATOR_SEED.get(name, 0), _COMPARISON_NOISE_SEED, _COMPARISON_SPLIT_SEED
    generator_seed, noise_seed, split_seed = np.random.SeedSequence(seed).generate_state(3)
    return int(generator_seed), int(noise_seed), int(split_seed)


def _classification(n: int, noise: float, generator_seed: int, noise_seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n,
        n_features=2,
        n_redundant=0,
        n_informative=2,
        random_state=generator_seed,
        n_clusters_per_class=1,
    )
    X += noise * np.random.RandomState(noise_seed).uniform(size=X.shape)
    return X, y


def _moons(n: int, noise: float, generator_seed: int, noise_seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_moons

    return make_moons(n_samples=n, noise=noise, random_state=generator_seed)


def _circles(n: int, noise: float, generator_seed: int, noise_seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_circles

    return make_circles(n_samples=n, noise=noise, factor=0.5, random_state=generator_seed)


def _xor(n: int, noise: float, generator_seed: int, noise_seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(generator_seed)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)  # labels from the clean coordinates, then the noise
    return X + noise * rng.standard_normal(X.shape), y


def _spiral(n: int, noise: float, generator_seed: int, noise_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals, 1.75 turns each, as in TensorFlow Playground."""
    rng = np.random.default_rng(generator_seed)
    counts = (n // 2, n - n // 2)
    parts = []
    for label, count in enumerate(counts):
        radius = np.arange(count) / count
        angle = 1.75 * 2.0 * np.pi * radius + np.pi * label
        parts.append(np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]))
    X = np.concatenate(parts)
    y = np.repeat([0, 1], counts)
    return X + noise * rng.standard_normal(X.shape), y


def _gaussian(n: int, noise: float, generator_seed: int, noise_seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(generator_seed)
    counts = (n // 2, n - n // 2)
    X = np.concatenate([centre + noise * rng.standard_normal((count, 2)) for centre, count in zip((-1.0, 1.0), counts)])
    y = np.repeat([0, 1], counts)
    return X, y


_GENERATORS: dict[str, Callable[[int, float, int, int], tuple[np.ndarray, np.ndarray]]] = {
    "classification": _classification,
    "moons": _moons,
    "circles": _circles,
    "xor": _xor,
    "spiral": _spiral,
    "gaussian": _gaussian,
}
