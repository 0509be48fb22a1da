"""Five classes: a softmax MLPClassifier on five Gaussian blobs, recorded to a video.

    python examples/04_multiclass.py --size 1280,720 --epochs 150 --out multiclass.mp4

The same as ``nnviz-gl render --dataset blobs --classes 5``. Each pixel of the field shows the class that
wins there, pale where the top two are close; the lines are where they tie.
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.neural_network import MLPClassifier

import nnviz_gl as nv

CLASSES = 5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="640,360", help="video size W,H (default 640,360)")
    parser.add_argument("--epochs", type=int, default=150, help="epochs to train, one frame each (default 150)")
    parser.add_argument("--out", default="multiclass.mp4", help="video to write")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    size = tuple(int(v) for v in args.size.replace("x", ",").split(","))
    data = nv.make_dataset("blobs", classes=CLASSES, n_samples=400, seed=0)
    clf = MLPClassifier(hidden_layer_sizes=(8, 8), alpha=1e-3, learning_rate_init=0.01, random_state=0)

    with nv.VideoRecorder(args.out, data.X_train, data.y_train, data.X_test, data.y_test, size=size,
                          fps=30) as video:
        for epoch in range(1, args.epochs + 1):
            clf.partial_fit(data.X_train, data.y_train, classes=np.arange(CLASSES))  # every class from the start
            video.publish(nv.Snapshot.from_sklearn(  # a softmax output of 5 classes, drawn as it is
                clf, epoch=epoch,
                accuracy=clf.score(data.X_train, data.y_train),
                test_accuracy=clf.score(data.X_test, data.y_test),
            ))
    print(f"wrote {args.out}: {video.frames_written} frames")


if __name__ == "__main__":
    main()
