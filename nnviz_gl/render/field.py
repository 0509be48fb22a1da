"""The field pass: the MLP evaluated per fragment into a texture (field_composite.py draws it into its panel)."""

from __future__ import annotations

import math

import moderngl
import numpy as np

from ..snapshot import Architecture, Snapshot
from .capabilities import Capabilities, capabilities
from .field_defines import PARAMS_TEXTURE_WIDTH, NetworkTooLargeError, field_defines, pack_parameters
from .gl_calls import color_texture
from .shaders import load_program
from .style import DEFAULT_STYLE, Style


def release_variants(variants: dict[object, tuple[moderngl.Program, moderngl.VertexArray]]) -> None:
    """Free a pass's compiled shader variants (program and vertex array each) and forget them."""
    for program, vao in variants.values():
        vao.release()
        program.release()
    variants.clear()


class FieldPass:
    """Evaluates the model at every texel of its texture: the colour-mapped probability and, in alpha,
    the distance to the decision boundary (RGBA8: the cheapest texture to upsample on llvmpipe).
    Into a framebuffer of one's own, ``evaluate`` writes the raw (probability, logit) floats instead.

    Specialised per architecture (layer sizes are compile-time constants, far faster on a software
    renderer than a generic loop); weights are uniform or texture writes, so a new snapshot never
    recompiles. Showing one hidden neuron (``set_probe``) uses a second variant of the same shader,
    compiled on first use and kept, so that the plain field never pays for the probe's bookkeeping;
    every hidden neuron's field at once (``evaluate_atlas``) a third. ``programs_built`` counts them all.
    """

    def __init__(self, ctx: moderngl.Context, style: Style = DEFAULT_STYLE, *,
                 caps: Capabilities | None = None) -> None:
        self.ctx = ctx
        self.style = style
        caps = caps or capabilities(ctx)
        self.storage = caps.frame_storage  # of the colour texture
        self.compiles = 0          # architecture specialisations
        self.programs_built = 0    # shader programs linked (every variant of every specialisation)
        self.probe: tuple[int, int] | None = None
        self.value_range: tuple[float, float] = (-1.0, 1.0)  # a regression's values at the map's ends
        self._arch: Architecture | None = None
        self._defines: dict[str, object] = {}
        self._variants: dict[tuple[bool, bool, bool], tuple[moderngl.Program, moderngl.VertexArray]] = {}
        self._program: moderngl.Program | None = None
        self._vao: moderngl.VertexArray | None = None
        self._params_tex: moderngl.Texture | None = None
        self._params = np.zeros(0, np.float32)
        self._valid = True
        limit = int(ctx.info.get("GL_MAX_FRAGMENT_UNIFORM_COMPONENTS", 1024)) // 4
        self._max_uniform_vec4 = max(64, min(limit - 64, 1024))
        self._max_texture_rows = int(ctx.info.get("GL_MAX_TEXTURE_SIZE", 16384))
        self._loop_limit = caps.shader_loop_limit
        self.texture: moderngl.Texture | None = None
        self.framebuffer: moderngl.Framebuffer | None = None

    def upload(self, snapshot: Snapshot) -> None:
        """Write this snapshot's parameters; compile only when the architecture differs."""
        arch = snapshot.architecture
        if arch != self._arch:
            self._specialise(arch)
        params = pack_parameters(snapshot)
        # A model with a non-finite parameter has no meaningful field (and clamp/max would turn NaN
        # into plausible numbers on some drivers): evaluate() marks it invalid instead.
        self._valid = bool(np.isfinite(params).all())
        self._params[: params.size] = params
        self._write_params()

    def _write_params(self) -> None:
        if self._params_tex is not None:
            self._params_tex.write(self._params.tobytes())
        else:
            # A variant that never reads the last layers (the atlas of a one-hidden-layer network) has a
            # shorter array: the compiler drops the unread end.
            uniform = self._program["u_params"]
            uniform.write(self._params[: uniform.array_length * 4].tobytes())

    def _specialise(self, arch: Architecture) -> None:
        n_params = sum(a * b + b for a, b in zip(arch.layer_sizes[:-1], arch.layer_sizes[1:]))
        in_texture = math.ceil(n_params / 4) > self._max_uniform_vec4
        rows = math.ceil(n_params / PARAMS_TEXTURE_WIDTH)
        if rows > self._max_texture_rows:
            raise NetworkTooLargeError(
                f"a {'-'.join(map(str, arch.layer_sizes))} network has {n_params:,} parameters, more than "
                f"this GPU's largest texture holds ({self._max_texture_rows * PARAMS_TEXTURE_WIDTH:,}): "
                "use fewer or narrower hidden layers")
        defines = field_defines(arch, in_texture, loop_limit=self._loop_limit)
        self._release_programs()
        self._defines = defines
        self._arch = arch
        self.probe = None
        if in_texture:
            self._params_tex = self.ctx.texture((PARAMS_TEXTURE_WIDTH, rows), 1, dtype="f4")
            self._params_tex.filter = (moderngl.NEAREST, moderngl.NEAREST)
            self._params = np.zeros(PARAMS_TEXTURE_WIDTH * rows, np.float32)
        else:
            self._params = np.zeros(int(self._defines["N_VEC4"]) * 4, np.float32)
        self._use_variant(probing=False)
        self.compiles += 1

    def _use_variant(self, probing: bool, colour: bool = True, atlas: bool = False) -> None:
        """Switch to (and on first use compile) the probe, raw-output or atlas variant of this architecture."""
        key = (probing, colour, atlas)
        if key not in self._variants:
            program = load_program(self.ctx, "fullscreen.vert", "field.frag",
                                   {**self._defines, "PROBE": probing, "COLOUR": colour, "ATLAS": atlas})
            self.programs_built += 1
            if self._params_tex is not None:
                program["u_params_tex"] = 1
            if colour:
                palette = np.array(self.style.palette, np.float32)
                for name, value in (("u_color_neg", self.style.class0), ("u_color_mid", self.style.field_mid),
                                    ("u_color_pos", self.style.class1), ("u_strength", self.style.field_strength),
                                    ("u_palette", palette.tobytes()), ("u_value_range", self.value_range)):
                    if name in program:  # a variant uses only its kind's uniforms
                        if isinstance(value, bytes):
                            program[name].write(value)
                        else:
                            program[name] = value
            self._variants[key] = (program, self.ctx.vertex_array(program, []))
        self._program, self._vao = self._variants[key]
        if self._params_tex is None and self._params.size:
            self._write_params()
        if probing:
            self._program["u_probe_layer"] = self.probe[0]
            self._program["u_probe_neuron"] = self.probe[1]

    def _release_programs(self) -> None:
        release_variants(self._variants)
        if self._params_tex is not None:
            self._params_tex.release()
            self._params_tex = None

    def release(self) -> None:
        self._release_programs()
        for obj in (self.framebuffer, self.texture):
            if obj is not None:
                obj.release()
        self._program = self._vao = self.framebuffer = self.texture = None
        self._arch = None

    def set_value_range(self, low: float, high: float) -> None:
        """A regression's colour map: ``low`` at one end, ``high`` at the other (a uniform write)."""
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"a value range needs finite low < high, got {low!r}, {high!r}")
        self.value_range = (float(low), float(high))
        for program, _ in self._variants.values():
            if "u_value_range" in program:
                program["u_value_range"] = self.value_range

    def set_probe(self, neuron: tuple[int, int] | None) -> None:
        """Show one neuron's own output instead of the model's: (layer, index), layer 1 = first hidden.

        ``None`` (or an input or the output neuron) goes back to the model's output. Never a
        recompile after the first probe of an architecture; switching neurons is a uniform write.
        """
        if self._program is None:
            raise RuntimeError("FieldPass.set_probe before any snapshot was uploaded")
        sizes = self._arch.layer_sizes
        if neuron is not None:
            layer, index = int(neuron[0]), int(neuron[1])
            if not (0 <= layer < len(sizes) and 0 <= index < sizes[layer]):
                raise ValueError(f"no neuron {index} in layer {layer} of a {'-'.join(map(str, sizes))} network")
            neuron = None if layer == 0 or layer == len(sizes) - 1 else (layer, index)
        self.probe = neuron
        self._use_variant(probing=neuron is not None)

    @property
    def valid(self) -> bool:
        """False when the last snapshot had a NaN or infinite parameter (drawn as such, not evaluated)."""
        return self._valid

    def resize(self, size: tuple[int, int]) -> None:
        """(Re)allocate the field texture; only when the output size changes, never per frame."""
        size = (max(1, int(size[0])), max(1, int(size[1])))
        if self.texture is not None and self.texture.size == size:
            return
        old = (self.framebuffer, self.texture)
        self.texture = color_texture(self.ctx, size, self.storage)
        self.texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.texture.repeat_x = self.texture.repeat_y = False
        self.framebuffer = self.ctx.framebuffer(color_attachments=[self.texture])
        # Bind the new one before deleting the old, so GL is never left with a deleted framebuffer bound.
        self.framebuffer.use()
        for obj in old:
            if obj is not None:
                obj.release()

    def evaluate(self, bounds: tuple[float, float, float, float], target: moderngl.Framebuffer | None = None,
                 first_class: int = 0) -> None:
        """Fill the own texture (what the frame shows) with the field over data ``bounds``; or fill
        ``target``, a float framebuffer, with the raw outputs at each pixel centre: (probability, logit)
        of a binary model, the value of a regressor, the probabilities of classes ``first_class`` to
        ``first_class + 3`` of a multiclass one."""
        if self._program is None:
            raise RuntimeError("FieldPass.evaluate before any snapshot was uploaded")
        raw = target is not None
        if not self._valid:
            if raw:
                target.clear(-1.0, 0.0, 0.0, 0.0)  # probability -1: "no field"
            return
        self._use_variant(probing=self.probe is not None, colour=not raw)
        if raw and "u_first_class" in self._program:
            self._program["u_first_class"] = int(first_class)
        self._draw_over(bounds, target or self.framebuffer)
        if raw:
            self._use_variant(probing=self.probe is not None, colour=True)

    def evaluate_atlas(self, bounds: tuple[float, float, float, float], target: moderngl.Framebuffer,
                       tile_side: int, columns: int) -> bool:
        """Every hidden neuron's own field over data ``bounds``, coloured as its probe shows it, in one
        draw into ``target``: a square tile of ``tile_side`` texels per neuron, ``columns`` tiles a row,
        the hidden neurons in order (layer by layer) from the bottom-left; tiles past the last neuron
        hold nothing meaningful. False, and nothing drawn, for a model with non-finite parameters or
        without hidden layers."""
        if self._program is None:
            raise RuntimeError("FieldPass.evaluate_atlas before any snapshot was uploaded")
        if not self._valid or len(self._arch.layer_sizes) < 3:
            return False
        self._use_variant(probing=False, atlas=True)
        self._program["u_tile_side"] = int(tile_side)
        self._program["u_tile_columns"] = int(columns)
        self._draw_over(bounds, target)
        self._use_variant(probing=self.probe is not None)
        return True

    def _draw_over(self, bounds: tuple[float, float, float, float], target: moderngl.Framebuffer) -> None:
        """The current variant over data ``bounds``, filling all of ``target``."""
        xmin, xmax, ymin, ymax = bounds
        self._program["u_data_origin"] = (xmin, ymin)
        self._program["u_data_span"] = (xmax - xmin, ymax - ymin)
        target.use()
        target.viewport = (0, 0, *target.size)
        if self._params_tex is not None:
            self._params_tex.use(1)
        self.ctx.disable(moderngl.BLEND)
        self._vao.render(moderngl.TRIANGLES, vertices=3)
