"""Where a sweep's runs train: a local process pool, a Dask cluster, or Ray — each a
``concurrent.futures.Executor``, so the sweep itself does not care which.

Dask and Ray are optional extras; without them these functions say which extra to install.
"""

from __future__ import annotations

import logging
import os
import signal
from concurrent.futures import Executor, Future, ProcessPoolExecutor  # loky's pool is one
from typing import Any, Callable

from .combinations import SweepError

# One run per core: a worker's numpy keeps to one thread (as Dask's workers do), or n workers would
# each start a thread per core.
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
CONNECT_TIMEOUT_S = 5  # an unreachable scheduler is said within this, before any work
DASK_EXTRA = "pip install 'nnviz_gl[dask]'"
RAY_EXTRA = "pip install 'nnviz_gl[ray]'"


def _ignore_interrupts() -> None:
    # A Ctrl-C at the terminal reaches the whole process group: the sweep cancels its runs itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def local_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes on this machine: loky's pool (it comes with scikit-learn, through joblib).
    Its workers start fresh (not forked: the rendering process has threads that a fork would copy
    mid-state) without importing the caller's main script, so a script needs no ``__main__`` guard, and
    they end by themselves when the rendering process dies."""
    from joblib.externals.loky.process_executor import ProcessPoolExecutor as LokyPool

    return LokyPool(max_workers=workers, initializer=_ignore_interrupts, env=ONE_THREAD)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """End a local pool now: its workers too, also those in the middle of a run (they ignore Ctrl-C, and
    a plain shutdown would wait for their runs)."""
    # Killed first, then shut down: the pool sees its workers gone and fails the pending futures itself
    # (loky's own kill_workers races with its manager thread and can leave a traceback on stderr).
    for process in list((pool._processes or {}).values()):  # the executor has no public way to kill them
        if process.is_alive():
            os.kill(process.pid, signal.SIGKILL)
    pool.shutdown(wait=False)


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise SweepError(f"training on a Dask cluster needs the dask extra: {DASK_EXTRA}") from None
    return distributed


def dask_client(scheduler: str | None, workers: int):
    """A ``distributed.Client``: connected to ``scheduler`` (an address such as tcp://host:8786, refused in
    one line when it does not answer within CONNECT_TIMEOUT_S), or to a new local cluster of ``workers``
    single-threaded processes when None."""
    distributed = _import_distributed()
    if scheduler is None:
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.ERROR)
        return distributed.Client(cluster, set_as_default=False)
    try:
        return distributed.Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SweepError(f"cannot reach the Dask scheduler at {scheduler} within {CONNECT_TIMEOUT_S} s "
                         f"({reason}); is `dask scheduler` running there?") from None


def close_dask(client) -> None:
    """Close the client, and the local cluster when the client made one."""
    cluster = client.cluster
    client.close()
    if cluster is not None:
        cluster.close()


class RayExecutor(Executor):
    """``concurrent.futures.Executor`` over Ray: each ``submit`` is one ``ray.remote`` task, its Future
    Ray's own (``ObjectRef.future()``). Call ``ray.init(...)`` first, or let Ray start a local one.

    ``remote_options`` go to ``ray.remote`` (``num_cpus=1`` by default: one run per core).
    """

    def __init__(self, **remote_options: Any) -> None:
        try:
            import ray
        except ImportError:
            raise SweepError(f"training with Ray needs the ray extra: {RAY_EXTRA}") from None
        self._ray = ray
        self._options = {"num_cpus": 1, **remote_options}
        self._remote: dict[Callable, Any] = {}
        self._refs: list = []

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        remote = self._remote.get(fn)
        if remote is None:
            remote = self._remote[fn] = self._ray.remote(**self._options)(fn)
        ref = remote.remote(*args, **kwargs)
        self._refs.append(ref)
        return ref.future()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            for ref in self._refs:
                try:
                    self._ray.cancel(ref, force=True)
                except Exception:  # finished or already gone: nothing to cancel
                    pass
        self._refs.clear()


def ray_executor(workers: int) -> RayExecutor:
    """A RayExecutor on Ray's cluster: the one ``ray.init`` already joined, ``RAY_ADDRESS``'s, or a local
    one of ``workers`` CPUs."""
    executor = RayExecutor()
    ray = executor._ray
    if not ray.is_initialized():
        quiet = dict(log_to_driver=False, configure_logging=False)
        if os.environ.get("RAY_ADDRESS"):  # joining a running cluster: its own CPUs
            ray.init(**quiet)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, **quiet)
    return executor
