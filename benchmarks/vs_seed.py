"""nnviz-gl against the seed's method: the same number of frames at the same size, each run as a
whole process, timed by the wall clock from launch to exit (interpreter start and imports included).

For every size it runs ``benchmarks/seed_method.py`` and ``nnviz-gl render`` (the console script next
to this interpreter), checks that each video holds the asked number of frames at the asked size, and
prints a markdown table: seconds, the seed/nnviz-gl ratio, output sizes and each process's peak RSS.

Peak RSS is ``ru_maxrss`` from ``os.wait4`` for that child: the largest resident set of the child or
any descendant it waited for (ffmpeg included), not their sum.

Run: ``python benchmarks/vs_seed.py --sizes 1080p,4k --epochs 300 --repeat 1``
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SEED_METHOD = Path(__file__).resolve().parent / "seed_method.py"
NNVIZ_GL = Path(sys.executable).parent / "nnviz-gl"
NAMED_SIZES = {"720p": (1280, 720), "1080p": (1920, 1080), "1440p": (2560, 1440), "4k": (3840, 2160)}
SIDES = ("seed", "nnviz")
STDERR_TAIL = 2000


class BenchmarkError(RuntimeError):
    """A benchmark side could not run or produced the wrong video."""


@dataclass(frozen=True)
class ChildRun:
    """One finished process: how long it took, its peak memory and what it wrote."""

    seconds: float
    peak_rss_bytes: int
    output_bytes: int


@dataclass(frozen=True)
class SideResult:
    """All repeats of one side at one size, summarised."""

    median_seconds: float
    peak_rss_bytes: int
    output_bytes: int


def parse_size(text: str) -> tuple[str, tuple[int, int]]:
    """'1080p' / '4k' / '1920x1080' -> (label, (width, height))."""
    key = text.strip().lower()
    if key in NAMED_SIZES:
        return key, NAMED_SIZES[key]
    match = re.fullmatch(r"(\d+)x(\d+)", key)
    if not match:
        raise ValueError(f"size must be one of {', '.join(NAMED_SIZES)} or WIDTHxHEIGHT, got {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise ValueError(f"size must be positive and even in both directions, got {width}x{height}")
    return key, (width, height)


def seed_command(output: Path, size: tuple[int, int], epochs: int, fps: float) -> list[str]:
    width, height = size
    return [
        sys.executable, str(SEED_METHOD), "-o", str(output),
        "--size", f"{width}x{height}", "--epochs", str(epochs), "--fps", f"{fps:g}",
    ]  # fmt: skip


def nnviz_command(
    output: Path, size: tuple[int, int], epochs: int, fps: float, extra: list[str]
) -> list[str]:
    width, height = size
    return [
        str(NNVIZ_GL), "render", "-o", str(output),
        "-r", f"{width},{height}", "--epochs", str(epochs), "--fps", f"{fps:g}", *extra,
    ]  # fmt: skip


def check_nnviz_available() -> None:
    """Fail early, and say why, when the nnviz-gl CLI or its render command is not there."""
    if not NNVIZ_GL.exists():
        raise BenchmarkError(
            f"the nnviz-gl console script is not at {NNVIZ_GL}; install the package into this "
            f"interpreter's environment ({sys.executable} -m pip install -e .) or run with --only seed"
        )
    result = subprocess.run([str(NNVIZ_GL), "render", "--help"], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise BenchmarkError(
            f"`{NNVIZ_GL} render --help` exited with {result.returncode}: the CLI has no working "
            f"render command yet (run with --only seed meanwhile):\n{result.stderr[-STDERR_TAIL:]}"
        )


def run_child(command: list[str], output: Path, log_dir: Path) -> ChildRun:
    """Run one command to completion; wall time from launch to exit, peak RSS through os.wait4."""
    output.unlink(missing_ok=True)
    stdout_path, stderr_path = log_dir / "stdout.txt", log_dir / "stderr.txt"
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = stderr_path.read_text(errors="replace")[-STDERR_TAIL:]
        raise BenchmarkError(f"{shlex.join(command)}\nexited with {process.returncode}:\n{tail}")
    if not output.exists():
        raise BenchmarkError(f"{shlex.join(command)}\nexited cleanly but wrote no {output}")
    return ChildRun(seconds, usage.ru_maxrss * 1024, output.stat().st_size)


def video_frames_and_size(path: Path) -> tuple[int, tuple[int, int]]:
    """Frames that really decode and the stream size, read with nnviz_gl's own probe (as the tests do)."""
    from nnviz_gl.sinks.probe import ProbeError, probe

    try:
        info = probe(path)
    except (ProbeError, FileNotFoundError) as exc:
        raise BenchmarkError(f"ffmpeg could not read {path}:\n{exc}") from None
    return info.frames, (info.width, info.height)


