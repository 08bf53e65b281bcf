"""The civilian toll of ISIS's attacks: terror without territory, front-line fighting with it.

Theory: the mean toll per attack at a known territory is the mix of the two tolls that
``front_share`` states; without territory the toll (and the whole trial) is the terror
toll's, whatever the front's parameters. Properties: the toll moves the right way with
each of its levers.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from engine_scenarios import quiet, steady_isis
from hypothesis import given
from hypothesis import strategies as st

from sim.engine import simulate_trial
from sim.engine.isis import civilian_toll, front_share, territory_at

Z = 5.0  # tolerances are Z standard errors: a correct model fails with p < 1e-6


def tolls(terror: float, front: float, half: float) -> SimpleNamespace:
    return SimpleNamespace(
        civilians_killed_per_attack=terror, front_civilians_killed_per_attack=front, front_half_territory=half
    )


def test_the_toll_is_the_terror_toll_without_territory_and_the_front_toll_in_the_limit():
    isis = tolls(4.0, 0.5, 0.1)
    assert civilian_toll(isis, 0.0) == 4.0
    assert civilian_toll(isis, 0.1) == pytest.approx(2.25)  # half the attacks are front-line
    assert civilian_toll(isis, 0.3) == pytest.approx(0.25 * 4.0 + 0.75 * 0.5)
    assert civilian_toll(isis, 1e9) == pytest.approx(0.5, abs=1e-6)
    assert front_share(np.array([0.0, 0.2]), 0.2).tolist() == [0.0, 0.5]


def test_an_attack_reads_the_territory_at_the_start_of_its_day():
    territory = np.array([0.0, 0.3, 0.25, 0.2])  # columns 0..3: the state at times 0..3
    times = [0.01, 1.0, 1.5, 2.0, 2.999, 3.0]
    assert territory_at(times, territory).tolist() == [0.0, 0.0, 0.3, 0.3, 0.25, 0.25]


unit = st.floats(0.0, 1.0)
toll = st.floats(0.0, 100.0)
half = st.floats(0.001, 1.0)


@given(toll, toll, half, unit, unit)
def test_more_ground_moves_the_toll_towards_the_front_toll(terror, front, h, t1, t2):
    low, high = sorted((t1, t2))
    a, b = civilian_toll(tolls(terror, front, h), low), civilian_toll(tolls(terror, front, h), high)
    assert min(terror, front) - 1e-9 <= b <= max(terror, front) + 1e-9
    if front <= terror:
        assert b <= a + 1e-9
    else:
        assert b >= a - 1e-9


@given(toll, toll, toll, half, unit)
def test_the_toll_rises_with_either_kind_of_attack_s_toll(terror, front, more, h, territory):
    base = civilian_toll(tolls(terror, front, h), territory)
    assert civilian_toll(tolls(terror + more, front, h), territory) >= base - 1e-9
    assert civilian_toll(tolls(terror, front + more, h), territory) >= base - 1e-9


@given(toll, toll, half, half, unit)
def test_a_larger_half_territory_keeps_the_toll_nearer_the_terror_toll(terror, front, h1, h2, territory):
    small, large = sorted((h1, h2))
    near_small = abs(civilian_toll(tolls(terror, front, small), territory) - terror)
    near_large = abs(civilian_toll(tolls(terror, front, large), territory) - terror)
    assert near_large <= near_small + 1e-9


def held_ground(territory: float, days: int = 1500, hazard: float = 1.0, **isis) -> dict:
    """ISIS at a constant strength and tempo (no growth, attrition or readiness loss) that
    takes ``territory`` in a collapse within days and keeps it (nothing is retaken); no
    collapse at all with ``hazard`` 0."""
    return {
        **steady_isis(
            days,
            strength=2000.0,
            attacks_per_fighter_at_parity_per_day=0.002,
            tempo_elasticity=0.0,
            deaths_dispersion=0.4,
            **isis,
        ),
        "collapse": {
            "hazard_at_parity_per_day": hazard,
            "steepness": 0.001,
            "territory_share": territory,
            "readiness_loss": 0.0,
            "isis_boost": 0.0,
            "mobilisation": 0.0,
            "retake_per_day": 0.0,
        },
    }


@pytest.mark.parametrize(
    ("territory", "terror", "front", "half", "seed"), [(0.3, 3.0, 0.5, 0.1, 1), (0.1, 2.0, 0.2, 0.3, 2)]
)
def test_the_mean_toll_per_attack_on_held_ground_is_the_stated_mix(territory, terror, front, half, seed):
    scenario = quiet(
        **held_ground(
            territory,
            civilians_killed_per_attack=terror,
            front_civilians_killed_per_attack=front,
            front_half_territory=half,
            isf_killed_per_attack=0.5,
        )
    )
    result = simulate_trial(scenario, seed)
    collapse_day = result.outcomes["collapse_day"]
    assert collapse_day < 30  # a daily hazard of 1: every later attack sees the ground held
    attacks = result.events_of("isis_attack")
    attacks = attacks[attacks["day"] > collapse_day]
    n = len(attacks)
    w = territory / (territory + half)
    for field, mean in (("killed", (1 - w) * terror + w * front), ("value", 0.5)):
        deaths = attacks[field].astype(float)
        sd = math.sqrt(mean + mean**2 / 0.4)
        assert abs(deaths.mean() - mean) < Z * sd / math.sqrt(n), field


def test_without_territory_the_front_s_parameters_change_nothing():
    plain = quiet(**held_ground(0.3, days=400, hazard=0.0, civilians_killed_per_attack=3.0))
    other = quiet(
        **held_ground(
            0.3,
            days=400,
            hazard=0.0,
            civilians_killed_per_attack=3.0,
            front_civilians_killed_per_attack=0.01,
            front_half_territory=0.9,
        )
    )
    a, b = simulate_trial(plain, 5), simulate_trial(other, 5)
    assert len(a.events_of("isis_attack")) > 100
    assert np.array_equal(a.events, b.events)
    assert a.outcomes.keys() == b.outcomes.keys()
    np.testing.assert_array_equal(list(a.outcomes.values()), list(b.outcomes.values()))  # nan == nan


def test_the_front_toll_lowers_the_civilian_deaths_of_a_trial_that_holds_ground():
    deaths = {}
    for front in (0.2, 3.0):
        scenario = quiet(
            **held_ground(0.3, civilians_killed_per_attack=3.0, front_civilians_killed_per_attack=front)
        )
        deaths[front] = simulate_trial(scenario, 7).outcomes["civilian_deaths"]
    assert deaths[0.2] < 0.5 * deaths[3.0]  # mean toll 0.9 against 3.0 (a ratio of 0.3)
