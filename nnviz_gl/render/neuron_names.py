"""The network panel's names for its ends: each input neuron's feature, each output of a multiclass model's
class (in its palette colour, lightened where it is too dark to read on the panel). Numpy and text items
only; the panel keeps room for them beside the neurons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..snapshot import Snapshot
from .layout import NetworkGeometry
from .style import Style
from .text import TextItem

Measure = Callable[[str, float], tuple[float, float]]  # (text, size px) -> (width, height) px

NETWORK_PAD_X = 40.0  # layout.network_geometry's margin beside the first and last layer, in units
NAME_GAP = 6.0        # between a neuron's edge and its name, in units
MAX_NAME_EM = 6.0     # an output's class name wider than this many label sizes is cut short


def relative_luminance(color) -> float:
    c = np.asarray(color, np.float64)
    return float(np.dot(np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4), (0.2126, 0.7152, 0.0722)))


def readable_on_dark(color: tuple[float, float, float], min_luminance: float = 0.15) -> tuple[float, float, float]:
    """``color`` mixed towards white just enough to read on the dark panel (the palette's dark classes)."""
    rgb = np.asarray(color, np.float64)
    for k in np.linspace(0.0, 1.0, 21):
        if relative_luminance(rgb * (1 - k) + k) >= min_luminance:
            return tuple(float(c) for c in rgb * (1 - k) + k)
    return (1.0, 1.0, 1.0)


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
    colors = tuple(readable_on_dark(c) for c in style.palette[: len(outputs)])
    return NeuronNames(tuple(arch.features), outputs, colors)


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
