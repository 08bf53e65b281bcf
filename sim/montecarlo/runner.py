"""Monte Carlo runs: :func:`run` one scenario, :func:`compare` several with the same seed."""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.engine import SERIES, simulate_trial
from sim.montecarlo import executors
from sim.montecarlo.events import events_frame
from sim.montecarlo.results import PARAM_PREFIX, Comparison, Results
from sim.montecarlo.seeding import draw_run_parameters
from sim.montecarlo.worker import ChunkOutput, Simulate
from sim.scenario.schema import MAX_TRIALS, MonteCarlo, Scenario

DEFAULT_KEPT_EVENTS = 20  # trials whose event logs are kept unless asked otherwise
MEMORY_SHARE = 0.8  # a run may plan to use at most this share of physical memory for its series

ScenarioLike = Scenario | str | os.PathLike


def run(
    scenario: ScenarioLike,
    trials: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    progress: bool | None = True,
    keep_events: bool | int | None = None,
    backend: str = "processes",
    client: Any = None,
) -> Results:
    """Run ``trials`` trials of a scenario and collect them.

    Args:
        scenario: a :class:`~sim.scenario.schema.Scenario`, or the path of a scenario file.
        trials: number of trials; default the scenario's ``monte_carlo.trials``.
        seed: the run's seed; default the scenario's ``monte_carlo.seed``. Trial ``i``
            always gets the same parameters and random numbers for a given seed (see
            :mod:`sim.montecarlo.seeding`), whatever ``trials``, ``jobs`` or ``backend``.
        jobs: worker processes; ``None`` uses every core this process may use, 1 runs
            in this process.
        progress: show a progress bar on stderr (a widget in Jupyter); ``None`` shows it
            only when stderr is a terminal.
        keep_events: event logs to keep: ``True`` every trial's, ``False`` none, an
            integer ``k`` those of the first ``k`` trials; ``None`` follows the scenario's
            ``outputs.keep_events`` (True: all) and otherwise keeps the first 20.
        backend: ``"processes"`` (local worker processes) or ``"dask"`` (Dask distributed:
            ``client``, or a local cluster of ``jobs`` workers created for the run).
        client: for ``backend="dask"``, a ``dask.distributed.Client`` or a scheduler
            address (``"tcp://host:8786"``); ``None`` creates a local cluster for the run.

    Returns:
        The :class:`Results`. Ctrl-C stops the workers and returns the trials finished
        so far, with ``interrupted=True``.

    Raises:
        TrialError: a trial raised; the message names its index and seed.
        ValueError, TypeError: an argument is out of range or of the wrong type.
    """
    return run_with(scenario, trials, seed, jobs, progress, keep_events, backend, client)


def compare(
    scenarios: Sequence[ScenarioLike],
    trials: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    progress: bool | None = True,
    keep_events: bool | int | None = None,
    backend: str = "processes",
    client: Any = None,
) -> Comparison:
    """Run several scenarios with the same seed and trial count, and compare them.

    ``trials`` and ``seed`` default to the first scenario's. Sharing the seed gives the
    scenarios common random numbers: trial ``i`` of each draws the same values for the
    parameters and chances they share, so the paired differences of
    :meth:`Comparison.differences` isolate what the scenarios change. Ctrl-C stops
    after the current run; the comparison then holds the runs so far.
    """
    if isinstance(scenarios, (str, os.PathLike, Scenario)) or not len(scenarios):
        raise ValueError("compare needs a list of one or more scenarios (objects or file paths)")
    loaded = [_scenario(s) for s in scenarios]
    trials = loaded[0].monte_carlo.trials if trials is None else trials
    seed = loaded[0].monte_carlo.seed if seed is None else seed
    done = []
    for scenario in loaded:
        results = run_with(scenario, trials, seed, jobs, progress, keep_events, backend, client)
        done.append(results)
        if results.interrupted:
            break
    return Comparison(done)


def run_with(
    scenario: ScenarioLike,
    trials: int | None,
    seed: int | None,
    jobs: int | None,
    progress: bool | None,
    keep_events: bool | int | None,
    backend: str,
    client: Any,
    simulate: Simulate = simulate_trial,
) -> Results:
    """:func:`run` with the trial function as a parameter (tests pass stand-ins)."""
    scenario = _scenario(scenario)
    trials = _count("trials", scenario.monte_carlo.trials if trials is None else trials, 1, MAX_TRIALS)
    seed = _count("seed", scenario.monte_carlo.seed if seed is None else seed, 0, 2**63 - 1)
    jobs = _count("jobs", usable_cores() if jobs is None else jobs, 1, 4096)
    if backend not in executors.BACKENDS:
        raise ValueError(f"expected backend 'processes' or 'dask', found {backend!r}")
    _check_memory(scenario, trials)
    scenario = scenario.model_copy(update={"monte_carlo": MonteCarlo(trials=trials, seed=seed)})
    draws = draw_run_parameters(scenario, trials, seed)
    job = executors.Job(
        scenario, seed, draws.paths, draws.values, _kept(scenario, trials, keep_events), simulate
    )
    collector = _Collector(scenario, trials, progress)
    began = time.perf_counter()
    interrupted = False
    try:
        if backend == "dask":
            setup = executors.run_dask(job, jobs, client, collector.add, collector.start)
        elif jobs == 1:
            setup = executors.run_serial(job, collector.add, collector.start)
        else:
            setup = executors.run_processes(job, jobs, collector.add, collector.start)
    except KeyboardInterrupt:
        interrupted = True
        setup = {"backend": "serial" if backend == "processes" and jobs == 1 else backend, "jobs": jobs}
    finally:
        collector.close()
    wall = time.perf_counter() - began
    timings = {
        "wall_seconds": wall,
        "trials_per_second": collector.finished / wall if wall > 0 else math.nan,
        **setup,
    }
    return collector.results(draws.paths, draws.values, seed, interrupted, timings)


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system reports it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _scenario(scenario: ScenarioLike) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, (str, os.PathLike)):
        from sim.scenario.loader import load_scenario  # written alongside; imported when needed

        return load_scenario(scenario)
    raise TypeError(f"expected a Scenario or the path of a scenario file, found {type(scenario).__name__}")


