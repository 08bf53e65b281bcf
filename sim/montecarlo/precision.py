"""Precision instead of a trial count: add trials until the intervals are narrow enough.

:func:`grow` runs a first batch of trials, then keeps doubling the run (new
trials only: trial ``i`` is the same trial whatever the run's length, so the first
trials are never run again) until the 95% interval of every named outcome has a
half-width at most ``precision`` (in the outcome's own units: a fraction for a
probability), or ``max_trials`` is reached. The results say how many trials were
needed in ``results.timings["precision"]``.

A censored outcome (``collapse_within_24m`` when the run ends too soon after the exit)
has no value in some trials; its interval is over the trials that have one, and an
outcome with no value at all never reaches the target (the run stops at the cap and
says so).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.montecarlo import stats
from sim.montecarlo.results import Results, outcome_kind_unit

DEFAULT_OUTCOMES = ("collapse_within_24m",)
DEFAULT_MAX_TRIALS = 20_000
DEFAULT_FIRST_BATCH = 100


def half_widths(results: Results, outcomes: Sequence[str]) -> dict[str, float]:
    """The half-width of each outcome's 95% interval of its mean (``nan``: no value)."""
    widths = {}
    for name in outcomes:
        if name not in results.trials.columns:
            known = ", ".join(results.outcome_names)
            raise ValueError(f"precision: unknown outcome {name!r}; expected one of {known}")
        kind, unit = outcome_kind_unit(name)
        row = stats.describe_outcome(results.trials[name].to_numpy(), kind, unit)
        widths[name] = (row["ci_high"] - row["ci_low"]) / 2 if row["n"] > 1 else math.nan
    return widths


def grow(
    run_batch: Callable[[int, int, Path | None], Results],
    precision: float,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    first: int | None = None,
    max_trials: int = DEFAULT_MAX_TRIALS,
    checkpoint: str | os.PathLike[str] | None = None,
) -> Results:
    """Run batches until every outcome in ``outcomes`` is known to within ``precision``.

    ``precision`` is a 95% interval half-width; at most ``max_trials`` trials run.

    ``run_batch(size, skip, checkpoint)`` runs trials ``skip .. size - 1`` of the run as
    :class:`Results` (``sim.montecarlo.runner`` passes ``run_with``). ``first`` is the
    first batch (default 100); each further batch doubles the run. With ``checkpoint``,
    the batch ending at trial ``n`` keeps its checkpoint in the sub-folder ``trials-<n>``.
    """
    if isinstance(precision, bool) or not isinstance(precision, (int, float)) or not precision > 0:
        raise ValueError(f"precision: expected a positive number, found {precision!r}")
    outcomes = tuple(outcomes)
    if not outcomes:
        raise ValueError("precision: expected at least one outcome to make precise")
    first = DEFAULT_FIRST_BATCH if first is None else first
    if not 1 <= first <= max_trials:
        raise ValueError(
            f"precision: expected a first batch from 1 to max_trials ({max_trials}), found {first}"
        )
    done: Results | None = None
    size = first
    while True:
        own = None if checkpoint is None else Path(checkpoint) / f"trials-{size:08d}"
        try:
            batch = run_batch(size, 0 if done is None else _next(done), own)
        except Exception as error:
            # Too many failures: the error carries this batch's results; add the batches before.
            if done is not None and isinstance(getattr(error, "results", None), Results):
                error.results = merge(done, error.results)  # type: ignore[attr-defined]
            raise
        done = batch if done is None else merge(done, batch)
        widths = half_widths(done, outcomes)
        reached = all(w <= precision for w in widths.values())  # nan never reaches it
        if reached or done.interrupted or size >= max_trials:
            break
        size = min(max_trials, 2 * size)
    done.timings["precision"] = {
        "target": float(precision),
        "outcomes": list(outcomes),
        "half_widths": widths,
        "trials_needed": int(done.n_trials),
        "reached": bool(reached),
        "max_trials": int(max_trials),
    }
    return done


def _next(results: Results) -> int:
    """The first trial index a further batch runs."""
    return int(results.scenario.monte_carlo.trials)


def merge(first: Results, later: Results) -> Results:
    """One :class:`Results` of the trials of two runs of the same scenario and seed.

    The later run ran the trials after the first's.
    """
    trials = pd.concat([first.trials, later.trials])
    series = {
        name: np.concatenate([np.asarray(first.series(name)), np.asarray(later.series(name))])
        for name in first.series_names
    }
    events = pd.concat([first.events, later.events], ignore_index=True)
    timings = dict(later.timings)
    timings["wall_seconds"] = first.timings.get("wall_seconds", 0.0) + later.timings.get("wall_seconds", 0.0)
    wall = timings["wall_seconds"]
    timings["trials_per_second"] = len(trials) / wall if wall > 0 else math.nan
    failures = sorted([*first.failures, *later.failures], key=lambda f: f["index"])
    return Results(
        later.scenario,
        later.seed,
        trials,
        series,
        events=events,
        events_kept_for=sorted({*first.events_kept_for, *later.events_kept_for}),
        interrupted=first.interrupted or later.interrupted,
        timings=timings,
        failures=failures,
    )
