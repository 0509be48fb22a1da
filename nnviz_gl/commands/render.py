"""``nnviz-gl render``: train and render every epoch into an mp4, WebM or GIF, headless — or render a recorded run."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Callable, Iterator

from . import options as cli
from .video_options import add_video_options, checked_video
from ..sinks.ffmpeg_process import EncoderInterrupted, raise_on_signals
from ..snapshot import Snapshot

EXIT_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
TRAINING_OPTIONS = ("dataset", "data", "columns", "no_standardize", "problem", "classes", "features", "samples", "noise",
                    "test_size", "hidden", "activation", "alpha", "learning_rate", "epochs", "seed")  # kept in a recorded trajectory's metadata


def add_parser(sub) -> None:
    render = sub.add_parser(
        "render", help="train and render the run to an mp4, WebM or GIF (headless)",
        description="Train a scikit-learn MLPClassifier (MLPRegressor for a regression) on a 2-D dataset and render every epoch to a video "
                    "(an H.264 mp4, a WebM or a looping GIF): the network (edge width = |weight|, red dash-dot = learning most) beside the "
                    "model's probability field with the data. Needs no display; uses the GPU through EGL "
                    "when there is one, Mesa's llvmpipe when not.",
        epilog=cli.EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.allow_negative_lists(render)  # --view -2,2,-1,1
    out = render.add_argument_group("output")
    add_video_options(out, "training.mp4")
    out.add_argument("--last-frame", metavar="FILE.png", default=None,
                     help="also save the video's last frame as a PNG")
    out.add_argument("--frames", metavar="DIR", default=None,
                     help="also write every frame as numbered PNGs (frame_000001.png, ...) into DIR (made if missing)")
    out.add_argument("--title", default=None, metavar="TEXT", help="your own caption, shown as \"TEXT · epoch N\" where the frame says \"Epoch N\"")
    out.add_argument("--frames-per-epoch", type=cli.positive_int, default=1, metavar="N",
                     help="frames per drawn epoch, weights interpolated between epochs (default 1)")
    out.add_argument("--field-scale", type=cli.positive_float, default=None,
                     help="field evaluations per output pixel along each axis, 1.0 = every pixel (default: "
                          "automatic: 30 %% of the panel's pixels across, at least 256, at most 512)")
    out.add_argument("--view", type=cli.view_bounds, default=None, metavar="X0,X1,Y0,Y1", help=cli.VIEW_HELP)
    cli.add_neuron_fields_option(out)
    out.add_argument("--gpu", type=cli.nonnegative_int, default=None, metavar="N",
                     help="EGL device index on multi-GPU servers")
    runs = render.add_argument_group("record once, render many")
    runs.add_argument("--record", metavar="RUN.nnviz", default=None,
                      help="also record every epoch's snapshot (and the data) to a trajectory file, "
                           "to render it again later without training")
    runs.add_argument("--from", dest="from_file", metavar="RUN.nnviz", default=None,
                      help="render a recorded trajectory instead of training: the training options are "
                           "ignored; size, --fps, --frames-per-epoch, --every and the encoder options apply")
    cli.add_training_options(render)

    render.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.from_file is not None and args.record is not None:
        raise cli.CliError("--record and --from together would only copy the recorded run; give one of them")
    cli.check_distinct_files(args.output, {"--record": args.record, "--from": args.from_file})
    fmt, size = checked_video(args)  # every path, the format and the size, before any work
    if args.record is not None:
        from ..trajectory_writer import check_trajectory_path

        check_trajectory_path(args.record)  # before the worker, GL and ffmpeg start
    started = time.perf_counter()
    bar = None
    recorder = None
    total_frames = 0
    try:
        with raise_on_signals() as signals, ExitStack() as open_files:
            source = _recorded_run if args.from_file is not None else _training_run
            data, snapshots, n_drawn = source(args, open_files)
            total_frames = n_drawn * args.frames_per_epoch
            from tqdm import tqdm  # imported after the worker started: every moment before it counts

            from ..video import VideoRecorder
            # Output path, size and GL are checked here, before any training; GL and ffmpeg start
            # while the training worker is still importing scikit-learn.
            recorder = VideoRecorder(
                args.output, size=size, fps=args.fps,
                codec=args.codec, crf=args.crf, preset=args.preset, frames_per_epoch=args.frames_per_epoch,
                field_scale=args.field_scale, gpu=args.gpu, view=args.view, title=args.title,
                neuron_fields=args.neuron_fields, format=args.format, last_frame=args.last_frame,
                frames_dir=args.frames,
            )
            with recorder:  # from here on, any failure still finalises or removes the video
                recorder.set_data(*data())
                if fmt.name == "gif":
                    cli.note_gif_memory(size, total_frames)
                bar = tqdm(total=total_frames, unit="frame", disable=args.no_progress, dynamic_ncols=True,
                           desc=Path(args.output).name, file=sys.stderr)
                recorder.on_frame = lambda n: bar.update(n - bar.n)
                for snapshot in snapshots:
                    signals.check()  # a signal that some library caught and swallowed still ends the run
                    if isinstance(snapshot, Snapshot):
                        recorder.publish(snapshot)
                    else:  # an epoch --every leaves out: it still joins the loss curve
                        recorder.record_metrics(snapshot)
                signals.check()
    except EncoderInterrupted as stop:
        if bar is not None:
            bar.close()
        where = _where_the_frames_are(recorder, total_frames)
        print(f"nnviz-gl: interrupted by {signal.Signals(stop.signum).name}: {where}", file=sys.stderr)
        return EXIT_SIGNAL.get(stop.signum, 130)
    finally:
        if bar is not None:
            bar.close()
    wall = time.perf_counter() - started
    frames = recorder.frames_written
    print(f"wrote {args.output}: {frames} frames, {frames / args.fps:.1f} s at {args.fps:g} fps, "
          f"{size[0]}x{size[1]} {recorder.writer.codec} {recorder.writer.preset}, in {wall:.1f} s ({frames / wall:.1f} frames/s)")
    _say_stills(args, frames)
    if args.record is not None:
        print(f"recorded {args.record}: {args.epochs} snapshots; render it again with "
              f"nnviz-gl render --from {args.record}")
    return 0


def _say_stills(args: argparse.Namespace, frames: int) -> None:
    if args.last_frame is not None:
        print(f"saved the last frame to {args.last_frame}")
    if args.frames is not None:
        print(f"wrote {frames} PNGs into {args.frames}")


def _where_the_frames_are(recorder, total_frames: int) -> str:
    """What is on disk now, said as it is: the video, its unfinished ``.partial`` file, or nothing."""
    written = recorder.frames_written if recorder is not None else 0
    kept = recorder.kept_at if recorder is not None else None
    if kept is None:
        return f"{written} of {total_frames} frames drawn, nothing written"
    if kept == recorder.path:
        return f"{written} of {total_frames} frames, kept in {kept}"
    return f"{written} of {total_frames} frames, unfinished in {kept} ({recorder.path} was left as it was)"


# (the data, when ready; the snapshots to draw, and between them the loss curve's rows of epochs not drawn
# (a Snapshot's metrics, or an array row); how many drawn)
Source = tuple[Callable[[], tuple], Iterator, int]


def _training_run(args: argparse.Namespace, open_files: ExitStack) -> Source:
    """Train in a worker process (started now), recording every epoch with ``--record``.

    Returns the data as a function: it waits for the worker's dataset, which comes after the worker's
    scikit-learn import, so the caller starts GL and ffmpeg first.
    """
    from ..render.loss_history import snapshot_row
    from ..training.worker import TrainingWorker
    from ..trajectory import TrajectoryWriter
    from ..trajectory_writer import training_origin

    worker = open_files.enter_context(TrainingWorker(cli.training_config(args)))
    record = None

    def data() -> tuple:
        nonlocal record
        d = worker.dataset()
        arrays = (d.X_train, d.y_train, d.X_test, d.y_test)
        if args.record is not None and record is None:
            training = {name: getattr(args, name) for name in TRAINING_OPTIONS}
            record = open_files.enter_context(TrajectoryWriter(
                args.record, *arrays, metadata={"recorded_by": "nnviz-gl render", "training": training},
                origin=training_origin(worker.config, pid=worker.pid)))
        return arrays

    drawn = {e for e in range(1, args.epochs + 1) if e % args.every == 0 or e == args.epochs}

    def snapshots() -> Iterator[Snapshot]:
        data()
        for epoch, snapshot in enumerate(worker, start=1):
            if record is not None:
                record.publish(snapshot)
            yield snapshot if epoch in drawn else snapshot_row(snapshot)

    return data, snapshots(), len(drawn)


def _recorded_run(args: argparse.Namespace, open_files: ExitStack) -> Source:
    """The snapshots of a trajectory file, every ``--every``-th and the last, as the live render drew them."""
    from ..render.loss_history import reader_rows
    from ..trajectory import TrajectoryReader

    try:
        run = open_files.enter_context(TrajectoryReader(args.from_file))
    except FileNotFoundError as exc:
        raise cli.CliError(str(exc)) from None
    run.check_records()  # a damaged snapshot is refused now, before any video work
    n = len(run)
    if n == 0:
        raise cli.CliError(f"{args.from_file} holds no complete snapshot yet")
    drawn = {i for i in range(n) if (i + 1) % args.every == 0 or i == n - 1}
    rows = reader_rows(run, run[0].architecture.kind)  # the loss curve: every epoch, from the metric arrays
    return lambda: run.data, (run[i] if i in drawn else rows[i] for i in range(n)), len(drawn)
