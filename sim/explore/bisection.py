"""The fastest safe exit: the smallest lever value that meets goals with stated confidence.

:func:`search` looks along one lever (an exit date, a residual force, a ramp length)
for the first value at which every goal holds, for instance the earliest
``exit_start`` with ``collapse_within_24m <= 0.05``. It assumes the goals, once met,
stay met further along the lever (a later exit is no riskier); it then needs only a
bisection over the lever's values: about log2(values) probes instead of all of them.

Each probe runs the scenario with the lever set, with the same seed as every other
probe (common random numbers: probe differences come from the lever, not from
chance), and decides with **confidence** ``c``: a goal ``outcome <= t`` is met when
the one-sided upper ``c`` bound of the outcome's mean (Wilson for a probability,
Student t otherwise) is at most ``t``, and failed when the lower bound is above ``t``.
When the bounds straddle ``t``, the probe adds trials (doubling, the first trials are
never run again) until it can decide or reaches ``max_trials``; a probe still
undecided then counts as not met (the search never claims more safety than it has
shown) and is marked ``undecided``. More trials are spent only close to the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.explore.goals import Goal, parse_goal
from sim.explore.levers import ExploreError, Lever, apply_levers, make_levers
from sim.montecarlo import stats
from sim.montecarlo.results import outcome_kind_unit

DEFAULT_TRIALS = 200
DEFAULT_MAX_TRIALS = 3200
DEFAULT_POINTS = 21


@dataclass
class SearchResult:
    """What :func:`search` found.

    Attributes:
        lever: the lever searched.
        goals: the goals (values as fractions for probabilities).
        confidence: the one-sided confidence of every decision.
        answer: the first value meeting every goal (lever units: day numbers for dates),
            or ``None`` when no value in the range was shown to meet them.
        status: ``found``, ``first value`` (the range's first value already meets the goals:
            the answer may lie below it), ``none`` (neither the last value nor the first
            meets them) or ``reversed`` (the first value meets them but the last does not:
            they do not stay met along the lever, the search's assumption; try
            ``prefer="high"``, or sweep the lever).
        probes: one row per probe, in the order run: ``value`` (as shown), ``trials``, and
            per goal ``<outcome>``, ``<outcome>:low``, ``<outcome>:high`` (one-sided bounds
            at ``confidence``) and ``decision`` (``met``, ``failed`` or ``undecided``).
        values: the lever's values searched (lever units).
        seed: the seed of every probe.
    """

    lever: Lever
    goals: list[Goal]
    confidence: float
    answer: float | None
    status: str
    probes: pd.DataFrame
    values: np.ndarray
    seed: int
    trials_run: int = 0
    prefer: str = "low"
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def answer_shown(self) -> Any:
        """The answer as a reader sees it: a date for a date lever, else a number."""
        if self.answer is None:
            return None
        return self.lever.to_date(self.answer) if self.lever.is_date else self.answer

    def describe(self) -> str:
        """One sentence: what was found, with what confidence."""
        goals = " and ".join(g.text(percent=_is_probability(g)) for g in self.goals)
        conf = f"{100 * self.confidence:g}% confidence"
        if self.status == "reversed":
            first = _shown(self.lever, self.values[0] if self.prefer == "low" else self.values[-1])
            return (
                f"{goals} holds with {conf} at {self.lever.path} = {first} but not at the other end of the "
                f"range: it does not stay met along {self.lever.path}, so there is no first value to find "
                f"(search with prefer='{'high' if self.prefer == 'low' else 'low'}', or sweep the lever)"
            )
        if self.answer is None:
            return f"no value of {self.lever.path} in the range meets {goals} with {conf}"
        where = (
            " (the first value searched: lower values were not tried)" if self.status == "first value" else ""
        )
        return f"{self.lever.path} = {_shown(self.lever, self.answer)} is the first value meeting {goals} with {conf}{where}"


def _is_probability(goal: Goal) -> bool:
    try:
        return outcome_kind_unit(goal.outcome)[0] == "binary"
    except KeyError:
        return False


def _shown(lever: Lever, value: float) -> str:
    return lever.to_date(value).isoformat() if lever.is_date else f"{value:g}"


def search(
    scenario: Any,
    lever: str | Lever,
    goal: str | Goal | Sequence[str | Goal],
    trials: int = DEFAULT_TRIALS,
    max_trials: int = DEFAULT_MAX_TRIALS,
    confidence: float = 0.95,
    points: int = DEFAULT_POINTS,
    prefer: str = "low",
    seed: int | None = None,
    jobs: int | None = None,
    backend: str = "processes",
    client: Any = None,
    max_failures: int = 10,
    progress: bool = False,
    simulate: Callable | None = None,
) -> SearchResult:
    """The first value of ``lever`` at which every goal holds with ``confidence``.

    Args:
        scenario: a scenario or the path of a scenario file.
        lever: ``"PATH=LOW..HIGH[/STEP]"`` or ``"PATH=a,b,c"`` (see :mod:`sim.explore.levers`),
            for instance ``"exit_start=2024-06-01..2026-12-01/1m"``; without a step or a
            list, ``points`` even steps.
        goal: one goal or several, e.g. ``"collapse_within_24m <= 0.05"`` (fractions).
        trials: trials of a probe's first batch.
        max_trials: the most trials a probe runs.
        confidence: one-sided confidence of each decision (0.5 to 1).
        points: even steps over the lever's range when it has no step or list.
        prefer: ``"low"``: the smallest value meeting the goals, assuming they stay met
            at larger values; ``"high"``: the largest, assuming they stay met below it.
        seed: as for :func:`sim.run`.
        jobs: as for :func:`sim.run`.
        backend: as for :func:`sim.run`.
        client: as for :func:`sim.run`.
        max_failures: as for :func:`sim.run`, per probe.
        progress: a progress bar over each probe's trials on stderr.
        simulate: a stand-in for the engine's trial (tests).
    """
    from sim.montecarlo.runner import _scenario

    scenario = _scenario(scenario)
    (found,) = make_levers(scenario, [lever]) if isinstance(lever, str) else (lever,)
    goals = [parse_goal(g) for g in ([goal] if isinstance(goal, (str, Goal)) else goal)]
    if not goals:
        raise ExploreError("goal: expected at least one goal, found none")
    if not 0.5 <= confidence < 1:
        raise ExploreError(f"confidence: expected a number from 0.5 to below 1, found {confidence}")
    if prefer not in ("low", "high"):
        raise ExploreError(f"prefer: expected 'low' or 'high', found {prefer!r}")
    if not 1 <= trials <= max_trials:
        raise ExploreError(f"trials: expected 1 to max_trials ({max_trials}), found {trials}")
    values = np.unique(found.grid(points))
    if prefer == "high":
        values = values[::-1]
    seed = scenario.monte_carlo.seed if seed is None else int(seed)
    prober = _Prober(
        scenario,
        found,
        goals,
        confidence,
        trials,
        max_trials,
        seed,
        dict(jobs=jobs, backend=backend, client=client, max_failures=max_failures),
        simulate,
        progress,
    )
    last = len(values) - 1
    if not prober.meets(values[last]):
        # The first value too, which the assumption says cannot then meet the goals: if it
        # does, the goals do not stay met along the lever, and bisection cannot be trusted.
        answer, status = None, "reversed" if last and prober.meets(values[0]) else "none"
    elif prober.meets(values[0]):
        answer, status = values[0], "first value"
    else:
        below, above = 0, last  # goals not met at ``below``, met at ``above``
        while above - below > 1:
            middle = (below + above) // 2
            if prober.meets(values[middle]):
                above = middle
            else:
                below = middle
        answer, status = values[above], "found"
    if prefer == "high":
        values = values[::-1]
    return SearchResult(
        found,
        goals,
        confidence,
        None if answer is None else float(answer),
        status,
        prober.table(),
        values,
        seed,
        trials_run=prober.trials_run,
        prefer=prefer,
    )


class _Prober:
    """Runs probes (with their added trials) and decides them."""

    def __init__(
        self, scenario, lever, goals, confidence, trials, max_trials, seed, options, simulate, progress
    ):
        self.scenario = scenario
        self.lever = lever
        self.goals = goals
        # a two-sided interval at this level has one-sided bounds at ``confidence``
        self.level = 2 * confidence - 1
        self.trials = trials
        self.max_trials = max_trials
        self.seed = seed
        self.options = options
        self.simulate = simulate
        self.progress = progress
        self.rows: list[dict[str, Any]] = []
        self.trials_run = 0

    def meets(self, value: float) -> bool:
        from sim.montecarlo.precision import merge  # one run made of batches
        from sim.montecarlo.runner import Execution, run_with

        scenario = apply_levers(self.scenario, [self.lever], [value])
        size, results = self.trials, None
        while True:
            how = Execution(progress=self.progress, keep_events=0, simulate=self.simulate, **self.options)
            skip = 0 if results is None else int(results.scenario.monte_carlo.trials)
            batch = run_with(scenario, size, self.seed, how, skip=skip)
            if batch.interrupted:
                raise KeyboardInterrupt
            results = batch if results is None else merge(results, batch)
            decisions, row = self._decide(results)
            if "undecided" not in decisions or size >= self.max_trials:
                break
            size = min(self.max_trials, 2 * size)
        self.trials_run += results.n_trials
        decision = "failed" if "failed" in decisions else "undecided" if "undecided" in decisions else "met"
        self.rows.append({"value": value, "trials": results.n_trials, **row, "decision": decision})
        return decision == "met"

    def _decide(self, results: Any) -> tuple[list[str], dict[str, float]]:
        decisions, row = [], {}
        for goal in self.goals:
            if goal.outcome not in results.trials.columns:
                raise ExploreError(
                    f"goal: unknown outcome {goal.outcome!r}; expected one of {', '.join(results.outcome_names)}"
                )
            values = results.trials[goal.outcome].to_numpy(float)
            values = values[np.isfinite(values)]
            kind, _ = outcome_kind_unit(goal.outcome)
            if not len(values):
                estimate = low = high = math.nan
            elif kind == "binary":
                estimate, low, high = stats.wilson(float(values.sum()), len(values), self.level)
            else:
                estimate, low, high = stats.mean_ci(values, self.level)
            row.update({goal.outcome: estimate, f"{goal.outcome}:low": low, f"{goal.outcome}:high": high})
            row[f"{goal.outcome}:n"] = len(values)
            # Met when even the unfavourable bound meets the goal; failed when even the
            # favourable one misses it.
            worst, best = (high, low) if goal.upper else (low, high)
            if not np.isfinite(low) or not np.isfinite(high):
                decisions.append("undecided")
            elif goal.holds(np.array([worst]))[0]:
                decisions.append("met")
            elif not goal.holds(np.array([best]))[0]:
                decisions.append("failed")
            else:
                decisions.append("undecided")
        return decisions, row

    def table(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows)
        if len(frame):
            frame["value"] = self.lever.shown(frame["value"].to_numpy(float))
        frame.index.name = "probe"
        return frame
