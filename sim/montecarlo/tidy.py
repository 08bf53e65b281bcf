"""Results as tidy tables and labelled arrays, for pandas, formulas and xarray.

- :func:`identifier`: a column name that works in ``DataFrame.query``, formulas and
  attribute access (``param:isis.growth_per_day`` becomes ``isis__growth_per_day``).
- :func:`params_frame` and :func:`outcomes_frame`: the drawn parameters and the outcomes
  of a run, apart, under such names; outcomes with the dtype that fits their kind and a
  calendar date beside every day outcome.
- :func:`series_frame`: the daily series in long form, one row per trial, date and series.
- :func:`to_xarray`: everything as one ``xarray.Dataset`` with units and meanings as
  attributes (xarray is an optional extra: ``pip install 'sim[xarray]'``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.engine.outcomes import describe, outcome_kind_unit
from sim.engine.result import describe_series

if TYPE_CHECKING:
    from sim.montecarlo.results import Comparison, Results

PARAM_PREFIX = "param:"


def identifier(name: str) -> str:
    """A trials-table column as a Python identifier.

    The ``param:`` prefix is dropped, each ``.`` or ``:`` (which separate parts of a name)
    written ``__``, anything else that an identifier cannot hold written ``_``.

    >>> identifier("param:isis.growth_per_day"), identifier("attacks_at:erbil")
    ('isis__growth_per_day', 'attacks_at__erbil')
    >>> identifier("param:forces.us_erbil.schedule.0.troops")
    'forces__us_erbil__schedule__0__troops'
    """
    name = name.removeprefix(PARAM_PREFIX)
    name = re.sub(r"[.:]", "__", name)
    name = re.sub(r"\W", "_", name)
    return f"_{name}" if name[:1].isdigit() else name


def day_to_date(start: pd.Timestamp, days: Any) -> Any:
    """Day offsets from ``start`` as calendar dates (``NaT`` where a day is ``nan``).

    A fractional offset is rounded down to the day it falls in.

    >>> day_to_date(pd.Timestamp("2024-01-25"), [0, 186, float("nan")])
    DatetimeIndex(['2024-01-25', '2024-07-29', 'NaT'], dtype='datetime64[ns]', freq=None)
    """
    if np.ndim(days) == 0:
        return pd.NaT if not np.isfinite(days) else start + pd.Timedelta(days=int(np.floor(days)))
    values = np.asarray(days, dtype=float)
    whole = np.where(np.isfinite(values), np.floor(values), np.nan)
    return pd.DatetimeIndex(start + pd.to_timedelta(whole, unit="D"))


def params_frame(results: Results) -> pd.DataFrame:
    """The drawn parameters, one row per trial (index ``trial``), under identifier names.

    ``frame.attrs["paths"]`` maps each column back to its dotted path in the scenario.
    """
    columns = [c for c in results.trials.columns if c.startswith(PARAM_PREFIX)]
    frame = results.trials[columns].rename(columns=identifier)
    frame.attrs["paths"] = {identifier(c): c.removeprefix(PARAM_PREFIX) for c in columns}
    return frame


def outcome_dtype(values: np.ndarray, kind: str) -> Any:
    """The dtype of an outcome's column.

    ``bool`` for a binary outcome (pandas' nullable ``boolean`` where some trials could
    not tell), ``int64`` for a count, ``float64`` otherwise.
    """
    finite = np.isfinite(values)
    if kind == "binary" and np.isin(values[finite], (0.0, 1.0)).all():
        return bool if finite.all() else "boolean"
    if kind == "count" and finite.all() and (values == np.round(values)).all():
        return np.int64
    return np.float64


def outcomes_frame(results: Results) -> pd.DataFrame:
    """The outcomes, one row per trial (index ``trial``), under identifier names.

    A binary outcome is ``bool``, a count ``int64`` (see :func:`outcome_dtype`); each day
    outcome (``collapse_day``, ``exit_day``) keeps its day offset and is followed by its
    calendar date (``collapse_date``, ``exit_date``; ``NaT`` where it never happened).
    ``frame.attrs["units"]`` holds each column's unit.
    """
    start = results.dates[0]
    columns: dict[str, Any] = {}
    units: dict[str, str] = {}
    for name in results.outcome_names:
        values = results.trials[name].to_numpy(dtype=float)
        kind, unit = outcome_kind_unit(name)
        column = identifier(name)
        columns[column] = pd.array(values, dtype=outcome_dtype(values, kind)) if len(values) else values
        units[column] = unit
        if kind == "day" and column.endswith("_day"):
            dated = column.removesuffix("_day") + "_date"
            columns[dated] = day_to_date(start, values)
            units[dated] = "date"
    frame = pd.DataFrame(columns, index=results.trials.index)
    frame.attrs["units"] = units
    return frame


def _meaning(name: str) -> str:
    try:
        return describe(name).meaning
    except KeyError:
        return name


def series_frame(results: Results, names: Sequence[str] | None = None) -> pd.DataFrame:
    """Daily series in long form, one row per trial, day and series, in that nesting.

    Columns ``trial``, ``date``, ``series`` (categorical) and ``value`` (float32).

    ``names`` picks series (default: all). A table of every series of a long run is
    large (rows = trials x days x series); pick the few you need.
    ``frame.attrs["units"]`` maps each series to its unit.
    """
    names = list(results.series_names if names is None else names)
    days = len(results.dates)
    trials = results.trials.index.to_numpy()
    blocks = (
        np.stack([results.series(n) for n in names], axis=-1) if names else np.empty((len(trials), days, 0))
    )
    frame = pd.DataFrame(
        {
            "trial": np.repeat(trials, days * len(names)),
            "date": np.tile(np.repeat(results.dates.to_numpy(), len(names)), len(trials)),
            "series": pd.Categorical.from_codes(
                np.tile(np.arange(len(names)), len(trials) * days), categories=names
            ),
            "value": blocks.reshape(-1).astype(np.float32, copy=False),
        }
    )
    frame.attrs["units"] = {n: describe_series(n)[0] for n in names}
    return frame


def to_xarray(results: Results) -> Any:
    """The run as an ``xarray.Dataset``: dimensions ``trial`` and ``date``.

    Variables: every daily series (``trial`` x ``date``; a series the same in every trial
    only along ``date``), every outcome and every drawn parameter (along ``trial``), under
    :func:`identifier` names; each with ``units`` and ``description`` attributes
    (``role``: ``series``, ``outcome`` or ``parameter``; parameters also keep their
    dotted ``path``). Needs xarray (``pip install 'sim[xarray]'``).
    """
    xr = _xarray()
    trial = results.trials.index.to_numpy()
    variables: dict[str, Any] = {}
    for name in results.series_names:
        unit, meaning = describe_series(name)
        attrs = {"units": unit, "description": meaning, "role": "series"}
        values = results.series(name)
        if results.n_trials and results.is_constant(name):
            variables[identifier(name)] = xr.Variable(("date",), np.array(values[0]), attrs)
        else:
            variables[identifier(name)] = xr.Variable(("trial", "date"), np.array(values), attrs)
    outcomes = outcomes_frame(results)
    for name in results.outcome_names:
        column = identifier(name)
        kind, unit = outcome_kind_unit(name)
        meaning = _meaning(name)
        values = outcomes[column].to_numpy(dtype=float if str(outcomes[column].dtype) == "boolean" else None)
        variables[column] = xr.Variable(
            ("trial",), values, {"units": unit, "description": meaning, "role": "outcome"}
        )
        dated = column.removesuffix("_day") + "_date"
        if kind == "day" and dated in outcomes:
            variables[dated] = xr.Variable(
                ("trial",), outcomes[dated].to_numpy(), {"description": f"Date of {name}.", "role": "outcome"}
            )
    params = params_frame(results)
    for column, path in params.attrs["paths"].items():
        variables[column] = xr.Variable(
            ("trial",),
            params[column].to_numpy(),
            {"description": f"Drawn value of {path}.", "path": path, "role": "parameter"},
        )
    return xr.Dataset(
        variables,
        coords={
            "trial": trial,
            "date": results.dates.to_numpy(),
            "day": ("date", np.arange(len(results.dates))),
        },
        attrs={"scenario": results.name, "seed": results.seed, "start": str(results.dates[0].date())},
    )


def comparison_to_xarray(comparison: Comparison) -> Any:
    """Every run of a comparison in one ``xarray.Dataset`` with a ``scenario`` dimension first.

    Scenarios that cover different dates are aligned on the union, ``nan`` outside a
    run's own dates.
    """
    xr = _xarray()
    sets = [to_xarray(r) for r in comparison.results]
    combined = xr.concat(
        sets,
        dim=pd.Index(comparison.names, name="scenario"),
        join="outer",
        data_vars="all",
        coords="different",
        compat="equals",
        combine_attrs="drop_conflicts",
    )
    combined.attrs = {"scenarios": list(comparison.names), "seed": comparison.results[0].seed}
    return combined


def _xarray() -> Any:
    try:
        import xarray
    except ImportError:
        raise ImportError("to_xarray needs xarray: pip install 'sim[xarray]'") from None
    return xarray
