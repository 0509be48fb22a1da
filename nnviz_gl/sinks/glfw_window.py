"""glfw for the live window: initialised once per process for any number of windows, and one window
with an OpenGL 3.3 core context; no display, or too old an OpenGL, is one clear error."""

from __future__ import annotations

import os
import sys

import glfw

from ..render.context import REQUIRED_GL, GLUnavailableError, spread_software_rasterizer


class NoDisplayError(GLUnavailableError):
    """There is no display to open a window on; the message says what to do instead."""


_glfw_users = 0


def glfw_acquire() -> None:
    """Initialise glfw once per process for any number of viewers; a missing display is one clear error."""
    global _glfw_users
    if _glfw_users == 0:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise NoDisplayError(_no_display("DISPLAY is not set"))
        errors: list[str] = []
        glfw.set_error_callback(lambda code, text: errors.append(text.decode() if isinstance(text, bytes) else str(text)))
        if not glfw.init():
            raise NoDisplayError(_no_display(errors[-1] if errors else "glfw could not initialise"))
    _glfw_users += 1


def glfw_release() -> None:
    global _glfw_users
    _glfw_users -= 1
    if _glfw_users == 0:
        glfw.terminate()


def _no_display(reason: str) -> str:
    return (f"no display to open a window on ({reason}); render a video instead with `nnviz-gl render`, "
            "or run under a virtual display: `xvfb-run -a nnviz-gl watch`")


def open_window(w: int, h: int, title: str, visible: bool):
    """A new window (not yet current) with an OpenGL 3.3 core, forward-compatible context."""
    glfw.default_window_hints()
    glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, REQUIRED_GL[0])
    glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, REQUIRED_GL[1])
    glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
    glfw.window_hint(glfw.OPENGL_FORWARD_COMPAT, True)
    glfw.window_hint(glfw.RESIZABLE, True)
    glfw.window_hint(glfw.SCALE_TO_MONITOR, True)  # the asked size is in screen units on HiDPI
    glfw.window_hint(glfw.VISIBLE, visible)
    errors: list[str] = []
    glfw.set_error_callback(lambda code, text: errors.append(text.decode() if isinstance(text, bytes) else str(text)))
    spread_software_rasterizer()
    window = glfw.create_window(w, h, title, None, None)
    if not window:
        reason = errors[-1] if errors else "no reason given"
        raise GLUnavailableError(
            f"could not open an OpenGL {REQUIRED_GL[0]}.{REQUIRED_GL[1]} core window ({reason}); the window "
            "needs OpenGL 3.3 core: update the graphics driver or Mesa, or use `nnviz-gl render` (headless)"
        )
    return window
