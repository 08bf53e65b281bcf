"""Nested runs: what is not known, kept apart from chance.

A plain run draws new parameters and new chances in every trial, so the interval on a
probability such as P(collapse within 24 months of the exit) is only the Monte Carlo
error of one number that mixes both. A nested run separates them: ``outer`` draws of the
uncertain parameters, and for each draw ``inner`` trials with the parameters held at that
draw. Each draw gives its own probability; their spread across draws says how much the
answer depends on what we do not know ("between 3% and 20%"), and each draw's Wilson
interval says how precisely ``inner`` trials pin it down.

The inner trials of every draw use the same seed, so they share their chances (common
random numbers): the differences between the draws' probabilities come from the
parameters, not from the luck of their trials.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from sim.montecarlo.runner import run
from sim.montecarlo.seeding import draw_run_parameters, trial_scenario
from sim.montecarlo.stats import wilson
from sim.scenario.loader import load_scenario
from sim.scenario.sampling import uncertain_parameters
from sim.scenario.schema import Scenario

QUANTILES = (5, 25, 50, 75, 95)
"""Percentiles of the per-draw probability that :func:`nested` reports."""


def nested(
    scenario: Scenario | str | os.PathLike[str],
    outcome: str = "collapse_within_24m",
    outer: int = 40,
    inner: int = 200,
    seed: int | None = None,
    jobs: int | None = 1,
    progress: bool = False,
) -> tuple[pd.DataFrame, pd.Series]:
    """The probability of a binary ``outcome`` for each of ``outer`` parameter draws.

    Args:
        scenario: a scenario object or the path of a scenario file.
        outcome: a binary outcome (``collapse_within_24m``, ``collapse`` ...); trials in
            which it is ``nan`` (censored) are left out of that draw's probability.
        outer: parameter draws (the scenario's own distributions and correlations, drawn
            as a run with ``seed`` would draw its first ``outer`` trials).
        inner: trials per draw, with the parameters fixed at the draw.
        seed: the run's seed (default the scenario's); the inner trials of every draw use
            it too, so they share their chances.
        jobs: passed to :func:`sim.run` for each draw's trials.
        progress: passed to :func:`sim.run` for each draw's trials.

    Returns:
        A table with one row per draw (the drawn values, ``probability``, ``ci_low``,
        ``ci_high`` and ``n``, the trials that could tell) and a summary: the quantiles
        ``p5`` ... ``p95`` of the per-draw probability, and ``mean`` (the probability a
        plain run estimates).

    Raises:
        ValueError: the scenario has no uncertain parameter, or ``outer`` or ``inner``
            is below 1.
    """
    if outer < 1 or inner < 1:
        raise ValueError(f"outer and inner must be at least 1, found {outer} and {inner}")
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if not uncertain_parameters(loaded):
        raise ValueError(f"scenario {loaded.name!r} has no uncertain parameter: nothing to nest over")
    seed = loaded.monte_carlo.seed if seed is None else seed
    draws = draw_run_parameters(loaded, outer, seed)
    rows = []
    for k in range(outer):
        fixed = trial_scenario(loaded, draws.paths, draws.values[k])
        values = run(fixed, trials=inner, seed=seed, jobs=jobs, progress=progress, keep_events=False)
        column = values.trials[outcome].to_numpy(dtype=float)
        told = column[np.isfinite(column)]
        interval = wilson(float(told.sum()), len(told))
        rows.append(
            {
                **dict(zip(draws.paths, draws.values[k].tolist(), strict=True)),
                "probability": interval.estimate,
                "ci_low": interval.low,
                "ci_high": interval.high,
                "n": len(told),
            }
        )
    table = pd.DataFrame(rows)
    probability = table["probability"].to_numpy(dtype=float)
    finite = probability[np.isfinite(probability)]
    summary = pd.Series(
        {
            **{f"p{q}": float(np.percentile(finite, q)) if len(finite) else np.nan for q in QUANTILES},
            "mean": float(finite.mean()) if len(finite) else np.nan,
            "draws": len(finite),
            "inner": inner,
        },
        name=outcome,
    )
    return table, summary
