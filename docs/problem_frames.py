"""The README's frames (the default run's, and one of each problem kind), rendered by the project itself.

    .venv/bin/python docs/problem_frames.py                 # docs/problems/*.png at 640x360
    .venv/bin/python docs/problem_frames.py --size 320,180 --epochs 5 --out /tmp/frames

Each is a built-in training run (the command line's defaults for its dataset) drawn after its last
epoch with ``render_frame`` and the run's history (the loss panel), as ``nnviz-gl render`` draws it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import imageio.v3 as iio

import nnviz_gl as nv

# file name -> (the equivalent command line, the training run)
RUNS = {
    "seed": ("(the default run: the seed's)", dict()),
    "binary": ("--dataset moons", dict(dataset="moons")),
    "multiclass": ("--dataset blobs --classes 5", dict(dataset="blobs", classes=5)),
    "spiral3": ("--dataset spiral --classes 3", dict(dataset="spiral", classes=3)),
    "regression": ("--dataset reg-gauss", dict(dataset="reg-gauss")),
    "features": ("--dataset circles --features x1^2,x2^2 --hidden none",
                 dict(dataset="circles", features=("x1^2", "x2^2"), hidden=())),
}


def render(name: str, size: tuple[int, int], epochs: int, out: Path) -> Path:
    trainer = nv.SklearnTrainer(nv.TrainingConfig(epochs=epochs, **RUNS[name][1]))
    history = [trainer.initial_snapshot()]
    for _ in range(epochs):
        history.append(trainer.step())
    d = trainer.dataset
    frame = nv.render_frame(history[-1], d.X_train, d.y_train, d.X_test, d.y_test, previous=history[-2],
                            size=size, history=history)
    path = out / f"{name}.png"
    iio.imwrite(path, frame)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="640,360", help="width,height (default 640,360)")
    parser.add_argument("--epochs", type=int, default=300, help="epochs of each run (default 300)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("problems")), help="folder for the PNGs")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split(","))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in RUNS:
        print(render(name, size, args.epochs, out), f"(nnviz-gl render {RUNS[name][0]})")


if __name__ == "__main__":
    main()
