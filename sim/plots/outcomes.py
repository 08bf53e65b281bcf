"""Distributions of scalar outcomes across trials: one outcome, or a panel of the key ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim.plots._data import OutcomeStats, outcome_stats
from sim.plots.style import (
    GREY,
    OKABE_ITO,
    PALETTE,
    new_figure,
    no_data,
    outcome_kind,
    outcome_label,
    outcome_title,
    reader_title,
    styled,
)

if TYPE_CHECKING:
    from sim.montecarlo import Results

KEY_OUTCOMES = (
    "militia_attacks",
    "wounded",
    "killed",
    "collapse",
    "peak_territory",
    "final_capability",
    "peak_isis_strength",
    "exit_day",
)
SMALL_COUNT = 30  # counts up to this are drawn as one bar per value


def _formatter(*values: float):
    """A number format shared by related numbers, with decimals suited to the largest."""
    finite = [abs(v) for v in values if np.isfinite(v)]
    largest = max(finite, default=0.0)
    decimals = 0 if largest >= 100 else 1 if largest >= 10 else 2 if largest >= 1 else 3

    def number(x: float) -> str:
        return f"{x:,.{decimals}f}" if np.isfinite(x) else "n/a"

    return number


# The box of figures in a panel's top right corner, in axes coordinates.
_NOTE: dict[str, Any] = {
    "ha": "right",
    "va": "top",
    "bbox": {"boxstyle": "round", "facecolor": "white", "alpha": 0.85, "edgecolor": GREY},
}


def _draw_binary(ax: Axes, name: str, stats: OutcomeStats) -> None:
    successes = int(stats.values.sum())
    mean, low, high = 100 * stats.mean, 100 * stats.low, 100 * stats.high  # percent, as people read it
    ax.barh([0], [mean], height=0.5, color=PALETTE[0], label="probability")
    ax.errorbar(
        [mean],
        [0],
        xerr=[[mean - low], [high - mean]],
        fmt="none",
        ecolor="black",
        capsize=6,
        label="95% CI (Wilson)",
    )
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.8, 0.8)
    ax.set_yticks([])
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    ax.set_xlabel(f"P({outcome_title(name)})")
    ax.text(
        0.98,
        0.95,
        f"P = {mean:.1f}% (95% CI {low:.1f}% to {high:.1f}%)\n{successes} of {len(stats.values)} trials",
        transform=ax.transAxes,
        **_NOTE,
        fontsize=8.5,
    )


def _draw_constant(ax: Axes, name: str, stats: OutcomeStats, start: pd.Timestamp) -> None:
    """An outcome the same in every trial: a statement, not a one-bar histogram."""
    value = float(stats.values[0])
    if outcome_kind(name) == "day":
        shown = f"{start + pd.Timedelta(days=int(np.floor(value))):%d %b %Y}"
    else:
        shown = _formatter(value)(value)
    share = (
        "every trial"
        if len(stats.values) == stats.n
        else f"all {len(stats.values)} of {stats.n} trials where it happened"
    )
    ax.text(0.5, 0.5, f"{shown}\nin {share}", transform=ax.transAxes, ha="center", va="center", fontsize=11)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():  # a statement, not a chart: no axes to read
        spine.set_visible(False)


def _date_ticks(ax: Axes, start: pd.Timestamp) -> None:
    """Label an axis of day offsets with the dates they fall on."""
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _: f"{start + pd.Timedelta(days=int(np.floor(x))):%b %Y}")
    )


def _draw_distribution(ax: Axes, name: str, stats: OutcomeStats, start: pd.Timestamp) -> None:
    values = stats.values
    kind = outcome_kind(name)
    weights = np.full(len(values), 100.0 / stats.n)
    integer = kind in ("count", "day") and bool(np.all(values == np.round(values)))
    if integer and values.max() - values.min() <= SMALL_COUNT:
        levels, counts = np.unique(values, return_counts=True)
        heights = counts * 100.0 / stats.n
        ax.bar(levels, heights, width=0.8, color=PALETTE[0], alpha=0.85, label="trials")
        pad = max(1.0, 0.05 * (levels.max() - levels.min()))
        ax.set_xlim(levels.min() - pad, levels.max() + pad)
    else:
        bins = min(40, max(8, int(np.sqrt(len(values)) * 2)))
        if values.max() == values.min():
            bins = 1
        heights, _, _ = ax.hist(  # type: ignore[assignment]  # one data set: one array of heights
            values, bins=bins, weights=weights, color=PALETTE[0], alpha=0.85, label="trials"
        )
    ax.axvspan(stats.p5, stats.p95, color=PALETTE[4], alpha=0.18, label="5-95% of trials", zorder=0)
    ax.axvline(stats.median, color="black", linewidth=1.5, label="median")
    ax.axvline(stats.mean, color=OKABE_ITO["vermillion"], linewidth=1.2, linestyle="--", label="mean")
    ax.set_xlabel(outcome_label(name))
    ax.set_ylabel("share of trials (%)")
    if integer:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    number = _formatter(stats.mean, stats.median, stats.p95)
    quantile = (lambda x: f"{x:,.0f}" if x == round(x) else f"{x:,.1f}") if integer else number
    happened = f"\nhappened in {len(values)} of {stats.n} trials" if kind == "day" else ""
    if kind == "day":  # offsets are for code; people read dates
        _date_ticks(ax, start)
        ax.set_xlabel(f"{outcome_title(name).removesuffix(' day')} date")

        def number(x: float) -> str:
            return f"{start + pd.Timedelta(days=int(np.floor(x))):%d %b %Y}" if np.isfinite(x) else "n/a"

        quantile = number
    ax.text(
        0.98,
        0.95,
        f"mean {number(stats.mean)} (95% CI {number(stats.low)} to {number(stats.high)})\n"
        f"median {quantile(stats.median)}; 5-95% of trials: {quantile(stats.p5)} to {quantile(stats.p95)}"
        f"{happened}",
        transform=ax.transAxes,
        **_NOTE,
        fontsize=8,
    )
    ax.set_ylim(0, float(np.max(heights)) * 1.45)  # headroom for the text box


def draw_outcome(ax: Axes, results: Results, name: str) -> None:
    """Draw one outcome's distribution into ``ax`` (used by the panels)."""
    stats = outcome_stats(results, name)
    ax.set_title(reader_title(name))
    if outcome_kind(name) == "binary":
        if len(stats.values):
            _draw_binary(ax, name, stats)
        else:
            no_data(ax, "no trials")
    elif len(stats.values) == 0:
        message = "never happened in any trial" if outcome_kind(name) == "day" else "no finite values"
        no_data(ax, f"{message}\n({stats.n} trials)")
    elif stats.values.min() == stats.values.max():
        _draw_constant(ax, name, stats, results.dates[0])
    else:
        _draw_distribution(ax, name, stats, results.dates[0])


