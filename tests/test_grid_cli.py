"""``nnviz-gl grid`` as a user runs it: real processes, real signals, decoded videos."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading

from test_errors import CLI, assert_clean_error, run_cli
from test_grid_video import RIGHT, UP, field_crop, side_of_class_1, turned, write_run
from test_signals import Render

from nnviz_gl.sinks.probe import probe, read_frames

SIZE = (640, 360)


class Grid(Render):
    """``nnviz-gl grid`` in a child process, its stderr (the progress bar) read as it comes."""

    def __init__(self, *args: str) -> None:  # Render's, for the grid command
        self.proc = subprocess.Popen([*CLI, "grid", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, env=dict(os.environ))
        self.lines: list[str] = []
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.proc.stderr), daemon=True)
        self._reader.start()


def test_grid_renders_the_files_in_order(tmp_path):
    runs = [write_run(tmp_path / "up.nnviz", [turned(UP, e) for e in range(1, 6)]),
            write_run(tmp_path / "right.nnviz", [turned(RIGHT, e) for e in range(1, 4)])]
    out = tmp_path / "grid.mp4"
    done = run_cli("grid", *map(str, runs), "-r", "640,360", "--every", "2", "--no-progress", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert re.search(r"wrote .*grid\.mp4: 2 runs, 3 frames", done.stdout), done.stdout
    frames = read_frames(out)
    assert len(frames) == 3  # epochs 2, 4 and 5 (the last)
    assert [side_of_class_1(field_crop(frames[-1], SIZE, 2, i)) for i in range(2)] == ["up", "right"]


def test_ctrl_c_keeps_a_playable_video_of_the_frames_so_far(tmp_path):
    """The moment: the progress bar has counted a few frames of 2000."""
    runs = [write_run(tmp_path / f"run{i}.nnviz", [turned(e * 0.01 + i, e) for e in range(1, 2001)], seed=i)
            for i in range(4)]
    out = tmp_path / "grid.mp4"
    grid = Grid(*map(str, runs), "-r", "640,360", "-o", str(out))
    grid.wait_for_words(r"\b([3-9]|\d\d+)/2000 \[")
    grid.proc.send_signal(signal.SIGINT)
    code, err = grid.end(60)
    assert code == 130 and "Traceback" not in err, err
    frames = int(re.search(r"interrupted by SIGINT: (\d+) of 2000 frames, kept in ", err).group(1))
    assert 3 <= frames < 2000
    assert probe(out).frames == frames
    assert not (tmp_path / "grid.partial.mp4").exists()


def test_a_bad_output_path_is_one_line_and_writes_nothing(tmp_path):
    run = write_run(tmp_path / "ok.nnviz", [turned(RIGHT, 1)])
    before = sorted(tmp_path.iterdir())
    for output, words in ((tmp_path / "missing" / "grid.mp4", "does not exist"),
                          (tmp_path / "grid.txt", "must end in one of")):
        done = run_cli("grid", str(run), "-r", "640,360", "-o", str(output))
        assert "cannot write video" in assert_clean_error(done, words)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert sorted(tmp_path.iterdir()) == before


def test_a_file_that_is_not_a_trajectory_is_one_line_naming_it(tmp_path):
    run = write_run(tmp_path / "ok.nnviz", [turned(RIGHT, 1)])
    fake = tmp_path / "fake.nnviz"
    fake.write_bytes(b"not a trajectory at all" * 10)
    missing = tmp_path / "missing.nnviz"
    for bad in (fake, missing):
        done = run_cli("grid", str(run), str(bad), "-r", "640,360", "-o", str(tmp_path / "grid.mp4"))
        err = assert_clean_error(done, bad.name)
        assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "grid.mp4").exists()
    assert not list(tmp_path.glob("*.partial.mp4"))


def test_the_output_may_not_be_one_of_the_runs(tmp_path):
    run = write_run(tmp_path / "ok.nnviz", [turned(RIGHT, 1)])
    copy = tmp_path / "same.mp4"
    copy.write_bytes(run.read_bytes())
    done = run_cli("grid", str(run), str(copy), "-o", str(copy))
    assert_clean_error(done, "same file")
    assert copy.read_bytes() == run.read_bytes()


def test_a_grid_gif_is_a_readme_sized_loop_of_the_runs_in_order(tmp_path):
    """The output's extension picks the format for a grid as for ``render``: a GIF, 854x480 unless asked."""
    runs = [write_run(tmp_path / "up.nnviz", [turned(UP, e) for e in range(1, 4)]),
            write_run(tmp_path / "right.nnviz", [turned(RIGHT, e) for e in range(1, 4)])]
    out = tmp_path / "grid.gif"
    done = run_cli("grid", *map(str, runs), "--no-progress", "-o", str(out))
    assert done.returncode == 0, done.stderr
    info = probe(out)
    assert (info.codec, info.width, info.height, info.frames) == ("gif", 854, 480, 3)
    last = read_frames(out)[-1]
    assert [side_of_class_1(field_crop(last, (854, 480), 2, i)) for i in range(2)] == ["up", "right"]


def test_a_grid_webm_needs_an_even_size_and_says_so(tmp_path):
    run = write_run(tmp_path / "ok.nnviz", [turned(RIGHT, 1)])
    assert_clean_error(run_cli("grid", str(run), "-r", "641,360", "-o", str(tmp_path / "grid.webm")),
                       "641x360 is odd")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.nnviz"]
