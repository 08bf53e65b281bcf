"""The results of a Monte Carlo run, and of several runs compared.

:class:`Results` holds one row per trial (drawn parameters, scalar outcomes, events
processed), the daily series of every trial as float32 arrays (a series that is the
same in every trial, such as troops under a fixed calendar schedule, is stored once),
the event logs of the kept trials, and what the run took. Summaries (means with confidence intervals,
percentile bands, the collapse curve) are computed from these on request.

:class:`Comparison` holds several :class:`Results` run with the same seed and trial
count, and reports each outcome side by side and paired differences from the first.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.engine.outcomes import MONTH_DAYS, outcome_kind_unit
from sim.montecarlo import stats, store, tidy
from sim.montecarlo.events import events_frame, normalise_events

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

PARAM_PREFIX = "param:"
NOT_OUTCOMES = ("n_events",)


HORIZON_MONTHS = 24
"""A run should see at least this many months past the exit (docs/model.md, section 7)."""


class Results:
    """Trials of one scenario run with one seed.

    Attributes:
        name: the scenario's name.
        scenario: the scenario run, with ``monte_carlo`` set to the trials and seed used.
        n_trials: trials finished (fewer than asked when ``interrupted``).
        seed: the run's seed.
        dates: calendar dates of days ``0 .. days`` (day 0 is the start).
        elements: force element keys, in scenario order.
        series_names: names accepted by :meth:`series` and :meth:`bands`.
        trials: one row per trial, index ``trial`` (the trial's index in the run); columns
            ``param:<dotted path>`` (drawn values), every scalar outcome, ``n_events``.
        events: event logs of the kept trials (see :mod:`sim.montecarlo.events`).
        events_kept_for: trials whose events are in ``events``.
        interrupted: True when the run was stopped (Ctrl-C, SIGTERM, too many failures);
            ``trials`` then holds the trials that finished, which need not be the first ones.
        failures: one record per failed trial, left out of ``trials``: ``index``, ``seed``,
            ``parameters`` (the trial's drawn values by dotted path), ``reason``, ``traceback``.
            Re-run one alone with ``python -m sim trial FOLDER INDEX``.
        timings: ``wall_seconds``, ``trials_per_second``, ``jobs``, ``backend``, ``chunk_size``.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        trials: pd.DataFrame,
        series: Mapping[str, np.ndarray],
        events: pd.DataFrame | None = None,
        events_kept_for: Sequence[int] = (),
        interrupted: bool = False,
        timings: dict | None = None,
        failures: Sequence[Mapping[str, Any]] = (),
    ):
        """Assemble results.

        ``series`` maps each series name to its values, shape (trials, days + 1), rows in
        the order of ``trials``. A series that is the same in every trial may be given as
        a broadcast view of one row (``np.broadcast_to``), which costs no memory per trial.
        """
        self.scenario = scenario
        self.name: str = scenario.name
        self.seed = int(seed)
        self.trials = trials
        self.n_trials = len(trials)
        self.dates = pd.date_range(pd.Timestamp(scenario.start), periods=scenario.days + 1, freq="D")
        self.elements: list[str] = list(scenario.forces)
        self.series_names: tuple[str, ...] = tuple(series)
        expected = (self.n_trials, len(self.dates))
        self._series: dict[str, np.ndarray] = {}
        for name, values in series.items():
            if values.shape != expected:
                raise ValueError(f"series {name!r}: expected shape {expected}, found {values.shape}")
            view = values.view()
            view.flags.writeable = False
            self._series[name] = view
        self.events = events if events is not None else events_frame({}, scenario)
        self.events_kept_for = [int(i) for i in events_kept_for]
        self.interrupted = bool(interrupted)
        self.timings = dict(timings or {})
        self.failures = [dict(f) for f in failures]
        self._summary: pd.DataFrame | None = None

    # ------------------------------------------------------------------- series

    def series(self, name: str) -> np.ndarray:
        """Daily values of one series for every trial: float32, shape (n_trials, days + 1).

        Row ``k`` is the trial in row ``k`` of :attr:`trials`; column ``d`` is the state
        at the end of day ``d``. The array is a read-only view, not a copy (a series that
        was the same in every trial is one row broadcast to all trials).
        """
        try:
            return self._series[name]
        except KeyError:
            raise KeyError(
                f"unknown series {name!r}; expected one of {', '.join(self.series_names)}"
            ) from None

    def is_constant(self, name: str) -> bool:
        """True when a series is the same in every trial (and stored once)."""
        return self.series(name).strides[0] == 0

    @property
    def series_nbytes(self) -> int:
        """Memory held by the per-trial series, in bytes (a shared row counted once)."""
        return sum(v.itemsize * v.shape[1] if v.strides[0] == 0 else v.nbytes for v in self._series.values())

    def bands(self, name: str, percentiles: Sequence[float] = stats.PERCENTILES) -> pd.DataFrame:
        """Percentiles of a series across trials, day by day.

        Returns a DataFrame indexed by :attr:`dates` with a column ``p<q>`` per percentile
        (``p5``, ``p25`` ...) and ``day`` (0 .. days). ``nan`` when no trial finished.
        """
        values = self.series(name)
        if self.n_trials:
            table = np.percentile(values, list(percentiles), axis=0).astype(np.float64)
        else:
            table = np.full((len(percentiles), len(self.dates)), np.nan)
        frame = pd.DataFrame(
            {f"p{q:g}": row for q, row in zip(percentiles, table, strict=True)}, index=self.dates
        )
        frame["day"] = np.arange(len(self.dates))
        return frame

    # ----------------------------------------------------------------- outcomes

    @property
    def outcome_names(self) -> list[str]:
        """Columns of :attr:`trials` that are outcomes (not drawn parameters or event counts)."""
        return [c for c in self.trials.columns if not c.startswith(PARAM_PREFIX) and c not in NOT_OUTCOMES]

    def summary(self) -> pd.DataFrame:
        """Every outcome across trials, one row each (index ``outcome``).

        Columns: ``mean``, ``ci_low`` and ``ci_high`` (95% interval of the mean: Student t,
        or Wilson for ``binary`` outcomes, whose mean is a probability), ``median``,
        ``p5``, ``p95``, ``n`` (values used: for a ``day`` outcome, the trials in which it
        happened), ``kind`` and ``unit``.
        """
        if self._summary is None:
            rows = {}
            for name in self.outcome_names:
                kind, unit = outcome_kind_unit(name)
                rows[name] = stats.describe_outcome(self.trials[name].to_numpy(dtype=float), kind, unit)
            frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(stats.SUMMARY_COLUMNS))
            frame["n"] = frame["n"].astype(np.int64)
            frame.index.name = "outcome"
            self._summary = frame
        return self._summary.copy()

    def collapse_curve(self) -> pd.DataFrame:
        """Probability of a collapse by the end of each day, with a 95% band.

        Kaplan-Meier estimate from ``collapse_day``, trials without a collapse censored at
        the horizon (see :func:`sim.montecarlo.stats.kaplan_meier`). Indexed by
        :attr:`dates`; columns ``day``, ``probability``, ``low``, ``high``.
        """
        days = np.arange(len(self.dates), dtype=float)
        if "collapse_day" in self.trials:
            when = self.trials["collapse_day"].to_numpy(dtype=float)
        else:
            when = np.empty(0)
        happened = np.isfinite(when)
        horizon = float(self.scenario.days)
        curve = stats.kaplan_meier(np.where(happened, when, horizon), happened, days)
        if self.n_trials == 0:
            curve.loc[:, ["probability", "low", "high"]] = np.nan
        frame = curve[["probability", "low", "high"]].set_axis(self.dates)
        frame.insert(0, "day", np.arange(len(self.dates)))
        return frame

    # ------------------------------------------------------------- tidy views

    def date_of(self, days: Any) -> Any:
        """Calendar date of day offsets (a number or an array; ``NaT`` for ``nan``).

        Day 0 is the scenario's start, and a fractional day falls in the day it is part of.

        >>> results.date_of(0) == results.dates[0]
        True
        """
        return tidy.day_to_date(self.dates[0], days)

    @property
    def params(self) -> pd.DataFrame:
        """The drawn parameters, one row per trial, under names that work in ``query`` and formulas.

        For example ``isis__growth_per_day``; ``params.attrs["paths"]`` gives each dotted path.
        """
        return tidy.params_frame(self)

    @property
    def outcomes(self) -> pd.DataFrame:
        """The outcomes, one row per trial, under identifier names.

        Binary outcomes ``bool``, counts ``int64``, and a date beside each day outcome
        (``collapse_date``, ``exit_date``). See :func:`sim.montecarlo.tidy.outcomes_frame`.
        """
        return tidy.outcomes_frame(self)

    def series_frame(self, names: Sequence[str] | None = None) -> pd.DataFrame:
        """Daily series in long form (``trial``, ``date``, ``series``, ``value``).

        See :func:`sim.montecarlo.tidy.series_frame`.
        """
        return tidy.series_frame(self, names)

    def to_xarray(self) -> Any:
        """The run as an ``xarray.Dataset`` (dimensions ``trial`` and ``date``).

        Units and meanings are attributes; see :func:`sim.montecarlo.tidy.to_xarray`. Needs
        the ``xarray`` extra.
        """
        return tidy.to_xarray(self)

    @property
    def warnings(self) -> list[str]:
        """What a reader of these results must know before trusting the risk after the exit.

        The run ends less than 24 months after some trials' exit, so later collapses are cut
        off (those trials are censored, never counted as "no collapse"). Empty when nothing
        needs saying.
        """
        if "months_observed_after_exit" not in self.trials or not self.n_trials:
            return []
        seen = self.trials["months_observed_after_exit"].to_numpy(dtype=float)
        exited = np.isfinite(seen)
        short = exited & (seen < HORIZON_MONTHS)
        if not short.any():
            return []
        exit_days = self.trials["exit_day"].to_numpy(dtype=float)[short]
        latest = self.dates[0] + pd.Timedelta(days=float(np.max(exit_days)))
        return [
            f"the run ends less than {HORIZON_MONTHS} months after the exit in {short.sum()} of "
            f"{exited.sum()} trials with an exit (the latest on {latest:%d %b %Y}): collapses after "
            f"the end are cut off, and those trials are censored for the windows they do not "
            f"see; set the scenario's end at least {HORIZON_MONTHS} months past its exit"
        ]

    # ------------------------------------------------------------------- output

    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write the results to ``folder`` atomically and return its path.

        See :func:`sim.montecarlo.store.save_results` for the files written.
        """
        return store.save_results(self, folder)

    def __repr__(self) -> str:
        state = ", interrupted" if self.interrupted else ""
        state += f", {len(self.failures)} failed" if self.failures else ""
        return f"<Results {self.name!r}: {self.n_trials} trials, seed {self.seed}, {len(self.dates) - 1} days{state}>"

    def _repr_html_(self) -> str:
        """A title, the run's facts and the summary table, for Jupyter."""
        facts = (
            f"{self.n_trials:,} trials · seed {self.seed} · {self.dates[0]:%Y-%m-%d} to "
            f"{self.dates[-1]:%Y-%m-%d} ({len(self.dates) - 1} days)"
        )
        if "wall_seconds" in self.timings:
            facts += f" · {self.timings['wall_seconds']:.1f} s"
        warning = (
            "<p><strong>Interrupted:</strong> only the finished trials are included.</p>"
            if self.interrupted
            else ""
        )
        if self.failures:
            warning += f"<p><strong>{len(self.failures)} trials failed</strong> and are left out.</p>"
        for text in self.warnings:
            warning += f"<p><strong>Warning:</strong> {html.escape(text)}.</p>"
        return (
            f"<div><h4>Results: {html.escape(self.name)}</h4><p>{html.escape(facts)}</p>{warning}"
            f"{_summary_html(self)}</div>"
        )


