"""PyTorch models to :class:`~nnviz_gl.snapshot.Snapshot`: ``snapshot_from_torch(model, epoch=...)``.

Importing this module imports torch; nothing else in nnviz_gl does, so torch stays an optional extra.
What can be drawn is the network scikit-learn's ``MLPClassifier``/``MLPRegressor`` describes: a
``torch.nn.Sequential`` of ``Linear`` layers taking the input features (x1, x2 unless ``features``
names others), one activation kind between them (``ReLU``, ``Tanh``, ``Sigmoid`` or ``Identity``),
and an output that is one of:

- one unit, a logit (no final activation) or a ``Sigmoid``: a binary classifier, p = sigmoid(logit);
- k = 2..10 units, logits (no final activation) or a ``Softmax``: a classifier of k classes;
- one unit with ``problem="regression"``: the predicted value (no final activation).
"""

from __future__ import annotations

from typing import Any, Iterator

import torch
from torch import nn

from ..features import check_features
from ..snapshot import MAX_CLASSES, Snapshot

HIDDEN_ACTIVATIONS: dict[type, str] = {
    nn.ReLU: "relu",
    nn.Tanh: "tanh",
    nn.Sigmoid: "logistic",
    nn.Identity: "identity",
}
_ALLOWED = "Linear, ReLU, Tanh, Sigmoid, Identity"


class UnsupportedModelError(ValueError):
    """A model (or one of its layers) that the network and field panels cannot draw."""


PROBLEMS = ("classification", "regression")


def snapshot_from_torch(model: nn.Module, *, epoch: int, loss: Any = None, problem: str = "classification",
                        features: Any = None, classes: Any = None, **metrics: Any) -> Snapshot:
    """Copy a ``torch.nn.Sequential`` MLP's weights off its device into a :class:`Snapshot`.

    Weights are copied as float64 and transposed from torch's ``(out, in)`` to the ``(n_in, n_out)``
    layout of scikit-learn's ``coefs_``. ``loss`` and the metrics (``test_loss``, ``accuracy``,
    ``test_accuracy``) may be Python numbers or 0-d tensors. Raises :class:`UnsupportedModelError`
    naming the first layer (index and type) that cannot be drawn. ``classes`` names a classifier's
    outputs (its labels, as scikit-learn's ``classes_``).
    """
    if problem not in PROBLEMS:
        raise ValueError(f"problem must be one of {', '.join(PROBLEMS)}, got {problem!r}")
    features = check_features(features)
    linears, activations = _parse(model, len(features), problem)
    weights, biases = [], []
    with torch.no_grad():
        for path, linear in linears:
            if any(p.is_complex() for p in linear.parameters()):  # .double() would drop the imaginary part
                raise UnsupportedModelError(f"{_describe(path, linear)} has complex weights; real ones are drawn")
            weights.append(linear.weight.detach().cpu().double().numpy().T)
            if linear.bias is None:
                biases.append(torch.zeros(linear.out_features, dtype=torch.float64).numpy())
            else:
                biases.append(linear.bias.detach().cpu().double().numpy())
    metrics = {name: _number(value, name) for name, value in metrics.items()}
    return Snapshot(
        weights=weights,
        biases=biases,
        activation=_hidden_activation(activations, linears),
        epoch=_number(epoch, "epoch"),
        loss=_number(loss, "loss"),
        output_activation=_output_activation(linears[-1][1].out_features, problem),
        features=features,
        classes=None if classes is None else tuple(classes),
        **metrics,
    )


def _output_activation(outputs: int, problem: str) -> str:
    if problem == "regression":
        return "identity"
    return "logistic" if outputs == 1 else "softmax"


def _number(value: Any, name: str) -> Any:
    """A one-element tensor as a Python number, from any device; anything else as given (Snapshot checks it)."""
    if not isinstance(value, torch.Tensor):
        return value
    if value.numel() != 1:
        raise ValueError(f"{name} must be one number, got a tensor of shape {tuple(value.shape)}")
    return value.detach().cpu().item()


def _layers(module: nn.Module, prefix: str = "") -> Iterator[tuple[str, nn.Module]]:
    """Leaf layers in order, nested ``Sequential`` containers flattened, named by their path (``"2.1"``)."""
    for name, child in module.named_children():
        path = f"{prefix}{name}"
        if isinstance(child, nn.Sequential):
            yield from _layers(child, path + ".")
        else:
            yield path, child


def _describe(path: str, layer: nn.Module) -> str:
    return f"layer {path} ({type(layer).__name__})"


