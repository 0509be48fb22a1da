"""``nnviz-gl info``: what this machine's OpenGL and ffmpeg can do; the first thing to run on a new server.
``nnviz-gl info RUN.nnviz``: what a recorded run holds, and where and with which options it trained."""

from __future__ import annotations

import argparse

from . import options as cli


def add_parser(sub) -> None:
    info = sub.add_parser("info", help="print the OpenGL driver, the largest frame and the working encoders",
                          description="What this machine offers: GL vendor, renderer and version through EGL, "
                                      "the largest framebuffer, and which video encoders work.")
    info.add_argument("trajectory", nargs="?", metavar="RUN.nnviz", default=None,
                      help="describe this recorded run instead: snapshots, network, points, where it trained")
    info.add_argument("--gpu", type=cli.nonnegative_int, default=None, metavar="N",
                      help="EGL device index on multi-GPU servers")
    info.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.trajectory is not None:
        return describe_trajectory(args.trajectory)
    from ..render.capabilities import capabilities
    from ..render.context import create_headless_context
    from ..sinks.codecs import encoder_report
    from ..sinks.ffmpeg_process import ffmpeg_exe

    ctx = create_headless_context(args.gpu)
    caps = capabilities(ctx)
    info = caps.info
    ctx.release()
    print(f"OpenGL vendor:    {info.vendor}")
    print(f"OpenGL renderer:  {info.renderer}")
    print(f"OpenGL version:   {info.version}")
    print(f"largest frame:    {info.max_framebuffer[0]}x{info.max_framebuffer[1]}")
    print(f"drawing:          {caps.line()}")
    print(f"ffmpeg:           {ffmpeg_exe()}  (IMAGEIO_FFMPEG_EXE=/path/to/ffmpeg picks another)")
    for codec, reason in encoder_report():
        print(f"encoder {codec:<11} {'works' if reason is None else 'not available: ' + reason}")
    return 0


def describe_trajectory(path: str) -> int:
    """Print a trajectory's contents and, when it says, the host, process and options it trained with."""
    from ..trajectory import TrajectoryReader
    from ..trajectory_format import describe

    try:
        run = TrajectoryReader(path)
    except FileNotFoundError as exc:
        raise cli.CliError(str(exc)) from None
    with run:
        epochs = run.epochs
        span = f", epochs {epochs[0]}..{epochs[-1]}" if len(epochs) else ""
        print(f"trajectory:       {path} (format version {run.version}, {'complete' if run.finished else 'unfinished'})")
        print(f"snapshots:        {len(run)}{span}")
        print(f"network:          {describe(run.architecture)}")
        tests = 0 if run.X_test is None else len(run.X_test)
        print(f"points:           {len(run.X)} training, {tests} test")
        origin = run.origin
        if origin is None:
            print("trained on:       not recorded (written before nnviz_gl kept it, or without it)")
        else:
            print(f"trained on:       host {origin['host']}, process {origin['pid']}")
            options = " ".join(f"{name}={_text(value)}" for name, value in origin["options"].items())
            print(f"training options: {options or 'none recorded'}")
    return 0


def _text(value) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value)) if value else "none"
    return str(value)