def _summary_html(results: Results) -> str:
    return readable_summary(results).to_html(escape=True, border=0)


READABLE_COLUMNS = ("mean", "95% CI of mean", "median", "5% to 95%", "unit")


def readable_summary(results: Results, outcomes: Sequence[str] | None = None) -> pd.DataFrame:
    """The summary as a person reads it: text cells, one row per outcome.

    Probabilities in percent (``P(collapse)``), day outcomes as calendar dates
    (``collapse date``, ``exit date``), counts with thousands separators; a row label says
    how many trials stand behind it when that is not all of them (``[107 trials]``), and
    an outcome that is the same in every trial shows no interval. ``outcomes`` picks and
    orders rows (default: every outcome). Index: the labels; columns
    :data:`READABLE_COLUMNS`.
    """
    summary = results.summary()
    names = list(summary.index if outcomes is None else [n for n in outcomes if n in summary.index])
    rows: dict[str, list[str]] = {}
    for name in names:
        row = summary.loc[name]
        kind, unit = outcome_kind_unit(name)
        n = int(row["n"])
        constant = n == 0 or (row["p5"] == row["p95"] and row["ci_low"] == row["ci_high"])
        cell: Callable[[float], str]
        if kind == "day":
            cell = partial(_date_cell, results)
            label, unit = name.removesuffix("_day").replace("_", " ") + " date", "date"
        else:
            cell = partial(format_number, unit="probability" if kind == "binary" else unit)
            label = f"P({name})" if kind == "binary" else name
            unit = "" if kind == "binary" else unit
        if kind == "day" or n < results.n_trials:  # some trials left out (never, or censored)
            label += f" [{n} trials]"
        rows[label] = [
            cell(row["mean"]),
            "" if constant else f"{cell(row['ci_low'])} to {cell(row['ci_high'])}",
            "" if kind == "binary" else cell(row["median"]),
            "" if kind == "binary" or constant else f"{cell(row['p5'])} to {cell(row['p95'])}",
            unit,
        ]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(READABLE_COLUMNS))
    table.index.name = "outcome"
    return table


