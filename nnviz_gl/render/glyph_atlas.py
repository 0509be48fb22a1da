"""The glyph atlas and text layout, in numpy and Pillow (no GL): what ``TextPass`` draws from.

The atlas is rasterised once, large, from Pillow's built-in scalable font (``load_default``: no font
file on disk, so it renders the same everywhere) and scaled per item, so one texture serves 12 px
labels at 480p and 60 px titles at 4K. Measuring (``GlyphAtlas.measure``) and the per-glyph instance
rows (``layout_instances``) are numpy only, testable and usable without GL.
Coordinates are frame pixels, origin top-left, y down; colours are straight RGBA floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

ANCHORS = ("left", "center", "right")
BASELINES = ("top", "middle", "bottom")
SYMBOLS = "·→²"  # beyond printable ASCII, what labels use ("→", "²" are drawn by us: the font lacks them)
FALLBACK = "?"
SNAP_BELOW_PX = 40.0  # at and below this size each glyph's ink starts on a whole pixel
BOX_PAD_EM = (0.3, 0.12)  # background box margin around the text box, in units of size_px (x, y)
BOX_RADIUS_EM = 0.25
INSTANCE_FLOATS = 13  # rect 4, uv 4, colour 4, radius 1
_SUPERSAMPLE = 4  # drawn symbols are drawn this much finer, then box-filtered down
MEASURED_TEXTS = 4096  # measure() remembers this many texts' extents, then starts again


class TextLayoutError(ValueError):
    """A text item or pass option is out of range; the message says what is allowed."""


def _rgba(value: Sequence[float], what: str) -> tuple[float, float, float, float]:
    rgba = tuple(float(c) for c in value)
    if len(rgba) != 4 or not all(0.0 <= c <= 1.0 for c in rgba):
        raise TextLayoutError(f"{what} must be 4 floats in 0..1 (straight RGBA), got {value!r}")
    return rgba  # type: ignore[return-value]


@dataclass(frozen=True)
class TextItem:
    """One line of text placed at (x, y) in frame pixels; ``anchor``/``baseline`` say which point of
    its box that is. ``box`` adds a rounded background box (straight RGBA) for readability."""

    text: str
    x: float
    y: float
    size_px: float
    color: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    anchor: str = "left"
    baseline: str = "top"
    box: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TextLayoutError(f"text must be a str, got {type(self.text).__name__}")
        if not (math.isfinite(self.size_px) and self.size_px > 0):
            raise TextLayoutError(f"size_px must be a positive number of pixels, got {self.size_px!r}")
        if not (math.isfinite(self.x) and math.isfinite(self.y)):
            raise TextLayoutError(f"x and y must be finite pixel coordinates, got ({self.x!r}, {self.y!r})")
        if self.anchor not in ANCHORS:
            raise TextLayoutError(f"anchor must be one of {ANCHORS}, got {self.anchor!r}")
        if self.baseline not in BASELINES:
            raise TextLayoutError(f"baseline must be one of {BASELINES}, got {self.baseline!r}")
        object.__setattr__(self, "color", _rgba(self.color, "color"))
        if self.box is not None:
            object.__setattr__(self, "box", _rgba(self.box, "box"))


# --------------------------------------------------------------------------------------------
# The atlas (numpy + Pillow, no GL)


@dataclass(frozen=True)
class _Glyph:
    bitmap: np.ndarray  # uint8 coverage, tight around the ink (0x0 for blanks)
    ink_x0: float  # ink's top-left relative to the pen origin on the baseline (y down)
    ink_y0: float
    advance: float


def _tight(canvas: np.ndarray, origin: tuple[float, float], advance: float) -> _Glyph:
    rows = np.flatnonzero(canvas.any(axis=1))
    cols = np.flatnonzero(canvas.any(axis=0))
    if rows.size == 0:
        return _Glyph(np.zeros((0, 0), np.uint8), 0.0, 0.0, advance)
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    return _Glyph(canvas[r0:r1, c0:c1].copy(), float(c0 - origin[0]), float(r0 - origin[1]), advance)


def _render_font_glyph(font: ImageFont.FreeTypeFont, char: str) -> _Glyph:
    left, top, right, bottom = font.getbbox(char, anchor="ls")
    margin = 2
    size = (int(right - left) + 2 * margin, int(bottom - top) + 2 * margin)
    origin = (margin - left, margin - top)
    image = Image.new("L", (max(size[0], 1), max(size[1], 1)), 0)
    ImageDraw.Draw(image).text(origin, char, font=font, fill=255, anchor="ls")
    return _tight(np.asarray(image), origin, float(font.getlength(char)))


def _draw_symbol(advance: float, em: float, paint: Callable[[ImageDraw.ImageDraw, Callable], None]) -> _Glyph:
    """Draw a symbol supersampled on a canvas one em high around the baseline, then box-filter it."""
    ss = _SUPERSAMPLE
    origin = (em * 0.25, em)  # pen origin inside the canvas
    width, height = int(math.ceil(advance + em * 0.5)), int(math.ceil(em * 1.5))
    image = Image.new("L", (width * ss, height * ss), 0)

    def at(x: float, y: float) -> tuple[float, float]:
        return ((x + origin[0]) * ss, (y + origin[1]) * ss)

    paint(ImageDraw.Draw(image), at)
    return _tight(np.asarray(image.reduce(ss)), origin, advance)


def _arrow(glyphs: dict[str, _Glyph], em: float) -> _Glyph:
    """'→', drawn to match the font's weight: its stroke and the maths axis are taken from '-'."""
    dash = glyphs["-"]
    stroke = float(dash.bitmap.shape[0])
    axis = dash.ink_y0 + stroke / 2  # y of the maths axis (negative: above the baseline)
    width_px = max(1, round(stroke * _SUPERSAMPLE))

    def paint(draw: ImageDraw.ImageDraw, at: Callable) -> None:
        tip, head = 0.86 * em, 0.24 * em
        draw.line([at(0.08 * em, axis), at(tip - stroke * 0.5, axis)], fill=255, width=width_px)
        draw.line([at(tip - head, axis - head), at(tip, axis), at(tip - head, axis + head)], fill=255,
                  width=width_px, joint="curve")

    return _draw_symbol(0.94 * em, em, paint)


