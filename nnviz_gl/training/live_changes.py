"""Changing a run while it trains, as a playground's controls do: what keeps the weights and what cannot.

The step (learning rate), the L2 penalty (alpha) and the batch size apply from the next epoch to the
weights as they are: scikit-learn reads them at every ``partial_fit``, and Adam's moments are kept. A
change of the network's shape (hidden layers, activation, input features) starts a new network on the
same data; a change of the data (dataset, classes, noise, sample count, test share, problem kind) draws
new data and starts a new network (its output size may differ). Every change is checked as a whole
:class:`TrainingConfig` first, so a bad value changes nothing; a change of one's own data file (its
problem kind, its test share) reads the file as asked first, so one that cannot be read that way (text
labels as a regression, more than 10 values as classes) is refused before anything changes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .trainer import SklearnTrainer

KEEPS_WEIGHTS = ("learning_rate", "alpha", "batch_size")
NEW_NETWORK = ("hidden", "activation", "features")
NEW_DATA = ("dataset", "classes", "noise", "n_samples", "test_size", "problem")
CHANGEABLE = KEEPS_WEIGHTS + NEW_NETWORK + NEW_DATA


def checked_change(trainer: "SklearnTrainer", options: dict[str, Any]):
    """The config ``options`` would make, or a ValueError naming what is wrong (nothing is changed)."""
    return _checked(trainer, options)[0]


def _checked(trainer: "SklearnTrainer", options: dict[str, Any]):
    """(config, its new dataset if the file was read to check it, else None)."""
    unknown = sorted(set(options) - set(CHANGEABLE))
    if unknown:
        raise ValueError(f"cannot change {', '.join(unknown)} while training; changeable: {', '.join(CHANGEABLE)}")
    if not options:
        raise ValueError("no change given")
    config = replace(trainer.config, **options)
    if config.data_path is not None and set(options) & set(NEW_DATA):
        return config, config.make_dataset()
    return config, None


def apply_change(trainer: "SklearnTrainer", **options: Any) -> str:
    """Change the run (see the module docstring) and say in one line what happened."""
    config, dataset = _checked(trainer, options)
    shown = ", ".join(f"{name.replace('_', ' ')} {_show(getattr(config, name))}" for name in options)
    if set(options) & set(NEW_DATA):
        dataset = dataset if dataset is not None else config.make_dataset()  # before the config: it may fail
        trainer.config = config
        trainer.replace_data(dataset)
        return f"{shown}: new data and a new network"
    trainer.config = config
    if set(options) & set(NEW_NETWORK):
        trainer.reinitialize()
        return f"{shown}: a new network (the weights were reset)"
    model = trainer.model
    model.set_params(alpha=config.alpha, learning_rate_init=config.learning_rate,
                     batch_size="auto" if config.batch_size is None else config.batch_size)
    optimizer = getattr(model, "_optimizer", None)
    if optimizer is not None:  # made at the first epoch from learning_rate_init; Adam recomputes from it
        optimizer.learning_rate_init = config.learning_rate
        if hasattr(optimizer, "learning_rate") and model.solver == "sgd":
            optimizer.learning_rate = config.learning_rate
    return f"{shown} from the next epoch (weights kept)"


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value)) or "none"
    return "auto" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
