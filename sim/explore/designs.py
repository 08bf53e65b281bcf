"""Designs: the points at which an experiment runs, from well-kept samplers.

- ``grid``: every combination of each lever's values (its list, its steps, or
  ``points`` even steps per lever);
- ``lhs``: ``points`` points of a Latin hypercube (``scipy.stats.qmc.LatinHypercube``);
- ``sobol``: Saltelli's scheme on Sobol' sequences (``SALib.sample.sobol``), ``points``
  base samples (a power of 2) giving ``points x (levers + 2)`` rows, for
  :func:`sim.explore.sobol`;
- ``morris``: ``points`` one-at-a-time trajectories on a 4-level grid
  (``SALib.sample.morris``), ``points x (levers + 1)`` rows, for :func:`sim.explore.morris`.

Samplers work in the unit cube; each lever maps its column onto its own values
(:meth:`Lever.from_unit`: a range, a list, or a distribution's quantiles), so a design
over a scenario's uncertain inputs and one over a test function are the same code.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.explore.kinds import DESIGNS
from sim.explore.levers import ExploreError, Lever, needs

MAX_POINTS = 100_000
"""Most design points an experiment may have."""

MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Design:
    """The points of an experiment.

    Attributes:
        kind: one of :data:`DESIGNS`.
        levers: the varied inputs, in column order.
        values: float array (points, levers) in lever units (dates as day numbers).
        unit: the same points in the unit cube as the sampler gave them (``nan`` for a grid).
        base: for ``sobol``, the base sample size N; for ``morris``, the trajectories.
        seed: the seed the sampler used.
    """

    kind: str
    levers: tuple[Lever, ...]
    values: np.ndarray
    unit: np.ndarray
    base: int
    seed: int

    @property
    def points(self) -> int:
        """Number of points in the design."""
        return len(self.values)

    def table(self) -> pd.DataFrame:
        """One row per point, one column per lever (dates as timestamps); index ``point``."""
        columns = {lv.name: lv.shown(self.values[:, k]) for k, lv in enumerate(self.levers)}
        return pd.DataFrame(columns, index=pd.RangeIndex(self.points, name="point"))

    def problem(self) -> dict[str, Any]:
        """The SALib problem of the unit cube (every lever on [0, 1])."""
        return {
            "num_vars": len(self.levers),
            "names": [lv.name for lv in self.levers],
            "bounds": [[0.0, 1.0]] * len(self.levers),
        }


def make_design(levers: list[Lever], kind: str = "grid", points: int | None = None, seed: int = 0) -> Design:
    """The design of ``kind`` over ``levers``.

    ``points``: values per lever on a grid (default 11; ignored for a lever with a list
    or a step), points of a Latin hypercube (default 64), base samples of a Sobol design
    (a power of 2, default 64), trajectories of a Morris design (default 10).
    """
    if kind not in DESIGNS:
        raise ExploreError(f"design: expected one of {', '.join(DESIGNS)}, found {kind!r}")
    if points is not None and (isinstance(points, bool) or not isinstance(points, (int, np.integer))):
        raise ExploreError(f"points: expected a whole number, found {points!r}")
    if points is not None and points < 1:
        raise ExploreError(f"points: expected a number >= 1, found {points}")
    seed = int(seed) % 2**32
    d = len(levers)
    unit: np.ndarray
    base = 0
    if kind == "grid":
        axes = [lv.grid(11 if points is None else int(points)) for lv in levers]
        count = int(np.prod([len(a) for a in axes], dtype=float))
        _check_count(count)
        values = np.array(list(itertools.product(*axes)), float).reshape(count, d)
        return Design(kind, tuple(levers), values, np.full_like(values, np.nan), 0, seed)
    if kind == "lhs":
        from scipy.stats import qmc

        n = 64 if points is None else int(points)
        _check_count(n)
        unit = qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed)).random(n)
    elif kind == "sobol":
        salib_sobol = needs("SALib.sample.sobol", "a Sobol design")
        base = 64 if points is None else int(points)
        if base & (base - 1):
            raise ExploreError(f"points: a Sobol design needs a power of 2 base samples, found {base}")
        _check_count(base * (d + 2))
        problem = {"num_vars": d, "names": [lv.name for lv in levers], "bounds": [[0.0, 1.0]] * d}
        unit = salib_sobol.sample(problem, base, calc_second_order=False, scramble=True, seed=seed)
    else:
        salib_morris = needs("SALib.sample.morris", "a Morris design")
        base = 10 if points is None else int(points)
        _check_count(base * (d + 1))
        problem = {"num_vars": d, "names": [lv.name for lv in levers], "bounds": [[0.0, 1.0]] * d}
        unit = salib_morris.sample(problem, base, num_levels=MORRIS_LEVELS, seed=seed)
    values = np.column_stack([lv.from_unit(unit[:, k]) for k, lv in enumerate(levers)])
    return Design(kind, tuple(levers), values, unit, base, seed)


def _check_count(count: int) -> None:
    if count > MAX_POINTS:
        raise ExploreError(f"design: expected at most {MAX_POINTS:,} points, found {count:,}")
