"""Text pass: atlas and layout in numpy, then real GL drawing into a small offscreen framebuffer."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import moderngl
import numpy as np
import pytest
from PIL import ImageFont

import nnviz_gl
from nnviz_gl.render.glyph_atlas import (
    SNAP_BELOW_PX,
    SYMBOLS,
    GlyphAtlas,
    TextLayoutError,
    build_glyph_atlas,
    item_bounds,
    layout_instances,
)
from nnviz_gl.render.text import TextItem, TextPass

W, H = 320, 120
RED = (1.0, 0.0, 0.0, 1.0)
INK = 8  # a pixel counts as painted above this value (0..255)


@pytest.fixture(scope="module")
def atlas() -> GlyphAtlas:
    return build_glyph_atlas(64)


@pytest.fixture(scope="module")
def text_pass(ctx):
    ctx.__enter__()  # an earlier module (a grid render in this process) may have left its own current
    tp = TextPass(ctx)
    yield tp
    ctx.__enter__()  # another context may be current by now: free these in their own
    tp.release()


@pytest.fixture(scope="module")
def fbo(ctx):
    ctx.__enter__()
    target = ctx.simple_framebuffer((W, H), components=4)
    yield target
    ctx.__enter__()
    target.release()


def render(ctx, fbo, text_pass, items) -> np.ndarray:
    """RGBA image, row 0 at the top."""
    fbo.use()
    fbo.clear(0.0, 0.0, 0.0, 0.0)
    ctx.enable(moderngl.BLEND)
    ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
    text_pass.set_text(items)
    text_pass.draw((W, H))
    return np.frombuffer(fbo.read(components=4), np.uint8).reshape(H, W, 4)[::-1]


def ink_box(image: np.ndarray, channel: int = 0) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of painted pixels, right/bottom exclusive."""
    rows = np.flatnonzero((image[..., channel] > INK).any(axis=1))
    cols = np.flatnonzero((image[..., channel] > INK).any(axis=0))
    assert rows.size and cols.size, "nothing was drawn"
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


# ---------------------------------------------------------------- atlas and layout (no GL)


def test_atlas_comes_from_pillows_built_in_font_not_a_file(monkeypatch):
    opened = []
    real_truetype = ImageFont.truetype

    def recording_truetype(font=None, *args, **kwargs):
        opened.append(font)
        return real_truetype(font, *args, **kwargs)

    monkeypatch.setattr(ImageFont, "truetype", recording_truetype)
    atlas = build_glyph_atlas(64)
    assert opened, "the atlas did not load a scalable font through Pillow"
    assert not any(isinstance(f, (str, bytes, os.PathLike)) for f in opened), f"font loaded from disk: {opened}"
    assert atlas.image.dtype == np.uint8 and atlas.image.ndim == 2 and atlas.image.max() == 255


def test_atlas_covers_ascii_and_symbols(atlas):
    wanted = "".join(map(chr, range(32, 127))) + SYMBOLS
    assert set(map(ord, wanted)) <= set(atlas.codepoints.tolist())
    question = atlas.glyph_indices("?")[0]
    for char in SYMBOLS:
        index = atlas.glyph_indices(char)[0]
        assert index != question and atlas.has_ink[index], f"{char!r} has no glyph of its own"
    assert not atlas.has_ink[atlas.glyph_indices(" ")[0]]


