"""Which file the sink writes — an mp4, a WebM or a looping GIF — and the ffmpeg graph that makes it.

The output's extension picks the format (``format=`` overrides it); everything else about a recording
(the pipe, the ``.partial`` file, finalising on Ctrl-C) is the same for all three:

* ``mp4`` (also ``.m4v``, ``.mov``): H.264 by default, fragmented, so a cut file plays to its last fragment.
* ``webm``: VP9 (``libvpx-vp9`` at realtime speed) or AV1 (``--codec libsvtav1``). Matroska writes a
  cluster a second as it goes, so a cut file plays to its last cluster.
* ``gif``: one palette made for the whole video (``palettegen``) and used on every frame (``paletteuse``),
  in one ffmpeg run: ffmpeg holds the frames until the input ends, then writes the GIF. It loops forever.
  A GIF is 8-bit RGB with no chroma subsampling, so its sizes may be odd.

``--frames DIR`` is a second output of the same ffmpeg: a numbered PNG per frame (image2, atomic writes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

FORMAT_NAMES = ("mp4", "webm", "gif")
EXTENSIONS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mp4", ".webm": "webm", ".gif": "gif"}
WEBM_CODECS = ("libvpx-vp9", "libsvtav1")
FRAME_PATTERN = "frame_%06d.png"  # --frames DIR: frame_000001.png, ...

# One palette for the whole video (stats over every frame); ordered dither keeps still parts identical
# from frame to frame, and diff_mode=rectangle re-encodes only the rectangle that changed: small files.
GIF_PALETTE = ("split[nnviz_all][nnviz_pal];[nnviz_pal]palettegen=stats_mode=full[nnviz_palette];"
               "[nnviz_all][nnviz_palette]paletteuse=dither=bayer:bayer_scale=4:diff_mode=rectangle")
YUV_TO_RGB = "scale=in_color_matrix=bt709:in_range=tv,format=rgb24"  # the renderer's yuv420p is BT.709 limited
TO_BT709_YUV = "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p"
BT709_TAGS = "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"


class FormatError(ValueError):
    """A format, codec or size the chosen output cannot take; the message says what would work."""


@dataclass(frozen=True)
class OutputFormat:
    name: str  # mp4, webm or gif
    muxer: str  # ffmpeg's -f
    even_size: bool  # 4:2:0 chroma: H.264, VP9 and AV1 need even width and height
    rgb_frames: bool  # made from RGB (a GIF's palette): a renderer should send RGBA, not yuv420p
    plays_when_cut: bool  # a file cut short by a killed encoder still plays (fragments, clusters)


def output_format(path: str | os.PathLike[str], format: str | None = None) -> OutputFormat:
    """The format for ``path``: ``format`` if given (mp4, webm, gif), else from the extension."""
    p = Path(path)
    if format is None:
        name = EXTENSIONS.get(p.suffix.lower())
        if name is None:
            raise FormatError(f"cannot write video to {str(p)!r}: the file name must end in one of "
                              f"{', '.join(EXTENSIONS)} (or name the format: mp4, webm, gif)")
    elif format in FORMAT_NAMES:
        name = format
    else:
        raise FormatError(f"unknown video format {format!r}; valid formats: {', '.join(FORMAT_NAMES)}")
    muxer = "mov" if name == "mp4" and p.suffix.lower() == ".mov" else name
    gif = name == "gif"
    return OutputFormat(name, muxer, even_size=not gif, rgb_frames=gif, plays_when_cut=not gif)


def check_codec(fmt: OutputFormat, codec: str, crf: float | None, preset: str | int | None) -> None:
    """Refuse a codec or encoder option the format cannot take (``auto`` fits every format)."""
    if fmt.name == "gif":
        given = [name for name, value in (("codec", None if codec == "auto" else codec), ("crf", crf),
                                          ("preset", preset)) if value is not None]
        if given:
            raise FormatError(f"a GIF has its own encoder and palette: {', '.join(given)} apply to mp4 and webm only")
    elif fmt.name == "webm" and codec not in ("auto", *WEBM_CODECS):
        raise FormatError(f"codec {codec} cannot go in a WebM file; use auto (VP9) or libsvtav1 (AV1)")
    elif fmt.name == "mp4" and codec == "libvpx-vp9":
        raise FormatError("libvpx-vp9 goes in a .webm file; an mp4 takes H.264, H.265 or AV1")


def encoder_input(renderer_format: str, fmt: OutputFormat) -> str:
    """The raw format the encoder gets: the renderer's video format (yuv420p made on a GPU, or the frame as
    stored), except RGBA where the output is made from RGB (a GIF's palette: yuv420p would lose colour)."""
    return "rgba" if fmt.rgb_frames and renderer_format == "yuv420p" else renderer_format


def filter_graph(fmt: OutputFormat, input_format: str, bottom_up: bool, frames: bool) -> str:
    """The ``-filter_complex`` text: raw frames in, ``[video]`` out (and ``[frames]``, RGB, for PNGs)."""
    head = "vflip" if bottom_up else "null"
    chains = [f"[0:v]{head}" + ("[nnviz_main]" if not frames else ",split=2[nnviz_main][nnviz_still]")]
    is_yuv = input_format == "yuv420p"
    if fmt.name == "gif":
        # rgb24 first: the frames' alpha is not theirs to show (a GIF would make it transparency, and big)
        chains.append(f"[nnviz_main]{YUV_TO_RGB if is_yuv else 'format=rgb24'},{GIF_PALETTE}[video]")
    else:
        # Convert RGB -> YUV with BT.709 (yuv420p input already is) and say so, so players do not shift colours.
        convert = "" if is_yuv else TO_BT709_YUV + ","
        chains.append(f"[nnviz_main]{convert}{BT709_TAGS}[video]")
    if frames:
        chains.append(f"[nnviz_still]{YUV_TO_RGB if is_yuv else 'format=rgb24'}[frames]")
    return ";".join(chains)


def muxer_args(fmt: OutputFormat) -> list[str]:
    """Output options that make a file readable when cut short (mp4, webm) or loop (gif)."""
    if fmt.name == "mp4":
        return ["-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-flush_packets", "1"]
    if fmt.name == "webm":
        return ["-cluster_time_limit", "1000", "-flush_packets", "1"]
    return ["-loop", "0"]


def frames_output(frames_dir: Path) -> list[str]:
    """The second output: one PNG per frame, written atomically (a temporary name, then renamed).

    zlib's fastest level: compressing is most of a PNG's cost, and the files are only a little larger."""
    return ["-map", "[frames]", "-fps_mode", "passthrough", "-c:v", "png", "-compression_level", "1",
            "-f", "image2", "-atomic_writing", "1", "-start_number", "1", str(frames_dir / FRAME_PATTERN)]
