"""The only place GL contexts are made, and where what we got is reported and checked."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from dataclasses import dataclass
from functools import lru_cache

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


@lru_cache(maxsize=None)
def library(name: str, fallback: str) -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library(name) or fallback)
    except OSError:
        return None


def release_current_egl() -> None:
    """Make no EGL context current on this thread, before a window (GLX) context takes it.

    A headless context left current — ``render_frame`` leaves its own — makes glfw's GLX make-current
    on the same thread fail with an X BadAccess error that ends the process.
    """
    egl = library("EGL", "libEGL.so.1")
    if egl is None:
        return
    egl.eglGetCurrentContext.restype = ctypes.c_void_p
    if not egl.eglGetCurrentContext():
        return
    egl.eglGetCurrentDisplay.restype = ctypes.c_void_p
    egl.eglMakeCurrent.argtypes = [ctypes.c_void_p] * 4
    egl.eglMakeCurrent(egl.eglGetCurrentDisplay(), None, None, None)


def release_current_glx() -> None:
    """Make no GLX (window) context current on this thread, before a headless EGL context takes it."""
    glx = library("GLX", "libGLX.so.0")
    if glx is None:
        return
    glx.glXGetCurrentContext.restype = ctypes.c_void_p
    if not glx.glXGetCurrentContext():
        return
    glx.glXGetCurrentDisplay.restype = ctypes.c_void_p
    glx.glXMakeCurrent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_void_p]
    glx.glXMakeCurrent(glx.glXGetCurrentDisplay(), 0, None)


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


def spread_software_rasterizer() -> None:
    """Give Mesa's llvmpipe twice as many raster threads as cores, unless the user chose (LP_NUM_THREADS).

    Our renderer shares the cores with the encoder and with training; with one raster thread per core,
    a thread the OS pauses for them holds its tiles while the others sit idle. Read when a context is
    made (so it is set before one), ignored by GPU drivers; the count made is in ``Capabilities``.
    """
    os.environ.setdefault("LP_NUM_THREADS", str(min(2 * (os.cpu_count() or 1), 32)))


def create_headless_context(gpu: int | None = None) -> moderngl.Context:
    """An offscreen OpenGL context through EGL: no X server, GPU driver or Mesa's llvmpipe.

    ``gpu`` picks the EGL device (glcontext reads ``GLCONTEXT_DEVICE_INDEX``).
    """
    if gpu is not None:
        os.environ["GLCONTEXT_DEVICE_INDEX"] = str(int(gpu))
    release_current_glx()  # a window's context current on this thread would take the new one's calls
    spread_software_rasterizer()
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
