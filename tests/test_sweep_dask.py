"""Sweeps on real clusters: a Dask LocalCluster of worker processes, a `dask scheduler` and `dask worker`
started as processes, and Ray when it is installed; the runs come back bit-equal to the same runs
trained here; a failing run and a killed worker do not sink the sweep; the lines a user sees when the
scheduler does not answer or the extra is missing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import nnviz_gl as nv
from nnviz_gl.sweeps.train_run import STARTED_DIR_ENV
from polling import poll_until
from test_sweep import SLOWER, TINY, assert_same_weights, trained_here, weights_of

distributed = pytest.importorskip("distributed")
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def started(tmp_path_factory):
    """The folder where workers mark each run they start; set before the workers start (they inherit it)."""
    folder = tmp_path_factory.mktemp("started")
    before = os.environ.get(STARTED_DIR_ENV)
    os.environ[STARTED_DIR_ENV] = str(folder)
    yield folder
    if before is None:
        del os.environ[STARTED_DIR_ENV]
    else:
        os.environ[STARTED_DIR_ENV] = before


@pytest.fixture(scope="module")
def client(started):
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


def test_runs_on_dask_are_bit_equal_to_runs_here_and_a_failing_run_is_reported(client, tmp_path, capfd):
    runs = nv.sweep(TINY, {"seed": [0, 1], "noise": [0.3, 1e308]}, executor=client.get_executor(),
                    runs_dir=tmp_path, progress=False)
    assert [r.ok for r in runs] == [True, False, True, False]
    assert "NaN or infinite" in runs[3].error
    assert "nnviz-gl: run seed=1 · noise=1e+308 failed" in capfd.readouterr().err
    worker_pids = set(client.run(os.getpid).values())
    for run in (runs[0], runs[2]):
        assert_same_weights(weights_of(run.trajectory), trained_here(run.config, tmp_path))
        with nv.TrajectoryReader(run.trajectory) as recorded:
            assert recorded.origin["pid"] in worker_pids


def started_by_workers(started: Path, index: int) -> list[Path]:
    """Markers of run ``index`` left by worker processes (train_run in this process leaves its own)."""
    return [p for p in started.glob(f"{index}-*.started") if int(p.stem.split("-")[1]) != os.getpid()]


def test_a_dask_worker_killed_mid_run_does_not_sink_the_sweep(client, started, tmp_path):
    for earlier in started.iterdir():  # other tests' runs: only this sweep's run 0 is a moment to kill
        earlier.unlink()
    result: dict = {}
    sweep = threading.Thread(target=lambda: result.update(runs=nv.sweep(
        SLOWER, {"seed": [10, 11]}, executor=client.get_executor(), runs_dir=tmp_path, progress=False)))
    sweep.start()
    try:
        markers: list[Path] = []
        poll_until(lambda: markers.extend(started_by_workers(started, 0)) or markers, 120, "run 0 did not start")
        killed = int(markers[0].stem.split("-")[1])
        os.kill(killed, signal.SIGKILL)
    finally:
        sweep.join(240)
    runs = result["runs"]
    assert [r.ok for r in runs] == [True, True]  # Dask ran it again on a live worker
    with nv.TrajectoryReader(runs[0].trajectory) as recorded:
        assert recorded.origin["pid"] != killed
    for run in runs:
        assert_same_weights(weights_of(run.trajectory), trained_here(run.config, tmp_path))


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(30)


def test_a_sweep_on_a_dask_scheduler_and_worker_started_as_processes(tmp_path):
    address_file = tmp_path / "scheduler.json"
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    scheduler = subprocess.Popen([BIN / "dask", "scheduler", "--scheduler-file", address_file, "--port", "0",
                                  "--no-dashboard"], **quiet)
    worker = None
    try:
        poll_until(lambda: address_file.exists() and address_file.stat().st_size > 0 or scheduler.poll() is not None,
                   60, "the dask scheduler did not write its address")
        assert scheduler.poll() is None, "dask scheduler ended"
        worker = subprocess.Popen([BIN / "dask", "worker", "--scheduler-file", address_file, "--nworkers", "1",
                                   "--nthreads", "1", "--no-dashboard"], **quiet)
        with distributed.Client(scheduler_file=str(address_file), timeout=30, set_as_default=False) as client:
            client.wait_for_workers(1, timeout=60)
            runs = nv.sweep(TINY, {"learning_rate": [0.01, 0.1]}, executor=client.get_executor(),
                            runs_dir=tmp_path / "runs", progress=False)
            (worker_pid,) = client.run(os.getpid).values()
        assert all(r.ok for r in runs)
        for run in runs:
            assert_same_weights(weights_of(run.trajectory), trained_here(run.config, tmp_path))
            with nv.TrajectoryReader(run.trajectory) as recorded:
                assert recorded.origin["pid"] == worker_pid
    finally:
        if worker is not None:
            _stop(worker)
        _stop(scheduler)


def _nnviz_gl(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnviz_gl.cli", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_an_unreachable_scheduler_is_one_line_before_any_work(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    began = time.monotonic()
    done = _nnviz_gl("sweep", "--vary", "seed=0,1", "--scheduler", f"tcp://127.0.0.1:{port}",
                     "-o", str(tmp_path / "grid.mp4"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"nnviz-gl: error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port} within 5 s (Timed out "
        f"trying to connect to tcp://127.0.0.1:{port} after 5 s); is `dask scheduler` running there?"]
    assert time.monotonic() - began < 60
    assert list(tmp_path.iterdir()) == []  # no runs folder, no video


def test_without_the_extras_the_line_names_the_extra_to_install(tmp_path):
    """A sitecustomize on PYTHONPATH makes `import distributed` and `import ray` fail, as when not installed."""
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n"
        "class Missing:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('distributed', 'ray'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, Missing())\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    out = str(tmp_path / "grid.mp4")
    dask = _nnviz_gl("sweep", "--vary", "seed=0,1", "--scheduler", "tcp://127.0.0.1:8786", "-o", out, env=env)
    assert (dask.returncode, dask.stderr.strip()) == (1, "nnviz-gl: error: training on a Dask cluster needs the "
                                                          "dask extra: pip install 'nnviz_gl[dask]'")
    ray = _nnviz_gl("sweep", "--vary", "seed=0,1", "--executor", "ray", "-o", out, env=env)
    assert (ray.returncode, ray.stderr.strip()) == (1, "nnviz-gl: error: training with Ray needs the ray extra: "
                                                        "pip install 'nnviz_gl[ray]'")


def test_runs_on_ray_are_bit_equal_to_runs_here(tmp_path):
    ray = pytest.importorskip("ray")
    from nnviz_gl.sweeps import RayExecutor

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        runs = nv.sweep(TINY, {"activation": ["relu", "tanh"]}, executor=RayExecutor(), runs_dir=tmp_path,
                        progress=False)
    finally:
        ray.shutdown()
    assert all(r.ok for r in runs)
    for run in runs:
        assert_same_weights(weights_of(run.trajectory), trained_here(run.config, tmp_path))


def test_the_command_line_trains_on_the_scheduler_it_names(client, tmp_path, capsys):
    from nnviz_gl.cli import main

    code = main(["sweep", "--vary", "seed=0,1", "--scheduler", client.scheduler.address, "-o", str(tmp_path / "g.mp4"),
                 "--epochs", "3", "--samples", "40", "--hidden", "3", "--no-progress"])
    err = capsys.readouterr().err
    assert "trained 2 runs in" in err
    assert code == 0, err
    worker_pids = set(client.run(os.getpid).values())
    for run in sorted((tmp_path / "g.runs").glob("*.nnviz")):
        with nv.TrajectoryReader(run) as recorded:
            assert recorded.origin["pid"] in worker_pids and recorded.origin["options"]["epochs"] == 3