def _string_constants(tree: ast.AST) -> list[str]:
    """Every string literal in ``tree`` (f-string parts included) except docstrings."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_symbols_are_the_characters_beyond_ascii_that_the_package_writes():
    # A label with a character the atlas lacks draws '?'; a symbol no string uses is a recipe never shown.
    package = Path(nnviz_gl.__file__).parent
    written: dict[str, str] = {}
    for path in package.rglob("*.py"):
        if path.name == "glyph_atlas.py":  # the atlas's own tables of symbols
            continue
        for text in _string_constants(ast.parse(path.read_text(encoding="utf-8"))):
            for char in text:
                if ord(char) > 126:
                    written.setdefault(char, str(path.relative_to(package)))
    assert set(written) <= set(SYMBOLS), f"strings use characters the atlas lacks: {written}"
    assert set(SYMBOLS) <= set(written), f"symbols no string uses: {set(SYMBOLS) - set(written)}"


def test_unknown_characters_become_question_marks(atlas):
    assert (atlas.glyph_indices("a\u4e2d\n") == atlas.glyph_indices("a??")).all()
    assert atlas.measure("\u4e2d", 20) == atlas.measure("?", 20)


def test_measure_scales_with_size_and_length(atlas):
    w12, h12 = atlas.measure("loss 0.25", 12)
    w48, h48 = atlas.measure("loss 0.25", 48)
    assert w48 == pytest.approx(4 * w12) and h48 == pytest.approx(4 * h12)
    assert atlas.measure("loss 0.25 ok", 12)[0] > w12
    assert atlas.measure("", 12) == (0.0, h12)
    assert 0.9 * 12 < h12 < 1.4 * 12  # a line is about one size_px tall


def test_small_text_starts_each_glyph_on_a_whole_pixel(atlas):
    item = TextItem("epoch 12.5", 10.3, 7.7, 13.0)
    rows = layout_instances(atlas, [item])
    indices = atlas.glyph_indices(item.text)
    glyphs = indices[atlas.has_ink[indices]]
    ink_left = rows[:, 0] + (atlas.ink[glyphs, 0] - atlas.quad[glyphs, 0]) * item.size_px / atlas.atlas_px
    assert item.size_px <= SNAP_BELOW_PX
    np.testing.assert_allclose(ink_left, np.round(ink_left), atol=1e-3)


def test_items_are_validated():
    with pytest.raises(TextLayoutError, match="anchor must be one of"):
        TextItem("x", 0, 0, 12, anchor="middle")
    with pytest.raises(TextLayoutError, match="baseline must be one of"):
        TextItem("x", 0, 0, 12, baseline="center")
    with pytest.raises(TextLayoutError, match="size_px"):
        TextItem("x", 0, 0, 0)
    with pytest.raises(TextLayoutError, match="straight RGBA"):
        TextItem("x", 0, 0, 12, color=(1, 0, 0))


# ---------------------------------------------------------------- drawing


def test_text_paints_its_colour_inside_the_measured_box_only(ctx, fbo, text_pass):
    item = TextItem("[Hg] 0.25", 20, 30, 40, color=(1.0, 0.5, 0.0, 1.0))
    image = render(ctx, fbo, text_pass, [item])
    left, top, right, bottom = item_bounds(text_pass.atlas, item)
    width, height = text_pass.atlas.measure(item.text, item.size_px)
    assert (right - left, bottom - top) == pytest.approx((width, height))

    painted = image[..., 0] > INK
    outside = painted.copy()
    outside[int(top) - 1:int(np.ceil(bottom)) + 1, int(left) - 1:int(np.ceil(right)) + 1] = False
    assert not outside.any(), "ink outside the measured box (1 px snapping allowed)"
    ink_left, ink_top, ink_right, ink_bottom = ink_box(image)
    side_bearings = 0.25 * item.size_px  # the box runs from pen start to pen end, not ink to ink
    assert ink_right - ink_left >= width - side_bearings, "the measured box is wider than the text"
    assert ink_bottom - ink_top >= 0.8 * height, "the measured box is taller than the text"

    solid = image[image[..., 3] == 255]
    assert len(solid) > 50, "no fully covered pixels: text is too faint"
    np.testing.assert_allclose(solid[:, :3].mean(axis=0), [255, 128, 0], atol=2)
    edges = image[painted]
    assert (edges[:, 2] == 0).all() and np.allclose(edges[:, 1], edges[:, 0] * 0.5, atol=2)


@pytest.mark.parametrize("anchor, shift", [("left", 0.0), ("center", 0.5), ("right", 1.0)])
@pytest.mark.parametrize("baseline, drop", [("top", 0.0), ("middle", 0.5), ("bottom", 1.0)])
def test_anchor_and_baseline_place_the_text(ctx, fbo, text_pass, anchor, shift, baseline, drop):
    text, size = "Anchor", 24
    width, height = text_pass.atlas.measure(text, size)
    reference = ink_box(render(ctx, fbo, text_pass, [TextItem(text, 160, 60, size, RED)]))
    moved = ink_box(render(ctx, fbo, text_pass, [TextItem(text, 160, 60, size, RED, anchor, baseline)]))
    expected = np.array(reference) - [shift * width, drop * height, shift * width, drop * height]
    np.testing.assert_allclose(moved, expected, atol=1.01)


def test_bigger_size_paints_more_ink(ctx, fbo, text_pass):
    ink = [render(ctx, fbo, text_pass, [TextItem("Ink 42", 4, 4, size, RED)])[..., 0].sum(dtype=np.int64)
           for size in (12, 24, 48)]
    assert ink[0] > 0
    assert 3.0 < ink[1] / ink[0] < 5.5 and 3.0 < ink[2] / ink[1] < 5.5  # area ~ size squared


def test_unknown_characters_draw_as_question_marks(ctx, fbo, text_pass):
    unknown = render(ctx, fbo, text_pass, [TextItem("a\u4e2db", 10, 10, 32, RED)]).copy()
    question = render(ctx, fbo, text_pass, [TextItem("a?b", 10, 10, 32, RED)])
    assert (unknown == question).all() and unknown[..., 0].any()


@pytest.mark.parametrize("items", [[], [TextItem("", 50, 50, 30, RED)], [TextItem("   ", 50, 50, 30, RED)]])
def test_empty_text_draws_nothing(ctx, fbo, text_pass, items):
    render(ctx, fbo, text_pass, [TextItem("before", 5, 5, 20, RED)])
    assert not render(ctx, fbo, text_pass, items).any()
    assert text_pass.count == 0


def test_background_box_is_rounded_and_behind_the_text(ctx, fbo, text_pass):
    item = TextItem("HUD", 160, 60, 30, (1.0, 1.0, 1.0, 1.0), "center", "middle", box=(0.0, 0.0, 1.0, 1.0))
    image = render(ctx, fbo, text_pass, [item])
    left, top, right, bottom = item_bounds(text_pass.atlas, item)
    assert left < 160 - text_pass.atlas.measure("HUD", 30)[0] / 2  # the box reaches past the text
    blue = image[..., 2] > INK
    box = ink_box(image, channel=2)
    np.testing.assert_allclose(box, (left, top, right, bottom), atol=1.01)
    assert not blue[int(top), int(left)] and not blue[int(bottom) - 1, int(right) - 1], "corners not rounded"
    assert image[int((top + bottom) / 2), int(left) + 2].tolist() == [0, 0, 255, 255]
    assert (image[..., 0] == 255).any(), "text is not drawn over its box"


def test_set_text_writes_buffers_and_creates_no_gl_objects(ctx, fbo, text_pass, monkeypatch):
    render(ctx, fbo, text_pass, [TextItem("warm up", 5, 5, 20, RED)])
    created = []
    for factory in ("buffer", "vertex_array", "simple_vertex_array", "program", "texture", "shader"):
        if hasattr(ctx, factory):
            real = getattr(ctx, factory)
            monkeypatch.setattr(ctx, factory, lambda *a, _real=real, _name=factory, **k: created.append(_name) or _real(*a, **k))
    before = (text_pass.instances, text_pass.vao, text_pass.program, text_pass.texture, text_pass.program.glo)
    for frame in range(3):
        image = render(ctx, fbo, text_pass, [TextItem(f"epoch {frame}", 5, 5, 20, RED),
                                             TextItem("loss", 300, 100, 14, RED, "right", "bottom", box=RED)])
        assert image[..., 0].any()
    after = (text_pass.instances, text_pass.vao, text_pass.program, text_pass.texture, text_pass.program.glo)
    assert created == [], f"set_text/draw created GL objects: {created}"
    assert all(a is b for a, b in zip(before[:4], after[:4])) and before[4] == after[4]


def test_more_glyphs_than_capacity_grows_the_buffer_once(ctx, fbo):
    small = TextPass(ctx, capacity=4)
    try:
        text = "0123456789" * 3
        image = render(ctx, fbo, small, [TextItem(text, 2, 2, 10, RED)])
        assert small.capacity >= len(text) and small.count == len(text)
        box = ink_box(image)
        assert box[2] - box[0] >= small.atlas.measure(text, 10)[0] - 2, "glyphs past the old capacity are missing"
        grown = small.instances
        render(ctx, fbo, small, [TextItem(text[:20], 2, 2, 10, RED)])
        assert small.instances is grown
    finally:
        small.release()


def test_layout_reuses_unchanged_items_and_gives_the_same_rows(atlas):
    """A frame's text changes an item or two at a time: the rest is taken from the last layout, and the
    rows are the same as laying everything out afresh."""
    from nnviz_gl.render import glyph_atlas

    first = [TextItem("Epoch 1", 10, 20, 24), TextItem("loss 0.5", 300, 20, 16), TextItem("x1", 5, 90, 12)]
    second = [TextItem("Epoch 2", 10, 20, 24), *first[1:]]
    laid_out: dict = {}
    glyph_atlas.layout_instances(atlas, first, laid_out)
    made = []
    real = glyph_atlas._item_instances
    glyph_atlas._item_instances = lambda a, item: (made.append(item.text), real(a, item))[1]
    try:
        rows = glyph_atlas.layout_instances(atlas, second, laid_out)
    finally:
        glyph_atlas._item_instances = real
    assert made == ["Epoch 2"]
    np.testing.assert_array_equal(rows, glyph_atlas.layout_instances(atlas, second))
    assert list(laid_out) == second
