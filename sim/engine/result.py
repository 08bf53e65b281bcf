"""What one trial returns: scalar outcomes, daily series and the event log.

And the registries that name them.

Everything is plain NumPy so that a trial result is cheap to pickle between worker
processes and to stack across trials.

Two name lists are defined here, once each, and everything else derives from them:

- :data:`WEAPON_TABLE`: the militia's weapons, taken from the scenario schema's weapon mix
  (the schema is where a scenario names them); :data:`WEAPONS` is their names in the order
  the event log's ``weapon`` field indexes them.
- :data:`SERIES_TABLE`: every daily series with its unit, meaning, axis label and how it is
  recorded (a troop total, a value the day step appends, or a count of the event log: which
  events, and what each adds). :data:`SERIES`, ``series.DAILY`` / ``TROOP_TOTALS`` / ``COUNTS``,
  the plots' labels, ``to_xarray``'s attributes and docs/outputs.md are read from it.

The outcomes' registry is :data:`sim.engine.outcomes.OUTCOMES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.scenario.schema import WeaponMix


class Weapon(NamedTuple):
    """A militia weapon and what it is.

    Its key in the scenario's ``weapon_mix``, ``air_defence`` and ``casualties`` sections.
    """

    name: str
    description: str


WEAPON_TABLE = tuple(Weapon(key, field.description or key) for key, field in WeaponMix.model_fields.items())
"""The weapons, in the order of the scenario's weapon mix (a test checks that the air
defence and casualty sections name the same ones)."""

WEAPONS = tuple(weapon.name for weapon in WEAPON_TABLE)
"""The weapons' names; the event log's ``weapon`` field is an index into it."""

# Event kinds, stored as small integers in the event log.
EVENT_KINDS = (
    "attack",  # a militia attack (intercepted or not)
    "strike",  # a coalition retaliation strike
    "deterrence",  # a strike deterred: tension falls for a while
    "escalation",  # a strike escalated: tension rises for a while
    "isis_attack",  # an ISIS attack
    "breakout",  # a prison or camp break adds fighters
    "collapse",  # a 2014-style collapse
    "waypoint",  # a force element starts moving to a new level
    "rule",  # a policy rule fired
    "tension",  # a scheduled tension change
)
KIND = {name: code for code, name in enumerate(EVENT_KINDS)}

EVENT_DTYPE = np.dtype(
    [
        ("day", "f8"),  # time of the event in days since the start
        ("kind", "u1"),  # index into EVENT_KINDS
        ("base", "i2"),  # base index, or force element index for waypoints, or -1
        ("weapon", "i1"),  # index into WEAPONS, or -1
        ("intercepted", "?"),
        ("wounded", "i4"),
        ("killed", "i4"),
        ("value", "f8"),  # kind-specific: troops for a waypoint, fighters for a breakout, ISF
        # members killed for an ISIS attack (whose ``killed`` counts civilians), ...
    ]
)


class Series(NamedTuple):
    """A daily series of every trial.

    ``recorded`` says how the engine keeps it (:mod:`sim.engine.series`): ``troops`` (a
    troop total, set whenever troops are), ``daily`` (appended by the day step every day)
    or ``count`` (counted from the event log: ``counted`` names the kind of event counted
    and the field each such event adds, ``None`` for one per event). The troop totals and the daily values are recorded in the order of this
    table (the day step builds its tuples in that order).
    """

    name: str
    unit: str
    description: str
    label: str  # an axis label, with the unit where the name does not say it
    recorded: str  # troops | daily | count
    counted: tuple[str, str | None] | None = None  # (event kind, field or None)


def _troops(name: str, description: str, label: str) -> Series:
    """A troop total (unit: troops)."""
    return Series(name, "troops", description, label, "troops")


SERIES_TABLE = (
    _troops(
        "troops", "All troops in theatre (coalition and bilateral, Iraq and Syria).", "troops in theatre"
    ),
    _troops("troops_iraq", "Troops at bases in federal Iraq and Kurdistan.", "troops in Iraq"),
    _troops("trainers", "Trainers in Iraq.", "trainers in Iraq (troops)"),
    _troops("enablers", "Enablers in Iraq.", "enablers in Iraq (troops)"),
    _troops("troops_federal_iraq", "Troops at bases in federal Iraq.", "troops in federal Iraq"),
    _troops("troops_kurdistan", "Troops at bases in the Kurdistan Region.", "troops in Kurdistan"),
    _troops("troops_syria", "Troops at bases in Syria.", "troops in Syria"),
    Series("readiness", "0-1", "Federal ISF readiness.", "ISF readiness (0-1)", "daily"),
    Series(
        "capability",
        "0-1",
        "ISF capability: readiness less the support missed.",
        "ISF capability (0-1)",
        "daily",
    ),
    Series(
        "mobilisation",
        "capability",
        "Forces mobilised after a collapse, in ISF capability units.",
        "mobilised forces (ISF capability units)",
        "daily",
    ),
    Series("isis_strength", "fighters", "ISIS strength.", "ISIS strength (fighters)", "daily"),
    Series(
        "territory",
        "share",
        "Share of Iraq held by ISIS.",
        "territory held by ISIS (share of Iraq)",
        "daily",
    ),
    Series(
        "tension",
        "x late-2023 tempo",
        "Militia tension: attack tempo relative to late 2023 (the groups' motivation, with or "
        "without targets).",
        "militia tension (x late-2023 tempo)",
        "daily",
    ),
    Series(
        "militia_rate",
        "attacks per day",
        "The militia's long-run attack rate today (0 with no troops to attack).",
        "expected militia attacks a day",
        "daily",
    ),
    Series(
        "pressure",
        "index",
        "Political pressure on the coalition to leave.",
        "political pressure (index)",
        "daily",
    ),
    Series(
        "attacks",
        "attacks",
        "Militia attacks so far (cumulative).",
        "militia attacks (cumulative)",
        "count",
        ("attack", None),
    ),
    Series(
        "wounded",
        "people",
        "Coalition wounded so far (cumulative).",
        "coalition wounded (cumulative)",
        "count",
        ("attack", "wounded"),
    ),
    Series(
        "killed",
        "people",
        "Coalition killed so far (cumulative).",
        "coalition killed (cumulative)",
        "count",
        ("attack", "killed"),
    ),
    Series(
        "strikes",
        "strikes",
        "Retaliation strikes so far (cumulative).",
        "retaliation strikes (cumulative)",
        "count",
        ("strike", None),
    ),
    Series(
        "isis_attacks",
        "attacks",
        "ISIS attacks so far (cumulative).",
        "ISIS attacks (cumulative)",
        "count",
        ("isis_attack", None),
    ),
    Series(
        "civilian_deaths",
        "people",
        "Civilians killed by ISIS so far (cumulative).",
        "civilians killed by ISIS (cumulative)",
        "count",
        ("isis_attack", "killed"),  # an ISIS attack's killed are civilians
    ),
    Series(
        "isf_deaths",
        "people",
        "ISF members killed by ISIS so far (cumulative).",
        "ISF members killed by ISIS (cumulative)",
        "count",
        ("isis_attack", "value"),  # and its value the ISF members killed
    ),
)
"""Every daily series recorded by every trial (per-element troop rows, named
``troops:<element key>``, come before them), troop totals first, then the daily values,
then the counts: the order of a trial's rows."""

