"""Options and helpers shared by the ``nnviz-gl`` subcommands: parsers that explain bad values,
the training options, the qualities, and the one-line error type."""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from pathlib import Path

from ..snapshot import ACTIVATIONS
from ..features import FEATURES
from ..training.datasets import (DATASETS, MULTICLASS_DATASETS, OWN_DATA_DEFAULTS, PROBLEMS, REGRESSION_DATASETS,
                                 TRAINING_DEFAULTS)
from ..training.trainer import TrainingConfig

QUALITIES = {"l": (854, 480), "m": (1280, 720), "h": (1920, 1080), "p": (2560, 1440), "k": (3840, 2160)}
# -q when none is given: a GIF is for a README or a slide (and ffmpeg holds its frames until the palette
# is made), so it is 854x480 unless asked otherwise.
DEFAULT_QUALITY = {"mp4": "h", "webm": "h", "gif": "l"}

EXAMPLES = """\
examples:
  nnviz-gl render -o training.mp4                  the seed's run: 300 epochs, 1080p, 10 s at 30 fps
  nnviz-gl render -q k -o training-4k.mp4          the same at 3840x2160
  nnviz-gl render --dataset moons --hidden 8,8 --activation tanh --epochs 500 -o moons.mp4
  nnviz-gl render -q l --dataset moons --epochs 60 --frames-per-epoch 4 -o slow.mp4   slow motion
  nnviz-gl render --record run.nnviz -o run.mp4    train, render, and keep every epoch in run.nnviz
  nnviz-gl render --from run.nnviz -q k -o run4k.mp4   the recorded run again at 4K, without training
  nnviz-gl watch --dataset spiral                   watch it learn in a window
  nnviz-gl render --dataset blobs --classes 5 -o blobs.mp4       five classes: each pixel shows its winner
  nnviz-gl render --dataset spiral --classes 3 -o spiral3.mp4    three spiral arms
  nnviz-gl render --dataset reg-gauss -o reg-gauss.mp4           a regression: the field is the predicted value
  nnviz-gl render --dataset circles --features x1^2,x2^2 --hidden none -o circle.mp4   no hidden layer
  nnviz-gl render --data points.csv -o mine.mp4     your own points (a target of many numbers is a regression)
  nnviz-gl render --dataset moons -o moons.gif --last-frame moons.png   a looping GIF, and its last frame
  nnviz-gl render -o training.webm                 VP9 in a WebM, for a web page
  nnviz-gl sweep --vary learning-rate=0.001,0.01,0.1 --vary activation=relu,tanh -o grid.mp4   six runs, one grid
  nnviz-gl grid runs/*.nnviz -o grid.mp4           recorded runs side by side, a tile each
  nnviz-gl info                                    what this machine's OpenGL and ffmpeg can do
"""


class CliError(Exception):
    """A user-facing error: printed as one line, exit status 1 (2 for bad options)."""


# -- option parsing ---------------------------------------------------------------------------
def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {text}")
    return value


def nonnegative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def frame_rate(text: str) -> float:
    from ..sinks.ffmpeg_process import frame_rate_problem  # standard library only: the parser stays light

    value = positive_float(text)
    problem = frame_rate_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(f"{text} fps {problem}")
    return value


def nonnegative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def resolution(text: str) -> tuple[int, int]:
    parts = text.replace("x", ",").split(",")
    try:
        w, h = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTH,HEIGHT in pixels such as 1920,1080; got {text!r}") from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"width and height must be positive, got {w},{h}")
    return w, h


# The largest frames the encoders take, found by encoding with the bundled ffmpeg: libx264 refuses a
# side above 16384 ("invalid width x height"), SVT-AV1 a width above 16384 or a height above 8704.
ENCODER_MAX_SIZE = {"libx264": (16384, 16384), "libsvtav1": (16384, 8704)}
# ffmpeg itself refuses any raw frame whose (width + 128) * (height + 128) * 8 bytes reach 2**31
# (av_image_check_size: "Picture size ... is invalid"), whatever the encoder.
FFMPEG_MAX_PADDED_AREA = (2**31 - 1) // 8


def check_encodable(size: tuple[int, int], codec: str) -> None:
    """Refuse a size that ffmpeg or ``codec`` would refuse, in one line that names which of them.

    ``auto`` is held to libx264's limits: it falls back to libx264, and NVENC's limits are lower still.
    """
    w, h = size
    encoder = "libx264" if codec == "auto" else codec
    limit = ENCODER_MAX_SIZE.get(encoder)
    if limit and (w > limit[0] or h > limit[1]):
        via = " (what --codec auto encodes with without NVENC)" if codec == "auto" else ""
        raise CliError(f"size {w}x{h} is larger than {encoder}{via} encodes: at most {limit[0]} wide and "
                       f"{limit[1]} high")
    if (w + 128) * (h + 128) > FFMPEG_MAX_PADDED_AREA:
        raise CliError(f"size {w}x{h} is larger than ffmpeg takes for one frame: (width + 128) x "
                       f"(height + 128) may be at most {FFMPEG_MAX_PADDED_AREA:,}")


