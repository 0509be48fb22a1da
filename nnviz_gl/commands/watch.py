"""``nnviz-gl watch``: train and watch it live in a window."""

from __future__ import annotations

import argparse

from . import options as cli
from ..render.style import WINDOW_FIELD_SCALE  # not sinks.window: the parser stays light
from ..sinks.window_recording import RECORD_FPS


def speed(text: str) -> float | None:
    """Epochs per second, or ``max`` for as fast as training goes."""
    if text.strip().lower() in ("max", "unlimited", "inf"):
        return None
    return cli.positive_float(text)


def add_parser(sub) -> None:
    watch = sub.add_parser(
        "watch", help="train and watch it live in a window",
        description="Open a window and train a scikit-learn MLPClassifier beside it: the network and its "
                    "probability field move as it learns. Keys: space pause, → one epoch, r re-initialise, "
                    "n new data, +/- speed, s PNG, v record mp4 (one video frame per frame drawn, at "
                    f"{RECORD_FPS:g} fps), h help, q quit. Hover a connection for its weight, a neuron for its "
                    "own field; click the field to add a point (left 0, right 1). "
                    "Needs a display; without one use `nnviz-gl render` or `xvfb-run -a nnviz-gl watch`.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.allow_negative_lists(watch)  # --view -2,2,-1,1
    win = watch.add_argument_group("window")
    win.add_argument("-r", "--resolution", type=cli.resolution, default=(1280, 720), metavar="W,H",
                     help="window size in screen units (default 1280,720)")
    win.add_argument("--duration", type=cli.positive_float, default=None, metavar="SECONDS",
                     help="close the window by itself after this many seconds")
    win.add_argument("--speed", type=speed, default=30.0, metavar="EPS",
                     help="training speed in epochs per second, or 'max' (default 30; +/- change it live)")
    win.add_argument("--field-scale", type=cli.positive_float, default=WINDOW_FIELD_SCALE,
                     help=f"field evaluations per window pixel along each axis (default {WINDOW_FIELD_SCALE})")
    win.add_argument("--title", default=None, metavar="TEXT", help="your own caption, shown as \"TEXT · epoch N\" where the frame says \"Epoch N\"")
    win.add_argument("--view", type=cli.view_bounds, default=None, metavar="X0,X1,Y0,Y1", help=cli.VIEW_HELP)
    cli.add_neuron_fields_option(win)
    win.add_argument("--no-vsync", action="store_true", help="draw as fast as possible (benchmarks)")
    win.add_argument("--output-dir", default=".", help="where s and v save PNGs and videos (default .)")
    cli.add_training_options(watch)
    watch.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..live import watch

    config = cli.training_config(args)  # the same options, checked the same way, as render's
    watch(config, size=args.resolution, duration=args.duration, speed=args.speed, field_scale=args.field_scale,
          vsync=not args.no_vsync, output_dir=args.output_dir, title=args.title,
          neuron_fields=args.neuron_fields, view=args.view)
    return 0
