"""Writing trajectories: the writer refuses what a reader would refuse, and a trajectory that cannot be
written (``--record`` into a full disk, a read-only folder, a directory in the file's place) is one line
naming the file, with every complete snapshot kept."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnviz_gl.trajectory import TrajectoryError, TrajectoryReader, TrajectoryWriter
from test_trajectory_input import CLI, LABELS, POINTS, snapshot


# -- the writer refuses what a reader would refuse ----------------------------------------------
def deeply_nested(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels):
        value = {"x": value}
    return value


BAD_DATA = {
    "a NaN point": (dict(X=[[0.0, 0.0], [math.nan, 1.0]], y=[0, 1]), "NaN or infinite"),
    "one point": (dict(X=[[0.0, 0.0]], y=[0]), "at least 2 points"),
    "a NaN label": (dict(X=POINTS, y=[0, math.nan, 1, 0]), "y has 1 NaN or infinite"),
    "three features": (dict(X=np.zeros((4, 3)), y=LABELS), "shape \\(n_points, 2\\)"),
    "metadata a list": (dict(metadata=[1, 2]), "metadata must be a dict"),
    "metadata 100 deep": (dict(metadata=deeply_nested(100)), "nested more than 64"),
    "metadata 100,000 deep": (dict(metadata=deeply_nested(100_000)), "nested too deeply|nested more than 64"),
}


@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_the_writer_refuses_data_a_reader_would_refuse(case, tmp_path):
    given, match = BAD_DATA[case]
    arguments = {"X": POINTS, "y": LABELS, **given}
    with pytest.raises(TrajectoryError, match=match):
        TrajectoryWriter(tmp_path / "run.nnviz", **arguments)
    assert list(tmp_path.iterdir()) == []


BAD_SNAPSHOTS = {
    "300 layers": (lambda: snapshot(1, (2,) + (1,) * 299), "2 to 256 layers"),
    "epoch 2**53 + 1": (lambda: snapshot(1, epoch=2 ** 53 + 1), "exactly up to 2\\*\\*53"),
    "epoch 10**400": (lambda: snapshot(1, epoch=10 ** 400), "exactly up to 2\\*\\*53"),
}


@pytest.mark.parametrize("case", sorted(BAD_SNAPSHOTS))
def test_the_writer_refuses_snapshots_a_reader_would_refuse(case, tmp_path):
    make, match = BAD_SNAPSHOTS[case]
    bad = make()  # (a network of 2 outputs the Snapshot refuses itself: test_snapshot.py)
    path = tmp_path / "run.nnviz"
    writer = TrajectoryWriter(path, POINTS, LABELS)
    with pytest.raises(TrajectoryError, match=match):
        writer.publish(bad)
    writer.close()
    assert list(tmp_path.iterdir()) == []  # nothing was written, not even the temporary file


def test_a_bad_snapshot_after_good_ones_leaves_the_file_readable(tmp_path):
    path = tmp_path / "run.nnviz"
    with TrajectoryWriter(path, POINTS, LABELS) as writer:
        writer.publish(snapshot(0))
        with pytest.raises(TrajectoryError, match="2\\*\\*53"):
            writer.publish(snapshot(1, epoch=-(2 ** 60) - 1))
        writer.publish(snapshot(2))
    with TrajectoryReader(path) as run:
        assert [s.epoch for s in run] == [0, 2]


# -- a trajectory that cannot be written names its file -------------------------------------------
def test_a_directory_made_in_the_files_place_is_named(tmp_path):
    path = tmp_path / "run.nnviz"
    writer = TrajectoryWriter(path, POINTS, LABELS)
    path.mkdir()  # after the writer checked the path, before its first snapshot
    with pytest.raises(TrajectoryError) as refused:
        writer.publish(snapshot(0))
    assert str(refused.value) == f"cannot write the trajectory {str(path)!r}: Is a directory"
    writer.close()
    assert [p.name for p in tmp_path.iterdir()] == ["run.nnviz"] and path.is_dir()  # no temporary file left


def small_filesystem_command(folder: Path, size_kib: int, command: list[str], options: str = "") -> list[str]:
    """``command`` in its own mount namespace with a ``size_kib`` tmpfs on ``folder``: a real full disk
    (or, with ``options="ro,"``, a real read-only folder, which even root cannot write)."""
    script = 'mount -t tmpfs -o "$1"size="$2"k nnviz-small "$3" && shift 3 && exec "$@"'
    return ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh", options, str(size_kib),
            str(folder), *command]


@pytest.fixture
def mountable_folder(tmp_path) -> Path:
    folder = tmp_path / "small"
    folder.mkdir()
    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1) to mount a small tmpfs (util-linux)")
    probe = subprocess.run(small_filesystem_command(folder, 64, ["true"]), capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs in a user namespace here: {probe.stderr.strip()}")
    return folder


FILLING_WRITER = """
import sys
import numpy as np
from nnviz_gl.snapshot import Snapshot
from nnviz_gl.trajectory import TrajectoryWriter