@styled
def plot_outcome(results: Results, name: str) -> Figure:
    """Distribution of one scalar outcome across the trials of a run.

    Counts with few distinct values are drawn as one bar per value, other outcomes as
    a histogram (y: share of trials in %); the median, the 5-95% range of trials and
    the mean with its 95% confidence interval are marked. A binary outcome (e.g.
    ``collapse``) is drawn as a probability with its Wilson interval; a day outcome
    (e.g. ``exit_day``) over the trials in which it happened. The mean, interval and
    percentiles are those of ``results.summary()``; a name that is not an outcome there
    raises ``KeyError``.
    """
    figure, axes = new_figure(width=7.0, height=4.0)
    ax = axes[0, 0]
    draw_outcome(ax, results, name)
    ax.set_title(f"{reader_title(name)}: {results.name} ({results.n_trials} trials)")
    if outcome_kind(name) != "binary" and ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", framealpha=0.85)
    return figure


@styled
def plot_outcomes(results: Results, names: Sequence[str] | None = None) -> Figure:
    """A panel of outcome distributions (by default the key outcomes of the run)."""
    names = [n for n in (names or KEY_OUTCOMES) if n in results.trials.columns]
    ncols = 2 if len(names) > 1 else 1
    nrows = max(1, -(-len(names) // ncols))
    figure, axes = new_figure(nrows, ncols, width=11.0, height=2.9 * nrows + 0.6)
    flat = axes.ravel()
    for ax, name in zip(flat, names, strict=False):
        draw_outcome(ax, results, name)
    for ax in flat[len(names) :]:
        ax.set_visible(False)
    handles, labels = [], []
    for ax in flat[: len(names)]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    if handles:
        figure.legend(handles, labels, loc="outside lower center", ncols=len(labels), framealpha=0.85)
    figure.suptitle(f"Outcomes: {results.name} ({results.n_trials} trials)")
    return figure
