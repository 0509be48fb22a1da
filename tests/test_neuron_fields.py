"""A field in every neuron, on real GL: hand-set hidden neurons show their halves in their discs, the
thumbnails are the probe's field at the same points, a new snapshot re-evaluates them without a compile
or a GL object, and small discs or --no-neuron-fields keep the plain discs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_scene import count_gl_objects

import nnviz_gl as nv
from nnviz_gl.render.field import FieldPass
from nnviz_gl.render.field_defines import sum_step
from nnviz_gl.render.frame import FrameRenderer
from nnviz_gl.render.neuron_fields import NEURON_FIELD_MIN_RADIUS, atlas_grid, tile_side
from nnviz_gl.render.style import DEFAULT_STYLE as STYLE
from nnviz_gl.render.transforms import data_to_pixels

SIZE = (1280, 720)  # discs of 14.7 px radius for a 2-3-1 network: fields on by default
# Four points in the corners fix the data bounds at -2.5..2.5 on both axes.
CORNERS = np.array([[-2.0, -2.0], [2.0, 2.0], [-2.0, 2.0], [2.0, -2.0]])
CORNER_LABELS = np.array([0, 1, 0, 1])
BOUNDS = (-2.5, 2.5, -2.5, 2.5)


def halves_net(sign: float = 1.0, epoch: int = 1) -> nv.Snapshot:
    """A 2-3-1 logistic network: hidden neuron 0 is sigmoid(20·x1), 1 sigmoid(20·x2), 2 a gentle slope."""
    w1 = np.array([[20.0 * sign, 0.0, 0.8], [0.0, 20.0 * sign, -0.5]])
    return nv.Snapshot(weights=[w1, np.array([[1.0], [-1.0], [0.5]])], biases=[np.array([0.0, 0.0, 0.3]), np.zeros(1)],
                       activation="logistic", epoch=epoch)


def map_end(side) -> np.ndarray:
    """The two-sided map at one end (a hidden neuron's activation at -1 or 1), in 0..255."""
    mid = np.array(STYLE.field_mid) * 255.0
    return mid + (np.array(side) * 255.0 - mid) * STYLE.field_strength


NEG, POS = map_end(STYLE.class0), map_end(STYLE.class1)


@pytest.fixture(autouse=True)
def _session_context_current(ctx):
    """render_frame (README examples, the API tests) leaves its own context current on this thread."""
    ctx.__enter__()


def make_renderer(ctx, size=SIZE, **kw) -> FrameRenderer:
    ctx.__enter__()
    r = FrameRenderer(size, ctx=ctx, **kw)
    r.set_data(CORNERS, CORNER_LABELS)
    return r


def release(renderer: FrameRenderer) -> None:
    renderer.ctx.detect_framebuffer(0).use()  # never leave a deleted framebuffer bound
    renderer.release()


@pytest.fixture(scope="module")
def renderer(ctx):
    r = make_renderer(ctx)
    yield r
    release(r)


def draw(renderer: FrameRenderer, snapshot: nv.Snapshot) -> np.ndarray:
    renderer.draw(snapshot)
    return renderer.read_rgb().astype(np.float64)


def disc_samples(renderer: FrameRenderer, frame: np.ndarray, neuron: int) -> dict[str, np.ndarray]:
    """The pixels at a disc's centre and half its radius left, right, up and down of it."""
    geo = renderer.scene.geometry
    cx, cy = geo.neurons[neuron]
    h = geo.neuron_radius / 2
    at = {"centre": (0, 0), "left": (-h, 0), "right": (h, 0), "up": (0, -h), "down": (0, h)}
    return {name: frame[int(cy + dy), int(cx + dx)] for name, (dx, dy) in at.items()}


def close(a: np.ndarray, b: np.ndarray, levels: float = 6.0) -> bool:
    return bool(np.abs(a - b).max() <= levels)


def test_a_neuron_of_x1_shows_left_and_right_halves_and_one_of_x2_top_and_bottom(renderer):
    frame = draw(renderer, halves_net())
    assert renderer.scene.neuron_fields.shown
    x1 = disc_samples(renderer, frame, 2)  # inputs are neurons 0 and 1
    assert close(x1["left"], NEG) and close(x1["right"], POS), x1
    assert close(x1["up"], x1["down"], 3) and not close(x1["up"], NEG, 30), x1  # x1 = 0 along the vertical
    x2 = disc_samples(renderer, frame, 3)
    assert close(x2["down"], NEG) and close(x2["up"], POS), x2  # data y grows upwards, pixels downwards
    assert close(x2["left"], x2["right"], 3) and not close(x2["left"], POS, 30), x2


def test_a_thumbnail_is_the_probes_full_size_field_at_the_same_points(renderer):
    snap = halves_net()
    renderer.scene.set_probe(None)
    frame = draw(renderer, snap)
    geo, lay = renderer.scene.geometry, renderer.scene.layout
    (cx, cy), r = geo.neurons[4], geo.neuron_radius  # hidden neuron 2 of layer 1, the gentle slope
    inner = r - max(1.0, 2.0 * lay.unit) - 1.0  # inside the outline and its anti-aliased edge
    cols, rows = np.meshgrid(np.arange(int(cx - r), int(cx + r) + 1), np.arange(int(cy - r), int(cy + r) + 1))
    off_x, off_y = cols + 0.5 - cx, rows + 0.5 - cy
    keep = np.hypot(off_x, off_y) <= inner
    xmin, xmax, ymin, ymax = BOUNDS
    data = np.column_stack([xmin + (0.5 + off_x[keep] / (2 * r)) * (xmax - xmin),
                            ymin + (0.5 - off_y[keep] / (2 * r)) * (ymax - ymin)])
    thumbnail = frame[rows[keep], cols[keep]]
    # The probe's field panel at those points, away from its zero line (drawn there) and the corner points.
    z = 0.8 * data[:, 0] - 0.5 * data[:, 1] + 0.3
    away = (np.abs(z) / np.hypot(0.8, 0.5) > 0.25) & (np.abs(data) < 1.6).all(axis=1)
    assert away.sum() > 100
    renderer.scene.set_probe((1, 2))
    try:
        probed = draw(renderer, snap)
    finally:
        renderer.scene.set_probe(None)
    px = data_to_pixels(data[away], renderer.scene.bounds, renderer.scene.field_panel.rect)
    full = probed[px[:, 1].astype(int), px[:, 0].astype(int)]
    diff = np.abs(thumbnail[away] - full).max(axis=1)
    assert np.percentile(diff, 95) <= 4 and diff.max() <= 10, (np.percentile(diff, 95), diff.max())
    assert np.ptp(thumbnail[away][:, 2]) > 40, "the neuron's slope shows across its disc"


def test_a_new_snapshot_updates_the_tiles_once_without_a_compile_or_a_gl_object(ctx, renderer, monkeypatch):
    draw(renderer, halves_net(epoch=1))
    scene = renderer.scene
    built, evaluations = scene.field.programs_built, scene.neuron_fields.evaluations
    calls = count_gl_objects(monkeypatch, ctx)
    frames = []
    for epoch, sign in ((2, -1.0), (3, 1.0), (4, -1.0)):
        frames.append(draw(renderer, halves_net(sign, epoch)))
        first = disc_samples(renderer, frames[-1], 2)
        left, right = (POS, NEG) if sign < 0 else (NEG, POS)  # the weights flipped: so did the halves
        assert close(first["left"], left) and close(first["right"], right), (epoch, first)
    assert scene.neuron_fields.evaluations == evaluations + 3, "one evaluation per uploaded snapshot"
    # Frames drawn while the snapshot holds do not evaluate the neurons again.
    for _ in range(3):
        scene.render(renderer.target.framebuffer, renderer.size)
    assert scene.neuron_fields.evaluations == evaluations + 3
    assert calls == dict.fromkeys(calls, 0), f"GL objects made while drawing new snapshots: {calls}"
    assert scene.field.programs_built == built


def test_no_neuron_fields_draws_the_plain_discs(ctx, renderer):
    snap = halves_net()
    plain = make_renderer(ctx, neuron_fields=False)
    try:
        frame = draw(plain, snap)
        assert not plain.scene.neuron_fields.shown
        for neuron in (2, 3):
            s = disc_samples(plain, frame, neuron)
            assert all(close(v, s["centre"], 1) for v in s.values()), s  # one fill: bias 0 is the map's middle
        with_fields = draw(renderer, snap)
        outside = np.ones(frame.shape[:2], bool)  # and nothing else of the frame changes
        geo = plain.scene.geometry
        for cx, cy in geo.neurons[2:5]:
            r = int(geo.neuron_radius) + 2
            outside[int(cy) - r:int(cy) + r + 1, int(cx) - r:int(cx) + r + 1] = False
        assert np.array_equal(frame[outside], with_fields[outside])
        assert not np.array_equal(frame, with_fields)
    finally:
        release(plain)


def test_a_diverged_model_shows_plain_discs_and_the_next_finite_one_its_fields(renderer):
    snap = halves_net()
    weights = [w.copy() for w in snap.weights]
    weights[0][0, 0] = np.nan
    diverged = nv.Snapshot(weights=weights, biases=snap.biases, activation="logistic", epoch=2)
    frame = draw(renderer, diverged)
    assert not renderer.scene.neuron_fields.shown
    s = disc_samples(renderer, frame, 3)  # a neuron of x2 only: its own field is finite, but not drawn
    assert close(s["up"], s["down"], 1)
    frame = draw(renderer, halves_net(epoch=3))
    s = disc_samples(renderer, frame, 3)
    assert renderer.scene.neuron_fields.shown and close(s["down"], NEG) and close(s["up"], POS), s


def wide(sizes: tuple[int, ...], seed: int = 0, epoch: int = 1) -> nv.Snapshot:
    rng = np.random.default_rng(seed)
    return nv.Snapshot(weights=[rng.normal(scale=1.5 / np.sqrt(a), size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
                       biases=[rng.normal(scale=0.3, size=b) for b in sizes[1:]], activation="tanh", epoch=epoch)


def test_small_discs_default_to_plain_and_can_be_asked_for(ctx):
    small = make_renderer(ctx, size=(640, 360))
    try:
        snap = wide((2, 64, 64, 1))
        small.draw(snap)
        assert small.scene.geometry.neuron_radius < NEURON_FIELD_MIN_RADIUS
        assert not small.scene.neuron_fields.shown and small.scene.neuron_fields.evaluations == 0
        small.scene.set_neuron_fields(True)
        small.draw(snap)
        assert small.scene.neuron_fields.shown and small.scene.neuron_fields.evaluations == 1
    finally:
        release(small)


@pytest.mark.parametrize("sizes, radius", [((2, 5, 10, 5, 1), 20.0), ((2, 256, 256, 1), 4.0)],
                         ids=["seed", "stepped-sums"])
def test_every_tile_of_the_atlas_is_that_neurons_probe(ctx, sizes, radius):
    """Each tile equals the probe variant evaluated over the same bounds at the tile's size, also for a
    network large enough that its sums are written out in steps (llvmpipe's loop limit)."""
    snap = wide(sizes, seed=3)
    if sizes[1] == 256:
        assert sum_step(sizes) > 1, "the case would not need stepped sums"
    hidden = sizes[1:-1]
    columns, rows = atlas_grid(sum(hidden))
    side = tile_side(radius, (columns, rows), 16384)
    field = FieldPass(ctx)
    atlas = ctx.texture((columns * side, rows * side), 4)
    fbo = ctx.framebuffer(color_attachments=[atlas])
    try:
        field.upload(snap)
        field.resize((side, side))
        assert field.evaluate_atlas(BOUNDS, fbo, side, columns)
        tiles = np.frombuffer(fbo.read(components=4), np.uint8).reshape(rows * side, columns * side, 4)
        first = dict(zip(range(1, len(hidden) + 1), np.cumsum((0, *hidden))))  # a layer's first tile
        rng = np.random.default_rng(0)
        picks = [(layer, j) for layer, n in enumerate(hidden, start=1)
                 for j in sorted({0, n - 1, *rng.integers(0, n, 3).tolist()})]
        for layer, j in picks:
            field.set_probe((layer, j))
            field.evaluate(BOUNDS)
            probe = np.frombuffer(field.framebuffer.read(components=4), np.uint8).reshape(side, side, 4)
            row, column = divmod(first[layer] + j, columns)
            tile = tiles[row * side:(row + 1) * side, column * side:(column + 1) * side]
            diff = np.abs(tile[..., :3].astype(int) - probe[..., :3].astype(int))
            assert diff.max() <= 1, (layer, j, diff.max())
            assert np.ptp(tile[..., :3]) > 0
    finally:
        ctx.detect_framebuffer(0).use()
        fbo.release()
        atlas.release()
        field.release()


def nnviz_gl() -> list[str]:
    script = Path(sys.executable).with_name("nnviz-gl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "nnviz_gl.cli"]


def test_render_draws_neuron_fields_by_default_and_not_with_no_neuron_fields(ctx, tmp_path):
    """`nnviz-gl render` at 854x480 (discs of 9.8 px for the seed's 5-10-5): the hidden discs are fields
    by default, one colour each with --no-neuron-fields."""
    from nnviz_gl.sinks.probe import read_frames

    run = tmp_path / "run.nnviz"
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(40, 2))
    with nv.TrajectoryWriter(run, X, (X[:, 0] > 0).astype(np.int64)) as writer:
        for epoch in (1, 2):
            writer.publish(wide((2, 5, 10, 5, 1), seed=epoch, epoch=epoch))
    frames = {}
    for name, extra in (("default", ()), ("plain", ("--no-neuron-fields",))):
        out = tmp_path / f"{name}.mp4"
        done = subprocess.run([*nnviz_gl(), "render", "--from", str(run), "-q", "m", "-o", str(out),
                               "--no-progress", "--crf", "12", *extra], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        frames[name] = read_frames(out)[-1].astype(np.float64)
    # Where the discs are: the recorded run's last snapshot and data drawn here at the same size.
    with nv.TrajectoryReader(run) as reader:
        here = FrameRenderer((1280, 720), ctx=ctx)
        try:
            here.set_data(*reader.data)
            here.draw(reader[len(reader) - 1])
            geo = here.scene.geometry
        finally:
            release(here)
    spread = {}
    for name, frame in frames.items():
        spreads = []
        for cx, cy in geo.neurons[2:22]:  # the 20 hidden neurons
            h = geo.neuron_radius * 0.6
            ring = [frame[int(cy + dy), int(cx + dx)] for dx, dy in ((-h, 0), (h, 0), (0, -h), (0, h))]
            spreads.append(np.ptp(np.array(ring), axis=0).max())
        spread[name] = np.array(spreads)
    assert (spread["plain"] <= 12).all(), spread  # one colour each, but for H.264's chroma near the edges
    assert (spread["default"] > 40).mean() >= 0.75, spread

