"""The user's own data: nv.load_data and `nnviz-gl render --data FILE`, good files and every kind of bad one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnviz_gl as nv
from nnviz_gl.sinks.probe import probe
from nnviz_gl.training.trainer import SklearnTrainer, TrainingConfig
from nnviz_gl.training.user_data import DataFileError

POINTS = [(0.0, 0.0, "cat"), (1.0, 2.0, "dog"), (2.0, 1.0, "cat"), (3.0, 3.0, "dog"), (4.0, 0.5, "cat")]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def csv_text(header: str | None = "x,y,label", rows=POINTS) -> str:
    lines = [header] if header else []
    lines += [",".join(str(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def all_points(data: nv.Dataset) -> set[tuple[float, float, int]]:
    return {(float(x), float(y), int(c)) for (x, y), c in zip(data.X, data.y)}


# -- round trips ---------------------------------------------------------------------------------
@pytest.mark.parametrize("header", ["x,y,label", None], ids=["header", "no-header"])
def test_csv_with_or_without_header_keeps_every_point_and_names_the_classes(tmp_path, header):
    data = nv.load_data(write(tmp_path / "pets.csv", csv_text(header)), standardize=False)
    assert data.class_names == ("cat", "dog")  # sorted, as scikit-learn's classes_
    assert all_points(data) == {(x, y, int(label == "dog")) for x, y, label in POINTS}
    assert len(data.X_test) == 2 and len(data.X_train) == 3  # test_size 0.4 of 5 points
    assert data.name == "pets.csv"


def test_named_columns_pick_fields_in_any_order_and_skip_others(tmp_path):
    text = "id,label,b,a,note\n" + "".join(f"{i},{c},{y},{x},n{i}\n" for i, (x, y, c) in enumerate(POINTS))
    data = nv.load_data(write(tmp_path / "named.csv", text), columns=("a", "b", "label"), standardize=False)
    assert all_points(data) == {(x, y, int(label == "dog")) for x, y, label in POINTS}


def test_default_columns_are_the_first_two_numeric_ones_and_the_last(tmp_path):
    text = "name,x,y,label\n" + "".join(f"p{i},{x},{y},{c}\n" for i, (x, y, c) in enumerate(POINTS))
    data = nv.load_data(write(tmp_path / "named.csv", text), standardize=False)
    assert all_points(data) == {(x, y, int(label == "dog")) for x, y, label in POINTS}


def test_integer_labels_map_in_sorted_order_and_stay_the_class_names(tmp_path):
    rows = [(x, y, 2 if c == "cat" else -1) for x, y, c in POINTS]
    data = nv.load_data(write(tmp_path / "ints.csv", csv_text(None, rows)), standardize=False)
    assert data.class_names == (-1, 2)
    assert all_points(data) == {(x, y, int(c == 2)) for x, y, c in rows}


def test_npz_round_trip_and_standardised_like_the_builtin_data(tmp_path):
    X = np.array([p[:2] for p in POINTS]) * 10 + 3
    np.savez(tmp_path / "pets.npz", X=X, y=np.array([p[2] for p in POINTS]))
    data = nv.load_data(tmp_path / "pets.npz")
    assert data.class_names == ("cat", "dog")
    np.testing.assert_allclose(data.X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(data.X.std(axis=0), 1, atol=1e-12)
    same = nv.load_data(tmp_path / "pets.npz")
    np.testing.assert_array_equal(same.X_train, data.X_train)  # same seed, same split
    other = nv.load_data(tmp_path / "pets.npz", seed=3)
    assert not np.array_equal(other.X_train, data.X_train)


def test_training_config_with_data_path_trains_on_the_file(tmp_path):
    path = write(tmp_path / "pets.csv", csv_text())
    trainer = SklearnTrainer(TrainingConfig(data_path=str(path), standardize=False, epochs=2))
    assert trainer.dataset.class_names == ("cat", "dog")
    assert all_points(trainer.dataset) == {(x, y, int(label == "dog")) for x, y, label in POINTS}
    assert trainer.step().epoch == 1


# -- bad files: one line, the file, the first bad line -----------------------------------------------
ELEVEN = "x,y,label\n" + "".join(f"{i},{i % 3},c{i}\n" for i in range(11))
BAD_CSV = {
    "missing": ("x,y,label\n0,0,a\n,1,b\n", "line 3: missing value in x"),
    "missing-label": ("x,y,label\n0,0,a\n1,1,\n", "line 3: missing label in label"),
    "non-numeric": ("0,0,a\n1,one,b\n", "line 2: column 2 is 'one', not a number"),
    "nan": ("x,y,label\n0,0,a\n\n1,nan,b\n", "line 4: y is nan; need a finite number"),
    "inf": ("x,y,label\n0,0,a\n-inf,1,b\n", "line 3: x is -inf; need a finite number"),
    "column-count": ("x,y,label\n0,0,a\n1,1\n", "line 3 has 2 columns; expected 3 as on line 1"),
    "one-point": ("x,y,label\n0,0,a\n", "holds 1 point(s); need at least 2"),
    "one-class": ("x,y,label\n0,0,a\n1,1,a\n", "every label is 'a'; need 2 classes"),
    "eleven-classes": (ELEVEN, "line 12: an 11th class 'c10'; at most 10 classes"),
}


@pytest.mark.parametrize("case", BAD_CSV, ids=list(BAD_CSV))
def test_bad_csv_is_one_line_naming_the_file_and_line(tmp_path, case):
    text, message = BAD_CSV[case]
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(DataFileError) as caught:
        nv.load_data(path)
    assert str(caught.value) == f"{path}: {message}"
    assert isinstance(caught.value, ValueError)


def test_unknown_column_name_and_columns_without_header(tmp_path):
    path = write(tmp_path / "bad.csv", csv_text())
    with pytest.raises(DataFileError, match=r"^.*bad\.csv: line 1: no column named 'z'; the header has x, y, label$"):
        nv.load_data(path, columns=("x", "z", "label"))
    bare = write(tmp_path / "bare.csv", csv_text(None))
    with pytest.raises(DataFileError, match=r"bare\.csv: line 1 is data, not a header"):
        nv.load_data(bare, columns=("x", "y", "label"))


def test_bad_npz_names_the_row_or_the_missing_array(tmp_path):
    X = np.array([[0.0, 0.0], [1.0, np.inf], [2.0, 2.0]])
    np.savez(tmp_path / "inf.npz", X=X, y=np.array([0, 1, 0]))
    with pytest.raises(DataFileError) as caught:
        nv.load_data(tmp_path / "inf.npz")
    assert str(caught.value) == f"{tmp_path / 'inf.npz'}: row 2 of X is [1.0, inf]; need finite numbers"
    np.savez(tmp_path / "noy.npz", X=X)
    with pytest.raises(DataFileError, match=r"noy\.npz: has no array 'y'"):
        nv.load_data(tmp_path / "noy.npz")


# -- the command line -----------------------------------------------------------------------------------
def nnviz_gl(*args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("nnviz-gl")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "nnviz_gl.cli"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=180)


def test_render_data_writes_one_frame_per_epoch(tmp_path):
    rng = np.random.default_rng(0)
    rows = [(*rng.normal(size=2).round(3), "cat" if i % 2 else "dog") for i in range(40)]
    good = write(tmp_path / "good.csv", csv_text("a,b,kind", rows))
    out = tmp_path / "own.mp4"
    record = tmp_path / "own.nnviz"
    done = nnviz_gl("render", "--data", str(good), "--columns", "a,b,kind", "-r", "160,96", "--epochs", "3",
                    "-o", str(out), "--no-progress", "--record", str(record))
    assert done.returncode == 0, done.stderr
    assert probe(out).frames == 3
    with nv.TrajectoryReader(record) as run:  # the recording says where its points came from
        training = run.metadata["training"]
        assert (training["data"], training["columns"], training["no_standardize"]) == (str(good), ["a", "b", "kind"],
                                                                                       False)
        assert len(run) == 3 and np.isfinite(run.X).all()


@pytest.mark.parametrize("extra", [(), ("--dataset", "moons")], ids=["bad-file", "with-dataset"])
def test_render_bad_data_is_one_line_exit_nonzero_and_no_video(tmp_path, extra):
    bad = write(tmp_path / "bad.csv", BAD_CSV["nan"][0])
    out = tmp_path / "never.mp4"
    done = nnviz_gl("render", "--data", str(bad), *extra, "-r", "160,96", "--epochs", "3", "-o", str(out))
    lines = done.stderr.strip().splitlines()
    if extra:
        assert done.returncode == 2 and lines[-1].endswith("argument --dataset: not allowed with argument --data")
    else:
        assert done.returncode == 1
        assert lines == [f"nnviz-gl: error: {bad}: line 4: y is nan; need a finite number"]
    assert "Traceback" not in done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_watch_bad_data_is_one_line_before_any_window(tmp_path):
    bad = write(tmp_path / "bad.csv", BAD_CSV["column-count"][0])
    done = nnviz_gl("watch", "--data", str(bad), "--duration", "1", "--output-dir", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"nnviz-gl: error: {bad}: line 3 has 2 columns; expected 3 as on line 1"]
    assert list(tmp_path.iterdir()) == [bad]


def test_new_data_on_own_data_is_a_fresh_split_of_the_same_points(tmp_path):
    rows = [(float(i), float(i % 3), "cat" if i % 2 else "dog") for i in range(20)]
    path = write(tmp_path / "pets.csv", csv_text(None, rows))
    trainer = SklearnTrainer(TrainingConfig(data_path=str(path), standardize=False, epochs=2))
    before = trainer.dataset
    trainer.new_data()
    after = trainer.dataset
    assert all_points(after) == all_points(before) and after.class_names == ("cat", "dog")
    assert not np.array_equal(after.X_train, before.X_train)


def test_own_data_trains_with_the_settings_most_datasets_learn_with(tmp_path):
    """Not the seed's strong L2 penalty and slow step (the classification dataset's): those leave most
    data near chance in 300 epochs. An option given still wins."""
    from nnviz_gl.training.datasets import OWN_DATA_DEFAULTS, TRAINING_DEFAULTS

    path = tmp_path / "points.csv"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    path.write_text("".join(f"{a},{b},{int(a > 0)}\n" for a, b in X))
    config = nv.TrainingConfig(data_path=str(path))
    assert (config.hidden, config.alpha, config.learning_rate) == OWN_DATA_DEFAULTS != TRAINING_DEFAULTS[config.dataset]
    assert nv.TrainingConfig(data_path=str(path), alpha=0.5, hidden=(3,)).alpha == 0.5
