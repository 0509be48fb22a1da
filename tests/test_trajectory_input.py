"""A ``.nnviz`` file from elsewhere: every damaged or hostile file is refused at opening with one
TrajectoryError line (through the API, ``render --from`` and ``replay``), nothing is allocated from a
size the file cannot back, nothing hangs. (Writing, and what the writer refuses: test_trajectory_writing.)"""

from __future__ import annotations

import json
import math
import os
import re
import struct
import subprocess
import sys
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from nnviz_gl.snapshot import Snapshot
from nnviz_gl.trajectory import TrajectoryError, TrajectoryReader, TrajectoryWriter

CLI = [sys.executable, "-m", "nnviz_gl.cli"]
SIZES = (2, 5, 10, 5, 1)
PREAMBLE = struct.Struct("<8sIIQ")  # restated from the format's description: the tests craft files by hand
POINTS = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
LABELS = [0, 1, 1, 0]
MEMORY_LIMIT = 4 << 30  # a reader in a child may not allocate more: an unchecked 15 GiB read fails at once


def snapshot(i: int, sizes: tuple[int, ...] = SIZES, **kwargs) -> Snapshot:
    weights = [np.full((a, b), 0.01 * i) for a, b in zip(sizes, sizes[1:])]
    return Snapshot(weights, [np.zeros(b) for b in sizes[1:]], activation="tanh", loss=1.0 / (i + 1),
                    **{"epoch": i, **kwargs})


def recorded(folder: Path, n: int = 3) -> Path:
    """A good trajectory of n snapshots; its metadata pads the header, so an edit has room to grow."""
    path = folder / "good.nnviz"
    with TrajectoryWriter(path, POINTS, LABELS, POINTS, LABELS, metadata={"pad": "." * 2000}) as writer:
        for i in range(n):
            writer.publish(snapshot(i))
    return path


def header_of(path: Path) -> tuple[bytearray, dict]:
    raw = bytearray(path.read_bytes())
    _, _, _, length = PREAMBLE.unpack_from(raw)
    return raw, json.loads(raw[PREAMBLE.size: PREAMBLE.size + length])


def edited(path: Path, edit: Callable[[dict], None]) -> Path:
    """The file with its JSON header edited in place (the data and records stay where they are)."""
    raw, header = header_of(path)
    room = header["data_offset"] - PREAMBLE.size
    header["metadata"] = {}
    edit(header)
    text = json.dumps(header, separators=(",", ":")).encode()
    assert len(text) <= room, "the edited header must fit where the old one was"
    magic, version, state, _ = PREAMBLE.unpack_from(raw)
    raw[: PREAMBLE.size + room] = PREAMBLE.pack(magic, version, state, len(text)) + text.ljust(room, b"\0")
    path.write_bytes(raw)
    return path


def record_value(path: Path, snapshot_index: int, value_index: int, value: float) -> Path:
    raw, header = header_of(path)
    at = header["records_offset"] + snapshot_index * header["record"]["bytes"] + value_index * 8
    raw[at: at + 8] = struct.pack("<d", value)
    path.write_bytes(raw)
    return path


def with_preamble(path: Path, **fields: int) -> Path:
    raw = bytearray(path.read_bytes())
    magic, version, state, length = PREAMBLE.unpack_from(raw)
    values = {"version": version, "state": state, "length": length, **fields}
    raw[: PREAMBLE.size] = PREAMBLE.pack(magic, values["version"], values["state"], values["length"])
    path.write_bytes(raw)
    return path


def deep_json(path: Path) -> Path:
    """A header nested 100,000 deep: json's parser recurses, so unchecked this is a RecursionError."""
    text = b"[" * 100_000 + b"]" * 100_000
    path.write_bytes(PREAMBLE.pack(b"NNVIZTRJ", 1, 1, len(text)) + text)
    return path


def cut_in_the_data(path: Path) -> Path:
    _, header = header_of(path)
    path.write_bytes(path.read_bytes()[: header["data_offset"] + 40])
    return path


def set_in(*keys, value) -> Callable[[dict], None]:
    def edit(header: dict) -> None:
        table = header
        for key in keys[:-1]:
            table = table[key]
        if value is DELETE:
            del table[keys[-1]]
        else:
            table[keys[-1]] = value
    return edit


DELETE = object()


