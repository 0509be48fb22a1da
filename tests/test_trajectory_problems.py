"""Trajectory files of every problem kind (format version 2): multiclass, regression and engineered-input
runs round trip through ``.nnviz`` files, version 1 files are still read, and what does not fit a file
(labels, classes, another architecture, a damaged header) is one TrajectoryError line. (Drawing such
files: test_trajectory_problems_drawn.py.)

The runs are snapshots of fitted scikit-learn models written with TrajectoryWriter directly (the
trainer's own multiclass and regression runs are tested with the trainer).
"""

from __future__ import annotations

import functools
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from test_trajectory_input import PREAMBLE, assert_one_trajectory_error, edited, header_of, set_in

import nnviz_gl as nv
from nnviz_gl.features import feature_matrix
from nnviz_gl.trajectory import ArchitectureMismatchError, TrajectoryError, TrajectoryReader, TrajectoryWriter

CLI = [sys.executable, "-m", "nnviz_gl.cli"]
EPOCHS = 4
STEPS_PER_EPOCH = 8
ANIMALS = ("ant", "bee", "cat", "dog")


@dataclass
class Run:
    """A recorded run's inputs: the points with labels as the user had them, and the snapshots."""

    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    snapshots: list


@functools.lru_cache(maxsize=None)
def run_of(kind: str) -> Run:
    """EPOCHS snapshots of a scikit-learn model fitted epoch by epoch: "binary" (labels 1 and 2),
    "multiclass" (4 blobs named by strings), "regression", "features" (no hidden layer, on x1^2, x2^2)."""
    from sklearn.datasets import make_blobs, make_circles
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    rng = np.random.default_rng(7)
    features = None
    if kind == "multiclass":
        X, index = make_blobs(160, centers=[(-1.5, -1.5), (1.5, -1.5), (-1.5, 1.5), (1.5, 1.5)], cluster_std=0.6,
                              random_state=1)
        y = np.array(ANIMALS)[index]
        model = MLPClassifier(hidden_layer_sizes=(8,), activation="tanh", learning_rate_init=0.05, random_state=0)
    elif kind == "binary":
        X, index = make_blobs(120, centers=[(-1, 0), (1, 0.5)], cluster_std=0.7, random_state=2)
        y = index + 1
        model = MLPClassifier(hidden_layer_sizes=(5, 3), learning_rate_init=0.05, random_state=0)
    elif kind == "regression":
        X = rng.uniform(-2, 2, size=(150, 2))
        y = 1.5 * X[:, 0] - 0.5 * X[:, 1] ** 2 + 0.1 * rng.normal(size=150)
        model = MLPRegressor(hidden_layer_sizes=(6,), activation="tanh", learning_rate_init=0.05, random_state=0)
    else:
        X, y = make_circles(140, noise=0.05, factor=0.4, random_state=3)
        features = ("x1^2", "x2^2")
        model = MLPClassifier(hidden_layer_sizes=(), learning_rate_init=0.1, random_state=0)
    split = len(X) * 3 // 4
    Xf = feature_matrix(X, features or ("x1", "x2"))
    snapshots = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in range(1, EPOCHS + 1):
            for _ in range(STEPS_PER_EPOCH - 1):  # a recorded "epoch" of several passes: the model learns
                model.partial_fit(Xf[:split], y[:split], **({} if kind == "regression" else {"classes": np.unique(y)}))
            if kind == "regression":
                model.partial_fit(Xf[:split], y[:split])
                metrics = {"r2": model.score(Xf[:split], y[:split]), "test_r2": model.score(Xf[split:], y[split:])}
            else:
                model.partial_fit(Xf[:split], y[:split], classes=np.unique(y))
                metrics = {"accuracy": model.score(Xf[:split], y[:split]),
                           "test_accuracy": model.score(Xf[split:], y[split:])}
            snapshots.append(nv.Snapshot.from_sklearn(model, epoch=epoch, features=features, **metrics))
    return Run(X[:split], y[:split], X[split:], y[split:], snapshots)