def check_distinct_files(output: str, inputs: dict[str, str | None]) -> None:
    """Refuse an output that is also one of ``inputs`` (option -> path: ``--record``, ``--from``): writing
    it would destroy that file. The same path however written, or the same file through a link."""
    out = Path(output)
    for flag, path in inputs.items():
        if path is None:
            continue
        same = Path(path).resolve() == out.resolve()
        if not same and out.exists() and Path(path).exists():
            same = os.path.samefile(path, out)
        if same:
            raise CliError(f"the output {output} is the same file as {flag} {path}; give the video another name")


def check_video_outputs(args):
    """The video's format and every file the run will write (-o, --last-frame, --frames), checked before
    any work starts; returns the :class:`~nnviz_gl.sinks.formats.OutputFormat`."""
    from ..sinks.ffmpeg_process import check_output_path
    from ..sinks.formats import check_codec, output_format
    from ..sinks.stills import check_frames_dir, check_png_path

    check_output_path(args.output, args.format)
    fmt = output_format(args.output, args.format)
    check_codec(fmt, args.codec, args.crf, args.preset)
    last_frame, frames = getattr(args, "last_frame", None), getattr(args, "frames", None)  # render's own
    if last_frame is not None:
        check_png_path(last_frame)
        check_distinct_files(last_frame, {"-o": args.output})
    if frames is not None:
        check_frames_dir(frames)
    return fmt


GIF_MEMORY_NOTE_BYTES = 2e9


def note_gif_memory(size: tuple[int, int], frames: int) -> None:
    """Say so when ffmpeg will hold a GIF's frames in gigabytes of memory (its palette needs them all)."""
    held = frames * size[0] * size[1] * 4
    if held > GIF_MEMORY_NOTE_BYTES:
        print(f"nnviz-gl: note: ffmpeg holds a GIF's {frames} frames until its palette is made: about "
              f"{held / 1e9:.1f} GB at {size[0]}x{size[1]} (a smaller -q or a larger --every takes less)",
              file=sys.stderr)


def view_bounds(text: str) -> tuple[float, float, float, float]:
    """``--view x0,x1,y0,y1``: the data rectangle the field panel shows."""
    from ..render.transforms import check_view  # numpy and pyrr only, no GL

    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected four numbers x0,x1,y0,y1 such as -2,2,-1.5,1.5; got {text!r}") from None
    if len(values) != 4:
        raise argparse.ArgumentTypeError(f"expected four numbers x0,x1,y0,y1 such as -2,2,-1.5,1.5; got {len(values)} in {text!r}")
    try:
        return check_view(values)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def allow_negative_lists(parser: argparse.ArgumentParser) -> None:
    """Let a value such as ``--view -2,2,-1,1`` be a value: argparse takes an argument that starts with
    '-' for an option unless it is one plain negative number (its matcher is reset per parser)."""
    parser._negative_number_matcher = re.compile(r"^-\d+$|^-\d*\.\d+$|^-(\d|\.\d|inf|nan)[^,\s]*,", re.IGNORECASE)


VIEW_HELP = ("the data rectangle the field panel shows, x0,x1,y0,y1 (x0 < x1, y0 < y1), e.g. -2,2,-1.5,1.5; "
             "the field is evaluated there, points outside are clipped (default: the points' extent plus 0.5)")


def layers(text: str) -> tuple[int, ...]:
    if text.strip().lower() == "none":
        return ()  # no hidden layer: the inputs feed the output directly
    parts = text.split(",")
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected hidden layer sizes separated by commas such as 5,10,5 (none: no hidden layer); got {text!r}"
        ) from None
    if any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"every layer needs at least 1 neuron, got {text!r}")
    return sizes


def data_columns(text: str) -> tuple[str, str, str]:
    names = tuple(part.strip() for part in text.split(","))
    if len(names) != 3 or not all(names):
        raise argparse.ArgumentTypeError(f"expected three header names X,Y,LABEL such as x,y,label; got {text!r}")
    return names


def dataset_defaults_text() -> str:
    """One line per dataset (and one for --data): its --hidden, --alpha, --learning-rate."""
    rows = [*TRAINING_DEFAULTS.items(), ("--data FILE", OWN_DATA_DEFAULTS)]
    return "\n".join(
        f"  {name:<15} --hidden {','.join(map(str, hidden)):<8} --alpha {alpha:<6g} --learning-rate {rate:g}"
        for name, (hidden, alpha, rate) in rows
    )


