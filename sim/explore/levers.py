"""Levers and uncertain inputs: what an experiment varies, and how a value enters a scenario.

A :class:`Lever` names what it varies and the values it may take:

- a **dotted path** of the scenario (``militia.branching_ratio``,
  ``forces.us_al_asad.schedule.0.at``, ``forces.us_erbil.schedule.0.ramp_days``),
  set for each design point as ``--set`` would set it, and validated with the rest;
- a **shorthand** that rewrites every drawdown schedule at once:

  ``exit_shift_months``
      moves every calendar moment of every force's schedule (``at``, ``not_before``,
      ``deadline``) by N months: calendar months when N is whole, N x 30.44 days otherwise;
  ``exit_start``
      a date: moves every schedule by the same number of days, so that the earliest
      calendar moment of all schedules falls on this date (the exit-date sweep);
  ``residual_scale``
      multiplies the troops every force element is left with at the end of its
      schedule (elements that leave entirely stay at 0).

Its values come from a range (``LOW..HIGH``, with an optional grid step: ``/1`` or, for
dates, ``/1m`` a calendar month and ``/30d`` days), a list (``a,b,c``), or a
distribution (``prior``: the scenario's own distribution at that path, for Sobol and
Morris analysis of the scenario's uncertain inputs). Dates are carried as day numbers
from the scenario's start inside designs and returned as dates.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.outcomes import MONTH_DAYS
from sim.explore.inputs import as_scipy, input_of
from sim.montecarlo.preflight import RunRefused
from sim.scenario.sampling import uncertain_parameters, value_at

SHORTHANDS = ("exit_shift_months", "exit_start", "residual_scale")
"""Levers that rewrite every drawdown schedule at once."""

MAX_GRID_VALUES = 10_000
"""Most values one lever may take on a grid (more is surely a mistaken step)."""

_MOMENT_KEYS = ("at", "not_before", "deadline")
_STEP = re.compile(r"^\s*(?P<number>[0-9]*\.?[0-9]+)\s*(?P<unit>[md]?)\s*$")


class ExploreError(RunRefused):
    """An experiment or search that cannot be done as asked (a bad lever, design or goal).

    A ``ValueError``; the command line reports it in one line with exit status 2.
    """


def needs(module: str, what: str) -> Any:
    """Import an optional dependency, or refuse with how to install it (the explore extra)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        package = {"SALib": "SALib", "sklearn": "scikit-learn"}.get(module.split(".")[0], module)
        raise ExploreError(
            f"{what} needs {package}, which is not installed: pip install '{package}' (or the package's "
            "'explore' extra)"
        ) from None


