"""Engineered inputs: a network with no hidden layer learns a circle from the features x1^2 and x2^2.

    python examples/06_features.py --size 1280,720 --epochs 200 --out features.mp4

The same as ``nnviz-gl render --dataset circles --features x1^2,x2^2 --hidden none``. On x1 and x2 alone
such a network can only draw a straight line; on the squares, its one line is a circle in the plane.
The field shader computes the same features from every pixel, so the picture is the model's own.
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.neural_network import MLPClassifier

import nnviz_gl as nv
from nnviz_gl.features import feature_matrix

FEATURES = ("x1^2", "x2^2")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="640,360", help="video size W,H (default 640,360)")
    parser.add_argument("--epochs", type=int, default=200, help="epochs to train, one frame each (default 200)")
    parser.add_argument("--out", default="features.mp4", help="video to write")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    size = tuple(int(v) for v in args.size.replace("x", ",").split(","))
    data = nv.make_dataset("circles", n_samples=400, noise=0.1, seed=0)
    inputs_train, inputs_test = feature_matrix(data.X_train, FEATURES), feature_matrix(data.X_test, FEATURES)
    clf = MLPClassifier(hidden_layer_sizes=(), learning_rate_init=0.05, alpha=1e-4, random_state=0)

    with nv.VideoRecorder(args.out, data.X_train, data.y_train, data.X_test, data.y_test, size=size,
                          fps=30) as video:
        for epoch in range(1, args.epochs + 1):
            clf.partial_fit(inputs_train, data.y_train, classes=np.array([0, 1]))
            video.publish(nv.Snapshot.from_sklearn(  # weights[0] has one row per feature
                clf, epoch=epoch, features=FEATURES,
                accuracy=clf.score(inputs_train, data.y_train),
                test_accuracy=clf.score(inputs_test, data.y_test),
            ))
    print(f"wrote {args.out}: {video.frames_written} frames")


if __name__ == "__main__":
    main()
