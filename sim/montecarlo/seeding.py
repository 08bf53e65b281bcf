"""What makes trial ``i`` of a run with seed ``s`` the same trial wherever it runs.

Trial ``i`` gets

- its engine seed ``SeedSequence(s, spawn_key=(i,))``, from which the engine spawns one
  stream per mechanism, and
- draw ``i`` of every uncertain parameter from
  :func:`sim.scenario.sampling.draw_parameters` with seed ``s``, one stream per dotted path.

Neither depends on the number of trials, on how trials are grouped into chunks or on
which worker runs them, so results are identical bit for bit for any ``jobs`` and
backend, the first ``k`` trials of a longer run equal a ``k``-trial run, and two
scenarios run with the same seed share their random numbers trial by trial (common
random numbers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.scenario.sampling import draw_parameters, fix

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario


def trial_seed(seed: int, index: int) -> np.random.SeedSequence:
    """The engine seed of trial ``index`` of a run with ``seed``."""
    return np.random.SeedSequence(seed, spawn_key=(index,))


class Draws(NamedTuple):
    """The drawn parameter values of a run: one row per trial, one column per path."""

    paths: tuple[str, ...]  # dotted paths of the scenario's uncertain parameters
    values: np.ndarray  # float64, shape (trials, len(paths))


def draw_run_parameters(scenario: Scenario, trials: int, seed: int) -> Draws:
    """Every trial's draw of every uncertain parameter of ``scenario``."""
    drawn = draw_parameters(scenario, trials, seed)
    paths = tuple(drawn)
    values = np.empty((trials, len(paths)))
    for column, path in enumerate(paths):
        values[:, column] = drawn[path]
    return Draws(paths, values)


def trial_scenario(scenario: Scenario, paths: tuple[str, ...], row: np.ndarray) -> Scenario:
    """The scenario of one trial: each distribution replaced by the trial's drawn value."""
    if not paths:
        return scenario
    return fix(scenario, dict(zip(paths, row.tolist(), strict=True)))


def rerun_hint(seed: int, index: int) -> str:
    """How to re-run trial ``index`` of a run with ``seed`` alone, as Python."""
    return (
        f"draws = draw_parameters(scenario, {index + 1}, {seed}); "
        f"simulate_trial(fix(scenario, {{p: v[{index}] for p, v in draws.items()}}), "
        f"np.random.SeedSequence({seed}, spawn_key=({index},)))"
    )