SERIES = tuple(series.name for series in SERIES_TABLE)
"""The series' names, in the order of a trial's rows after the per-element troops."""

SERIES_BY_NAME = {series.name: series for series in SERIES_TABLE}

SERIES_ROW = {name: row for row, name in enumerate(SERIES)}
"""A series' row among the rows that follow the per-element troops."""


def describe_series(name: str) -> tuple[str, str]:
    """Unit and meaning of a daily series (``troops:<element>`` included).

    >>> describe_series("territory")
    ('share', 'Share of Iraq held by ISIS.')
    >>> describe_series("troops:us_erbil")
    ('troops', 'Troops of force element us_erbil.')
    """
    if name.startswith("troops:"):
        return "troops", f"Troops of force element {name.partition(':')[2]}."
    series = SERIES_BY_NAME.get(name)
    return ("", name) if series is None else (series.unit, series.description)


def series_label(name: str) -> str:
    """An axis label, with its unit, for a daily series (``troops:<key>`` included).

    >>> series_label("territory")
    'territory held by ISIS (share of Iraq)'
    """
    if name.startswith("troops:"):
        return f"troops of {name.partition(':')[2]}"
    series = SERIES_BY_NAME.get(name)
    return name if series is None else series.label


@dataclass(slots=True)
class TrialResult:
    """The result of :func:`sim.simulate_trial`.

    Attributes:
        outcomes: scalar outcomes by name (see :data:`sim.engine.outcomes.OUTCOMES` for
            their meaning); ``nan`` where an outcome did not happen (e.g. ``collapse_day``).
        series: daily values, shape ``(len(series_names), days + 1)``; column ``d`` is the
            state at the end of day ``d`` (column 0 is the start).
        series_names: the row names of ``series``.
        events: the event log, a structured array of :data:`EVENT_DTYPE` in time order.
        n_events: SimPy events processed by the trial.
    """

    outcomes: dict[str, float]
    series: np.ndarray
    series_names: tuple[str, ...]
    events: np.ndarray
    n_events: int

    def series_of(self, name: str) -> np.ndarray:
        """One daily series by name."""
        return self.series[self.series_names.index(name)]

    def events_of(self, kind: str) -> np.ndarray:
        """The events of one kind (see :data:`EVENT_KINDS`)."""
        return self.events[self.events["kind"] == KIND[kind]]