def relayout(sizes: list[int]) -> Callable[[dict], None]:
    """Another architecture with a consistent record layout (so only the architecture itself is wrong)."""
    def edit(header: dict) -> None:
        header["architecture"]["layer_sizes"] = sizes
        layout, offset = [], 8  # epoch, metrics mask, 6 metrics
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            layout += [{"name": f"weights[{i}]", "shape": [a, b], "offset": offset},
                       {"name": f"biases[{i}]", "shape": [b], "offset": offset + a * b}]
            offset += a * b + b
        header["record"].update(values=offset, bytes=offset * 8, parameters=layout)
    return edit


# name -> (make the bad file from a good one, what the one line says)
BAD_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "header length 2**62": (lambda p: with_preamble(p, length=2 ** 62), "declares 4,611,686,018,427,387,904 header"),
    "a 10**9-row array": (lambda p: edited(p, set_in("arrays", "X", "shape", value=[10 ** 9, 2])), "runs past"),
    "JSON nested 100,000 deep": (deep_json, "nested more than 64 levels"),
    "activation is a number": (lambda p: edited(p, set_in("architecture", "activation", value=3)),
                               "activation must be a str"),
    "unknown activation": (lambda p: edited(p, set_in("architecture", "activation", value="swish")),
                           "unknown activation \"swish\""),
    "layer size 5.5": (lambda p: edited(p, set_in("architecture", "layer_sizes", value=[2, 5.5, 10, 5, 1])),
                       "layer_sizes\\[1\\] must be a whole number"),
    "negative layer size": (lambda p: edited(p, set_in("architecture", "layer_sizes", value=[2, -5, 10, 5, 1])),
                            "layer_sizes\\[1\\] is -5"),
    "3 inputs": (lambda p: edited(p, relayout([3, 5, 1])), "the network has 3 inputs but 2 input features"),
    "300 layers": (lambda p: edited(p, set_in("architecture", "layer_sizes", value=[2] + [1] * 299)),
                   "declares 300 layers"),
    "2 outputs": (lambda p: edited(p, relayout([2, 5, 2])), "a binary classifier \\(logistic output\\) is drawn with 1 output"),
    "record offsets moved": (lambda p: edited(p, set_in("record", "parameters", 0, "offset", value=10 ** 6)),
                             "record layout \\(parameters\\)"),
    "record values a string": (lambda p: edited(p, set_in("record", "values", value="142")),
                               "record layout \\(values\\)"),
    "negative array offset": (lambda p: edited(p, set_in("arrays", "X", "offset", value=-64)),
                              "arrays.X.offset is -64"),
    "array rows 4.5": (lambda p: edited(p, set_in("arrays", "X", "shape", value=[4.5, 2])),
                       "shape\\[0\\] must be a whole number"),
    "X three wide": (lambda p: edited(p, set_in("arrays", "X", "shape", value=[4, 3])), "shape \\(n, 2\\)"),
    "labels read as floats": (lambda p: edited(p, set_in("arrays", "y", "dtype", value="<f8")),
                              "array y has dtype \"<f8\"; a binary file stores int64 class indices"),
    "no X": (lambda p: edited(p, set_in("arrays", "X", value=DELETE)), "no training points"),
    "metadata a list": (lambda p: edited(p, set_in("metadata", value=[1])), "metadata must be a dict"),
    "records beyond the file": (lambda p: edited(p, set_in("records_offset", value=10 ** 12)),
                                "records_offset is 1,000,000,000,000"),
    "state 7": (lambda p: with_preamble(p, state=7), "state is 7"),
    "format version 3": (lambda p: with_preamble(p, version=3), "is trajectory format version 3; this nnviz_gl "
                         "reads versions 1, 2"),
    "header says version 1": (lambda p: edited(p, set_in("version", value=1)), "format is not nnviz-trajectory "
                              "version 2"),
    "unknown feature": (lambda p: edited(p, set_in("architecture", "features", value=["x1", "x3"])),
                        "unknown feature 'x3'; valid: x1, x2, x1\\^2"),
    "features not names": (lambda p: edited(p, set_in("architecture", "features", value=[1, 2])),
                           "architecture.features must be a list of feature names, got \\[1, 2\\]"),
    "feature repeated": (lambda p: edited(p, set_in("architecture", "features", value=["x1", "x1"])),
                         "feature 'x1' is given twice"),
    "no features": (lambda p: edited(p, set_in("architecture", "features", value=DELETE)),
                    "architecture.features is missing"),
    "one feature for 2 inputs": (lambda p: edited(p, set_in("architecture", "features", value=["x1^2"])),
                                 "the network has 2 inputs but 1 input features"),
    "no classes": (lambda p: edited(p, set_in("classes", value=DELETE)), "classes is missing"),
    "3 classes of a binary output": (lambda p: edited(p, set_in("classes", value=[0, 1, 2])),
                                     "3 classes for an output of 2 classes"),
    "a class NaN": (lambda p: edited(p, set_in("classes", value=[math.nan, 1.0])), "the header holds NaN"),
    "cut in the data": (cut_in_the_data, "declares|outside|runs past|cut short"),
}
# Damaged records: opening reads the header only (instant for a file of any size), so these are refused
# when read, or all at once by check_records(), which `render --from` calls before any video work.
DAMAGED_RECORDS: dict[str, tuple[Callable[[Path], Path], int, str]] = {
    "epoch inf in snapshot 1": (lambda p: record_value(p, 1, 0, math.inf), 1, "its epoch inf is not"),
    "epoch 2.5 in snapshot 2": (lambda p: record_value(p, 2, 0, 2.5), 2, "its epoch 2.5 is not"),
    "metrics mask NaN in snapshot 2": (lambda p: record_value(p, 2, 1, math.nan), 2, "its metrics mask nan"),
    "metrics mask 64 in snapshot 0": (lambda p: record_value(p, 0, 1, 64.0), 0, "its metrics mask 64.0 is not a whole "
                                       "number 0..63"),
}
# The cases that, unchecked, allocate gigabytes or recurse: run only in a child with a memory limit.
IN_A_CHILD = {"header length 2**62", "a 10**9-row array"}
THROUGH_THE_CLI = ["header length 2**62", "a 10**9-row array", "JSON nested 100,000 deep", "unknown activation",
                   "records beyond the file"]


