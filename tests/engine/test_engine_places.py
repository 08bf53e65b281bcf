"""Targeting by base weight, and the places' exits and exposure, against what they must be."""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_scenarios import poisson_militia
from scipy import stats

from sim.engine import simulate_trial


def two_bases(troops_a, troops_b, attractiveness_a, elasticity, schedule_b=()):
    return poisson_militia(
        5.0,
        horizon_days=600,
        militia={"targeting_elasticity": elasticity, "reference_troops": troops_a + troops_b},
        bases={
            "a": {"region": "federal_iraq", "attractiveness": attractiveness_a},
            "b": {"region": "syria"},
        },
        forces={
            "fa": {"base": "a", "troops": troops_a},
            "fb": {"base": "b", "troops": troops_b, "schedule": list(schedule_b)},
        },
    )


@pytest.mark.parametrize(
    ("troops_a", "troops_b", "attractiveness_a", "elasticity"),
    [(100, 400, 3.0, 0.5), (100, 400, 1.0, 1.0), (100, 400, 1.0, 0.0), (1000, 250, 0.5, 0.3)],
)
def test_each_base_draws_attacks_in_proportion_to_attractiveness_times_troops_to_the_elasticity(
    troops_a, troops_b, attractiveness_a, elasticity
):
    weight_a = attractiveness_a * troops_a**elasticity
    share = weight_a / (weight_a + troops_b**elasticity)
    result = simulate_trial(two_bases(troops_a, troops_b, attractiveness_a, elasticity), 13)
    n = int(result.outcomes["militia_attacks"])
    hits_a = int(result.outcomes["attacks_at:a"])
    assert n > 2000
    assert stats.binomtest(hits_a, n, share).pvalue > 0.001, (hits_a / n, share)


def test_a_tenth_of_the_troops_is_not_a_tenth_as_tempting_below_elasticity_one():
    # 100 against 1,000 troops at elasticity 0.5: a share of 1 / (1 + sqrt(10)), not 1 / 11.
    result = simulate_trial(two_bases(100, 1000, 1.0, 0.5), 3)
    share = result.outcomes["attacks_at:a"] / result.outcomes["militia_attacks"]
    assert abs(share - 1 / (1 + math.sqrt(10))) < 0.03
    assert share > 2 / 11


def test_regions_report_their_exit_attacks_and_attacks_per_thousand_troop_years():
    # Syria's troops leave on day 200 (a 1-day ramp); federal Iraq's stay.
    scenario = two_bases(500, 500, 1.0, 1.0, schedule_b=[{"at": 199, "troops": 0, "ramp_days": 1}])
    result = simulate_trial(scenario, 8)
    out = result.outcomes
    assert out["syria_exit_day"] == 200.0
    assert math.isnan(out["federal_iraq_exit_day"])  # still there at the end
    assert math.isnan(out["kurdistan_exit_day"])  # never there
    assert out["syria_attacks"] + out["federal_iraq_attacks"] == out["militia_attacks"]
    troops = result.series_of("troops_syria")
    years = troops[:-1].sum() / 365.25
    assert out["syria_troop_years"] == pytest.approx(years)
    assert out["syria_attacks_per_1000"] == pytest.approx(1000 * out["syria_attacks"] / years)
    assert math.isnan(out["kurdistan_attacks_per_1000"])
    # No attacks in Syria once its troops are gone (attacks land only on manned bases).
    attacks = result.events_of("attack")
    assert not np.any((attacks["base"] == 1) & (attacks["day"] > 200))
