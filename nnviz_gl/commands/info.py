"""``nnviz-gl info``: what this machine's OpenGL and ffmpeg can do; the first thing to run on a new server."""

from __future__ import annotations

import argparse

from . import options as cli


def add_parser(sub) -> None:
    info = sub.add_parser("info", help="print the OpenGL driver, the largest frame and the working encoders",
                          description="What this machine offers: GL vendor, renderer and version through EGL, "
                                      "the largest framebuffer, and which video encoders work.")
    info.add_argument("--gpu", type=cli.nonnegative_int, default=None, metavar="N",
                      help="EGL device index on multi-GPU servers")
    info.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
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
