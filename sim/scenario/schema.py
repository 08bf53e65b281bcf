"""The scenario schema: every parameter of the model, its default, unit and meaning.

These pydantic models are the single source of truth. The YAML loader validates
against them, ``python -m sim schema`` prints their JSON Schema, and
``docs/scenarios.md`` is generated from them. The engine reads parameters only from
here, so every coefficient of the model is visible and documented in one place.

Numeric parameters are annotated ``Annotated[float | Distribution, Range(low, high)]``:
a number or a distribution (see :mod:`sim.scenario.distributions`) whose stated range
(:class:`~sim.scenario.ranges.Range`) is checked against the whole support of the
distribution, so a probability can never be drawn outside [0, 1]. After
:func:`sim.scenario.sampling.fix` every such field holds a plain ``float``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PrivateAttr,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from sim.scenario.distributions import Distribution
from sim.scenario.posterior import PosteriorFile
from sim.scenario.ranges import Range

FORMAT = 2
"""The scenario format of this version of the model (Model 2.0)."""

RENAMED_IN_FORMAT_2 = {
    "isf.decay_per_day": "isf.relaxation_per_day (readiness now relaxes towards a self-sustained "
    "level, isf.self_sustained, not towards zero)",
    "isf.dependence_decay_days": "isf.dependence_adaptation_days (dependence now shrinks only while "
    "enablers are missing)",
    "isis.breakouts_per_year": "isis.guarded_breakouts_per_year and isis.unguarded_breakouts_per_year "
    "(breaks depend on who guards the camps)",
    "isis.attacks_per_fighter_per_day": "isis.attacks_per_fighter_at_parity_per_day (attacks per "
    "fighter now rise with ISIS's strength against the ISF; isis.tempo_elasticity: 0 keeps them "
    "constant)",
    "collapse.territory_recovery_per_day": "collapse.retake_per_day (territory is now retaken "
    "linearly, in share of Iraq per day)",
    "retaliation.deterrence.duration_days": "retaliation.deterrence.recovery_days (deterrence now "
    "wears off gradually, with this time constant, instead of ending at once)",
    "retaliation.escalation.duration_days": "retaliation.escalation.recovery_days (escalation now "
    "wears off gradually, with this time constant)",
    "militia.background_rate_per_day": "militia.attack_rate_per_day (the long-run rate; the Hawkes "
    "background is attack_rate_per_day * (1 - branching_ratio), so the ratio no longer moves the tempo)",
}
"""Keys of the first model (format 1) that Model 2.0 replaced, with what replaces them."""

MAX_HORIZON_DAYS = 7305  # twenty years
MAX_TRIALS = 100_000
REGIONS = ("federal_iraq", "kurdistan", "syria")
METRICS = (
    "readiness",
    "capability",
    "isis_strength",
    "territory",
    "tension",
    "pressure",
    "troops",
    "attacks_30d",
)


class Model(BaseModel):
    """Base of every scenario model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


Probability = Annotated[float | Distribution, Range(0.0, 1.0)]
NonNegative = Annotated[float | Distribution, Range(0.0)]
Positive = Annotated[float | Distribution, Range(0.0, strict_low=True)]

# Bounds that keep a trial finite in time and memory. Each is far beyond any value the
# record supports, and below what the engine was measured to handle in a few seconds a
# trial (docs/reliability.md, "Values that pass validation"); beyond them a trial's
# events (attacks, breaks, casualty tables) grow without useful meaning.
Troops = Annotated[
    float | Distribution, Range(0.0, 1e6)
]  # 1e11 troops: 1.25 million militia attacks, 10 s a trial
Fighters = Annotated[float | Distribution, Range(0.0, 1e6)]  # 1e9 fighters: millions of ISIS attacks a trial
RatePerDay = Annotated[
    float | Distribution, Range(0.0, 1.0)
]  # ISIS growth: above about 700 a day exp() overflows
Multiplier = Annotated[float | Distribution, Range(0.0, 10.0)]  # factors on ISIS's growth
CasualtyMean = Annotated[
    float | Distribution, Range(0.0, 1e4)
]  # 1e7 a hit: 3 s to draw one hit; 1e12 never ends
Tempo = Annotated[
    float | Distribution, Range(0.0, 0.1)
]  # ISIS attacks per fighter per day: 3 gave 20 million attacks
BreaksPerYear = Annotated[
    float | Distribution, Range(0.0, 100.0)
]  # 1e4 a year: 7 s a trial; 1e5 ran out of memory
TensionLevel = Annotated[float | Distribution, Range(0.0, 1e3)]
DayRef = dt.date | Annotated[float | Distribution, Range(0.0, MAX_HORIZON_DAYS)]
"""A moment: a calendar date, or a day offset from the scenario's start."""


def doc(default: Any, unit: str, text: str, **kwargs: Any) -> Any:
    """A field with its default, its unit and its meaning, as the reference shows them."""
    extra: dict[str, JsonValue] = {"unit": unit}
    return Field(default, description=text, json_schema_extra=extra, **kwargs)


def needed(unit: str, text: str, **kwargs: Any) -> Any:
    """A required field with its unit and meaning."""
    return Field(..., description=text, json_schema_extra={"unit": unit}, **kwargs)


def low_value(value: Any) -> float:
    """The smallest value a parameter can take."""
    return value if isinstance(value, float) else value.support()[0]


def high_value(value: Any) -> float:
    """The largest value a parameter can take."""
    return value if isinstance(value, float) else value.support()[1]


# --------------------------------------------------------------------------- bases


class AirDefence(Model):
    """Probability that an attack on the base with each weapon is intercepted."""

    rocket: Probability = doc(
        0.6,
        "probability",
        "Rockets and mortars stopped (C-RAM, or a miss that harms nobody). No rate is published; "
        "the Pentagon said most attacks failed or were intercepted.",
    )
    drone: Probability = doc(0.6, "probability", "One-way attack drones stopped (intercepted or missed).")
    ballistic_missile: Probability = doc(
        0.8, "probability", "Short-range ballistic missiles intercepted (Patriot where deployed)."
    )


class Base(Model):
    """A site where coalition troops are stationed and can be attacked."""

    region: Literal["federal_iraq", "kurdistan", "syria"] = doc(
        "federal_iraq",
        "-",
        "Where the base is: federal Iraq, the Kurdistan Region, or north-east Syria. Strikes "
        "answering attacks in Syria do not raise Iraqi political pressure.",
    )
    air_defence: AirDefence = doc(AirDefence(), "-", "Interception probability per weapon.")
    hardening: Probability = doc(
        0.5,
        "share",
        "Share of the casualties an un-intercepted hit would cause that shelters, warning "
        "and dispersion prevent.",
    )
    attractiveness: Annotated[float | Distribution, Range(0.0, 100.0)] = doc(
        1.0,
        "x",
        "How strongly the militias favour this base as a target, at equal troops (see "
        "militia.targeting_elasticity): a base's share of attacks is its attractiveness times "
        "its troops to the elasticity, over the sum of the same for every manned base.",
    )


