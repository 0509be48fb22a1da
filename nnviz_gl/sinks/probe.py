"""Look inside a video with only imageio-ffmpeg's ffmpeg binary (there is no ffprobe beside it).

Used by tests and by ``nnviz-gl`` to check what was really written: the header for codec, size,
pixel format and rate; a full decode for the frame count and the pixels.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .ffmpeg_process import STDERR_TAIL_LINES, ffmpeg_exe


class ProbeError(RuntimeError):
    """ffmpeg could not read the file as a video; the message quotes ffmpeg."""


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    width: int
    height: int
    pix_fmt: str
    fps: float
    frames: int


def _tail(text: str) -> str:
    return "\n".join(text.strip().splitlines()[-STDERR_TAIL_LINES:])


def _existing(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no video file at {str(p)!r}")
    return p


def _strip_parens(text: str) -> str:
    """Drop ``(...)`` groups (they hold commas: ``yuv420p(tv, bt709)``) so fields split on ', '."""
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"\([^()]*\)", "", text)
    return text


def parse_stream_header(stderr: str) -> tuple[str, int, int, str, float]:
    """(codec, width, height, pix_fmt, fps) from the first video stream line of ``ffmpeg -i``."""
    line = next((ln for ln in stderr.splitlines() if re.search(r"Stream #\d+:\d+.*: Video: ", ln)), None)
    if line is None:
        raise ProbeError(f"no video stream found; ffmpeg said:\n{_tail(stderr)}")
    fields = [f.strip() for f in _strip_parens(line.split(": Video: ", 1)[1]).split(",")]
    codec = fields[0].split()[0]
    pix_fmt = fields[1].split()[0] if len(fields) > 1 else ""
    size = re.search(r"\b(\d+)x(\d+)\b", ", ".join(fields[1:]))
    if size is None:
        raise ProbeError(f"no frame size in the stream line: {line.strip()}")
    rate = re.search(r"([\d.]+)(k?) (?:fps|tbr)\b", line)
    fps = float(rate.group(1)) * (1000 if rate.group(2) else 1) if rate else 0.0
    return codec, int(size.group(1)), int(size.group(2)), pix_fmt, fps


def _header(path: Path) -> str:
    # Without an output ffmpeg prints the input's description and exits 1; that is expected.
    run = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True)
    return run.stderr.decode(errors="replace")


def count_frames(path: str | os.PathLike[str]) -> int:
    """Frames that really decode (a truncated last fragment does not count)."""
    p = _existing(path)
    run = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error", "-i", str(p),
         "-map", "0:v:0", "-fps_mode", "passthrough", "-f", "null", "-progress", "pipe:1", "-"],
        capture_output=True,
    )
    frames = re.findall(r"^frame=(\d+)", run.stdout.decode(errors="replace"), re.MULTILINE)
    if not frames:
        raise ProbeError(f"could not decode {str(p)!r}; ffmpeg said:\n"
                         f"{_tail(run.stderr.decode(errors='replace'))}")
    return int(frames[-1])


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Codec, size, pixel format, frame rate and decodable frame count of a video file."""
    p = _existing(path)
    codec, width, height, pix_fmt, fps = parse_stream_header(_header(p))
    return VideoInfo(codec=codec, width=width, height=height, pix_fmt=pix_fmt, fps=fps,
                     frames=count_frames(p))


def read_frames(path: str | os.PathLike[str]) -> np.ndarray:
    """Every frame decoded to RGB, shape (n, height, width, 3) uint8, row 0 at the top."""
    p = _existing(path)
    _, width, height, _, _ = parse_stream_header(_header(p))
    run = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error", "-i", str(p),
         "-map", "0:v:0", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
    )
    data = run.stdout
    frame_bytes = width * height * 3
    if len(data) % frame_bytes:
        raise ProbeError(f"decoded {len(data)} bytes from {str(p)!r}, not a whole number of "
                         f"{width}x{height} RGB frames; ffmpeg said:\n"
                         f"{_tail(run.stderr.decode(errors='replace'))}")
    if not data and run.returncode != 0:
        raise ProbeError(f"could not decode {str(p)!r}; ffmpeg said:\n"
                         f"{_tail(run.stderr.decode(errors='replace'))}")
    return np.frombuffer(data, np.uint8).reshape(-1, height, width, 3)
