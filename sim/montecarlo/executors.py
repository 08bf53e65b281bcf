"""Where chunks of trials run: in this process, in local worker processes, or on Dask.

Every executor runs the same :func:`~sim.montecarlo.worker.run_chunk` on the same
chunks and hands each finished chunk to ``deliver`` (in whatever order chunks finish;
the collector puts trials in their place by index). On Ctrl-C an executor stops its
workers, keeps what was delivered, and re-raises ``KeyboardInterrupt``; on a failing
trial it stops its workers and raises the :class:`~sim.montecarlo.worker.TrialError`.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import sys
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.montecarlo.worker import ChunkOutput, Interrupted, Simulate, init_worker, run_chunk, work

BACKENDS = ("processes", "dask")
MAX_CHUNK = 64  # trials: a second or two of work, so progress and Ctrl-C stay responsive
SERIAL_CHUNK = 8


@dataclass(frozen=True)
class Job:
    """Everything a worker needs besides its chunk: sent once per worker."""

    scenario: Any
    seed: int
    paths: tuple[str, ...]  # drawn parameters, the columns of ``draws``
    draws: np.ndarray  # (trials, len(paths)) drawn values
    keep_below: int  # keep event logs of trials with an index below this
    simulate: Simulate

    @property
    def trials(self) -> int:
        return len(self.draws)


Deliver = Callable[[ChunkOutput], None]


def chunk_size(trials: int, workers: int) -> int:
    """Trials per chunk: about four chunks per worker (to balance the load), at most 64."""
    return max(1, min(MAX_CHUNK, math.ceil(trials / (4 * max(1, workers)))))


def plan_chunks(trials: int, size: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of consecutive chunks covering ``range(trials)``."""
    return [(start, min(start + size, trials)) for start in range(0, trials, size)]


def run_serial(job: Job, deliver: Deliver, started: Callable[[], None]) -> dict:
    """Run every chunk in this process, in order."""
    started()
    size = SERIAL_CHUNK
    for start, stop in plan_chunks(job.trials, size):
        try:
            output = run_chunk(
                job.scenario, job.seed, job.paths, job.draws[start:stop], start, job.keep_below, job.simulate
            )
        except Interrupted as interruption:
            deliver(interruption.finished)
            raise KeyboardInterrupt from None
        deliver(output)
    return {"backend": "serial", "jobs": 1, "chunk_size": size}


def _start_method() -> Any:
    # Forking starts a worker in milliseconds with the package already imported; a
    # spawned worker re-imports numpy, pandas and pydantic first (about a second each).
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def run_processes(job: Job, jobs: int, deliver: Deliver, started: Callable[[], None]) -> dict:
    """Run chunks in ``jobs`` local worker processes; the scenario is sent once per worker."""
    size = chunk_size(job.trials, jobs)
    chunks = plan_chunks(job.trials, size)
    workers = min(jobs, len(chunks))
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_start_method(),
        initializer=init_worker,
        initargs=(job.scenario, job.seed, job.paths, job.simulate),
    )
    pending: set[Future] = set()
    try:
        pending = {pool.submit(work, start, job.draws[start:stop], job.keep_below) for start, stop in chunks}
        started()
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                deliver(future.result())
    except BaseException:
        _stop(pool, pending)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return {"backend": "processes", "jobs": workers, "chunk_size": size}


def _stop(pool: ProcessPoolExecutor, pending: set[Future]) -> None:
    """Cancel queued chunks and end the workers now (their chunks in flight are dropped)."""
    for future in pending:
        future.cancel()
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()


def run_dask(job: Job, jobs: int | None, client: Any, deliver: Deliver, started: Callable[[], None]) -> dict:
    """Run chunks on a Dask cluster: ``client`` (a ``Client`` or a scheduler address), or
    a local cluster of ``jobs`` single-threaded worker processes made for this run."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as error:
        raise ImportError(
            "backend 'dask' needs Dask distributed, which is not installed: "
            "pip install 'dask[distributed]' (or the package's 'dask' extra)"
        ) from error

    own = client is None or isinstance(client, str)
    cluster = None
    if client is None:
        cluster = LocalCluster(
            n_workers=jobs, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR
        )
        client = Client(cluster)
    elif isinstance(client, str):  # a scheduler address, e.g. "tcp://10.0.0.5:8786"
        client = Client(client)
    futures: list[Any] = []
    try:
        workers = jobs or max(1, sum(client.nthreads().values()))
        size = chunk_size(job.trials, workers)
        scenario = client.scatter(job.scenario, broadcast=True)
        futures = [
            client.submit(
                run_chunk,
                scenario,
                job.seed,
                job.paths,
                job.draws[start:stop],
                start,
                job.keep_below,
                job.simulate,
                pure=False,
            )
            for start, stop in plan_chunks(job.trials, size)
        ]
        started()
        for future in as_completed(futures):
            deliver(future.result())
    except BaseException:
        client.cancel(futures)
        raise
    finally:
        if own:
            client.close()
        if cluster is not None:
            cluster.close()
    return {"backend": "dask", "jobs": workers, "chunk_size": size}
