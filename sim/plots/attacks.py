"""Militia attacks week by week: one typical trial in detail, and bands across trials."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.engine.result import EVENT_KINDS, WEAPONS
from sim.plots._data import trial_ids
from sim.plots.style import GREY, OKABE_ITO, PALETTE, date_axis, legend_outside, new_figure, no_data, styled

if TYPE_CHECKING:
    from sim.montecarlo import Results

WEEK = 7


def typical_trial(results: Results) -> int:
    """The kept trial whose militia attacks are closest to the median over all trials."""
    kept = np.asarray(list(results.events_kept_for))
    attacks = pd.Series(results.trials["militia_attacks"].to_numpy(dtype=float), index=trial_ids(results))
    median = float(np.median(attacks))
    candidates = attacks[attacks.index.isin(kept)]
    if candidates.empty:
        raise ValueError("no trial has its events kept")
    return int((candidates - median).abs().idxmin())


def _names(column: pd.Series, names: tuple[str, ...] | list[str]) -> pd.Series:
    """Event columns may hold names or indices; return names."""
    if pd.api.types.is_numeric_dtype(column):
        return column.map(lambda i: names[int(i)] if 0 <= int(i) < len(names) else "-")
    return column.astype(str)


def _week_starts(results: Results) -> pd.DatetimeIndex:
    start = pd.Timestamp(results.scenario.start)
    weeks = results.scenario.days // WEEK + 1
    return pd.DatetimeIndex([start + pd.Timedelta(days=WEEK * w) for w in range(weeks)])


def _stacked_weeks(ax: Axes, results: Results, attacks: pd.DataFrame, by: str, order: list[str]) -> None:
    weeks = _week_starts(results)
    counts = (
        attacks.assign(week=(attacks["day"] // WEEK).astype(int))
        .groupby(["week", by])
        .size()
        .unstack(fill_value=0)
        .reindex(index=range(len(weeks)), columns=[o for o in order if o in set(attacks[by])], fill_value=0)
    )
    bottom = np.zeros(len(weeks))
    for i, name in enumerate(counts.columns):
        ax.bar(
            weeks,
            counts[name],
            width=WEEK * 0.85,
            bottom=bottom,
            align="edge",
            color=PALETTE[i % len(PALETTE)],
            label=name.replace("_", " "),
        )
        bottom += counts[name].to_numpy()
    ax.set_ylabel("attacks per week")
    ax.set_ylim(0, max(1.0, bottom.max()) * 1.15)


def _mark_strikes(ax: Axes, results: Results, events: pd.DataFrame) -> None:
    strikes = events[events["kind"] == "strike"]
    start = pd.Timestamp(results.scenario.start)
    when = [start + pd.Timedelta(days=float(d)) for d in strikes["day"]]
    top = ax.get_ylim()[1]
    ax.plot(
        when,
        [top * 0.95] * len(when),
        linestyle="none",
        marker="v",
        markersize=7,
        color=OKABE_ITO["black"],
        label=f"retaliation strike ({len(when)})",
    )


def _weekly_bands(ax: Axes, results: Results, cumulative: np.ndarray, index: np.ndarray) -> None:
    """Percentile bands of attacks per full week across trials, as steps."""
    weekly = np.diff(cumulative[:, index], axis=1)
    p5, p25, p50, p75, p95 = np.percentile(weekly, [5, 25, 50, 75, 95], axis=0)
    # a step per week, repeated at the end so the last week is drawn to its end
    starts = results.dates[index]
    p5, p25, p50, p75, p95, mean = (
        np.append(q, q[-1]) for q in (p5, p25, p50, p75, p95, weekly.mean(axis=0))
    )
    ax.fill_between(
        starts, p5, p95, step="post", color=PALETTE[0], alpha=0.15, linewidth=0, label="5-95% of trials"
    )
    ax.fill_between(
        starts, p25, p75, step="post", color=PALETTE[0], alpha=0.3, linewidth=0, label="25-75% of trials"
    )
    ax.step(starts, p50, where="post", color=PALETTE[0], linewidth=2, label="median", gid="median")
    ax.step(
        starts,
        mean,
        where="post",
        color=OKABE_ITO["vermillion"],
        linewidth=1,
        linestyle="--",
        label="mean",
    )


@styled
def plot_attack_timeline(results: Results, trial: int | None = None) -> Figure:
    """Militia attacks per week: one trial by weapon and by base, and all trials as bands.

    The top two panels show a single trial (default: the kept trial whose total is
    closest to the median), its attacks stacked by weapon and by base, retaliation
    strikes as triangles. The bottom panel shows weekly attacks across all trials
    (from the cumulative ``attacks`` series): median, 25-75% and 5-95% of trials.
    """
    chosen = "" if trial is not None else ", the kept trial nearest the median"
    trial = typical_trial(results) if trial is None else trial
    events = results.events
    events = events[events["trial"] == trial].copy()
    events["kind"] = _names(events["kind"], EVENT_KINDS)
    attacks = events[events["kind"] == "attack"].copy()
    attacks["weapon"] = _names(attacks["weapon"], WEAPONS)
    bases = list(results.scenario.bases)
    attacks["base"] = _names(attacks["base"], bases)

    figure, axes = new_figure(3, 1, width=10.0, height=10.0, sharex=True)
    total = len(attacks)
    for ax, by, order, what in (
        (axes[0, 0], "weapon", list(WEAPONS), "by weapon"),
        (axes[1, 0], "base", bases, "by base"),
    ):
        _stacked_weeks(ax, results, attacks, by, order)
        _mark_strikes(ax, results, events)
        ax.set_title(f"Trial {trial} ({total} attacks{chosen}), {what}")
        legend_outside(ax)

    ax = axes[2, 0]
    cumulative = results.series("attacks")
    index = np.arange(0, cumulative.shape[1], WEEK)  # full weeks only: a partial one would mislead
    if len(index) < 2:
        no_data(ax, "horizon shorter than a week")
    else:
        _weekly_bands(ax, results, cumulative, index)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("attacks per week")
    ax.set_xlabel("date")
    ax.set_title(f"All {results.n_trials} trials")
    legend_outside(ax)
    for row in axes[:, 0]:
        date_axis(row)
    quiet_after = _attacks_end(cumulative)
    if quiet_after is not None:
        ax.set_xlim(results.dates[0] - pd.Timedelta(days=WEEK), results.dates[quiet_after])
        ax.annotate(
            "axis ends 8 weeks after 95% of trials saw their last attack",
            xy=(1.0, 0.97),
            xycoords="axes fraction",
            xytext=(-4, 0),
            va="top",
            textcoords="offset points",
            ha="right",
            fontsize=8,
            color=GREY,
        )
    figure.suptitle(f"Militia attacks per week: {results.name}")
    return figure


def _attacks_end(cumulative: np.ndarray) -> int | None:
    """A day to end the time axis at when attacks stop well before the horizon, else ``None``.

    It is eight weeks after the day by which 95% of trials have seen their last attack,
    so that a fast exit's attacks are not squeezed into the first tenth of the figure.
    """
    days = cumulative.shape[1]
    if days < 2 or len(cumulative) == 0:
        return None
    last = np.argmax(cumulative >= cumulative[:, -1:], axis=1)  # first day at the final count
    end = int(np.percentile(last, 95)) + 8 * WEEK
    return end if end < 0.8 * (days - 1) else None