@dataclass(frozen=True)
class Lever:
    """One varied input: a dotted path or a shorthand, and the values it may take.

    Attributes:
        path: dotted path of a scenario field, or one of :data:`SHORTHANDS`.
        low, high: the range (numbers, or day numbers from the scenario's start for dates).
        values: explicit values instead of a range (in the same units).
        step: grid step in lever units (days for dates); ``None``: ``points`` even steps.
        months: for dates, a grid step in calendar months (instead of ``step``).
        distribution: a SciPy frozen distribution: values are its quantiles (an uncertain input).
        is_date: values are dates (carried as day numbers from ``start``).
        integer: values are whole numbers (a field of the schema that holds an integer).
        start: the scenario's start, for dates.
    """

    path: str
    low: float = math.nan
    high: float = math.nan
    values: tuple[float, ...] = ()
    step: float | None = None
    months: int | None = None
    distribution: Any = field(default=None, compare=False)
    is_date: bool = False
    integer: bool = False
    start: dt.date | None = None

    @property
    def name(self) -> str:
        """The column name of the lever in experiment tables: its path."""
        return self.path

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value the lever takes (lever units)."""
        if self.values:
            return (min(self.values), max(self.values))
        if self.distribution is not None:
            return tuple(float(b) for b in self.distribution.support())  # type: ignore[return-value]
        return (self.low, self.high)

    def grid(self, points: int) -> np.ndarray:
        """The lever's values on a full-factorial grid.

        Its list, its steps, or ``points`` even steps from low to high (quantiles at even
        probabilities for a distribution).
        """
        if self.values:
            return np.asarray(self.values, float)
        if self.distribution is not None:
            return self.from_unit((np.arange(points) + 0.5) / points)
        if self.months is not None:
            first = pd.Timestamp(self.to_date(self.low))
            last = pd.Timestamp(self.to_date(self.high))
            dates = []
            k = 0
            while (moment := first + pd.DateOffset(months=k * self.months)) <= last:
                dates.append(self.day(moment.date()))
                k += 1
                if k > MAX_GRID_VALUES:
                    break
            return self._checked(np.asarray(dates, float))
        if self.step is not None:
            count = math.floor((self.high - self.low) / self.step + 1e-9) + 1
            if count > MAX_GRID_VALUES:
                raise ExploreError(
                    f"{self.path}: a step of {self.step:g} gives {count:,} values, more than "
                    f"{MAX_GRID_VALUES:,}"
                )
            return self._rounded(self.low + self.step * np.arange(count))
        if points == 1:
            return self._rounded(np.array([(self.low + self.high) / 2]))
        return self._rounded(np.linspace(self.low, self.high, points))

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Values at positions ``u`` in [0, 1] (the unit cube of a design)."""
        u = np.asarray(u, float)
        if self.values:
            index = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return np.asarray(self.values, float)[index]
        if self.distribution is not None:
            # Open at 0 and 1, so that an unbounded distribution gives finite values.
            return np.asarray(self.distribution.ppf(np.clip(u, 1e-9, 1 - 1e-9)), float)
        return self._rounded(self.low + u * (self.high - self.low))

    def _rounded(self, values: np.ndarray) -> np.ndarray:
        return np.round(values) if self.integer or self.is_date else values

    def _checked(self, values: np.ndarray) -> np.ndarray:
        if len(values) > MAX_GRID_VALUES:
            raise ExploreError(f"{self.path}: the step gives more than {MAX_GRID_VALUES:,} values")
        return values

    def to_date(self, day: float) -> dt.date:
        """A day number from the scenario's start as a date."""
        assert self.start is not None
        return self.start + dt.timedelta(days=int(round(day)))

    def day(self, when: dt.date) -> float:
        """A date as a day number from the scenario's start."""
        assert self.start is not None
        return float((when - self.start).days)

    def shown(self, values: np.ndarray) -> Any:
        """Lever values as a table shows them: dates as timestamps, whole numbers as such."""
        if self.is_date:
            return pd.to_datetime([self.to_date(v) for v in values]).as_unit("ns")
        return values

    def describe(self) -> str:
        """The lever as one line: its path and its values."""
        if self.distribution is not None:
            return f"{self.path} ~ the scenario's distribution"
        if self.values:
            return f"{self.path} in {{{', '.join(self._text(v) for v in self.values)}}}"
        step = f" by {self.months} month(s)" if self.months else f" by {self.step:g}" if self.step else ""
        return f"{self.path} from {self._text(self.low)} to {self._text(self.high)}{step}"

    def _text(self, value: float) -> str:
        return self.to_date(value).isoformat() if self.is_date else f"{value:g}"


# ----------------------------------------------------------------------- parsing


def make_levers(scenario: Any, vary: Any) -> list[Lever]:
    """Levers from what a user gives.

    ``{"path": (low, high)}``, ``{"path": [a, b, c]}``, ``{"path": "prior"}``, strings
    ``"PATH=LOW..HIGH[/STEP]"``, ``"PATH=a,b,c"``, ``"PATH=prior"``, or :class:`Lever`
    objects.
    """
    if isinstance(vary, (str, Lever)):
        vary = [vary]
    if isinstance(vary, Mapping):
        items = list(vary.items())
    elif isinstance(vary, Sequence):
        items = []
        for item in vary:
            if isinstance(item, Lever):
                items.append((item.path, item))
            else:
                path, equals, text = str(item).partition("=")
                if not equals or not path.strip():
                    raise ExploreError(
                        f"--vary: expected PATH=LOW..HIGH, PATH=a,b,c or PATH=prior, found {item!r}"
                    )
                items.append((path.strip(), text.strip()))
    else:
        raise ExploreError(f"vary: expected a mapping or a list of levers, found {type(vary).__name__}")
    if not items:
        raise ExploreError("vary: expected at least one lever, found none")
    levers = [spec if isinstance(spec, Lever) else lever(scenario, path, spec) for path, spec in items]
    names = [lv.path for lv in levers]
    if len(set(names)) < len(names):
        raise ExploreError(f"vary: expected each lever once, found {', '.join(names)}")
    return levers


