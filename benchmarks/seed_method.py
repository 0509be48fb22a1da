"""The seed's method, re-implemented as the baseline that nnviz-gl is measured against.

The seed (eliottkalfon/nn_video) draws every epoch as a fresh matplotlib figure of two subplots,
saves it as a PNG, and after training assembles the PNGs into an mp4 with imageio. This script
does the same, step for step, so that "how much faster than the seed" means something:

* left subplot: the network drawn from the weight matrices: one ``axis.plot`` line per connection,
  grey with width ``(|w| + 1) ** 3.5``, red dash-dot where ``|Δw| > 0.002`` since the previous epoch;
  neurons as a scatter of dots on top;
* right subplot: ``contourf`` of ``predict_proba[:, 1]`` over a meshgrid (scikit-learn's
  classifier-comparison style: the data bounds padded by 0.5, cmap RdBu, alpha .8), training points
  opaque with a black edge, test points at alpha .6;
* a suptitle with the epoch; ``fig.savefig`` to a temporary folder; ``plt.close``;
* ``imageio.get_writer(path, fps=...)`` with imageio-ffmpeg's defaults (libx264, quality 5 = crf 25,
  preset medium, yuv420p), reading every PNG back with ``imageio.imread``.

Data and model are the notebook's: make_classification(n_samples=500, ...), 3 × uniform noise,
StandardScaler, a 60/40 split, a meshgrid step of 0.2, MLPClassifier((5, 10, 5), alpha=1) trained by
partial_fit (one call before the loop, then one per frame); --samples/--noise/--grid-step change them.

Deliberate departures, each to make the comparison fair rather than to make the seed faster:
the figure is sized so that the PNGs are exactly the asked pixel size (the seed used a 30×10 inch
figure at 100 dpi); the figure height stays at the seed's 10 inches so fonts, markers and line
widths keep the seed's proportions; and ``macro_block_size=2`` stops imageio from rescaling
1080-pixel-high frames to 1088 (libx264 with yuv420p needs even sizes only).

Run: ``python benchmarks/seed_method.py -o out.mp4 --size 1920x1080 --epochs 300 --fps 30``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import imageio  # noqa: E402  (after the backend is chosen)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

FIGURE_HEIGHT_INCHES = 10.0  # the seed's figsize=(30, 10)
LEARNING_THRESHOLD = 0.002  # |Δw| above which a connection is drawn as "learning"
GRID_PADDING = 0.5
SEED_SAMPLES = 500  # the notebook's make_classification(n_samples=500)
SEED_NOISE = 3.0  # the notebook's X += 3 * RandomState(2).uniform(size=X.shape)
SEED_GRID_STEP = 0.2  # the notebook's meshgrid step h


class SizeError(ValueError):
    """A frame size that is not WIDTHxHEIGHT with positive even numbers."""


@dataclass(frozen=True)
class SeedData:
    """The seed's dataset, scaled and split, plus the meshgrid the field is evaluated on."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    xx: np.ndarray
    yy: np.ndarray