def _count(what: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what}: expected an integer, found {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{what}: expected an integer from {low} to {high}, found {value}")
    return int(value)


def series_bytes(scenario: Scenario, trials: int) -> int:
    """Memory the daily series of a run can take at most: float32, every series varying."""
    return trials * (len(scenario.forces) + len(SERIES)) * (scenario.days + 1) * 4


def _check_memory(scenario: Scenario, trials: int) -> None:
    """Refuse a run whose series could not fit in this machine's memory, before it starts."""
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not a POSIX system: no check
        return
    needed = series_bytes(scenario, trials)
    if needed > MEMORY_SHARE * physical:
        raise ValueError(
            f"trials: {trials:,} trials of {scenario.days:,} days would hold up to {needed / 2**30:.1f} GB of "
            f"daily series, more than {MEMORY_SHARE:.0%} of this machine's {physical / 2**30:.1f} GB; "
            "run fewer trials or a shorter horizon"
        )


def _kept(scenario: Scenario, trials: int, keep_events: bool | int | None) -> int:
    """Keep the event logs of trials with an index below the returned number."""
    if keep_events is None:
        return trials if scenario.outputs.keep_events else min(DEFAULT_KEPT_EVENTS, trials)
    if isinstance(keep_events, bool):
        return trials if keep_events else 0
    return _count("keep_events", keep_events, 0, 2**62)


class _Collector:
    """Puts finished chunks in their place in preallocated arrays, and shows progress.

    A daily series that is the same in every trial so far (troops under a calendar
    schedule, for instance) is kept as one row; its per-trial array is allocated only
    when a trial differs. This keeps large runs of fixed schedules small in memory.
    """

    def __init__(self, scenario: Scenario, trials: int, progress: bool | None):
        self.scenario = scenario
        self.trials = trials
        self.progress = sys.stderr.isatty() if progress is None else bool(progress)
        self.bar: Any = None
        self.done = np.zeros(trials, dtype=bool)
        self.n_events = np.zeros(trials, dtype=np.int64)
        self.outcome_names: tuple[str, ...] = ()
        self.outcomes: np.ndarray | None = None
        self.series_names: tuple[str, ...] = (*(f"troops:{key}" for key in scenario.forces), *SERIES)
        self.shared: list[np.ndarray] = []  # per series: the row every trial so far had
        self.series: list[np.ndarray | None] = []  # per series: (trials, days + 1), once trials differ
        self.events: dict[int, np.ndarray] = {}

    @property
    def finished(self) -> int:
        return int(self.done.sum())

    def start(self) -> None:
        """Called once the workers are running (so no thread of ours is forked into them)."""
        if self.progress and self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=self.trials, desc=self.scenario.name, unit="trial", file=sys.stderr, dynamic_ncols=True
            )

    def add(self, output: ChunkOutput) -> None:
        """Store a finished chunk (any order)."""
        if output.count == 0:
            return
        if self.outcomes is None:
            self.outcome_names = output.outcome_names
            self.series_names = output.series_names
            self.outcomes = np.full((self.trials, len(output.outcome_names)), np.nan)
            self.shared = [block[0].copy() for block in output.series]
            self.series = [None] * len(self.shared)
        elif output.outcome_names != self.outcome_names or output.series_names != self.series_names:
            raise RuntimeError("chunks of one run returned different outcomes or series")
        rows = slice(output.start, output.start + output.count)
        self.outcomes[rows] = output.outcomes
        for k, block in enumerate(output.series):
            if self.series[k] is None:
                if (block == self.shared[k]).all():
                    continue
                # np.empty: pages of trials never finished (an interrupted run) stay untouched
                full = np.empty((self.trials, block.shape[1]), np.float32)
                full[self.done] = self.shared[k]
                self.series[k] = full
            self.series[k][rows] = block
        self.n_events[rows] = output.n_events
        self.done[rows] = True
        self.events.update(output.events)
        if self.bar is not None:
            self.bar.update(output.count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def results(
        self, paths: tuple[str, ...], draws: np.ndarray, seed: int, interrupted: bool, timings: dict
    ) -> Results:
        """The collected trials as :class:`Results` (only the finished ones)."""
        everything = bool(self.done.all())
        index = np.flatnonzero(self.done)
        columns: dict[str, np.ndarray] = {}
        for column, path in enumerate(paths):
            columns[PARAM_PREFIX + path] = draws[index, column]
        shape = (len(index), self.scenario.days + 1)
        series: dict[str, np.ndarray] = {}
        if self.outcomes is not None:
            outcomes = self.outcomes if everything else self.outcomes[index]
            for column, name in enumerate(self.outcome_names):
                columns[name] = outcomes[:, column]
            for name, shared, full in zip(self.series_names, self.shared, self.series, strict=True):
                if full is None:
                    series[name] = np.broadcast_to(shared, shape)
                else:
                    series[name] = full if everything else full[index]
        else:
            series = {name: np.empty(shape, np.float32) for name in self.series_names}
        columns["n_events"] = self.n_events[index]
        trials = pd.DataFrame(columns, index=pd.Index(index.astype(np.int64), name="trial"))
        return Results(
            self.scenario,
            seed,
            trials,
            series,
            events=events_frame(self.events, self.scenario),
            events_kept_for=sorted(self.events),
            interrupted=interrupted,
            timings=timings,
        )
