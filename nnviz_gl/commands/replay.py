"""``nnviz-gl replay RUN.nnviz``: a recorded run in the window, with a timeline."""

from __future__ import annotations

import argparse

from . import options as cli
from ..render.style import WINDOW_FIELD_SCALE  # not sinks.window: the parser stays light
from ..sinks.window_recording import RECORD_FPS


def add_parser(sub) -> None:
    replay = sub.add_parser(
        "replay", help="replay a recorded run (.nnviz) in a window, with a timeline",
        description="Open a window on a trajectory recorded with `nnviz-gl render --record RUN.nnviz` (or "
                    "TrajectoryWriter) and play it back. Keys: space play/pause, left/right one snapshot, "
                    "Home/End first/last, +/- speed, wheel zoom, drag pan, 0 reset view, s PNG, v record mp4 (one video frame per frame drawn, at "
                    f"{RECORD_FPS:g} fps), h help, q quit. Drag on the timeline to scrub. A file still being "
                    "written is followed live. Needs a display; "
                    "without one use `nnviz-gl render --from RUN.nnviz` or `xvfb-run -a nnviz-gl replay`.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.allow_negative_lists(replay)  # --view -2,2,-1,1
    replay.add_argument("trajectory", metavar="RUN.nnviz", help="the recorded run")
    replay.add_argument("-r", "--resolution", type=cli.resolution, default=(1280, 720), metavar="W,H",
                        help="window size in screen units (default 1280,720)")
    replay.add_argument("--speed", type=cli.positive_float, default=30.0, metavar="N",
                        help="playback speed in snapshots per second (default 30; +/- change it live)")
    replay.add_argument("--duration", type=cli.positive_float, default=None, metavar="SECONDS",
                        help="close the window by itself after this many seconds")
    replay.add_argument("--field-scale", type=cli.positive_float, default=WINDOW_FIELD_SCALE,
                        help=f"field evaluations per window pixel along each axis (default {WINDOW_FIELD_SCALE})")
    replay.add_argument("--view", type=cli.view_bounds, default=None, metavar="X0,X1,Y0,Y1",
                        help=cli.VIEW_HELP + "; the wheel zooms, a drag pans, 0 returns to it")
    replay.add_argument("--title", default=None, metavar="TEXT", help="your own caption, shown as \"TEXT · epoch N\" where the frame says \"Epoch N\"")
    cli.add_neuron_fields_option(replay)
    replay.add_argument("--no-vsync", action="store_true", help="draw as fast as possible (benchmarks)")
    replay.add_argument("--output-dir", default=".", help="where s and v save PNGs and videos (default .)")
    replay.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..replay import replay

    try:
        replay(args.trajectory, size=args.resolution, duration=args.duration, speed=args.speed,
               field_scale=args.field_scale, vsync=not args.no_vsync, output_dir=args.output_dir,
               view=args.view, title=args.title, neuron_fields=args.neuron_fields)
    except FileNotFoundError as exc:
        raise cli.CliError(str(exc)) from None
    except IsADirectoryError:
        raise cli.CliError(f"{args.trajectory!r} is a directory; give a recorded run such as run.nnviz") from None
    except PermissionError as exc:
        raise cli.CliError(f"cannot read {args.trajectory!r}: {exc.strerror}") from None
    return 0