def parse_size(text: str) -> tuple[int, int]:
    """'1920x1080' -> (1920, 1080); even sizes only, as libx264 with yuv420p needs."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise SizeError(f"size must look like 1920x1080, got {text!r}") from None
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise SizeError(f"size must be positive and even in both directions, got {width}x{height}")
    return width, height


def make_seed_data(
    *, n_samples: int = SEED_SAMPLES, noise: float = SEED_NOISE, grid_step: float = SEED_GRID_STEP
) -> SeedData:
    """make_classification + uniform noise + StandardScaler + a 60/40 split, as in the seed.

    The defaults are the seed notebook's; scikit-learn's classifier comparison, which inspired it,
    uses n_samples=100, noise=2 and grid_step=0.02.
    """
    X, y = make_classification(
        n_samples=n_samples,
        n_features=2,
        n_redundant=0,
        n_informative=2,
        random_state=1,
        n_clusters_per_class=1,
    )
    X += noise * np.random.RandomState(2).uniform(size=X.shape)
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=42)
    x_min, x_max = X[:, 0].min() - GRID_PADDING, X[:, 0].max() + GRID_PADDING
    y_min, y_max = X[:, 1].min() - GRID_PADDING, X[:, 1].max() + GRID_PADDING
    xx, yy = np.meshgrid(np.arange(x_min, x_max, grid_step), np.arange(y_min, y_max, grid_step))
    return SeedData(X_train, X_test, y_train, y_test, xx, yy)


def neuron_positions(
    coefs: list[np.ndarray], *, height: float = 100.0, width: float = 100.0, diameter: float = 2.0
) -> list[np.ndarray]:
    """Per layer, an (n, 2) array of neuron (x, y): layers evenly across, neurons evenly down."""
    layer_sizes = [coefs[0].shape[0]] + [matrix.shape[1] for matrix in coefs]
    positions = []
    for layer_index, size in enumerate(layer_sizes):
        x = (layer_index + 1) / (len(layer_sizes) + 1) * width
        padding = (height - size * diameter) / (size + 1)
        index = np.arange(size)
        y = height - padding * (index + 1) - diameter / 2 - index * diameter
        positions.append(np.column_stack([np.full(size, x), y]))
    return positions


def edge_endpoints(coefs: list[np.ndarray], positions: list[np.ndarray]) -> np.ndarray:
    """(n_edges, 2, 2) start/end points, in the order of flatten_weights."""
    segments = []
    for layer_index, matrix in enumerate(coefs):
        parents, children = np.meshgrid(
            np.arange(matrix.shape[0]), np.arange(matrix.shape[1]), indexing="ij"
        )
        starts = positions[layer_index][parents.ravel()]
        ends = positions[layer_index + 1][children.ravel()]
        segments.append(np.stack([starts, ends], axis=1))
    return np.concatenate(segments)


def flatten_weights(coefs: list[np.ndarray]) -> np.ndarray:
    """All weights in one vector: layer by layer, parent by parent, child by child."""
    return np.concatenate([matrix.ravel() for matrix in coefs])


def plot_network(
    axis: plt.Axes,
    positions: list[np.ndarray],
    segments: np.ndarray,
    weights: np.ndarray,
    deltas: np.ndarray,
) -> None:
    """One line per connection, as the seed draws it, then the neurons on top."""
    for (start, end), weight, delta in zip(segments, weights, deltas):
        xs, ys = (start[0], end[0]), (start[1], end[1])
        line_width = (abs(weight) + 1) ** 3.5
        if abs(delta) > LEARNING_THRESHOLD:
            axis.plot(xs, ys, c="red", alpha=0.4, lw=line_width, ls="-.", label="Learning")
        else:
            axis.plot(xs, ys, c="grey", alpha=0.3, lw=line_width)
    neurons = np.concatenate(positions)
    axis.scatter(neurons[:, 0], neurons[:, 1], s=400, alpha=1, zorder=3)


def plot_decision(axis: plt.Axes, clf: MLPClassifier, data: SeedData) -> None:
    """Probability of class 1 as filled contours, training and test points on top."""
    bright = ListedColormap(["#FF0000", "#0000FF"])
    grid = np.c_[data.xx.ravel(), data.yy.ravel()]
    probability = clf.predict_proba(grid)[:, 1].reshape(data.xx.shape)
    axis.contourf(data.xx, data.yy, probability, cmap=plt.cm.RdBu, alpha=0.8)
    axis.scatter(data.X_train[:, 0], data.X_train[:, 1], c=data.y_train, cmap=bright, edgecolors="k")
    axis.scatter(
        data.X_test[:, 0], data.X_test[:, 1], c=data.y_test, cmap=bright, edgecolors="k", alpha=0.6
    )
    axis.set_xlim(data.xx.min(), data.xx.max())
    axis.set_ylim(data.yy.min(), data.yy.max())
    axis.set_xticks(())
    axis.set_yticks(())


def render_frames(
    frame_dir: Path,
    *,
    size: tuple[int, int],
    epochs: int,
    random_state: int = 0,
    data: SeedData,
) -> list[Path]:
    """Train epoch by epoch and save one PNG per epoch, exactly size[0]×size[1] pixels."""
    width, height = size
    dpi = height / FIGURE_HEIGHT_INCHES
    figsize = (width / dpi, FIGURE_HEIGHT_INCHES)
    left_axis_style = {
        "axes.titlesize": 16,
        "axes.labelsize": 12,
        "axes.edgecolor": "w",
        "xtick.color": "w",
        "ytick.color": "w",
        "ytick.major.size": 0,
        "ytick.minor.size": 0,
    }

    clf = MLPClassifier(hidden_layer_sizes=(5, 10, 5), alpha=1, max_iter=1000, random_state=random_state)
    clf.partial_fit(data.X_train, data.y_train, classes=np.unique(data.y_train))
    positions = neuron_positions(clf.coefs_)
    segments = edge_endpoints(clf.coefs_, positions)
    previous = flatten_weights(clf.coefs_)

    files = []
    for epoch in range(epochs):
        clf.partial_fit(data.X_train, data.y_train)
        weights = flatten_weights(clf.coefs_)
        deltas = weights - previous
        previous = weights

        fig = plt.figure(figsize=figsize)
        with plt.rc_context(left_axis_style):
            network_axis = plt.subplot(1, 2, 1)
        plot_network(network_axis, positions, segments, weights, deltas)
        decision_axis = plt.subplot(1, 2, 2)
        plot_decision(decision_axis, clf, data)
        fig.suptitle(f"Training Epoch: {epoch + 1}", fontsize=32, y=0.95)
        path = frame_dir / f"{epoch}_chart.png"
        fig.savefig(path, dpi=dpi)
        files.append(path)
        plt.close(fig)
    return files


def assemble_video(files: list[Path], output: Path, *, fps: float) -> None:
    """Read the PNGs back and append them to an mp4 through imageio's ffmpeg writer (its defaults)."""
    with imageio.get_writer(output, mode="I", fps=fps, macro_block_size=2) as writer:
        for path in files:
            writer.append_data(imageio.v2.imread(path))