def _date_cell(results: Results, value: float) -> str:
    return "-" if not np.isfinite(value) else f"{results.date_of(value):%Y-%m-%d}"


def format_number(value: float | None, unit: str = "") -> str:
    """A number as tables print it.

    ``-`` when missing, a percentage for a probability, whole numbers with thousands
    separators, three significant digits below 10.
    """
    if value is None or not np.isfinite(value):
        return "-"
    if unit == "probability":
        return f"{100 * value:.1f}%"
    magnitude = abs(value)
    if magnitude >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


class Comparison:
    """Several scenarios run with the same seed and trial count (common random numbers).

    Attributes:
        results: one :class:`Results` per scenario, in the order given.
        names: their names (made unique by a suffix when two scenarios share one).
    """

    def __init__(self, results: Sequence[Results]):
        if not results:
            raise ValueError("a comparison needs at least one result")
        self.results = list(results)
        seen: dict[str, int] = {}
        for r in self.results:
            seen[r.name] = seen.get(r.name, 0) + 1
            if seen[r.name] > 1:  # tables and figures key scenarios by name
                r.name = f"{r.name} ({seen[r.name]})"
        self.names = [r.name for r in self.results]

    @property
    def interrupted(self) -> bool:
        """True when any run was stopped by Ctrl-C."""
        return any(r.interrupted for r in self.results)

    @property
    def trials(self) -> pd.DataFrame:
        """Every run's trials table stacked, index (``scenario``, ``trial``).

        A trial index names the same random numbers in every scenario (common random numbers).
        """
        return pd.concat({r.name: r.trials for r in self.results}, names=["scenario"])

    @property
    def params(self) -> pd.DataFrame:
        """Drawn parameters of every run (see :attr:`Results.params`), index (``scenario``, ``trial``)."""
        return pd.concat({r.name: r.params for r in self.results}, names=["scenario"])

    @property
    def outcomes(self) -> pd.DataFrame:
        """Outcomes of every run (see :attr:`Results.outcomes`), index (``scenario``, ``trial``)."""
        frames = {r.name: r.outcomes for r in self.results}
        stacked = pd.concat(frames, names=["scenario"])
        stacked.attrs["units"] = {k: v for f in frames.values() for k, v in f.attrs["units"].items()}
        return stacked

    def summary(self) -> pd.DataFrame:
        """Every outcome of every run with its interval, index (``outcome``, ``scenario``).

        The columns of :meth:`Results.summary` (``mean``, ``ci_low``, ``ci_high``, ``median``,
        ``p5``, ``p95``, ``n``, ``kind``, ``unit``). Outcomes in the order of the first run,
        scenarios in the order given. :meth:`means` puts the means side by side.
        """
        frames = {r.name: r.summary() for r in self.results}
        rows = [
            (outcome, name)
            for outcome in _union_in_order(f.index for f in frames.values())
            for name in self.names
            if outcome in frames[name].index
        ]
        table = pd.DataFrame(
            [frames[name].loc[outcome] for outcome, name in rows],
            index=pd.MultiIndex.from_tuples(rows, names=["outcome", "scenario"]),
        )
        table["n"] = table["n"].astype(np.int64)
        return table

    def means(self) -> pd.DataFrame:
        """Outcome means side by side: index ``outcome``, one column per scenario.

        Then ``kind`` and ``unit``. A ``binary`` outcome's mean is its probability.
        """
        means = {r.name: r.summary()["mean"] for r in self.results}
        frame = pd.DataFrame(means)
        frame = frame.reindex(_union_in_order(r.summary().index for r in self.results))
        kinds = [outcome_kind_unit(name) for name in frame.index]
        frame["kind"] = [k for k, _ in kinds]
        frame["unit"] = [u for _, u in kinds]
        frame.index.name = "outcome"
        return frame

    def collapse_table(
        self,
        dates: Sequence[Any] | None = None,
        months_after_exit: Sequence[float] | None = None,
    ) -> pd.DataFrame:
        """The probability of a collapse by chosen dates, or within chosen months of the exit.

        In every scenario, with 95% intervals; months count from each trial's own exit.

        By ``dates`` (anything ``pd.Timestamp`` reads): the Kaplan-Meier estimate and band
        of :meth:`Results.collapse_curve` at the end of that day (``nan`` outside a run's
        dates). By ``months_after_exit`` (the default, 12, 24 and 36): the share of trials
        with a collapse by that many months after their own exit, a collapse before the
        exit counting as one, with a Wilson interval over the trials that can tell (an exit,
        and a run long enough or a collapse in time); ``n`` counts them.

        Returns one row per scenario and date (or window): ``scenario``, ``date`` or
        ``months_after_exit``, ``probability``, ``low``, ``high``, ``n``; fractions 0-1.
        """
        if dates is not None and months_after_exit is not None:
            raise ValueError("collapse_table: give dates or months_after_exit, not both")
        rows = []
        if dates is not None:
            when = [pd.Timestamp(d) for d in dates]
            for r in self.results:
                curve = r.collapse_curve()
                for date in when:
                    known = date in curve.index
                    row = curve.loc[date] if known else {"probability": np.nan, "low": np.nan, "high": np.nan}
                    rows.append(
                        {
                            "scenario": r.name,
                            "date": date,
                            "probability": row["probability"],
                            "low": row["low"],
                            "high": row["high"],
                            "n": r.n_trials if known else 0,
                        }
                    )
            return pd.DataFrame(rows, columns=["scenario", "date", "probability", "low", "high", "n"])
        windows = (12, 24, 36) if months_after_exit is None else tuple(months_after_exit)
        for r in self.results:
            for months in windows:
                collapsed, n = collapse_within(r, float(months))
                interval = stats.wilson(collapsed, n)
                rows.append(
                    {
                        "scenario": r.name,
                        "months_after_exit": months,
                        "probability": interval.estimate,
                        "low": interval.low,
                        "high": interval.high,
                        "n": n,
                    }
                )
        return pd.DataFrame(
            rows, columns=["scenario", "months_after_exit", "probability", "low", "high", "n"]
        )

    def to_xarray(self) -> Any:
        """Every run in one ``xarray.Dataset`` with a ``scenario`` dimension.

        See :func:`sim.montecarlo.tidy.comparison_to_xarray`. Needs the ``xarray`` extra.
        """
        return tidy.comparison_to_xarray(self)

    def differences(self) -> pd.DataFrame:
        """Paired differences of each outcome from the first scenario, trial by trial.

        One row per other scenario and outcome both have: ``scenario``, ``outcome``,
        ``mean_diff`` (mean of other minus first over the trials both finished and where
        both values are finite), ``ci_low``, ``ci_high`` (95% Student t interval of that
        mean; a binary outcome's difference is one of probabilities), ``n`` (pairs used),
        ``first_mean`` and ``other_mean`` (means over those pairs), ``kind`` and ``unit``.
        A day outcome's difference is one of dates, in days: runs that start on different
        dates have their days counted from the first run's start.
        """
        first = self.results[0]
        rows = []
        for other in self.results[1:]:
            common = first.trials.index.intersection(other.trials.index)
            a_trials = first.trials.loc[common]
            b_trials = other.trials.loc[common]
            for outcome in first.outcome_names:
                if outcome not in b_trials.columns:
                    continue
                a = a_trials[outcome].to_numpy(dtype=float)
                b = b_trials[outcome].to_numpy(dtype=float)
                kind, unit = outcome_kind_unit(outcome)
                if kind == "day":  # days count from each run's start: compare the dates
                    b = b + (other.dates[0] - first.dates[0]).days
                interval, n = stats.paired_difference(a, b)
                both = np.isfinite(a) & np.isfinite(b)
                rows.append(
                    {
                        "scenario": other.name,
                        "outcome": outcome,
                        "mean_diff": interval.estimate,
                        "ci_low": interval.low,
                        "ci_high": interval.high,
                        "n": n,
                        "first_mean": float(a[both].mean()) if n else np.nan,
                        "other_mean": float(b[both].mean()) if n else np.nan,
                        "kind": kind,
                        "unit": unit,
                    }
                )
        columns = ["scenario", "outcome", "mean_diff", "ci_low", "ci_high", "n", "first_mean", "other_mean"]
        return pd.DataFrame(rows, columns=[*columns, "kind", "unit"])

    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write every run and the comparison tables to ``folder`` atomically.

        See :func:`sim.montecarlo.store.save_comparison`.
        """
        return store.save_comparison(self, folder)

    def __repr__(self) -> str:
        return f"<Comparison of {', '.join(map(repr, self.names))}: {self.results[0].n_trials} trials>"

    def _repr_html_(self) -> str:
        """Scenarios, the means side by side and the paired differences, for Jupyter."""
        first = self.results[0]
        facts = f"{first.n_trials:,} trials each · seed {first.seed} · paired differences from {first.name}"
        summary = self.means()
        means = summary[self.names].map(format_number)
        means["unit"] = summary["unit"]
        differences = self.differences()
        if len(differences):
            shown = pd.DataFrame(
                {
                    "scenario": differences["scenario"],
                    "outcome": differences["outcome"],
                    "difference": differences["mean_diff"].map(format_number),
                    "95% CI": [
                        f"{format_number(a)} to {format_number(b)}"
                        for a, b in zip(differences["ci_low"], differences["ci_high"], strict=True)
                    ],
                }
            ).to_html(escape=True, border=0, index=False)
        else:
            shown = ""
        title = " vs ".join(html.escape(n) for n in self.names)
        warning = "<p><strong>Interrupted:</strong> some runs are incomplete.</p>" if self.interrupted else ""
        return (
            f"<div><h4>Comparison: {title}</h4><p>{html.escape(facts)}</p>{warning}"
            f"{means.to_html(escape=True, border=0)}{shown}</div>"
        )


def collapse_within(results: Results, months: float) -> tuple[int, int]:
    """Trials with a collapse by ``months`` after their exit, and trials that can tell.

    A trial can tell when it has an exit and either collapsed by then (a collapse before
    the exit counts) or ran at least that long past the exit; the others are censored.
    The same rule as the ``collapse_within_<m>m`` outcomes, for any window.
    """
    trials = results.trials
    if "exit_day" not in trials or not len(trials):
        return 0, 0
    exit_day = trials["exit_day"].to_numpy(dtype=float)
    collapse_day = trials["collapse_day"].to_numpy(dtype=float)
    window_end = exit_day + months * MONTH_DAYS
    collapsed = np.isfinite(exit_day) & (collapse_day <= window_end)
    seen = np.isfinite(exit_day) & (float(results.scenario.days) >= window_end)
    return int(collapsed.sum()), int((collapsed | seen).sum())


def _union_in_order(indexes: Any) -> list[str]:
    seen: dict[str, None] = {}
    for index in indexes:
        seen.update(dict.fromkeys(index))
    return list(seen)


def load_results(folder: str | os.PathLike[str]) -> Results:
    """Read a results folder written by :meth:`Results.save` back into :class:`Results`.

    The trials table, the series arrays and the summary equal those saved. The folder
    is checked against its ``run.json`` first (files present, their checksums, counts,
    seed, flags), and the scenario is validated again.

    Raises:
        FileNotFoundError: ``folder`` or one of its files is missing.
        ValueError: ``folder`` is not a results folder this version can read, or was
            changed or damaged after it was saved.
    """
    parts = store.read_results(folder)
    scenario, trials, series = parts["scenario"], parts["trials"], parts["series"]
    events = parts["events"]
    try:
        return Results(
            scenario,
            parts["seed"],
            trials,
            series,
            events=normalise_events(events, scenario) if events is not None else None,
            events_kept_for=parts["events_kept_for"],
            interrupted=parts["interrupted"],
            timings=parts["timings"],
            failures=parts["failures"],
        )
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise ValueError(f"{folder}: the saved files do not fit together ({error})") from None


def load_comparison(folder: str | os.PathLike[str]) -> Comparison:
    """Read a comparison folder written by :meth:`Comparison.save` back.

    Into a :class:`Comparison`, each run read and checked as :func:`load_results` does.

    Raises:
        FileNotFoundError: ``folder``, its ``comparison.json`` or a run's folder is missing.
        ValueError: not a comparison folder this version can read, or a run is damaged.
    """
    return Comparison([load_results(path) for path in store.read_comparison(folder)])
