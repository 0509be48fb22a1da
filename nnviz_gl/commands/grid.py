"""``nnviz-gl grid``: one video of recorded runs side by side, a tile per trajectory, synchronised by epoch."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from ..sinks.codecs import CODECS
from ..sinks.ffmpeg_process import EncoderInterrupted, raise_on_signals
from . import options as cli

EXIT_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}


def add_parser(sub) -> None:
    grid = sub.add_parser(
        "grid", help="render recorded runs side by side into one video (a tile per trajectory)",
        description="Render recorded trajectories (.nnviz, from render --record or a sweep) into one video: a "
                    "tile per run, in the order given, each its field with the data and, where the tile has room, "
                    "its network. Every frame shows all runs at the same epoch; a run that ended holds its last "
                    "snapshot. Tiles are captioned with the files' names.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grid.add_argument("runs", nargs="+", metavar="RUN.nnviz", help="trajectory files, one tile each")
    grid.add_argument("-o", "--output", default="grid.mp4", help="video file to write (default grid.mp4)")
    grid.add_argument("-q", "--quality", choices=list(cli.QUALITIES), default="h",
                      help="l 854x480, m 1280x720, h 1920x1080 (default), p 2560x1440, k 3840x2160")
    grid.add_argument("-r", "--resolution", type=cli.resolution, metavar="W,H",
                      help="exact size in pixels, overrides -q (both even, for H.264)")
    grid.add_argument("--title", default=None, metavar="TEXT", help="your own caption, shown as \"TEXT · epoch N\"")
    grid.add_argument("--fps", type=cli.frame_rate, default=30.0, help="frames per second (default 30)")
    grid.add_argument("--every", type=cli.positive_int, default=1, metavar="K",
                      help="draw every K-th epoch (default 1: all)")
    grid.add_argument("--codec", choices=CODECS, default="auto",
                      help="encoder; auto = NVENC when it works, else libx264 (default auto)")
    grid.add_argument("--preset", default=None, help="encoder preset (x264: ultrafast..veryslow; nvenc: p1..p7)")
    grid.add_argument("--crf", type=cli.nonnegative_float, default=None,
                      help="constant quality, lower is better (x264 default 23)")
    grid.add_argument("--no-progress", action="store_true", help="no progress bar")
    grid.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    size = args.resolution or cli.QUALITIES[args.quality]
    if size[0] % 2 or size[1] % 2:
        raise cli.CliError(f"size {size[0]}x{size[1]} is odd; H.264 needs even sizes: try "
                           f"{size[0] + size[0] % 2},{size[1] + size[1] % 2}")
    cli.check_encodable(size, args.codec)
    cli.check_distinct_files(args.output, {f"run {i + 1}": path for i, path in enumerate(args.runs)})
    from ..grid_video import GridStatus, render_grid

    status = GridStatus()
    started = time.perf_counter()
    try:
        with raise_on_signals():
            render_grid(args.runs, args.output, size=size, fps=args.fps, every=args.every, codec=args.codec,
                        preset=args.preset, crf=args.crf, progress=not args.no_progress, title=args.title,
                        status=status)
    except EncoderInterrupted as stop:
        print(f"nnviz-gl: interrupted by {signal.Signals(stop.signum).name}: {_where(status, args.output)}",
              file=sys.stderr)
        return EXIT_SIGNAL.get(stop.signum, 130)
    wall = time.perf_counter() - started
    writer = status.writer
    print(f"wrote {args.output}: {len(args.runs)} runs, {status.frames} frames, {status.frames / args.fps:.1f} s at "
          f"{args.fps:g} fps, {size[0]}x{size[1]} {writer.codec} {writer.preset}, in {wall:.1f} s "
          f"({status.frames / wall:.1f} frames/s)")
    return 0


def _where(status, output: str) -> str:
    """What is on disk after an interrupted render, said as it is."""
    kept = status.writer.kept_at if status.writer is not None else None
    if kept is None:
        return f"{status.frames} of {status.total} frames drawn, nothing written"
    if str(kept) == str(status.writer.path):
        return f"{status.frames} of {status.total} frames, kept in {kept}"
    return f"{status.frames} of {status.total} frames, unfinished in {kept} ({output} was left as it was)"