def _superscript_two(glyphs: dict[str, _Glyph], em: float) -> _Glyph:
    """'²' (R²): the font's own '2' at 60 %, its top at the digits' top."""
    two, scale = glyphs["2"], 0.6
    h, w = two.bitmap.shape
    small = Image.fromarray(two.bitmap).resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.LANCZOS)
    return _Glyph(np.asarray(small), two.ink_x0 * scale, two.ink_y0, two.advance * scale + 0.04 * em)


# Symbols the built-in font lacks: drawn from the font's own ASCII glyphs and the em.
_SYMBOL_RECIPES: dict[str, Callable[[dict[str, _Glyph], float], _Glyph]] = {"→": _arrow, "²": _superscript_two}


def builtin_font(atlas_px: int) -> ImageFont.FreeTypeFont:
    """Pillow's own scalable font (Aileron), read from Pillow itself: no font file on disk."""
    font = ImageFont.load_default(size=atlas_px)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise TextLayoutError("Pillow was built without FreeType; the text pass needs Pillow >= 10.1 with FreeType")
    return font


@dataclass(frozen=True)
class GlyphAtlas:
    """All glyphs in one single-channel image, with per-glyph metrics in atlas pixels.

    Arrays are indexed by glyph index (``glyph_indices``); ``ink``/``quad`` are x0, y0, x1, y1
    relative to the pen origin on the baseline (y down); ``quad`` is the ink plus the padding
    that keeps mipmaps of neighbouring glyphs apart; ``uv`` is the quad's atlas rectangle.
    """

    image: np.ndarray  # (H, W) uint8; row 0 is the top
    atlas_px: int
    codepoints: np.ndarray  # sorted int64
    advance: np.ndarray  # float32 (n,)
    has_ink: np.ndarray  # bool (n,)
    ink: np.ndarray  # float32 (n, 4)
    quad: np.ndarray  # float32 (n, 4)
    uv: np.ndarray  # float32 (n, 4)
    ascent: float  # above the baseline, covers every glyph's ink
    descent: float  # below the baseline, covers every glyph's ink
    fallback: int  # index of '?'
    # text -> its line extent in atlas pixels: panels measure the same labels every frame
    _extents: dict[str, tuple[float, float]] = field(default_factory=dict, compare=False, repr=False)

    def glyph_indices(self, text: str) -> np.ndarray:
        """Glyph index per character; characters not in the atlas map to '?'."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        pos = np.minimum(np.searchsorted(self.codepoints, codes), len(self.codepoints) - 1)
        return np.where(self.codepoints[pos] == codes, pos, self.fallback)

    def pen_positions(self, indices: np.ndarray) -> np.ndarray:
        """Pen x of each glyph from the line's start, in atlas pixels (cumulative advances)."""
        advances = self.advance[indices]
        return np.cumsum(advances) - advances

    def line_extent(self, indices: np.ndarray, pens: np.ndarray) -> tuple[float, float]:
        """Leftmost and rightmost x of a line, ink overhangs included, in atlas pixels."""
        end = float(pens[-1] + self.advance[indices[-1]]) if len(indices) else 0.0
        inked = self.has_ink[indices]
        if not inked.any():
            return 0.0, end
        ink_left = pens[inked] + self.ink[indices[inked], 0]
        ink_right = pens[inked] + self.ink[indices[inked], 2]
        return min(0.0, float(ink_left.min())), max(end, float(ink_right.max()))

    def line_height(self, size_px: float) -> float:
        return (self.ascent + self.descent) * size_px / self.atlas_px

    def measure(self, text: str, size_px: float) -> tuple[float, float]:
        """(width, height) in pixels of ``text`` at ``size_px``: a box holding all of its ink."""
        extent = self._extents.get(text)
        if extent is None:
            if len(self._extents) >= MEASURED_TEXTS:  # a window's changing numbers never pile up
                self._extents.clear()
            indices = self.glyph_indices(text)
            extent = self._extents[text] = self.line_extent(indices, self.pen_positions(indices))
        left, right = extent
        return (right - left) * size_px / self.atlas_px, self.line_height(size_px)


