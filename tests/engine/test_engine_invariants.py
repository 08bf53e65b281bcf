"""Invariants over random valid scenarios (property-based, with hypothesis).

Scenarios are built as dicts -- random bases, force elements, schedules, rules and
parameters anywhere in their valid ranges -- and validated by the schema, so that
every example is a scenario a user could write. Hypothesis is derandomized: the same
examples run every time, so the tests cannot flake.
"""

from __future__ import annotations

import math
import struct
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine import EVENT_KINDS, SERIES, simulate_trial
from sim.engine.result import EVENT_DTYPE, WEAPONS
from sim.engine.series import COUNTS, DAILY, TROOP_TOTALS
from sim.engine.targeting import bases_of, pick, running_totals
from sim.engine.trial import _EVENT_CODES, _event_array
from sim.scenario.schema import METRICS, REGIONS, Scenario

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def unit(low: float = 0.0, high: float = 1.0):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def shares(draw, n: int, total: float = 1.0) -> list[float]:
    """``n`` non-negative numbers summing to at most ``total``."""
    raw = [draw(unit(0.0, 1.0)) for _ in range(n + 1)]
    s = sum(raw) or 1.0
    return [math.floor(1e6 * total * x / s) / 1e6 for x in raw[:n]]  # rounded down: sum <= total


@st.composite
def when(draw) -> dict:
    metric_values = {
        "readiness": unit(),
        "capability": unit(),
        "isis_strength": unit(0, 20000),
        "territory": unit(),
        "tension": unit(0, 3),
        "pressure": unit(0, 3),
        "troops": unit(0, 5000),
        "attacks_30d": unit(0, 60),
    }
    conditions = []
    for _ in range(draw(st.integers(1, 2))):
        metric = draw(st.sampled_from(METRICS))
        conditions.append(
            {
                "metric": metric,
                "op": draw(st.sampled_from([">=", ">", "<=", "<"])),
                "value": draw(metric_values[metric]),
                "for_days": draw(st.integers(1, 20)),
            }
        )
    return {draw(st.sampled_from(["all", "any"])): conditions}


@st.composite
def waypoints(draw, horizon: int, calendar_only: bool) -> list[dict]:
    count = draw(st.integers(0, 4))
    moments = sorted(draw(unit(0, horizon + 10)) for _ in range(count))
    schedule = []
    for moment in moments:
        point = {"troops": draw(unit(0, 3000)), "ramp_days": draw(st.sampled_from([0.0, draw(unit(0, 60))]))}
        if calendar_only or draw(st.booleans()):
            point["at"] = moment
        else:
            point["when"] = draw(when())
            if draw(st.booleans()):
                point["not_before"] = draw(unit(0, horizon))
            if draw(st.booleans()):
                point["deadline"] = draw(unit(0, horizon + 10))
        schedule.append(point)
    return schedule


def episode(draw, low: float, high: float) -> dict:
    return {
        "probability": draw(unit()),
        "factor": draw(unit(low, high)),
        "recovery_days": draw(unit(0.5, 60)),
    }


def casualties(draw) -> dict:
    return {
        "wounded_mean": draw(unit(0, 8)),
        "killed_mean": draw(unit(0, 1)),
        "dispersion": draw(unit(0.05, 5)),
    }


