"""Which encoder, with which options: codec names, presets and quality, and what really works here.

An encoder compiled into ffmpeg may still not work (NVENC needs an NVIDIA driver new enough for this
ffmpeg), so a codec is trusted only once a one-frame trial encode succeeded; ``auto`` takes NVENC
where that trial works and libx264 everywhere else.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys

from .ffmpeg_process import STDERR_TAIL_LINES, ffmpeg_exe

CODECS = ("auto", "libx264", "libx265", "h264_nvenc", "hevc_nvenc", "libsvtav1")
# A .webm's VP9 encoder (``auto`` there): not a choice for an mp4, so not among CODECS.
ENCODERS = (*CODECS, "libvpx-vp9")

# ``veryfast`` encodes at about half the speed of ``ultrafast`` but makes files several times smaller;
# drawing is the larger cost at 1080p, so the whole pipeline loses much less than the encoder alone.
DEFAULT_PRESETS = {
    "libx264": "veryfast",
    "libx265": "veryfast",
    "h264_nvenc": "p4",
    "hevc_nvenc": "p4",
    "libsvtav1": "10",
    "libvpx-vp9": "8",  # -cpu-used at -deadline realtime: the fastest, near x264 superfast's speed
}
# Quality targets that look alike across codecs (x265 and AV1 scales sit higher than x264's).
DEFAULT_CRF = {"libx264": 23, "libx265": 28, "h264_nvenc": 23, "hevc_nvenc": 28, "libsvtav1": 35,
               "libvpx-vp9": 32}
CRF_RANGE = {"libx264": (0, 51), "libx265": (0, 51), "h264_nvenc": (0, 51), "hevc_nvenc": (0, 51),
             "libsvtav1": (0, 63), "libvpx-vp9": (0, 63)}

X26X_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
                "veryslow", "placebo")
NVENC_PRESETS = tuple(f"p{i}" for i in range(1, 8))
SVTAV1_PRESETS = tuple(str(i) for i in range(0, 14))
VP9_SPEEDS = tuple(str(i) for i in range(0, 9))  # libvpx's -cpu-used, 8 the fastest
VALID_PRESETS = {
    "libx264": X26X_PRESETS,
    "libx265": X26X_PRESETS,
    "h264_nvenc": NVENC_PRESETS,
    "hevc_nvenc": NVENC_PRESETS,
    "libsvtav1": SVTAV1_PRESETS,
    "libvpx-vp9": VP9_SPEEDS,
}

TRIAL_SIZE = (256, 256)  # NVENC refuses frames much smaller than this
NVIDIA_DEVICE = "/dev/nvidiactl"  # every Linux NVIDIA driver makes it; NVENC cannot work without it


def _check_codec_name(codec: str) -> None:
    if codec not in ENCODERS:
        raise ValueError(f"unknown codec {codec!r}; valid codecs: {', '.join(CODECS)}")


@functools.lru_cache(maxsize=None)
def available_encoders() -> frozenset[str]:
    """Video encoders compiled into the bundled ffmpeg (compiled in is not the same as working)."""
    out = subprocess.run([ffmpeg_exe(), "-hide_banner", "-encoders"], capture_output=True,
                         text=True, check=True).stdout
    return frozenset(m.group(1) for m in re.finditer(r"^\s*V[A-Z.]{5}\s+(\S+)", out, re.MULTILINE))


def encoder_args(codec: str, *, crf: float | None = None, preset: str | int | None = None,
                 gop: int | None = None) -> list[str]:
    """ffmpeg output options for one concrete codec, with our defaults; validates preset and crf."""
    _check_codec_name(codec)
    if codec == "auto":
        raise ValueError("resolve 'auto' to a concrete codec first (resolve_codec)")
    preset = DEFAULT_PRESETS[codec] if preset is None else str(preset)
    if preset not in VALID_PRESETS[codec]:
        raise ValueError(
            f"preset {preset!r} is not valid for {codec}; valid presets: {', '.join(VALID_PRESETS[codec])}"
        )
    crf = DEFAULT_CRF[codec] if crf is None else crf
    lo, hi = CRF_RANGE[codec]
    if not lo <= crf <= hi:
        raise ValueError(f"crf {crf} is out of range for {codec}; allowed {lo}..{hi} (lower is better)")
    if codec == "libvpx-vp9":
        # Realtime speed with constant quality (-b:v 0): a render is not many times slower than with H.264.
        args = ["-c:v", codec, "-deadline", "realtime", "-cpu-used", preset, "-row-mt", "1",
                "-crf", f"{crf:g}", "-b:v", "0"]
        return args + (["-g", str(gop)] if gop is not None else [])
    args = ["-c:v", codec, "-preset", preset]
    if codec.endswith("_nvenc"):
        args += ["-rc", "vbr", "-cq", f"{crf:g}", "-b:v", "0"]
    else:
        args += ["-crf", f"{crf:g}"]
    # Keep the encoders' own statistics out of stderr, whose tail is quoted in errors.
    if codec == "libx264":
        args += ["-x264-params", "log=1"]
    if codec == "libx265":
        args += ["-x265-params", "log-level=warning"]
    if codec in ("libx265", "hevc_nvenc"):
        args += ["-tag:v", "hvc1"]  # QuickTime / Safari refuse the default hev1 tag
    if gop is not None:
        args += ["-g", str(gop)]
    return args


def _trial_error(codec: str) -> str | None:
    """Encode one small frame with ``codec`` into the null muxer; None if it worked, else why not."""
    if codec not in available_encoders():
        return f"{codec} is not compiled into {ffmpeg_exe()}"
    if codec.endswith("_nvenc") and sys.platform.startswith("linux") and not os.path.exists(NVIDIA_DEVICE):
        return f"no NVIDIA driver here ({NVIDIA_DEVICE} is missing), so no NVENC"  # spares a trial encode
    w, h = TRIAL_SIZE
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error",
           "-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{w}x{h}", "-framerate", "30", "-i", "-",
           "-frames:v", "1", *encoder_args(codec), "-pix_fmt", "yuv420p", "-f", "null", "-"]
    try:
        run = subprocess.run(cmd, input=bytes(w * h * 4), capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return f"{codec} trial encode took over 60 s"
    if run.returncode != 0:
        lines = run.stderr.decode(errors="replace").strip().splitlines()
        return "\n".join(lines[-STDERR_TAIL_LINES:]) or f"ffmpeg exited with {run.returncode}"
    return None


_trial_error_cached = functools.lru_cache(maxsize=None)(_trial_error)


def encoder_works(codec: str) -> bool:
    """Whether ``codec`` really encodes here (NVENC is compiled in everywhere but needs an NVIDIA GPU)."""
    _check_codec_name(codec)
    return codec != "auto" and _trial_error_cached(codec) is None


def auto_preset(codec: str, pixels: int) -> str:
    """The preset ``--codec auto`` uses: on a CPU encoder, speed first.

    x264 shares the cores with the renderer (on a software renderer, with all of it): ``ultrafast``
    keeps the encoder from being the slowest stage from 720p up, for larger files than ``superfast``
    at the same crf (benchmarks/README.md). Below 720p encoding is cheap and ``superfast`` is kept.
    """
    if codec == "libx264":
        return "superfast" if pixels < 1280 * 720 else "ultrafast"
    return DEFAULT_PRESETS[codec]


def resolve_codec(codec: str = "auto") -> str:
    """A concrete codec: ``auto`` -> h264_nvenc when it works here, else libx264.

    A named codec that cannot encode here is refused with ffmpeg's reason.
    """
    _check_codec_name(codec)
    if codec == "auto":
        return "h264_nvenc" if encoder_works("h264_nvenc") else "libx264"
    reason = _trial_error_cached(codec)
    if reason is not None:
        raise ValueError(f"codec {codec} does not work on this machine:\n{reason}")
    return codec


def encoder_report() -> list[tuple[str, str | None]]:
    """Every concrete codec and, where it does not work here, why not in one line (for ``nnviz-gl info``:
    on a new server "driver too old for this ffmpeg's NVENC" and "no NVENC on this GPU" need different fixes)."""
    report = []
    for codec in (c for c in CODECS if c != "auto"):
        reason = _trial_error_cached(codec)
        report.append((codec, None if reason is None else _encoder_own_words(codec, reason)))
    return report


def _encoder_own_words(codec: str, reason: str) -> str:
    """The lines ffmpeg tags ``[codec @ 0x...]`` (the encoder's own reason, not the pipeline's echoes), joined."""
    tag = re.compile(rf"^\[{re.escape(codec)} @ 0x[0-9a-f]+\]\s*")
    own = [tag.sub("", line) for line in reason.splitlines() if tag.match(line)]
    return "; ".join(own) if own else reason.splitlines()[0]
