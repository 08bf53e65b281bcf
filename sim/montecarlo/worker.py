"""A chunk of consecutive trials, run wherever the executor puts it.

A chunk returns compact NumPy arrays (outcomes as float64, daily series as float32,
kept event logs) rather than one Python object per trial, so that sending it back
from a worker process costs little next to the trials themselves. The same
:func:`run_chunk` serves the serial, process and Dask executors, so every backend
computes exactly the same numbers.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.montecarlo.seeding import rerun_hint, trial_scenario, trial_seed


class TrialError(RuntimeError):
    """A trial raised an exception; the message names the trial and how to re-run it alone.

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


@dataclass
class ChunkOutput:
    """What a chunk of trials ``start, start + 1, ...`` returns.

    Attributes:
        start: index of the chunk's first trial.
        outcome_names: column names of ``outcomes`` (the engine's scalar outcomes).
        outcomes: float64, shape (trials, outcomes).
        series_names: the daily series, in the order of ``series``.
        series: float32, shape (series, trials, days + 1).
        n_events: SimPy events processed by each trial.
        events: event logs of the kept trials, by trial index.
    """

    start: int
    outcome_names: tuple[str, ...] = ()
    outcomes: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    series_names: tuple[str, ...] = ()
    series: np.ndarray = field(default_factory=lambda: np.empty((0, 0, 0), dtype=np.float32))
    n_events: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    events: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """Trials in the chunk."""
        return len(self.n_events)

    def head(self, count: int) -> ChunkOutput:
        """The first ``count`` trials of the chunk."""
        return ChunkOutput(
            self.start,
            self.outcome_names,
            self.outcomes[:count],
            self.series_names,
            self.series[:, :count],
            self.n_events[:count],
            {i: log for i, log in self.events.items() if i < self.start + count},
        )


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a chunk run in this process; ``finished`` holds the trials already done."""

    def __init__(self, finished: ChunkOutput):
        super().__init__()
        self.finished = finished


Simulate = Callable[[Any, np.random.SeedSequence], Any]


def run_chunk(
    scenario: Any,
    seed: int,
    paths: tuple[str, ...],
    rows: np.ndarray,
    start: int,
    keep_below: int,
    simulate: Simulate,
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

    Raises:
        TrialError: a trial raised; names its index and the run seed.
        Interrupted: Ctrl-C; carries the trials finished before it.
    """
    output = ChunkOutput(start)
    count = len(rows)
    for k in range(count):
        index = start + k
        try:
            result = simulate(trial_scenario(scenario, paths, rows[k]), trial_seed(seed, index))
        except KeyboardInterrupt:
            raise Interrupted(output.head(k)) from None
        except Exception as error:
            raise TrialError(index, seed, f"{type(error).__name__}: {error}") from error
        if k == 0:
            output = _allocate(start, count, result)
        elif tuple(result.outcomes) != output.outcome_names or result.series_names != output.series_names:
            raise TrialError(index, seed, "its outcomes or series differ from those of the trial before")
        output.outcomes[k] = list(result.outcomes.values())
        output.series[:, k] = result.series  # float64 -> float32 here
        output.n_events[k] = result.n_events
        if index < keep_below:
            output.events[index] = result.events
    return output


def _allocate(start: int, count: int, first: Any) -> ChunkOutput:
    names = tuple(first.outcomes)
    series_count, width = first.series.shape
    return ChunkOutput(
        start,
        names,
        np.empty((count, len(names))),
        tuple(first.series_names),
        np.empty((series_count, count, width), dtype=np.float32),
        np.empty(count, dtype=np.int64),
    )


# ------------------------------------------------------------------ worker processes

_context: dict[str, Any] = {}


def init_worker(scenario: Any, seed: int, paths: tuple[str, ...], simulate: Simulate) -> None:
    """Initializer of a worker process: keep the run's constants, leave Ctrl-C to the parent.

    The terminal sends SIGINT to the whole process group; the parent alone decides
    what an interruption means (keep the finished trials, stop the workers).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _context.update(scenario=scenario, seed=seed, paths=paths, simulate=simulate)


def work(start: int, rows: np.ndarray, keep_below: int) -> ChunkOutput:
    """Run a chunk in a worker set up by :func:`init_worker`."""
    c = _context
    return run_chunk(c["scenario"], c["seed"], c["paths"], rows, start, keep_below, c["simulate"])