# -------------------------------------------------------------------- conditions


class Condition(Model):
    """One test on a daily metric, which must hold for ``for_days`` days in a row."""

    metric: Literal[METRICS] = needed(  # type: ignore[valid-type]
        "-",
        "What is measured: readiness, capability (0-1), isis_strength (fighters), territory "
        "(share held by ISIS), tension, pressure, troops (coalition and bilateral troops in "
        "theatre), attacks_30d (militia attacks in the last 30 days).",
    )
    op: Literal[">=", ">", "<=", "<"] = needed("-", "Comparison of the metric with the value.")
    value: Annotated[float | Distribution, Range()] = needed("metric's unit", "The threshold.")
    for_days: int = doc(
        1, "days", "Days in a row the comparison must hold (1 = on the day itself).", ge=1, le=3650
    )


class When(Model):
    """Conditions combined with ``all`` (every one holds) or ``any`` (at least one)."""

    all: list[Condition] | None = doc(None, "-", "Every condition must hold.", min_length=1)
    any: list[Condition] | None = doc(None, "-", "At least one condition must hold.", min_length=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> When:
        if (self.all is None) == (self.any is None):
            raise ValueError("expected exactly one of 'all' or 'any'")
        return self

    @property
    def conditions(self) -> list[Condition]:
        """The conditions, whichever of ``all`` or ``any`` holds them."""
        return self.all if self.all is not None else self.any  # type: ignore[return-value]


# ------------------------------------------------------------------------ forces


class Roles(Model):
    """Shares of an element's troops by job; the rest are staff and support."""

    trainers: Probability = doc(0.15, "share", "Advise, assist and train the ISF.")
    enablers: Probability = doc(
        0.35, "share", "Intelligence, surveillance, air support and logistics the ISF rely on."
    )
    protection: Probability = doc(0.3, "share", "Force protection.")

    @model_validator(mode="after")
    def _at_most_one(self) -> Roles:
        total = sum(high_value(v) for v in (self.trainers, self.enablers, self.protection))
        if total > 1 + 1e-9:
            raise ValueError(f"expected roles summing to at most 1, found they can sum to {total:g}")
        return self


class Waypoint(Model):
    """A troop level an element moves to, by calendar or when conditions are met.

    A calendar waypoint gives ``at``. A conditions-based waypoint gives ``when``; it
    starts on the first day its conditions have held long enough, never before
    ``not_before``, and at ``deadline`` regardless. Its conditions count only days
    after it becomes the element's next waypoint and on or after ``not_before``. A
    pause moves ``not_before`` and the deadline with the schedule, unless
    ``firm_deadline`` is set. The move is a step (``ramp_days: 0``) or a linear ramp
    over ``ramp_days``. A calendar waypoint may give ``by``, the moment the level is
    reached, instead of ``at``: it starts ``ramp_days`` earlier on the schedule clock.
    """

    troops: Troops = needed("troops", "The level to reach.")
    at: DayRef | None = doc(None, "date or day", "When the move starts (calendar waypoint).")
    by: dt.date | float | None = doc(
        None,
        "date or day",
        "When the level is reached, instead of `at`: the move starts `ramp_days` earlier "
        "(`at` = `by` - `ramp_days`). Needs a fixed date or day and a fixed `ramp_days`.",
    )
    when: When | None = doc(None, "-", "Conditions that start the move (conditions-based).")
    not_before: DayRef | None = doc(None, "date or day", "Earliest start of a conditions-based move.")
    deadline: DayRef | None = doc(
        None, "date or day", "The move starts here even if its conditions never held."
    )
    firm_deadline: bool = doc(
        False,
        "-",
        "The deadline is a calendar date that pauses and accelerations do not move "
        "(by default it moves with the schedule clock).",
    )
    ramp_days: NonNegative = doc(0.0, "days", "0 for a step; otherwise the length of a linear ramp.")

    @model_validator(mode="before")
    @classmethod
    def _start_from_by(cls, data: Any) -> Any:
        """Turn ``by`` (when the level is reached) into ``at`` (when the move starts)."""
        if not isinstance(data, dict) or data.get("by") is None:
            return data
        by, ramp = data["by"], data.get("ramp_days", 0.0)
        if isinstance(by, str):
            try:
                by = dt.date.fromisoformat(by)
            except ValueError:
                raise ValueError(f"by: expected a date (YYYY-MM-DD) or a day, found {by!r}") from None
        if isinstance(by, bool) or not isinstance(by, (dt.date, int, float)):
            raise ValueError(f"by: expected a fixed date or day, found {by!r}")
        if isinstance(ramp, bool) or not isinstance(ramp, (int, float)):
            raise ValueError(
                "by: expected a fixed ramp_days to count back from, found a distribution; give 'at'"
            )
        start = by - dt.timedelta(days=float(ramp)) if isinstance(by, dt.date) else float(by) - float(ramp)
        if isinstance(start, dt.date) and float(ramp) != int(ramp):
            raise ValueError(f"by: expected whole ramp_days with a date, found {ramp}")
        if data.get("at") is not None and data["at"] != start and str(data["at"]) != str(start):
            raise ValueError(
                f"expected 'at' or 'by', not both (by {by} with ramp_days {ramp:g} starts at {start})"
            )
        if not isinstance(start, dt.date) and start < 0:
            raise ValueError(f"by: day {by:g} is less than ramp_days ({ramp:g}) after the start")
        return {**data, "at": start}

    @model_validator(mode="after")
    def _calendar_or_conditions(self) -> Waypoint:
        if (self.at is None) == (self.when is None):
            raise ValueError("expected exactly one of 'at' (a date or day) or 'when' (conditions)")
        if self.by is not None and self.when is not None:
            raise ValueError("'by' applies only to a calendar waypoint, not one with 'when'")
        if self.at is not None and (self.not_before is not None or self.deadline is not None):
            raise ValueError("'not_before' and 'deadline' apply only to a waypoint with 'when'")
        if self.firm_deadline and self.deadline is None:
            raise ValueError("'firm_deadline' needs a 'deadline'")
        return self


class RegionWaypoint(Model):
    """A troop level for every coalition element in one region, resolved into element waypoints.

    ``region_schedules`` writes a drawdown by region instead of by element: "1,500 in
    Kurdistan by September 2025, none by the end of 2026" without looking up which
    elements are stationed there. When the scenario loads, each target becomes one
    calendar waypoint (same ``at``, same ``ramp_days``) of every non-bilateral element at a
    base of the region, so the engine sees only element schedules (`python -m sim show
    FILE` lists them, each saying which target it came from). The target's troops are split
    in proportion to the troops each element has, on its own schedule, when the move
    starts (the split keeps the mix of contingents and bases as it stands then); if those
    are all zero, in proportion to their troops at the start. A split of a whole number
    gives whole troops (largest remainders, ties to the element written first).

    ~~~yaml
    region_schedules:
      federal_iraq:
        - {by: 2025-09-01, troops: 0, ramp_days: 90}      # leave federal Iraq by September 2025
      kurdistan:
        - {by: 2025-09-01, troops: 1500, ramp_days: 90}   # keep 1,500 in Kurdistan ...
        - {by: 2026-12-31, troops: 0, ramp_days: 60}      # ... to the end of 2026
    ~~~

    A target is refused when it cannot be resolved: a region with no coalition element, a
    drawn value (a distribution) in the target or in the schedule of an element of its
    region, a conditions-based waypoint (`when`) in such a schedule, an element waypoint
    that starts on the target's start or during its ramp, and targets of one region out of
    time order or overlapping.
    """

    troops: float = needed("troops", "The region's level to reach (a fixed number).", ge=0, le=1e6)
    at: dt.date | float | None = doc(None, "date or day", "When the move starts (a fixed date or day).")
    by: dt.date | float | None = doc(
        None, "date or day", "When the level is reached, instead of `at` (`at` = `by` - `ramp_days`)."
    )
    ramp_days: float = doc(0.0, "days", "0 for a step; otherwise the length of a linear ramp.", ge=0)

    _start_from_by = model_validator(mode="before")(Waypoint._start_from_by.__func__)

    @model_validator(mode="after")
    def _has_a_moment(self) -> RegionWaypoint:
        if self.at is None:
            raise ValueError("expected 'at' or 'by' (a fixed date or day)")
        if not isinstance(self.at, dt.date) and not 0 <= self.at <= MAX_HORIZON_DAYS:
            raise ValueError(f"at: expected a day from 0 to {MAX_HORIZON_DAYS}, found {self.at:g}")
        return self


class ForceElement(Model):
    """One contingent at one base, with its roles and its drawdown schedule."""

    contingent: str = doc("US", "-", "Who: US, NATO, UK, France ... (used for grouping).")
    base: str = needed("-", "Key of the base in `bases` where the element is stationed.")
    troops: Troops = needed("troops", "Troops at the start.")
    roles: Roles = doc(Roles(), "-", "Shares of the troops by job.")
    bilateral: bool = doc(
        False,
        "-",
        "True for a bilateral (non-coalition) force: it does not count towards the day the "
        "coalition reaches zero.",
    )
    schedule: list[Waypoint] = doc([], "-", "Waypoints, taken in order.", max_length=100)


# ----------------------------------------------------------------------- militia


class Casualties(Model):
    """Casualties of one un-intercepted hit, before the base's hardening.

    Wounded and killed are negative binomial counts with the given means and a
    shared dispersion (smaller dispersion, more lopsided: most hits hurt nobody,
    a few hurt many).
    """

    wounded_mean: CasualtyMean = needed("people per hit", "Mean wounded per hit.")
    killed_mean: CasualtyMean = needed("people per hit", "Mean killed per hit.")
    dispersion: Positive = doc(0.1, "-", "Negative-binomial shape k; variance = mean + mean^2 / k.")


# Each weapon has its own class so that a partial override (``drone: {killed_mean: 0.1}``)
# keeps that weapon's other defaults rather than falling back to generic ones.


class RocketCasualties(Casualties):
    """Casualties of one un-intercepted rocket or mortar hit."""

    wounded_mean: CasualtyMean = doc(2.0, "people per hit", "Mean wounded per rocket hit.")
    killed_mean: CasualtyMean = doc(0.01, "people per hit", "Mean killed per rocket hit.")


class DroneCasualties(Casualties):
    """Casualties of one un-intercepted one-way drone hit."""

    wounded_mean: CasualtyMean = doc(5.5, "people per hit", "Mean wounded per drone hit.")
    killed_mean: CasualtyMean = doc(0.03, "people per hit", "Mean killed per drone hit.")


class BallisticMissileCasualties(Casualties):
    """Casualties of one un-intercepted short-range ballistic missile hit."""

    wounded_mean: CasualtyMean = doc(15.0, "people per hit", "Mean wounded per missile hit.")
    killed_mean: CasualtyMean = doc(0.06, "people per hit", "Mean killed per missile hit.")


class WeaponMix(Model):
    """Share of attacks using each weapon (must sum to 1)."""

    rocket: Probability = doc(0.45, "share", "Rockets and mortars.")
    drone: Probability = doc(0.5, "share", "One-way attack drones.")
    ballistic_missile: Probability = doc(0.05, "share", "Short-range ballistic missiles.")

    @model_validator(mode="after")
    def _sums_to_one(self) -> WeaponMix:
        values = (self.rocket, self.drone, self.ballistic_missile)
        shares = [v for v in values if isinstance(v, float)]
        if len(shares) < len(values):
            raise ValueError("weapon shares must be plain numbers (they must sum to 1)")
        if abs(sum(shares) - 1) > 1e-6:
            raise ValueError(f"expected weapon shares summing to 1, found {sum(shares):g}")
        return self


class WeaponCasualties(Model):
    """Casualty model per weapon."""

    rocket: RocketCasualties = doc(RocketCasualties(), "-", "Rockets and mortars.")
    drone: DroneCasualties = doc(DroneCasualties(), "-", "One-way drones.")
    ballistic_missile: BallisticMissileCasualties = doc(
        BallisticMissileCasualties(), "-", "Ballistic missiles."
    )


class Militia(Model):
    """Attacks by Iran-backed groups: a self-exciting (Hawkes) point process.

    Intensity at time t: ``mu(t) + sum over past attacks of (n / tau) exp(-(t - t_i) / tau)``
    with ``mu(t) = attack_rate_per_day * (1 - n) * tension(t) * (troops(t) /
    reference_troops) ** troop_elasticity`` (zero when no troops are present), so that the
    long-run rate is ``attack_rate_per_day`` at tension 1 and the reference troops whatever
    the branching ratio ``n``: the ratio shapes the bursts, not the tempo.
    """

    attack_rate_per_day: Annotated[float | Distribution, Range(0.0, 100.0)] = doc(
        1.75,
        "attacks/day",
        "Long-run attacks a day at the reference troops and tension 1, follow-on attacks "
        "included: the tempo in Iraq and Syria from 17 Oct to 21 Dec 2023 outside the Gaza "
        "truce (102 attacks in 58 days).",
    )
    reference_troops: Annotated[float | Distribution, Range(1.0, 1e6)] = doc(
        3900.0,
        "troops",
        "Troops in theatre (Iraq and Syria) at which the attack rate applies: the January "
        "2024 footprint (about 3,000 in the Iraq mission, about 900 US troops in Syria).",
    )
    troop_elasticity: Annotated[float | Distribution, Range(0.0, 2.0)] = doc(
        0.5,
        "-",
        "How the rate scales with troops present: 0 = not at all, 1 = proportionally.",
    )
    targeting_elasticity: Annotated[float | Distribution, Range(0.0, 2.0)] = doc(
        1.0,
        "-",
        "How a base's pull on attacks grows with its troops: 1 = in proportion, 0.5 = with "
        "the square root (a base with a tenth of the troops draws about a third as many "
        "attacks), 0 = not at all.",
    )
    branching_ratio: Annotated[float | Distribution, Range(0.0, 0.95)] = doc(
        0.3, "-", "Mean number of follow-on attacks each attack triggers (< 1)."
    )
    decay_days: Positive = doc(3.0, "days", "Time constant of the excitation's exponential decay.")
    weapon_mix: WeaponMix = doc(WeaponMix(), "-", "Share of attacks by weapon.")
    casualties: WeaponCasualties = doc(WeaponCasualties(), "-", "Casualty model per weapon.")


# -------------------------------------------------------------------- retaliation


class Episode(Model):
    """A strike's effect on militia tension, which wears off gradually.

    A strike that starts an episode moves the episode's multiplier on tension to
    ``factor`` at once; the multiplier then returns towards 1 exponentially, with time
    constant ``recovery_days``: ``m(t) = 1 - (1 - factor) * exp(-t / recovery_days)``.
    Episodes of one kind do not stack: a new one starts from the stronger of its own
    factor and what is left of the current one.
    """

    probability: Probability = needed("probability", "Chance a strike starts the episode.")
    factor: NonNegative = needed("x", "Multiplier on tension at the episode's start.")
    recovery_days: Annotated[float | Distribution, Range(0.0, 1e5, strict_low=True)] = needed(
        "days", "Time constant of the return of the multiplier towards 1."
    )


class Deterrence(Episode):
    """A strike deters: militia tension falls by ``factor`` and recovers gradually.

    A withdrawal that the host government has announced (``retaliation.withdrawal_announced``)
    can change both the chance a strike deters and how long deterrence holds: the groups
    have less to gain by attacking forces that are leaving.
    """

    probability: Probability = doc(
        0.1,
        "probability",
        "Chance a routine strike (not answering deaths) deters. About 8 routine US strikes "
        "from October 2023 to late January 2024 deterred no one.",
    )
    factor: NonNegative = doc(
        0.01,
        "x",
        "Multiplier on tension when deterrence starts. With the announced recovery of the "
        "baseline (about 5,400 days) its mean over February-July 2024 is about 0.025: the "
        "record's 0.037 attacks a day after the stop against 1.55 before it.",
    )
    recovery_days: Annotated[float | Distribution, Range(0.0, 1e5, strict_low=True)] = doc(
        180.0, "days", "Time constant of the militias' return to their tempo after deterrence."
    )
    announced_probability_factor: Annotated[float | Distribution, Range(0.0, 100.0)] = doc(
        1.0,
        "x",
        "Multiplier on the chance a strike deters (routine or major, capped at 1) once a "
        "withdrawal has been announced.",
    )
    announced_recovery_factor: Annotated[float | Distribution, Range(0.0, 100.0, strict_low=True)] = doc(
        1.0,
        "x",
        "Multiplier on the recovery time of deterrence that starts once a withdrawal has been announced.",
    )


class Escalation(Episode):
    """A strike escalates: militia tension rises by ``factor`` and returns gradually."""

    probability: Probability = doc(
        0.15, "probability", "Chance a strike that did not deter escalates instead."
    )
    factor: Annotated[float | Distribution, Range(1.0, 100.0)] = doc(
        1.5, "x", "Multiplier on tension when escalation starts."
    )
    recovery_days: Annotated[float | Distribution, Range(0.0, 1e5, strict_low=True)] = doc(
        21.0, "days", "Time constant of the return of tension after escalation."
    )


class Retaliation(Model):
    """When the coalition strikes back, and what a strike does to tension and pressure."""

    enabled: bool = doc(True, "-", "False: no retaliation strikes at all.")
    attacks_per_strike: Annotated[float | Distribution, Range(1.0)] = doc(
        15.0, "attacks", "A strike follows once this many attacks have landed since the last one."
    )
    strike_after_deaths: bool = doc(True, "-", "A strike (a major one) follows any attack that kills.")
    delay_days: NonNegative = doc(2.0, "days", "Time from the triggering attack to the strike.")
    min_gap_days: NonNegative = doc(7.0, "days", "Shortest time between two strikes.")
    share_in_iraq: Probability = doc(
        0.6,
        "probability",
        "Chance a strike hits targets on Iraqi soil (raising Iraqi political pressure) when "
        "the triggering attack was in Iraq; strikes answering attacks in Syria stay in Syria.",
    )
    deterrence: Deterrence = doc(
        Deterrence(),
        "-",
        "A routine strike deters: tension falls by the factor and recovers gradually.",
    )
    major_deterrence_probability: Probability = doc(
        0.7, "probability", "Chance a major strike (after deaths) deters."
    )
    escalation: Escalation = doc(
        Escalation(),
        "-",
        "A strike escalates: tension rises by the factor and returns gradually.",
    )
    withdrawal_announced: DayRef | None = doc(
        None,
        "date or day",
        "When the host government announced (or agreed) the coalition's withdrawal, if it "
        "has: from then on deterrence follows its 'announced' factors.",
    )


class TensionPoint(Model):
    """A scheduled change of militia tension (a regional war, a truce ...)."""

    at: DayRef = needed("date or day", "When the new level applies.")
    level: TensionLevel = needed("x", "Tension from then on (1 = late-2023 tempo).")


class RegionalEpisode(Model):
    """A named regional event that multiplies militia tension while it lasts."""

    episode: Literal["war", "truce", "deal"] = needed(
        "-",
        "What happens: 'war' (a regional war that draws Iran in, beyond the Gaza war the "
        "late-2023 tempo already reflects), 'truce' (a truce in the war that drives the "
        "campaign), 'deal' (a US-Iran understanding).",
    )
    start: DayRef = needed("date or day", "First day of the episode.")
    end: DayRef | None = doc(None, "date or day", "Last day of the episode (none: to the end of the run).")


class RegionalEffects(Model):
    """How much each kind of regional episode multiplies militia tension."""

    war: Annotated[float | Distribution, Range(0.0, 100.0)] = doc(
        3.0,
        "x",
        "A regional war that draws Iran in. In the 12-day Israel-Iran war of June 2025 the "
        "groups attacked about 5 US sites, against about 2 attacks a month before it: a rise "
        "of several fold from a deterred tempo, with Kataib Hezbollah holding back unless the "
        "US joined.",
    )
    truce: Annotated[float | Distribution, Range(0.0, 100.0)] = doc(
        0.0,
        "x",
        "A truce in the war that drives the campaign: no attacks on US forces in the Gaza "
        "truce of 24-30 November 2023.",
    )
    deal: Annotated[float | Distribution, Range(0.0, 100.0)] = doc(
        0.35,
        "x",
        "A US-Iran understanding: about 0.035 attacks a day from late March to mid-October "
        "2023 (the talks that led to the prisoner exchange) against about 0.10 a day over "
        "2021 to March 2023.",
    )


class Tension(Model):
    """Militia tension: a multiplier on the militia attack rate."""

    initial: TensionLevel = doc(1.0, "x", "Tension at the start (1 = late-2023 tempo).")
    schedule: list[TensionPoint] = doc([], "-", "Scheduled changes, in time order.", max_length=100)
    regional: list[RegionalEpisode] = doc(
        [],
        "-",
        "Named regional episodes (war, truce, deal), each multiplying tension while it lasts.",
        max_length=100,
    )
    effects: RegionalEffects = doc(
        RegionalEffects(), "-", "Tension multiplier of each kind of regional episode."
    )
    cap: Annotated[float | Distribution, Range(0.0, 1e3, strict_low=True)] = doc(
        10.0, "x", "Upper limit of tension after episodes multiply it."
    )


class Pressure(Model):
    """Political pressure on Baghdad to expel the coalition (dimensionless, >= 0)."""

    initial: NonNegative = doc(0.5, "-", "Pressure at the start.")
    per_strike_in_iraq: NonNegative = doc(0.15, "-", "Rise for each strike on Iraqi soil.")
    per_coalition_death: NonNegative = doc(0.1, "-", "Rise for each coalition soldier killed.")
    half_life_days: Positive = doc(120.0, "days", "Pressure halves in this time without new causes.")


# --------------------------------------------------------------------------- ISF


class ISF(Model):
    """The federal Iraqi Security Forces: readiness R and capability C (both 0..1).

    Readiness relaxes towards what the ISF sustain on their own and is raised by the
    coalition's trainers while they are there::

        dR/dt = relaxation * (R_s(t) - R) + a(T) * (1 - R),   a(T) = gain * T / (T + half_saturation)

    with R_s the self-sustained level (drifting by ``self_sustained_trend_per_year``) and T
    the trainers in federal Iraq plus ``kurdistan_trainer_weight`` of those in Kurdistan.
    Capability discounts readiness by the coalition support the ISF feel missing:
    ``C = R * (1 - D * f)``, where f follows the missing share of the reference enablers
    with a lag and the dependence D shrinks towards its floor only while support is
    missing (the ISF adapt by doing without).
    """

    readiness: Probability = doc(0.6, "0-1", "Readiness at the start.")
    self_sustained: Probability = doc(
        0.45,
        "0-1",
        "Readiness the ISF sustain on their own (institutions, experience, their own "
        "training) at the start: where readiness heads with no coalition trainers.",
    )
    self_sustained_trend_per_year: Annotated[float | Distribution, Range(-1.0, 1.0)] = doc(
        0.0,
        "1/year",
        "Drift of the self-sustained level: negative for erosion (corruption, "
        "politicisation, as in 2011-14), positive for growth.",
    )
    relaxation_per_day: NonNegative = doc(
        0.002, "1/day", "Rate at which readiness approaches the self-sustained level (half-life 347 days)."
    )
    training_gain_per_day: NonNegative = doc(
        0.0012,
        "1/day",
        "Readiness growth rate towards 1 with unlimited trainers (the default holds readiness "
        "at 0.6 with the 665 trainers of the shipped baseline and the default self-sustained level).",
    )
    trainers_half_saturation: Positive = doc(
        300.0, "troops", "Trainers at which training reaches half its maximum effect."
    )
    kurdistan_trainer_weight: Probability = doc(
        0.4,
        "share",
        "How much a trainer in Kurdistan counts for the federal ISF (Peshmerga training "
        "does not fully reach the federal army).",
    )
    enabler_dependence: Probability = doc(
        0.45, "share", "Share of capability that rests on coalition enablers at the start."
    )
    dependence_floor: Probability = doc(0.2, "share", "Dependence the ISF cannot shed (long-run level).")
    dependence_adaptation_days: Positive = doc(
        1000.0,
        "days",
        "Time constant over which dependence shrinks towards the floor while enablers are "
        "fully missing (the ISF learn to do without; no learning while support is there).",
    )
    enabler_lag_days: Positive = doc(
        90.0,
        "days",
        "Time constant with which the loss (or return) of enablers is felt in capability "
        "(stocks of intelligence, maintenance and habits run down over weeks to months).",
    )
    reference_enablers: Positive = doc(
        1000.0, "troops", "Enablers (coalition and bilateral) that give the ISF full support."
    )
    missing_support_at_start: Probability | None = doc(
        None,
        "share",
        "Share of the support the ISF feel missing at the start; by default the share missing "
        "then (the ISF are used to what they have). 0 for a scenario that starts as the "
        "enablers leave (2011).",
    )
    readiness_loss_per_isis_attack: Probability = doc(
        0.00002, "0-1", "Readiness lost to each ISIS attack (casualties, desertion, lost morale)."
    )


# -------------------------------------------------------------------------- ISIS


class SanctuaryPoint(Model):
    """A change in ISIS's cross-border sanctuary in Syria."""

    at: DayRef = needed("date or day", "When the new level applies.")
    level: Probability = needed("0-1", "Sanctuary from then on (0 none, 1 as in Syria in 2012-14).")


class ISIS(Model):
    """ISIS strength S in Iraq (fighters): recruitment, attrition, breaks, attacks.

    ``dS/dt = g(t) * S * (1 - S / capacity) - (isf_attrition * P + strike_attrition * E) * S``
    with ``g(t) = growth * (1 + sanctuary_growth * sanctuary(t) + territory_growth * territory)``,
    P the forces fighting ISIS (ISF capability plus mobilisation) and E the enablers present as
    a share of the reference (up to ``max_enabler_share``). Attacks per fighter rise with ISIS's
    strength against what the ISF can contain: ``tempo * x ** tempo_elasticity``.
    """

    strength: Fighters = doc(500.0, "fighters", "Fighters in Iraq at the start (Iraqi estimate, 2023).")
    growth_per_day: RatePerDay = doc(
        0.0012,
        "1/day",
        "Recruitment growth rate with no sanctuary and no territory (today's ISIS in Iraq).",
    )
    capacity: Annotated[float | Distribution, Range(0.0, 1e6, strict_low=True)] = doc(
        30000.0, "fighters", "Carrying capacity of the logistic growth."
    )
    sanctuary: Probability = doc(
        0.0, "0-1", "Cross-border sanctuary in Syria at the start (1: as in 2012-14, 0: none)."
    )
    sanctuary_schedule: list[SanctuaryPoint] = doc(
        [], "-", "Scheduled changes of the sanctuary, in time order.", max_length=100
    )
    sanctuary_growth: Multiplier = doc(
        1.6, "x", "Added growth, relative to the base rate, at full sanctuary (2012-13: 2.3 times)."
    )
    territory_growth: Multiplier = doc(
        2.0,
        "x per share",
        "Added growth, relative to the base rate, per share of Iraq ISIS holds (taxes, arms, conscripts).",
    )
    isf_attrition_per_day: NonNegative = doc(
        0.002, "1/day", "Attrition rate from ISF operations at capability 1."
    )
    strike_attrition_per_day: NonNegative = doc(
        0.0012,
        "1/day",
        "Attrition rate from coalition-enabled operations with the reference enablers present "
        "(about the share of fighters killed or detained in partnered operations in 2024).",
    )
    max_enabler_share: Annotated[float | Distribution, Range(1.0)] = doc(
        3.0,
        "x",
        "Largest multiple of the reference enablers that still adds to strike attrition (an "
        "air campaign with advisers calling in strikes, as in 2015-17).",
    )
    guarded_breakouts_per_year: BreaksPerYear = doc(
        0.1,
        "events/year",
        "Rate of prison or camp breaks feeding Iraq while coalition troops back the camps' guards in Syria.",
    )
    unguarded_breakouts_per_year: BreaksPerYear = doc(
        0.4,
        "events/year",
        "Rate of breaks with no coalition troops in Syria, or after the camps' guards collapse.",
    )
    breakout_fighters: Annotated[float | Distribution, Range(0.0, 1e4)] = doc(
        300.0,
        "fighters",
        "Fighters added to Iraq by one break (a distribution draws one size per trial).",
    )
    guards_collapse: DayRef | None = doc(
        None,
        "date or day",
        "When the camps' guards collapse (an SDF collapse): one break at once, and the "
        "unguarded rate from then on.",
    )
    attacks_per_fighter_at_parity_per_day: Tempo = doc(
        0.0025,
        "attacks/fighter/day",
        "ISIS attacks per fighter per day when ISIS matches what the ISF can contain (x = 1).",
    )
    tempo_elasticity: Annotated[float | Distribution, Range(0.0, 2.0)] = doc(
        0.3,
        "-",
        "How attacks per fighter scale with the imbalance x (0: a constant tempo). A group "
        "that is outmatched lies low; one that matches the ISF goes on the offensive.",
    )
    civilians_killed_per_attack: CasualtyMean = doc(
        3.5, "people per attack", "Mean civilians killed per ISIS terror attack (no territory held)."
    )
    front_civilians_killed_per_attack: CasualtyMean = doc(
        0.3, "people per attack", "Mean civilians killed per attack of ISIS's front-line fighting."
    )
    front_half_territory: Annotated[float | Distribution, Range(0.0, 1.0, strict_low=True)] = doc(
        0.05,
        "share",
        "Share of Iraq held at which half of ISIS's attacks are front-line fighting (share T / (T + this)).",
    )
    isf_killed_per_attack: CasualtyMean = doc(
        0.4, "people per attack", "Mean ISF members killed per ISIS attack."
    )
    deaths_dispersion: Positive = doc(
        0.3, "-", "Negative-binomial shape of the deaths per attack (small: a few attacks kill many)."
    )


# ---------------------------------------------------------------------- collapse


class Collapse(Model):
    """A 2014-style collapse and what follows it.

    Imbalance ``x = S / (contained_fighters * P)`` with P = capability + mobilisation;
    hazard per day ``h = hazard_at_parity_per_day * x ** steepness``; at most one collapse
    per trial. After it the state mobilises (P rises by ``mobilisation``) and territory is
    retaken, linearly, while the ISF and the mobilised forces outmatch ISIS (x < 1).
    """

    contained_fighters: Positive = doc(
        25000.0, "fighters", "ISIS fighters that ISF at capability 1 can contain."
    )
    hazard_at_parity_per_day: Probability = doc(
        0.002, "1/day", "Daily collapse hazard when ISIS strength equals what the ISF contain."
    )
    steepness: Positive = doc(3.0, "-", "How sharply the hazard rises with the imbalance.")
    territory_share: Probability = doc(
        0.33, "share", "Share of Iraq ISIS takes in a collapse (about a third in 2014)."
    )
    readiness_loss: Probability = doc(
        0.3, "share", "Share of ISF readiness lost in a collapse (4 of 14 divisions dissolved in 2014)."
    )
    isis_boost: NonNegative = doc(
        1.0,
        "share",
        "Relative jump in ISIS strength from captured arms and recruits (the 2014 pool grew "
        "2-3 times within three months of Mosul).",
    )
    mobilisation: NonNegative = doc(
        0.35,
        "capability",
        "Forces the state mobilises after a collapse (the Popular Mobilisation of 2014), in "
        "units of ISF capability.",
    )
    mobilisation_days: Positive = doc(120.0, "days", "Time constant of the mobilisation after a collapse.")
    retake_per_day: NonNegative = doc(
        0.0012,
        "share/day",
        "Share of Iraq retaken per day when the forces fighting ISIS fully outmatch it "
        "(x = 0); proportional to 1 - x while x < 1.",
    )


# ------------------------------------------------------------------------- rules


class Accelerate(Model):
    """Once its conditions hold, the rest of every schedule runs ``factor`` times faster."""

    action: Literal["accelerate"]
    name: str = doc("accelerate", "-", "Label used in outputs.")
    when: When = needed("-", "Conditions that fire the rule (once).")
    factor: Annotated[float | Distribution, Range(1.0, strict_low=True)] = doc(
        2.0, "x", "Speed-up of the remaining schedule."
    )


class Pause(Model):
    """While its conditions hold, every schedule stands still (deadlines move with it)."""

    action: Literal["pause"]
    name: str = doc("pause", "-", "Label used in outputs.")
    when: When = needed("-", "Conditions under which schedules pause.")


class Redeploy(Model):
    """After a collapse (or when conditions hold), troops return after a delay.

    The element's remaining schedule is abandoned and it ramps to ``troops``.
    """

    action: Literal["redeploy"]
    name: str = doc("redeploy", "-", "Label used in outputs.")
    on: Literal["collapse"] | None = doc(None, "-", "Fire on a collapse.")
    when: When | None = doc(None, "-", "Or fire when these conditions hold.")
    force: str = needed("-", "Key of the force element that returns.")
    troops: Troops = needed("troops", "Level it returns to.")
    delay_days: NonNegative = doc(60.0, "days", "Time from the trigger to the start of the return.")
    ramp_days: NonNegative = doc(90.0, "days", "Length of the return ramp.")

    @model_validator(mode="after")
    def _trigger(self) -> Redeploy:
        if (self.on is None) == (self.when is None):
            raise ValueError("expected exactly one of 'on: collapse' or 'when'")
        return self


Rule = Annotated[Accelerate | Pause | Redeploy, Field(discriminator="action")]


# ------------------------------------------------------------------- correlations


class Correlation(Model):
    """Two uncertain parameters drawn together.

    Their draws are tied by a Gaussian copula with correlation ``rho`` (each keeps its own
    distribution).
    """

    between: tuple[str, str] = needed(
        "-", "Dotted paths of two parameters written as distributions in this scenario."
    )
    rho: float = needed("-", "Correlation of the two draws' normal scores, -0.95 to 0.95.", ge=-0.95, le=0.95)


# --------------------------------------------------------------------- posterior


class Posterior(Model):
    """Parameters drawn jointly from the particles of a fit (a posterior file).

    Each trial picks one particle, with probability proportional to its weight, and
    sets every named parameter to that particle's values, so the correlations the
    fit found are kept. A named parameter takes its values from the file whatever
    the posterior's own file and its parents write for it (a number or a distribution),
    except a value set explicitly, which always wins (``exclude``): with ``--set`` or a
    load's overrides, or written by a scenario that extends the file holding the section. The file format is in
    docs/model.md, section 8.
    """

    file: str = needed(
        "-",
        "Path of the posterior file (JSON), relative to the scenario file that writes this line. "
        "Once loaded, the path is made absolute.",
        min_length=1,
        max_length=4096,
    )
    parameters: list[str] | None = doc(
        None,
        "-",
        "Dotted paths of the parameters to take from the file (default: every parameter in it).",
        min_length=1,
        max_length=1000,
    )
    exclude: list[str] = doc(
        [],
        "-",
        "Dotted paths of parameters of the file not to take (or sections: every parameter under "
        "them): the scenario's own value stands. "
        "Every path set with --set (or a load's overrides) is added here, so an explicit value "
        "always wins over the posterior.",
        max_length=1000,
    )
    _read: PosteriorFile | None = PrivateAttr(default=None)

    @property
    def data(self) -> PosteriorFile | None:
        """The file as read and checked when the scenario was validated, or ``None`` before.

        A :class:`sim.scenario.posterior.PosteriorFile`.
        """
        return self._read

    @property
    def paths(self) -> tuple[str, ...]:
        """The parameters this scenario takes from the file, in the file's order."""
        if self._read is None:
            return tuple(self.parameters or ())
        named = set(self._read.parameters if self.parameters is None else self.parameters)
        return tuple(p for p in self._read.parameters if p in named and not self.excludes(p))

    def excludes(self, path: str) -> bool:
        """Whether ``path`` is set aside: named in ``exclude``, or under a path named there."""
        return any(path == e or path.startswith(e + ".") for e in self.exclude)

    @property
    def provenance(self) -> dict[str, Any]:
        """The file's keys other than particles and weights (method, facts, seed, created ...)."""
        return dict(self._read.provenance) if self._read is not None else {}


# ------------------------------------------------------------------ run settings


class MonteCarlo(Model):
    """How many trials to run and with which seed."""

    trials: int = doc(1000, "trials", "Trials per run.", ge=1, le=MAX_TRIALS)
    seed: int = doc(20240125, "-", "Seed of the run; same seed, same results.", ge=0, lt=2**63)


class Outputs(Model):
    """What a command-line run writes."""

    folder: str = doc("results", "-", "Folder (relative to the working directory) for results.")
    plots: bool = doc(True, "-", "Save figures with the results.")
    plot_format: Literal["png", "svg", "pdf"] = doc("png", "-", "File format of saved figures.")
    keep_events: bool = doc(False, "-", "Keep every trial's event log (larger results).")


# ---------------------------------------------------------------------- scenario


class Scenario(Model):
    """One complete scenario: the world at the start, the schedules, the mechanisms."""

    format: int = doc(
        FORMAT,
        "-",
        "Scenario format: 2 for Model 2.0. A file of the first model (format 1) is refused, "
        "naming the keys that changed meaning (docs/model.md, 'Format 2').",
    )
    name: str = needed("-", "Short name, used in outputs and file names.", min_length=1, max_length=80)
    description: str = doc("", "-", "What question the scenario answers.")
    extends: str | None = doc(
        None, "-", "Path (relative to this file) of a scenario this one inherits and overrides."
    )
    start: dt.date = doc(dt.date(2024, 1, 1), "date", "Day 0 of the simulation.")
    horizon_days: int | None = doc(
        None, "days", "Days simulated (default 730 unless `end` is given).", ge=1, le=MAX_HORIZON_DAYS
    )
    end: dt.date | None = doc(
        None,
        "date",
        "When the run stops, instead of `horizon_days`: the horizon is `end - start` days, so "
        "the last whole day simulated is the day before `end`.",
    )
    bases: dict[str, Base] = needed("-", "Bases by key.", min_length=1, max_length=50)
    forces: dict[str, ForceElement] = needed("-", "Force elements by key.", min_length=1, max_length=100)
    region_schedules: dict[Literal[REGIONS], list[RegionWaypoint]] = doc(  # type: ignore[valid-type]
        {},
        "-",
        "Troop targets by region (federal_iraq, kurdistan, syria), resolved into waypoints of "
        "the region's elements when the scenario loads (see below); empty once resolved.",
    )
    militia: Militia = doc(Militia(), "-", "Militia attack model.")
    retaliation: Retaliation = doc(Retaliation(), "-", "Retaliation policy.")
    tension: Tension = doc(Tension(), "-", "Militia tension and its schedule.")
    pressure: Pressure = doc(Pressure(), "-", "Political pressure to expel the coalition.")
    isf: ISF = doc(ISF(), "-", "ISF readiness and capability.")
    isis: ISIS = doc(ISIS(), "-", "ISIS strength and attacks.")
    collapse: Collapse = doc(Collapse(), "-", "Collapse hazard, effects and territory.")
    rules: list[Rule] = doc([], "-", "Policy rules: accelerate, pause, redeploy.", max_length=50)
    correlations: list[Correlation] = doc(
        [], "-", "Pairs of uncertain parameters drawn together, where evidence ties them.", max_length=100
    )
    posterior: Posterior | None = doc(
        None,
        "-",
        "Parameters drawn jointly from a fit's posterior file, one particle per trial; they "
        "override what the scenario writes for them.",
    )
    monte_carlo: MonteCarlo = doc(MonteCarlo(), "-", "Trials and seed.")
    outputs: Outputs = doc(Outputs(), "-", "What the command line writes.")

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        """Checks across fields, all of them, each placed at the field it is about."""
        found: list[tuple[tuple[str | int, ...], str]] = []
        if self.format != FORMAT:
            found.append(
                (
                    ("format",),
                    f"expected format {FORMAT} (Model 2.0), found {self.format}: a file written for "
                    f"another model; see docs/model.md, 'Format 2', for what changed",
                )
            )
        if self.horizon_days is not None and self.end is not None:
            found.append((("end",), "expected one of 'horizon_days' or 'end', found both"))
        if self.end is not None:
            days = (self.end - self.start).days
            if not 1 <= days <= MAX_HORIZON_DAYS:
                found.append(
                    (
                        ("end",),
                        f"expected a date 1 to {MAX_HORIZON_DAYS} days after 'start' ({self.start}), "
                        f"found {self.end} ({days} days)",
                    )
                )
        for key, force in self.forces.items():
            if force.base not in self.bases:
                found.append(
                    (
                        ("forces", key, "base"),
                        f"expected one of the bases ({', '.join(self.bases)}), found {force.base!r}",
                    )
                )
            moments = [(i, w.at) for i, w in enumerate(force.schedule) if w.at is not None]
            found += _check_order(("forces", key, "schedule"), moments, self.start)
        moments = list(enumerate(p.at for p in self.tension.schedule))
        found += _check_order(("tension", "schedule"), moments, self.start)
        for i, episode in enumerate(self.tension.regional):
            first, last = self.day_of(episode.start), self.day_of(episode.end)
            if last is not None and high_value(last) < low_value(first):
                found.append(
                    (
                        ("tension", "regional", i, "end"),
                        f"expected an end on or after the episode's start ({episode.start}), "
                        f"found {episode.end}",
                    )
                )
        moments = list(enumerate(p.at for p in self.isis.sanctuary_schedule))
        found += _check_order(("isis", "sanctuary_schedule"), moments, self.start)
        for i, rule in enumerate(self.rules):
            if isinstance(rule, Redeploy) and rule.force not in self.forces:
                found.append(
                    (
                        ("rules", i, "force"),
                        f"expected one of the forces ({', '.join(self.forces)}), found {rule.force!r}",
                    )
                )
        found += _check_posterior(self)
        found += _check_correlations(self)
        if found:
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(type=PydanticCustomError("cross_field", message), loc=loc, input=None)
                    for loc, message in found
                ],
            )
        return self

    @property
    def days(self) -> int:
        """Number of days simulated (the horizon)."""
        if self.end is not None:
            return (self.end - self.start).days
        return self.horizon_days if self.horizon_days is not None else 730

    def day_of(self, when: Any) -> Any:
        """A date as a day offset from ``start``; a number or distribution as it is."""
        if isinstance(when, dt.date):
            return float((when - self.start).days)
        return when

    def _repr_html_(self) -> str:
        """Bases, forces and schedules, and uncertain inputs as tables, for Jupyter."""
        from sim.scenario.display import scenario_html

        return scenario_html(self)