def run_side(
    command: list[str], output: Path, *, size: tuple[int, int], epochs: int, repeat: int, log_dir: Path
) -> SideResult:
    """Run one side `repeat` times; check its video; keep the median time and the largest RSS."""
    runs = [run_child(command, output, log_dir) for _ in range(repeat)]
    frames, got_size = video_frames_and_size(output)
    if frames != epochs or got_size != size:
        raise BenchmarkError(
            f"{output} holds {frames} frames at {got_size[0]}x{got_size[1]}; "
            f"expected {epochs} frames at {size[0]}x{size[1]}"
        )
    return SideResult(
        median_seconds=statistics.median(run.seconds for run in runs),
        peak_rss_bytes=max(run.peak_rss_bytes for run in runs),
        output_bytes=runs[-1].output_bytes,
    )


def format_table(rows: list[tuple[str, int, SideResult | str | None, SideResult | str | None]]) -> str:
    """Markdown table; a side that did not run shows '—', one that failed shows 'failed'."""

    def cell(result: SideResult | str | None, field: str) -> str:
        if result is None:
            return "—"
        if isinstance(result, str):
            return result
        if field == "seconds":
            return f"{result.median_seconds:.1f}"
        if field == "file":
            return f"{result.output_bytes / 1e6:.2f} MB"
        return f"{result.peak_rss_bytes / 2**20:.0f} MiB"

    header = (
        "| size | frames | seed s | nnviz-gl s | seed / nnviz-gl | seed file | nnviz-gl file "
        "| seed peak RSS | nnviz-gl peak RSS |"
    )
    lines = [header, "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label, frames, seed, nnviz in rows:
        ratio = "—"
        if isinstance(seed, SideResult) and isinstance(nnviz, SideResult):
            ratio = f"{seed.median_seconds / nnviz.median_seconds:.1f}×"
        lines.append(
            f"| {label} | {frames} | {cell(seed, 'seconds')} | {cell(nnviz, 'seconds')} | {ratio} "
            f"| {cell(seed, 'file')} | {cell(nnviz, 'file')} | {cell(seed, 'rss')} | {cell(nnviz, 'rss')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1080p,4k", help="comma-separated: 720p, 1080p, 1440p, 4k or WxH")
    parser.add_argument("--epochs", type=int, default=300, help="epochs = frames on both sides (default 300)")
    parser.add_argument("--fps", type=float, default=30.0, help="frames per second (default 30)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per side and size; the median is shown")
    parser.add_argument("--only", choices=SIDES, help="run only one side")
    parser.add_argument(
        "--nnviz-args", default="", help="extra options for nnviz-gl render, e.g. '--preset medium --crf 25'"
    )
    parser.add_argument("--keep", type=Path, help="folder to keep the videos and logs in (default: a temp folder)")
    args = parser.parse_args(argv)

    try:
        sizes = [parse_size(part) for part in args.sizes.split(",") if part.strip()]
    except ValueError as error:
        parser.error(str(error))
    if args.epochs < 1 or args.repeat < 1:
        parser.error("--epochs and --repeat must be at least 1")
    sides = [args.only] if args.only else list(SIDES)
    nnviz_extra = shlex.split(args.nnviz_args)

    if "nnviz" in sides:
        try:
            check_nnviz_available()
        except BenchmarkError as error:
            print(f"vs_seed: {error}", file=sys.stderr)
            return 2

    failed = False
    rows = []
    with tempfile.TemporaryDirectory(prefix="vs_seed_") as temp:
        work = args.keep if args.keep else Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        for label, size in sizes:
            results: dict[str, SideResult | str | None] = {side: None for side in SIDES}
            for side in sides:
                output = work / f"{side}_{label}.mp4"
                log_dir = work / f"{side}_{label}_logs"
                log_dir.mkdir(exist_ok=True)
                if side == "seed":
                    command = seed_command(output, size, args.epochs, args.fps)
                else:
                    command = nnviz_command(output, size, args.epochs, args.fps, nnviz_extra)
                print(f"[{label}] {shlex.join(command)}", file=sys.stderr, flush=True)
                try:
                    result = run_side(
                        command, output, size=size, epochs=args.epochs, repeat=args.repeat, log_dir=log_dir
                    )
                except BenchmarkError as error:
                    print(f"vs_seed: {error}", file=sys.stderr)
                    results[side] = "failed"
                    failed = True
                    continue
                results[side] = result
                print(f"[{label}] {side}: {result.median_seconds:.1f} s", file=sys.stderr, flush=True)
            rows.append((f"{size[0]}×{size[1]}", args.epochs, results["seed"], results["nnviz"]))
    print(format_table(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