def record(path: Path, kind: str, snapshots: list | None = None) -> Path:
    run = run_of(kind)
    with TrajectoryWriter(path, run.X, run.y, run.X_test, run.y_test, metadata={"kind": kind}) as writer:
        for snapshot in run.snapshots if snapshots is None else snapshots:
            writer.publish(snapshot)
    return path


def assert_same(got: nv.Snapshot, want: nv.Snapshot) -> None:
    assert got.architecture == want.architecture  # layer sizes, activations, features
    assert got.classes == want.classes and got.class_names == want.class_names
    for a, b in zip((*got.weights, *got.biases), (*want.weights, *want.biases)):
        np.testing.assert_array_equal(a, b)  # bit-exact
    for name in ("epoch", *nv.snapshot.METRICS):
        assert getattr(got, name) == getattr(want, name), name


# -- round trips -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression", "features"])
def test_every_kind_round_trips_with_its_classes_features_and_metrics(kind, tmp_path):
    run = run_of(kind)
    path = record(tmp_path / f"{kind}.nnviz", kind)
    with TrajectoryReader(path) as reader:
        assert reader.version == 2 and len(reader) == EPOCHS
        assert reader.architecture.kind == ("binary" if kind == "features" else kind)
        for got, want in zip(reader, run.snapshots):
            assert_same(got, want)
        np.testing.assert_array_equal(reader.X_test, run.X_test)
        X, y, X_test, y_test = reader.data  # the labels as the user had them, for a recorder or window
        np.testing.assert_array_equal(X, run.X)
        assert y.tolist() == run.y.tolist() and y_test.tolist() == run.y_test.tolist()
        if kind == "regression":
            assert reader.classes is None and reader.y.dtype == np.float64
            np.testing.assert_array_equal(reader.y, run.y)  # targets bit-exact
            np.testing.assert_array_equal(reader.metric("r2"), [s.r2 for s in run.snapshots])
            np.testing.assert_array_equal(reader.metric("test_r2"), [s.test_r2 for s in run.snapshots])
            assert np.isnan(reader.metric("accuracy")).all()
        else:
            classes = list(run.snapshots[0].classes)
            assert reader.y.dtype == np.int64  # stored as class indices
            assert reader.y.tolist() == [classes.index(label) for label in run.y.tolist()]
            np.testing.assert_array_equal(reader.metric("test_accuracy"), [s.test_accuracy for s in run.snapshots])
            assert np.isnan(reader.metric("r2")).all()
    header = header_of(path)[1]
    assert header["architecture"]["features"] == list(run.snapshots[0].features)
    assert header["classes"] == (None if kind == "regression" else list(run.snapshots[0].classes))


def test_a_version_1_file_is_still_read():
    """tests/fixtures/v1_binary.nnviz was written by the 8f24ca6 writer (tests/make_v1_trajectory.py)."""
    import make_v1_trajectory as v1

    raw, header = header_of(v1.FIXTURE)
    assert PREAMBLE.unpack_from(raw)[1] == 1 and header["version"] == 1
    assert header["record"]["fields"] == ["epoch", "present", "loss", "test_loss", "accuracy", "test_accuracy"]
    with TrajectoryReader(v1.FIXTURE) as run:
        assert run.version == 1 and run.finished and len(run) == 3
        assert run.architecture == nv.Architecture(v1.SIZES, "tanh", "logistic", ("x1", "x2"))
        assert run.classes is None and run.metadata == v1.METADATA
        np.testing.assert_array_equal(run.X, v1.X)
        np.testing.assert_array_equal(run.y, v1.Y)
        np.testing.assert_array_equal(run.y_test, v1.Y_TEST)
        for i, snapshot in enumerate(run):
            weights, biases = v1.parameters(i)
            want = nv.Snapshot(weights, biases, activation="tanh", epoch=i + 1, **v1.metrics(i))
            assert_same(snapshot, want)
            assert snapshot.r2 is None and snapshot.test_r2 is None
        assert np.isnan(run.metric("r2")).all()
        np.testing.assert_array_equal(run.metric("accuracy"), [0.5, 0.625, 0.75])


