"""The field shader's specialisation for one architecture: its ``#define``s and its parameters' layout.

Numpy only. Layer sizes become compile-time constants (field.frag's ``MLP_LAYERS``); the parameters
are one float vector in the order the shader reads them.
"""

from __future__ import annotations

import math

import numpy as np

from ..features import glsl_inputs
from ..snapshot import Architecture, Snapshot, to_float32

PARAMS_TEXTURE_WIDTH = 1024  # matches the P(i) macro in field.frag


def pack_parameters(snapshot: Snapshot) -> np.ndarray:
    """All layers as one float32 vector: each layer's weights row-major (n_in x n_out), then its biases."""
    parts = []
    for w, b in zip(snapshot.weights, snapshot.biases):
        parts.append(w.reshape(-1))
        parts.append(b)
    return to_float32(np.concatenate(parts))


# Mesa's llvmpipe ends every loop of a shader invocation once 65,535 turns were taken in all loops
# together, so the field shader's loops are laid out to stay below that (with a margin).
LOOP_BUDGET = 60_000
STEPS_WRITTEN_OUT = (1, 2, 4, 8, 16, 32, 64, 128, 256)  # field.frag's SUM_<n> macros


class NetworkTooLargeError(ValueError):
    """A network whose field this driver cannot evaluate in one shader invocation; one line says why."""


def loop_turns(layer_sizes: tuple[int, ...], step: int) -> int:
    """Loop turns one fragment takes when each sum is written out ``step`` terms at a time.

    Per output neuron: its sum's turns, plus one each for the output loop, an empty inner loop, the
    activation loop and the probe's capture loop (counted whether or not they run, to stay on the safe side);
    then the multiclass colouring's four loops over the outputs. The neuron atlas's variant takes fewer:
    its one do-while turn, but it stops before the output layer (at least four turns per output neuron).
    """
    layers = sum(n_out * (4 + n_in // step) for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]))
    return layers + 4 * layer_sizes[-1]


def sum_step(layer_sizes: tuple[int, ...], loop_limit: bool = True) -> int:
    """How many terms of each sum one loop turn writes out: the fewest that keep the network within
    LOOP_BUDGET (1 for every usual network, whose shader stays the plain loops it always was).

    Beyond what the largest step can do: the largest step where loops have no limit (``loop_limit``
    False, a GPU), else :class:`NetworkTooLargeError`.
    """
    for step in STEPS_WRITTEN_OUT:
        if loop_turns(layer_sizes, step) <= LOOP_BUDGET:
            return step
    if not loop_limit:
        return STEPS_WRITTEN_OUT[-1]
    shape = "-".join(map(str, layer_sizes))
    raise NetworkTooLargeError(
        f"a {shape} network is too large to draw its field on this software renderer (it stops a "
        f"shader after 65,535 loop turns; this one needs {loop_turns(layer_sizes, STEPS_WRITTEN_OUT[-1]):,}): "
        "use fewer or narrower hidden layers, or a GPU")


def _written_out(n_in: int, n_out: int, offset: int, start: int) -> str:
    """The terms start..n_in-1 of a sum as SUM_<n> macros, largest first (at most one of each size)."""
    parts, left = [], n_in - start
    for size in reversed(STEPS_WRITTEN_OUT):
        if left >= size:
            parts.append(f"SUM_{size}({offset}, {n_out}, {start})")
            start, left = start + size, left - size
    return " ".join(parts)


def atlas_locate(hidden: tuple[int, ...]) -> str:
    """GLSL that turns the atlas tile index ``k`` into (probe_layer, probe_neuron): hidden neurons in order."""
    branches, first = [], 0
    for layer, n in enumerate(hidden, start=1):
        test = f"if (k < {first + n}) " if layer < len(hidden) else ""
        branches.append(f"{test}{{ probe_layer = {layer}; probe_neuron = k - {first}; }}")
        first += n
    return " else ".join(branches)


def field_defines(arch: Architecture, params_in_texture: bool, loop_limit: bool = True) -> dict[str, object]:
    """The compile-time specialisation of field.frag for one architecture."""
    sizes = arch.layer_sizes
    step = sum_step(sizes, loop_limit)
    layers, offset = [], 0
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        # The output layer keeps logits (z) for softmax and the value for regression: shade_* reads z.
        output_act = "act_logistic" if arch.output_activation == "logistic" else "act_identity"
        act = "HIDDEN_ACTIVATION" if i < len(sizes) - 2 else output_act
        if step == 1:
            layers.append(f"LAYER({i + 1}, {n_in}, {n_out}, {offset}, {act})")
        else:
            turns = n_in // step
            rest = _written_out(n_in, n_out, offset, turns * step)
            layers.append(f"LAYER_STEPS({i + 1}, {n_in}, {n_out}, {offset}, {act}, {step}, {turns}, {rest})")
        offset += n_in * n_out + n_out
    return {
        "ATLAS_LOCATE": atlas_locate(sizes[1:-1]),
        "N_PARAMS": offset,
        "N_VEC4": max(1, math.ceil(offset / 4)),
        "MAX_WIDTH": max(sizes),
        "HIDDEN_ACTIVATION": f"act_{arch.activation}",
        "HIDDEN_DISPLAY": f"show_{arch.activation}",
        "MLP_LAYERS": " ".join(layers),
        "INPUTS": glsl_inputs(arch.features),
        "OUTPUT_KIND": {"binary": 0, "multiclass": 1, "regression": 2}[arch.kind],
        "N_OUT": sizes[-1],
        "PARAMS_IN_TEXTURE": bool(params_in_texture),
        "PROBE": False,
        "COLOUR": True,
        "ATLAS": False,
    }
