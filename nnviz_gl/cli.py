"""``nnviz-gl``: render a training run to video, print what this machine's GL and ffmpeg can do."""

from __future__ import annotations

import argparse
import math
import signal
import sys
import time
from pathlib import Path

from .render.context import GLUnavailableError
from .render.frame import SizeError
from .sinks.ffmpeg import CODECS, EncoderError, EncoderInterrupted, OutputPathError, raise_on_signals
from .snapshot import ACTIVATIONS
from .training.datasets import DATASETS

QUALITIES = {"l": (854, 480), "m": (1280, 720), "h": (1920, 1080), "p": (2560, 1440), "k": (3840, 2160)}
QUALITY_NAMES = {"l": "480p", "m": "720p", "h": "1080p", "p": "1440p", "k": "2160p (4K)"}
EXIT_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}

EXAMPLES = """\
examples:
  nnviz-gl render -o training.mp4                  the seed's run: 300 epochs, 1080p, 10 s at 30 fps
  nnviz-gl render -q k -o training-4k.mp4          the same at 3840x2160
  nnviz-gl render --dataset moons --hidden 8,8 --activation tanh --epochs 500 -o moons.mp4
  nnviz-gl render -q l --epochs 60 --frames-per-epoch 4 -o slow.mp4   smooth slow motion
  nnviz-gl info                                    what this machine's OpenGL and ffmpeg can do
"""


class CliError(Exception):
    """A user-facing error: printed as one line, exit status 1 (2 for bad options)."""


# -- option parsing ---------------------------------------------------------------------------
def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {text}")
    return value


def _nonnegative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def _resolution(text: str) -> tuple[int, int]:
    parts = text.replace("x", ",").split(",")
    try:
        w, h = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTH,HEIGHT in pixels such as 1920,1080; got {text!r}") from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"width and height must be positive, got {w},{h}")
    return w, h


def _layers(text: str) -> tuple[int, ...]:
    parts = text.split(",")
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected hidden layer sizes separated by commas such as 5,10,5; got {text!r}"
        ) from None
    if any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"every layer needs at least 1 neuron, got {text!r}")
    return sizes