# -- what the writer refuses -----------------------------------------------------------------------
def regressor_labels(run: Run) -> dict:
    return dict(y=np.array(ANIMALS * 40)[:len(run.X)])


LABELS_THAT_DO_NOT_FIT = {
    "an animal the model does not know": ("multiclass", lambda r: dict(y=np.where(r.y == "dog", "eel", r.y)),
                                          "y has labels the model does not know \\(eel\\); its classes: ant"),
    "index 4 of 4 classes, test set": ("multiclass", lambda r: dict(y_test=np.arange(len(r.X_test)) % 5),
                                       "y_test has labels the model does not know"),
    "text targets for a regressor": ("regression", regressor_labels, "y must be numbers \\(the regression targets\\)"),
    "label 3 for classes 1, 2": ("binary", lambda r: dict(y=np.where(r.y == 2, 3, r.y)), "y has labels the model"),
}


@pytest.mark.parametrize("case", sorted(LABELS_THAT_DO_NOT_FIT))
def test_labels_that_do_not_fit_the_model_are_refused_at_the_first_snapshot(case, tmp_path):
    kind, change, match = LABELS_THAT_DO_NOT_FIT[case]
    run = run_of(kind)
    data = {"X": run.X, "y": run.y, "X_test": run.X_test, "y_test": run.y_test, **change(run)}
    path = tmp_path / "run.nnviz"
    writer = TrajectoryWriter(path, **data)  # the labels' meaning comes with the model
    with pytest.raises(TrajectoryError, match=f"^cannot record to '{path}': {match}"):
        writer.publish(run.snapshots[0])
    writer.close()
    assert list(tmp_path.iterdir()) == []  # nothing written, not even the temporary file


def other(snapshot: nv.Snapshot, **changes) -> nv.Snapshot:
    fields = dict(weights=snapshot.weights, biases=snapshot.biases, activation=snapshot.activation, epoch=9,
                  output_activation=snapshot.output_activation, features=snapshot.features, classes=snapshot.classes)
    return nv.Snapshot(**{**fields, **changes})


MISMATCHES = {
    "other classes": ("multiclass", lambda s: other(s, classes=("ant", "bee", "cat", "eel")),
                      'has classes \\["ant", "bee", "cat", "eel"\\], but .* records classes \\["ant", "bee", "cat", "dog"\\]'),
    "no classes": ("multiclass", lambda s: other(s, classes=None), "has classes 0..k-1 \\(none given\\)"),
    "other features": ("features", lambda s: other(s, features=("x1", "x2")), "2-1 relu/logistic, but .* records "
                       "2-1 relu/logistic on x1\\^2,x2\\^2"),
    "a regressor's output": ("binary", lambda s: other(s, output_activation="identity", classes=None),
                             "identity, but .* records 2-5-3-1 relu/logistic"),
}


@pytest.mark.parametrize("case", sorted(MISMATCHES))
def test_a_snapshot_of_other_classes_features_or_output_is_an_architecture_mismatch(case, tmp_path):
    kind, change, match = MISMATCHES[case]
    first = run_of(kind).snapshots[0]
    path = tmp_path / "run.nnviz"
    with TrajectoryWriter(path, run_of(kind).X, run_of(kind).y) as writer:
        writer.publish(first)
        with pytest.raises(ArchitectureMismatchError, match=match):
            writer.publish(change(first))
    with TrajectoryReader(path) as run:
        assert len(run) == 1
        assert_same(run[0], first)


CLASSES_A_FILE_CANNOT_HOLD = {
    "strings and numbers": (("ant", 1, "cat", 2), "classes must be all strings or all numbers"),
    "a class 2**60": ((1, 2, 3, 2 ** 60), "whole ones up to 2\\*\\*53"),
    "a class NaN": ((1.0, 2.0, 3.0, float("nan")), "finite numbers"),
}


