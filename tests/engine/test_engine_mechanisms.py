"""Each mechanism does what docs/model.md says: schedules, conditions, rules, retaliation,
tension, pressure, breaks, collapse and territory, and the day step's formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_scenarios import constant_imbalance, poisson_militia, quiet

from sim.engine import simulate_trial

# Pressure halves every 10 days from 1.0 with nothing else going on, so conditions on
# it hold from a day known in advance: pressure < 0.45 from day 12 on (2^-1.15 = 0.45).
FALLING_PRESSURE = {"initial": 1.0, "half_life_days": 10.0}
BELOW = {"all": [{"metric": "pressure", "op": "<", "value": 0.45}]}
FIRST_DAY_BELOW = 12


def pressure_on(day: int) -> float:
    return 1.0 * math.exp(-math.log(2.0) / 10.0) ** day


def test_pressure_falls_below_the_threshold_on_the_day_the_tests_assume():
    assert pressure_on(FIRST_DAY_BELOW - 1) > 0.46
    assert pressure_on(FIRST_DAY_BELOW) < 0.44
    result = simulate_trial(quiet(pressure=FALLING_PRESSURE, horizon_days=40), 0)
    np.testing.assert_allclose(result.series_of("pressure"), [pressure_on(d) for d in range(41)], rtol=1e-12)


def troops_of(result, element: str = "f") -> np.ndarray:
    return result.series_of(f"troops:{element}")


# --------------------------------------------------------------------- schedules


def test_calendar_waypoints_by_date_and_day_give_exactly_the_scheduled_steps_and_ramps():
    schedule = [
        {"at": 20, "troops": 800},  # a step on day 20
        {"at": "2024-03-01", "troops": 400, "ramp_days": 10},  # day 60, a ramp to day 70
        {"at": 100.5, "troops": 0, "ramp_days": 4.5},  # first day step at or after 100.5
    ]
    scenario = quiet(
        horizon_days=150,
        forces={
            "f": {
                "base": "a",
                "troops": 1000,
                "roles": {"trainers": 0.2, "enablers": 0.3},
                "schedule": schedule,
            }
        },
    )
    result = simulate_trial(scenario, 0)
    days = np.arange(151, dtype=float)
    expected = np.select(
        [days < 20, days < 60, days <= 70, days < 101, days < 105.5],
        [1000.0, 800.0, 800.0 - 400.0 * (days - 60) / 10, 400.0, 400.0 - 400.0 * (days - 101) / 4.5],
        0.0,
    )
    np.testing.assert_allclose(troops_of(result), expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.series_of("troops"), expected, atol=1e-9)
    np.testing.assert_allclose(result.series_of("trainers"), 0.2 * expected, atol=1e-9)
    np.testing.assert_allclose(result.series_of("enablers"), 0.3 * expected, atol=1e-9)
    waypoints = result.events_of("waypoint")
    assert waypoints["day"].tolist() == [20.0, 60.0, 101.0]
    assert waypoints["value"].tolist() == [800.0, 400.0, 0.0]
    assert result.outcomes["exit_day"] == 106.0
    assert result.outcomes["troop_days"] == pytest.approx(expected[:-1].sum())


def test_a_waypoint_that_interrupts_a_ramp_starts_from_the_level_of_that_day():
    schedule = [{"at": 10, "troops": 0, "ramp_days": 20}, {"at": 20, "troops": 1000, "ramp_days": 10}]
    result = simulate_trial(
        quiet(horizon_days=40, forces={"f": {"base": "a", "troops": 1000, "schedule": schedule}}), 0
    )
    troops = troops_of(result)
    assert troops[20] == pytest.approx(500.0)  # halfway down when the second waypoint starts
    assert troops[25] == pytest.approx(750.0)
    assert troops[30:].tolist() == [1000.0] * 11


def conditional(when: dict, **extra) -> dict:
    return {"base": "a", "troops": 1000, "schedule": [{"when": when, "troops": 0, **extra}]}


@pytest.mark.parametrize(
    ("when", "extra", "start"),
    [
        # Holds from day 12; held for 5 days on day 16.
        ({"all": [{"metric": "pressure", "op": "<", "value": 0.45, "for_days": 5}]}, {}, FIRST_DAY_BELOW + 4),
        # Would start on day 12, but not before day 30.
        (BELOW, {"not_before": 30}, 30),
        # Never holds: starts at the deadline.
        ({"any": [{"metric": "pressure", "op": ">", "value": 5.0}]}, {"deadline": "2024-02-19"}, 49),
        # Holds at the start: starts on day 0.
        ({"any": [{"metric": "pressure", "op": "<=", "value": 2.0}]}, {}, 0),
        # Both must hold; the troop condition holds throughout.
        ({"all": [{"metric": "troops", "op": ">", "value": 10}, BELOW["all"][0]]}, {}, FIRST_DAY_BELOW),
    ],
)
def test_conditions_based_waypoints_wait_for_their_conditions_not_before_and_deadline(when, extra, start):
    scenario = quiet(horizon_days=60, pressure=FALLING_PRESSURE, forces={"f": conditional(when, **extra)})
    result = simulate_trial(scenario, 0)
    troops = troops_of(result)
    assert np.all(troops[:start] == 1000.0)
    assert np.all(troops[start:] == 0.0)
    assert result.events_of("waypoint")["day"].tolist() == [float(start)]


def test_a_condition_must_hold_on_consecutive_days():
    # The militia makes attacks_30d rise and fall; "attacks_30d >= 20 for 15 days" needs a run.
    when = {"all": [{"metric": "attacks_30d", "op": ">=", "value": 20, "for_days": 15}]}
    scenario = poisson_militia(
        1.0, horizon_days=200, forces={"f": conditional(when)}, militia={"reference_troops": 1000.0}
    )
    result = simulate_trial(scenario, 5)
    times = result.events_of("attack")["day"]
    attacks_30d = np.array([np.sum((times > d - 30) & (times <= d)) for d in range(201)])
    run = 0
    expected = None
    for day, value in enumerate(attacks_30d):
        run = run + 1 if value >= 20 else 0
        if run >= 15:
            expected = day
            break
    assert expected is not None
    assert result.events_of("waypoint")["day"].tolist() == [float(expected)]


def held_below(days: int) -> dict:
    return {"all": [{"metric": "pressure", "op": "<", "value": 0.45, "for_days": days}]}


def test_conditions_count_only_days_on_or_after_not_before():
    # Pressure is below 0.45 from day 12, but only days from 30 on count: ten of them
    # end on day 39 (the first version fired on day 30, with days 12-29 counted).
    scenario = quiet(
        horizon_days=60,
        pressure=FALLING_PRESSURE,
        forces={"f": conditional(held_below(10), not_before=30)},
    )
    assert simulate_trial(scenario, 0).events_of("waypoint")["day"].tolist() == [39.0]


def test_conditions_count_only_days_after_their_waypoint_becomes_due():
    # The second waypoint becomes due when the first starts (day 20); its ten days
    # are days 21-30 although the condition has held since day 12.
    schedule = [{"at": 20, "troops": 500}, {"when": held_below(10), "troops": 0}]
    scenario = quiet(
        horizon_days=60,
        pressure=FALLING_PRESSURE,
        forces={"f": {"base": "a", "troops": 1000, "schedule": schedule}},
    )
    assert simulate_trial(scenario, 0).events_of("waypoint")["day"].tolist() == [20.0, 30.0]


@pytest.mark.parametrize(("firm", "expected"), [(True, [30.0]), (False, [])])
def test_a_firm_deadline_is_a_calendar_date_that_a_pause_does_not_move(firm, expected):
    never = {"any": [{"metric": "pressure", "op": ">", "value": 5.0}]}
    always = {"all": [{"metric": "pressure", "op": ">=", "value": 0.0}]}
    scenario = quiet(
        horizon_days=60,
        forces={"f": conditional(never, deadline=30, firm_deadline=firm, ramp_days=10)},
        rules=[{"action": "pause", "name": "hold", "when": always}],
    )
    result = simulate_trial(scenario, 0)
    assert result.events_of("waypoint")["day"].tolist() == expected
    # Its ramp runs on the calendar too: the pause does not hold it half-way.
    assert troops_of(result)[-1] == (0.0 if firm else 1000.0)
    assert troops_of(result)[35] == (500.0 if firm else 1000.0)


# ------------------------------------------------------------------------ rules


def test_accelerate_runs_the_rest_of_the_schedule_faster_from_the_day_it_fires():
    schedule = [{"at": 40, "troops": 0, "ramp_days": 10}]
    rules = [{"action": "accelerate", "name": "pressure", "when": BELOW, "factor": 2.0}]
    scenario = quiet(
        horizon_days=60,
        pressure=FALLING_PRESSURE,
        forces={"f": {"base": "a", "troops": 1000, "schedule": schedule}},
        rules=rules,
    )
    result = simulate_trial(scenario, 0)
    # Schedule time is the day until day 12, then runs two days per day: 40 is reached
    # on day 26, and the 10-day ramp takes 5 days.
    troops = troops_of(result)
    assert result.events_of("waypoint")["day"].tolist() == [26.0]
    assert troops[25] == 1000.0
    assert troops[26] == 1000.0
    assert troops[28] == pytest.approx(600.0)
    assert troops[31] == 0.0
    assert result.outcomes["rule:pressure"] == 1.0
    fired = result.events_of("rule")
    assert fired["day"].tolist() == [float(FIRST_DAY_BELOW)]
    assert fired["value"].tolist() == [2.0]


def test_pause_stops_the_schedule_while_its_conditions_hold():
    schedule = [{"at": 20, "troops": 0}]
    above = {"all": [{"metric": "pressure", "op": ">=", "value": 0.45}]}
    scenario = quiet(
        horizon_days=60,
        pressure=FALLING_PRESSURE,
        forces={"f": {"base": "a", "troops": 1000, "schedule": schedule}},
        rules=[{"action": "pause", "name": "hold", "when": above}],
    )
    result = simulate_trial(scenario, 0)
    # Paused at the day steps of days 0 to 11, so schedule time stands still through
    # day 12 and then runs again: day 20 of the schedule is calendar day 32.
    assert result.events_of("waypoint")["day"].tolist() == [32.0]
    assert result.events_of("rule")["day"].tolist() == [0.0]  # logged when a pause begins
    assert result.outcomes["rule:hold"] == 1.0


def test_a_rule_that_never_fires_is_reported_as_not_fired():
    never = {"all": [{"metric": "pressure", "op": ">", "value": 100.0}]}
    scenario = quiet(rules=[{"action": "accelerate", "name": "never", "when": never}])
    result = simulate_trial(scenario, 0)
    assert result.outcomes["rule:never"] == 0.0
    assert len(result.events_of("rule")) == 0


def test_redeploy_on_conditions_abandons_the_schedule_and_ramps_back_after_the_delay():
    schedule = [{"at": 5, "troops": 200}, {"at": 25, "troops": 0}]
    rule = {
        "action": "redeploy",
        "name": "back",
        "when": BELOW,
        "force": "f",
        "troops": 1500,
        "delay_days": 4.2,
        "ramp_days": 10,
    }
    scenario = quiet(
        horizon_days=60,
        pressure=FALLING_PRESSURE,
        forces={"f": {"base": "a", "troops": 1000, "schedule": schedule}},
        rules=[rule],
    )
    troops = troops_of(simulate_trial(scenario, 0))
    start = FIRST_DAY_BELOW + 5  # the delay rounded up to whole days
    assert np.all(troops[5 : start + 1] == 200.0)
    assert troops[start + 5] == pytest.approx(200.0 + 1300.0 * 0.5)
    assert np.all(troops[start + 10 :] == 1500.0)  # the waypoint on day 25 no longer applies


# -------------------------------------------------------------- collapse, territory


def certain_collapse(**changes):
    """ISIS far beyond what the ISF contain: the collapse comes at the first day step."""
    return quiet(
        horizon_days=80,
        isf={"readiness": 0.6, "training_gain_per_day": 0.0, "relaxation_per_day": 0.0},
        isis={
            "strength": 5000.0,
            "growth_per_day": 0.0,
            "isf_attrition_per_day": 0.0,
            "strike_attrition_per_day": 0.0,
        },
        collapse={
            "contained_fighters": 10.0,
            "hazard_at_parity_per_day": 1.0,
            "territory_share": 0.35,
            "readiness_loss": 0.4,
            "isis_boost": 0.5,
        },
        **changes,
    )


def test_a_collapse_moves_territory_cuts_readiness_boosts_isis_and_fires_redeploy_rules():
    rule = {
        "action": "redeploy",
        "name": "return",
        "on": "collapse",
        "force": "f",
        "troops": 3000,
        "delay_days": 30,
        "ramp_days": 10,
    }
    result = simulate_trial(certain_collapse(rules=[rule]), 0)
    assert result.outcomes["collapse"] == 1.0
    assert result.outcomes["collapse_day"] == 1.0
    assert result.series_of("territory")[0] == 0.0
    assert np.all(result.series_of("territory")[1:] == pytest.approx(0.35))  # x >= 1: no recovery
    assert result.series_of("readiness")[1] == pytest.approx(0.6 * 0.6)
    assert result.series_of("isis_strength")[1] == pytest.approx(7500.0)
    assert result.outcomes["peak_territory"] == pytest.approx(0.35)
    assert result.events_of("collapse")["day"].tolist() == [1.0]
    assert result.events_of("rule")["day"].tolist() == [1.0]
    assert result.outcomes["rule:return"] == 1.0
    troops = troops_of(result)
    assert np.all(troops[:32] == 1000.0)
    assert troops[36] == pytest.approx(2000.0)
    assert np.all(troops[41:] == 3000.0)


def test_territory_is_retaken_linearly_only_while_the_forces_fighting_isis_outmatch_it():
    x = 0.8  # after the collapse (no readiness loss, ISIS boost or mobilisation), constant
    retake = 0.002
    scenario = constant_imbalance(
        x,
        hazard=1.0,
        days=1000,
        steepness=0.01,  # h = x^0.01, about 1 a day: the collapse comes in the first days
        territory_share=0.3,
        readiness_loss=0.0,
        isis_boost=0.0,
        mobilisation=0.0,
        retake_per_day=retake,
    )
    result = simulate_trial(scenario, 1)
    day = int(result.outcomes["collapse_day"])
    territory = result.series_of("territory")
    days = np.arange(day, 1001)
    expected = np.maximum(0.0, 0.3 - retake * (1 - x) * (days - day))
    np.testing.assert_allclose(territory[day:], expected, rtol=1e-9, atol=1e-12)
    assert territory[-1] == 0.0
    assert np.all(territory[:day] == 0.0)
    # Above parity nothing is retaken.
    held = simulate_trial(
        constant_imbalance(
            1.25, hazard=1.0, days=100, steepness=0.01, readiness_loss=0.0, isis_boost=0.0, mobilisation=0.0
        ),
        1,
    ).series_of("territory")
    first = int(np.argmax(held > 0))
    assert np.all(held[first:] == held[first])


def test_after_a_collapse_the_state_mobilises_towards_its_level_with_the_stated_time_constant():
    level, tau = 0.4, 60.0
    scenario = constant_imbalance(
        2.0, hazard=1.0, days=400, steepness=0.01, mobilisation=level, mobilisation_days=tau
    )
    result = simulate_trial(scenario, 2)
    day = int(result.outcomes["collapse_day"])
    mobilised = result.series_of("mobilisation")
    assert np.all(mobilised[: day + 1] == 0.0)
    t = np.arange(1, 401 - day)
    np.testing.assert_allclose(mobilised[day + 1 :], level * (1 - np.exp(-t / tau)), rtol=1e-12)
    assert result.outcomes["peak_mobilisation"] == mobilised.max()


def test_no_collapse_when_the_hazard_is_zero_even_without_isf():
    scenario = quiet(horizon_days=300, isf={"readiness": 0.0}, isis={"strength": 10000.0})
    assert simulate_trial(scenario, 0).outcomes["collapse"] == 0.0


# ------------------------------------------------------------------- retaliation


def expected_strikes(attacks, per_strike: float, delay: float, gap: float, after_deaths: bool, horizon: int):
    """The retaliation policy of docs/model.md, replayed on a log of (time, killed)."""
    strikes, pending, since, last = [], None, 0, -math.inf
    for time, killed in attacks:
        if pending is not None and pending[0] <= time:  # done at its day step, before this attack
            strikes.append(pending)
            since, last, pending = 0, pending[0], None
        since += 1
        major = killed > 0 and after_deaths
        if pending is not None:
            if major:
                pending = (pending[0], True)
            continue
        if major or since >= per_strike:
            pending = (max(math.ceil(max(time + delay, last + gap)), math.floor(time) + 1), major)
    if pending is not None and pending[0] <= horizon:
        strikes.append(pending)
    return strikes


# Strikes that change nothing, whatever the schema's defaults are.
NO_EPISODES = {
    "deterrence": {"probability": 0.0},
    "escalation": {"probability": 0.0},
    "major_deterrence_probability": 0.0,
}


@pytest.mark.parametrize(("per_strike", "delay", "gap"), [(5, 2.0, 0.0), (5, 0.0, 10.0), (3, 1.5, 4.0)])
def test_strikes_follow_every_n_attacks_after_the_delay_and_keep_the_minimum_gap(per_strike, delay, gap):
    retaliation = {
        "enabled": True,
        "attacks_per_strike": per_strike,
        "delay_days": delay,
        "min_gap_days": gap,
        "strike_after_deaths": True,
        **NO_EPISODES,
    }
    scenario = poisson_militia(2.0, horizon_days=300, retaliation=retaliation)
    result = simulate_trial(scenario, 3)
    attacks = result.events_of("attack")
    strikes = result.events_of("strike")
    expected = expected_strikes(
        zip(attacks["day"], attacks["killed"], strict=True), per_strike, delay, gap, True, 300
    )
    assert [(float(d), m == 1.0) for d, m in zip(strikes["day"], strikes["value"], strict=True)] == [
        (float(d), m) for d, m in expected
    ]
    assert len(strikes) > 20
    assert np.all(np.diff(strikes["day"]) >= gap)
    assert result.outcomes["strikes"] == len(strikes)


def test_an_attack_that_kills_brings_a_major_strike():
    deadly = {"wounded_mean": 1.0, "killed_mean": 0.5, "dispersion": 1.0}
    militia = {"casualties": {"rocket": deadly, "drone": deadly, "ballistic_missile": deadly}}
    air_defence = {"rocket": 0.0, "drone": 0.0, "ballistic_missile": 0.0}
    retaliation = {
        "enabled": True,
        "attacks_per_strike": 10_000,
        "delay_days": 3.0,
        "min_gap_days": 7.0,
        **NO_EPISODES,
    }
    scenario = poisson_militia(
        0.3,
        horizon_days=400,
        militia=militia,
        retaliation=retaliation,
        bases={"a": {"air_defence": air_defence, "hardening": 0.0}},
    )
    result = simulate_trial(scenario, 4)
    attacks = result.events_of("attack")
    strikes = result.events_of("strike")
    assert attacks["killed"].sum() > 10
    assert len(strikes) > 5
    assert np.all(strikes["value"] == 1.0)
    expected = expected_strikes(
        zip(attacks["day"], attacks["killed"], strict=True), 10_000, 3.0, 7.0, True, 400
    )
    assert strikes["day"].tolist() == [float(d) for d, _ in expected]


def test_no_strikes_when_retaliation_is_disabled():
    result = simulate_trial(poisson_militia(2.0, horizon_days=200), 0)
    assert result.outcomes["militia_attacks"] > 100
    assert result.outcomes["strikes"] == 0


def test_strikes_on_iraqi_soil_raise_pressure_and_strikes_answering_syria_do_not():
    retaliation = {"enabled": True, "attacks_per_strike": 4, "share_in_iraq": 1.0, **NO_EPISODES}
    pressure = {"initial": 0.0, "per_strike_in_iraq": 0.2, "half_life_days": 50.0}
    for region, raises in (("federal_iraq", True), ("syria", False)):
        scenario = poisson_militia(
            1.0, horizon_days=200, retaliation=retaliation, pressure=pressure, bases={"a": {"region": region}}
        )
        result = simulate_trial(scenario, 6)
        strikes = result.events_of("strike")
        assert len(strikes) > 10
        assert np.all(strikes["intercepted"] == raises)  # for a strike: landed on Iraqi soil
        decay = math.exp(-math.log(2.0) / 50.0)
        expected = [
            sum(0.2 * decay ** (d - s) for s in strikes["day"] if s <= d) if raises else 0.0
            for d in range(201)
        ]
        np.testing.assert_allclose(result.series_of("pressure"), expected, rtol=1e-9, atol=1e-12)


def test_deaths_raise_pressure_from_the_next_day_step():
    deadly = {"wounded_mean": 0.0, "killed_mean": 0.3, "dispersion": 1.0}
    militia = {"casualties": {"rocket": deadly, "drone": deadly, "ballistic_missile": deadly}}
    pressure = {"initial": 0.0, "per_coalition_death": 0.1, "half_life_days": 20.0}
    air_defence = {"rocket": 0.0, "drone": 0.0, "ballistic_missile": 0.0}
    bases = {"a": {"air_defence": air_defence, "hardening": 0.0}}
    scenario = poisson_militia(1.0, horizon_days=100, militia=militia, pressure=pressure, bases=bases)
    result = simulate_trial(scenario, 8)
    attacks = result.events_of("attack")
    assert attacks["killed"].sum() > 5
    assert_pressure_follows_the_logged_deaths(result, per_death=0.1, half_life=20.0)


def test_deaths_decided_during_the_run_are_those_logged_at_every_base_and_weapon():
    # The run decides each attack's dead (pressure, major strikes) from draws checked
    # a block at a time; the log works every attack out again at the end. Bases that
    # differ in hardening and air defence, and all three weapons, must agree.
    deadly = {"wounded_mean": 1.0, "killed_mean": 0.4, "dispersion": 0.5}
    militia = {"casualties": {"rocket": deadly, "drone": deadly, "ballistic_missile": deadly}}
    pressure = {"initial": 0.0, "per_coalition_death": 0.1, "half_life_days": 20.0}
    bases = {
        "open": {"hardening": 0.0, "air_defence": {"rocket": 0.0, "drone": 0.0, "ballistic_missile": 0.0}},
        "hard": {"hardening": 0.6, "air_defence": {"rocket": 0.3, "drone": 0.5, "ballistic_missile": 0.1}},
        "shielded": {
            "hardening": 0.2,
            "air_defence": {"rocket": 0.9, "drone": 0.2, "ballistic_missile": 0.7},
        },
    }
    forces = {key: {"base": key, "troops": 400} for key in bases}
    scenario = poisson_militia(
        3.0, horizon_days=100, militia=militia, pressure=pressure, bases=bases, forces=forces
    )
    result = simulate_trial(scenario, 21)
    attacks = result.events_of("attack")
    killing = attacks[attacks["killed"] > 0]
    assert set(killing["base"].tolist()) == {0, 1, 2}
    assert set(killing["weapon"].tolist()) == {0, 1, 2}
    assert_pressure_follows_the_logged_deaths(result, per_death=0.1, half_life=20.0)


def assert_pressure_follows_the_logged_deaths(result, per_death: float, half_life: float) -> None:
    """Pressure (from zero, deaths only) is the logged deaths, each decaying from its day."""
    attacks = result.events_of("attack")
    decay = math.exp(-math.log(2.0) / half_life)
    expected = [
        sum(
            per_death * k * decay ** (d - math.floor(t))
            for t, k in zip(attacks["day"], attacks["killed"], strict=True)
            if t < d
        )
        for d in range(len(result.series_of("pressure")))
    ]
    np.testing.assert_allclose(result.series_of("pressure"), expected, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------------ tension


def test_scheduled_tension_changes_apply_from_their_day_and_scale_the_attack_rate():
    # From near silence to a war footing: the militia must not wait out a candidate
    # drawn at the quiet rate (it would come about 50 days late).
    schedule = [{"at": 300, "level": 3.0}, {"at": "2025-08-23", "level": 0.5}]  # day 300, then day 600
    scenario = poisson_militia(1.0, horizon_days=900, tension={"initial": 0.02, "schedule": schedule})
    result = simulate_trial(scenario, 7)
    days = np.arange(901)
    expected = np.select([days < 300, days < 600], [0.02, 3.0], 0.5)
    np.testing.assert_array_equal(result.series_of("tension"), expected)
    assert result.events_of("tension")["day"].tolist() == [300.0, 600.0]
    times = result.events_of("attack")["day"]
    assert times[np.searchsorted(times, 300.0)] < 301.0
    for low, high, level in ((0, 300, 0.02), (300, 600, 3.0), (600, 900, 0.5)):
        count = np.sum((times >= low) & (times < high))
        mean = level * (high - low)
        assert abs(count - mean) < 5 * math.sqrt(mean)


def exact_multiplier(strike_days, factor: float, recovery: float, days: int) -> np.ndarray:
    """The exact episode multiplier on each day: each strike moves it to the stronger of
    its factor and what is left, and it returns towards 1 as exp(-t / recovery)."""
    stronger = min if factor < 1.0 else max
    start, gap = 0, 0.0
    exact = np.ones(days + 1)
    strikes = sorted(int(s) for s in strike_days)
    for d in range(days + 1):
        left = gap * math.exp(-(d - start) / recovery)
        if d in strikes:
            start, gap = d, stronger(factor, 1.0 + left) - 1.0
            left = gap
        exact[d] = 1.0 + left
    return exact


@pytest.mark.parametrize(
    ("episodes", "factor", "recovery", "gap"),
    [
        (
            {
                "deterrence": {"probability": 1.0, "factor": 0.05, "recovery_days": 40.0},
                "escalation": {"probability": 0.0},
            },
            0.05,
            40.0,
            3.0,
        ),
        (
            {
                "deterrence": {"probability": 0.0},
                "escalation": {"probability": 1.0, "factor": 2.0, "recovery_days": 12.5},
            },
            2.0,
            12.5,
            20.0,
        ),
        # Overlapping escalations do not multiply: the stronger one holds.
        (
            {
                "deterrence": {"probability": 0.0},
                "escalation": {"probability": 1.0, "factor": 2.0, "recovery_days": 12.5},
            },
            2.0,
            12.5,
            3.0,
        ),
    ],
)
def test_strike_episodes_move_tension_at_once_and_wear_off_within_five_percent_of_the_exact_curve(
    episodes, factor, recovery, gap
):
    retaliation = {
        "enabled": True,
        "attacks_per_strike": 6,
        "delay_days": 1.0,
        "min_gap_days": gap,
        "major_deterrence_probability": episodes["deterrence"]["probability"],
        **episodes,
    }
    scenario = poisson_militia(2.0, horizon_days=400, retaliation=retaliation, tension={"cap": 3.0})
    result = simulate_trial(scenario, 9)
    strikes = result.events_of("strike")["day"]
    assert len(strikes) > 3
    kind = "deterrence" if factor < 1 else "escalation"
    assert result.events_of(kind)["day"].tolist() == strikes.tolist()
    assert result.outcomes[f"{kind}_episodes"] == len(strikes)
    exact = exact_multiplier(strikes, factor, recovery, 400)
    tension = result.series_of("tension")
    on_strike = strikes.astype(int)
    np.testing.assert_allclose(tension[on_strike], exact[on_strike], rtol=1e-12)  # at once
    # Held piecewise constant: behind the exact curve by less than 5% of its value, and
    # back at 1 once within 0.1% of it.
    if factor < 1.0:
        assert np.all(tension <= exact + 1e-12)
        assert np.all(exact < tension * 1.05 + 1e-3)
    else:
        assert np.all(tension >= exact - 1e-3)
        assert np.all(exact > tension * 0.95 - 1e-12)
    # Never beyond one episode's factor, however many overlap.
    assert np.all(tension >= min(factor, 1.0) - 1e-12)
    assert np.all(tension <= max(factor, 1.0) + 1e-12)
    # Recovered between strikes long apart; not a cliff: intermediate values occur.
    assert len(np.unique(np.round(tension, 9))) > 3


def test_a_deterrence_recovers_in_a_few_dozen_updates_not_one_a_day():
    """From a factor of 0.02 back to within 0.1% of 1 at time constant 100 days takes
    100 ln(980) ~ 690 days; in steps of at least 5% of the value (or a day) that is at
    most ln(50) / ln(1.05) ~ 80 changes, and fewer, since early days move by more."""
    retaliation = {
        "enabled": True,
        "attacks_per_strike": 1,
        "delay_days": 0.0,
        "min_gap_days": 1e4,  # one strike only
        "deterrence": {"probability": 1.0, "factor": 0.02, "recovery_days": 100.0},
        "escalation": {"probability": 0.0},
    }
    scenario = poisson_militia(5.0, horizon_days=1200, retaliation=retaliation)
    tension = simulate_trial(scenario, 4).series_of("tension")
    changes = np.count_nonzero(np.diff(tension))
    assert 30 < changes <= 82
    first = int(np.argmax(tension < 1.0))
    back = first + int(np.argmax(tension[first:] == 1.0))
    assert 100.0 * math.log(0.98 / 1e-3) - 5 <= back - first <= 100.0 * math.log(0.98 / 1e-3) + 40


def test_a_withdrawal_announced_changes_the_chance_and_the_length_of_deterrence():
    def deterred(announced, probability_factor, recovery_factor):
        retaliation = {
            "enabled": True,
            "attacks_per_strike": 5,
            "delay_days": 0.0,
            "min_gap_days": 5.0,
            "deterrence": {
                "probability": 0.5,
                "factor": 0.5,
                "recovery_days": 10.0,
                "announced_probability_factor": probability_factor,
                "announced_recovery_factor": recovery_factor,
            },
            "major_deterrence_probability": 0.5,
            "escalation": {"probability": 0.0},
            "withdrawal_announced": announced,
        }
        result = simulate_trial(poisson_militia(3.0, horizon_days=600, retaliation=retaliation), 21)
        return result.events_of("deterrence")["day"], result.series_of("tension")

    days, _ = deterred(300.0, 0.0, 1.0)
    assert len(days) > 3
    assert days.max() < 300
    days, _ = deterred(300.0, 2.0, 1.0)
    strikes_after = days[days >= 300]
    assert len(strikes_after) > 3  # probability doubled to 1: every strike deters
    _, short = deterred(None, 1.0, 1.0)
    _, long = deterred(0.0, 1.0, 20.0)  # every deterrence recovers 20 times slower
    assert np.mean(long) < np.mean(short)


def test_named_regional_episodes_multiply_tension_while_they_last():
    regional = [
        {"episode": "truce", "start": 100, "end": 119},
        {"episode": "war", "start": 200, "end": 259},
        {"episode": "deal", "start": 240},
    ]
    effects = {"war": 3.0, "truce": 0.0, "deal": 0.25}
    scenario = poisson_militia(4.0, horizon_days=400, tension={"regional": regional, "effects": effects})
    result = simulate_trial(scenario, 5)
    expected = np.ones(401)
    expected[100:120] = 0.0
    expected[200:260] *= 3.0
    expected[240:] *= 0.25
    np.testing.assert_allclose(result.series_of("tension"), expected, rtol=1e-12)
    attacks = result.events_of("attack")["day"]
    assert not np.any((attacks >= 100) & (attacks < 120))  # the truce holds
    # The deal's quarter tempo: 4/day x 0.25 over days 260-400 (Poisson).
    late = np.count_nonzero(attacks >= 260)
    assert abs(late - 140) < 5 * math.sqrt(140)


# --------------------------------------------------------------------- ISIS, ISF


def test_breaks_add_their_fighters_at_the_next_day_step():
    scenario = quiet(
        horizon_days=400,
        isis={
            "strength": 100.0,
            "growth_per_day": 0.0,
            "isf_attrition_per_day": 0.0,
            "strike_attrition_per_day": 0.0,
            "unguarded_breakouts_per_year": 10.0,
            "breakout_fighters": 250.0,
        },
    )
    result = simulate_trial(scenario, 2)
    breaks = result.events_of("breakout")["day"]
    assert len(breaks) > 3
    assert result.outcomes["breakouts"] == len(breaks)
    expected = [100.0 + 250.0 * np.sum(breaks < d) for d in range(401)]
    np.testing.assert_allclose(result.series_of("isis_strength"), expected)


def test_isis_attacks_cost_readiness():
    scenario = quiet(
        horizon_days=300,
        forces={"f": {"base": "a", "troops": 1000, "roles": {"trainers": 0.0}}},
        isf={"readiness": 0.5, "relaxation_per_day": 0.0, "readiness_loss_per_isis_attack": 0.001},
        isis={
            "strength": 1000.0,
            "growth_per_day": 0.0,
            "isf_attrition_per_day": 0.0,
            "strike_attrition_per_day": 0.0,
            "attacks_per_fighter_at_parity_per_day": 0.001,
        },
    )
    result = simulate_trial(scenario, 3)
    cumulative = result.series_of("isis_attacks")
    assert cumulative[-1] > 100
    np.testing.assert_allclose(result.series_of("readiness"), 0.5 - 0.001 * cumulative, rtol=1e-12)


def test_the_day_steps_readiness_capability_and_isis_follow_their_equations_with_each_days_inputs():
    """An oracle written out here: the exact one-day solutions of the readiness and ISIS
    equations, with each day's trainers and enablers and the previous day's capability."""
    schedule = [{"at": 50, "troops": 300, "ramp_days": 100}]
    isf = {
        "readiness": 0.4,
        "training_gain_per_day": 0.003,
        "relaxation_per_day": 0.001,
        "enabler_dependence": 0.5,
        "dependence_floor": 0.2,
        "dependence_adaptation_days": 300.0,
    }
    isis = {
        "strength": 700.0,
        "growth_per_day": 0.006,
        "capacity": 9000.0,
        "isf_attrition_per_day": 0.004,
        "strike_attrition_per_day": 0.002,
    }
    scenario = quiet(
        horizon_days=300,
        isf=isf,
        isis=isis,
        forces={
            "f": {
                "base": "a",
                "troops": 1200,
                "roles": {"trainers": 0.25, "enablers": 0.5, "protection": 0.2},
                "schedule": schedule,
            }
        },
    )
    result = simulate_trial(scenario, 0)
    trainers, enablers = result.series_of("trainers"), result.series_of("enablers")
    sustained, lag, floor, adaptation = 0.45, 90.0, 0.2, 300.0  # schema defaults and the test's

    def missing(day: int) -> float:
        return max(0.0, 1.0 - enablers[day] / 1000.0)

    felt, dependence = missing(0), 0.5
    readiness, capabilities, strength = [0.4], [0.4 * (1 - dependence * felt)], [700.0]
    for day in range(1, 301):
        training = 0.003 * trainers[day - 1] / (trainers[day - 1] + 300.0)
        target = (0.001 * sustained + training) / (training + 0.001)
        readiness.append(target + (readiness[-1] - target) * math.exp(-(training + 0.001)))
        a = 0.006 - 0.004 * capabilities[-1] - 0.002 * min(1.0, enablers[day - 1] / 1000.0)
        s, b = strength[-1], 0.006 / 9000.0
        strength.append(a * s * math.exp(a) / (a + b * s * (math.exp(a) - 1.0)))
        if felt > 0:
            dependence = floor + (dependence - floor) * math.exp(-felt / adaptation)
        felt = missing(day - 1) + (felt - missing(day - 1)) * math.exp(-1.0 / lag)
        capabilities.append(readiness[-1] * (1.0 - dependence * felt))
    np.testing.assert_allclose(result.series_of("readiness"), readiness, rtol=1e-13)
    np.testing.assert_allclose(result.series_of("capability"), capabilities, rtol=1e-13)
    np.testing.assert_allclose(result.series_of("isis_strength"), strength, rtol=1e-12)


def test_exit_day_counts_coalition_troops_in_iraq_only():
    forces = {
        "us": {"base": "a", "troops": 1000, "schedule": [{"at": 30, "troops": 0}]},
        "nato": {"base": "a", "troops": 300, "bilateral": True},
        "syria": {"base": "s", "troops": 900},
    }
    scenario = quiet(horizon_days=60, bases={"a": {}, "s": {"region": "syria"}}, forces=forces)
    result = simulate_trial(scenario, 0)
    assert result.outcomes["exit_day"] == 30.0
    assert result.series_of("troops_iraq")[-1] == 300.0
    assert result.series_of("troops")[-1] == 1200.0
    assert math.isnan(simulate_trial(quiet(), 0).outcomes["exit_day"])


@pytest.mark.parametrize("level", [1e-310, 5e-324])
def test_a_background_next_to_nothing_neither_stalls_nor_poisons_the_militia(level):
    # Tension of next to nothing for a day, then back: the rise's factor overflowed to
    # infinity, and the excitation with it (a trial stalled at one instant, or ran on
    # with nan and no attacks). Capped (day.MAX_RESCALE), such a day is a day of almost
    # no attacks, as with a tension of 1e-300, whose factor does not overflow.
    def attacks(tension_level: float) -> float:
        scenario = quiet(
            militia={"attack_rate_per_day": 5.0, "branching_ratio": 0.5},
            tension={"schedule": [{"at": 2, "level": tension_level}, {"at": 3, "level": 1.0}]},
        )
        return simulate_trial(scenario, 3).outcomes["militia_attacks"]

    assert attacks(level) == attacks(1e-300)
    assert attacks(1e-300) > 100