def _pack_shelves(sizes: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Shelf-pack (h, w) cells, tallest first; returns top-left (y, x) per cell and atlas (W, H)."""
    area = float((sizes[:, 0] * sizes[:, 1]).sum())
    width = max(256, 1 << int(math.ceil(math.log2(math.sqrt(area) * 1.25))), int(sizes[:, 1].max()))
    order = np.argsort(-sizes[:, 0], kind="stable")
    origins = np.zeros_like(sizes)
    x = y = shelf = 0
    for i in order:  # once per atlas, about a hundred cells
        h, w = sizes[i]
        if x + w > width:
            x, y, shelf = 0, y + shelf, 0
        origins[i] = (y, x)
        x, shelf = x + w, max(shelf, h)
    height = -(-(y + shelf) // 4) * 4
    return origins, width, height


def build_glyph_atlas(atlas_px: int = 64, symbols: str = SYMBOLS) -> GlyphAtlas:
    """Rasterise printable ASCII plus ``symbols`` at ``atlas_px`` into one padded, packed atlas."""
    if not 16 <= atlas_px <= 256:
        raise TextLayoutError(f"atlas_px must be 16..256, got {atlas_px}")
    font = builtin_font(atlas_px)
    missing = _render_font_glyph(font, "\uffff")  # the font's 'no such glyph' box
    glyphs = {chr(c): _render_font_glyph(font, chr(c)) for c in range(32, 127)}
    for char in dict.fromkeys(symbols):
        glyph = _render_font_glyph(font, char)
        if glyph.bitmap.tobytes() == missing.bitmap.tobytes() and glyph.bitmap.shape == missing.bitmap.shape:
            if char not in _SYMBOL_RECIPES:
                continue  # neither the font nor we can draw it: it becomes '?'
            glyph = _SYMBOL_RECIPES[char](glyphs, float(atlas_px))
        glyphs[char] = glyph

    chars = sorted(glyphs, key=ord)
    pad = max(2, atlas_px // 8)  # mip level log2(pad) still keeps neighbours apart
    shapes = np.array([glyphs[c].bitmap.shape for c in chars], dtype=np.int64)
    has_ink = shapes.min(axis=1) > 0
    cells = np.where(has_ink[:, None], shapes + 2 * pad, 0)
    origins, width, height = _pack_shelves(np.maximum(cells, 1))
    image = np.zeros((height, width), np.uint8)
    for i, char in enumerate(chars):
        if has_ink[i]:
            (h, w), (y, x) = shapes[i], origins[i]
            image[y + pad:y + pad + h, x + pad:x + pad + w] = glyphs[char].bitmap

    offsets = np.array([(glyphs[c].ink_x0, glyphs[c].ink_y0) for c in chars], dtype=np.float32)
    ink = np.concatenate([offsets, offsets + shapes[:, ::-1]], axis=1).astype(np.float32)
    quad = ink + np.array([-pad, -pad, pad, pad], np.float32)
    uv = np.concatenate([origins[:, ::-1], origins[:, ::-1] + cells[:, ::-1]], axis=1) / [width, height, width, height]
    return GlyphAtlas(
        image=image,
        atlas_px=atlas_px,
        codepoints=np.array([ord(c) for c in chars], dtype=np.int64),
        advance=np.array([glyphs[c].advance for c in chars], dtype=np.float32),
        has_ink=has_ink,
        ink=ink,
        quad=quad,
        uv=uv.astype(np.float32),
        ascent=float(-ink[has_ink, 1].min()),
        descent=float(max(0.0, ink[has_ink, 3].max())),
        fallback=chars.index(FALLBACK),
    )


# --------------------------------------------------------------------------------------------
# Layout (numpy, no GL)


def text_box(atlas: GlyphAtlas, item: TextItem, width: float | None = None) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) in frame pixels of the item's text, before pixel snapping."""
    if width is None:
        width = atlas.measure(item.text, item.size_px)[0]
    height = atlas.line_height(item.size_px)
    left = item.x - width * ANCHORS.index(item.anchor) / 2
    top = item.y - height * BASELINES.index(item.baseline) / 2
    return left, top, left + width, top + height


def item_bounds(atlas: GlyphAtlas, item: TextItem, width: float | None = None) -> tuple[float, float, float, float]:
    """(left, top, right, bottom): everything the item may paint, its background box included."""
    left, top, right, bottom = text_box(atlas, item, width)
    if item.box is None:
        return left, top, right, bottom
    mx, my = BOX_PAD_EM[0] * item.size_px, BOX_PAD_EM[1] * item.size_px
    return left - mx, top - my, right + mx, bottom + my


def _item_instances(atlas: GlyphAtlas, item: TextItem) -> np.ndarray:
    indices = atlas.glyph_indices(item.text)
    pens = atlas.pen_positions(indices)
    scale = item.size_px / atlas.atlas_px
    line_left, line_right = atlas.line_extent(indices, pens)
    width = (line_right - line_left) * scale
    left, top, _, _ = text_box(atlas, item, width)
    origin_x = round(left - line_left * scale)
    baseline = round(top + atlas.ascent * scale)

    inked = atlas.has_ink[indices]
    glyphs, pens = indices[inked], pens[inked]
    out = np.empty((len(glyphs) + (item.box is not None), INSTANCE_FLOATS), np.float32)
    if item.box is not None:
        bl, bt, br, bb = item_bounds(atlas, item, width)
        radius = min(BOX_RADIUS_EM * item.size_px, (bb - bt) / 2)
        out[0] = (bl, bt, br, bb, 0, 0, 0, 0, *item.box, radius)
    rows = out[len(out) - len(glyphs):]
    pen_x = origin_x + pens * scale
    if item.size_px <= SNAP_BELOW_PX:  # whole-pixel stems keep small text crisp
        ink_left = pen_x + atlas.ink[glyphs, 0] * scale
        pen_x = pen_x + (np.round(ink_left) - ink_left)
    quad = atlas.quad[glyphs] * scale
    rows[:, 0] = pen_x + quad[:, 0]
    rows[:, 1] = baseline + quad[:, 1]
    rows[:, 2] = pen_x + quad[:, 2]
    rows[:, 3] = baseline + quad[:, 3]
    rows[:, 4:8] = atlas.uv[glyphs]
    rows[:, 8:12] = item.color
    rows[:, 12] = -1.0  # glyph, not a box
    return out


def layout_instances(atlas: GlyphAtlas, items: Iterable[TextItem],
                     laid_out: dict[TextItem, np.ndarray] | None = None) -> np.ndarray:
    """The (n, 13) float32 instance rows for ``items``: each item's box first, then its glyphs.

    ``laid_out`` (item -> its rows) keeps the items of the previous call: a frame's text changes an
    item or two at a time (the epoch, the metrics), so the rest is not laid out again. It is left
    holding exactly this call's items.
    """
    items = list(items)
    known = laid_out if laid_out is not None else {}
    parts = [known.get(item) if item in known else _item_instances(atlas, item) for item in items]
    if laid_out is not None:
        laid_out.clear()
        laid_out.update(zip(items, parts))
    return np.concatenate(parts) if parts else np.empty((0, INSTANCE_FLOATS), np.float32)
