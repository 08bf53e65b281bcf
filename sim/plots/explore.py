"""Figures of experiments (:mod:`sim.explore`): sweeps, indices, PRIM boxes, heat maps.

Each function reads what :mod:`sim.explore` returns by its attributes (an
``Exploration``, a table of indices, a PRIM result) and returns a Figure; none
computes a statistic of its own. Figures stay readable from a handful of points to
hundreds: a sweep is a line with its 95% band (markers only when there are few points),
titles name the outcome and the lever, never the points.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.plots.style import (
    GREY,
    OKABE_ITO,
    PALETTE,
    date_axis,
    legend_outside,
    new_figure,
    no_data,
    outcome_kind,
    outcome_title,
    sentence,
    styled,
)

MARKERS_UP_TO = 40  # points on a sweep drawn with markers; more: the line alone
MAX_LINES = 6  # lines on one sweep (one per value of a second lever)
HEAT_BINS = 20


def _value_axis(ax: Any, outcome: str, axis: str = "y") -> None:
    """Probabilities in percent (readers see percent; the code keeps fractions)."""
    if outcome_kind(outcome) == "binary":
        getattr(ax, f"{axis}axis").set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))


def _lever(exploration: Any, name: str | None) -> Any:
    levers = {lv.name: lv for lv in exploration.levers}
    if name is None:
        return exploration.levers[0]
    if name not in levers:
        raise KeyError(f"unknown lever {name!r}; expected one of {', '.join(levers)}")
    return levers[name]


@styled
def plot_sweep(exploration: Any, outcome: str = "collapse_within_24m", lever: str | None = None) -> Figure:
    """An outcome's mean against one lever, with its 95% interval as a band.

    With a second lever on a grid, one line per value of it (up to six). A probability
    is shown in percent. Points where no trial had a value (a censored outcome) are gaps.
    """
    chosen = _lever(exploration, lever)
    table = exploration.outcome(outcome).sort_values(chosen.name)
    others = [lv.name for lv in exploration.levers if lv.name != chosen.name]
    figure, axes = new_figure(width=9.0, height=4.8)
    ax = axes[0, 0]
    trials = exploration.trials_per_point
    ax.set_title(
        f"{sentence(outcome_title(outcome))} against {chosen.name}\n"
        f"{exploration.name}: {len(table)} points, {trials} trials each, common random numbers",
        loc="left",
    )
    if table.empty:
        no_data(ax, "no finished point to draw")
        return figure
    groups: list[tuple[str, pd.DataFrame]] = [("", table)]
    if others:
        keys = table[others].astype(str).agg(", ".join, axis=1)
        if keys.nunique() > MAX_LINES:
            raise ValueError(
                f"plot_sweep: {keys.nunique()} combinations of {', '.join(others)} are more lines than "
                f"{MAX_LINES}; use plot_heatmap for two levers"
            )
        groups = [(f"{', '.join(others)} = {key}", part) for key, part in table.groupby(keys, sort=False)]
    for i, (label, part) in enumerate(groups):
        colour = PALETTE[i % len(PALETTE)]
        x = part[chosen.name]
        marker = "o" if len(part) <= MARKERS_UP_TO else None
        ax.fill_between(x, part["low"], part["high"], color=colour, alpha=0.2, linewidth=0, gid=f"band{i}")
        ax.plot(
            x,
            part["mean"],
            color=colour,
            marker=marker,
            markersize=3.5,
            label=label or "mean",
            gid=f"mean{i}",
        )
    ax.fill_between([], [], [], color=PALETTE[0], alpha=0.2, label="95% interval")
    _value_axis(ax, outcome)
    ax.set_ylabel(sentence(outcome_title(outcome)))
    ax.set_xlabel(chosen.name)
    if chosen.is_date:
        date_axis(ax)
    ax.set_ylim(bottom=0)
    legend_outside(ax) if others else ax.legend(loc="best", framealpha=0.85)
    return figure


@styled
def plot_indices(indices: pd.DataFrame) -> Figure:
    """Sensitivity indices as bars with their 95% intervals.

    Sobol ``S1`` and ``ST`` side by side, or Morris ``mu_star``; levers by decreasing total
    effect.
    """
    method = indices.attrs.get("method", "sobol" if "S1" in indices else "morris")
    outcome = indices.attrs.get("outcome", "the outcome")
    shown = [("S1", "first order"), ("ST", "total")] if method == "sobol" else [("mu_star", "mu*")]
    key = "ST" if method == "sobol" else "mu_star"
    table = indices.sort_values(key, ascending=False)
    figure, axes = new_figure(width=9.0, height=1.8 + 0.4 * max(len(table), 3))
    ax = axes[0, 0]
    title = "Sobol indices" if method == "sobol" else "Morris screening"
    ax.set_title(f"{title} of {outcome_title(outcome)}", loc="left")
    positions = np.arange(len(table))
    height = 0.8 / len(shown)
    for k, (column, label) in enumerate(shown):
        low = (table[column] - table[f"{column}_low"]).clip(lower=0)
        high = (table[f"{column}_high"] - table[column]).clip(lower=0)
        ax.barh(
            positions + (k - (len(shown) - 1) / 2) * height,
            table[column],
            height=height,
            xerr=np.vstack([low, high]),
            color=PALETTE[k],
            ecolor="black",
            capsize=3,
            label=label,
            gid=column,
        )
    ax.set_yticks(positions, table.index)
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.axvline(0, color="black", linewidth=1)
    ax.set_xlabel(
        "share of the outcome's variance" if method == "sobol" else "mean |effect| over the lever's range"
    )
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", framealpha=0.85)
    notes = list(indices.attrs.get("notes", []))
    if "noise_share" in indices.attrs and np.isfinite(indices.attrs["noise_share"]):
        notes.append(f"Monte Carlo noise: {100 * indices.attrs['noise_share']:.1f}% of the variance")
    if notes:  # below the axes, where constrained layout leaves room for it
        figure.supxlabel("\n".join(notes), fontsize=7, color=GREY, x=0.01, ha="left")
    return figure


@styled
def plot_prim_tradeoff(result: Any) -> Figure:
    """PRIM's peeling trajectory: coverage against density.

    Each box is coloured by the number of inputs it restricts; the chosen box is circled.
    """
    trajectory = result.trajectory
    figure, axes = new_figure(width=7.5, height=5.0)
    ax = axes[0, 0]
    ax.set_title("PRIM: the peeling trade-off", loc="left")
    points = ax.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=trajectory["restricted"],
        cmap="viridis",
        s=22,
        gid="boxes",
    )
    chosen = trajectory.loc[result.chosen]
    ax.scatter(
        [chosen["coverage"]], [chosen["density"]], s=160, facecolors="none", edgecolors="black", gid="chosen"
    )
    ax.annotate(
        f"chosen box (step {result.chosen})",
        (chosen["coverage"], chosen["density"]),
        xytext=(8, -14),
        textcoords="offset points",
        fontsize=8,
    )
    colourbar = figure.colorbar(points, ax=ax)
    colourbar.set_label("inputs restricted")
    ax.set_xlabel("coverage (share of all bad cases inside the box)")
    ax.set_ylabel("density (share of the box's cases that are bad)")
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    return figure


@styled
def plot_prim_box(result: Any, step: int | None = None, levers: Any = None) -> Figure:
    """The limits of a PRIM box on each restricted input, against the input's whole range.

    ``levers``: the experiment's levers, to print a date lever's limits as dates.
    """
    box = result.box(step)
    full = result.limits[0]
    restricted = box[box["restricted"]]
    stats = result.stats(step)
    figure, axes = new_figure(width=8.0, height=1.8 + 0.55 * max(len(restricted), 2))
    ax = axes[0, 0]
    ax.set_title(
        f"PRIM box (step {result.chosen if step is None else step}): coverage {100 * stats['coverage']:.0f}%, "
        f"density {100 * stats['density']:.0f}%, {int(stats['n'])} cases",
        loc="left",
    )
    if restricted.empty:
        no_data(ax, "the box restricts no input (step 0 holds every case)")
        return figure
    by_name = {lv.name: lv for lv in (levers or ())}
    for y, (name, row) in enumerate(restricted.iterrows()):
        low, high = full.loc[name, "low"], full.loc[name, "high"]
        span = high - low if high > low else 1.0
        a, b = (row["low"] - low) / span, (row["high"] - low) / span
        ax.barh(y, 1.0, left=0.0, color="#dddddd", height=0.5)
        ax.barh(y, b - a, left=a, color=OKABE_ITO["vermillion"], height=0.5, gid=f"box:{name}")
        lever = by_name.get(name)
        ax.text(a, y + 0.33, _limit_text(lever, row["low"]), ha="left", fontsize=8)
        ax.text(b, y + 0.33, _limit_text(lever, row["high"]), ha="right", fontsize=8)
    ax.set_yticks(range(len(restricted)), restricted.index)
    ax.set_ylim(len(restricted) - 0.4, -0.6)
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 1], ["lowest", "highest"])
    ax.set_xlabel("position within the input's range in the experiment")
    ax.grid(False)
    return figure


@styled
def plot_heatmap(exploration: Any, outcome: str, x: str, y: str) -> Figure:
    """An outcome's mean over two levers: cells of a grid design, or bins of another design."""
    levers = {lv.name: lv for lv in exploration.levers}
    for name in (x, y):
        _lever(exploration, name)
    table = exploration.outcome(outcome)
    inputs = exploration.inputs()
    figure, axes = new_figure(width=8.0, height=5.5)
    ax = axes[0, 0]
    ax.set_title(f"{sentence(outcome_title(outcome))} over {x} and {y}\n{exploration.name}", loc="left")
    if table.empty:
        no_data(ax, "no finished point to draw")
        return figure
    xs, ys = inputs[x].to_numpy(float), inputs[y].to_numpy(float)
    grid_x, grid_y = np.unique(xs), np.unique(ys)
    if len(grid_x) * len(grid_y) > HEAT_BINS**2 or len(grid_x) * len(grid_y) > 4 * len(xs):
        grid_x = np.linspace(xs.min(), xs.max(), HEAT_BINS)
        grid_y = np.linspace(ys.min(), ys.max(), HEAT_BINS)
    ix = np.abs(xs[:, None] - grid_x[None, :]).argmin(axis=1)
    iy = np.abs(ys[:, None] - grid_y[None, :]).argmin(axis=1)
    cells = pd.DataFrame({"ix": ix, "iy": iy, "mean": table["mean"].to_numpy(float)})
    mean = cells.groupby(["iy", "ix"])["mean"].mean().unstack("ix")
    mean = mean.reindex(index=range(len(grid_y)), columns=range(len(grid_x)))
    image = ax.pcolormesh(
        _edges(grid_x), _edges(grid_y), mean.to_numpy(float), cmap="magma_r", shading="flat", gid="cells"
    )
    colourbar = figure.colorbar(image, ax=ax)
    colourbar.set_label(sentence(outcome_title(outcome)))
    if outcome_kind(outcome) == "binary":
        colourbar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    for name, axis in ((x, "x"), (y, "y")):
        lever = levers[name]
        getattr(ax, f"set_{axis}label")(name)
        if lever.is_date:
            ticks = getattr(ax, f"get_{axis}ticks")()
            getattr(ax, f"set_{axis}ticks")(ticks, [lever.to_date(t).strftime("%b %Y") for t in ticks])
    ax.grid(False)
    return figure


def _limit_text(lever: Any, value: float) -> str:
    if lever is not None and lever.is_date:
        return lever.to_date(value).isoformat()
    return f"{value:.4g}"


def _edges(centres: np.ndarray) -> np.ndarray:
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    middle = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - middle[0]], middle, [2 * centres[-1] - middle[-1]]])
