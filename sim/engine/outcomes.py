"""The scalar outcomes of a trial.

The registry of their names, meanings, units, kinds and computations.

Each :class:`Outcome` keeps its name beside the function that computes it from a trial's
:class:`Ending`, as Mesa's reporters and EMA's ``ScalarOutcome`` do: a trial's outcomes
are :func:`outcomes_of` its ending, the statistics, plots and ``to_xarray`` read kinds
and units from :func:`describe`, and docs/outputs.md is generated from :data:`OUTCOMES`
and :data:`FAMILIES`.

Kinds tell the statistics and the plots how to treat an outcome:
``count`` (a non-negative integer), ``binary`` (0 or 1: summarised as a probability
with a Wilson interval), ``day`` (a day number, ``nan`` when it never happened) and
``level`` (a continuous quantity).

Besides the fixed outcomes, every trial reports per-scenario ones (:data:`FAMILIES`):
``attacks_at:<base>`` (count), ``attacks_by:<weapon>`` (count) and ``rule:<name>``
(binary: the rule fired at least once).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np

from sim.engine.result import KIND, SERIES_ROW, WEAPONS
from sim.engine.world import World
from sim.scenario.schema import REGIONS  # the places reported one by one (exits, exposure)

MONTH_DAYS = 365.25 / 12
"""Days in a month, for outcomes measured in months."""

WINDOWS_MONTHS = (12, 24, 36)
"""The windows after the exit over which the collapse risk is reported."""

REGION_NAMES = {"federal_iraq": "federal Iraq", "kurdistan": "the Kurdistan Region", "syria": "Syria"}
"""How each region reads in a sentence."""


class Place(NamedTuple):
    """A region's share of a trial: what its outcomes are computed from."""

    exit_day: float  # nan if its coalition troops never were there, or never left
    attacks: float
    casualties: float  # wounded and killed
    troop_years: float  # all troops there (bilateral included), day 0 to the last full day

    @property
    def per_1000(self) -> float:
        """The factor from a count to one per 1,000 troop-years there (nan with none)."""
        return 1000.0 / self.troop_years if self.troop_years > 0.0 else math.nan


@dataclass(slots=True)
class Ending:
    """What a finished trial's outcomes are computed from (built by the trial runner).

    ``rows`` are the trial's series after the per-element troops (row
    ``SERIES_ROW[name]``), ``last`` their values at the horizon; ``logged`` counts the
    event log's events per kind (index ``KIND[kind]``) and ``attacks`` holds its militia
    attacks; ``world`` is the final state; ``places`` the :class:`Place` of every region.
    """

    rows: np.ndarray
    last: list[float]
    logged: list[int]
    attacks: np.ndarray
    world: World
    exit_day: float
    collapse_day: float | None
    horizon_days: float
    contained_fighters: float
    places: dict[str, Place]
    base_keys: list[str]
    rules_fired: dict[str, bool]


def places(
    element_troops: np.ndarray,
    element_regions: list[str],
    element_bilateral: list[bool],
    attack_regions: np.ndarray,
    attack_casualties: np.ndarray,
    region_troops: dict[str, np.ndarray],
) -> dict[str, Place]:
    """Per region: the exit day, the attacks and casualties there, and the troop-years.

    ``element_troops`` holds each force element's daily troops (one row each);
    ``attack_regions`` and ``attack_casualties`` the region and the wounded plus killed of
    every militia attack; ``region_troops`` every region's daily troops, bilateral ones
    included (the militias attack them too). A region's exit is the first day on which
    its coalition (non-bilateral) troops are zero after having been above it (nan if
    they never were, or never left). Troop-years count all troops present in the region
    from day 0 to the last full day.
    """
    n_regions = len(REGIONS)
    attacks = np.bincount(attack_regions, minlength=n_regions).tolist()
    # Casualties are whole numbers: their float sums are exact, in any order.
    casualties = np.bincount(attack_regions, weights=attack_casualties, minlength=n_regions).tolist()
    found = {}
    for i, region in enumerate(REGIONS):
        rows = [
            row
            for row, (where, bilateral) in enumerate(zip(element_regions, element_bilateral, strict=True))
            if where == region and not bilateral
        ]
        exit_day = math.nan
        if rows:
            coalition = element_troops[rows].sum(axis=0)
            manned = np.flatnonzero(coalition > 0.0)
            if len(manned):
                after = np.flatnonzero(coalition[manned[0] :] <= 0.0)
                if len(after):
                    exit_day = float(manned[0] + after[0])
        troop_years = float(region_troops[region][:-1].sum()) / 365.25
        found[region] = Place(exit_day, float(attacks[i]), casualties[i], troop_years)
    return found


