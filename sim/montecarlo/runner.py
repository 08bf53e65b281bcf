"""Monte Carlo runs: :func:`run` one scenario, :func:`compare` several with the same seed."""

from __future__ import annotations

import hashlib
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.engine import SERIES, simulate_trial
from sim.montecarlo import executors, preflight
from sim.montecarlo import precision as precision_module
from sim.montecarlo.events import events_frame
from sim.montecarlo.ledger import Ledger
from sim.montecarlo.results import PARAM_PREFIX, Comparison, Results
from sim.montecarlo.seeding import draw_run_parameters
from sim.montecarlo.store import slug
from sim.montecarlo.worker import ChunkOutput, Simulate, TrialError
from sim.scenario.schema import MAX_TRIALS, MonteCarlo, Scenario

DEFAULT_KEPT_EVENTS = 20  # trials whose event logs are kept unless asked otherwise
DEFAULT_MAX_FAILURES = 10  # failed trials a run tolerates before it stops

ScenarioLike = Scenario | str | os.PathLike


class TooManyFailures(TrialError):
    """More trials failed than the run tolerates; the run stopped.

    Attributes:
        results: the trials that finished before the run stopped (``interrupted`` is set),
            with every failure in ``results.failures``.
        comparison: from :func:`compare` only: the runs so far, this one last.
        index, seed, reason: those of the first failure.
    """

    comparison: Comparison | None = None

    def __init__(self, results: Results, max_failures: int):
        first = results.failures[0]
        self.results = results
        super().__init__(first["index"], first["seed"], first["reason"])
        self.args = (
            f"{len(results.failures)} trials failed, more than the {max_failures} tolerated; the run stopped "
            f"with {results.n_trials} trials finished. The first: {self.args[0]}",
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (TrialError, (self.index, self.seed, self.reason))


class _Stop(Exception):
    """Raised by the collector to stop the executors: too many failures."""


@dataclass(frozen=True)
class Execution:
    """How a run's trials are carried out, as opposed to which trials they are.

    None of it changes a finished trial's results (the determinism contract), only where
    and how they are run and what is kept. The fields are the arguments of :func:`run`
    of the same names, and ``simulate``, the trial function (``None`` is
    :func:`sim.engine.simulate_trial`; tests pass stand-ins).
    """

    jobs: int | None = None
    progress: bool | None = True
    keep_events: bool | int | None = None
    backend: str = "processes"
    client: Any = None
    max_failures: int = DEFAULT_MAX_FAILURES
    simulate: Simulate | None = None


def run(
    scenario: ScenarioLike,
    trials: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    progress: bool | None = True,
    keep_events: bool | int | None = None,
    backend: str = "processes",
    client: Any = None,
    checkpoint: str | os.PathLike[str] | None = None,
    max_failures: int = DEFAULT_MAX_FAILURES,
    precision: float | None = None,
    precision_outcomes: Sequence[str] = ("collapse_within_24m",),
    max_trials: int = 20_000,
) -> Results:
    """Run ``trials`` trials of a scenario and collect them.

    Args:
        scenario: a :class:`~sim.scenario.schema.Scenario`, or the path of a scenario file.
        trials: number of trials; default the scenario's ``monte_carlo.trials``.
        seed: the run's seed; default the scenario's ``monte_carlo.seed``. Trial ``i``
            always gets the same parameters and random numbers for a given seed (see
            :mod:`sim.montecarlo.seeding`), whatever ``trials``, ``jobs`` or ``backend``.
        jobs: worker processes; ``None`` uses every core this process may use, 1 runs
            in this process. More than the cores is refused.
        progress: show a progress bar on stderr (a widget in Jupyter); ``None`` shows it
            only when stderr is a terminal.
        keep_events: event logs to keep: ``True`` every trial's, ``False`` none, an
            integer ``k`` those of the first ``k`` trials; ``None`` follows the scenario's
            ``outputs.keep_events`` (True: all) and otherwise keeps the first 20.
        backend: ``"processes"`` (local worker processes) or ``"dask"`` (Dask distributed:
            ``client``, or a local cluster of ``jobs`` workers created for the run).
        client: for ``backend="dask"``, a ``dask.distributed.Client`` or a scheduler
            address (``"tcp://host:8786"``); ``None`` creates a local cluster for the run.
        checkpoint: a folder where every finished chunk of trials and every failure is
            kept as the run goes (see :mod:`sim.montecarlo.ledger`). If it holds the
            checkpoint of this same run (scenario, seed, trials, code), the run resumes:
            finished trials are read back, not run again, and the results are the same
            bits as an uninterrupted run's. ``None``: nothing is written.
        max_failures: failed trials tolerated; each is recorded in ``results.failures``
            and left out of the results. One more stops the run.
        precision: instead of a fixed count, add trials in batches (``trials`` the first,
            then doubling) until the 95% interval of every outcome in
            ``precision_outcomes`` has at most this half-width, or ``max_trials`` ran; the
            trials needed are in ``results.timings["precision"]`` (see
            :mod:`sim.montecarlo.precision`).
        precision_outcomes: the outcomes ``precision`` applies to (binary or not).
        max_trials: the most trials a run with ``precision`` may reach.

    Returns:
        The :class:`Results`. Ctrl-C (or SIGTERM, when the caller turns it into
        ``KeyboardInterrupt``) stops the workers and returns the trials finished so far,
        with ``interrupted=True``.

    Raises:
        TooManyFailures: more than ``max_failures`` trials failed; it holds the results so far.
        RunRefused: the run cannot be done as asked (too large for memory, dates out of
            range, more jobs than cores, trials that would not finish, a checkpoint of
            another run); a ``ValueError``.
        ValueError, TypeError: an argument is out of range or of the wrong type.
        OSError: the checkpoint cannot be written, or a Dask scheduler cannot be reached.
    """
    how = Execution(jobs, progress, keep_events, backend, client, max_failures)
    if precision is not None:
        return run_precisely(
            scenario, precision, precision_outcomes, trials, max_trials, seed, how, checkpoint=checkpoint
        )
    return run_with(scenario, trials, seed, how, checkpoint=checkpoint)


def compare(
    scenarios: Sequence[ScenarioLike],
    trials: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    progress: bool | None = True,
    keep_events: bool | int | None = None,
    backend: str = "processes",
    client: Any = None,
    checkpoint: str | os.PathLike[str] | None = None,
    max_failures: int = DEFAULT_MAX_FAILURES,
    precision: float | None = None,
    precision_outcomes: Sequence[str] = ("collapse_within_24m",),
    max_trials: int = 20_000,
) -> Comparison:
    """Run several scenarios with the same seed and trial count, and compare them.

    ``trials`` and ``seed`` default to the first scenario's. Sharing the seed gives the
    scenarios common random numbers: trial ``i`` of each draws the same values for the
    parameters and chances they share, so the paired differences of
    :meth:`Comparison.differences` isolate what the scenarios change. Ctrl-C stops
    after the current run; the comparison then holds the runs so far. A run with too
    many failures raises :class:`TooManyFailures`, whose ``comparison`` holds the runs
    so far (the last one stopped part way). With
    ``checkpoint``, scenario ``k`` (from 1) keeps its checkpoint in the sub-folder
    ``k-<name>``. With ``precision``, each scenario adds trials until its outcomes are
    precise enough, then every scenario is brought to the largest trial count needed, so
    that all stay paired trial by trial. The other arguments are those of :func:`run`.
    """
    if isinstance(scenarios, (str, os.PathLike, Scenario)) or not len(scenarios):
        raise ValueError("compare needs a list of one or more scenarios (objects or file paths)")
    loaded = [_scenario(s) for s in scenarios]
    how = Execution(jobs, progress, keep_events, backend, client, max_failures)
    seed = loaded[0].monte_carlo.seed if seed is None else seed
    if precision is not None:
        return _compare_precisely(
            loaded, precision, precision_outcomes, trials, max_trials, seed, how, checkpoint
        )
    trials = loaded[0].monte_carlo.trials if trials is None else trials
    done: list[Results] = []
    for position, scenario in enumerate(loaded, start=1):
        own = None if checkpoint is None else Path(checkpoint) / f"{position}-{slug(scenario.name)}"
        try:
            results = run_with(scenario, trials, seed, how, checkpoint=own)
        except TooManyFailures as error:
            error.comparison = Comparison([*done, error.results])
            raise
        done.append(results)
        if results.interrupted:
            break
    return Comparison(done)


def run_precisely(
    scenario: ScenarioLike,
    precision: float,
    outcomes: Sequence[str],
    trials: int | None,
    max_trials: int,
    seed: int | None,
    how: Execution = Execution(),
    *,
    checkpoint: str | os.PathLike[str] | None = None,
) -> Results:
    """:func:`run` with ``precision`` (see :func:`sim.montecarlo.precision.grow`).

    The batches run as :func:`run_with` runs them, with ``how``.
    """

    def batch(size: int, skip: int, own: Path | None) -> Results:
        return run_with(scenario, size, seed, how, checkpoint=own, skip=skip)

    return precision_module.grow(batch, precision, outcomes, trials, max_trials, checkpoint)


def _compare_precisely(
    scenarios: list[Scenario],
    precision: float,
    outcomes: Sequence[str],
    trials: int | None,
    max_trials: int,
    seed: int,
    how: Execution,
    checkpoint: str | os.PathLike[str] | None,
) -> Comparison:
    """Make each scenario precise with one seed, then bring all to the largest trial count.

    So that the comparison stays paired trial by trial.
    """
    done = []
    for position, scenario in enumerate(scenarios, start=1):
        own = None if checkpoint is None else Path(checkpoint) / f"{position}-{slug(scenario.name)}"
        done.append(
            run_precisely(scenario, precision, outcomes, trials, max_trials, seed, how, checkpoint=own)
        )
        if done[-1].interrupted:
            return Comparison(done)
    needed = max(int(r.scenario.monte_carlo.trials) for r in done)
    for k, results in enumerate(done):
        ran = int(results.scenario.monte_carlo.trials)
        if ran < needed:
            own = (
                None if checkpoint is None else Path(checkpoint) / f"{k + 1}-{slug(results.name)}-to-{needed}"
            )
            more = run_with(results.scenario, needed, seed, how, checkpoint=own, skip=ran)
            precise = results.timings["precision"]
            done[k] = precision_module.merge(results, more)
            done[k].timings["precision"] = {**precise, "trials_run_to_pair": needed}
    return Comparison(done)


def run_with(
    scenario: ScenarioLike,
    trials: int | None,
    seed: int | None,
    how: Execution = Execution(),
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    skip: int = 0,
) -> Results:
    """:func:`run` of ``trials`` trials with ``seed``, carried out as ``how`` says.

    ``skip``: run only the trials from this index on (the trials before it are another
    run's; :mod:`sim.montecarlo.precision` adds trials to a run this way).
    """
    simulate = simulate_trial if how.simulate is None else how.simulate
    backend, client, progress = how.backend, how.client, how.progress
    scenario = _scenario(scenario)
    trials = _count("trials", scenario.monte_carlo.trials if trials is None else trials, 1, MAX_TRIALS)
    seed = _count("seed", scenario.monte_carlo.seed if seed is None else seed, 0, 2**63 - 1)
    jobs = _count("jobs", usable_cores() if how.jobs is None else how.jobs, 1, 1 << 20)
    max_failures = _count("max_failures", how.max_failures, 0, MAX_TRIALS)
    if backend not in executors.BACKENDS:
        raise ValueError(f"expected backend 'processes' or 'dask', found {backend!r}")
    scenario = scenario.model_copy(update={"monte_carlo": MonteCarlo(trials=trials, seed=seed)})
    _check_resources(scenario, trials, jobs, local=backend == "processes" or client is None)
    keep_below = _kept(scenario, trials, how.keep_events)
    draws = draw_run_parameters(scenario, trials, seed)
    preflight.check_workload(scenario, draws.paths, draws.values)
    ledger = None
    if checkpoint is not None:
        ledger = Ledger.open(checkpoint, _fingerprint(scenario, seed, trials, keep_below, skip))
    collector = _Collector(scenario, trials, seed, progress, ledger, max_failures, keep_below)
    todo = collector.resume()
    todo = todo[todo >= skip]
    job = executors.Job(scenario, seed, draws.paths, draws.values, keep_below, simulate, todo)
    began = time.perf_counter()
    interrupted = stopped = False
    setup: dict = {"backend": "serial" if backend == "processes" and jobs == 1 else backend, "jobs": jobs}
    try:
        if not len(todo):
            collector.start()
        elif backend == "dask":
            setup = executors.run_dask(job, jobs, client, collector.add, collector.start)
        elif jobs == 1:
            setup = executors.run_serial(job, collector.add, collector.start)
        else:
            setup = executors.run_processes(job, jobs, collector.add, collector.start)
    except KeyboardInterrupt:
        interrupted = True
    except _Stop:
        interrupted = stopped = True
    finally:
        collector.close()
    wall = time.perf_counter() - began
    timings = {
        "wall_seconds": wall,
        "trials_per_second": (collector.finished - collector.resumed) / wall if wall > 0 else math.nan,
        **setup,
    }
    if collector.resumed:
        timings["resumed_trials"] = collector.resumed
    results = collector.results(draws.paths, draws.values, interrupted, timings)
    if stopped:
        raise TooManyFailures(results, max_failures)
    return results


def _check_resources(scenario: Scenario, trials: int, jobs: int, local: bool) -> None:
    """The pre-flight checks that need no draws; ``local``: workers on this machine."""
    preflight.check_dates(scenario)
    if local:
        preflight.check_jobs(jobs, usable_cores())
    preflight.check_memory(
        series_bytes(scenario, trials) + (preflight.WORKER_BYTES * jobs if local and jobs > 1 else 0),
        f"{trials:,} trials of {scenario.days:,} days with {jobs} worker(s)",
    )


def _fingerprint(
    scenario: Scenario, seed: int, trials: int, keep_below: int, skip: int = 0
) -> dict[str, Any]:
    """What makes a run's chunks what they are (the ledger adds the code and format versions)."""
    text = scenario.model_dump_json(by_alias=True)
    fingerprint = {
        "kind": "monte_carlo_run",
        "scenario": scenario.name,
        "scenario_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "seed": seed,
        "trials": trials,
        "events_kept_below": keep_below,
        **({"skip": skip} if skip else {}),
    }
    posterior = scenario.posterior.data if scenario.posterior is not None else None
    if posterior is not None:
        # The scenario names its posterior file; the particles drawn are in its content.
        fingerprint["posterior_sha256"] = posterior.sha256
    return fingerprint


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


def _kept(scenario: Scenario, trials: int, keep_events: bool | int | None) -> int:
    """Keep the event logs of trials with an index below the returned number."""
    if keep_events is None:
        return trials if scenario.outputs.keep_events else min(DEFAULT_KEPT_EVENTS, trials)
    if isinstance(keep_events, bool):
        return trials if keep_events else 0
    return min(trials, _count("keep_events", keep_events, 0, 2**62))


class _Collector:
    """Collects a run's chunks as they finish.

    Puts finished chunks in their place in preallocated arrays, keeps them in the
    checkpoint (if any), counts failures, and shows progress.

    A daily series that is the same in every trial so far (troops under a calendar
    schedule, for instance) is kept as one row; its per-trial array is allocated only
    when a trial differs. This keeps large runs of fixed schedules small in memory.
    """

    def __init__(
        self,
        scenario: Scenario,
        trials: int,
        seed: int,
        progress: bool | None,
        ledger: Ledger | None,
        max_failures: int,
        keep_below: int,
    ):
        self.scenario = scenario
        self.trials = trials
        self.seed = seed
        self.progress = sys.stderr.isatty() if progress is None else bool(progress)
        self.ledger = ledger
        self.max_failures = max_failures
        self.keep_below = keep_below
        self.bar: Any = None
        self.done = np.zeros(trials, dtype=bool)
        self.n_events = np.zeros(trials, dtype=np.int64)
        self.outcome_names: tuple[str, ...] = ()
        self.outcomes: np.ndarray | None = None
        self.series_names: tuple[str, ...] = (*(f"troops:{key}" for key in scenario.forces), *SERIES)
        self.shared: list[np.ndarray] = []  # per series: the row every trial so far had
        self.series: list[np.ndarray | None] = []  # per series: (trials, days + 1), once trials differ
        self.events: dict[int, np.ndarray] = {}
        self.failures: dict[int, dict[str, Any]] = {}
        self.resumed = 0
        self.memory_checked = False

    @property
    def finished(self) -> int:
        return int(self.done.sum())

    def resume(self) -> np.ndarray:
        """Take in what the checkpoint holds; return the trials still to run."""
        if self.ledger is not None and self.ledger.resumed:
            for record in self.ledger.failures():
                self.failures.setdefault(int(record["index"]), record)
            for _, arrays in self.ledger:
                self._place(ChunkOutput.from_arrays(arrays))
            self.resumed = self.finished
        failed = np.zeros(self.trials, dtype=bool)
        failed[list(self.failures)] = True
        return np.flatnonzero(~self.done & ~failed)

    def start(self) -> None:
        """Called once the workers are running (so no thread of ours is forked into them)."""
        if self.progress and self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=self.trials,
                initial=self.finished + len(self.failures),
                desc=self.scenario.name,
                unit="trial",
                file=sys.stderr,
                dynamic_ncols=True,
            )

    def add(self, output: ChunkOutput) -> None:
        """Keep a finished chunk (any order): in the checkpoint first, then in memory."""
        if self.ledger is not None:
            for record in output.failures:
                self.ledger.failed(**record)
            if output.count:
                self.ledger.write(output.unit, output.to_arrays())
        for record in output.failures:
            self.failures.setdefault(record["index"], record)
        self._place(output)
        if not self.memory_checked and output.count:
            self._check_memory(output)
        if self.bar is not None:
            self.bar.update(output.count + len(output.failures))
        if len(self.failures) > self.max_failures:
            raise _Stop

    def _place(self, output: ChunkOutput) -> None:
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
        rows = output.index
        self.outcomes[rows] = output.outcomes
        for k, block in enumerate(output.series):
            full = self.series[k]
            if full is None:
                if (block == self.shared[k]).all():
                    continue
                # np.empty: pages of trials never finished (an interrupted run) stay untouched
                full = np.empty((self.trials, block.shape[1]), np.float32)
                full[self.done] = self.shared[k]
                self.series[k] = full
            full[rows] = block
        self.n_events[rows] = output.n_events
        self.done[rows] = True
        self.events.update(output.events)

    def _check_memory(self, output: ChunkOutput) -> None:
        """Refuse a run whose kept logs and series would not fit in memory, before it gets there.

        The first chunk shows how large a trial's event log is.
        """
        self.memory_checked = True
        logs = [log.nbytes for log in output.events.values()]
        per_log = sum(logs) / len(logs) if logs else 0.0
        needed = series_bytes(self.scenario, self.trials) + int(per_log * self.keep_below)
        preflight.check_memory(
            needed,
            f"{self.trials:,} trials with {self.keep_below:,} event logs of about {per_log / 1e3:,.0f} kB",
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def results(self, paths: tuple[str, ...], draws: np.ndarray, interrupted: bool, timings: dict) -> Results:
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
            self.seed,
            trials,
            series,
            events=events_frame(self.events, self.scenario),
            events_kept_for=sorted(self.events),
            interrupted=interrupted,
            timings=timings,
            failures=[self.failures[i] for i in sorted(self.failures)],
        )
