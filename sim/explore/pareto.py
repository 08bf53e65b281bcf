"""Several objectives at once: the points of an experiment that no other point beats.

:func:`pareto` reads an experiment's points table: each objective is a lever (an exit
date: earlier is faster) or an outcome's mean (collapse risk, coalition casualties), to
be made as small or as large as possible. A point is on the Pareto front when no other
point is at least as good on every objective and better on one. Dominance is judged on
the means; the intervals in the table say which differences the trials can tell apart.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.explore.experiment import Exploration
from sim.explore.levers import ExploreError


def pareto(exploration: Exploration, objectives: Mapping[str, str]) -> pd.DataFrame:
    """The non-dominated points for ``objectives``, ordered by the first objective.

    ``objectives`` maps outcomes to a direction, e.g. ``{"exit_start": "min",
    "collapse_within_24m": "min", "killed": "min"}``; the table has the objectives'
    columns and the outcomes' intervals.
    """
    if not objectives:
        raise ExploreError("pareto: expected at least one objective")
    inputs = exploration.inputs()
    columns, values = [], []
    for name, sense in objectives.items():
        if sense not in ("min", "max"):
            raise ExploreError(f"pareto: expected 'min' or 'max' for {name}, found {sense!r}")
        if name in inputs.columns:
            column = inputs[name].to_numpy(float)
        elif name in exploration.outcome_names:
            column = exploration.points[name].to_numpy(float)
        else:
            known = ", ".join([*inputs.columns, *exploration.outcome_names[:8]])
            raise ExploreError(f"pareto: {name!r} is neither a lever nor an outcome (e.g. {known} ...)")
        columns.append(name)
        values.append(column if sense == "min" else -column)
    scores = np.column_stack(values)
    usable = np.isfinite(scores).all(axis=1)
    front = np.zeros(len(scores), bool)
    for i in np.flatnonzero(usable):
        others = scores[usable]
        beaten = (others <= scores[i]).all(axis=1) & (others < scores[i]).any(axis=1)
        front[i] = not beaten.any()
    shown = [c for c in columns if c in exploration.lever_names]
    for name in columns:
        if name not in shown:
            shown += [name, f"{name}:low", f"{name}:high"]
    return exploration.points.loc[front, shown].sort_values(columns[0])