def peak_imbalance(
    strength: np.ndarray, fighting: np.ndarray, contained: float, exit_day: float, days: int
) -> float:
    """The largest imbalance ``S / (contained * (C + M))`` in the 24 months after the exit.

    To the horizon if it comes first; nan with no exit. A continuous measure of how close
    a trial came to a collapse, for sensitivity analysis.
    """
    if math.isnan(exit_day):
        return math.nan
    first = int(exit_day)
    last = min(days, int(exit_day + 24 * MONTH_DAYS))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # no forces: infinite
        x = strength[first : last + 1] / (contained * fighting[first : last + 1])
    x = np.where(strength[first : last + 1] > 0, x, 0.0)
    return float(np.max(x))


class Outcome(NamedTuple):
    """A scalar outcome: its name, kind, unit, meaning and how a trial computes it."""

    name: str
    kind: str  # count | binary | day | level
    unit: str
    meaning: str
    compute: Callable[[Ending], float] | None = None  # None for a family's member


# How the outcomes read a trial's ending. Each returns the function an outcome keeps;
# rows and kinds are looked up once, here, never per trial.


def _last(series: str) -> Callable[[Ending], float]:
    row = SERIES_ROW[series]
    return lambda end: end.last[row]


def _peak(series: str) -> Callable[[Ending], float]:
    row = SERIES_ROW[series]
    return lambda end: float(end.rows[row].max())


def _least(series: str) -> Callable[[Ending], float]:
    row = SERIES_ROW[series]
    return lambda end: float(end.rows[row].min())


def _logged(kind: str) -> Callable[[Ending], float]:
    code = KIND[kind]
    return lambda end: float(end.logged[code])


def _troop_days(end: Ending) -> float:
    # Exposure: troops present on each day from day 0 to the last full day.
    return float(end.rows[SERIES_ROW["troops"], :-1].sum())


def _peak_imbalance_24m(end: Ending) -> float:
    rows = end.rows
    fighting = rows[SERIES_ROW["capability"]] + rows[SERIES_ROW["mobilisation"]]
    return peak_imbalance(
        rows[SERIES_ROW["isis_strength"]], fighting, end.contained_fighters, end.exit_day, end.world.days
    )


# The outcomes measured from the exit (docs/model.md, section 7) read only ``exit_day``,
# ``collapse_day`` and ``horizon_days``.


def _months_observed(end: Ending) -> float:
    if math.isnan(end.exit_day):
        return math.nan
    return (end.horizon_days - end.exit_day) / MONTH_DAYS


def _months_to_collapse(end: Ending) -> float:
    if math.isnan(end.exit_day) or end.collapse_day is None:
        return math.nan
    return max(0.0, (end.collapse_day - end.exit_day) / MONTH_DAYS)


def _collapse_within(months: int) -> Callable[[Ending], float]:
    def within(end: Ending) -> float:
        # A trial with no exit, or whose run ends before the window does (with no
        # collapse by then), is censored: nan, never "no collapse". A collapse before
        # the exit counts in every window (the exit came after it).
        if math.isnan(end.exit_day):
            return math.nan
        if _months_to_collapse(end) <= months:  # false for nan
            return 1.0
        return 0.0 if _months_observed(end) >= months else math.nan

    return within


AFTER_EXIT = (
    Outcome(
        "months_observed_after_exit",
        "level",
        "months",
        "Months from the exit to the end of the run (nan if no exit): how far the run sees.",
        _months_observed,
    ),
    *(
        Outcome(
            f"collapse_within_{months}m",
            "binary",
            "yes/no",
            f"A collapse by {months} months after the exit (nan if no exit, or if the run ends "
            "before that window does and no collapse came first).",
            _collapse_within(months),
        )
        for months in WINDOWS_MONTHS
    ),
    Outcome(
        "months_exit_to_collapse",
        "level",
        "months",
        "Months from the exit to the collapse (0 if it came first; nan if no exit or no collapse).",
        _months_to_collapse,
    ),
)
"""The outcomes measured from the exit, so that timelines that end at different dates
compare fairly and the length of the run does not set the answer."""


