"""Every problem kind on the training side: multiclass and regression datasets, the trainer's snapshots
and metrics against scikit-learn's own, engineered inputs, the user's own multiclass and regression
files, and the command line's --classes, --problem and --features (real processes, decoded videos)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import log_loss as sklearn_log_loss
from sklearn.neural_network import MLPClassifier, MLPRegressor

import nnviz_gl as nv
from nnviz_gl.features import feature_matrix
from nnviz_gl.sinks.probe import probe, read_frames
from nnviz_gl.training.datasets import make_dataset
from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig


def digest(data: nv.Dataset) -> str:
    return hashlib.sha256(b"".join(a.tobytes() for a in (data.X_train, data.y_train, data.X_test, data.y_test))).hexdigest()


# -- datasets --------------------------------------------------------------------------------------
# The binary spiral as it was before it took `classes` (commit 8f24ca6), for two seeds and an odd count.
BINARY_SPIRAL = {0: "370ec6ae17dbf8eccbad8716f6349e12d10f4c3d5c20587d1b1deeccacb75bac",
                 5: "03fa6d788b4d303c450e9fbf1500596b8b9f17d2632eaf078c04005542a933ea"}


@pytest.mark.parametrize("seed", BINARY_SPIRAL)
def test_a_spiral_of_two_arms_is_exactly_the_binary_spiral(seed):
    assert digest(make_dataset("spiral", n_samples=301, seed=seed, classes=2)) == BINARY_SPIRAL[seed]
    assert digest(make_dataset("spiral", n_samples=301, seed=seed)) == BINARY_SPIRAL[seed]


@pytest.mark.parametrize("name", ["blobs", "spiral"])
@pytest.mark.parametrize("k", [3, 4, 10])
def test_k_class_datasets_have_k_balanced_standardised_classes(name, k):
    data = make_dataset(name, classes=k, n_samples=203)
    assert (data.kind, data.n_classes, data.class_names) == ("classification", k, None)
    counts = np.bincount(data.y, minlength=k)
    assert len(counts) == k and counts.max() - counts.min() <= 1 and counts.sum() == 203
    np.testing.assert_allclose(data.X.std(axis=0), 1.0, atol=1e-12)
    assert digest(make_dataset(name, classes=k, n_samples=203)) == digest(data)
    assert digest(make_dataset(name, classes=k, n_samples=203, seed=1)) != digest(data)


@pytest.mark.parametrize("k", [2, 4, 10])
def test_blobs_are_separated_but_overlap_a_little(k):
    """The nearest class mean gets most points right but not all: regions of their own that touch."""
    data = make_dataset("blobs", classes=k, n_samples=2000)
    means = np.array([data.X[data.y == c].mean(axis=0) for c in range(k)])
    nearest = np.argmin(((data.X[:, None, :] - means[None]) ** 2).sum(axis=2), axis=1)
    assert 0.85 < np.mean(nearest == data.y) < 0.995


def test_reg_plane_is_a_plane_of_x1_plus_x2():
    from sklearn.linear_model import LinearRegression

    data = make_dataset("reg-plane")
    assert data.kind == "regression" and data.n_classes == 0 and data.y.dtype == np.float64
    fit = LinearRegression().fit(data.X, data.y)
    assert fit.score(data.X, data.y) == pytest.approx(1.0, abs=1e-12)
    assert fit.coef_[0] == pytest.approx(fit.coef_[1], rel=0.05) and fit.coef_[0] > 0  # x1 + x2
    assert 1.0 < np.abs(data.y).max() <= 1.2  # (x1 + x2) / 10 over [-6, 6]^2, Playground's scale
    noisy = make_dataset("reg-plane", noise=0.3)
    # the target is taken 0.3 * uniform(-6, 6) away: variance 12 of signal to 1.08 of noise per axis
    assert LinearRegression().fit(noisy.X, noisy.y).score(noisy.X, noisy.y) == pytest.approx(12 / 13.08, abs=0.03)


def test_reg_gauss_is_six_signed_bumps_with_flat_ground_between():
    data = make_dataset("reg-gauss", n_samples=4000)
    X, y = data.X, data.y
    assert np.abs(y).max() <= 1.0 and np.abs(y).max() > 0.9
    # six cones of radius 2 cover 6 * 4 pi / 144 of the square; the rest is exactly 0
    assert np.mean(y == 0) == pytest.approx(1 - 24 * np.pi / 144, abs=0.03)
    centre = np.abs(X[:, 0]) < 0.3
    top, bottom = X[:, 1] > 0.5, X[:, 1] < -0.5
    left, right = X[:, 0] < -0.9, X[:, 0] > 0.9
    # Playground's signs: + - + on top, - + - below
    assert y[top & left].mean() > 0.1 and y[top & centre].mean() < -0.1 and y[top & right].mean() > 0.1
    assert y[bottom & left].mean() < -0.1 and y[bottom & centre].mean() > 0.1 and y[bottom & right].mean() < -0.1


@pytest.mark.parametrize("kwargs, message", [
    ({"dataset": "blobs", "classes": 11}, "--classes needs 2 to 10 classes, got 11"),
    ({"dataset": "spiral", "classes": 1}, "--classes needs 2 to 10 classes, got 1"),
    ({"dataset": "moons", "classes": 3}, "applies to spiral and blobs; moons has 2 classes"),
    ({"dataset": "reg-gauss", "classes": 3}, "reg-gauss has targets, not classes"),
    ({"dataset": "reg-gauss", "problem": "classification"}, "reg-gauss is a regression dataset"),
    ({"dataset": "moons", "problem": "regression"}, "moons is a classification dataset"),
    ({"problem": "ranking"}, "unknown problem 'ranking'; valid: classification, regression"),
    ({"features": "x1,x3"}, r"unknown feature 'x3'; valid: x1, x2, x1\^2, x2\^2, x1\*x2, sin\(x1\), sin\(x2\)"),
    ({"data_path": "points.csv", "classes": 3}, "a data file has its own"),
])
def test_bad_problem_settings_are_one_clear_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig(**kwargs)


# -- the trainer -----------------------------------------------------------------------------------
KINDS = {
    "multiclass": dict(dataset="blobs", classes=4),
    "spiral-3-logistic": dict(dataset="spiral", classes=3, activation="logistic"),
    "regression": dict(dataset="reg-gauss"),
    "features-no-hidden": dict(dataset="circles", hidden=(), features="x1^2,x2^2,x1*x2"),
    "regression-features": dict(dataset="reg-plane", features=("sin(x1)", "x2"), hidden=(3,)),
}


def sklearn_model(config: TrainingConfig, regression: bool, **overrides):
    model = MLPRegressor if regression else MLPClassifier
    options = dict(hidden_layer_sizes=config.hidden, activation=config.activation, alpha=config.alpha,
                   learning_rate_init=config.learning_rate, random_state=config.seed)
    return model(**{**options, **overrides})


def fit_once(model, data: nv.Dataset, features):
    inputs = feature_matrix(data.X_train, features)
    if data.kind == "regression":
        return model.partial_fit(inputs, data.y_train)
    return model.partial_fit(inputs, data.y_train, classes=np.arange(data.n_classes))


@pytest.mark.parametrize("kind", KINDS)
def test_epoch_0_is_what_scikit_learn_initialises_for_every_kind(kind):
    config = TrainingConfig(**KINDS[kind], seed=7, n_samples=100)  # 60 training points: one mini-batch
    trainer = SklearnTrainer(config)
    initial = trainer.initial_snapshot()
    data = trainer.dataset
    outputs = 1 if data.kind == "regression" or data.n_classes == 2 else data.n_classes
    assert initial.architecture.layer_sizes == (len(config.features), *config.hidden, outputs)
    # A step too small to move anything leaves scikit-learn's own initial weights in place.
    probe_model = fit_once(sklearn_model(config, data.kind == "regression", learning_rate_init=1e-12), data,
                           config.features)
    for ours, theirs in zip((*initial.weights, *initial.biases), (*probe_model.coefs_, *probe_model.intercepts_),
                            strict=True):
        np.testing.assert_allclose(ours, theirs, atol=1e-9)
    # With one mini-batch, scikit-learn's first loss_ is the loss of the initial weights.
    assert trainer.step().loss == pytest.approx(initial.loss, rel=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_final_metrics_agree_with_scikit_learns_own_on_the_same_weights(kind):
    trainer = SklearnTrainer(TrainingConfig(**KINDS[kind]))
    for _ in range(40):
        last = trainer.step()
    model, data, features = trainer.model, trainer.dataset, trainer.config.features
    test_inputs, train_inputs = feature_matrix(data.X_test, features), feature_matrix(data.X_train, features)
    assert last.features == features and last.epoch == 40
    assert last.loss == model.loss_
    if data.kind == "regression":
        assert last.output_activation == "identity" and last.classes is None
        np.testing.assert_allclose(last.predict(data.X_test), model.predict(test_inputs), atol=1e-12)
        assert last.r2 == pytest.approx(model.score(train_inputs, data.y_train), abs=1e-12)
        assert last.test_r2 == pytest.approx(model.score(test_inputs, data.y_test), abs=1e-12)
        half_mse = 0.5 * np.mean((model.predict(test_inputs) - data.y_test) ** 2)
        assert last.test_loss == pytest.approx(half_mse, rel=1e-12)
        assert last.accuracy is None and last.test_accuracy is None
    else:
        expected = "logistic" if data.n_classes == 2 else "softmax"
        assert last.output_activation == expected and last.architecture.n_classes == data.n_classes
        probabilities = model.predict_proba(test_inputs)
        np.testing.assert_allclose(last.predict_proba(data.X_test), probabilities, atol=1e-12)
        assert last.accuracy == pytest.approx(model.score(train_inputs, data.y_train), abs=1e-12)
        assert last.test_accuracy == pytest.approx(model.score(test_inputs, data.y_test), abs=1e-12)
        labels = np.arange(data.n_classes)
        assert last.test_loss == pytest.approx(sklearn_log_loss(data.y_test, probabilities, labels=labels), rel=1e-9)
        assert last.r2 is None and last.test_r2 is None


def test_a_network_with_no_hidden_layer_learns_a_circle_from_squared_inputs():
    def final(features: str) -> nv.Snapshot:
        config = TrainingConfig(dataset="circles", noise=0.1, hidden=(), features=features, epochs=200)
        trainer = SklearnTrainer(config)
        for _ in range(config.epochs):
            snapshot = trainer.step()
        return snapshot

    squares, plain = final("x1^2,x2^2"), final("x1,x2")
    assert squares.architecture.layer_sizes == (2, 1) and squares.features == ("x1^2", "x2^2")
    assert squares.test_accuracy >= 0.95  # one line in (x1^2, x2^2) is a circle in the plane
    assert plain.test_accuracy <= 0.7  # one line in (x1, x2) cannot separate two rings


def test_added_points_are_a_class_index_or_a_target_value():
    multi = SklearnTrainer(TrainingConfig(dataset="blobs", classes=4))
    multi.add_point(0.1, 0.2, 3)
    assert multi.dataset.y_train[-1] == 3 and multi.step().epoch == 1
    with pytest.raises(ValueError, match="class index 0 to 3, got 4"):
        multi.add_point(0.0, 0.0, 4)
    regression = SklearnTrainer(TrainingConfig(dataset="reg-plane"))
    regression.add_point(0.5, -0.5, 0.25)
    assert regression.dataset.y_train[-1] == 0.25 and regression.dataset.y_train.dtype == np.float64
    with pytest.raises(ValueError, match="finite number"):
        regression.add_point(0.0, 0.0, float("nan"))


# -- the user's own data --------------------------------------------------------------------------
def write_csv(path: Path, rows, header: str = "x,y,target") -> Path:
    path.write_text("\n".join([header, *(",".join(map(str, row)) for row in rows)]) + "\n")
    return path


def four_species(path: Path) -> Path:
    rng = np.random.default_rng(1)
    names = ("ant", "bee", "cat", "dog")
    centres = {"ant": (-2, 0), "bee": (2, 0), "cat": (0, 2), "dog": (0, -2)}
    rows = [(*(np.round(np.add(centres[n], rng.normal(scale=0.6, size=2)), 3)), n) for n in names * 25]
    return write_csv(path, rows)


def surface(path: Path, n: int = 57) -> Path:
    rng = np.random.default_rng(2)
    X = rng.uniform(-3, 3, size=(n, 2)).round(3)
    return write_csv(path, [(a, b, round(float(np.sin(a) + b / 3), 4)) for a, b in X])


def test_a_multiclass_file_trains_a_softmax_with_its_class_names(tmp_path):
    path = four_species(tmp_path / "species.csv")
    data = nv.load_data(path)
    assert (data.kind, data.n_classes, data.class_names, data.note) == ("classification", 4,
                                                                        ("ant", "bee", "cat", "dog"), None)
    trainer = SklearnTrainer(TrainingConfig(data_path=str(path)))
    for _ in range(100):
        snapshot = trainer.step()
    assert snapshot.output_activation == "softmax" and snapshot.classes == ("ant", "bee", "cat", "dog")
    assert snapshot.test_accuracy >= 0.9


def test_many_distinct_numbers_are_a_regression_and_the_guess_is_said(tmp_path):
    path = surface(tmp_path / "surface.csv")
    data = nv.load_data(path)
    assert data.kind == "regression" and data.class_names is None and len(np.unique(data.y)) == 57
    assert data.note == (f"{path}: the target has 57 distinct values, so this is a regression "
                         f"(--problem classification to treat them as classes)")
    assert nv.load_data(path, problem="regression").note is None  # asked for: nothing guessed
    fractions = write_csv(tmp_path / "halves.csv", [(i, i % 3, (i % 4) / 2) for i in range(12)])
    assert nv.load_data(fractions).note == (f"{fractions}: the target has numbers that are not whole (0.5 on "
                                            f"line 3), so this is a regression (--problem classification to "
                                            f"treat them as classes)")
    few = write_csv(tmp_path / "few.csv", [(i, i % 3, i % 4) for i in range(12)])
    assert nv.load_data(few).n_classes == 4 and nv.load_data(few, problem="regression").kind == "regression"


def test_problem_overrides_the_guess_but_text_labels_stay_classes(tmp_path):
    halves = write_csv(tmp_path / "halves.csv", [(i, i % 3, (i % 4) / 2) for i in range(12)])
    data = nv.load_data(halves, problem="classification")
    assert data.kind == "classification" and data.class_names == (0, 0.5, 1, 1.5)
    species = four_species(tmp_path / "species.csv")
    with pytest.raises(ValueError, match=r"species.csv: line 2: the target is '\w+', not a number; a regression "
                                         r"needs numbers"):
        nv.load_data(species, problem="regression")
    np.savez(tmp_path / "values.npz", X=np.random.default_rng(0).normal(size=(30, 2)), y=np.linspace(0, 1, 30))
    assert nv.load_data(tmp_path / "values.npz").kind == "regression"


# -- the command line ------------------------------------------------------------------------------
def nnviz_gl(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("nnviz-gl")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "nnviz_gl.cli"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=300, cwd=cwd)


SMALL = ("-r", "160,96", "--no-progress")


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    """The real renders of this module, two at a time (each process is mostly one core)."""
    folder = tmp_path_factory.mktemp("kinds")
    plan = {
        "blobs": ("--dataset", "blobs", "--classes", "4", "--epochs", "40"),
        "reg-gauss": ("--dataset", "reg-gauss", "--epochs", "40"),
        "surface": ("--data", str(surface(folder / "surface.csv")), "--epochs", "3"),
    }
    with ThreadPoolExecutor(2) as pool:
        jobs = {name: pool.submit(nnviz_gl, "render", *args, *SMALL, "-o", str(folder / f"{name}.mp4"))
                for name, args in plan.items()}
        return {name: (job.result(), folder / f"{name}.mp4") for name, job in jobs.items()}


def field_hue_shares(frame: np.ndarray) -> np.ndarray:
    """Share of the field panel's pixels (the frame's right half) near each of the first four palette hues."""
    import matplotlib.colors as mc

    from nnviz_gl.render.style import DEFAULT_STYLE

    palette_hues = mc.rgb_to_hsv(np.array(DEFAULT_STYLE.palette)[:4, :3])[:, 0]
    hsv = mc.rgb_to_hsv(frame[:, frame.shape[1] // 2:].reshape(-1, 3) / 255.0)
    coloured = hsv[(hsv[:, 1] > 0.15) & (hsv[:, 2] > 0.35)]
    distance = np.abs((coloured[:, :1] - palette_hues[None] + 0.5) % 1.0 - 0.5) * 360
    return (distance < 12).sum(axis=0) / (len(hsv))


def test_render_of_four_blobs_shows_more_than_two_class_hues(renders):
    done, out = renders["blobs"]
    assert done.returncode == 0, done.stderr
    frames = read_frames(out)
    assert len(frames) == 40
    shares = field_hue_shares(frames[-1])
    assert (shares > 0.02).sum() > 2, shares  # a binary field shows two; four blobs show at least three


def test_render_of_reg_gauss_shows_both_ends_of_the_value_map(renders):
    done, out = renders["reg-gauss"]
    assert done.returncode == 0, done.stderr
    frames = read_frames(out)
    assert len(frames) == 40
    shares = field_hue_shares(frames[-1])
    assert shares[0] > 0.01 and shares[1] > 0.01, shares  # negative and positive values, on the diverging map


def test_render_of_a_regression_file_says_its_guess_in_one_note(renders):
    done, out = renders["surface"]
    assert done.returncode == 0, done.stderr
    assert probe(out).frames == 3
    notes = [line for line in done.stderr.splitlines() if line.startswith("nnviz-gl:")]
    csv = out.with_suffix(".csv")  # the file the fixture wrote beside the video
    assert notes == [(f"nnviz-gl: note: {csv}: the target has 57 distinct values, so this is "
                      f"a regression (--problem classification to treat them as classes)")]


BAD_LINES = {
    "feature": (("--features", "x1,x3"), "unknown feature 'x3'; valid: x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2)"),
    "classes-range": (("--dataset", "blobs", "--classes", "11"), "--classes needs 2 to 10 classes, got 11"),
    "classes-binary": (("--classes", "3"), ("classes (--classes) applies to spiral and blobs; "
                                            "classification has 2 classes")),
    "problem-dataset": (("--dataset", "reg-gauss", "--problem", "classification"),
                        ("reg-gauss is a regression dataset (problem 'classification' is for --data FILE); "
                         "regression datasets: reg-plane, reg-gauss")),
    "problem-text": (("--data", "{species}", "--problem", "regression"),
                     "{species}: line 2: the target is 'ant', not a number; a regression needs numbers"),
    "many-classes": (("--data", "{surface}", "--problem", "classification"),
                     "{surface}: line 12: an 11th class -0.776; at most 10 classes"),
}


# render and watch share the checks; two watch cases show they run before any window opens
@pytest.mark.parametrize("command, case", [*(("render", case) for case in BAD_LINES),
                                           ("watch", "feature"), ("watch", "problem-text")])
def test_bad_problem_options_are_one_line_and_write_nothing(tmp_path, command, case):
    files = {"species": str(four_species(tmp_path / "species.csv")), "surface": str(surface(tmp_path / "surface.csv"))}
    args, message = BAD_LINES[case]
    args = [a.format(**files) for a in args]
    before = sorted(tmp_path.iterdir())
    out = tmp_path / "never.mp4"
    extra = ("-o", str(out), *SMALL) if command == "render" else ("--duration", "1", "--output-dir", str(tmp_path))
    done = nnviz_gl(command, *args, *extra, "--epochs", "2", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"nnviz-gl: error: {message.format(**files)}"]
    assert sorted(tmp_path.iterdir()) == before and not out.exists()
