"""Figures comparing scenarios run with the same seed and trials (common random numbers).

Every comparison figure gives each scenario the same colour, by its position in the
comparison (see :func:`sim.plots.style.scenario_colours`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from sim.plots._data import outcome_stats
from sim.plots.fans import draw_fan
from sim.plots.outcomes import KEY_OUTCOMES
from sim.plots.style import (
    GREY,
    date_axis,
    legend_outside,
    new_figure,
    no_data,
    outcome_kind,
    outcome_label,
    outcome_title,
    reader_title,
    scenario_colours,
    scenario_linestyles,
    sentence,
    series_label,
    styled,
)

if TYPE_CHECKING:
    from sim.montecarlo import Comparison, Results


def _to_x(kind: str, start: pd.Timestamp):
    """Where values of an outcome of this kind go on its axis.

    Percent for a probability, matplotlib's date numbers for a day offset, the value
    itself otherwise.
    """
    if kind == "binary":
        return lambda values: 100.0 * np.asarray(values, dtype=float)
    if kind == "day":
        origin = mdates.date2num(start)
        return lambda values: origin + np.floor(np.asarray(values, dtype=float))
    return lambda values: np.asarray(values, dtype=float)


def _names(comparison: Comparison) -> list[str]:
    return [r.name for r in comparison.results]


def _grid(count: int) -> tuple[int, int]:
    ncols = 2 if count > 1 else 1
    return max(1, -(-count // ncols)), ncols


@styled
def plot_compare_outcomes(comparison: Comparison, names: Sequence[str] | None = None) -> Figure:
    """Key outcomes side by side, one row per scenario.

    Per scenario the mean with its 95% CI (dot and whisker) and the 5-95% range of trials
    (thin line); probabilities for binary outcomes.
    """
    runs = list(comparison.results)
    colours = scenario_colours(_names(comparison))
    names = [n for n in (names or KEY_OUTCOMES) if n in runs[0].trials.columns]
    nrows, ncols = _grid(len(names))
    figure, axes = new_figure(nrows, ncols, width=11.0, height=0.35 * len(runs) * nrows + 1.3 * nrows + 0.8)
    flat = axes.ravel()
    for ax, name in zip(flat, names, strict=False):
        kind = outcome_kind(name)
        for y, results in enumerate(runs):
            stats = outcome_stats(results, name)
            colour = colours[results.name]
            if not len(stats.values):
                never = "never happened" if kind == "day" else "no values"
                ax.annotate(never, (0.02, y), xycoords=("axes fraction", "data"), va="center", color=colour)
                continue
            # Probabilities in percent; days as the dates they fall on (runs may start apart).
            to_x = _to_x(kind, results.dates[0])
            if kind != "binary" and stats.p5 != stats.p95:  # a binary outcome's trials are 0 or 1: no range
                ax.plot(to_x([stats.p5, stats.p95]), [y, y], color=colour, alpha=0.45, linewidth=1.2)
            mean, low, high = to_x([stats.mean, stats.low, stats.high])
            ax.errorbar(
                [mean],
                [y],
                xerr=[[mean - low], [high - mean]] if np.isfinite([low, high]).all() else None,
                fmt="o",
                color=colour,
                capsize=4,
                markersize=6,
                linewidth=2,
            )
        if kind == "binary":
            ax.xaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
            ax.set_xlim(0, 100)
        elif kind == "day":
            ax.xaxis_date()
            date_axis(ax)
        ax.set_yticks(range(len(runs)), [r.name for r in runs])
        ax.set_ylim(len(runs) - 0.5, -0.5)
        title = outcome_title(name)
        ax.set_title(reader_title(name))
        ax.set_xlabel(f"P({title})" if kind == "binary" else "date" if kind == "day" else outcome_label(name))
        ax.grid(axis="y", visible=False)
    for ax in flat[len(names) :]:
        ax.set_visible(False)
    handles = [
        Line2D([], [], color=GREY, marker="o", linewidth=2, label="mean (probability), 95% CI"),
        Line2D([], [], color=GREY, alpha=0.45, linewidth=1.2, label="5-95% of trials"),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=2, framealpha=0.85)
    figure.suptitle("Outcomes by scenario: " + " vs ".join(_names(comparison)))
    return figure


@styled
def plot_compare_fan(comparison: Comparison, series_name: str) -> Figure:
    """One daily series for every scenario: median line and 25-75% band in its colour.

    A series that is exactly zero in many trials and far from it in others (territory:
    none before a collapse, a third of Iraq after) has a median that jumps between the two
    and a band that says little; such a series is drawn as each scenario's mean across
    trials instead, and the title says so.
    """
    figure, axes = new_figure(width=9.0, height=4.5)
    ax = axes[0, 0]
    colours = scenario_colours(_names(comparison))
    styles = scenario_linestyles(_names(comparison))
    means = any(split_at_zero(r, series_name) for r in comparison.results)
    for results in comparison.results:
        if means:
            ax.plot(
                results.dates,
                results.series(series_name).mean(axis=0, dtype=np.float64),
                color=colours[results.name],
                linestyle=styles[results.name],
                linewidth=2.0,
                label=results.name,
                gid="mean",
            )
            continue
        draw_fan(
            ax,
            results,
            series_name,
            colour=colours[results.name],
            label=results.name,
            trials=0,
            outer=False,
            linestyle=styles[results.name],
        )
    ax.set_ylabel(series_label(series_name))
    ax.set_xlabel("date")
    if all(np.nanmin(r.bands(series_name)["p25"]) >= 0 for r in comparison.results):
        ax.set_ylim(bottom=0)  # a quantity that cannot be negative: a cut axis would magnify the change
    what = " (mean across trials: many trials stay at zero)" if means else ""
    ax.set_title(
        f"{sentence(series_label(series_name).split(' (')[0])}{what}: " + " vs ".join(_names(comparison))
    )
    date_axis(ax)
    handles, labels = ax.get_legend_handles_labels()
    if not means:
        handles.append(Line2D([], [], color=GREY, linewidth=6, alpha=0.35))
        labels.append("25-75% of trials")
    kept = [(h, lab) for h, lab in zip(handles, labels, strict=True) if not lab.endswith(" mean")]
    handles, labels = [h for h, _ in kept], [lab for _, lab in kept]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return figure


def split_at_zero(results: Results, series_name: str, share_of_days: float = 0.1) -> bool:
    """True when a median of the series says little.

    That is when, on more than ``share_of_days`` of the days, at least a quarter of the
    trials are exactly at zero while at least a quarter are above it.
    """
    bands = results.bands(series_name)
    split = (bands["p25"] == 0) & (bands["p75"] > 0)
    return bool(split.mean() > share_of_days)


@styled
def plot_differences(comparison: Comparison, names: Sequence[str] | None = None) -> Figure:
    """Paired differences of outcome means from the first scenario, with 95% intervals.

    Each panel is one outcome (its own unit); each row a scenario other than the first.
    A whisker clear of the zero line is a difference the trials resolve. Because the
    scenarios share random numbers trial by trial, these intervals are much narrower
    than a comparison of two independent runs would give.
    """
    table = comparison.differences()
    base = _names(comparison)[0]
    colours = scenario_colours(_names(comparison))
    others = [n for n in _names(comparison)[1:]]
    names = [n for n in (names or KEY_OUTCOMES) if n in set(table["outcome"])]
    nrows, ncols = _grid(len(names))
    figure, axes = new_figure(
        nrows, ncols, width=11.0, height=max(0.35 * len(others), 0.6) * nrows + 1.3 * nrows + 0.8
    )
    flat = axes.ravel()
    if not names or not others:
        no_data(flat[0], "nothing to compare: one scenario or no shared outcomes")
    for ax, name in zip(flat, names, strict=False):
        rows = table[table["outcome"] == name].set_index("scenario")
        for y, scenario in enumerate(others):
            if scenario not in rows.index:
                continue
            row = rows.loc[scenario]
            if not int(row["n"]):
                ax.annotate(
                    "no pairs: never happened in both",
                    (0.02, y),
                    xycoords=("axes fraction", "data"),
                    va="center",
                    color=colours[scenario],
                )
                continue
            scale = 100.0 if outcome_kind(name) == "binary" else 1.0  # probabilities in points
            mean, low, high = (scale * float(row[c]) for c in ("mean_diff", "ci_low", "ci_high"))
            if not np.isfinite(mean):
                continue
            ax.errorbar(
                [mean],
                [y],
                xerr=[[max(0.0, mean - low)], [max(0.0, high - mean)]],
                fmt="o",
                color=colours[scenario],
                capsize=4,
                markersize=6,
                linewidth=2,
            )
        ax.axvline(0, color="black", linewidth=1)
        ax.set_yticks(range(len(others)), others)
        ax.set_ylim(len(others) - 0.5, -0.5)
        ax.set_title(reader_title(name))
        if outcome_kind(name) == "binary":
            ax.set_xlabel(f"difference in P({outcome_title(name)}) (percentage points)")
        else:
            label = outcome_label(name).replace("days after start", "days")
            ax.set_xlabel("difference in " + label.replace(" day (", " date ("))
        ax.grid(axis="y", visible=False)
        left, right = ax.get_xlim()
        span = max(abs(left), abs(right))
        ax.set_xlim(-span * 1.08, span * 1.08)  # zero in the middle: the sign reads at a glance
    for ax in flat[len(names) :]:
        ax.set_visible(False)
    legend = [Line2D([], [], color=GREY, marker="o", linewidth=2, label="mean paired difference, 95% CI")]
    legend_outside(flat[0], legend) if len(flat) == 1 else figure.legend(
        handles=legend, loc="outside lower center", framealpha=0.85
    )
    figure.suptitle(
        f"Paired differences from {base}: {', '.join(others)} ({comparison.results[0].n_trials} trials)"
    )
    return figure
