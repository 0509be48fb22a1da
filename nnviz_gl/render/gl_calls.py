"""GL entry points moderngl does not offer, called through ctypes: waits with the GIL released,
batch flushes, BGRA storage and read-back. Each says what it does where ctypes cannot reach GL."""

from __future__ import annotations

import ctypes

import moderngl

from .context import GLUnavailableError, library

GL_TEXTURE_2D = 0x0DE1
GL_RGBA, GL_BGRA, GL_UNSIGNED_BYTE = 0x1908, 0x80E1, 0x1401


def _gl_function(name: str):  # a ctypes function, or None
    gl = library("GL", "libGL.so.1") or library("OpenGL", "libOpenGL.so.0")
    return getattr(gl, name, None)


def available() -> bool:
    """Whether GL's entry points are reachable through ctypes here (else moderngl does it all)."""
    return all(_gl_function(name) is not None for name in
               ("glFinish", "glFlush", "glBindTexture", "glTexImage2D", "glReadPixels"))


def finish_without_gil() -> bool:
    """glFinish on this thread's current context, with the GIL released while it waits.

    moderngl holds the GIL for the whole of every call, and a call that has to wait for the GL (a
    read-back; on a software renderer also sampling a texture still being drawn) waits with it held:
    training, the video writer and every other Python thread stall behind the renderer. ctypes
    releases the GIL around a foreign call, so finishing here first leaves moderngl nothing to wait for.
    Returns False where no GL library loads through ctypes (then moderngl waits as before).
    """
    finish = _gl_function("glFinish")
    if finish is None:
        return False
    finish()
    return True


def flush_batch() -> bool:
    """glFlush: what was drawn so far goes to the driver as a batch of its own (llvmpipe bins and
    rasterises each batch apart; it does not wait for it). False where ctypes cannot reach GL."""
    flush = _gl_function("glFlush")
    if flush is None:
        return False
    flush()
    return True


def build_mipmaps_without_gil(texture: moderngl.Texture) -> None:
    """``texture.build_mipmaps()`` with the GIL released (ctypes), for the same reason as above.

    The first mipmap build in a process may compile a shader (llvmpipe JIT-compiles one), during which
    training and the rest of start-up would wait behind moderngl.
    """
    generate = _gl_function("glGenerateMipmap")
    if generate is None:
        texture.build_mipmaps()
        return
    texture.use(0)
    generate(GL_TEXTURE_2D)


def color_texture(ctx: moderngl.Context, size: tuple[int, int], storage: str) -> moderngl.Texture:
    """An 8-bit RGBA texture to draw into, stored as ``storage`` says ("bgra" or "rgba";
    :attr:`Capabilities.frame_storage`).

    Mesa's llvmpipe copies a texture stretched into a rectangle on its 8-bit linear path only from
    and to BGRA storage, and reads BGRA back at memcpy speed. GL has no sized BGRA format: asking for
    the unsized ``GL_RGBA`` with BGRA data is how a driver is told. Colours in shaders are the same.
    """
    texture = ctx.texture(size, 4)
    if storage == "bgra":
        _gl_function("glBindTexture")(GL_TEXTURE_2D, texture.glo)
        _gl_function("glTexImage2D")(GL_TEXTURE_2D, 0, GL_RGBA, int(size[0]), int(size[1]), 0, GL_BGRA,
                                     GL_UNSIGNED_BYTE, None)
    elif storage != "rgba":
        raise ValueError(f"storage must be 'bgra' or 'rgba', got {storage!r}")
    return texture


def read_bgra_into(framebuffer: moderngl.Framebuffer, buffer) -> None:
    """The framebuffer's pixels as BGRA bytes (bottom row first) into ``buffer``, with the GIL released.

    moderngl reads only RGBA (and waits for the GL holding the GIL); see :func:`color_texture` for why BGRA.
    """
    read = _gl_function("glReadPixels")
    w, h = framebuffer.size
    if read is None:
        raise GLUnavailableError("glReadPixels is not reachable through ctypes; read RGBA instead")
    view = memoryview(buffer).cast("B")
    if view.readonly or view.nbytes < w * h * 4:
        raise ValueError(f"buffer must be writable and hold {w * h * 4} bytes, it is {view.nbytes}")
    framebuffer.use()
    read(0, 0, w, h, GL_BGRA, GL_UNSIGNED_BYTE, (ctypes.c_char * view.nbytes).from_buffer(view))