def after_exit(exit_day: float, collapse_day: float | None, horizon_days: float) -> dict[str, float]:
    """The outcomes of :data:`AFTER_EXIT` for a trial.

    With this exit, collapse (``None`` if none) and horizon, in days.

    >>> after_exit(100.0, None, 100.0 + 30 * MONTH_DAYS)["collapse_within_24m"]
    0.0
    """
    facts = SimpleNamespace(exit_day=exit_day, collapse_day=collapse_day, horizon_days=horizon_days)
    return {outcome.name: outcome.compute(facts) for outcome in AFTER_EXIT}  # type: ignore[misc, arg-type]


def _region_outcomes(region: str) -> tuple[Outcome, ...]:
    place = REGION_NAMES[region]
    return (
        Outcome(
            f"{region}_exit_day",
            "day",
            "day",
            f"First day with no coalition (non-bilateral) troops in {place} after some were there "
            "(nan if never).",
            lambda end: end.places[region].exit_day,
        ),
        Outcome(
            f"{region}_attacks",
            "count",
            "attacks",
            f"Militia attacks on bases in {place}.",
            lambda end: end.places[region].attacks,
        ),
        Outcome(
            f"{region}_casualties",
            "count",
            "people",
            f"Coalition wounded and killed in {place}.",
            lambda end: end.places[region].casualties,
        ),
        Outcome(
            f"{region}_troop_years",
            "level",
            "troop-years",
            f"Troops present in {place} (coalition and bilateral) summed over the run, in years.",
            lambda end: end.places[region].troop_years,
        ),
        Outcome(
            f"{region}_attacks_per_1000",
            "level",
            "attacks per 1,000 troop-years",
            f"Militia attacks in {place} per 1,000 troop-years there: the risk per soldier "
            "(nan with no troops).",
            lambda end: end.places[region].attacks * end.places[region].per_1000,
        ),
        Outcome(
            f"{region}_casualties_per_1000",
            "level",
            "casualties per 1,000 troop-years",
            f"Coalition wounded and killed in {place} per 1,000 troop-years there (nan with no troops).",
            lambda end: end.places[region].casualties * end.places[region].per_1000,
        ),
    )


OUTCOMES = (
    Outcome("militia_attacks", "count", "attacks", "Militia attacks on coalition bases.", _last("attacks")),
    Outcome(
        "interceptions",
        "count",
        "attacks",
        "Militia attacks intercepted by air defence.",
        lambda end: float(np.count_nonzero(end.attacks["intercepted"])),
    ),
    Outcome("wounded", "count", "people", "Coalition wounded.", _last("wounded")),
    Outcome("killed", "count", "people", "Coalition killed.", _last("killed")),
    Outcome("strikes", "count", "strikes", "Coalition retaliation strikes.", _last("strikes")),
    Outcome(
        "deterrence_episodes",
        "count",
        "episodes",
        "Strikes that deterred the militias.",
        _logged("deterrence"),
    ),
    Outcome(
        "escalation_episodes", "count", "episodes", "Strikes that escalated tension.", _logged("escalation")
    ),
    Outcome("isis_attacks", "count", "attacks", "ISIS attacks in Iraq.", _last("isis_attacks")),
    Outcome("breakouts", "count", "events", "Prison or camp breaks.", _logged("breakout")),
    Outcome(
        "peak_isis_strength", "level", "fighters", "Largest ISIS strength reached.", _peak("isis_strength")
    ),
    Outcome(
        "final_isis_strength",
        "level",
        "fighters",
        "ISIS strength on the last day.",
        lambda end: end.world.isis_strength,
    ),
    Outcome(
        "collapse",
        "binary",
        "yes/no",
        "A 2014-style collapse happened.",
        lambda end: 0.0 if end.collapse_day is None else 1.0,
    ),
    Outcome(
        "collapse_day",
        "day",
        "day",
        "Day of the collapse (nan if none).",
        lambda end: math.nan if end.collapse_day is None else end.collapse_day,
    ),
    Outcome("peak_territory", "level", "share", "Largest share of Iraq held by ISIS.", _peak("territory")),
    Outcome(
        "final_territory",
        "level",
        "share",
        "Share of Iraq held by ISIS on the last day.",
        lambda end: end.world.territory,
    ),
    Outcome(
        "final_readiness", "level", "0-1", "ISF readiness on the last day.", lambda end: end.world.readiness
    ),
    Outcome(
        "final_capability",
        "level",
        "0-1",
        "ISF capability on the last day.",
        lambda end: end.world.capability,
    ),
    Outcome("min_capability", "level", "0-1", "Lowest ISF capability reached.", _least("capability")),
    Outcome(
        "exit_day",
        "day",
        "day",
        "First day with no coalition (non-bilateral) troops in Iraq (nan if never).",
        lambda end: end.exit_day,
    ),
    Outcome(
        "troop_days", "level", "troop-days", "Troops in theatre summed over days (exposure).", _troop_days
    ),
    Outcome(
        "civilian_deaths",
        "count",
        "people",
        "Iraqi civilians killed in ISIS attacks.",
        _last("civilian_deaths"),
    ),
    Outcome(
        "isf_deaths", "count", "people", "Iraqi security forces killed in ISIS attacks.", _last("isf_deaths")
    ),
    Outcome(
        "peak_mobilisation",
        "level",
        "capability",
        "Largest mobilisation after a collapse (ISF capability units).",
        _peak("mobilisation"),
    ),
    *AFTER_EXIT,
    Outcome(
        "peak_imbalance_24m",
        "level",
        "x",
        "Largest ratio of ISIS strength to what the ISF and mobilised forces can contain in the "
        "24 months after the exit (1 = parity; nan if no exit): how close the trial came to a collapse.",
        _peak_imbalance_24m,
    ),
    *(outcome for region in REGIONS for outcome in _region_outcomes(region)),
)
"""Every fixed outcome of a trial, in the order a trial reports them."""

