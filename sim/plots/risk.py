"""Collapse risk over time: P(collapse by date) with its interval and withdrawal milestones."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.plots._data import milestones
from sim.plots.style import (
    GREY,
    PALETTE,
    date_axis,
    legend_outside,
    new_figure,
    scenario_colours,
    scenario_linestyles,
    styled,
)


def draw_collapse_curve(
    ax: Axes,
    results: Any,
    *,
    colour: str = PALETTE[3],
    label: str = "P(collapse)",
    band_label: str = "_band",
    linestyle: str = "-",
    band_alpha: float = 0.2,
) -> None:
    """Draw the probability of a collapse by each date, a step line with its 95% band."""
    curve = results.collapse_curve()
    ax.fill_between(
        curve.index,
        curve["low"],
        curve["high"],
        step="post",
        color=colour,
        alpha=band_alpha,
        linewidth=0,
        label=band_label,
    )
    ax.step(
        curve.index,
        curve["probability"],
        where="post",
        color=colour,
        linewidth=2,
        linestyle=linestyle,
        label=label,
        gid="collapse",
    )
    top = float(np.nanmax(curve["high"])) if len(curve) else 0.0
    ax.set_ylim(0, min(1.0, max(0.1, top * 1.15)))
    ax.set_ylabel("P(collapse by date)")
    date_axis(ax)


def median_exit(results: Any) -> tuple[pd.Timestamp, float] | None:
    """Median exit date among trials where the coalition left, and the share that left."""
    exits = results.trials["exit_day"].to_numpy(dtype=float) if "exit_day" in results.trials else np.array([])
    left = exits[np.isfinite(exits)]
    if len(left) == 0:
        return None
    day = float(np.median(left))
    return pd.Timestamp(results.scenario.start) + pd.Timedelta(days=round(day)), len(left) / len(exits)


def _mark(
    ax: Axes, dates: pd.DatetimeIndex, when: pd.Timestamp, text: str, colour: str, style: str, slot: int
):
    """A vertical line with its label; labels near the right edge go to the line's left."""
    ax.axvline(when, color=colour, linestyle=style, linewidth=1.0, alpha=0.9)
    right = (when - dates[0]) / (dates[-1] - dates[0]) > 0.65
    ax.annotate(
        text,
        xy=(when, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(-3 if right else 3, -4 - 11 * slot),
        textcoords="offset points",
        fontsize=7.5,
        color=colour,
        va="top",
        ha="right" if right else "left",
        bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 0.5},
    )


@styled
def plot_collapse_risk(results_or_comparison: Any) -> Figure:
    """Probability of a 2014-style collapse by each date, censored at the horizon.

    The band is the curve's 95% interval. For one run, dotted vertical lines mark the
    calendar waypoints of the schedule and a dashed line the median exit date of the
    trials in which the coalition left. Given a comparison, one curve per scenario in
    its colour, each with its median exit date.
    """
    figure, axes = new_figure(width=9.0, height=4.5)
    ax = axes[0, 0]
    if hasattr(results_or_comparison, "results"):
        runs = list(results_or_comparison.results)
        colours = scenario_colours(r.name for r in runs)
        styles = scenario_linestyles(r.name for r in runs)
        title = "Collapse risk: " + " vs ".join(r.name for r in runs)
    else:
        runs = [results_or_comparison]
        colours = {runs[0].name: PALETTE[3]}
        title = f"Collapse risk: {runs[0].name}"
    slot = 0
    for results in runs:
        if len(runs) == 1:
            draw_collapse_curve(
                ax, results, colour=colours[results.name], label="P(collapse by date)", band_label="95% CI"
            )
        else:
            draw_collapse_curve(
                ax,
                results,
                colour=colours[results.name],
                label=results.name,
                linestyle=styles[results.name],
                band_alpha=0.1,
            )
    top = max(max(0.1, float(np.nanmax(r.collapse_curve()["high"])) * 1.15) for r in runs)
    ax.set_ylim(0, min(1.0, top) * 1.35)  # headroom for milestone labels
    if len(runs) == 1:
        for when, text in milestones(runs[0].scenario):
            if runs[0].dates[0] <= when <= runs[0].dates[-1]:
                _mark(ax, runs[0].dates, when, text, GREY, ":", slot % 4)
                slot += 1
        if slot:
            ax.plot([], [], color=GREY, linestyle=":", label="schedule waypoint")
    exits_marked = 0
    for results in runs:
        exit_ = median_exit(results)
        if exit_ is not None and results.dates[0] <= exit_[0] <= results.dates[-1]:
            share = f"median exit ({exit_[1]:.0%} of trials)"
            if len(runs) == 1:
                _mark(ax, results.dates, exit_[0], share, "black", "--", slot % 4)
            else:
                _mark(
                    ax,
                    results.dates,
                    exit_[0],
                    f"{results.name}: {share}",
                    colours[results.name],
                    ":",
                    slot % 4,
                )
            slot += 1
            exits_marked += 1
    if len(runs) == 1:
        if exits_marked:
            ax.plot([], [], color="black", linestyle="--", label="median exit")
    else:
        ax.fill_between([], [], [], color=GREY, alpha=0.2, linewidth=0, label="95% CI")
        if exits_marked:
            ax.plot([], [], color=GREY, linestyle=":", label="median exit")
    ax.set_xlabel("date")
    ax.set_title(f"{title} ({runs[0].n_trials} trials)")
    legend_outside(ax)
    return figure
