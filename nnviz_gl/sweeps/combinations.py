"""A sweep's runs: which training options vary, their combinations, each run's label and file name.

Values are Python values here (``nv.sweep(vary={"learning_rate": [0.01, 0.1]})``); the command line
parses its ``--vary NAME=v1,v2`` text with ``render``'s own option parsers first (commands/sweep.py).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..training.trainer import TrainingConfig

# option name on the command line -> TrainingConfig field; what --vary (and vary=) accepts
VARIABLES = {
    "dataset": "dataset", "samples": "n_samples", "noise": "noise", "test-size": "test_size",
    "hidden": "hidden", "activation": "activation", "alpha": "alpha", "learning-rate": "learning_rate",
    "epochs": "epochs", "seed": "seed", "problem": "problem", "classes": "classes", "features": "features",
    "batch-size": "batch_size",
}
_FIELD_NAMES = {field: name for name, field in VARIABLES.items()}
MAX_NAME_CHARS = 120  # a run's file name stays well inside any file system's 255 bytes


class SweepError(ValueError):
    """A sweep that cannot start (a bad variable, value or combination); one line."""


@dataclass
class Run:
    """One combination: its place in the sweep, its varied values, and the config it trains."""

    index: int
    values: dict[str, Any]  # option name (as on the command line) -> value
    config: TrainingConfig

    @property
    def label(self) -> str:
        """What varies, e.g. ``learning-rate=0.01 · activation=tanh`` (a tile's caption)."""
        return " · ".join(f"{name}={value_text(value)}" for name, value in self.values.items()) or "run"


def option_name(key: str) -> str:
    """``learning_rate``, ``learning-rate`` or ``n_samples`` -> the command line's name (learning-rate, samples)."""
    if key in _FIELD_NAMES:
        return _FIELD_NAMES[key]
    name = key.replace("_", "-")
    if name not in VARIABLES:
        raise SweepError(f"cannot vary {key!r}: a sweep varies {', '.join(VARIABLES)}")
    return name


def value_text(value: Any) -> str:
    """A value as a label and a file name show it: layer sizes and features joined by - and + (a comma
    separates a --vary list's values), numbers as Python writes them shortest."""
    if isinstance(value, (tuple, list)):
        if not value:
            return "none"
        joiner = "-" if all(isinstance(v, int) for v in value) else "+"
        return joiner.join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}" if float(f"{value:g}") == value else repr(value)
    return str(value)


def combinations(base: TrainingConfig, vary: Mapping[str, Sequence[Any]], *, zip_lists: bool = False) -> list[Run]:
    """Every run of the sweep, in order (the first variable changes slowest), each config checked now:
    a value TrainingConfig refuses is one line naming the run, before any training."""
    names = [option_name(key) for key in vary]
    if len(set(names)) != len(names):
        raise SweepError(f"a variable is given twice in {', '.join(names)}")
    lists = []
    for name, values in zip(names, vary.values()):
        values = list(values) if not isinstance(values, (str, bytes)) else [values]
        if not values:
            raise SweepError(f"{name} has no values to vary over")
        lists.append(values)
    if zip_lists:
        lengths = {name: len(values) for name, values in zip(names, lists)}
        if len(set(lengths.values())) > 1:
            said = ", ".join(f"{name} {n}" for name, n in lengths.items())
            raise SweepError(f"--zip pairs the lists value by value, so they need the same length; got {said}")
        rows = list(zip(*lists)) if lists else [()]
    else:
        rows = list(itertools.product(*lists))
    runs = []
    for index, row in enumerate(rows):
        values = dict(zip(names, row))
        changes = {VARIABLES[name]: value for name, value in values.items()}
        try:
            config = dataclasses.replace(base, **changes)
        except (ValueError, TypeError) as exc:
            label = " · ".join(f"{n}={value_text(v)}" for n, v in values.items())
            raise SweepError(f"run {label}: {exc}") from None
        runs.append(Run(index, values, config))
    return runs


def file_names(runs: Sequence[Run]) -> list[str]:
    """One ``.nnviz`` name per run, in sweep order when sorted: ``03-learning-rate=0.1_activation=tanh.nnviz``
    (characters a file name should not hold become _; the index keeps names distinct)."""
    width = len(str(max(len(runs) - 1, 0)))
    names = []
    for run in runs:
        body = "_".join(f"{name}={value_text(value)}" for name, value in run.values.items()) or "run"
        body = re.sub(r"[^A-Za-z0-9.=+,-]", "_", body)[:MAX_NAME_CHARS]
        names.append(f"{run.index:0{width}d}-{body}.nnviz")
    return names