writer = TrajectoryWriter(sys.argv[1], [[0.0, 0.0], [1.0, 1.0]], [0, 1])
layers = [np.full((2, 64), 0.5), np.full((64, 64), 0.25), np.ones((64, 1))]
try:
    for epoch in range(100_000):
        writer.publish(Snapshot(layers, [np.zeros(64), np.zeros(64), np.zeros(1)], activation="relu", epoch=epoch))
except Exception as exc:
    print(type(exc).__name__ + ": " + str(exc))
    print(writer.snapshots_written)
    try:
        writer.publish(Snapshot(layers, [np.zeros(64), np.zeros(64), np.zeros(1)], activation="relu", epoch=-1))
    except Exception as again:  # nothing more is written after a failed write, and it still says why
        print(type(again).__name__ + ": " + str(again))
    writer.close()
    # the complete snapshots stay readable on the full disk; the half record was cut
    from nnviz_gl.trajectory import TrajectoryReader
    with TrajectoryReader(sys.argv[1]) as run:
        print(len(run), run.finished, run[-1].epoch)
"""


def test_a_full_disk_names_the_trajectory_and_keeps_what_was_written(mountable_folder):
    path = mountable_folder / "run.nnviz"
    result = subprocess.run(small_filesystem_command(mountable_folder, 256, [sys.executable, "-c", FILLING_WRITER,
                                                                      str(path)]),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    error, written, again, reread = result.stdout.strip().splitlines()
    assert error == f"TrajectoryError: cannot write the trajectory {str(path)!r}: No space left on device"
    assert again.startswith(error + " (an earlier write failed")
    n = int(written)
    assert n > 3  # 256 KiB holds a few 34 KB records
    assert reread == f"{n} False {n - 1}"  # every complete snapshot, marked unfinished


def test_render_record_on_a_full_disk_says_which_file_in_one_line(mountable_folder, tmp_path):
    path = mountable_folder / "run.nnviz"
    out = tmp_path / "out.mp4"
    command = [*CLI, "render", "-r", "160,96", "--samples", "60", "--epochs", "200", "--hidden", "64,64",
               "--no-progress", "--record", str(path), "-o", str(out)]
    result = subprocess.run(small_filesystem_command(mountable_folder, 256, command), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    # the cause in one line naming the file (then where the video's frames were kept, on the same line)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"nnviz-gl: error: cannot write the trajectory {str(path)!r}: No space left on "
                               "device"), result.stderr
    assert f"kept in {str(out.with_name('out.partial.mp4'))!r}" in lines[0] and not out.exists(), result.stderr


@pytest.mark.parametrize("case, cause", [("read-only folder", "Read-only file system"),
                                         ("a directory in its place", "it is a folder")])
def test_render_record_that_cannot_be_written_names_the_file(case, cause, tmp_path, request):
    folder = tmp_path / "records"
    folder.mkdir()
    path = folder / "run.nnviz"
    command = [*CLI, "render", "-r", "160,96", "--samples", "60", "--epochs", "3", "--no-progress",
               "--record", str(path), "-o", str(tmp_path / "out.mp4")]
    if case == "a directory in its place":
        path.mkdir()
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    else:
        folder = request.getfixturevalue("mountable_folder")
        path = folder / "run.nnviz"
        command[command.index("--record") + 1] = str(path)
        result = subprocess.run(small_filesystem_command(folder, 64, command, options="ro,"), capture_output=True,
                                text=True, timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    named = [line for line in result.stderr.splitlines() if str(path) in line]
    assert len(named) == 1 and named[0].startswith("nnviz-gl: error: ") and cause in named[0], result.stderr


def test_render_refuses_a_record_path_it_cannot_write_before_any_work(tmp_path):
    """A --record path in a folder that does not exist: one line naming it, and no video started (no
    partial file, no output), as a bad -o is refused."""
    path = tmp_path / "no" / "such" / "run.nnviz"
    result = subprocess.run([*CLI, "render", "-r", "160,96", "--epochs", "3", "--no-progress", "--record", str(path),
                             "-o", str(tmp_path / "out.mp4")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"nnviz-gl: error: cannot write the trajectory {str(path)!r}: folder {str(path.parent)!r} does not exist"]
    assert list(tmp_path.iterdir()) == [], "nothing written: the path was checked before the video started"
