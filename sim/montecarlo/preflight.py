"""Checks made before the first trial, so that a run is refused rather than lost.

:func:`sim.montecarlo.run` calls these checks before drawing a single trial; each
refuses, with :class:`RunRefused` (a ``ValueError``), a run that could not finish or
could not be kept:

- dates the calendar cannot hold (pandas timestamps end in 1677 and 2262, and every
  table of results is indexed by date);
- more worker processes than cores (each costs memory and none adds speed);
- a run whose series, kept event logs and workers would not fit in memory;
- a trial whose expected work is beyond what a trial can do: the expected number of
  ISIS or militia attacks (each is a step of a Python loop and a row of the log) or of
  prison breaks (each a SimPy event), or a casualty mean so large that drawing one
  hit's casualties has no end in sight.

The expected-work bounds are worked out for each trial from its own draws (and the fixed
values), with the model's own equations, and the largest is compared with the limits: ISIS attacks arrive at ``attacks_per_fighter_at_parity_per_day
* S * x ** tempo_elasticity`` with the imbalance ``x`` at most the engine's cap (see
:func:`_isis_attacks` for the fighter-days); militia attacks at the long-run rate
times the highest tension, times ``(troops / reference_troops) ** troop_elasticity``. They are upper bounds, so
they may refuse a run whose trials would in fact be quick, but only with values far
beyond any historical tempo (over 100,000 trials of the baseline, the largest bounds are
2.4 (ISIS) and 3.8 (militia) times inside the limits).
They check what this module knows of the model; the schema's ranges remain the place
where every field's bounds belong.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine.isis import MAX_IMBALANCE
from sim.engine.result import WEAPONS
from sim.scenario.loader import calendar_problem
from sim.scenario.sampling import value_at as _at

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

MAX_ISIS_ATTACKS_PER_TRIAL = 20_000_000
"""Most expected ISIS attacks in one trial (a loop step and a log row each: 20 million took
17 s and 2.7 GB). The bound is loose (the baseline's largest over 100,000 trials is 8e6
while its trials make at most about 24,000), so the limit is set high enough for it."""
MAX_MILITIA_ATTACKS_PER_TRIAL = 500_000
"""Most expected militia attacks in one trial (a SimPy event each: 1.25 million took 10 s)."""
MAX_BREAKOUTS_PER_TRIAL = 500_000
"""Most expected prison or camp breaks in one trial (each a SimPy event: about 7 us)."""
MAX_CASUALTY_MEAN = 100_000.0
CASUALTY_MEANS = ("wounded_mean", "killed_mean")
"""Largest mean casualties per hit (a hit's draw works through a table as long as the mean)."""
MEMORY_SHARE = 0.8
"""A run may plan to use at most this share of physical memory."""
WORKER_BYTES = 200 << 20
"""Memory a worker process adds (measured 135 MB on baseline; rounded up)."""


class RunRefused(ValueError):
    """A run that cannot be done as asked, refused before its first trial."""


def check_dates(scenario: Scenario) -> None:
    """Refuse a scenario whose days fall outside the dates pandas can hold."""
    reason = calendar_problem(scenario)
    if reason is not None:
        raise RunRefused(f"start: {reason}")


def check_jobs(jobs: int, cores: int) -> None:
    """Refuse more local worker processes than the cores this process may use."""
    if jobs > cores:
        raise RunRefused(
            f"jobs: expected at most {cores} worker processes (the cores this process may use), found {jobs:,}"
        )


def physical_memory() -> int | None:
    """The physical memory of this machine in bytes, or ``None`` where the system does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(needed: int, what: str) -> None:
    """Refuse a run that would need more than :data:`MEMORY_SHARE` of physical memory."""
    physical = physical_memory()
    if physical is not None and needed > MEMORY_SHARE * physical:
        raise RunRefused(
            f"trials: {what} would hold up to {needed / 2**30:.1f} GB, more than "
            f"{MEMORY_SHARE:.0%} of this machine's {physical / 2**30:.1f} GB; "
            "run fewer trials, a shorter horizon or fewer jobs"
        )


FIELDS = (
    "isis.strength",
    "isis.capacity",
    "isis.growth_per_day",
    "isis.sanctuary_growth",
    "isis.territory_growth",
    "isis.guarded_breakouts_per_year",
    "isis.unguarded_breakouts_per_year",
    "isis.breakout_fighters",
    "isis.attacks_per_fighter_at_parity_per_day",
    "isis.tempo_elasticity",
    "militia.attack_rate_per_day",
    "militia.reference_troops",
    "militia.troop_elasticity",
    "tension.initial",
    "tension.cap",
    *(f"militia.casualties.{w}.{k}" for w in WEAPONS for k in CASUALTY_MEANS),
)
"""Every scenario field :func:`check_workload` reads (with each force's troops and schedule,
each redeploy rule's troops and each tension level). A test checks that the schema still has
them all, so that a renamed field cannot silently switch a bound off."""


def check_workload(scenario: Scenario, paths: tuple[str, ...], draws: np.ndarray) -> None:
    """Refuse a scenario whose trials would not finish (see the module notes).

    Each trial is bounded with its own draws (extremes of different parameters seldom
    meet in one trial); the largest bound over the trials is compared with the limits.
    """
    columns = dict(zip(paths, draws.T, strict=True))
    trials = max(1, len(draws))

    def at(path: str) -> np.ndarray:
        """The values of ``path`` in every trial (NaN for a field the scenario lacks)."""
        if path in columns:
            return columns[path]
        found = _at(scenario, path)
        return np.full(trials, float(found) if isinstance(found, (int, float)) else math.nan)

    days = float(scenario.days)
    with np.errstate(all="ignore"):  # overflow to inf is the point: inf is refused
        breaks = np.fmax(at("isis.guarded_breakouts_per_year"), at("isis.unguarded_breakouts_per_year"))
        breaks = breaks * days / 365.25
        worst = {
            "breaks": breaks,
            "isis": _isis_attacks(at, days, breaks),
            "militia": _militia_attacks(scenario, at, days),
        }
    limits = {
        "breaks": (
            MAX_BREAKOUTS_PER_TRIAL,
            "isis",
            "prison breaks",
            "guarded and unguarded breakouts_per_year",
        ),
        "isis": (
            MAX_ISIS_ATTACKS_PER_TRIAL,
            "isis",
            "ISIS attacks",
            "strength, capacity, growth, breakouts, attacks_per_fighter_at_parity_per_day",
        ),
        "militia": (
            MAX_MILITIA_ATTACKS_PER_TRIAL,
            "militia",
            "militia attacks",
            "troops, attack rate, tension, elasticity",
        ),
    }
    for key, (limit, section, what, fields) in limits.items():
        most = float(np.nanmax(worst[key], initial=0.0))
        if most > limit:
            raise RunRefused(
                f"{section}: expected at most {limit:,} {what} per trial, found values ({fields}) "
                f"that give up to {most:.3g}"
            )
    for path in FIELDS:
        if path.startswith("militia.casualties."):
            most = float(np.nanmax(at(path), initial=0.0))
            if most > MAX_CASUALTY_MEAN:
                raise RunRefused(
                    f"{path}: expected at most {MAX_CASUALTY_MEAN:,.0f} per hit, found {most:.3g}"
                )


def _isis_attacks(at: Any, days: float, breaks: np.ndarray) -> np.ndarray:
    """Expected ISIS attacks at most, per trial.

    The most attacks a fighter makes in a day (at the largest imbalance the engine
    allows) times the fighter-days at most.

    Strength follows ``dS/dt <= g S (1 - S / K) + I`` (attrition only lowers it), with ``g``
    at least the base growth and at most the base growth raised by full sanctuary and all
    territory held, and ``I`` the fighters breaks bring (their number far in the Poisson
    tail, spread over the run, plus one break's worth at once). Below K + what the inflow
    holds up (``sqrt(I K / g)``, from the steady state of the equation) strength grows at
    most as ``S0 e^(g t)`` plus the inflow; above it, logistic decline brings a start far
    above K down to ``K / (g t)`` after t days, so it costs its first day plus
    ``(K / g)(1 + ln days)``. Without growth (g = 0) nothing but attrition pulls strength
    down: it stays at most its start plus the inflow.
    """
    start, capacity, growth = at("isis.strength"), at("isis.capacity"), at("isis.growth_per_day")
    fastest = growth * (1 + at("isis.sanctuary_growth") + at("isis.territory_growth"))
    fighters = at("isis.breakout_fighters")
    inflow = fighters * (breaks + 6 * np.sqrt(breaks) + 6) / max(days, 1.0)
    held = np.where(growth > 0, capacity + np.sqrt(inflow * capacity / growth), inflow * days) + fighters
    decline = np.where(growth > 0, capacity / growth * (1 + math.log(max(days, 1.0))), start * days)
    above = np.where(start > held, start + decline, 0.0)
    growing = np.where(
        fastest > 0, start * np.expm1(np.minimum(fastest * days, 700.0)) / fastest, start * days
    )
    fighter_days = above + np.minimum(held * days, growing + inflow * days * days)
    per_fighter = at("isis.attacks_per_fighter_at_parity_per_day") * MAX_IMBALANCE ** at(
        "isis.tempo_elasticity"
    )
    return per_fighter * fighter_days


def _militia_attacks(scenario: Scenario, at: Any, days: float) -> np.ndarray:
    """Expected militia attacks at most, per trial.

    The background rate at the highest tension and the most troops the run can hold, with
    the follow-on attacks.
    """
    troops = 0.0
    for key, element in getattr(scenario, "forces", {}).items():
        levels = [at(f"forces.{key}.troops")]
        levels += [at(f"forces.{key}.schedule.{i}.troops") for i in range(len(element.schedule))]
        troops = troops + np.fmax.reduce(levels)
    for i, rule in enumerate(getattr(scenario, "rules", [])):
        if getattr(rule, "action", None) == "redeploy":
            troops = troops + at(f"rules.{i}.troops")
    tension = getattr(scenario, "tension", None)
    levels = [at("tension.initial"), at("tension.cap")]
    levels += [at(f"tension.schedule.{i}.level") for i in range(len(getattr(tension, "schedule", [])))]
    presence = np.where(
        troops > 0, (troops / at("militia.reference_troops")) ** at("militia.troop_elasticity"), 0.0
    )
    # The long-run rate already counts the follow-on attacks.
    return at("militia.attack_rate_per_day") * np.fmax.reduce(levels) * presence * days