OUTCOME_BY_NAME = {o.name: o for o in OUTCOMES}


class Family(NamedTuple):
    """Outcomes that each scenario has its own of: ``<prefix>:<key>``, one per key."""

    prefix: str
    key: str  # what the part after the colon names
    kind: str
    unit: str
    meaning: Callable[[str], str]  # from the key
    compute: Callable[[Ending], Iterable[tuple[str, float]]]  # (key, value) pairs


def _attacks_at(end: Ending) -> Iterable[tuple[str, float]]:
    counts = np.bincount(end.attacks["base"], minlength=len(end.base_keys)).tolist()
    return zip(end.base_keys, map(float, counts), strict=True)


def _attacks_by(end: Ending) -> Iterable[tuple[str, float]]:
    counts = np.bincount(end.attacks["weapon"], minlength=len(WEAPONS)).tolist()
    return zip(WEAPONS, map(float, counts), strict=True)


def _rules(end: Ending) -> Iterable[tuple[str, float]]:
    return ((name, 1.0 if fired else 0.0) for name, fired in end.rules_fired.items())


FAMILIES = (
    Family(
        "attacks_at", "base", "count", "attacks", lambda key: f"Militia attacks on base {key}.", _attacks_at
    ),
    Family(
        "attacks_by",
        "weapon",
        "count",
        "attacks",
        lambda key: f"Militia attacks with {key.replace('_', ' ')}s.",
        _attacks_by,
    ),
    Family("rule", "rule", "binary", "yes/no", lambda key: f"Rule {key!r} fired.", _rules),
)
"""The per-scenario outcomes: attacks per base and per weapon, and whether each rule fired."""

FAMILY_BY_PREFIX = {family.prefix: family for family in FAMILIES}


def outcomes_of(end: Ending) -> dict[str, float]:
    """Every outcome of a trial: the fixed ones in registry order, then the families'."""
    values = {outcome.name: outcome.compute(end) for outcome in OUTCOMES}  # type: ignore[misc]
    for family in FAMILIES:
        prefix = family.prefix + ":"
        for key, value in family.compute(end):
            values[prefix + key] = value
    return values


def describe(name: str) -> Outcome:
    """The description of an outcome, including the per-scenario ones.

    >>> describe("attacks_by:ballistic_missile").meaning
    'Militia attacks with ballistic missiles.'
    """
    if name in OUTCOME_BY_NAME:
        return OUTCOME_BY_NAME[name]
    prefix, _, key = name.partition(":")
    family = FAMILY_BY_PREFIX.get(prefix)
    if family is None:
        raise KeyError(f"unknown outcome {name!r}")
    return Outcome(name, family.kind, family.unit, family.meaning(key))


def outcome_kind_unit(name: str) -> tuple[str, str]:
    """Kind (``count``, ``binary``, ``day`` or ``level``) and unit of an outcome.

    ``("level", "")`` for a column the registry does not know.
    """
    try:
        outcome = describe(name)
    except KeyError:
        return "level", ""
    return outcome.kind, outcome.unit