def datasets_text() -> str:
    """The built-in datasets by kind, for --dataset's help."""
    binary = [name for name in DATASETS if name not in MULTICLASS_DATASETS and name not in REGRESSION_DATASETS]
    multi = ", ".join(f"{name} (default {k})" for name, k in MULTICLASS_DATASETS.items())
    return (f"2-D toy dataset. Binary: {', '.join(binary)} ('classification', the seed's noisy make_classification, "
            f"is the default); multiclass, --classes K (2 to 10) classes: {multi}; regression (TensorFlow "
            f"Playground's): {', '.join(REGRESSION_DATASETS)}")


def add_neuron_fields_option(group) -> None:
    """--neuron-fields / --no-neuron-fields (render, watch, replay); default: when the discs are large enough."""
    group.add_argument("--neuron-fields", action=argparse.BooleanOptionalAction, default=None,
                       help="draw each hidden neuron's own field in its disc (default: when the discs are at "
                            "least 9 px in radius, e.g. 854x480 and larger for the seed's 5-10-5)")


def add_training_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group(
        "training (defaults: the seed notebook's run)",
        "--hidden, --alpha and --learning-rate default to the dataset's own, under which it learns in 300\n"
        "epochs (an option given wins):\n" + dataset_defaults_text(),
    )
    source = g.add_mutually_exclusive_group()
    source.add_argument("--dataset", choices=DATASETS, default="classification", help=datasets_text())
    source.add_argument("--data", metavar="FILE", default=None,
                        help="your own points: a .csv (x1, x2, label; header optional) or a .npz with X and y. "
                             "Text labels or up to 10 whole numbers are classes; other numbers a regression")
    g.add_argument("--problem", choices=PROBLEMS, default=None,
                   help="classification or regression (default: from the data; --data's guess is said in a note)")
    g.add_argument("--classes", type=positive_int, default=None, metavar="K",
                   help="number of classes of " + " and ".join(MULTICLASS_DATASETS) + ", 2 to 10")
    g.add_argument("--features", default="x1,x2", metavar="F,F,...",
                   help=f"the network's inputs, computed from each point (default x1,x2); any of {','.join(FEATURES)}")
    g.add_argument("--columns", type=data_columns, default=None, metavar="X,Y,LABEL",
                   help="the CSV header's names of x1, x2 and the label (default: first two numeric columns, last)")
    g.add_argument("--no-standardize", action="store_true", help="use --data's coordinates as they are")
    g.add_argument("--samples", type=positive_int, default=TrainingConfig.n_samples,
                   help=f"number of points (default {TrainingConfig.n_samples}, the seed's)")
    g.add_argument("--noise", type=nonnegative_float, default=None,
                   help="dataset noise (default: the dataset's own, e.g. 3.0 uniform for classification)")
    g.add_argument("--test-size", type=float, default=0.4, help="share of points held out for testing (default 0.4)")
    g.add_argument("--hidden", type=layers, default=None, metavar="N,N,...",
                   help="hidden layer sizes, or none for no hidden layer (default: the dataset's, above)")
    g.add_argument("--activation", choices=ACTIVATIONS, default="relu", help="hidden activation (default relu)")
    g.add_argument("--alpha", type=nonnegative_float, default=None, help="L2 penalty (default: the dataset's)")
    g.add_argument("--learning-rate", type=positive_float, default=None,
                   help="Adam step size (default: the dataset's)")
    g.add_argument("--epochs", type=positive_int, default=300, help="epochs to train (default 300)")
    g.add_argument("--seed", type=int, default=0, help="random seed: same seed, same frames (default 0)")


def training_config(args) -> TrainingConfig:
    """The training run the options describe (checked here: a bad option or data file fails before any work)."""
    if args.columns is not None and args.data is None:
        raise CliError("--columns names the fields of a --data file; give --data FILE too")
    config = TrainingConfig(
        dataset=args.dataset, n_samples=args.samples, noise=args.noise, test_size=args.test_size,
        hidden=args.hidden, activation=args.activation, alpha=args.alpha, learning_rate=args.learning_rate,
        epochs=args.epochs, seed=args.seed,
        data_path=args.data, columns=args.columns, standardize=not args.no_standardize,
        problem=args.problem, classes=args.classes, features=args.features,
    )
    if config.data_path is not None:
        data = config.make_dataset()  # read once here: a bad file is one line before any video work
        if data.note:
            print(f"nnviz-gl: note: {data.note}", file=sys.stderr)
    return config