def lever(scenario: Any, path: str, spec: Any) -> Lever:
    """One :class:`Lever` of ``scenario`` at ``path`` from a specification (see :func:`make_levers`)."""
    _check_path(scenario, path)
    is_date, integer = _kind(scenario, path)
    start = scenario.start
    if isinstance(spec, str) and spec.strip() == "prior":
        dist = uncertain_parameters(scenario).get(path)
        if dist is None:
            raise ExploreError(
                f"{path}=prior: expected the path of a parameter written as a distribution in "
                f"{scenario.name}, found {_found(scenario, path)}"
            )
        return Lever(path, distribution=as_scipy(input_of(scenario, path, dist)), start=start)
    if not isinstance(spec, str) and hasattr(spec, "ppf") and hasattr(spec, "support"):
        return Lever(path, distribution=spec, start=start)
    if isinstance(spec, str):
        spec = spec.strip()
        if ".." in spec:
            text_range, _, text_step = spec.partition("/")
            low_text, _, high_text = text_range.partition("..")
            low, high = (_number(path, t, is_date, start) for t in (low_text, high_text))
            step, months = _step(path, text_step, is_date) if text_step else (None, None)
            return _ranged(path, low, high, step, months, is_date, integer, start)
        values = tuple(_number(path, t, is_date, start) for t in spec.split(",") if t.strip())
        return _listed(path, values, is_date, integer, start)
    if isinstance(spec, tuple) and len(spec) == 2:
        low, high = (_number(path, v, is_date, start) for v in spec)
        return _ranged(path, low, high, None, None, is_date, integer, start)
    if isinstance(spec, (list, np.ndarray)):
        values = tuple(_number(path, v, is_date, start) for v in spec)
        return _listed(path, values, is_date, integer, start)
    raise ExploreError(
        f"{path}: expected (low, high), a list of values, 'LOW..HIGH' or 'prior', found {spec!r}"
    )


def _ranged(path, low, high, step, months, is_date, integer, start) -> Lever:
    if not low <= high:
        raise ExploreError(f"{path}: expected LOW <= HIGH, found {low:g} > {high:g}")
    if months is not None and not is_date:
        raise ExploreError(f"{path}: a step in months (/1m) is for dates, found a numeric lever")
    return Lever(
        path, low=low, high=high, step=step, months=months, is_date=is_date, integer=integer, start=start
    )


def _listed(path, values, is_date, integer, start) -> Lever:
    if not values:
        raise ExploreError(f"{path}: expected at least one value, found none")
    return Lever(path, values=values, is_date=is_date, integer=integer, start=start)


def _check_path(scenario: Any, path: str) -> None:
    """Refuse a path the schema does not have (with the closest known field)."""
    if path in SHORTHANDS:
        return
    from sim.scenario.fields import PathError, resolve_path

    try:
        resolve_path(path.split("."), scenario.model_dump(mode="python", by_alias=True))
    except PathError as error:
        raise ExploreError(f"--vary: {path}: {error}") from None


def _kind(scenario: Any, path: str) -> tuple[bool, bool]:
    """(is a date, is a whole number) for a lever at ``path``."""
    if path == "exit_start":
        return True, False
    if path in SHORTHANDS:
        return False, False
    current = value_at(scenario, path)
    return isinstance(current, dt.date), isinstance(current, int) and not isinstance(current, bool)


def _found(scenario: Any, path: str) -> str:
    current = value_at(scenario, path)
    return "nothing there" if current is None else f"{current!r}"


def _number(path: str, value: Any, is_date: bool, start: dt.date) -> float:
    if isinstance(value, dt.date):
        return float((value - start).days)
    text = str(value).strip()
    if is_date or re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)  # a day number
        try:
            return float((dt.date.fromisoformat(text) - start).days)
        except ValueError:
            raise ExploreError(f"{path}: expected a date YYYY-MM-DD, found {text!r}") from None
    try:
        number = float(text)
    except ValueError:
        raise ExploreError(f"{path}: expected a number, found {text!r}") from None
    if not math.isfinite(number):
        raise ExploreError(f"{path}: expected a finite number, found {text!r}")
    return number


