"""Levers: dotted paths, dates, schedule shorthands; uncertain inputs as SciPy distributions."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from explore_support import exit_scenario
from scipy import stats

from sim.explore import ExploreError, make_levers, uncertainties
from sim.explore.inputs import as_scipy
from sim.explore.levers import apply_levers
from sim.scenario.distributions import Beta, Choice, Fixed, LogNormal, Normal, Triangular, Uniform
from sim.scenario.loader import ScenarioError, load_scenario

U = np.array([0.001, 0.05, 0.3, 0.5, 0.77, 0.95, 0.999])


@pytest.mark.parametrize(
    "dist",
    [
        Uniform(dist="uniform", low=1, high=3),
        Normal(dist="normal", mean=2, sd=0.5),
        Normal(dist="normal", mean=2, sd=0.5, low=1.5, high=2.2),
        LogNormal(dist="lognormal", median=1.1, spread=1.4),
        LogNormal(dist="lognormal", median=1.1, spread=1.4, high=1.5),
        Triangular(dist="triangular", low=0, mode=0.2, high=1),
        Beta(dist="beta", alpha=2, beta=5, low=0.1, high=0.9),
        Choice(dist="choice", values=[3, 1, 2], weights=[1, 2, 1]),
        Fixed(dist="fixed", value=4.5),
    ],
)
def test_every_distribution_is_a_scipy_frozen_distribution_with_the_same_quantiles(dist):
    frozen = as_scipy(dist)
    assert np.allclose(frozen.ppf(U), dist.ppf(U))
    low, high = dist.support()
    assert frozen.support()[1] == high
    assert frozen.support()[0] == pytest.approx(low, abs=1e-300)  # a log-normal: 0 or the smallest float


def test_a_lognormal_is_scipys_lognorm_with_the_median_as_scale():
    frozen = as_scipy(LogNormal(dist="lognormal", median=2.0, spread=1.5))
    assert frozen.median() == pytest.approx(2.0)
    assert frozen.ppf(stats.norm.cdf(1)) == pytest.approx(3.0)  # median x spread at +1 sd


def test_uncertainties_lists_a_scenarios_distributions_by_path():
    found = uncertainties(exit_scenario())
    assert list(found) == ["militia.attack_rate_per_day", "isis.strength"]
    assert found["isis.strength"].support() == (1000, 9000)


def test_exit_start_moves_every_schedule_by_the_same_days():
    scenario = exit_scenario()
    (lever,) = make_levers(scenario, ["exit_start=2024-03-01..2024-04-01"])
    moved = apply_levers(scenario, [lever], [lever.day(dt.date(2024, 3, 1))])
    assert moved.forces["us_asad"].schedule[0].at == dt.date(2024, 3, 1)  # the earliest: 1 Feb + 29 days
    assert moved.forces["us_erbil"].schedule[0].at == dt.date(2024, 3, 15)
    assert moved.forces["us_erbil"].schedule[1].at == 60 + 29  # a day number moves by the days too


def test_exit_shift_months_moves_calendar_dates_by_calendar_months():
    scenario = exit_scenario()
    (lever,) = make_levers(scenario, ["exit_shift_months=0..3"])
    moved = apply_levers(scenario, [lever], [1])
    assert moved.forces["us_asad"].schedule[0].at == dt.date(2024, 3, 1)
    assert moved.forces["us_erbil"].schedule[0].at == dt.date(2024, 3, 15)
    assert moved.forces["us_erbil"].schedule[1].at == pytest.approx(60 + 365.25 / 12)


def test_every_shipped_exit_scenario_moves_all_its_schedule_dates():
    for name in ("fast_exit", "phased_2024", "bilateral", "conditions_based", "from_2026"):
        scenario = load_scenario(f"scenarios/{name}.yaml")
        (lever,) = make_levers(scenario, ["exit_shift_months=0..6"])
        moved = apply_levers(scenario, [lever], [2])
        for key, force in scenario.forces.items():
            for before, after in zip(force.schedule, moved.forces[key].schedule, strict=True):
                for field in ("at", "not_before", "deadline"):
                    old, new = getattr(before, field), getattr(after, field)
                    if isinstance(old, dt.date):
                        assert 59 <= (new - old).days <= 62, (name, key, field)


def test_residual_scale_multiplies_what_each_element_is_left_with():
    scenario = exit_scenario()
    (lever,) = make_levers(scenario, ["residual_scale=0..2"])
    moved = apply_levers(scenario, [lever], [2.0])
    assert moved.forces["us_erbil"].schedule[-1].troops == 200
    assert moved.forces["us_asad"].schedule[-1].troops == 0


def test_a_monthly_date_grid_lands_on_the_first_of_each_month():
    scenario = exit_scenario()
    (lever,) = make_levers(scenario, ["forces.us_asad.schedule.0.at=2024-02-01..2024-12-01/1m"])
    dates = [lever.to_date(v) for v in lever.grid(5)]
    assert len(dates) == 11
    assert all(d.day == 1 for d in dates)


def test_a_prior_lever_takes_the_scenarios_own_distribution():
    (lever,) = make_levers(exit_scenario(), ["isis.strength=prior"])
    assert lever.from_unit(np.array([0.0, 0.5, 1.0])) == pytest.approx([1000, 5000, 9000], rel=1e-6)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("militia.branching_ratio", "expected PATH=LOW"),
        ("militia.branching_ratio=0.9..0.1", "LOW <= HIGH"),
        ("militia.branching_ratio=a..b", "expected a number"),
        ("militia.branching_ratio=0..1/1m", "for dates"),
        ("militia.branching_ratio=prior", "written as a distribution"),
        ("forces.us_asad.schedule.0.at=2024-13-01..2024-12-01", "expected a date"),
    ],
)
def test_a_bad_lever_gives_one_clear_message(spec, message):
    with pytest.raises(ExploreError, match=message):
        make_levers(exit_scenario(), [spec])


def test_a_lever_value_the_schema_refuses_names_the_path():
    scenario = exit_scenario()
    (lever,) = make_levers(scenario, ["militia.branching_ratio=0..2"])
    with pytest.raises(ScenarioError, match="branching_ratio"):
        apply_levers(scenario, [lever], [2.0])
    with pytest.raises(ExploreError, match="did you mean 'branching_ratio'"):
        make_levers(scenario, ["militia.brnching_ratio=0..1"])


def test_an_integer_field_gets_whole_values_from_a_continuous_design():
    scenario = exit_scenario(
        rules=[
            {
                "action": "pause",
                "when": {"all": [{"metric": "capability", "op": "<", "value": 0.3, "for_days": 10}]},
            }
        ]
    )
    (lever,) = make_levers(scenario, ["rules.0.when.all.0.for_days=5..20"])
    assert lever.integer
    values = lever.from_unit(np.array([0.13, 0.61]))
    assert np.all(values == np.round(values))
    assert not math.isnan(values[0])
    moved = apply_levers(scenario, [lever], [values[1]])
    assert moved.rules[0].when.all[0].for_days == int(values[1])
