"""Shared fixtures. The GL context is made here and only here (through nnviz_gl's own factory)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def ctx():
    from nnviz_gl.render.context import create_headless_context

    context = create_headless_context()
    yield context
    context.release()


@pytest.fixture(autouse=True)
def _no_gl_error_left_behind(request):
    """Fail a test that leaves a GL error behind (only for tests that use the context)."""
    yield
    if "ctx" in request.fixturenames:
        context = request.getfixturevalue("ctx")
        assert context.error == "GL_NO_ERROR", f"test left a GL error behind: {context.error}"
