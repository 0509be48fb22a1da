"""The only place GL contexts are made, and where what we got is reported and checked."""

from __future__ import annotations

import os
from dataclasses import dataclass

import moderngl

REQUIRED_GL = (3, 3)


class GLUnavailableError(RuntimeError):
    """No usable OpenGL: none at all, or older than 3.3 core. The message says what was found."""


@dataclass(frozen=True)
class GLInfo:
    vendor: str
    renderer: str
    version: str
    version_code: int
    max_framebuffer: tuple[int, int]

    def line(self) -> str:
        return f"{self.renderer} ({self.vendor}), OpenGL {self.version}"


def gl_info(ctx: moderngl.Context) -> GLInfo:
    rb = int(ctx.info["GL_MAX_RENDERBUFFER_SIZE"])
    vw, vh = ctx.info["GL_MAX_VIEWPORT_DIMS"]
    tex = int(ctx.info["GL_MAX_TEXTURE_SIZE"])
    side = min(rb, tex)
    return GLInfo(
        vendor=str(ctx.info["GL_VENDOR"]),
        renderer=str(ctx.info["GL_RENDERER"]),
        version=str(ctx.info["GL_VERSION"]),
        version_code=int(ctx.version_code),
        max_framebuffer=(min(side, int(vw)), min(side, int(vh))),
    )


def check_version(ctx: moderngl.Context) -> GLInfo:
    """Refuse a context older than OpenGL 3.3 core with a message naming what was found."""
    info = gl_info(ctx)
    need = REQUIRED_GL[0] * 100 + REQUIRED_GL[1] * 10
    if info.version_code < need:
        raise GLUnavailableError(
            f"OpenGL {REQUIRED_GL[0]}.{REQUIRED_GL[1]} core is needed, but this system offers "
            f"{info.version} on {info.renderer}"
        )
    return info


def _explain_egl_failure(reason: str) -> str:
    if "0x3009" in reason or "0x3004" in reason:  # EGL_BAD_MATCH / EGL_BAD_ATTRIBUTE
        found = "the EGL driver refused an OpenGL 3.3 core context: it offers only an older OpenGL"
    elif "found 0 devices" in reason or "eglGetDisplay" in reason or "eglInitialize" in reason:
        found = "no OpenGL driver was found through EGL"
    else:
        found = "no OpenGL context could be made through EGL"
    return (
        f"OpenGL 3.3 core is needed, but {found} ({reason}). Install a GPU driver with EGL, or Mesa's "
        "software renderer (Debian: libegl-mesa0 libgl1-mesa-dri), which is enough for rendering video"
    )


def create_headless_context(gpu: int | None = None) -> moderngl.Context:
    """An offscreen OpenGL context through EGL: no X server, GPU driver or Mesa's llvmpipe.

    ``gpu`` picks the EGL device (glcontext reads ``GLCONTEXT_DEVICE_INDEX``).
    """
    if gpu is not None:
        os.environ["GLCONTEXT_DEVICE_INDEX"] = str(int(gpu))
    try:
        ctx = moderngl.create_standalone_context(backend="egl", require=330)
    except Exception as exc:  # glcontext raises plain Exceptions with the EGL reason
        raise GLUnavailableError(_explain_egl_failure(str(exc))) from None
    try:
        check_version(ctx)
    except GLUnavailableError:
        ctx.release()
        raise
    return ctx
