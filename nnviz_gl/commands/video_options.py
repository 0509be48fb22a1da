"""The video output options that ``render``, ``grid`` and ``sweep`` share, and their checks before any work."""

from __future__ import annotations

import argparse

from . import options as cli
from ..sinks.codecs import CODECS
from ..sinks.formats import FORMAT_NAMES


def add_video_options(group, default_output: str) -> None:
    """-o, --format, -q, -r, --fps, --every, --codec, --preset, --crf and --no-progress, in ``group``."""
    group.add_argument("-o", "--output", default=default_output,
                       help=f"video file to write; .mp4 (H.264), .webm (VP9) or .gif (looping) (default {default_output})")
    group.add_argument("--format", choices=FORMAT_NAMES, default=None,
                       help="the video's format, whatever the file name ends in (default: from -o's extension)")
    group.add_argument("-q", "--quality", choices=list(cli.QUALITIES), default=None,
                       help="l 854x480, m 1280x720, h 1920x1080 (default; a GIF's: l), p 2560x1440, k 3840x2160")
    group.add_argument("-r", "--resolution", type=cli.resolution, metavar="W,H",
                       help="exact size in pixels, overrides -q (both even for mp4 and webm; a GIF takes any)")
    group.add_argument("--fps", type=cli.frame_rate, default=30.0,
                       help="frames per second, 1/1001 to 1001000 (default 30: the seed's 300 epochs last 10 s)")
    group.add_argument("--every", type=cli.positive_int, default=1, metavar="K",
                       help="draw every K-th epoch of a long run (default 1: all)")
    group.add_argument("--codec", choices=CODECS, default="auto",
                       help="encoder; auto = NVENC when it works, else libx264; in a .webm VP9 (or libsvtav1: AV1) "
                            "(default auto)")
    group.add_argument("--preset", default=None,
                       help="encoder preset (x264: ultrafast..veryslow; nvenc: p1..p7; VP9: 0..8)")
    group.add_argument("--crf", type=cli.nonnegative_float, default=None,
                       help="constant quality, lower is better (x264 default 23, VP9 32)")
    group.add_argument("--no-progress", action="store_true", help="no progress bar")


def checked_video(args: argparse.Namespace):
    """The output's format and the frame size, every output path, the codec and the size checked before any
    work; one line (a :class:`~nnviz_gl.commands.options.CliError`) for the first that is wrong."""
    fmt = cli.check_video_outputs(args)
    size = args.resolution or cli.QUALITIES[args.quality or cli.DEFAULT_QUALITY[fmt.name]]
    if fmt.even_size and (size[0] % 2 or size[1] % 2):
        raise cli.CliError(f"size {size[0]}x{size[1]} is odd; mp4 and webm need even sizes: try "
                           f"{size[0] + size[0] % 2},{size[1] + size[1] % 2} (a .gif takes any)")
    cli.check_encodable(size, args.codec)
    return fmt, size