@st.composite
def scenarios(draw, calendar_only: bool = False, with_rules: bool = True) -> Scenario:
    horizon = draw(st.integers(1, 150))
    bases = {
        f"base{i}": {
            "region": draw(st.sampled_from(REGIONS)),
            "hardening": draw(unit()),
            "air_defence": {weapon: draw(unit()) for weapon in WEAPONS},
        }
        for i in range(draw(st.integers(1, 4)))
    }
    forces = {}
    for i in range(draw(st.integers(1, 5))):
        trainers, enablers, protection = draw(shares(3))
        forces[f"force{i}"] = {
            "base": draw(st.sampled_from(sorted(bases))),
            "troops": draw(st.sampled_from([0.0, draw(unit(0, 3000))])),
            "bilateral": draw(st.booleans()),
            "roles": {"trainers": trainers, "enablers": enablers, "protection": protection},
            "schedule": draw(waypoints(horizon, calendar_only)),
        }
    rocket, drone = draw(shares(2))
    tension_points = sorted(draw(unit(0, horizon + 5)) for _ in range(draw(st.integers(0, 3))))
    data = {
        "name": "random",
        "start": "2024-01-25",
        "horizon_days": horizon,
        "bases": bases,
        "forces": forces,
        "militia": {
            "attack_rate_per_day": draw(unit(0, 6)),
            "reference_troops": draw(unit(100, 5000)),
            "troop_elasticity": draw(unit(0, 2)),
            "branching_ratio": draw(unit(0, 0.9)),
            "decay_days": draw(unit(0.1, 20)),
            "weapon_mix": {
                "rocket": rocket,
                "drone": drone,
                "ballistic_missile": round(1 - rocket - drone, 6),
            },
            "casualties": {weapon: casualties(draw) for weapon in WEAPONS},
        },
        "retaliation": {
            "enabled": draw(st.booleans()),
            "attacks_per_strike": draw(unit(1, 30)),
            "strike_after_deaths": draw(st.booleans()),
            "delay_days": draw(unit(0, 10)),
            "min_gap_days": draw(unit(0, 20)),
            "share_in_iraq": draw(unit()),
            "deterrence": episode(draw, 0, 1),
            "major_deterrence_probability": draw(unit()),
            "escalation": episode(draw, 1, 4),
        },
        "tension": {
            "initial": draw(unit(0, 3)),
            "schedule": [{"at": at, "level": draw(unit(0, 3))} for at in tension_points],
            "cap": draw(unit(0.1, 10)),
        },
        "pressure": {
            "initial": draw(unit(0, 2)),
            "per_strike_in_iraq": draw(unit(0, 1)),
            "per_coalition_death": draw(unit(0, 1)),
            "half_life_days": draw(unit(1, 500)),
        },
        "isf": {
            "readiness": draw(unit()),
            "training_gain_per_day": draw(unit(0, 0.05)),
            "trainers_half_saturation": draw(unit(1, 1000)),
            "relaxation_per_day": draw(unit(0, 0.05)),
            "self_sustained": draw(unit()),
            "self_sustained_trend_per_year": draw(unit(-1, 1)),
            "kurdistan_trainer_weight": draw(unit()),
            "enabler_dependence": draw(unit()),
            "dependence_floor": draw(unit()),
            "dependence_adaptation_days": draw(unit(1, 3000)),
            "enabler_lag_days": draw(unit(0.5, 500)),
            "reference_enablers": draw(unit(1, 3000)),
            "readiness_loss_per_isis_attack": draw(unit(0, 0.05)),
        },
        "isis": {
            "strength": draw(st.sampled_from([0.0, draw(unit(0, 30000))])),
            "growth_per_day": draw(unit(0, 0.05)),
            "capacity": draw(unit(10, 50000)),
            "isf_attrition_per_day": draw(unit(0, 0.05)),
            "strike_attrition_per_day": draw(unit(0, 0.05)),
            "sanctuary": draw(unit()),
            "sanctuary_growth": draw(unit(0, 3)),
            "territory_growth": draw(unit(0, 5)),
            "max_enabler_share": draw(unit(1, 5)),
            "guarded_breakouts_per_year": draw(unit(0, 30)),
            "unguarded_breakouts_per_year": draw(unit(0, 30)),
            "breakout_fighters": draw(unit(0, 3000)),
            "guards_collapse": draw(st.sampled_from([None, draw(unit(0, 200))])),
            "attacks_per_fighter_at_parity_per_day": draw(unit(0, 0.01)),
            "tempo_elasticity": draw(unit(0, 2)),
            "civilians_killed_per_attack": draw(unit(0, 10)),
            "isf_killed_per_attack": draw(unit(0, 5)),
            "deaths_dispersion": draw(unit(0.05, 5)),
        },
        "collapse": {
            "contained_fighters": draw(unit(10, 30000)),
            "hazard_at_parity_per_day": draw(unit()),
            "steepness": draw(unit(0.1, 8)),
            "territory_share": draw(unit()),
            "readiness_loss": draw(unit()),
            "isis_boost": draw(unit(0, 2)),
            "mobilisation": draw(unit(0, 1)),
            "mobilisation_days": draw(unit(1, 500)),
            "retake_per_day": draw(unit(0, 0.1)),
        },
    }
    if with_rules:
        rules = []
        for i in range(draw(st.integers(0, 3))):
            action = draw(st.sampled_from(["accelerate", "pause", "redeploy"]))
            rule = {"action": action, "name": f"rule{i}"}
            if action == "accelerate":
                rule.update(when=draw(when()), factor=draw(unit(1.01, 5)))
            elif action == "pause":
                rule.update(when=draw(when()))
            else:
                trigger = {"on": "collapse"} if draw(st.booleans()) else {"when": draw(when())}
                rule.update(
                    trigger,
                    force=draw(st.sampled_from(sorted(forces))),
                    troops=draw(unit(0, 4000)),
                    delay_days=draw(unit(0, 60)),
                    ramp_days=draw(unit(0, 60)),
                )
            rules.append(rule)
        data["rules"] = rules
    return Scenario.model_validate(data)


