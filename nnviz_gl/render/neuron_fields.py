"""A field in every neuron: each hidden neuron's disc shows that neuron's own output over the plane.

All hidden neurons are evaluated at once, in one draw of the field shader's atlas variant
(``FieldPass.evaluate_atlas``), into one texture: a square tile per neuron, half the disc's pixel
diameter, the hidden neurons in order in a near-square grid. That happens once per uploaded snapshot (or new
bounds or layout), never per frame while a snapshot holds; the discs then sample their tiles in one
instanced draw over the network panel's plain discs, inside their outlines. The colours are those the
field panel's probe shows for the same neuron (its activation on -1..1 through the two-sided map).
"""

from __future__ import annotations

import math

import moderngl
import numpy as np

from .field_panel import FieldPanel
from .instanced import _InstancedPass
from .layout import FrameLayout, NetworkGeometry
from .panels import NetworkPanel, Panel
from .transforms import Rect

NEURON_FIELD_MIN_RADIUS = 9.0  # px: smaller discs (e.g. every network at 640x360) stay plain by default
MAX_TILE_SIDE = 64             # texels: larger discs are upsampled (the field is smooth)
# Texels per disc pixel along a tile: a neuron's field is as smooth as the model's, which the field panel
# draws from a third of its pixels; a half keeps a steep neuron's edge within a pixel or two of the probe's.
TILE_TEXELS_PER_PX = 0.5
MIN_TILE_SIDE = 16             # texels: small discs keep one per pixel


def neuron_fields_shown(enabled: bool | None, radius: float) -> bool:
    """Whether the discs show their fields: ``enabled`` when given, else when a disc is large enough to read."""
    return radius >= NEURON_FIELD_MIN_RADIUS if enabled is None else bool(enabled)


def atlas_grid(n_hidden: int) -> tuple[int, int]:
    """Tile columns and rows for ``n_hidden`` tiles: near-square, so few tiles are evaluated for nothing."""
    columns = max(1, math.ceil(math.sqrt(n_hidden)))
    return columns, max(1, math.ceil(n_hidden / columns))


