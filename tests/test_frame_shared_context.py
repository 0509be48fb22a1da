"""A FrameRenderer in a context it shares (a test's, a user's): made and released one after another
without GL errors, and releasing frees every GL object it made."""

from __future__ import annotations

import moderngl

from nnviz_gl.render.frame import FrameRenderer
from nnviz_gl.render.yuv import yuv420_frame_bytes


def test_renderers_made_one_after_another_in_a_shared_context(ctx, xor_points, small_tanh_snapshot):
    """Releasing a renderer in a context it shares must not leave a deleted framebuffer bound: the
    next GL object moderngl makes would fail (the conftest fixture checks for the GL error)."""
    for size in ((128, 72), (96, 64)):
        renderer = FrameRenderer(size, ctx=ctx)
        renderer.set_data(*xor_points)
        renderer.draw(small_tanh_snapshot)
        renderer.read_yuv420_into(bytearray(yuv420_frame_bytes(size)))
        renderer.release()
        assert ctx.error == "GL_NO_ERROR"
    leftover = ctx.framebuffer(color_attachments=[ctx.texture((8, 8), 4)])
    assert ctx.error == "GL_NO_ERROR"
    leftover.color_attachments[0].release()
    leftover.release()


def _gl_objects(root, seen=None) -> list:
    """Every moderngl object reachable from ``root``'s attributes (lists, tuples, dicts included)."""
    seen = set() if seen is None else seen
    found = []
    if id(root) in seen:
        return found
    seen.add(id(root))
    if isinstance(root, (moderngl.Buffer, moderngl.Texture, moderngl.Framebuffer, moderngl.Renderbuffer,
                         moderngl.Program, moderngl.VertexArray)):
        return [root]
    if isinstance(root, (list, tuple)):
        children = list(root)
    elif isinstance(root, dict):
        children = list(root.values())
    elif hasattr(root, "__dict__") and type(root).__module__.startswith("nnviz_gl"):
        children = [v for k, v in vars(root).items() if k != "ctx"]
    else:
        return found
    for child in children:
        found += _gl_objects(child, seen)
    return found


def test_a_renderer_in_a_shared_context_frees_every_gl_object_it_made(ctx, xor_points,
                                                                      small_tanh_snapshot):
    renderer = FrameRenderer((128, 72), ctx=ctx)
    renderer.set_data(*xor_points)
    renderer.draw(small_tanh_snapshot)
    renderer.read_yuv420_into(bytearray(yuv420_frame_bytes((128, 72))))
    made = _gl_objects(renderer)
    assert len(made) > 20, "the walk found the scene's objects"
    renderer.release()
    left = [obj for obj in made if not isinstance(obj.mglo, moderngl.InvalidObject)]
    assert left == []
