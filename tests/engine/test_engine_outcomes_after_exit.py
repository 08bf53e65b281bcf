"""Outcomes measured from the exit: censoring, and independence from the run's length."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.engine import simulate_trial
from sim.engine.outcomes import MONTH_DAYS, after_exit
from sim.scenario import load_scenario

SCENARIOS = __import__("pathlib").Path(__file__).resolve().parents[2] / "scenarios"


def test_a_collapse_inside_a_window_counts_and_one_after_it_does_not():
    exit_day, horizon = 100.0, 100.0 + 40 * MONTH_DAYS
    found = after_exit(exit_day, exit_day + 18 * MONTH_DAYS, horizon)
    assert (found["collapse_within_12m"], found["collapse_within_24m"], found["collapse_within_36m"]) == (
        0,
        1,
        1,
    )
    assert found["months_exit_to_collapse"] == pytest.approx(18.0)
    assert found["months_observed_after_exit"] == pytest.approx(40.0)


def test_a_window_the_run_does_not_see_is_censored_never_no_collapse():
    found = after_exit(100.0, None, 100.0 + 30 * MONTH_DAYS)
    assert found["collapse_within_12m"] == 0.0
    assert found["collapse_within_24m"] == 0.0
    assert math.isnan(found["collapse_within_36m"])
    # A collapse inside the seen part of a cut window still counts.
    found = after_exit(100.0, 100.0 + 25 * MONTH_DAYS, 100.0 + 30 * MONTH_DAYS)
    assert found["collapse_within_36m"] == 1.0


def test_no_exit_censors_every_window_and_a_collapse_before_the_exit_counts_in_all():
    assert all(math.isnan(v) for v in after_exit(math.nan, 50.0, 1000.0).values())
    found = after_exit(400.0, 300.0, 500.0)
    assert [found[f"collapse_within_{m}m"] for m in (12, 24, 36)] == [1.0, 1.0, 1.0]
    assert found["months_exit_to_collapse"] == 0.0


@pytest.mark.slow
def test_risk_within_24_months_of_the_exit_does_not_change_when_the_horizon_is_five_years_longer():
    # phased_2024's exit comes latest (September 2026): its shipped horizon covers 36 months
    # after it, so lengthening the run by five years must not change a single trial's answer.
    shipped = load_scenario(SCENARIOS / "phased_2024.yaml")
    longer = load_scenario(
        SCENARIOS / "phased_2024.yaml", [f"end={shipped.end.replace(year=shipped.end.year + 5)}"]
    )
    assert longer.days > shipped.days + 5 * 365
    for seed in range(30):
        a, b = simulate_trial(shipped, seed).outcomes, simulate_trial(longer, seed).outcomes
        assert a["months_observed_after_exit"] >= 36
        for name in (
            "collapse_within_12m",
            "collapse_within_24m",
            "collapse_within_36m",
            "peak_imbalance_24m",
        ):
            assert a[name] == b[name] or (np.isnan(a[name]) and np.isnan(b[name])), (seed, name)


def test_every_shipped_forward_scenario_sees_36_months_after_its_planned_exit():
    for name in ("fast_exit", "phased_2024", "bilateral", "conditions_based", "from_2026"):
        scenario = load_scenario(SCENARIOS / f"{name}.yaml")
        observed = [
            simulate_trial(scenario, seed).outcomes["months_observed_after_exit"] for seed in range(3)
        ]
        assert all(months >= 36 for months in observed), (name, observed)