def scheduled_troops(force, days: int) -> np.ndarray:
    """The troop path of one element's calendar schedule, computed independently of the engine.

    Waypoints are taken in order; each starts at the first whole day at or after its
    ``at`` (and not before the previous one started) and ramps from the level of that
    day to its own level over ``ramp_days``.
    """
    segments = []  # (start day, from level, ramp days, to level)
    level_now = float(force.troops)

    def level(day: float) -> float:
        for start, low, ramp, high in reversed(segments):
            if day >= start:
                if ramp == 0.0 or day >= start + ramp:
                    return high
                return low + (high - low) * (day - start) / ramp
        return level_now

    previous = 0
    for point in force.schedule:
        start = max(previous, math.ceil(float(point.at)))
        if start > days:
            break
        segments.append((start, level(start), float(point.ramp_days), float(point.troops)))
        previous = start
    return np.array([level(day) for day in range(days + 1)])


@pytest.mark.slow
@SETTINGS
@given(scenarios(calendar_only=True, with_rules=False), st.integers(0, 2**32))
def test_troops_follow_the_calendar_schedule_exactly_when_no_rule_fires(scenario, seed):
    result = simulate_trial(scenario, seed)
    total = np.zeros(scenario.days + 1)
    for key, force in scenario.forces.items():
        expected = scheduled_troops(force, scenario.days)
        np.testing.assert_allclose(result.series_of(f"troops:{key}"), expected, rtol=1e-12, atol=1e-9)
        total += expected
    np.testing.assert_allclose(result.series_of("troops"), total, rtol=1e-12, atol=1e-8)


@pytest.mark.slow
@SETTINGS
@given(scenarios(), st.integers(0, 2**32))
def test_state_stays_in_range_and_counters_never_decrease(scenario, seed):
    result = simulate_trial(scenario, seed)
    troops = result.series[[name.startswith("troops") for name in result.series_names]]
    assert np.all(troops >= 0.0)
    for name in ("readiness", "capability", "territory"):
        series = result.series_of(name)
        assert np.all((series >= 0.0) & (series <= 1.0)), name
    assert np.all(result.series_of("capability") <= result.series_of("readiness") + 1e-15)
    for name in ("isis_strength", "tension", "pressure", "trainers", "enablers"):
        assert np.all(result.series_of(name) >= 0.0), name
    assert np.all(result.series_of("tension") <= float(scenario.tension.cap))
    for name in ("attacks", "wounded", "killed", "strikes", "isis_attacks"):
        assert np.all(np.diff(result.series_of(name)) >= 0), name
    assert result.series.shape == (len(result.series_names), scenario.days + 1)
    assert np.all(np.isfinite(result.series))


@pytest.mark.slow
@SETTINGS
@given(scenarios(), st.integers(0, 2**32))
def test_event_log_outcomes_and_series_agree(scenario, seed):
    result = simulate_trial(scenario, seed)
    events, outcomes = result.events, result.outcomes
    days = scenario.days
    assert np.all(np.diff(events["day"]) >= 0)
    assert np.all((events["day"] >= 0) & (events["day"] <= days))
    counts = {kind: int(np.sum(events["kind"] == code)) for code, kind in enumerate(EVENT_KINDS)}
    attacks = result.events_of("attack")
    assert outcomes["militia_attacks"] == counts["attack"]
    assert outcomes["interceptions"] == np.sum(attacks["intercepted"])
    assert outcomes["wounded"] == attacks["wounded"].sum()
    assert outcomes["killed"] == attacks["killed"].sum()
    assert not np.any(attacks["intercepted"] & ((attacks["wounded"] > 0) | (attacks["killed"] > 0)))
    for outcome, kind in (
        ("strikes", "strike"),
        ("isis_attacks", "isis_attack"),
        ("breakouts", "breakout"),
        ("deterrence_episodes", "deterrence"),
        ("escalation_episodes", "escalation"),
    ):
        assert outcomes[outcome] == counts[kind], outcome
    for i, key in enumerate(scenario.bases):
        assert outcomes[f"attacks_at:{key}"] == np.sum(attacks["base"] == i)
    for i, weapon in enumerate(WEAPONS):
        assert outcomes[f"attacks_by:{weapon}"] == np.sum(attacks["weapon"] == i)
    assert sum(outcomes[f"attacks_by:{w}"] for w in WEAPONS) == outcomes["militia_attacks"]

    # Series end values are the outcomes.
    end = {name: result.series_of(name)[-1] for name in result.series_names}
    assert end["attacks"] == outcomes["militia_attacks"]
    assert end["wounded"] == outcomes["wounded"]
    assert end["killed"] == outcomes["killed"]
    assert end["strikes"] == outcomes["strikes"]
    assert end["isis_attacks"] == outcomes["isis_attacks"]
    for name in ("readiness", "capability", "isis_strength", "territory"):
        assert end[name] == outcomes[f"final_{name}"], name
    assert outcomes["peak_isis_strength"] == result.series_of("isis_strength").max()
    assert outcomes["peak_territory"] == result.series_of("territory").max()
    assert outcomes["min_capability"] == result.series_of("capability").min()
    assert outcomes["troop_days"] == result.series_of("troops")[:-1].sum()

    # A collapse is one event on its day; territory is taken only by it.
    collapses = result.events_of("collapse")
    assert len(collapses) == outcomes["collapse"] <= 1
    if collapses.size:
        assert outcomes["collapse_day"] == collapses["day"][0]
    else:
        assert math.isnan(outcomes["collapse_day"])
        assert outcomes["peak_territory"] == 0.0

    # Militia attacks hit only manned bases, and only while troops are present.
    base_of = [list(scenario.bases).index(force.base) for force in scenario.forces.values()]
    element_troops = np.array([result.series_of(f"troops:{key}") for key in scenario.forces])
    for time, base in zip(attacks["day"], attacks["base"], strict=True):
        day = int(math.floor(time))
        assert sum(element_troops[i, day] for i, b in enumerate(base_of) if b == base) > 0.0

    # The exit day is the first day with no coalition troops in Iraq.
    coalition = [
        not force.bilateral and scenario.bases[force.base].region != "syria"
        for force in scenario.forces.values()
    ]
    in_iraq = element_troops[coalition].sum(axis=0) if any(coalition) else np.zeros(days + 1)
    out = np.flatnonzero(in_iraq <= 0.0)
    if out.size:
        assert outcomes["exit_day"] == out[0]
    else:
        assert math.isnan(outcomes["exit_day"])
    assert result.n_events >= days


