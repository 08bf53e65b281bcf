"""Scenario discovery: the conditions under which an outcome is bad.

Given the inputs of many cases (design points, or single trials with their drawn
parameters) and which cases are bad, two methods describe where the bad cases lie:

- :func:`prim`, the Patient Rule Induction Method (Friedman and Fisher, 1999): starting
  from the box that holds every case, it repeatedly peels off the ``alpha`` share of
  cases at one end of one input, choosing the peel that leaves the highest share of
  bad cases inside. Each step trades **coverage** (the share of all bad cases inside
  the box) for **density** (the share of cases inside that are bad); the trajectory
  of steps is the peeling trade-off, and the analyst picks a box on it. Written here
  (about a hundred lines): the implementation EMA Workbench keeps needs the whole
  workbench. No pasting step: boxes only shrink.
- :func:`cart`, a classification tree (scikit-learn's ``DecisionTreeClassifier``):
  its leaves are boxes too, each with its coverage and density.

:func:`cases` turns an experiment and a condition (``"collapse_within_24m > 0.1"``)
into the inputs and the bad flags, per point (the condition on the point's mean) or
per trial (on each trial's value, with the drawn uncertain inputs as extra columns;
censored trials, with no value, are left out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.explore.experiment import Exploration
from sim.explore.goals import parse_goal
from sim.explore.levers import ExploreError, needs

PARAM_PREFIX = "param:"


def cases(exploration: Exploration, condition: str, per: str = "point") -> tuple[pd.DataFrame, np.ndarray]:
    """The inputs of each case and whether it is bad.

    Inputs as a DataFrame (dates as day numbers from the start); bad per ``per="point"``
    (the condition on each point's mean) or ``"trial"``.
    """
    goal = parse_goal(condition)
    inputs = exploration.inputs()
    if per == "point":
        values = exploration.outcome(goal.outcome)["mean"].to_numpy(float)
        keep = np.isfinite(values)
        return inputs[keep], goal.holds(values[keep])
    if per != "trial":
        raise ExploreError(f"per: expected 'point' or 'trial', found {per!r}")
    if exploration.trials is None:
        raise ExploreError("per='trial' needs the per-trial table: run the experiment with keep_trials=True")
    trials = exploration.trials
    if goal.outcome not in trials.columns:
        raise ExploreError(f"unknown outcome {goal.outcome!r}")
    points = trials.index.get_level_values("point").to_numpy()
    table = inputs.loc[points].reset_index(drop=True)
    drawn = [c for c in trials.columns if c.startswith(PARAM_PREFIX)]
    for column in drawn:
        table[column] = trials[column].to_numpy(float)
    values = trials[goal.outcome].to_numpy(float)
    keep = np.isfinite(values)
    return table[keep].reset_index(drop=True), goal.holds(values[keep])


@dataclass
class PrimResult:
    """The peeling trajectory of :func:`prim` and the chosen box.

    Attributes:
        trajectory: one row per step (0 is the box of every case): ``coverage``,
            ``density``, ``mass`` (share of cases inside), ``restricted`` (inputs limited),
            ``n`` (cases inside).
        limits: per step, a DataFrame indexed by input with ``low`` and ``high``.
        chosen: the step of the box returned by :meth:`box` by default.
        inputs: the input names.
    """

    trajectory: pd.DataFrame
    limits: list[pd.DataFrame]
    chosen: int
    inputs: list[str]
    totals: dict[str, float] = field(default_factory=dict)

    def box(self, step: int | None = None) -> pd.DataFrame:
        """The limits of the box at ``step`` (default: the chosen one), restricted inputs first.

        Column ``restricted`` tells which inputs the box limits.
        """
        step = self.chosen if step is None else step
        limits = self.limits[step].copy()
        first = self.limits[0]
        limits["restricted"] = (limits["low"] > first["low"]) | (limits["high"] < first["high"])
        return limits.sort_values("restricted", ascending=False, kind="stable")

    def stats(self, step: int | None = None) -> pd.Series:
        """Coverage, density, mass, restricted and n of the box at ``step``."""
        return self.trajectory.loc[self.chosen if step is None else step]


def prim(
    inputs: pd.DataFrame,
    bad: np.ndarray,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    min_coverage: float = 0.5,
) -> PrimResult:
    """Peel boxes around the bad cases; see the module notes.

    Args:
        inputs: one row per case, one numeric column per input.
        bad: one flag per case.
        alpha: share of the cases inside the box peeled at each step.
        min_mass: stop before a box would hold fewer than this share of all cases.
        min_coverage: the chosen box is the first step whose density is within 5% of the
            best density among the steps whose coverage is at least this.
    """
    x = inputs.to_numpy(float)
    y = np.asarray(bad, bool)
    if x.ndim != 2 or len(x) != len(y):
        raise ExploreError(f"prim: expected one flag per case, found {len(y)} flags for {len(x)} cases")
    if not y.any():
        raise ExploreError("prim: no case is bad, so there is nothing to find")
    if not 0 < alpha < 1 or not 0 <= min_mass < 1:
        raise ExploreError(f"prim: expected 0 < alpha < 1 and 0 <= min_mass < 1, found {alpha}, {min_mass}")
    names = [str(c) for c in inputs.columns]
    n, total_bad = len(y), int(y.sum())
    inside = np.ones(n, bool)
    low, high = x.min(axis=0), x.max(axis=0)
    rows, limits = [], []

    def record() -> None:
        count = int(inside.sum())
        rows.append(
            {
                "coverage": float(y[inside].sum() / total_bad),
                "density": float(y[inside].mean()) if count else np.nan,
                "mass": count / n,
                "restricted": int(((low > x.min(axis=0)) | (high < x.max(axis=0))).sum()),
                "n": count,
            }
        )
        limits.append(
            pd.DataFrame({"low": low.copy(), "high": high.copy()}, index=pd.Index(names, name="input"))
        )

    record()
    while True:
        best = None
        for j in range(x.shape[1]):
            column = x[inside, j]
            for end in ("low", "high"):
                cut, keep = _peel(column, alpha, end)
                if keep is None:
                    continue
                kept = inside.copy()
                kept[inside] = keep
                count = int(kept.sum())
                if count < max(1, min_mass * n):
                    continue
                density = y[kept].mean()
                if best is None or density > best[0]:
                    best = (density, j, end, cut, kept)
        if best is None or best[0] <= rows[-1]["density"] - 1e-12 and rows[-1]["density"] >= 1.0:
            break
        _, j, end, cut, kept = best
        inside = kept
        if end == "low":
            low[j] = x[inside, j].min()
        else:
            high[j] = x[inside, j].max()
        record()
        if rows[-1]["density"] >= 1.0:
            break
    trajectory = pd.DataFrame(rows, index=pd.RangeIndex(len(rows), name="step"))
    # The first box (the largest) whose density comes within 5% of the best density of
    # those that keep ``min_coverage``: peeling further buys little density for lost coverage.
    eligible = trajectory[trajectory["coverage"] >= min_coverage]
    chosen = 0
    if len(eligible):
        best = eligible["density"].max()
        chosen = int(eligible.index[eligible["density"] >= 0.95 * best][0])
    return PrimResult(trajectory, limits, chosen, names, {"cases": n, "bad": total_bad})


def _peel(column: np.ndarray, alpha: float, end: str) -> tuple[float, np.ndarray | None]:
    """Which cases stay when the ``alpha`` share at one end of ``column`` is peeled off.

    At least the cases at the extreme value go, for inputs with few distinct values.
    """
    if end == "low":
        cut = np.quantile(column, alpha, method="lower")
        keep = column > cut
    else:
        cut = np.quantile(column, 1 - alpha, method="higher")
        keep = column < cut
    if keep.all() or not keep.any():
        return cut, None
    return float(cut), keep


@dataclass
class CartResult:
    """A classification tree of the bad cases.

    Returns the fitted tree, its rules as text, and its leaves with ``coverage``,
    ``density``, ``n`` and the conditions that lead there.
    """

    tree: Any
    rules: str
    leaves: pd.DataFrame


def cart(inputs: pd.DataFrame, bad: np.ndarray, max_depth: int = 3, min_leaf: float = 0.05) -> CartResult:
    """A scikit-learn classification tree of ``bad`` on ``inputs``.

    Leaves hold at least ``min_leaf`` of the cases. Deterministic (``random_state=0``).
    """
    tree_module = needs("sklearn.tree", "a CART tree")
    DecisionTreeClassifier, export_text = tree_module.DecisionTreeClassifier, tree_module.export_text
    x = inputs.to_numpy(float)
    y = np.asarray(bad, bool)
    if len(x) != len(y) or not len(y):
        raise ExploreError(f"cart: expected one flag per case, found {len(y)} flags for {len(x)} cases")
    names = [str(c) for c in inputs.columns]
    tree = DecisionTreeClassifier(
        max_depth=max_depth, min_samples_leaf=max(1, int(min_leaf * len(y))), random_state=0
    )
    tree.fit(x, y)
    leaf_of = tree.apply(x)
    structure = tree.tree_
    paths = _leaf_paths(structure, names)
    total_bad = max(1, int(y.sum()))
    rows = []
    for leaf in np.unique(leaf_of):
        here = leaf_of == leaf
        rows.append(
            {
                "leaf": int(leaf),
                "conditions": " and ".join(paths[leaf]) or "(all)",
                "n": int(here.sum()),
                "density": float(y[here].mean()),
                "coverage": float(y[here].sum() / total_bad),
            }
        )
    leaves = pd.DataFrame(rows).sort_values("density", ascending=False).set_index("leaf")
    return CartResult(tree, export_text(tree, feature_names=names), leaves)


def _leaf_paths(structure: Any, names: list[str]) -> dict[int, list[str]]:
    paths: dict[int, list[str]] = {}
    stack: list[tuple[int, list[str]]] = [(0, [])]
    while stack:
        node, conditions = stack.pop()
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:  # a leaf
            paths[node] = conditions
            continue
        name, cut = names[structure.feature[node]], structure.threshold[node]
        stack.append((left, [*conditions, f"{name} <= {cut:.4g}"]))
        stack.append((right, [*conditions, f"{name} > {cut:.4g}"]))
    return paths
