"""``nnviz-gl``: the parser and one-line errors. Each subcommand lives in ``commands/``, their shared options in ``commands/options.py``."""

from __future__ import annotations

import os
import sys


def _interrupted_quietly(kind, value, traceback) -> None:
    """A Ctrl-C before main() could catch it (importing this module) is one line, not a traceback, and
    exit 130 as every other Ctrl-C (Python would otherwise end itself by SIGINT after the hook)."""
    if _interrupt_caused(value):
        print("nnviz-gl: interrupted", file=sys.stderr)
        sys.stderr.flush()
        os._exit(130)
    else:
        sys.__excepthook__(kind, value, traceback)


def _interrupt_caused(exc: BaseException | None) -> bool:
    """Whether a Ctrl-C is behind ``exc``: Python 3.11 turns a KeyboardInterrupt that lands inside a
    descriptor's ``__set_name__`` (class bodies run while modules import) into a RuntimeError caused by it."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


if sys.excepthook is sys.__excepthook__:
    sys.excepthook = _interrupted_quietly

import argparse  # after the hook: a Ctrl-C while importing it is covered too

# Only the standard library at import: the commands (numpy and the rest) load inside main(), where a
# Ctrl-C in the first moments is one line, not a traceback from an import.


def build_parser() -> argparse.ArgumentParser:
    from .commands import grid, info, render, replay, sweep, watch
    from .commands.options import EXAMPLES

    parser = argparse.ArgumentParser(
        prog="nnviz-gl",
        description="Watch a neural network learn: its weights and its decision field, drawn by OpenGL "
                    "shaders, rendered to video headless (no display or GPU needed).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    for command in (render, watch, replay, sweep, grid, info):  # each module's add_parser(sub) sets args.run
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except Exception as exc:
        if not _interrupt_caused(exc):
            raise
        print("nnviz-gl: interrupted", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("nnviz-gl: interrupted", file=sys.stderr)
        return 130
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except _expected_errors() as exc:
        print(f"nnviz-gl: error: {exc}{_notes(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("nnviz-gl: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an unexpected failure: still one line, the traceback on request
        if _interrupt_caused(exc):
            print("nnviz-gl: interrupted", file=sys.stderr)
            return 130
        if os.environ.get("NNVIZ_DEBUG"):
            raise
        print(f"nnviz-gl: error: {type(exc).__name__}: {exc}{_notes(exc)} (set NNVIZ_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 1


def _notes(exc: BaseException) -> str:
    """The notes added on the way out (where a failed run's frames were kept), on the same line."""
    return "".join(f"; {note}" for note in getattr(exc, "__notes__", ()))


def _expected_errors() -> tuple[type[BaseException], ...]:
    """The errors a user can cause, reported as one line. Imported only when something failed: the
    GL and encoder modules are not loaded before ``nnviz-gl render`` has started its training worker."""
    from .commands.options import CliError
    from .render.context import GLUnavailableError
    from .sizes import SizeError
    from .sinks.ffmpeg_process import EncoderError, OutputPathError
    from .training.worker import TrainingError

    return CliError, ValueError, GLUnavailableError, EncoderError, SizeError, OutputPathError, TrainingError


if __name__ == "__main__":
    sys.exit(main())