def tile_side(radius: float, grid: tuple[int, int], max_texture: int) -> int:
    """Texels along a tile: half the disc's diameter (all of it below MIN_TILE_SIDE), even (a 2x2 block
    of fragments never spans two tiles), at most MAX_TILE_SIDE and so that the grid fits in a texture;
    0 when none fits."""
    diameter = 2 * max(1, math.ceil(radius))
    wanted = max(min(diameter, MIN_TILE_SIDE), math.ceil(diameter * TILE_TEXELS_PER_PX))
    side = min(MAX_TILE_SIDE, wanted, max_texture // max(grid))
    return max(0, side - side % 2)


class FieldDiscPass(_InstancedPass):
    """Discs textured with their tile of the atlas: per instance centre + radius (3), tile column, row (2)."""

    vertex_file = "neuron_fields.vert"
    fragment_file = "neuron_fields.frag"
    instance_layout = ((("in_disc", "in_tile"), "3f 2f", 5),)


class NeuronFieldsPanel(Panel):
    """Draws over the network panel's hidden neurons; paints no background of its own.

    ``enabled``: True always, False never, None (the default) when the discs' radius reaches
    NEURON_FIELD_MIN_RADIUS pixels. ``evaluations`` counts atlas evaluations (one per uploaded snapshot).
    """

    def __init__(self, ctx: moderngl.Context, network: NetworkPanel, field_panel: FieldPanel,
                 enabled: bool | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.network = network
        self.field_panel = field_panel
        self.enabled = enabled
        self.discs = FieldDiscPass(ctx)
        self.discs.program["u_atlas"] = 0
        self.atlas: moderngl.Texture | None = None
        self.framebuffer: moderngl.Framebuffer | None = None
        self.side = 0
        self.columns = 1
        self.dirty = True       # the atlas is out of date: a new snapshot, bounds or layout
        self.evaluations = 0
        self._geometry: NetworkGeometry | None = None
        self._valid = False     # the last evaluation drew (finite parameters, hidden layers)
        self._max_texture = int(ctx.info.get("GL_MAX_TEXTURE_SIZE", 8192))

    def region(self, lay: FrameLayout) -> Rect:
        return lay.network

    def place(self, lay: FrameLayout) -> None:
        super().place(lay)
        self.dirty = True

    @property
    def shown(self) -> bool:
        """Whether the last frame drew the fields into the discs."""
        geo = self.network.geometry
        return (geo is not None and self._valid and self.side > 0
                and neuron_fields_shown(self.enabled, geo.neuron_radius))

    def _wanted(self) -> bool:
        geo, arch = self.network.geometry, self.network.architecture
        return (geo is not None and arch is not None and len(arch.layer_sizes) >= 3
                and neuron_fields_shown(self.enabled, geo.neuron_radius))

    def prepare(self) -> None:
        # Evaluated here when the discs stay where they were (the usual new snapshot): before the field
        # panel's own evaluation, whose wait without the GIL then covers both (field_panel.py).
        snap = self.field_panel.snapshot
        if (self.dirty and self._wanted() and self.network.geometry is self._geometry and self.side > 0
                and snap is not None and snap.architecture == self.network.architecture):
            self._evaluate()

    def _evaluate(self) -> None:
        self._valid = self.field_panel.field.evaluate_atlas(self.field_panel.bounds, self.framebuffer, self.side,
                                                            self.columns)
        self.evaluations += 1
        self.dirty = False

    def draw(self, framebuffer: moderngl.Framebuffer, frame_size: tuple[int, int]) -> None:
        if not self._wanted():
            return
        geo = self.network.geometry
        if geo is not self._geometry:  # a new layout or architecture: placed by the network's restyle
            self._arrange(geo, self.network.architecture.layer_sizes)
        if self.side == 0:
            return
        if self.dirty:
            self._evaluate()
            framebuffer.use()
        if not self._valid:
            return  # non-finite parameters: the plain discs say so
        box = self.network.box()
        framebuffer.viewport = box.gl_viewport(frame_size[1])
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        self.atlas.use(0)
        self.discs.draw(box)

    def _arrange(self, geo: NetworkGeometry, sizes: tuple[int, ...]) -> None:
        """Tiles and disc instances for a new geometry; a new atlas only when its size changes."""
        n_hidden = sum(sizes[1:-1])
        self.columns, rows = atlas_grid(n_hidden)
        self.side = tile_side(geo.neuron_radius, (self.columns, rows), self._max_texture)
        self._geometry = geo
        self.dirty = True
        if self.side == 0:
            return
        size = (self.columns * self.side, rows * self.side)
        if self.atlas is None or self.atlas.size != size:
            self._release_atlas()
            self.atlas = self.ctx.texture(size, 4)
            self.atlas.filter = (moderngl.LINEAR, moderngl.LINEAR)
            self.atlas.repeat_x = self.atlas.repeat_y = False
            self.framebuffer = self.ctx.framebuffer(color_attachments=[self.atlas])
        layer = geo.neuron_layer
        is_hidden = (layer > 0) & (layer < len(sizes) - 1)
        tile = np.arange(n_hidden)  # the hidden neurons in order, as the shader's ATLAS_LOCATE counts them
        instances = np.zeros((n_hidden, 5), np.float32)
        instances[:, 0:2] = geo.neurons[is_hidden]
        instances[:, 2] = geo.neuron_radius
        instances[:, 3] = tile % self.columns
        instances[:, 4] = tile // self.columns
        self.discs.write(0, instances)
        self.discs.program["u_tile_side"] = float(self.side)
        # The network panel's outline (panels.NetworkPanel._neuron_discs) stays visible around the field.
        self.discs.program["u_outline"] = max(1.0, 2.0 * self.lay.unit)

    def _release_atlas(self) -> None:
        if self.framebuffer is not None:
            self.framebuffer.release()
        if self.atlas is not None:
            self.atlas.release()
        self.atlas = self.framebuffer = None

    def release(self) -> None:
        self._release_atlas()
        self.discs.release()