def _training_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("training (defaults: the seed notebook's run)")
    g.add_argument("--dataset", choices=DATASETS, default="classification",
                   help="2-D toy dataset; 'classification' is the seed's noisy make_classification (default)")
    g.add_argument("--samples", type=_positive_int, default=100, help="number of points (default 100)")
    g.add_argument("--noise", type=_nonnegative_float, default=None,
                   help="dataset noise (default: the dataset's own, e.g. 2.0 uniform for classification)")
    g.add_argument("--test-size", type=float, default=0.4, help="share of points held out for testing (default 0.4)")
    g.add_argument("--hidden", type=_layers, default=(5, 10, 5), metavar="N,N,...",
                   help="hidden layer sizes (default 5,10,5)")
    g.add_argument("--activation", choices=ACTIVATIONS, default="relu", help="hidden activation (default relu)")
    g.add_argument("--alpha", type=_nonnegative_float, default=1.0, help="L2 penalty (default 1.0)")
    g.add_argument("--learning-rate", type=_positive_float, default=0.001, help="Adam step size (default 0.001)")
    g.add_argument("--epochs", type=_positive_int, default=300, help="epochs to train (default 300)")
    g.add_argument("--seed", type=int, default=0, help="random seed: same seed, same frames (default 0)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnviz-gl",
        description="Watch a neural network learn: its weights and its decision field, drawn by OpenGL "
                    "shaders, rendered to video headless (no display or GPU needed).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    render = sub.add_parser(
        "render", help="train and render the run to an mp4 (headless)",
        description="Train a scikit-learn MLPClassifier on a 2-D dataset and render every epoch to an H.264 "
                    "mp4: the network (edge width = |weight|, red dash-dot = learning most) beside the "
                    "model's probability field with the data. Needs no display; uses the GPU through EGL "
                    "when there is one, Mesa's llvmpipe when not.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    out = render.add_argument_group("output")
    out.add_argument("-o", "--output", default="training.mp4", help="video file to write (default training.mp4)")
    out.add_argument("-q", "--quality", choices=list(QUALITIES), default="h",
                     help="l 854x480, m 1280x720, h 1920x1080 (default), p 2560x1440, k 3840x2160")
    out.add_argument("-r", "--resolution", type=_resolution, metavar="W,H",
                     help="exact size in pixels, overrides -q (both even, for H.264)")
    out.add_argument("--fps", type=_positive_float, default=30.0,
                     help="frames per second (default 30: the seed's 300 epochs last 10 s)")
    out.add_argument("--frames-per-epoch", type=_positive_int, default=1, metavar="N",
                     help="frames per drawn epoch, weights interpolated between epochs (default 1)")
    out.add_argument("--every", type=_positive_int, default=1, metavar="K",
                     help="draw every K-th epoch of a long run (default 1: all)")
    out.add_argument("--codec", choices=CODECS, default="auto",
                     help="encoder; auto = NVENC when it works, else libx264 (default auto)")
    out.add_argument("--preset", default=None, help="encoder preset (x264: ultrafast..veryslow; nvenc: p1..p7)")
    out.add_argument("--crf", type=_nonnegative_float, default=None,
                     help="constant quality, lower is better (x264 default 23)")
    out.add_argument("--field-scale", type=_positive_float, default=1.0,
                     help="field evaluations per output pixel along each axis (default 1.0; 0.5 is 4x cheaper)")
    out.add_argument("--gpu", type=int, default=None, metavar="N", help="EGL device index on multi-GPU servers")
    out.add_argument("--no-progress", action="store_true", help="no progress bar")
    _training_options(render)

    sub.add_parser("info", help="print the OpenGL driver, the largest frame and the working encoders",
                   description="What this machine offers: GL vendor, renderer and version through EGL, the "
                               "largest framebuffer, and which video encoders work. Run it first on a new server.")
    return parser


# -- commands ---------------------------------------------------------------------------------
def _trainer(args):
    from .training.trainer import SklearnTrainer, TrainingConfig

    config = TrainingConfig(
        dataset=args.dataset, n_samples=args.samples, noise=args.noise, test_size=args.test_size,
        hidden=args.hidden, activation=args.activation, alpha=args.alpha, learning_rate=args.learning_rate,
        epochs=args.epochs, seed=args.seed,
    )
    return SklearnTrainer(config)


def cmd_render(args) -> int:
    from tqdm import tqdm

    from .video import VideoRecorder

    size = args.resolution or QUALITIES[args.quality]
    if size[0] % 2 or size[1] % 2:
        raise CliError(f"size {size[0]}x{size[1]} is odd; H.264 needs even sizes: try "
                       f"{size[0] + size[0] % 2},{size[1] + size[1] % 2}")
    trainer = _trainer(args)
    data = trainer.dataset
    drawn = [e for e in range(1, args.epochs + 1) if e % args.every == 0 or e == args.epochs]
    total_frames = len(drawn) * args.frames_per_epoch
    started = time.perf_counter()
    bar = tqdm(total=total_frames, unit="frame", disable=args.no_progress, dynamic_ncols=True,
               desc=Path(args.output).name, file=sys.stderr)
    recorder = None
    try:
        with raise_on_signals():
            recorder = VideoRecorder(
                args.output, data.X_train, data.y_train, data.X_test, data.y_test, size=size, fps=args.fps,
                codec=args.codec, crf=args.crf, preset=args.preset, frames_per_epoch=args.frames_per_epoch,
                field_scale=args.field_scale, gpu=args.gpu, on_frame=lambda n: bar.update(n - bar.n),
            )
            with recorder:
                for epoch in range(1, args.epochs + 1):
                    snapshot = trainer.step()
                    if epoch in drawn:
                        recorder.publish(snapshot)
    except EncoderInterrupted as stop:
        bar.close()
        written = recorder.frames_written if recorder else 0
        where = f"kept in {args.output}" if written else "nothing written"
        print(f"nnviz-gl: interrupted by {signal.Signals(stop.signum).name}: {written} of {total_frames} "
              f"frames, {where}", file=sys.stderr)
        return EXIT_SIGNAL.get(stop.signum, 130)
    bar.close()
    wall = time.perf_counter() - started
    frames = recorder.frames_written
    print(f"wrote {args.output}: {frames} frames, {frames / args.fps:.1f} s at {args.fps:g} fps, "
          f"{size[0]}x{size[1]} {recorder.writer.codec}, in {wall:.1f} s ({frames / wall:.1f} frames/s)")
    return 0


def cmd_info(args) -> int:
    from .render.context import create_headless_context, gl_info
    from .sinks.ffmpeg import encoder_report, ffmpeg_exe

    ctx = create_headless_context()
    info = gl_info(ctx)
    ctx.release()
    print(f"OpenGL vendor:    {info.vendor}")
    print(f"OpenGL renderer:  {info.renderer}")
    print(f"OpenGL version:   {info.version}")
    print(f"largest frame:    {info.max_framebuffer[0]}x{info.max_framebuffer[1]}")
    print(f"ffmpeg:           {ffmpeg_exe()}")
    for codec, works in encoder_report():
        print(f"encoder {codec:<11} {'works' if works else 'not available'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return {"render": cmd_render, "info": cmd_info}[args.command](args)
    except (CliError, ValueError, GLUnavailableError, EncoderError, SizeError, OutputPathError) as exc:
        print(f"nnviz-gl: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
