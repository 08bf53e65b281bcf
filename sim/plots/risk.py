"""Collapse risk over time: P(collapse by date) with its interval and withdrawal milestones."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.plots._data import milestones
from sim.plots.style import (
    GREY,
    PALETTE,
    date_axis,
    legend_outside,
    new_figure,
    scenario_colours,
    styled,
)

if TYPE_CHECKING:
    from sim.montecarlo import Comparison, Results


def draw_collapse_curve(
    ax: Axes,
    results: Results,
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
        zorder=3,  # above the x axis, where a curve at 0% would otherwise hide
    )
    top = float(np.nanmax(curve["high"])) if len(curve) else 0.0
    if len(curve) and not np.nanmax(curve["probability"]):
        # A curve at 0% is invisible on the axis: say so, one note a curve (several may share it).
        notes = sum(text.get_gid() == "no_collapse" for text in ax.texts)
        who = "" if label.startswith(("P(", "_")) else f"{label}: "
        ax.text(
            0.02,
            0.6 - 0.12 * notes,
            f"{who}no collapse in any of the {results.n_trials:,} trials\n"
            "(the band is the 95% interval: risks this low cannot be ruled out)",
            transform=ax.transAxes,
            fontsize=8,
            color=colour,
            va="center",
            gid="no_collapse",
        )
    ax.set_ylim(0, min(1.0, max(0.1, top * 1.15)))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_ylabel("P(collapse by date)")
    date_axis(ax)


def median_exit(results: Results) -> tuple[pd.Timestamp, float] | None:
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


def _exit_text(results: Results) -> str | None:
    exit_ = median_exit(results)
    if exit_ is None:
        return None
    exits = results.trials["exit_day"].to_numpy(dtype=float)
    left = exits[np.isfinite(exits)]
    if len(left) == len(exits) and left.min() == left.max():
        return f"exit {exit_[0]:%d %b %Y} (every trial)"
    return f"median exit {exit_[0]:%d %b %Y} ({exit_[1]:.0%} of trials left)"


def _draw_one(ax: Axes, results: Results, colour: str, slot: int = 0) -> int:
    """One run's curve with its waypoints and exit marked; returns the next label slot."""
    draw_collapse_curve(ax, results, colour=colour, label="P(collapse by date)", band_label="95% CI")
    for when, text in milestones(results.scenario):
        if results.dates[0] <= when <= results.dates[-1]:
            _mark(ax, results.dates, when, text, GREY, ":", slot % 4)
            slot += 1
    if slot:
        ax.plot([], [], color=GREY, linestyle=":", label="schedule waypoint")
    exit_ = median_exit(results)
    text = _exit_text(results)  # type: ignore[assignment]  # the loop above typed text as str
    if exit_ is None:
        ax.annotate(
            "no exit: troops stay to the end",
            xy=(0.01, 0.97),
            xycoords="axes fraction",
            va="top",
            fontsize=7.5,
            bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 0.5},
        )
    elif text and results.dates[0] <= exit_[0] <= results.dates[-1]:
        _mark(ax, results.dates, exit_[0], text, "black", "--", slot % 4)
        ax.plot([], [], color="black", linestyle="--", label="exit")
        slot += 1
    return slot


@styled
def plot_collapse_risk(results_or_comparison: Results | Comparison) -> Figure:
    """Probability of a 2014-style collapse by each date, censored at the horizon, in percent.

    The band is the curve's 95% interval. Dotted vertical lines mark the calendar
    waypoints of the schedule and a dashed line the exit (the median exit date of the
    trials in which the coalition left, with their share). Given a comparison, one panel
    per scenario on a shared scale, each with its own waypoints and exit, and the other
    scenarios' curves in thin grey for reference, so that curves at zero stay visible
    and labels do not collide.
    """
    if not hasattr(results_or_comparison, "results"):
        results = results_or_comparison
        figure, axes = new_figure(width=9.0, height=4.5)
        ax = axes[0, 0]
        slots = _draw_one(ax, results, PALETTE[3])
        _headroom(ax, [results], slots)
        ax.set_xlabel("date")
        ax.set_title(f"Collapse risk: {results.name} ({results.n_trials} trials)")
        legend_outside(ax)
        return figure
    runs = list(results_or_comparison.results)
    colours = scenario_colours(r.name for r in runs)
    figure, axes = new_figure(len(runs), 1, width=9.0, height=2.6 * len(runs) + 0.6, sharex=True, sharey=True)
    for ax, results in zip(axes[:, 0], runs, strict=True):
        for other in runs:
            if other is not results:
                curve = other.collapse_curve()
                ax.step(curve.index, curve["probability"], where="post", color=GREY, linewidth=0.9, alpha=0.7)
        slots = _draw_one(ax, results, colours[results.name])
        _headroom(ax, runs, slots)
        ax.set_title(results.name)
        ax.set_xlabel("")
    axes[-1, 0].set_xlabel("date")
    axes[0, 0].plot([], [], color=GREY, linewidth=0.9, label="other scenarios")
    legend_outside(axes[0, 0])
    figure.suptitle(f"Collapse risk by date ({runs[0].n_trials} trials each)")
    return figure


def _headroom(ax: Axes, runs: list, slots: int) -> None:
    """A shared top for the curves, with room for the marks' labels above them."""
    top = max(max(0.1, float(np.nanmax(r.collapse_curve()["high"])) * 1.15) for r in runs)
    ax.set_ylim(0, min(1.0, top) * (1.0 + 0.12 * min(slots, 4)))
