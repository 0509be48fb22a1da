"""``nnviz-gl``: the parser and one-line errors. Each subcommand lives in ``commands/``, their shared options in ``commands/options.py``."""

from __future__ import annotations

import argparse
import os
import sys

from .commands import info, render, replay, watch
from .commands.options import EXAMPLES, CliError

# Each module has add_parser(sub), which sets args.run.
COMMANDS = (render, watch, replay, info)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnviz-gl",
        description="Watch a neural network learn: its weights and its decision field, drawn by OpenGL "
                    "shaders, rendered to video headless (no display or GPU needed).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except _expected_errors() as exc:
        print(f"nnviz-gl: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("nnviz-gl: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an unexpected failure: still one line, the traceback on request
        if os.environ.get("NNVIZ_DEBUG"):
            raise
        print(f"nnviz-gl: error: {type(exc).__name__}: {exc} (set NNVIZ_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 1


def _expected_errors() -> tuple[type[BaseException], ...]:
    """The errors a user can cause, reported as one line. Imported only when something failed: the
    GL and encoder modules are not loaded before ``nnviz-gl render`` has started its training worker."""
    from .render.context import GLUnavailableError
    from .sizes import SizeError
    from .sinks.ffmpeg_process import EncoderError, OutputPathError
    from .training.worker import TrainingError

    return CliError, ValueError, GLUnavailableError, EncoderError, SizeError, OutputPathError, TrainingError


if __name__ == "__main__":
    sys.exit(main())