def _parse(model: nn.Module, n_inputs: int, problem: str
           ) -> tuple[list[tuple[str, nn.Linear]], list[list[tuple[str, nn.Module]]]]:
    """The Linear layers, and for each the activation layers that follow it (zero or one)."""
    if not isinstance(model, nn.Sequential):
        raise UnsupportedModelError(
            f"expected a torch.nn.Sequential of {_ALLOWED} layers, got {type(model).__name__}"
        )
    linears: list[tuple[str, nn.Linear]] = []
    activations: list[list[tuple[str, nn.Module]]] = []
    for path, layer in _layers(model):
        if type(layer) is nn.Linear:
            if nn.parameter.is_lazy(layer.weight):
                raise UnsupportedModelError(f"{_describe(path, layer)} has no weights yet: run one forward pass first")
            if linears and layer.in_features != linears[-1][1].out_features:
                raise UnsupportedModelError(
                    f"{_describe(path, layer)} takes {layer.in_features} inputs but the layer before it has "
                    f"{linears[-1][1].out_features} outputs"
                )
            linears.append((path, layer))
            activations.append([])
        elif type(layer) in HIDDEN_ACTIVATIONS or type(layer) is nn.Softmax:
            if not linears:
                raise UnsupportedModelError(f"{_describe(path, layer)} comes before the first Linear layer")
            if activations[-1]:
                first = activations[-1][0]
                raise UnsupportedModelError(
                    f"{_describe(path, layer)} follows {_describe(*first)}: one activation per Linear layer"
                )
            activations[-1].append((path, layer))
        else:
            raise UnsupportedModelError(f"{_describe(path, layer)} cannot be drawn; the layers drawn are {_ALLOWED}")
    if not linears:
        raise UnsupportedModelError(f"the model has no Linear layer; the layers drawn are {_ALLOWED}")
    first_path, first = linears[0]
    if first.in_features != n_inputs:
        raise UnsupportedModelError(
            f"{_describe(first_path, first)} takes {first.in_features} inputs; the field panel draws "
            f"{n_inputs} input features"
        )
    for (path, _), after in zip(linears[:-1], activations[:-1]):
        if after and type(after[0][1]) is nn.Softmax:
            raise UnsupportedModelError(f"{_describe(*after[0])} is a hidden activation; Softmax ends a classifier")
    _check_output(linears[-1], activations[-1], problem)
    return linears, activations


def _check_output(last: tuple[str, nn.Linear], after: list[tuple[str, nn.Module]], problem: str) -> None:
    """The last Linear and its activation: a binary, multiclass or regression output (module docstring)."""
    last_path, last_layer = last
    outputs = last_layer.out_features
    if problem == "regression":
        allowed, what = (nn.Identity,), "a regressor's output must be the last Linear's value (no activation)"
        if outputs != 1:
            raise UnsupportedModelError(f"{_describe(last_path, last_layer)} has {outputs} outputs; a regressor "
                                        "with 1 output is drawn")
    elif outputs == 1:
        allowed, what = (nn.Sigmoid, nn.Identity), "the output must be a logit (no activation, or Identity) or a Sigmoid"
    elif outputs <= MAX_CLASSES:
        allowed, what = (nn.Softmax, nn.Identity), "k outputs must be logits (no activation) or a Softmax"
    else:
        raise UnsupportedModelError(f"{_describe(last_path, last_layer)} has {outputs} outputs; classifiers of "
                                    f"2 to {MAX_CLASSES} classes are drawn")
    for path, layer in after:
        if type(layer) not in allowed:
            raise UnsupportedModelError(f"{_describe(path, layer)} is the output activation; {what}")


def _hidden_activation(activations: list[list[tuple[str, nn.Module]]], linears: list) -> str:
    """The one activation of the hidden layers; a missing activation between two Linears is Identity."""
    kinds: list[tuple[str, str]] = []
    for (path, linear), after in zip(linears[:-1], activations[:-1]):
        if after:
            kinds.append((HIDDEN_ACTIVATIONS[type(after[0][1])], _describe(*after[0])))
        else:
            kinds.append(("identity", f"{_describe(path, linear)}, with no activation after it,"))
    if not kinds:
        return "identity"  # a single Linear layer: logistic regression, no hidden layer
    first_kind, first_where = kinds[0]
    for kind, where in kinds[1:]:
        if kind != first_kind:
            raise UnsupportedModelError(
                f"{where} is {kind} but {first_where} is {first_kind}: all hidden layers must share one activation"
            )
    return first_kind
