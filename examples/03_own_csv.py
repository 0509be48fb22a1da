"""Your own CSV: write two noisy moons labelled "cat" and "dog", then train on the file and render it.

    python examples/03_own_csv.py --size 1280,720 --epochs 300 --out own_csv.mp4

The same as ``nnviz-gl render --data pets.csv --hidden 8,8 --activation tanh``; the CSV lands beside the video.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import nnviz_gl as nv


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="640,360", help="video size W,H (default 640,360)")
    parser.add_argument("--epochs", type=int, default=200, help="epochs to train, one frame each (default 200)")
    parser.add_argument("--out", default="own_csv.mp4", help="video to write")
    return parser.parse_args()


def write_pets_csv(path: Path, n: int = 200) -> None:
    """Two interleaved half-moons with gaussian noise, as a user's file would have them: a header, string labels."""
    rng = np.random.default_rng(0)
    angle = rng.uniform(0.0, np.pi, n)
    is_dog = np.arange(n) % 2 == 1
    x = np.where(is_dog, 1.0 - np.cos(angle), np.cos(angle)) + rng.normal(0.0, 0.2, n)
    y = np.where(is_dog, 0.5 - np.sin(angle), np.sin(angle)) + rng.normal(0.0, 0.2, n)
    lines = ["x,y,label", *(f"{a:.4f},{b:.4f},{'dog' if d else 'cat'}" for a, b, d in zip(x, y, is_dog))]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    args = parse_args()
    size = tuple(int(v) for v in args.size.replace("x", ",").split(","))
    csv_path = Path(args.out).with_suffix(".csv")
    write_pets_csv(csv_path)

    config = nv.TrainingConfig(data_path=str(csv_path), columns=("x", "y", "label"), hidden=(8, 8),
                               activation="tanh", alpha=1e-4, learning_rate=0.01, epochs=args.epochs)
    trainer = nv.SklearnTrainer(config)
    d = trainer.dataset
    with nv.VideoRecorder(args.out, d.X_train, d.y_train, d.X_test, d.y_test, size=size, fps=30) as video:
        for _ in range(args.epochs):
            video.publish(trainer.step())
    last = trainer.current_snapshot()
    print(f"wrote {args.out}: {video.frames_written} frames; classes 0, 1 = {d.class_names}; "
          f"test accuracy {last.test_accuracy:.2f}")


if __name__ == "__main__":
    main()
