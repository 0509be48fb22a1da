"""Your own scikit-learn training loop, recorded to a video with nnviz_gl.VideoRecorder.

    python examples/01_sklearn_video_recorder.py --size 1920,1080 --epochs 300 --out sklearn.mp4

The recorder draws and encodes on its own threads while this loop trains; each ``publish`` is one epoch.
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.neural_network import MLPClassifier

import nnviz_gl as nv


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1280,720", help="video size W,H (default 1280,720)")
    parser.add_argument("--epochs", type=int, default=200, help="epochs to train, one frame each (default 200)")
    parser.add_argument("--out", default="sklearn_training.mp4", help="video to write")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    size = tuple(int(v) for v in args.size.replace("x", ",").split(","))
    data = nv.make_dataset("moons", n_samples=200, seed=0)
    clf = MLPClassifier(hidden_layer_sizes=(8, 8), activation="tanh", learning_rate_init=0.01, random_state=0)

    with nv.VideoRecorder(args.out, data.X_train, data.y_train, data.X_test, data.y_test, size=size,
                          fps=30) as video:
        for epoch in range(1, args.epochs + 1):
            clf.partial_fit(data.X_train, data.y_train, classes=np.array([0, 1]))
            video.publish(nv.Snapshot.from_sklearn(
                clf, epoch=epoch,
                accuracy=clf.score(data.X_train, data.y_train),
                test_accuracy=clf.score(data.X_test, data.y_test),
            ))
    print(f"wrote {args.out}: {video.frames_written} frames")


if __name__ == "__main__":
    main()
