"""Several objectives, searched: a Pareto front found by Optuna's NSGA-II.

Where a design's points are too coarse for a front over several levers (the exit date and
the residual force, say), :func:`optimize` lets a well-kept optimiser choose the points:
Optuna's multi-objective sampler (NSGA-II) proposes lever values, each proposal runs the
scenario's trials **with the same seed** (common random numbers: proposals differ by their
levers, not their luck), and each objective is a lever or an outcome's mean to make small
or large. The result is an :class:`~sim.explore.experiment.Exploration` of every point
evaluated (its ``design.kind`` is ``optuna``), on which :func:`sim.explore.pareto` gives the
front with each outcome's interval.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from sim.explore.designs import Design
from sim.explore.experiment import DEFAULT_TRIALS, Exploration, assemble
from sim.explore.levers import ExploreError, apply_levers, make_levers, needs


def optimize(
    scenario: Any,
    vary: Any,
    objectives: Mapping[str, str],
    evaluations: int = 40,
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    jobs: int | None = None,
    backend: str = "processes",
    client: Any = None,
    max_failures: int = 10,
    simulate: Callable | None = None,
) -> Exploration:
    """Search the levers in ``vary`` for the Pareto front of ``objectives``.

    Args:
        scenario: a scenario or the path of a scenario file.
        vary: the levers, written as for :func:`sim.explore.explore` (ranges or lists).
        objectives: ``{"exit_start": "min", "collapse_within_24m": "min", "killed": "min"}``:
            levers or outcomes, each to ``min``imise or ``max``imise (an outcome by its mean).
        evaluations: points the optimiser evaluates, each with ``trials`` trials.
        trials: trials per point.
        seed: the seed of every point's trials (default the scenario's) and of the sampler.
        jobs: as for :func:`sim.run`.
        backend: as for :func:`sim.run`.
        client: as for :func:`sim.run`.
        max_failures: as for :func:`sim.run`, per point.
        simulate: a stand-in for :func:`sim.engine.simulate_trial` (tests).

    Returns:
        An ``Exploration`` of the points evaluated, in the order run; pass it to
        :func:`sim.explore.pareto` with the same objectives for the front.
    """
    from sim.montecarlo.runner import Execution, _scenario, run_with

    optuna = needs("optuna", "a multi-objective search")
    scenario = _scenario(scenario)
    levers = make_levers(scenario, vary)
    names = [lv.name for lv in levers]
    for name, sense in objectives.items():
        if sense not in ("min", "max"):
            raise ExploreError(f"objectives: expected 'min' or 'max' for {name}, found {sense!r}")
    if not objectives:
        raise ExploreError("objectives: expected at least one")
    if isinstance(evaluations, bool) or not isinstance(evaluations, int) or evaluations < 1:
        raise ExploreError(f"evaluations: expected a whole number >= 1, found {evaluations!r}")
    seed = scenario.monte_carlo.seed if seed is None else int(seed)
    how = Execution(jobs, False, 0, backend, client, max_failures, simulate)
    rows: dict[int, dict[str, np.ndarray]] = {}
    values: list[list[float]] = []
    failures: list[dict[str, Any]] = []

    def objective(trial: Any) -> tuple[float, ...]:
        point = [_suggest(trial, lv) for lv in levers]
        results = run_with(apply_levers(scenario, levers, point), trials, seed, how)
        index = len(values)
        values.append(point)
        table = results.trials
        rows[index] = {
            "trial": table.index.to_numpy(np.int64),
            "columns": np.array(list(table.columns), dtype=str),
            "values": table.to_numpy(np.float64),
        }
        failures.extend({"point": index, **f} for f in results.failures)
        scores = []
        for name in objectives:
            if name in names:
                scores.append(float(point[names.index(name)]))
            elif name in table.columns:
                scores.append(float(np.nanmean(table[name].to_numpy(float))))
            else:
                raise ExploreError(f"objectives: {name!r} is neither a lever nor an outcome")
        return tuple(scores)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        directions=["minimize" if sense == "min" else "maximize" for sense in objectives.values()],
        sampler=optuna.samplers.NSGAIISampler(seed=seed % 2**32),
    )
    study.optimize(objective, n_trials=evaluations, catch=())
    matrix = np.asarray(values, float).reshape(len(values), len(levers))
    design = Design("optuna", tuple(levers), matrix, np.full_like(matrix, np.nan), 0, seed % 2**32)
    settings = {"trials": int(trials), "keep_trials": True, "bands": [], "objectives": dict(objectives)}
    return assemble(design, scenario, seed, settings, rows, failures, False, {"evaluations": len(values)})


def _suggest(trial: Any, lever: Any) -> float:
    """The optimiser's value for one lever, in lever units (whole days for dates)."""
    if lever.values:
        return float(trial.suggest_categorical(lever.name, list(lever.values)))
    if lever.distribution is not None:
        return float(lever.from_unit(np.array([trial.suggest_float(lever.name, 0.0, 1.0)]))[0])
    if lever.is_date or lever.integer:
        return float(trial.suggest_int(lever.name, int(lever.low), int(lever.high)))
    return float(trial.suggest_float(lever.name, lever.low, lever.high))
