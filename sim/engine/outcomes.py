"""The scalar outcomes of a trial: names, meanings, units and kinds.

Kinds tell the statistics and the plots how to treat an outcome:
``count`` (a non-negative integer), ``binary`` (0 or 1: summarised as a probability
with a Wilson interval), ``day`` (a day number, ``nan`` when it never happened) and
``level`` (a continuous quantity).

Besides the fixed outcomes below, every trial reports per-scenario ones:
``attacks_at:<base>`` (count), ``attacks_by:<weapon>`` (count) and ``rule:<name>``
(binary: the rule fired at least once).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from sim.scenario.schema import REGIONS  # the places reported one by one (exits, exposure)

MONTH_DAYS = 365.25 / 12
"""Days in a month, for outcomes measured in months."""

WINDOWS_MONTHS = (12, 24, 36)


REGION_NAMES = {"federal_iraq": "federal Iraq", "kurdistan": "the Kurdistan Region", "syria": "Syria"}
"""The windows after the exit over which the collapse risk is reported."""


def by_region(
    element_troops: np.ndarray,
    element_regions: list[str],
    element_bilateral: list[bool],
    attack_regions: np.ndarray,
    attack_casualties: np.ndarray,
    region_troops: dict[str, np.ndarray],
) -> dict[str, float]:
    """Per region: the exit day, the attacks and casualties there, and the exposure.

    ``element_troops`` holds each force element's daily troops (one row each);
    ``attack_regions`` and ``attack_casualties`` the region and the wounded plus killed of
    every militia attack; ``region_troops`` every region's daily troops, bilateral ones
    included (the militias attack them too). A region's exit is the first day on which
    its coalition (non-bilateral) troops are zero after having been above it (nan if
    they never were, or never left). Exposure is per 1,000 troop-years of all troops
    present in the region from day 0 to the last full day (nan with none).
    """
    outcomes: dict[str, float] = {}
    for region in REGIONS:
        rows = [
            i
            for i, (where, bilateral) in enumerate(zip(element_regions, element_bilateral, strict=True))
            if where == region and not bilateral
        ]
        coalition = element_troops[rows].sum(axis=0) if rows else np.zeros(element_troops.shape[1])
        manned = np.flatnonzero(coalition > 0.0)
        exit_day = math.nan
        if len(manned):
            after = np.flatnonzero(coalition[manned[0] :] <= 0.0)
            if len(after):
                exit_day = float(manned[0] + after[0])
        here = attack_regions == REGIONS.index(region)
        attacks = float(np.count_nonzero(here))
        casualties = float(attack_casualties[here].sum())
        troop_years = float(region_troops[region][:-1].sum()) / 365.25
        per_1000 = 1000.0 / troop_years if troop_years > 0.0 else math.nan
        outcomes[f"{region}_exit_day"] = exit_day
        outcomes[f"{region}_attacks"] = attacks
        outcomes[f"{region}_casualties"] = casualties
        outcomes[f"{region}_troop_years"] = troop_years
        outcomes[f"{region}_attacks_per_1000"] = attacks * per_1000
        outcomes[f"{region}_casualties_per_1000"] = casualties * per_1000
    return outcomes


def after_exit(exit_day: float, collapse_day: float | None, horizon_days: float) -> dict[str, float]:
    """The outcomes measured from a trial's exit, so that timelines that end at different
    dates compare fairly and the length of the run does not set the answer.

    A trial with no exit, or whose run ends before a window does (with no collapse by
    then), is censored for that window: ``nan``, never "no collapse". A collapse before
    the exit counts as one within every window (the exit came after it).
    """
    if math.isnan(exit_day):
        nothing = dict.fromkeys((f"collapse_within_{m}m" for m in WINDOWS_MONTHS), math.nan)
        return {"months_observed_after_exit": math.nan, **nothing, "months_exit_to_collapse": math.nan}
    observed = (horizon_days - exit_day) / MONTH_DAYS
    since = math.nan if collapse_day is None else max(0.0, (collapse_day - exit_day) / MONTH_DAYS)
    windows = {}
    for months in WINDOWS_MONTHS:
        if since <= months:  # false for nan
            windows[f"collapse_within_{months}m"] = 1.0
        elif observed >= months:
            windows[f"collapse_within_{months}m"] = 0.0
        else:
            windows[f"collapse_within_{months}m"] = math.nan
    return {"months_observed_after_exit": observed, **windows, "months_exit_to_collapse": since}


class Outcome(NamedTuple):
    name: str
    kind: str  # count | binary | day | level
    unit: str
    meaning: str


OUTCOMES = (
    Outcome("militia_attacks", "count", "attacks", "Militia attacks on coalition bases."),
    Outcome("interceptions", "count", "attacks", "Militia attacks intercepted by air defence."),
    Outcome("wounded", "count", "people", "Coalition wounded."),
    Outcome("killed", "count", "people", "Coalition killed."),
    Outcome("strikes", "count", "strikes", "Coalition retaliation strikes."),
    Outcome("deterrence_episodes", "count", "episodes", "Strikes that deterred the militias."),
    Outcome("escalation_episodes", "count", "episodes", "Strikes that escalated tension."),
    Outcome("isis_attacks", "count", "attacks", "ISIS attacks in Iraq."),
    Outcome("breakouts", "count", "events", "Prison or camp breaks."),
    Outcome("peak_isis_strength", "level", "fighters", "Largest ISIS strength reached."),
    Outcome("final_isis_strength", "level", "fighters", "ISIS strength on the last day."),
    Outcome("collapse", "binary", "yes/no", "A 2014-style collapse happened."),
    Outcome("collapse_day", "day", "day", "Day of the collapse (nan if none)."),
    Outcome("peak_territory", "level", "share", "Largest share of Iraq held by ISIS."),
    Outcome("final_territory", "level", "share", "Share of Iraq held by ISIS on the last day."),
    Outcome("final_readiness", "level", "0-1", "ISF readiness on the last day."),
    Outcome("final_capability", "level", "0-1", "ISF capability on the last day."),
    Outcome("min_capability", "level", "0-1", "Lowest ISF capability reached."),
    Outcome(
        "exit_day",
        "day",
        "day",
        "First day with no coalition (non-bilateral) troops in Iraq (nan if never).",
    ),
    Outcome("troop_days", "level", "troop-days", "Troops in theatre summed over days (exposure)."),
    Outcome("civilian_deaths", "count", "people", "Iraqi civilians killed in ISIS attacks."),
    Outcome("isf_deaths", "count", "people", "Iraqi security forces killed in ISIS attacks."),
    Outcome(
        "peak_mobilisation",
        "level",
        "capability",
        "Largest mobilisation after a collapse (ISF capability units).",
    ),
    Outcome(
        "months_observed_after_exit",
        "level",
        "months",
        "Months from the exit to the end of the run (nan if no exit): how far the run sees.",
    ),
    *(
        Outcome(
            f"collapse_within_{months}m",
            "binary",
            "yes/no",
            f"A collapse by {months} months after the exit (nan if no exit, or if the run ends "
            "before that window does and no collapse came first).",
        )
        for months in WINDOWS_MONTHS
    ),
    Outcome(
        "peak_imbalance_24m",
        "level",
        "x",
        "Largest ratio of ISIS strength to what the ISF and mobilised forces can contain in the "
        "24 months after the exit (1 = parity; nan if no exit): how close the trial came to a collapse.",
    ),
    Outcome(
        "months_exit_to_collapse",
        "level",
        "months",
        "Months from the exit to the collapse (0 if it came first; nan if no exit or no collapse).",
    ),
)


def _region_outcomes(region: str) -> tuple[Outcome, ...]:
    place = REGION_NAMES[region]
    return (
        Outcome(
            f"{region}_exit_day",
            "day",
            "day",
            f"First day with no coalition (non-bilateral) troops in {place} after some were there "
            "(nan if never).",
        ),
        Outcome(f"{region}_attacks", "count", "attacks", f"Militia attacks on bases in {place}."),
        Outcome(f"{region}_casualties", "count", "people", f"Coalition wounded and killed in {place}."),
        Outcome(
            f"{region}_troop_years",
            "level",
            "troop-years",
            f"Troops present in {place} (coalition and bilateral) summed over the run, in years.",
        ),
        Outcome(
            f"{region}_attacks_per_1000",
            "level",
            "attacks per 1,000 troop-years",
            f"Militia attacks in {place} per 1,000 troop-years there: the risk per soldier "
            "(nan with no troops).",
        ),
        Outcome(
            f"{region}_casualties_per_1000",
            "level",
            "casualties per 1,000 troop-years",
            f"Coalition wounded and killed in {place} per 1,000 troop-years there (nan with no troops).",
        ),
    )


OUTCOMES = (*OUTCOMES, *(o for region in REGIONS for o in _region_outcomes(region)))

OUTCOME_BY_NAME = {o.name: o for o in OUTCOMES}


def describe(name: str) -> Outcome:
    """The description of an outcome, including the per-scenario ones."""
    if name in OUTCOME_BY_NAME:
        return OUTCOME_BY_NAME[name]
    prefix, _, rest = name.partition(":")
    if prefix == "attacks_at":
        return Outcome(name, "count", "attacks", f"Militia attacks on base {rest}.")
    if prefix == "attacks_by":
        return Outcome(name, "count", "attacks", f"Militia attacks with {rest.replace('_', ' ')}s.")
    if prefix == "rule":
        return Outcome(name, "binary", "yes/no", f"Rule {rest!r} fired.")
    raise KeyError(f"unknown outcome {name!r}")
