"""Nothing covers anything in the windows (real windows under Xvfb, their pixels read back): the replay's
timeline has its own strip below the neurons, the help is an opaque box with aligned columns, the
"saved ..." notice sits in the title bar, the status line below every neuron."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from window_helpers import FakeClock, settle

from nnviz_gl.render.glyph_atlas import item_bounds
from nnviz_gl.render.style import DEFAULT_STYLE as STYLE
from nnviz_gl.render.transforms import Rect

SIZE = (640, 400)


def hits_a_neuron(box: tuple[float, float, float, float], geo) -> bool:
    """Whether a (left, top, right, bottom) box reaches into any neuron's disc."""
    nearest_x = np.clip(geo.neurons[:, 0], box[0], box[2])
    nearest_y = np.clip(geo.neurons[:, 1], box[1], box[3])
    return bool((np.hypot(geo.neurons[:, 0] - nearest_x, geo.neurons[:, 1] - nearest_y) < geo.neuron_radius).any())


def rect_box(r: Rect) -> tuple[float, float, float, float]:
    return (r.x, r.y, r.x + r.w, r.y + r.h)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """A finished run of a tall network (16 neurons a layer: its bottom row reaches the panel's bottom)."""
    from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig
    from nnviz_gl.trajectory import TrajectoryWriter

    trainer = SklearnTrainer(TrainingConfig(n_samples=120, epochs=4, hidden=(16, 16), seed=3))
    d = trainer.dataset
    path = tmp_path_factory.mktemp("runs") / "tall.nnviz"
    with TrajectoryWriter(path, d.X_train, d.y_train, d.X_test, d.y_test) as writer:
        for _ in range(4):
            writer.publish(trainer.step())
    return path


@pytest.mark.parametrize("size", [SIZE, (1280, 720)])
def test_the_replay_timeline_covers_no_neuron(display, recorded, tmp_path, size) -> None:
    from nnviz_gl.replay import Replay
    from nnviz_gl.timeline import timeline_layout

    with Replay(recorded, size=size, vsync=False, output_dir=tmp_path, field_scale=None) as replay:
        replay.viewer.clock = FakeClock()
        replay.pause()
        replay.viewer.draw()
        scene = replay.viewer.scene
        geo, line = scene.geometry, timeline_layout(scene.layout)
        timeline = replay._timeline.rect
        assert not hits_a_neuron(rect_box(timeline), geo), "the timeline's bar lies over neurons"
        assert not hits_a_neuron(rect_box(line.grab), geo), "the timeline's grab band lies over neurons"
        for item in replay.overlay_items():  # its labels and the status line
            assert not hits_a_neuron(item_bounds(scene.text.atlas, item), geo), item.text


@pytest.fixture(scope="module")
def live(display, tmp_path_factory):
    """A window with a tall network and real training behind it, paused."""
    from test_window import live_window

    for viewer, _, _ in live_window(tmp_path_factory, hidden=(16, 16)):
        yield viewer


def test_the_status_line_and_a_notice_cover_no_neuron(live) -> None:
    viewer = live
    settle(viewer)
    scene, atlas = viewer.scene, viewer.scene.text.atlas
    for item in viewer.hud.items():
        assert not hits_a_neuron(item_bounds(atlas, item), scene.geometry), item.text
    before = settle(viewer)
    viewer.hud.notify("saved /tmp/some/where/nnviz-0001.png")
    viewer.hud._message_until = float("inf")  # settle() moves its clock a second past the last frame each time
    after = settle(viewer)
    notice = [i for i in scene.title.labels() if i.text.startswith("saved")]
    assert len(notice) == 1
    box = item_bounds(atlas, notice[0])
    assert not hits_a_neuron(box, scene.geometry)
    t = scene.layout.title
    assert t.y <= box[1] and box[3] <= t.y + t.h, "the notice lies in the title bar"
    changed = np.any(before != after, axis=-1)
    rows = np.flatnonzero(changed.any(axis=1))
    assert rows.size and rows.max() <= t.y + t.h, "the notice changed pixels outside the title bar"
    viewer.hud._message_until = 0.0  # its time is up
    viewer.hud.invalidate()
    assert np.array_equal(settle(viewer)[: int(t.y + t.h)], before[: int(t.y + t.h)])


def test_the_help_is_an_opaque_box_with_aligned_columns(live) -> None:
    import glfw

    viewer = live
    viewer.on_key(glfw.KEY_H, glfw.PRESS)
    try:
        rgb = settle(viewer)
        box, items = viewer.hud.help_box, viewer.hud.help_items
        assert box is not None and items
        atlas = viewer.scene.text.atlas
        x0, y0, x1, y1 = int(box.x) + 1, int(box.y) + 1, int(box.x + box.w) - 1, int(box.y + box.h) - 1
        inside = np.ones((y1 - y0, x1 - x0), bool)
        for item in items:  # leave the help's own text out
            left, top, right, bottom = item_bounds(atlas, item)
            inside[max(0, int(top) - 1 - y0):max(0, int(np.ceil(bottom)) + 1 - y0),
                   max(0, int(left) - 1 - x0):max(0, int(np.ceil(right)) + 1 - x0)] = False
        pixels = rgb[y0:y1, x0:x1][inside].astype(float)
        assert inside.mean() > 0.3
        assert pixels.std(axis=0).max() < 2.0, "edges, neurons or other text show through the help box"
        assert np.abs(pixels.mean(axis=0) - np.array(STYLE.background) * 255).max() < 2.0
        # Two columns: every key starts at one x, every description at another, right of the widest key.
        keys = {round(i.x) for i in items if i.color[:3] == STYLE.text and i.text in ("space", "h", "s")}
        descriptions = {round(i.x) for i in items if "pause" in i.text or "this help" in i.text}
        assert len(keys) == 1 and len(descriptions) == 1 and descriptions.pop() > keys.pop()
    finally:
        viewer.on_key(glfw.KEY_H, glfw.PRESS)
    settle(viewer)
    assert viewer.hud.help_box is None and not viewer.scene.panels[-1].shown
