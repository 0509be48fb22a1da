"""The shader loader: files from shader_dir(), strict defines, errors that name the file (and line)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import nnviz_gl as nv
from nnviz_gl.render import shaders
from nnviz_gl.render.field_defines import field_defines
from nnviz_gl.render.shaders import ShaderError, declared_defines, load_program, shader_dir, shader_source

SHIPPED = ("fullscreen.vert", "field.frag", "field_composite.frag", "edges.vert", "edges.frag",
           "discs.vert", "discs.frag", "text.vert", "text.frag", "yuv420.frag", "quad.vert", "field_copy.frag",
           "boundary.vert", "boundary.frag", "field_common.glsl", "rects.vert", "rects.frag")
# Files with compile-time variants: one valid set of defines each.
VARIANT_DEFINES = {"field_composite.frag": {"VALID": True}, "yuv420.frag": {"PLANE": 0, "PACK": 4},
                   "field_copy.frag": {"SWAP_RB": False}}


@pytest.fixture(autouse=True)
def _session_context_current(ctx):
    """render_frame (README examples, the API tests) leaves its own context current on this thread."""
    ctx.__enter__()


def small_field_defines() -> dict[str, object]:
    snap = nv.Snapshot(weights=[np.ones((2, 3)), np.ones((3, 1))], biases=[np.zeros(3), np.zeros(1)],
                       activation="tanh")
    return field_defines(snap.architecture, params_in_texture=False)


@pytest.fixture
def own_shader_dir(tmp_path, monkeypatch):
    """Point the loader at a scratch folder (and forget cached files before and after)."""
    shaders._read.cache_clear()
    monkeypatch.setattr(shaders, "shader_dir", lambda: tmp_path)
    yield tmp_path
    shaders._read.cache_clear()


def test_shipped_shaders_are_found_through_shader_dir():
    folder = shader_dir()
    assert folder.is_dir()
    for name in SHIPPED:
        assert (folder / name).is_file(), f"{name} missing from {folder}"
        if name.endswith((".vert", ".frag")):
            defines = small_field_defines() if name == "field.frag" else VARIANT_DEFINES.get(name)
            assert shader_source(name, defines).startswith("#version 330 core\n")


def test_field_frag_declares_exactly_what_field_defines_gives():
    assert declared_defines("field.frag") == frozenset(small_field_defines())
    assert declared_defines("discs.frag") == frozenset()


def test_defines_go_right_after_version_and_line_numbers_stay_the_files():
    source = shader_source("field.frag", small_field_defines())
    lines = source.splitlines()
    assert lines[0] == "#version 330 core"
    defined = [ln for ln in lines[1:] if ln.startswith("#define ") and "(" not in ln.split()[1]]  # not macros
    assert [ln.split()[1] for ln in defined] == sorted(small_field_defines())
    assert "#define PARAMS_IN_TEXTURE 0" in lines  # bools become 0/1 for '#if'
    assert "#define MLP_LAYERS LAYER(1, 2, 3, 0, HIDDEN_ACTIVATION) LAYER(2, 3, 1, 9, act_logistic)" in lines
    assert lines[1 + len(small_field_defines())] == "#line 2"


def test_includes_are_resolved():
    source = shader_source("boundary.frag")
    assert "#include" not in source
    assert "float boundary_texels(" in source and "float line_coverage(" in source


def test_unknown_define_is_refused_naming_the_file_and_the_define():
    defines = {**small_field_defines(), "HIDEN_ACTIVATION": "act_relu"}
    with pytest.raises(ShaderError, match=r"field\.frag.*not declared: HIDEN_ACTIVATION"):
        shader_source("field.frag", defines)


def test_missing_define_is_refused_naming_the_file_and_the_define():
    defines = small_field_defines()
    del defines["MAX_WIDTH"]
    with pytest.raises(ShaderError, match=r"field\.frag.*missing: MAX_WIDTH"):
        shader_source("field.frag", defines)


def test_a_define_neither_file_declares_is_refused(ctx):
    with pytest.raises(ShaderError, match=r"discs\.vert \+ discs\.frag.*WIDTH"):
        load_program(ctx, "discs.vert", "discs.frag", {"WIDTH": 3})


def test_define_values_must_be_plain(ctx):
    with pytest.raises(ShaderError, match="not an int, float, bool or str"):
        shader_source("field.frag", {**small_field_defines(), "MAX_WIDTH": [3]})


def test_missing_file_is_named():
    with pytest.raises(ShaderError, match=r"'nope\.frag' not found"):
        shader_source("nope.frag")


def test_compile_error_names_the_files(ctx):
    defines = {**small_field_defines(), "HIDDEN_ACTIVATION": "act_softsign"}
    with pytest.raises(ShaderError, match=r"fullscreen\.vert \+ field\.frag") as err:
        load_program(ctx, "fullscreen.vert", "field.frag", defines)
    assert "act_softsign" in str(err.value), "the compiler's own message should be quoted"


def test_compile_error_points_at_the_files_own_line(ctx, own_shader_dir):
    (own_shader_dir / "plain.vert").write_text(
        "#version 330 core\nout vec2 v_uv;\nvoid main() { v_uv = vec2(0.0); gl_Position = vec4(0.0); }\n")
    (own_shader_dir / "broken.frag").write_text(
        "#version 330 core\n// @defines: GAIN\nout vec4 color;\nvoid main() {\n"
        "    color = vec4(GAIN) * undefined_name;\n}\n")
    with pytest.raises(ShaderError, match=r"plain\.vert \+ broken\.frag") as err:
        load_program(ctx, "plain.vert", "broken.frag", {"GAIN": 2.0})
    # Line 5 is where the file has the mistake: Mesa writes '0:5(COLUMN): error', NVIDIA '0(5) : error'.
    assert re.search(r"\b0:5\(\d+\): error|\b0\(5\) : error", str(err.value)), str(err.value)
    (own_shader_dir / "fine.frag").write_text(
        "#version 330 core\n// @defines: GAIN\nout vec4 color;\nvoid main() { color = vec4(GAIN); }\n")
    program = load_program(ctx, "plain.vert", "fine.frag", {"GAIN": 0.5})
    program.release()


def test_a_file_must_start_with_version(own_shader_dir):
    (own_shader_dir / "headless.frag").write_text("// no version here\nvoid main() {}\n")
    with pytest.raises(ShaderError, match=r"headless\.frag: the first line must be '#version"):
        shader_source("headless.frag")


def test_every_shipped_program_links(ctx):
    pairs = [("edges.vert", "edges.frag", None), ("discs.vert", "discs.frag", None),
             ("text.vert", "text.frag", None), ("rects.vert", "rects.frag", None),
             ("boundary.vert", "boundary.frag", None)]
    pairs += [("fullscreen.vert", "field_composite.frag", {"VALID": valid}) for valid in (True, False)]
    pairs += [("quad.vert", "field_copy.frag", {"SWAP_RB": swap}) for swap in (True, False)]
    pairs += [("fullscreen.vert", "yuv420.frag", {"PLANE": plane, "PACK": pack})
              for plane in (0, 1) for pack in (1, 2, 4)]
    for vertex, fragment, defines in pairs:
        load_program(ctx, vertex, fragment, defines).release()
