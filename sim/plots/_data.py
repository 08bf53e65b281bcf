"""Numbers the figures share: outcome statistics, schedule milestones, the planned drawdown."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.montecarlo import Results
    from sim.scenario.schema import Scenario


class OutcomeStats(NamedTuple):
    """One outcome across trials: its per-trial values and the summary's statistics of them."""

    values: np.ndarray  # finite per-trial values
    n: int  # trials
    mean: float  # a probability for a binary outcome
    low: float  # 95% CI of the mean (Wilson for a probability)
    high: float
    median: float
    p5: float
    p95: float


SUMMARY_COLUMNS = ("mean", "ci_low", "ci_high", "median", "p5", "p95")
"""Columns of ``Results.summary()`` that :class:`OutcomeStats` takes, in its order."""


def outcome_stats(results: Results, name: str) -> OutcomeStats:
    """An outcome's per-trial values, with its mean, interval and percentiles from ``results.summary()``.

    The figures compute no statistic of their own, so what they draw and print is what
    the summary table says. For a ``day`` outcome the values are the trials in which it
    happened, and the summary's statistics are of those days.

    Raises:
        KeyError: ``name`` is not an outcome in the summary.
    """
    summary = results.summary()
    if name not in summary.index:
        raise KeyError(f"{name!r} is not an outcome in the summary of {results.name!r}")
    row = summary.loc[name]
    column = results.trials[name].to_numpy(dtype=float)
    mean, low, high, median, p5, p95 = (float(row[c]) for c in SUMMARY_COLUMNS)
    return OutcomeStats(column[np.isfinite(column)], len(column), mean, low, high, median, p5, p95)


def _central(value: Any) -> float:
    """A number, or a distribution's median."""
    return float(value) if isinstance(value, (int, float)) else float(value.median())


def milestones(scenario: Scenario) -> list[tuple[pd.Timestamp, str]]:
    """Dates of the calendar waypoints (distinct, in order) with a short label.

    A waypoint whose time is a distribution is placed at its median.
    """
    start = pd.Timestamp(scenario.start)
    found: dict[pd.Timestamp, list[tuple[str, float]]] = {}
    for key, element in scenario.forces.items():
        for waypoint in element.schedule:
            if waypoint.at is None:
                continue
            if isinstance(waypoint.at, dt.date):
                when = pd.Timestamp(waypoint.at)
            else:
                when = start + pd.Timedelta(days=round(_central(waypoint.at)))
            found.setdefault(when, []).append((key, _central(waypoint.troops)))
    return [(when, _moves(moves)) for when, moves in sorted(found.items())]


def _moves(moves: list[tuple[str, float]]) -> str:
    """What starts on one date, short enough for a label.

    One or two elements by name, more by count (the targets named when they agree).
    """
    if len(moves) <= 2:
        return "; ".join(f"{key} starts to {troops:,.0f}" for key, troops in moves)
    targets = {troops for _, troops in moves}
    to = f" to {targets.pop():,.0f} troops" if len(targets) == 1 else ""
    return f"{len(moves)} force elements start moving{to}"


def planned_troops(scenario: Scenario) -> np.ndarray | None:
    """Total troops day by day if every element followed its calendar schedule.

    ``None`` when any waypoint is conditions-based (its start is not known in advance).
    Distributions are replaced by their medians. Column ``d`` is the level on day ``d``,
    with a ramp starting on its day and moving linearly over ``ramp_days``.
    """
    days = np.arange(scenario.days + 1, dtype=float)
    total = np.zeros_like(days)
    for element in scenario.forces.values():
        if any(w.at is None for w in element.schedule):
            return None
        level = np.full_like(days, _central(element.troops))
        for waypoint in element.schedule:
            x0 = _central(scenario.day_of(waypoint.at))
            ramp = _central(waypoint.ramp_days)
            start_level = np.interp(x0, days, level)
            target = _central(waypoint.troops)
            fraction = np.clip((days - x0) / ramp, 0, 1) if ramp > 0 else (days >= x0).astype(float)
            level = np.where(days >= x0, start_level + (target - start_level) * fraction, level)
        total += level
    return total


def trial_ids(results: Results) -> np.ndarray:
    """The trial numbers of the rows of ``results.trials`` (column ``trial`` or the index)."""
    trials = results.trials
    if "trial" in trials.columns:
        return trials["trial"].to_numpy()
    return trials.index.to_numpy()
