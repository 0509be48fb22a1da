"""`nnviz-gl sweep` as a user runs it: bad --vary values in one line, the runs folder, Ctrl-C in the
middle of training, `info` on a run's file, `render --from` and `replay` of one run, and (once the grid
video is part of the package) the whole sweep to a video and again from its runs folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import nnviz_gl as nv
from nnviz_gl.cli import main
from nnviz_gl.sinks.probe import probe
from nnviz_gl.sweeps.train_run import STARTED_DIR_ENV
from polling import poll_until

SMALL = ("--epochs", "3", "--samples", "40", "--hidden", "3", "--no-progress")


def nnviz_gl(*args: str, env: dict | None = None, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nnviz_gl.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, **popen)


@pytest.mark.parametrize("vary, line", [
    (["learning-rate=0.01,abc"], "--vary learning-rate: bad value 'abc': expected a number, got 'abc'"),
    (["activation=relu,softplus"], "--vary activation: bad value 'softplus': choose from identity, logistic, tanh, relu"),
    (["hidden=5-10-5,8-0"], "--vary hidden: bad value '8-0': every layer needs at least 1 neuron, got '8,0'"),
    (["features=x1+x2,x1+x3"], "run features=x1+x3: unknown feature 'x3'"),
    (["width=4,8"], "--vary width: not an option a sweep varies; it varies dataset, samples"),
    (["seed"], "--vary expects NAME=V1,V2,... such as learning-rate=0.01,0.1; got 'seed'"),
    (["seed=1,2", "--zip", "--vary", "alpha=1"], "--zip pairs the lists value by value, so they need the same "
                                                  "length; got seed 2, alpha 1"),
])
def test_a_bad_vary_is_one_line_before_any_work(vary, line, tmp_path, capsys):
    code = main(["sweep", "--vary", *vary, "-o", str(tmp_path / "grid.mp4")])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith(f"nnviz-gl: error: {line}") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_the_runs_folder_holds_a_file_per_run_named_by_its_values(tmp_path, capsys):
    code = main(["sweep", "--vary", "hidden=3-3,4", "--vary", "features=x1+x2,x1+x2+x1^2", "--zip", "--workers", "2",
                 "-o", str(tmp_path / "grid.mp4"), "-q", "l", *SMALL[:4], "--no-progress"])
    err = capsys.readouterr().err
    runs = tmp_path / "grid.runs"
    assert sorted(p.name for p in runs.iterdir()) == ["0-hidden=3-3_features=x1+x2.nnviz",
                                                      "1-hidden=4_features=x1+x2+x1_2.nnviz", "sweep.json"]
    listed = json.loads((runs / "sweep.json").read_text())["runs"]
    assert [r["label"] for r in listed] == ["hidden=3-3 · features=x1+x2", "hidden=4 · features=x1+x2+x1^2"]
    with nv.TrajectoryReader(runs / listed[1]["file"]) as run:
        assert run.architecture.layer_sizes == (3, 4, 1)
        assert run.origin["options"]["features"] == ["x1", "x2", "x1^2"]
    assert "trained 2 runs in" in err
    assert code == 0 and probe(tmp_path / "grid.mp4").width == 854


def test_ctrl_c_cancels_the_pending_runs_and_ends_the_workers(tmp_path):
    started = tmp_path / "started"
    started.mkdir()
    env = {**os.environ, STARTED_DIR_ENV: str(started)}
    sweep = nnviz_gl("sweep", "--vary", "seed=0,1,2,3,4,5", "--workers", "2", "--epochs", "200", "--samples", "200",
                     "-o", str(tmp_path / "grid.mp4"), "--no-progress", env=env)
    try:
        poll_until(lambda: any(started.iterdir()) or sweep.poll() is not None, 120, "no run started")
        workers = [int(p.stem.split("-")[1]) for p in started.iterdir()]
        sweep.send_signal(signal.SIGINT)
        _, err = sweep.communicate(timeout=60)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 130, err
    assert "Traceback" not in err and "Exception" not in err, err
    assert err.strip().splitlines()[-1] == (
        f"nnviz-gl: interrupted by SIGINT: the pending runs were cancelled; the runs trained so far are in "
        f"{tmp_path / 'grid.runs'} (sweep.json lists them)")
    listed = json.loads((tmp_path / "grid.runs" / "sweep.json").read_text())["runs"]
    assert len(listed) == 6 and listed[-1]["error"] == "not trained (the sweep interrupted)"
    assert not (tmp_path / "grid.mp4").exists()

    def gone(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")  # ended, not yet reaped

    poll_until(lambda: all(gone(pid) for pid in workers), 30, "a worker process outlived the sweep")


@pytest.fixture(scope="module")
def run_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("runs")
    runs = nv.sweep(nv.TrainingConfig(epochs=3, n_samples=40, hidden=(3,)), {"alpha": [0.5]}, workers=1,
                    runs_dir=folder, progress=False)
    return runs[0].trajectory


def test_info_says_where_and_with_what_a_run_trained(run_file, capsys):
    assert main(["info", str(run_file)]) == 0
    out = capsys.readouterr().out
    with nv.TrajectoryReader(run_file) as run:
        host, pid = run.origin["host"], run.origin["pid"]
    assert f"trained on:       host {host}, process {pid}\n" in out
    assert "training options: dataset=classification n_samples=40 noise=None test_size=0.4 hidden=3 " \
           "activation=relu alpha=0.5 learning_rate=0.001 epochs=3 seed=0" in out
    older = Path(__file__).parent / "fixtures" / "v1_binary.nnviz"  # written before the origin existed
    assert main(["info", str(older)]) == 0
    assert "trained on:       not recorded" in capsys.readouterr().out


def test_render_from_and_replay_take_a_run_of_a_sweep(run_file, tmp_path, display):
    video = tmp_path / "one.mp4"
    render = nnviz_gl("render", "--from", str(run_file), "-r", "320,180", "-o", str(video), "--no-progress")
    replay = nnviz_gl("replay", str(run_file), "-r", "320,180", "--duration", "1", "--speed", "100")
    for process in (render, replay):
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert (probe(video).width, probe(video).frames) == (320, 3)


def test_a_sweep_to_a_grid_video_and_again_from_its_runs_folder(tmp_path):
    first = nnviz_gl("sweep", "--vary", "learning-rate=0.01,0.1", "--vary", "noise=0.3,1e308", "--workers", "2",
                     "-r", "640,360", "-o", str(tmp_path / "grid.mp4"), *SMALL)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert err.count("failed: TrajectoryError") == 2  # noise 1e308: two runs fail, their tiles say so
    assert (probe(tmp_path / "grid.mp4").width, probe(tmp_path / "grid.mp4").height) == (640, 360)
    again = nnviz_gl("sweep", "--from", str(tmp_path / "grid.runs"), "-r", "320,180", "-o", str(tmp_path / "g2.mp4"),
                     "--no-progress")
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert probe(tmp_path / "g2.mp4").width == 320


def test_from_a_folder_without_runs_is_one_line(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    for folder, line in ((tmp_path / "missing", f"no runs folder at {str(tmp_path / 'missing')!r}"),
                         (tmp_path / "empty", f"{str(tmp_path / 'empty')!r} holds no runs (no sweep.json, no .nnviz files)")):
        assert main(["sweep", "--from", str(folder), "-o", str(tmp_path / "g.mp4")]) == 1
        assert capsys.readouterr().err == f"nnviz-gl: error: {line}\n"
    assert main(["sweep", "--from", str(tmp_path / "empty"), "--vary", "seed=1,2", "-o", str(tmp_path / "g.mp4")]) == 1
    assert "--from renders the runs a folder holds; --vary trains new ones" in capsys.readouterr().err


def test_a_recorded_render_says_where_it_trained(tmp_path, capsys):
    """``render --record`` keeps the origin too: this host, the training worker's process (not the
    renderer's), the run's options."""
    run_file = tmp_path / "run.nnviz"
    assert main(["render", "--epochs", "2", "--samples", "40", "--hidden", "3", "--alpha", "0.25", "-r", "160,96",
                 "--no-progress", "--record", str(run_file), "-o", str(tmp_path / "run.mp4")]) == 0
    with nv.TrajectoryReader(run_file) as run:
        origin = run.origin
    assert origin["host"] == __import__("socket").gethostname() and origin["pid"] != os.getpid()
    assert (origin["options"]["alpha"], origin["options"]["hidden"], origin["options"]["epochs"]) == (0.25, [3], 2)
