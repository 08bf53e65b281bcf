"""Fan charts over calendar dates: percentile bands of daily series across trials."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.plots._data import planned_troops
from sim.plots.style import (
    GREY,
    PALETTE,
    date_axis,
    legend_outside,
    new_figure,
    sentence,
    series_label,
    styled,
)

if TYPE_CHECKING:
    from sim.montecarlo import Results

N_TRIAL_LINES = 5


def draw_fan(
    ax: Axes,
    results: Results,
    series_name: str,
    *,
    colour: str = PALETTE[0],
    label: str | None = None,
    trials: int = N_TRIAL_LINES,
    outer: bool = True,
    linestyle: str = "-",
) -> None:
    """Draw 5-95% and 25-75% bands, the median and a few trials of a series into ``ax``.

    ``label`` names the median line (default "median"); the bands are labelled only
    when ``label`` is None, so several fans can share one axes and one legend.
    """
    bands = results.bands(series_name)
    dates = bands.index
    prefix = "" if label is None else f"{label} "
    if results.n_trials and results.is_constant(series_name):  # no spread: no bands to show
        ax.plot(
            dates,
            bands["p50"],
            color=colour,
            linewidth=2.0,
            linestyle=linestyle,
            label=label or "every trial",
            zorder=3,  # above the x axis, where a series at 0 would otherwise hide
        )
        date_axis(ax)
        return
    if outer:
        ax.fill_between(
            dates,
            bands["p5"],
            bands["p95"],
            color=colour,
            alpha=0.15,
            linewidth=0,
            label=f"{prefix}5-95% of trials" if label is None else "_band",
        )
    ax.fill_between(
        dates,
        bands["p25"],
        bands["p75"],
        color=colour,
        alpha=0.3,
        linewidth=0,
        label=f"{prefix}25-75% of trials" if label is None else "_band",
    )
    if trials:
        paths = results.series(series_name)[:trials]
        for path in paths:
            ax.plot(dates, path, color=colour, alpha=0.35, linewidth=0.6, label="_trial")
        ax.plot(
            [],
            [],
            color=colour,
            alpha=0.35,
            linewidth=0.6,
            label=f"{prefix}single trials" if label is None else "_",
        )
    ax.plot(
        dates,
        bands["p50"],
        color=colour,
        linewidth=2.0,
        linestyle=linestyle,
        label=label or "median",
        gid="median",
        zorder=3,
    )
    if not np.nanmax(np.abs(bands["p50"]), initial=0.0) and np.nanmax(bands["p95"], initial=0.0) > 0:
        # Most trials stay at zero (territory before a collapse, say): the median says
        # nothing, so the mean across trials is drawn as well.
        mean = results.series(series_name).mean(axis=0, dtype=np.float64)
        ax.plot(dates, mean, color=colour, linewidth=1.4, linestyle="--", label=f"{prefix}mean", gid="mean")
    date_axis(ax)


def from_zero(ax: Axes) -> None:
    """Start the y axis at zero when nothing drawn in it is negative.

    Call it once everything is drawn: troops held at 2,000 of 3,900 must not look like
    troops near zero, nor a share that is always 0 reach below it.
    """
    if np.isfinite(ax.dataLim.y0) and ax.dataLim.y0 >= 0:
        ax.set_ylim(bottom=0)


@styled
def plot_fan(results: Results, series_name: str, ax: Axes | None = None) -> Figure:
    """Fan chart of one daily series over calendar dates.

    Shaded bands hold 5-95% and 25-75% of the trials day by day, the thick line is the
    median and the thin lines are the first five trials (real paths, unlike the bands).
    When ``ax`` is given the chart is drawn there and its figure returned.
    """
    if ax is None:
        figure, axes = new_figure(width=8.5, height=4.2)
        ax = axes[0, 0]
        ax.set_title(f"{sentence(series_label(series_name).split(' (')[0])}: {results.name}")
        draw_fan(ax, results, series_name)
        legend_outside(ax)
    else:
        figure = ax.figure  # type: ignore[assignment]  # a SubFigure only if ax was drawn in one
        ax.set_title(sentence(series_label(series_name).split(" (")[0]))
        draw_fan(ax, results, series_name)
        ax.legend(loc="best", framealpha=0.85)
    from_zero(ax)
    ax.set_ylabel(series_label(series_name))
    ax.set_xlabel("date")
    return figure


def _by_contingent(results: Results) -> dict[str, np.ndarray]:
    """Median troop path of each element, summed by contingent (in element order)."""
    stacks: dict[str, np.ndarray] = {}
    for key in results.elements:
        contingent = results.scenario.forces[key].contingent
        median = np.median(results.series(f"troops:{key}"), axis=0)
        stacks[contingent] = stacks.get(contingent, 0) + median
    return stacks


@styled
def plot_troops(results: Results) -> Figure:
    """Troops in theatre stacked by contingent, with the planned schedule dashed.

    Each element's median path across trials is summed by contingent and stacked.
    The dashed line is the plan when every waypoint is calendar-based (distributions
    at their medians), otherwise the median of total troops; the grey band holds
    5-95% of trials' total troops, showing where rules changed the drawdown.
    """
    figure, axes = new_figure(width=9.0, height=4.5)
    ax = axes[0, 0]
    dates = results.dates
    stacks = _by_contingent(results)
    varies = results.n_trials > 0 and not results.is_constant("troops")
    ax.stackplot(
        dates,
        *stacks.values(),
        labels=[f"{c} (median)" if varies else c for c in stacks],
        colors=[PALETTE[i % len(PALETTE)] for i in range(len(stacks))],
        alpha=0.85,
    )
    total = results.bands("troops")
    if varies:  # a band only where trials differ; otherwise the legend would list nothing drawn
        ax.fill_between(
            dates,
            total["p5"],
            total["p95"],
            facecolor="none",
            edgecolor=GREY,
            hatch="///",
            linewidth=0.0,
            alpha=0.6,
            label="total, 5-95% of trials",
        )
    plan = planned_troops(results.scenario)
    if plan is not None:
        ax.plot(dates, plan, color="black", linestyle="--", linewidth=1.4, label="planned schedule")
    else:
        ax.plot(dates, total["p50"], color="black", linestyle="--", linewidth=1.4, label="total, median")
    ax.set_ylim(bottom=0)
    ax.set_ylabel("troops in theatre")
    ax.set_xlabel("date")
    ax.set_title(f"Troops by contingent: {results.name}")
    date_axis(ax)
    legend_outside(ax)
    return figure


def _pair(ax: Axes, results: Results, names: tuple[str, ...], ylabel: str, title: str) -> None:
    for i, name in enumerate(names):
        draw_fan(ax, results, name, colour=PALETTE[i], label=series_label(name).split(" (")[0], trials=0)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="best", framealpha=0.85)
    _say_what_is_too_small(ax, results, names)


def _say_what_is_too_small(ax: Axes, results: Results, names: tuple[str, ...]) -> None:
    """Write the last median and 5-95% range of series too small to see.

    A series whose whole fan is under 3% of the panel's largest value (killed beside
    wounded) draws as a line on the axis.
    """
    tops = {name: float(np.nanmax(results.bands(name)["p95"], initial=0.0)) for name in names}
    largest = max(tops.values())
    notes = []
    for i, name in enumerate(names):
        if largest > 0 and tops[name] < 0.03 * largest:
            last = results.bands(name).iloc[-1]
            label = series_label(name).split(" (")[0]
            notes.append(
                (
                    i,
                    f"{label} at the end: median {last['p50']:,.3g} (5-95% {last['p5']:,.3g} to {last['p95']:,.3g}), too small to see here",
                )
            )
    for slot, (i, text) in enumerate(notes):
        ax.text(
            0.98,
            0.04 + 0.07 * slot,
            text,
            transform=ax.transAxes,
            ha="right",
            fontsize=8,
            color=PALETTE[i],
            gid="too_small",
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )


@styled
def plot_dashboard(results: Results) -> Figure:
    """A grid of fan charts: the state of the world over time in one figure.

    Panels: troops; ISF readiness and capability; ISIS strength; territory held by
    ISIS; militia tension and political pressure; cumulative militia attacks;
    cumulative coalition wounded and killed; probability of collapse by date.
    Lines are medians, dark bands 25-75% and light bands 5-95% of trials.
    """
    from sim.plots.risk import draw_collapse_curve

    figure, axes = new_figure(4, 2, width=12.0, height=13.0, sharex=True)
    singles = {
        (0, 0): "troops",
        (1, 0): "isis_strength",
        (1, 1): "territory",
        (2, 1): "attacks",
    }
    for (row, col), name in singles.items():
        ax = axes[row, col]
        draw_fan(ax, results, name, trials=0)
        ax.set_ylabel(series_label(name))
        ax.set_title(sentence(series_label(name).split(" (")[0]))
    axes[0, 0].legend(loc="best", framealpha=0.85)
    _pair(
        axes[0, 1],
        results,
        ("readiness", "capability"),
        "ISF readiness, capability (0-1)",
        "ISF readiness & capability",
    )
    _pair(
        axes[2, 0],
        results,
        ("militia_rate", "pressure"),
        "attacks a day; pressure (1 = Jan 2024)",
        "Expected militia attacks & political pressure",
    )
    _pair(
        axes[3, 0],
        results,
        ("wounded", "killed"),
        "coalition casualties (cumulative, people)",
        "Coalition wounded & killed",
    )
    draw_collapse_curve(axes[3, 1], results, colour=PALETTE[3], label="P(collapse by date)")
    axes[3, 1].set_title("Collapse risk")
    axes[3, 1].legend(loc="best", framealpha=0.85)
    for ax in axes.ravel():
        from_zero(ax)
    for ax in axes[3]:
        ax.set_xlabel("date")
        date_axis(ax)
        ax.xaxis.set_tick_params(labelbottom=True)
    handles = [
        Line2D([], [], color=GREY, linewidth=2, label="median"),
        Patch(color=GREY, alpha=0.5, label="25-75% of trials"),
        Patch(color=GREY, alpha=0.2, label="5-95% of trials"),
    ]
    if any(line.get_gid() == "mean" for ax in axes.ravel() for line in ax.get_lines()):
        handles.append(Line2D([], [], color=GREY, linewidth=1.4, linestyle="--", label="mean (median is 0)"))
    figure.legend(handles=handles, loc="outside lower center", ncols=len(handles), framealpha=0.85)
    figure.suptitle(f"Dashboard: {results.name} ({results.n_trials} trials)")
    return figure
