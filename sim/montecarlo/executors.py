"""Where chunks of trials run: in this process, in local worker processes, or on Dask.

Every executor runs the same :func:`~sim.montecarlo.worker.run_chunk` on the same
trials and hands each finished chunk to ``deliver`` (in whatever order chunks finish;
the collector puts trials in their place by index). On Ctrl-C, or when ``deliver``
raises (the run has failed too often), an executor stops its workers, keeps what was
delivered, and re-raises.

A trial that kills its worker process (a crash in native code, the kernel's
out-of-memory killer, ``kill -9``) is found and recorded as a failure; the run goes
on. Local processes: the trials that were running when the pool broke (each worker
marks its trial in a shared array) are re-run one at a time, each in a fresh
one-worker pool ("quarantine"); one that kills that worker too is the culprit. Dask: a
chunk whose worker died is split into single trials; a single trial that fails so is
run again alone (with nothing else in quarantine), and is the culprit if it fails again.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.montecarlo.worker import (
    RUNNING,
    ChunkOutput,
    Interrupted,
    Simulate,
    failure_record,
    init_worker,
    run_chunk,
    work,
)

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

BACKENDS = ("processes", "dask")
MAX_CHUNK = 64  # trials: a second or two of work, so progress and Ctrl-C stay responsive
SERIAL_CHUNK = 8


@dataclass(frozen=True)
class Job:
    """Everything a worker needs besides its chunk: sent once per worker."""

    scenario: Scenario
    seed: int
    paths: tuple[str, ...]  # drawn parameters, the columns of ``draws``
    draws: np.ndarray  # (trials, len(paths)) drawn values
    keep_below: int  # keep event logs of trials with an index below this
    simulate: Simulate
    todo: np.ndarray  # indexes of the trials to run (all, unless resuming a checkpoint)

    @property
    def trials(self) -> int:
        """Number of trials in the run."""
        return len(self.draws)


Deliver = Callable[[ChunkOutput], None]
Chunk = tuple[int, int]


def chunk_size(trials: int, workers: int) -> int:
    """Trials per chunk: about four chunks per worker (to balance the load), at most 64."""
    return max(1, min(MAX_CHUNK, math.ceil(trials / (4 * max(1, workers)))))


def plan_chunks(trials: int | np.ndarray, size: int) -> list[Chunk]:
    """``(start, stop)`` of chunks of at most ``size`` consecutive trials.

    They cover ``range(trials)``, or the given trial indexes (sorted, each once).
    """
    indexes = np.arange(trials) if isinstance(trials, (int, np.integer)) else np.asarray(trials)
    chunks: list[Chunk] = []
    if not len(indexes):
        return chunks
    breaks = np.flatnonzero(np.diff(indexes) != 1) + 1
    for run in np.split(indexes, breaks):
        first, last = int(run[0]), int(run[-1]) + 1
        chunks += [(start, min(start + size, last)) for start in range(first, last, size)]
    return chunks


def _run_here(job: Job, chunk: Chunk) -> ChunkOutput:
    start, stop = chunk
    return run_chunk(
        job.scenario, job.seed, job.paths, job.draws[start:stop], start, job.keep_below, job.simulate
    )


def run_serial(job: Job, deliver: Deliver, started: Callable[[], None]) -> dict:
    """Run every chunk in this process, in order."""
    started()
    size = SERIAL_CHUNK
    for chunk in plan_chunks(job.todo, size):
        try:
            output = _run_here(job, chunk)
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
    """Run chunks in ``jobs`` local worker processes; the scenario is sent once per worker.

    A pool broken by a dying worker is replaced: the chunks not delivered run again,
    except the trials that were running, which go to quarantine first.
    """
    size = chunk_size(len(job.todo), jobs)
    queue = plan_chunks(job.todo, size)
    workers = min(jobs, len(queue))
    context = _start_method()
    progress = context.Array("b", max(1, job.trials), lock=False)  # 0 waiting, then RUNNING, FINISHED
    first = True
    while queue:
        queue, suspects = _pool_round(
            job, queue, workers, context, progress, deliver, started if first else None
        )
        first = False
        for index in suspects:
            _quarantine(job, index, context, deliver)
    return {"backend": "processes", "jobs": workers, "chunk_size": size}


def _pool(job: Job, workers: int, context: Any, progress: Any) -> tuple[ProcessPoolExecutor, Any]:
    lifeline = context.Pipe(duplex=False)  # (reader, writer): only this process keeps the writer
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=init_worker,
        initargs=(job.scenario, job.seed, job.paths, job.simulate, progress, lifeline),
    )
    return pool, lifeline


def _pool_round(
    job: Job,
    queue: list[Chunk],
    workers: int,
    context: Any,
    progress: Any,
    deliver: Deliver,
    started: Callable[[], None] | None,
) -> tuple[list[Chunk], list[int]]:
    """Run ``queue`` in one pool; return what is left to run and the suspects if it broke."""
    pool, lifeline = _pool(job, workers, context, progress)
    pending: dict[Future, Chunk] = {}
    left: list[Chunk] = []
    suspects: list[int] = []
    delivered = 0
    try:
        for start, stop in queue:
            pending[pool.submit(work, start, job.draws[start:stop], job.keep_below)] = (start, stop)
        if started is not None:
            started()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                chunk = pending.pop(future)
                try:
                    output = future.result()
                except BrokenProcessPool:
                    broken = True
                    pending[future] = chunk
                    continue
                deliver(output)
                delivered += 1
            if broken:
                left, suspects = _after_break(list(pending.values()), progress)
                if not suspects and not delivered:  # no trial ran: the workers die of something else
                    raise BrokenProcessPool(
                        "the worker processes died before running a trial (out of memory, or killed?)"
                    )
                pending.clear()
    except BaseException:
        _stop(pool, set(pending))
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for end in lifeline:
            end.close()
    return left, suspects


def _after_break(undelivered: list[Chunk], progress: Any) -> tuple[list[Chunk], list[int]]:
    """Split the chunks a broken pool did not deliver.

    Into trials that were running (suspects) and the rest (to run again as they were).
    """
    left: list[Chunk] = []
    suspects: list[int] = []
    for start, stop in sorted(undelivered):
        marks = np.frombuffer(progress, dtype=np.int8)[start:stop]
        running = [start + int(k) for k in np.flatnonzero(marks == RUNNING)]
        suspects += running
        rest = np.setdiff1d(np.arange(start, stop), running)
        left += plan_chunks(rest, max(1, stop - start))
        marks[:] = 0
    return left, suspects


def _quarantine(job: Job, index: int, context: Any, deliver: Deliver) -> None:
    """Run trial ``index`` alone in a fresh worker; if that worker dies too, record the trial as failed."""
    pool, lifeline = _pool(job, 1, context, None)
    processes: list[Any] = []
    try:
        future = pool.submit(work, index, job.draws[index : index + 1], job.keep_below)
        processes = list((getattr(pool, "_processes", None) or {}).values())
        try:
            output = future.result()
        except BrokenProcessPool:
            # The worker may have been started after the list above was taken (a loaded
            # machine): look again, and give it time to be reaped.
            processes = processes or list((getattr(pool, "_processes", None) or {}).values())
            for process in processes:
                process.join(timeout=30)  # reaped, so that its exit code is known
            codes = [p.exitcode for p in processes if p.exitcode is not None]
            reason = "its worker process died" + (f" ({_exit_reason(codes[0])})" if codes else "")
            record = failure_record(index, job.seed, job.paths, job.draws[index], reason, "")
            output = ChunkOutput(index, index + 1, failures=[record])
        deliver(output)
    except BaseException:
        _stop(pool, set())
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for end in lifeline:
            end.close()


def _exit_reason(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


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


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while worker processes start, so that they inherit the ignoring.

    The terminal sends SIGINT to the whole process group, and only this process should
    act on it (Python leaves an ignored SIGINT ignored; workers would otherwise print
    tracebacks).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_dask(job: Job, jobs: int | None, client: Any, deliver: Deliver, started: Callable[[], None]) -> dict:
    """Run chunks on a Dask cluster.

    ``client`` (a ``Client`` or a scheduler address), or a local cluster of ``jobs``
    single-threaded worker processes made for this run.
    """
    try:
        import dask
        from distributed import Client, LocalCluster, as_completed
    except ImportError as error:
        raise ImportError(
            "backend 'dask' needs Dask distributed, which is not installed: "
            "pip install 'dask[distributed]' (or the package's 'dask' extra)"
        ) from error

    own = client is None or isinstance(client, str)
    cluster = None
    if client is None:
        # A trial that kills its worker is found by splitting its chunk: no retries needed.
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}), _sigint_ignored():
            cluster = LocalCluster(
                n_workers=jobs, threads_per_worker=1, dashboard_address=None, silence_logs=logging.CRITICAL
            )
        client = Client(cluster)
    elif isinstance(client, str):  # a scheduler address, e.g. "tcp://10.0.0.5:8786"
        address = client
        try:
            client = Client(address, timeout="10s")
        except OSError as error:
            raise OSError(f"cannot reach the Dask scheduler at {address}: {error}") from None
    chunks: dict[Any, Chunk] = {}
    try:
        workers = jobs or max(1, sum(client.nthreads().values()))
        size = chunk_size(len(job.todo), workers)
        scenario = [client.scatter(job.scenario, broadcast=True)]

        def submit(start: int, stop: int) -> Any:
            future = client.submit(
                run_chunk,
                scenario[0],
                job.seed,
                job.paths,
                job.draws[start:stop],
                start,
                job.keep_below,
                job.simulate,
                pure=False,
            )
            chunks[future] = (start, stop)
            return future

        running = as_completed([submit(*chunk) for chunk in plan_chunks(job.todo, size)])
        started()
        suspects: list[int] = []
        for future in running:
            start, stop = chunks.pop(future)
            try:
                output = future.result()
            except Exception:  # noqa: BLE001 - a dead worker, or one that cannot run the chunk
                # The scenario scattered to a dead worker may be gone with it: send a new copy
                # (under a new key, so that the tasks still using the old one are left alone).
                scenario[0] = client.scatter(job.scenario, broadcast=True, hash=False)
                if stop - start > 1:
                    for index in range(start, stop):
                        running.add(submit(index, index + 1))
                else:
                    suspects.append(start)
                continue
            deliver(output)
        for index in suspects:  # one at a time: a failure now is the trial's own
            future = submit(index, index + 1)
            try:
                output = future.result()
            except Exception as error:  # noqa: BLE001 - recorded as the trial's failure
                reason = f"its Dask worker failed: {type(error).__name__}: {error}"
                record = failure_record(index, job.seed, job.paths, job.draws[index], reason, "")
                output = ChunkOutput(index, index + 1, failures=[record])
                scenario[0] = client.scatter(job.scenario, broadcast=True, hash=False)
            chunks.pop(future)
            deliver(output)
    except BaseException:
        client.cancel(list(chunks))
        raise
    finally:
        if own:
            client.close()
        if cluster is not None:
            cluster.close()
    return {"backend": "dask", "jobs": workers, "chunk_size": size}
