"""The network panel's names for its ends: each input neuron's feature, each output of a multiclass model's
class (in its palette colour). Numpy and text items only; the panel keeps room for them beside the neurons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..snapshot import Snapshot
from .layout import NetworkGeometry
from .style import Style
from .text import TextItem

Measure = Callable[[str, float], tuple[float, float]]  # (text, size px) -> (width, height) px

NETWORK_PAD_X = 40.0  # layout.network_geometry's margin beside the first and last layer, in units
NAME_GAP = 6.0        # between a neuron's edge and its name, in units
MAX_NAME_EM = 6.0     # an output's class name wider than this many label sizes is cut short


def display_class_names(snapshot: Snapshot) -> tuple[str, ...]:
    """What the frame and the window call each class: a string label as it is, a number as "class 1"
    (so a model fitted on 0 and 1 reads the same as one without labels: "class 0", "class 1")."""
    labels = snapshot.classes if snapshot.classes is not None else range(snapshot.architecture.n_classes)
    return tuple(label if isinstance(label, str) else f"class {label}" for label in labels)


def fit_name(name: str, measure: Measure | None, size_px: float, max_em: float) -> str:
    """``name``, cut short with "..." to at most ``max_em`` label sizes wide."""
    if measure is None:
        return name
    limit = max_em * size_px
    if measure(name, size_px)[0] <= limit:
        return name
    for end in range(len(name) - 1, 0, -1):
        if measure(name[:end] + "...", size_px)[0] <= limit:
            return name[:end] + "..."
    return "..."


@dataclass(frozen=True)
class NeuronNames:
    inputs: tuple[str, ...]           # one per input neuron: its feature ("x1", "sin(x1)", ...)
    outputs: tuple[str, ...]          # one per output neuron of a multiclass model; empty otherwise
    output_colors: tuple[tuple[float, float, float], ...]


def neuron_names(snapshot: Snapshot, style: Style, measure: Measure | None, size_px: float) -> NeuronNames:
    arch = snapshot.architecture
    outputs: tuple[str, ...] = ()
    if arch.kind == "multiclass":
        outputs = tuple(fit_name(n, measure, size_px, MAX_NAME_EM) for n in display_class_names(snapshot))
    return NeuronNames(tuple(arch.features), outputs, tuple(style.palette[: len(outputs)]))


def neuron_labels(geometry: NetworkGeometry | None, names: NeuronNames | None, style: Style, unit: float,
                  size_px: float) -> list[TextItem]:
    """Inputs' names left of them, outputs' names right of them, vertically centred on the neuron."""
    if geometry is None or names is None:
        return []
    gap = geometry.neuron_radius + NAME_GAP * unit
    items = [TextItem(name, float(x) - gap, float(y), size_px, (*style.text, 1.0), anchor="right",
                      baseline="middle") for name, (x, y) in zip(names.inputs, geometry.neurons[: len(names.inputs)])]
    if names.outputs:
        last = geometry.neurons[-len(names.outputs):]
        items += [TextItem(name, float(x) + gap, float(y), size_px, (*color, 1.0), anchor="left", baseline="middle")
                  for name, color, (x, y) in zip(names.outputs, names.output_colors, last)]
    return items