def _step(path: str, text: str, is_date: bool) -> tuple[float | None, int | None]:
    match = _STEP.match(text)
    if match is None or float(match["number"]) <= 0:
        raise ExploreError(f"{path}: expected a positive step such as /1, /1m or /30d, found /{text}")
    number, unit = float(match["number"]), match["unit"]
    if unit == "m":
        if not is_date:
            raise ExploreError(f"{path}: a step in months (/{text}) is for dates, found a numeric lever")
        if number != int(number):
            raise ExploreError(f"{path}: expected a whole number of months, found /{text}")
        return None, int(number)
    return number, None


# ------------------------------------------------------------------ applying them


def apply_levers(scenario: Any, levers: Sequence[Lever], values: Sequence[float]) -> Any:
    """A validated copy of ``scenario`` with each lever set to its value (lever units).

    Raises :class:`~sim.scenario.errors.ScenarioError` naming the lever (source
    ``--set``) when a value makes the scenario invalid (a date before the start, a
    probability above 1, schedules out of order ...).
    """
    from sim.scenario.loader import scenario_from_dict

    data = scenario.model_dump(mode="python", by_alias=True)
    data["extends"] = None  # already merged into the scenario
    overrides: dict[str, Any] = {}
    for lv, value in zip(levers, values, strict=True):
        if lv.path == "exit_shift_months":
            _shift_schedules(data, scenario, months=float(value))
        elif lv.path == "exit_start":
            earliest = _earliest_moment(data, scenario)
            _shift_schedules(data, scenario, days=float(value) - earliest)
        elif lv.path == "residual_scale":
            _scale_residuals(data, float(value))
        elif lv.is_date:
            overrides[lv.path] = lv.to_date(value)
        elif lv.integer:
            overrides[lv.path] = int(round(value))
        else:
            overrides[lv.path] = float(value)
    return scenario_from_dict(data, overrides=overrides, source="--vary", base_dir=os.getcwd())


def _moments(data: dict) -> list[tuple[dict, str]]:
    """Every (waypoint, key) of a calendar or day-number moment in the forces' schedules."""
    return [
        (waypoint, key)
        for force in data["forces"].values()
        for waypoint in force.get("schedule") or ()
        for key in _MOMENT_KEYS
        if waypoint.get(key) is not None
    ]


def _earliest_moment(data: dict, scenario: Any) -> float:
    days = [_as_day(w[k], scenario, k) for w, k in _moments(data)]
    if not days:
        raise ExploreError(
            f"exit_start: {scenario.name} has no calendar moment in its schedules to move "
            "(a conditions-based schedule with neither not_before nor deadline)"
        )
    return min(days)


def _as_day(value: Any, scenario: Any, key: str) -> float:
    if isinstance(value, dt.date):
        return float((value - scenario.start).days)
    if isinstance(value, (int, float)):
        return float(value)
    raise ExploreError(
        f"exit shorthands: expected dates or day numbers in the schedules, found a distribution at "
        f"'{key}' ({value}); vary that date by its path instead"
    )


def _shift_schedules(data: dict, scenario: Any, months: float = 0.0, days: float = 0.0) -> None:
    whole = months == int(months)
    for waypoint, key in _moments(data):
        value = waypoint[key]
        _as_day(value, scenario, key)  # refuses distributions
        if isinstance(value, dt.date):
            moment = pd.Timestamp(value)
            moment = moment + pd.DateOffset(months=int(months)) if whole and months else moment
            shift = days + (0.0 if whole else months * MONTH_DAYS)
            waypoint[key] = (moment + pd.Timedelta(days=round(shift))).date()
        else:
            waypoint[key] = float(value) + days + months * MONTH_DAYS


def _scale_residuals(data: dict, factor: float) -> None:
    if factor < 0:
        raise ExploreError(f"residual_scale: expected a factor >= 0, found {factor:g}")
    for force in data["forces"].values():
        schedule = force.get("schedule") or []
        if schedule and isinstance(schedule[-1].get("troops"), (int, float)):
            schedule[-1]["troops"] = float(schedule[-1]["troops"]) * factor