def bad_file(folder: Path, case: str) -> Path:
    make = BAD_FILES[case][0] if case in BAD_FILES else DAMAGED_RECORDS[case][0]
    return make(recorded(folder))


CHILD_READER = f"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))
from nnviz_gl.trajectory import TrajectoryReader
try:
    with TrajectoryReader(sys.argv[1]) as run:
        n = sum(1 for _ in run)
except BaseException as exc:
    print(type(exc).__name__ + ": " + str(exc))
    sys.exit(1)
print("read", n, "snapshots")
"""


def read_in_a_child(path: Path, timeout: float = 60) -> str:
    """Open and read every snapshot in another process, with a memory limit and a deadline."""
    try:
        result = subprocess.run([sys.executable, "-c", CHILD_READER, str(path)], capture_output=True, text=True,
                                timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {path} did not end within {timeout} s")
    assert result.stderr == "", result.stderr
    return result.stdout


def assert_one_trajectory_error(message: str, path: Path, match: str) -> None:
    assert message.count("\n") == 0, message
    assert str(path) in message, message
    assert re.search(match, message), f"{match!r} not in {message!r}"


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_one_trajectory_error_at_opening(case, tmp_path):
    path = bad_file(tmp_path, case)
    match = BAD_FILES[case][1]
    if case in IN_A_CHILD:
        out = read_in_a_child(path).strip()
        assert out.startswith("TrajectoryError: "), out
        assert_one_trajectory_error(out, path, match)
        return
    with pytest.raises(TrajectoryError) as refused:  # at opening: no snapshot is read before this fails
        TrajectoryReader(path)
    assert_one_trajectory_error(str(refused.value), path, match)


@pytest.mark.parametrize("case", sorted(DAMAGED_RECORDS))
def test_a_damaged_snapshot_is_one_trajectory_error_naming_it(case, tmp_path):
    _, index, match = DAMAGED_RECORDS[case]
    path = bad_file(tmp_path, case)
    with TrajectoryReader(path) as run:
        assert len(run) == 3
        for i in range(index):
            assert run[i].epoch == i  # the sound ones before it stay readable
        with pytest.raises(TrajectoryError) as refused:
            run[index]
        assert_one_trajectory_error(str(refused.value), path, f"snapshot {index} is damaged: {match}")
        for check in (run.check_records, lambda: run.epochs, lambda: run.metric("loss")):
            with pytest.raises(TrajectoryError, match=f"snapshot {index} is damaged"):
                check()


def test_a_fifo_or_a_directory_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.nnviz"
    os.mkfifo(fifo)
    out = read_in_a_child(fifo, timeout=20).strip()  # unchecked, opening a FIFO waits for a writer forever
    assert_one_trajectory_error(out, fifo, "^TrajectoryError: .* is a FIFO \\(named pipe\\), not a regular file")
    with pytest.raises(TrajectoryError, match="is a directory"):
        TrajectoryReader(tmp_path)


def test_a_file_at_every_limit_the_writer_accepts_is_read_back(tmp_path):
    deep: dict = {}
    inner = deep
    for _ in range(62):  # the header's top level and "metadata" make 64 levels
        inner["x"] = {}
        inner = inner["x"]
    path = tmp_path / "edge.nnviz"
    with TrajectoryWriter(path, POINTS[:2], [1, 0], metadata=deep) as writer:
        for epoch in (-2 ** 53, 2 ** 53):
            writer.publish(Snapshot([np.ones((2, 1))], [np.zeros(1)], activation="relu", epoch=epoch))
    with TrajectoryReader(path) as run:
        assert run.metadata == deep
        assert [s.epoch for s in run] == [-2 ** 53, 2 ** 53]
    with pytest.raises(TrajectoryError, match="nested more than 64"):  # one level more
        TrajectoryWriter(tmp_path / "deeper.nnviz", POINTS[:2], [1, 0], metadata={"x": deep})


# -- the command line: one line, exit 1, no video ------------------------------------------------
def assert_clean_cli_refusal(result: subprocess.CompletedProcess, path: Path, out_dir: Path) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nnviz-gl: error: ") and str(path) in lines[0], lines[0]
    assert "NNVIZ_DEBUG" not in lines[0], lines[0]  # an expected error, not an unexpected exception
    assert sorted(p.name for p in out_dir.iterdir()) == [], "a video (or a partial one) was written"


def run_cli(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    def limit_memory():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    try:
        return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, preexec_fn=limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail(f"nnviz-gl {' '.join(args)} did not end within {timeout} s")


def fifo_or_dir(folder: Path, case: str) -> Path:
    if case == "a directory":
        path = folder / "dir.nnviz"
        path.mkdir()
    else:
        path = folder / "pipe.nnviz"
        os.mkfifo(path)
    return path


@pytest.mark.parametrize("case", THROUGH_THE_CLI + ["epoch inf in snapshot 1", "a FIFO", "a directory"])
def test_render_from_a_bad_file_prints_one_line_and_writes_no_video(case, tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    path = fifo_or_dir(source, case) if case in ("a FIFO", "a directory") else bad_file(source, case)
    videos = tmp_path / "videos"
    videos.mkdir()
    result = run_cli(["render", "-r", "160,96", "--no-progress", "--from", str(path), "-o", str(videos / "out.mp4")])
    assert_clean_cli_refusal(result, path, videos)


@pytest.mark.parametrize("case", THROUGH_THE_CLI + ["a FIFO", "a directory"])
def test_replay_of_a_bad_file_prints_one_line_and_opens_nothing(case, tmp_path, display):
    source = tmp_path / "in"
    source.mkdir()
    path = fifo_or_dir(source, case) if case in ("a FIFO", "a directory") else bad_file(source, case)
    saved = tmp_path / "saved"
    saved.mkdir()
    result = run_cli(["replay", str(path), "-r", "160,96", "--duration", "2", "--output-dir", str(saved)])
    assert_clean_cli_refusal(result, path, saved)
    assert "frames=" not in result.stdout  # no window ran


def test_replay_reaching_a_damaged_snapshot_says_which_in_one_line(tmp_path, display):
    source = tmp_path / "in"
    source.mkdir()
    path = record_value(recorded(source, n=30), 20, 0, math.inf)  # the window opens, then plays into it
    saved = tmp_path / "saved"
    saved.mkdir()
    # under 4 snapshots/s a frame, even one stalled the longest a frame may move playback (0.25 s), moves
    # less than one snapshot, so playback cannot step over snapshot 20 on a busy machine
    result = run_cli(["replay", str(path), "-r", "160,96", "--speed", "3.5", "--duration", "30",
                      "--output-dir", str(saved)])
    assert_clean_cli_refusal(result, path, saved)
    assert "snapshot 20 is damaged" in result.stderr


CUT_WHILE_OPEN = """
import sys
from nnviz_gl.trajectory import TrajectoryReader
run = TrajectoryReader(sys.argv[1])
run[2]
with open(sys.argv[1], "r+b") as f:  # another program cuts the file while it is open and mapped
    f.truncate(int(sys.argv[2]))
try:
    run[2]
except Exception as exc:
    print(type(exc).__name__ + ": " + str(exc))
"""


def test_a_file_cut_short_while_open_is_an_error_not_a_crash(tmp_path):
    path = recorded(tmp_path)
    _, header = header_of(path)
    result = subprocess.run([sys.executable, "-c", CUT_WHILE_OPEN, str(path), str(header["records_offset"])],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"the reader died ({result.returncode}): {result.stderr}"  # SIGBUS is -7
    assert_one_trajectory_error(result.stdout.strip(), path, "^TrajectoryError: .* was cut short while open")
