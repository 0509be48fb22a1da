"""Record a PyTorch training run to a trajectory file, then render it — no training needed to re-render.

    python examples/02_torch_record_then_render.py --size 1920,1080 --epochs 300 --out torch.mp4

Training (on the CPU here; a model on a GPU is captured the same way) appends one snapshot per epoch
to ``torch.nnviz``. Rendering reads the file back; the same file can be rendered again at any size,
speed or frame rate, e.g.  ``nnviz-gl render --from torch.nnviz -q k --frames-per-epoch 2 -o torch-4k.mp4``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torch import nn

import nnviz_gl as nv
from nnviz_gl.trajectory import TrajectoryReader, TrajectoryWriter


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1280,720", help="video size W,H (default 1280,720)")
    parser.add_argument("--epochs", type=int, default=200, help="epochs to train, one frame each (default 200)")
    parser.add_argument("--out", default="torch_training.mp4", help="video to write")
    parser.add_argument("--trajectory", default=None, help="trajectory file (default: --out with .nnviz)")
    return parser.parse_args()


def train(path: Path, epochs: int) -> None:
    """A plain full-batch PyTorch loop; the only nnviz_gl lines are the writer and its publish."""
    torch.manual_seed(0)
    data = nv.make_dataset("circles", n_samples=200, seed=0)
    X, y = torch.tensor(data.X_train, dtype=torch.float32), torch.tensor(data.y_train, dtype=torch.float32)
    X_test, y_test = torch.tensor(data.X_test, dtype=torch.float32), torch.tensor(data.y_test, dtype=torch.float32)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02, weight_decay=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()

    with TrajectoryWriter(path, data.X_train, data.y_train, data.X_test, data.y_test,
                          metadata={"model": repr(model), "optimizer": "Adam lr=0.02 weight_decay=1e-3"}) as trajectory:
        for epoch in range(1, epochs + 1):
            optimizer.zero_grad()
            loss_fn(model(X)[:, 0], y).backward()
            optimizer.step()
            with torch.no_grad():  # measure the weights this snapshot holds
                logits, test_logits = model(X)[:, 0], model(X_test)[:, 0]
                trajectory.publish(nv.Snapshot.from_torch(
                    model, epoch=epoch,
                    loss=loss_fn(logits, y),
                    test_loss=loss_fn(test_logits, y_test),
                    accuracy=((logits > 0) == (y > 0.5)).float().mean(),
                    test_accuracy=((test_logits > 0) == (y_test > 0.5)).float().mean(),
                ))


def render(path: Path, out: str, size: tuple[int, int]) -> int:
    """Every recorded snapshot into a video: what ``nnviz-gl render --from`` does."""
    with TrajectoryReader(path) as run, nv.VideoRecorder(out, run.X, run.y, run.X_test, run.y_test,
                                                         size=size) as video:
        for snapshot in run:
            video.publish(snapshot)
    return video.frames_written


def main() -> None:
    args = parse_args()
    size = tuple(int(v) for v in args.size.replace("x", ",").split(","))
    path = Path(args.trajectory) if args.trajectory else Path(args.out).with_suffix(".nnviz")
    train(path, args.epochs)
    frames = render(path, args.out, size)
    print(f"recorded {path} ({path.stat().st_size / 1024:.0f} KiB), wrote {args.out}: {frames} frames")
    print(f"render it again, e.g. at 4K:  nnviz-gl render --from {path} -q k -o {Path(args.out).stem}-4k.mp4")


if __name__ == "__main__":
    main()
