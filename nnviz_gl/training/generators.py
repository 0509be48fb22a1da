"""The built-in datasets' raw points, before standardising and splitting (datasets.py does both).

Each generator takes ``(n, noise, generator_seed, noise_seed, classes)`` and returns ``(X, y)``: class
indices 0..k-1 for the classifiers, float targets for Playground's two regression datasets.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

Generator = Callable[[int, float, int, int, int], tuple[np.ndarray, np.ndarray]]

# TensorFlow Playground's regression data: points uniform in [-6, 6]^2, noise a fraction of that radius.
_PLAYGROUND_RADIUS = 6.0
# regressGaussian's bumps (centre x, centre y, sign); each is a cone of height 1 falling to 0 at distance 2.
_PLAYGROUND_BUMPS = ((-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0),
                     (-4.0, -2.5, -1.0), (0.0, -2.5, 1.0), (4.0, -2.5, -1.0))
# Neighbouring blob centres are this many blob standard deviations (at the default noise) apart, whatever
# the number of blobs: separated, with a few points in the neighbour's region.
_BLOB_SPACING = 2.0


def _counts(n: int, k: int) -> list[int]:
    """``n`` points shared among ``k`` classes, the remainder going to the last ones (n//2, n - n//2 for 2)."""
    base, extra = divmod(n, k)
    return [base + (1 if i >= k - extra else 0) for i in range(k)]


def classification(n: int, noise: float, generator_seed: int, noise_seed: int, classes: int) -> tuple:
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


def moons(n: int, noise: float, generator_seed: int, noise_seed: int, classes: int) -> tuple:
    from sklearn.datasets import make_moons

    return make_moons(n_samples=n, noise=noise, random_state=generator_seed)


def circles(n: int, noise: float, generator_seed: int, noise_seed: int, classes: int) -> tuple:
    from sklearn.datasets import make_circles

    return make_circles(n_samples=n, noise=noise, factor=0.5, random_state=generator_seed)


def xor(n: int, noise: float, generator_seed: int, noise_seed: int, classes: int) -> tuple:
    rng = np.random.default_rng(generator_seed)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)  # labels from the clean coordinates, then the noise
    return X + noise * rng.standard_normal(X.shape), y


def spiral(n: int, noise: float, generator_seed: int, noise_seed: int, classes: int) -> tuple:
    """``classes`` interleaved spiral arms of radius 1, as TensorFlow Playground's two (1.75 turns each).

    More arms turn less (1.75 * 2 / k turns), so neighbouring arms stay as far apart as the two of
    Playground's spiral; with 2 arms the points are exactly the binary spiral's.
    """
    rng = np.random.default_rng(generator_seed)
    counts = _counts(n, classes)
    turns = 1.75 * 2.0 / classes
    parts = []
    for label, count in enumerate(counts):
        radius = np.arange(count) / count
        angle = turns * 2.0 * np.pi * radius + 2.0 * np.pi * label / classes
        parts.append(np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]))
    X = np.concatenate(parts)
    y = np.repeat(np.arange(classes), counts)
    return X + noise * rng.standard_normal(X.shape), y


def gaussian(n: int, noise: float, generator_seed: int, noise_seed: int, classes: int) -> tuple:
    rng = np.random.default_rng(generator_seed)
    counts = (n // 2, n - n // 2)
    X = np.concatenate([centre + noise * rng.standard_normal((count, 2)) for centre, count in zip((-1.0, 1.0), counts)])
    y = np.repeat([0, 1], counts)
    return X, y


def blobs(n: int, noise: float, generator_seed: int, noise_seed: int, classes: int) -> tuple:
    """``classes`` round Gaussian blobs (std ``noise``) with centres evenly on a circle, neighbours
    ``_BLOB_SPACING`` apart: each class has its own region, the regions touch and overlap at the edges."""
    rng = np.random.default_rng(generator_seed)
    ring = _BLOB_SPACING / (2.0 * np.sin(np.pi / classes))  # chord between neighbours = spacing
    angles = 2.0 * np.pi * np.arange(classes) / classes + np.pi / 2
    centres = ring * np.column_stack([np.cos(angles), np.sin(angles)])
    counts = _counts(n, classes)
    X = np.concatenate([centre + noise * rng.standard_normal((count, 2)) for centre, count in zip(centres, counts)])
    return X, np.repeat(np.arange(classes), counts)


def _playground_points(n: int, noise: float, seed: int, label: Callable) -> tuple:
    """Playground's regression sampling: x, y uniform in [-6, 6]; the target is taken at a point moved by
    ``noise`` times another uniform draw in [-6, 6] (so noise 0..0.5 is Playground's slider 0..50)."""
    rng = np.random.default_rng(seed)
    r = _PLAYGROUND_RADIUS
    X = rng.uniform(-r, r, size=(n, 2))
    moved = X + noise * rng.uniform(-r, r, size=(n, 2))
    return X, label(moved[:, 0], moved[:, 1])


def reg_plane(n: int, noise: float, generator_seed: int, noise_seed: int, classes: int) -> tuple:
    """Playground's regressPlane: the target is (x1 + x2) mapped linearly from [-10, 10] to [-1, 1]."""
    return _playground_points(n, noise, generator_seed, lambda x, y: (x + y) / 10.0)


def reg_gauss(n: int, noise: float, generator_seed: int, noise_seed: int, classes: int) -> tuple:
    """Playground's regressGaussian: six signed bumps; the target is the bump of largest magnitude there."""

    def label(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        best = np.zeros_like(x)
        for cx, cy, sign in _PLAYGROUND_BUMPS:
            height = sign * np.clip(1.0 - np.hypot(x - cx, y - cy) / 2.0, 0.0, 1.0)
            best = np.where(np.abs(height) > np.abs(best), height, best)
        return best

    return _playground_points(n, noise, generator_seed, label)


GENERATORS: dict[str, Generator] = {
    "classification": classification,
    "moons": moons,
    "circles": circles,
    "xor": xor,
    "spiral": spiral,
    "gaussian": gaussian,
    "blobs": blobs,
    "reg-plane": reg_plane,
    "reg-gauss": reg_gauss,
}