def _check_order(
    where: tuple[str, ...], moments: list[tuple[int, Any]], start: dt.date
) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems of a schedule whose points (index, moment) are certainly out of time order."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    previous_low, previous = -math.inf, None
    for i, moment in moments:
        if isinstance(moment, dt.date):
            low = high = float((moment - start).days)
            if low < 0:
                found.append(
                    ((*where, i, "at"), f"expected a date on or after the start {start}, found {moment}")
                )
        else:
            low, high = low_value(moment), high_value(moment)
        if high < previous_low:
            found.append(
                ((*where, i, "at"), f"expected points in time order, found point {i} before point {previous}")
            )
        previous_low, previous = max(previous_low, low), i
    return found


def _check_posterior(scenario: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems of the ``posterior`` section and its file (see :mod:`sim.scenario.posterior`)."""
    if scenario.posterior is None:
        return []
    from sim.scenario.posterior_checks import check_section

    return check_section(scenario)


def _check_correlations(scenario: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems of the ``correlations``.

    Unknown or fixed parameters, parameters drawn from the posterior, repeated pairs, and
    a set of correlations no joint distribution can have (not positive definite).
    """
    if not scenario.correlations:
        return []
    from sim.scenario.sampling import correlation_matrix, uncertain_parameters, value_at

    uncertain = uncertain_parameters(scenario)
    joint = set(scenario.posterior.paths) if scenario.posterior is not None else set()
    found: list[tuple[tuple[str | int, ...], str]] = []
    seen: set[frozenset[str]] = set()
    for i, pair in enumerate(scenario.correlations):
        for path in pair.between:
            if path in joint:
                found.append(
                    (
                        ("correlations", i, "between"),
                        f"expected parameters not drawn from the posterior, found {path!r}: the "
                        f"posterior file carries its own dependence between its parameters (drop "
                        f"this pair, or leave {path} out of posterior.parameters)",
                    )
                )
                continue
            # A parameter written as a number (an override may fix one) leaves its pair
            # inactive; a path that names no numeric parameter is a mistake.
            if path not in uncertain and not isinstance(value_at(scenario, path), float):
                found.append(
                    (
                        ("correlations", i, "between"),
                        f"expected the path of a numeric parameter of this scenario, found {path!r}",
                    )
                )
        key = frozenset(pair.between)
        if len(key) < 2 or key in seen:
            found.append((("correlations", i, "between"), "expected two different paths, each pair once"))
        seen.add(key)
    active = [pair for pair in scenario.correlations if set(pair.between) <= uncertain.keys()]
    if not found:
        for paths, matrix in correlation_matrix(active):
            if min(np.linalg.eigvalsh(matrix)) <= 1e-9:
                found.append(
                    (
                        ("correlations",),
                        f"expected correlations that a joint distribution can have, found a set that "
                        f"is not positive definite among {', '.join(paths)}",
                    )
                )
    return found