@pytest.mark.parametrize("case", sorted(CLASSES_A_FILE_CANNOT_HOLD))
def test_the_writer_refuses_classes_a_reader_would_refuse(case, tmp_path):
    classes, match = CLASSES_A_FILE_CANNOT_HOLD[case]
    run = run_of("multiclass")
    writer = TrajectoryWriter(tmp_path / "run.nnviz", run.X, np.searchsorted(ANIMALS, run.y))
    with pytest.raises(TrajectoryError, match=match):
        writer.publish(other(run.snapshots[0], classes=classes))
    writer.close()
    assert list(tmp_path.iterdir()) == []


# -- what the reader refuses (the binary file's rows are in test_trajectory_input.BAD_FILES) ---------
def array_value(path: Path, name: str, row: int, value) -> Path:
    """The file with one value of a data array changed in place (as its dtype stores it)."""
    raw, header = header_of(path)
    meta = header["arrays"][name]
    at = header["data_offset"] + meta["offset"] + row * 8
    raw[at: at + 8] = np.array([value], meta["dtype"]).tobytes()
    path.write_bytes(raw)
    return path


BAD_PROBLEM_FILES = {
    "classes one short": ("multiclass", lambda p: edited(p, set_in("classes", value=["a", "b", "c"])),
                          "3 classes for an output of 4 classes"),
    "classes repeated": ("multiclass", lambda p: edited(p, set_in("classes", value=["a", "b", "a", "c"])),
                         "class 'a' is given twice"),
    "classes 1 and 1.0": ("multiclass", lambda p: edited(p, set_in("classes", value=[1, 2, 1.0, 3])),
                          "class 1 is given twice"),
    "classes a dict": ("multiclass", lambda p: edited(p, set_in("classes", value={"a": 1})),
                       "classes must be a list of labels or null"),
    "classes strings and numbers": ("multiclass", lambda p: edited(p, set_in("classes", value=["a", 1, "c", 2])),
                                    "all strings or all numbers"),
    "a class that is a list": ("multiclass", lambda p: edited(p, set_in("classes", value=["a", ["b"], "c", "d"])),
                               "strings or finite numbers .*, got \\['b'\\]"),
    "a class 2**60": ("multiclass", lambda p: edited(p, set_in("classes", value=[1, 2, 3, 2 ** 60])),
                      "whole ones up to 2\\*\\*53"),
    "class index 4 of 4": ("multiclass", lambda p: array_value(p, "y_test", 2, 4),
                           "y_test must be class indices 0 to 3 for a model of 4 classes"),
    "a regressor with classes": ("regression", lambda p: edited(p, set_in("classes", value=[0, 1])),
                                 "a regressor's output has no classes"),
    "a regressor's targets as int64": ("regression", lambda p: edited(p, set_in("arrays", "y", "dtype", value="<i8")),
                                       'array y has dtype "<i8"; a regression file stores float64 targets'),
    "a NaN target": ("regression", lambda p: array_value(p, "y", 5, np.nan), "y has 1 NaN or infinite value"),
    "a softmax of one class": ("regression", lambda p: edited(p, set_in("architecture", "output_activation",
                                                                         value="softmax")),
                               "a softmax output of 1 classes cannot be drawn"),
    "a version 1 file of 4 classes": ("v1", lambda p: edited(p, set_in("architecture", "output_activation",
                                                                        value="softmax")),
                                      "a version 1 file records binary classifiers \\(a logistic output\\)"),
}


def problem_file(folder: Path, base: str) -> Path:
    if base == "v1":
        import make_v1_trajectory as v1

        return Path(shutil.copy(v1.FIXTURE, folder / "v1.nnviz"))
    return record(folder / f"{base}.nnviz", base)


@pytest.mark.parametrize("case", sorted(BAD_PROBLEM_FILES))
def test_a_bad_header_of_any_kind_is_one_trajectory_error(case, tmp_path):
    base, make, match = BAD_PROBLEM_FILES[case]
    path = make(problem_file(tmp_path, base))
    with pytest.raises(TrajectoryError) as refused:
        TrajectoryReader(path)
    assert_one_trajectory_error(str(refused.value), path, match)