def test_the_recorded_series_come_in_the_order_of_series():
    assert SERIES == TROOP_TOTALS + DAILY + COUNTS


def test_the_event_log_is_packed_in_the_layout_of_event_dtype():
    assert struct.calcsize("=" + _EVENT_CODES) == EVENT_DTYPE.itemsize
    log = [2.5, 0, 3, 1, True, 4, 1, 0.0, 1.0, 1, 0, -1, False, 0, 0, 1.0]
    events = _event_array(np.zeros(0, dtype=EVENT_DTYPE), log)
    assert events["day"].tolist() == [1.0, 2.5]
    assert events["kind"].tolist() == [1, 0]
    assert events[1]["base"] == 3
    assert events[1]["intercepted"]
    assert events[1]["wounded"] == 4
    assert events[0]["weapon"] == -1
    assert events[0]["value"] == 1.0
    # Mechanisms' own arrays are merged in, in time order; at equal times the parts
    # keep the order they are given in.
    attacks = np.zeros(2, dtype=EVENT_DTYPE)
    attacks["day"], attacks["kind"] = [0.5, 1.0], 4
    merged = _event_array(attacks, log)
    assert merged["day"].tolist() == [0.5, 1.0, 1.0, 2.5]
    assert merged["kind"].tolist() == [4, 4, 1, 0]
    assert _event_array(log, attacks)["kind"].tolist() == [4, 1, 4, 0]


@settings(max_examples=200, deadline=None)
@given(
    days=st.lists(
        st.lists(st.sampled_from([0.0, 0.0, 1.0, 3.5, 1e-9, 250.0, 1e6]), min_size=1, max_size=5),
        min_size=1,
        max_size=4,
    ).filter(lambda rows: len({len(r) for r in rows}) == 1 and all(any(r) for r in rows)),
    draws=st.lists(
        st.tuples(st.floats(0.0, 3.999), st.floats(0.0, 1.0, exclude_max=True) | st.just(1.0 - 2**-53)),
        min_size=1,
        max_size=30,
    ),
)
@pytest.mark.slow
def test_the_bases_worked_out_at_the_end_are_those_the_run_picks(days, draws):
    # During the run an attack's base is found by bisecting the manned bases' running
    # totals (targeting.pick); at the end, for all attacks at once, by counting
    # totals over every base (targeting.bases_of). They must agree to the base, zero-troop
    # bases and draws at the very top included.
    world = SimpleNamespace(troop_days=list(range(len(days))), troop_bases=[x for day in days for x in day])
    times, u_base, expected = [], [], []
    for at, u in draws:
        when = at % len(days)  # a time within the days given
        troops = days[int(when)]
        world.target_cumulative, world.target_bases, world.target_total = running_totals(troops)
        times.append(when)
        u_base.append(u)
        expected.append(pick(world, u))
    found = bases_of(np.array(times), np.array(u_base), world.troop_days, world.troop_bases)
    assert found.tolist() == expected
