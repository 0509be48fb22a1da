"""One video of the seed's size per problem kind: binary, 3-class, regression, and one with engineered inputs.

    .venv/bin/python benchmarks/problem_kinds.py --kind multiclass [--size 1920,1080] [--epochs 150]

The seed's network (5-10-5 relu, alpha 1, Adam at 0.001) is trained by scikit-learn epoch by epoch on
500 points of the kind's data and every epoch is published to a VideoRecorder (1080p, defaults), as
`nnviz-gl render` does. Printed: the training and the rendering time of this process. Time the whole
process from outside, pairing a kind against the binary run (README: the numbers).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import make_blobs, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

import nnviz_gl as nv
from nnviz_gl.features import feature_matrix

KINDS = ("binary", "multiclass", "regression", "features")


def data(kind: str, n: int = 500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    if kind == "multiclass":
        X, y = make_blobs(n, centers=3, cluster_std=2.0, random_state=seed)
    elif kind == "regression":
        X = np.random.default_rng(seed).uniform(-3, 3, (n, 2))
        y = np.sin(X[:, 0]) * np.cos(X[:, 1])
    else:
        X, y = make_classification(n, n_features=2, n_redundant=0, n_informative=2, random_state=1,
                                   n_clusters_per_class=1)
    return (X - X.mean(0)) / X.std(0), y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", choices=KINDS, default="binary")
    parser.add_argument("--size", default="1920,1080")
    parser.add_argument("--epochs", type=int, default=150)
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split(","))
    X, y = data(args.kind)
    features = ("x1", "x2", "x1^2", "x2^2", "x1*x2") if args.kind == "features" else ("x1", "x2")
    model_type = MLPRegressor if args.kind == "regression" else MLPClassifier
    model = model_type(hidden_layer_sizes=(5, 10, 5), alpha=1.0, random_state=0)
    inputs = feature_matrix(X, features)
    extra = {} if args.kind == "regression" else {"classes": np.unique(y)}
    train = 0.0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, \
            nv.VideoRecorder(Path(folder) / f"{args.kind}.mp4", X, y, size=size) as recorder:
        for epoch in range(1, args.epochs + 1):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.partial_fit(inputs, y, **extra)
            snapshot = nv.Snapshot.from_sklearn(model, epoch=epoch, features=features)
            train += time.perf_counter() - t0
            recorder.publish(snapshot)
    total = time.perf_counter() - start
    print(f"{args.kind}: {args.epochs} epochs at {size[0]}x{size[1]}: {total:.2f} s in all, "
          f"{train:.2f} s of it training, {args.epochs / total:.1f} frames/s")


if __name__ == "__main__":
    main()
