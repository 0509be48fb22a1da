"""A regression: an MLPRegressor learning TensorFlow Playground's six signed bumps, recorded to a video.

    python examples/05_regression.py --size 1280,720 --epochs 300 --out regression.mp4

The same as ``nnviz-gl render --dataset reg-gauss``. The field shows the predicted value through a
diverging colour map fixed to the targets' range; the points are coloured by their target on the same map.
"""

from __future__ import annotations

import argparse

from sklearn.neural_network import MLPRegressor

import nnviz_gl as nv


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="640,360", help="video size W,H (default 640,360)")
    parser.add_argument("--epochs", type=int, default=300, help="epochs to train, one frame each (default 300)")
    parser.add_argument("--out", default="regression.mp4", help="video to write")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    size = tuple(int(v) for v in args.size.replace("x", ",").split(","))
    data = nv.make_dataset("reg-gauss", n_samples=500, seed=0)
    reg = MLPRegressor(hidden_layer_sizes=(16, 16, 16), alpha=1e-3, learning_rate_init=0.01, random_state=0)

    with nv.VideoRecorder(args.out, data.X_train, data.y_train, data.X_test, data.y_test, size=size,
                          fps=30) as video:
        for epoch in range(1, args.epochs + 1):
            reg.partial_fit(data.X_train, data.y_train)
            video.publish(nv.Snapshot.from_sklearn(  # an identity output: drawn as a value, not a class
                reg, epoch=epoch,
                r2=reg.score(data.X_train, data.y_train),
                test_r2=reg.score(data.X_test, data.y_test),
            ))
    print(f"wrote {args.out}: {video.frames_written} frames")


if __name__ == "__main__":
    main()
