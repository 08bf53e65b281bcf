"""A chunk of consecutive trials, run wherever the executor puts it.

A chunk returns compact NumPy arrays (outcomes as float64, daily series as float32,
kept event logs) rather than one Python object per trial, so that sending it back
from a worker process costs little next to the trials themselves. The same
:func:`run_chunk` serves the serial, process and Dask executors, so every backend
computes exactly the same numbers.

A trial that raises does not end its chunk: it is recorded as a failure (its index,
the run's seed, its drawn parameters, the traceback) and the chunk goes on; the runner
decides how many failures a run tolerates.

A worker process watches a pipe from its parent (:func:`init_worker`): when the parent
dies, however it dies, the pipe reaches its end and the worker exits at once. This works
wherever pipes do (Linux, macOS), unlike a parent-death signal.
"""

from __future__ import annotations

import os
import signal
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine.result import EVENT_DTYPE
from sim.montecarlo.seeding import rerun_hint, trial_scenario, trial_seed

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

RUNNING, FINISHED = 1, 2  # a trial's mark in the shared ``progress`` array (0: not started)


class TrialError(RuntimeError):
    """A trial failed; the message names the trial and how to re-run it alone.

    Attributes:
        index: the trial's index in the run (0-based).
        seed: the run's seed; the trial's engine seed is ``SeedSequence(seed, spawn_key=(index,))``.
        reason: the original exception's type and message.
    """

    def __init__(self, index: int, seed: int, reason: str):
        self.index = index
        self.seed = seed
        self.reason = reason
        super().__init__(
            f"trial {index} of the run with seed {seed} failed: {reason}\n"
            f"Its engine seed is np.random.SeedSequence({seed}, spawn_key=({index},)); re-run it alone "
            f"with: {rerun_hint(seed, index)}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its fields when it crosses a process boundary.
        return (TrialError, (self.index, self.seed, self.reason))


def failure_record(
    index: int, seed: int, paths: tuple[str, ...], row: np.ndarray, reason: str, trace: str
) -> dict[str, Any]:
    """What is kept of a failed trial: enough to re-run it alone and to see why it failed."""
    return {
        "index": int(index),
        "seed": int(seed),
        "parameters": dict(zip(paths, (float(v) for v in row), strict=True)),
        "reason": reason,
        "traceback": trace,
    }


@dataclass
class ChunkOutput:
    """What the chunk of trials ``start .. stop - 1`` returns.

    Attributes:
        start, stop: the trials the chunk was given.
        index: the trials that finished (a failed trial is missing), in order.
        outcome_names: column names of ``outcomes`` (the engine's scalar outcomes).
        outcomes: float64, shape (finished, outcomes).
        series_names: the daily series, in the order of ``series``.
        series: float32, shape (series, finished, days + 1).
        n_events: SimPy events processed by each finished trial.
        events: event logs of the kept trials, by trial index.
        failures: a :func:`failure_record` per failed trial.
    """

    start: int
    stop: int
    index: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    outcome_names: tuple[str, ...] = ()
    outcomes: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    series_names: tuple[str, ...] = ()
    series: np.ndarray = field(default_factory=lambda: np.empty((0, 0, 0), dtype=np.float32))
    n_events: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    events: dict[int, np.ndarray] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Trials that finished."""
        return len(self.index)

    @property
    def unit(self) -> str:
        """The chunk's id as a checkpoint unit."""
        return f"trials-{self.start:06d}-{self.stop:06d}"

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The finished trials as plain arrays, for a checkpoint unit (failures are kept apart)."""
        kept = sorted(self.events)
        logs = [self.events[i] for i in kept]
        return {
            "start_stop": np.asarray([self.start, self.stop], dtype=np.int64),
            "index": self.index,
            "outcome_names": np.asarray(self.outcome_names, dtype=str),
            "outcomes": self.outcomes,
            "series_names": np.asarray(self.series_names, dtype=str),
            "series": self.series,
            "n_events": self.n_events,
            "events_trial": np.asarray(kept, dtype=np.int64),
            "events_count": np.asarray([len(log) for log in logs], dtype=np.int64),
            "events": np.concatenate(logs) if logs else np.empty(0, dtype=EVENT_DTYPE),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> ChunkOutput:
        """A chunk back from :meth:`to_arrays`."""
        start, stop = (int(v) for v in arrays["start_stop"])
        ends = np.cumsum(arrays["events_count"])
        logs = np.split(arrays["events"], ends[:-1]) if len(ends) else []
        return cls(
            start,
            stop,
            arrays["index"],
            tuple(str(n) for n in arrays["outcome_names"]),
            arrays["outcomes"],
            tuple(str(n) for n in arrays["series_names"]),
            arrays["series"],
            arrays["n_events"],
            {int(i): log for i, log in zip(arrays["events_trial"], logs, strict=True)},
        )

    def head(self, count: int, stop: int) -> ChunkOutput:
        """The chunk cut short at trial ``stop``, of which the first ``count`` rows are filled."""
        return ChunkOutput(
            self.start,
            stop,
            self.index[:count],
            self.outcome_names,
            self.outcomes[:count],
            self.series_names,
            self.series[:, :count],
            self.n_events[:count],
            {i: log for i, log in self.events.items() if i < stop},
            [f for f in self.failures if f["index"] < stop],
        )


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a chunk run in this process; ``finished`` holds the trials already done."""

    def __init__(self, finished: ChunkOutput):
        super().__init__()
        self.finished = finished


Simulate = Callable[[Any, np.random.SeedSequence], Any]


def run_chunk(
    scenario: Scenario,
    seed: int,
    paths: tuple[str, ...],
    rows: np.ndarray,
    start: int,
    keep_below: int,
    simulate: Simulate,
    progress: Any = None,
) -> ChunkOutput:
    """Run trials ``start .. start + len(rows) - 1`` of a run.

    Args:
        scenario: the scenario, distributions and all.
        seed: the run's seed.
        paths: dotted paths of the drawn parameters, the columns of ``rows``.
        rows: the drawn values of these trials, one row per trial.
        start: index of the first trial.
        keep_below: keep the event log of trials with an index below this.
        simulate: the trial function, :func:`sim.engine.simulate_trial` outside tests.
        progress: optional shared array of the run's trials, marked :data:`RUNNING` while
            a trial runs and :data:`FINISHED` after, so that the parent can tell which
            trial was running when a worker died.

    A trial that raises is recorded in ``failures`` and left out of the arrays.

    Raises:
        Interrupted: Ctrl-C; carries the trials finished before it.
    """
    count = len(rows)
    output = ChunkOutput(start, start + count)
    filled = 0
    for k in range(count):
        index = start + k
        if progress is not None:
            progress[index] = RUNNING
        try:
            result = simulate(trial_scenario(scenario, paths, rows[k]), trial_seed(seed, index))
        except KeyboardInterrupt:
            raise Interrupted(output.head(filled, index)) from None
        except Exception as error:  # noqa: BLE001 - any error of a trial is that trial's failure
            reason = f"{type(error).__name__}: {error}"
            output.failures.append(
                failure_record(index, seed, paths, rows[k], reason, traceback.format_exc())
            )
            result = None
        if progress is not None:
            progress[index] = FINISHED
        if result is None:
            continue
        if filled == 0:
            output = _allocate(output, count, result)
        elif tuple(result.outcomes) != output.outcome_names or result.series_names != output.series_names:
            reason = "its outcomes or series differ from those of the trial before"
            output.failures.append(failure_record(index, seed, paths, rows[k], reason, ""))
            continue
        output.index[filled] = index
        output.outcomes[filled] = list(result.outcomes.values())
        output.series[:, filled] = result.series  # float64 -> float32 here
        output.n_events[filled] = result.n_events
        if index < keep_below:
            output.events[index] = result.events
        filled += 1
    return output.head(filled, output.stop) if filled < count else output


def _allocate(output: ChunkOutput, count: int, first: Any) -> ChunkOutput:
    names = tuple(first.outcomes)
    series_count, width = first.series.shape
    return ChunkOutput(
        output.start,
        output.stop,
        np.empty(count, dtype=np.int64),
        names,
        np.empty((count, len(names))),
        tuple(first.series_names),
        np.empty((series_count, count, width), dtype=np.float32),
        np.empty(count, dtype=np.int64),
        failures=output.failures,
    )


# ------------------------------------------------------------------ worker processes

_context: dict[str, Any] = {}


def init_worker(
    scenario: Scenario,
    seed: int,
    paths: tuple[str, ...],
    simulate: Simulate,
    progress: Any = None,
    lifeline: Any = None,
) -> None:
    """Initializer of a worker process.

    Keep the run's constants, leave signals to the parent, and exit when the parent dies.

    The terminal sends SIGINT to the whole process group; the parent alone decides
    what an interruption means (keep the finished trials, stop the workers). SIGTERM
    gets its default action back (a forked worker inherits the parent's handler).
    ``lifeline`` is ``(reader, writer)`` of a pipe whose writing end only the parent
    keeps open: the worker closes its copy and a thread waits on the reading end,
    which reaches its end when the parent exits or is killed.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _context.update(scenario=scenario, seed=seed, paths=paths, simulate=simulate, progress=progress)
    if lifeline is not None:
        reader, writer = lifeline
        writer.close()
        threading.Thread(target=_exit_with_parent, args=(reader,), daemon=True).start()


def _exit_with_parent(reader: Any) -> None:
    try:
        while True:
            reader.recv_bytes()
    except (EOFError, OSError):
        os._exit(1)  # the parent is gone: nobody will read this worker's results


def work(start: int, rows: np.ndarray, keep_below: int) -> ChunkOutput:
    """Run a chunk in a worker set up by :func:`init_worker`."""
    c = _context
    return run_chunk(
        c["scenario"], c["seed"], c["paths"], rows, start, keep_below, c["simulate"], c["progress"]
    )