def run(
    output: Path,
    *,
    size: tuple[int, int],
    epochs: int,
    fps: float,
    random_state: int = 0,
    data: SeedData | None = None,
) -> dict[str, float]:
    """Frames then video; returns the seconds each stage took."""
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    data = data if data is not None else make_seed_data()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="seed_frames_") as frame_dir:
        files = render_frames(Path(frame_dir), size=size, epochs=epochs, random_state=random_state, data=data)
        for path in files[:1]:
            got = imageio.v2.imread(path).shape[1::-1]
            if tuple(got) != size:
                raise RuntimeError(f"matplotlib saved {got[0]}x{got[1]} frames, asked for {size[0]}x{size[1]}")
        drawn = time.perf_counter()
        assemble_video(files, output, fps=fps)
    finished = time.perf_counter()
    return {"frames_s": drawn - started, "video_s": finished - drawn, "total_s": finished - started}


def _size_argument(text: str) -> tuple[int, int]:
    """parse_size for argparse, which only shows the message of an ArgumentTypeError."""
    try:
        return parse_size(text)
    except SizeError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, required=True, help="mp4 to write")
    parser.add_argument("--size", type=_size_argument, default=(1920, 1080), help="WIDTHxHEIGHT (default 1920x1080)")
    parser.add_argument("--epochs", type=int, default=300, help="epochs = frames (default 300)")
    parser.add_argument("--fps", type=float, default=30.0, help="frames per second (default 30)")
    parser.add_argument("--random-state", type=int, default=0, help="MLPClassifier random_state (default 0)")
    parser.add_argument("--samples", type=int, default=SEED_SAMPLES, help=f"data points (default {SEED_SAMPLES})")
    parser.add_argument("--noise", type=float, default=SEED_NOISE, help=f"uniform noise scale (default {SEED_NOISE})")
    parser.add_argument(
        "--grid-step", type=float, default=SEED_GRID_STEP, help=f"meshgrid step h (default {SEED_GRID_STEP})"
    )
    args = parser.parse_args(argv)

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    started = time.perf_counter()
    data = make_seed_data(n_samples=args.samples, noise=args.noise, grid_step=args.grid_step)
    times = run(
        args.output,
        size=args.size,
        epochs=args.epochs,
        fps=args.fps,
        random_state=args.random_state,
        data=data,
    )
    wall = time.perf_counter() - started
    width, height = args.size
    print(
        f"seed method: {args.epochs} frames at {width}x{height} -> {args.output} in {wall:.2f} s "
        f"({wall / args.epochs:.3f} s per frame; frames {times['frames_s']:.2f} s, "
        f"video {times['video_s']:.2f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
