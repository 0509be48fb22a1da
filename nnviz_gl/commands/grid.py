"""``nnviz-gl grid``: one video of recorded runs side by side, a tile per trajectory, synchronised by epoch."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from ..sinks.ffmpeg_process import EncoderInterrupted, raise_on_signals
from . import options as cli
from .video_options import add_video_options, checked_video

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
    out = grid.add_argument_group("output")
    add_video_options(out, "grid.mp4")
    out.add_argument("--title", default=None, metavar="TEXT", help="your own caption, shown as \"TEXT · epoch N\"")
    grid.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    cli.check_distinct_files(args.output, {f"run {i + 1}": path for i, path in enumerate(args.runs)})
    return render_and_report(args, args.runs, labels=None, notes=None)


def render_and_report(args: argparse.Namespace, trajectories, labels, notes) -> int:
    """Render the grid video as the options say (checked first), and say what was written or, after a signal,
    what is on disk. ``grid``'s and ``sweep``'s last step."""
    _, size = checked_video(args)
    from ..grid_video import GridStatus, render_grid

    status = GridStatus()
    started = time.perf_counter()
    try:
        with raise_on_signals():
            render_grid(trajectories, args.output, size=size, labels=labels, notes=notes, fps=args.fps,
                        every=args.every, codec=args.codec, preset=args.preset, crf=args.crf,
                        progress=not args.no_progress, title=getattr(args, "title", None), status=status,
                        format=args.format)
    except EncoderInterrupted as stop:
        print(f"nnviz-gl: interrupted by {signal.Signals(stop.signum).name}: {_where(status, args.output)}",
              file=sys.stderr)
        return EXIT_SIGNAL.get(stop.signum, 130)
    wall = time.perf_counter() - started
    writer = status.writer
    print(f"wrote {args.output}: {len(trajectories)} runs, {status.frames} frames, {status.frames / args.fps:.1f} s at "
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
