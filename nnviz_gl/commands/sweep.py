"""``nnviz-gl sweep``: train one run per combination of ``--vary`` values (locally, on a Dask cluster or
on Ray), keep every run's trajectory, and render them as one grid video."""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
import time
from pathlib import Path

from . import options as cli
from .grid import render_and_report
from .video_options import add_video_options, checked_video

EXIT_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
LIST_OPTIONS = {"hidden": "-+", "features": "+"}  # within one --vary value, what joins a list's items

EXAMPLES = """\
examples:
  nnviz-gl sweep --vary learning-rate=0.001,0.01,0.1 --vary activation=relu,tanh -o grid.mp4
      six runs (every combination), trained on this machine's cores; their trajectories in grid.runs/
  nnviz-gl sweep --vary hidden=5-10-5,8-8,none --vary seed=0,1 --zip ...   --zip pairs lists of one length
  nnviz-gl sweep --vary seed=0,1,2,3 --scheduler tcp://10.0.0.5:8786       train on a Dask cluster
  nnviz-gl sweep --vary alpha=0.01,1 --executor ray                         train on Ray
  nnviz-gl sweep --from grid.runs -q k -o grid4k.mp4                        the grid again, no training
"""


def add_parser(sub) -> None:
    parser = sub.add_parser(
        "sweep", help="train many runs (a grid of option values) and render them side by side",
        description="Train one run per combination of the --vary values (every other training option as in "
                    "`render`), on local worker processes, a Dask cluster or Ray; keep each run's trajectory in "
                    "--runs-dir; then render one video with a tile per run, synchronised by epoch.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.allow_negative_lists(parser)
    runs = parser.add_argument_group("sweep")
    runs.add_argument("--vary", action="append", default=[], metavar="NAME=V1,V2,...",
                      help="a training option and the values it takes, separated by commas; repeat for more "
                           "options. NAME: " + ", ".join(_variables()) + ". A value that is itself a list joins "
                           "its items with - or + (hidden=5-10-5,8-8 features=x1+x2,x1+x2+x1^2)")
    runs.add_argument("--zip", action="store_true",
                      help="pair the lists value by value (all of one length) instead of every combination")
    runs.add_argument("--executor", choices=("local", "dask", "ray"), default="local",
                      help="where runs train: local worker processes (default), dask (a local cluster, or "
                           "--scheduler's), ray (RAY_ADDRESS's cluster, or a local one)")
    runs.add_argument("--workers", type=cli.positive_int, default=None, metavar="N",
                      help="local worker processes (local, and a local dask or ray; default: the CPU count)")
    runs.add_argument("--scheduler", default=None, metavar="ADDRESS",
                      help="a running Dask scheduler, e.g. tcp://host:8786 (implies --executor dask)")
    runs.add_argument("--runs-dir", default=None, metavar="DIR",
                      help="where each run's .nnviz and sweep.json go (default: the video's name with .runs, "
                           "e.g. grid.runs/ for grid.mp4)")
    runs.add_argument("--from", dest="from_dir", default=None, metavar="DIR",
                      help="render a runs folder of an earlier sweep, without training")
    out = parser.add_argument_group("output")
    add_video_options(out, "sweep.mp4")
    cli.add_training_options(parser)
    parser.add_argument("--batch-size", type=cli.positive_int, default=None, metavar="N",
                        help="points per Adam step (default: scikit-learn's min(200, n))")
    parser.set_defaults(run=run, sweep_parser=parser)


def _variables() -> list[str]:
    from ..sweeps.combinations import VARIABLES

    return list(VARIABLES)


def parse_vary(parser: argparse.ArgumentParser, specs: list[str]) -> dict[str, list]:
    """``--vary`` texts -> {option name: [values]}, each value parsed as ``render`` parses that option."""
    from ..sweeps.combinations import VARIABLES

    vary: dict[str, list] = {}
    for spec in specs:
        name, sep, listed = spec.partition("=")
        name = name.strip()
        if not sep or not name or not listed.strip():
            raise cli.CliError(f"--vary expects NAME=V1,V2,... such as learning-rate=0.01,0.1; got {spec!r}")
        if name not in VARIABLES:
            raise cli.CliError(f"--vary {name}: not an option a sweep varies; it varies {', '.join(VARIABLES)}")
        if name in vary:
            raise cli.CliError(f"--vary {name} is given twice; list all its values in one --vary")
        action = parser._option_string_actions[f"--{name}"]  # render's own parser and choices for it
        vary[name] = [_parse_value(name, action, text.strip()) for text in listed.split(",")]
    return vary


def _parse_value(name: str, action: argparse.Action, text: str):
    given = text
    for joiner in LIST_OPTIONS.get(name, ""):
        text = text.replace(joiner, ",")
    try:
        value = action.type(text) if action.type is not None else text
    except argparse.ArgumentTypeError as exc:
        raise cli.CliError(f"--vary {name}: bad value {given!r}: {exc}") from None
    if action.choices is not None and value not in action.choices:
        raise cli.CliError(f"--vary {name}: bad value {given!r}: choose from {', '.join(map(str, action.choices))}")
    if name == "features":
        value = tuple(part.strip() for part in value.split(","))
    return value


def run(args: argparse.Namespace) -> int:
    from ..sinks.ffmpeg_process import raise_on_signals
    from ..sweeps.combinations import SweepError

    checked_video(args)  # the output, its format and size: before hours of training, not after
    try:
        with raise_on_signals():
            if args.from_dir is not None:
                if args.vary:
                    raise cli.CliError("--from renders the runs a folder holds; --vary trains new ones: give one")
                from ..sweeps.runs_dir import read_runs

                stored = read_runs(args.from_dir)
                return render_and_report(args, [r.trajectory for r in stored], [r.label for r in stored],
                                         [r.note for r in stored])
            results = _train(args)
            if isinstance(results, int):  # interrupted: the exit status
                return results
            if not any(r.ok for r in results):
                raise cli.CliError(f"every run failed ({results[0].error}); no video")
            return render_and_report(args, [r.trajectory for r in results], [r.label for r in results],
                                     [r.note for r in results])
    except SweepError as exc:
        raise cli.CliError(str(exc)) from None


def _train(args: argparse.Namespace):
    """Train every run; the results, or the exit status after a Ctrl-C (said in one line)."""
    from ..sweeps.combinations import combinations
    from ..sweeps.runner import sweep

    parser = args.sweep_parser
    base = cli.training_config(args)
    if args.batch_size is not None:
        base = dataclasses.replace(base, batch_size=args.batch_size)
    vary = parse_vary(parser, args.vary)
    runs = combinations(base, vary, zip_lists=args.zip)  # every run checked before anything starts
    workers = args.workers or os.cpu_count() or 1
    executor, close = _executor(args, workers)
    folder = Path(args.runs_dir or Path(args.output).with_suffix(".runs"))
    started = time.perf_counter()
    try:
        results = sweep(base, vary, zip=args.zip, executor=executor, workers=workers, runs_dir=folder,
                        progress=not args.no_progress)
    except KeyboardInterrupt as stop:
        code = getattr(stop, "signum", signal.SIGINT)
        print(f"nnviz-gl: interrupted by {signal.Signals(code).name}: the pending runs were cancelled; "
              f"the runs trained so far are in {folder} (sweep.json lists them)", file=sys.stderr)
        return EXIT_SIGNAL.get(code, 130)
    finally:
        close()
    failed = sum(not r.ok for r in results)
    print(f"trained {len(runs)} runs{f' ({failed} failed)' if failed else ''} in {time.perf_counter() - started:.1f} s; "
          f"their trajectories are in {folder}", file=sys.stderr)
    return results


def _executor(args: argparse.Namespace, workers: int):
    """The executor the options name (None: the sweep's own local pool) and how to close it."""
    from ..sweeps import executors

    kind = "dask" if args.scheduler is not None else args.executor
    if args.scheduler is not None and args.executor == "ray":
        raise cli.CliError("--scheduler is a Dask scheduler's address; it does not go with --executor ray")
    if kind == "dask":
        client = executors.dask_client(args.scheduler, workers)
        return client.get_executor(pure=False), lambda: executors.close_dask(client)
    if kind == "ray":
        executor = executors.ray_executor(workers)
        return executor, lambda: executor.shutdown(cancel_futures=True)
    return None, lambda: None
