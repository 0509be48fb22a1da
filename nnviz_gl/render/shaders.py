"""The one shader loader: GLSL files from ``shaders/``, specialised by one strict ``#define`` step.

Every shader file that takes compile-time parameters declares them on a line
``// @defines: NAME OTHER ...``. ``load_program`` refuses a define the file does not declare and a
declared one that is missing, so a typo can never silently produce a different shader. The
defines are inserted right after ``#version``; nothing else about the source is edited.
``#include "file.glsl"`` pulls in a shared file once.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Mapping

import moderngl

_DECLARED = re.compile(r"^//\s*@defines:(.*)$", re.MULTILINE)
_INCLUDE = re.compile(r'^#include\s+"([^"]+)"\s*$', re.MULTILINE)
_VERSION = re.compile(r"^#version[^\n]*\n")


class ShaderError(RuntimeError):
    """A shader file could not be found, specialised or compiled; the message names the file."""


def shader_dir() -> Path:
    """Installed wheels carry the GLSL files inside the package; a source checkout keeps them at the top."""
    packaged = Path(str(resources.files("nnviz_gl"))) / "shaders"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "shaders"
    if checkout.is_dir():
        return checkout
    raise ShaderError(f"no shaders folder found (looked in {packaged} and {checkout})")


@lru_cache(maxsize=None)
def _read(name: str) -> str:
    path = shader_dir() / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ShaderError(f"shader file {name!r} not found in {shader_dir()}") from None


def declared_defines(name: str) -> frozenset[str]:
    """The compile-time parameters a shader file says it takes."""
    names: set[str] = set()
    for line in _DECLARED.findall(_read(name)):
        names.update(line.split())
    return frozenset(names)


def _format(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise ShaderError(f"define value {value!r} is not an int, float, bool or str")


def shader_source(name: str, defines: Mapping[str, object] | None = None) -> str:
    """The specialised source text of one shader file (includes resolved, defines inserted)."""
    defines = dict(defines or {})
    declared = declared_defines(name)
    unknown = sorted(set(defines) - declared)
    missing = sorted(declared - set(defines))
    if unknown or missing:
        raise ShaderError(
            f"{name}: defines do not match its '// @defines:' line"
            + (f"; not declared: {', '.join(unknown)}" if unknown else "")
            + (f"; missing: {', '.join(missing)}" if missing else "")
        )
    text = _INCLUDE.sub(lambda m: _read(m.group(1)), _read(name))
    version = _VERSION.match(text)
    if not version:
        raise ShaderError(f"{name}: the first line must be '#version 330 core'")
    lines = "".join(f"#define {key} {_format(val)}\n" for key, val in sorted(defines.items()))
    # '#line' keeps compiler messages pointing at the file's own line numbers.
    return version.group(0) + lines + "#line 2\n" + text[version.end():]


def load_program(
    ctx: moderngl.Context,
    vertex: str,
    fragment: str,
    defines: Mapping[str, object] | None = None,
) -> moderngl.Program:
    """Compile and link ``vertex`` + ``fragment`` (file names in ``shaders/``) with ``defines``.

    Defines go to whichever of the two files declares them, so both can share one mapping.
    """
    defines = dict(defines or {})
    stages = {}
    for name in (vertex, fragment):
        wanted = declared_defines(name)
        stages[name] = shader_source(name, {k: v for k, v in defines.items() if k in wanted})
    stray = sorted(set(defines) - declared_defines(vertex) - declared_defines(fragment))
    if stray:
        raise ShaderError(f"{vertex} + {fragment}: defines not declared by either file: {', '.join(stray)}")
    try:
        return ctx.program(vertex_shader=stages[vertex], fragment_shader=stages[fragment])
    except moderngl.Error as exc:
        raise ShaderError(f"compiling {vertex} + {fragment} failed:\n{exc}") from None
