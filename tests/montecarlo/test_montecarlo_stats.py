"""Statistics against hand-computed cases and scipy."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats as scipy_stats

from sim.montecarlo.stats import describe_outcome, kaplan_meier, mean_ci, paired_difference, wilson

Z = 1.959963984540054


# ------------------------------------------------------------------------- Wilson


def test_wilson_of_5_in_10_is_the_hand_computed_interval():
    # centre (p + z^2/2n) / (1 + z^2/n) = 0.5; half = z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n)
    half = Z * math.sqrt(0.25 / 10 + Z**2 / 400) / (1 + Z**2 / 10)
    estimate, low, high = wilson(5, 10)
    assert estimate == 0.5
    assert low == pytest.approx(0.5 - half, abs=1e-12)
    assert low == pytest.approx(0.2366, abs=1e-4)
    assert high == pytest.approx(0.5 + half, abs=1e-12)


def test_wilson_of_none_or_all_keeps_a_one_sided_interval():
    estimate, low, high = wilson(0, 10)
    assert (estimate, low) == (0.0, 0.0)
    assert high == pytest.approx((Z**2 / 10) / (1 + Z**2 / 10), abs=1e-12)  # 0.2775
    assert high == pytest.approx(0.2775, abs=1e-4)
    estimate, low, high = wilson(10, 10)
    assert (estimate, high) == (1.0, 1.0)
    assert low == pytest.approx(1 - 0.2775, abs=1e-4)


def test_wilson_of_2_in_20_matches_the_textbook_value():
    _, low, high = wilson(2, 20)
    assert (low, high) == pytest.approx((0.0279, 0.3010), abs=1e-4)


def test_wilson_of_no_trials_is_nan():
    assert all(math.isnan(x) for x in wilson(0, 0))


def test_wilson_takes_a_whole_count_as_a_float_and_refuses_a_fraction():
    assert wilson(3.0, 10) == wilson(3, 10)
    with pytest.raises(ValueError, match="whole number"):
        wilson(2.5, 10)


# ------------------------------------------------------------------- mean and CI


def test_mean_ci_equals_scipys_t_interval():
    x = np.array([3.0, 7.0, 1.0, 9.0, 4.0, 4.5, 12.0])
    mean, low, high = mean_ci(x)
    expected = scipy_stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=scipy_stats.sem(x))
    assert mean == pytest.approx(x.mean())
    assert (low, high) == pytest.approx(expected, rel=1e-12)
    assert mean_ci(x, 0.9)[2] == pytest.approx(
        scipy_stats.t.interval(0.9, len(x) - 1, loc=x.mean(), scale=scipy_stats.sem(x))[1]
    )


def test_mean_ci_ignores_nan_and_handles_tiny_samples():
    assert mean_ci(np.array([1.0, np.nan, 3.0]))[0] == 2.0
    mean, low, high = mean_ci(np.array([4.0]))
    assert mean == 4.0
    assert math.isnan(low)
    assert math.isnan(high)
    assert all(math.isnan(v) for v in mean_ci(np.array([])))
    assert tuple(mean_ci(np.array([2.0, 2.0, 2.0]))) == (2.0, 2.0, 2.0)


def test_paired_difference_of_identical_samples_is_exactly_zero():
    x = np.array([1.5, 2.25, np.nan, 7.0])
    interval, n = paired_difference(x, x.copy())
    assert tuple(interval) == (0.0, 0.0, 0.0)
    assert n == 3


def test_paired_difference_is_the_t_interval_of_the_differences():
    a = np.array([10.0, 12.0, 9.0, 14.0, np.nan])
    b = np.array([11.0, 15.0, 9.5, 16.0, 3.0])
    interval, n = paired_difference(a, b)
    d = np.array([1.0, 3.0, 0.5, 2.0])
    assert n == 4
    assert tuple(interval) == pytest.approx(tuple(mean_ci(d)))


def test_describe_outcome_summarises_a_day_outcome_over_the_trials_it_happened():
    row = describe_outcome(np.array([10.0, np.nan, 30.0, np.nan]), "day", "day")
    assert row["n"] == 2
    assert row["mean"] == 20.0
    assert row["median"] == 20.0
    assert row["p5"] == pytest.approx(11.0)
    assert row["p95"] == pytest.approx(29.0)
    binary = describe_outcome(np.array([1.0, 0.0, 0.0, 0.0]), "binary", "yes/no")
    assert (binary["mean"], binary["ci_low"], binary["ci_high"]) == pytest.approx(tuple(wilson(1, 4)))


# ------------------------------------------------------------------ Kaplan-Meier

# Six subjects: events at 1, 2, 3, 5; censored at 2 (after the event there) and at 4.
TIMES = np.array([1.0, 2.0, 2.0, 3.0, 4.0, 5.0])
OBSERVED = np.array([True, True, False, True, False, True])


def test_kaplan_meier_with_censoring_matches_the_hand_computed_curve():
    curve = kaplan_meier(TIMES, OBSERVED, np.array([0.0, 1.0, 1.5, 2.0, 3.0, 4.0, 4.9, 5.0]))
    # S(1) = 5/6; S(2) = 5/6 * 4/5 (five at risk); S(3) = 2/3 * 2/3 (three at risk); S(5) = 0
    survival = [1, 5 / 6, 5 / 6, 2 / 3, 4 / 9, 4 / 9, 4 / 9, 0]
    np.testing.assert_allclose(curve["probability"], 1 - np.array(survival), atol=1e-12)
    np.testing.assert_array_equal(curve["at_risk"], [6, 6, 5, 5, 3, 2, 1, 1])


def test_kaplan_meier_band_is_greenwood_on_the_log_log_scale():
    curve = kaplan_meier(TIMES, OBSERVED, np.array([3.0]))
    # Greenwood: 1/(6*5) + 1/(5*4) + 1/(3*2) = 0.25; se of log(-log S) = sqrt(0.25) / |log(4/9)|
    s = 4 / 9
    se = 0.5 / abs(math.log(s))
    assert curve["low"][0] == pytest.approx(1 - s ** math.exp(-Z * se), abs=1e-9)
    assert curve["high"][0] == pytest.approx(1 - s ** math.exp(Z * se), abs=1e-9)
    assert (curve["low"][0], curve["high"][0]) == pytest.approx((0.2151, 0.9338), abs=1e-4)


def test_kaplan_meier_band_before_any_event_and_after_all_is_the_exact_binomial_bound():
    curve = kaplan_meier(TIMES, OBSERVED, np.array([0.5, 5.0]))
    assert curve["low"][0] == 0.0
    assert curve["high"][0] == pytest.approx(1 - 0.025 ** (1 / 6))  # 0 events among 6 at risk
    assert curve["probability"][1] == 1.0
    assert curve["high"][1] == 1.0
    assert curve["low"][1] == pytest.approx(0.025)  # the one subject left had the event


def test_kaplan_meier_band_before_the_first_event_narrows_with_those_still_at_risk():
    # censored at 1 and 2 before anything happens: 4, 3 and then 2 subjects are at risk
    curve = kaplan_meier(
        np.array([1.0, 2.0, 3.0, 4.0]), np.array([False, False, True, False]), np.array([0.0, 1.5, 2.5])
    )
    assert (curve["probability"] == 0).all()
    assert (curve["low"] == 0).all()
    np.testing.assert_array_equal(curve["at_risk"], [4, 3, 2])
    np.testing.assert_allclose(curve["high"], [1 - 0.025 ** (1 / n) for n in (4, 3, 2)], rtol=1e-12)


def test_kaplan_meier_band_follows_the_level():
    z = 1.6448536269514722  # 90%
    curve = kaplan_meier(TIMES, OBSERVED, np.array([0.5, 3.0, 5.0]), level=0.9)
    s = 4 / 9
    se = 0.5 / abs(math.log(s))
    assert curve["high"][0] == pytest.approx(1 - 0.05 ** (1 / 6), abs=1e-12)
    assert (curve["low"][1], curve["high"][1]) == pytest.approx(
        (1 - s ** math.exp(-z * se), 1 - s ** math.exp(z * se)), abs=1e-12
    )
    assert curve["low"][2] == pytest.approx(0.05, abs=1e-12)


def test_kaplan_meier_fills_the_edge_bands_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        curve = kaplan_meier(TIMES, OBSERVED, np.array([0.0, 2.0, 4.5, 5.0, 6.0]))
    assert curve[["low", "high"]].notna().all().all()


def test_kaplan_meier_of_no_subjects_has_no_event_and_the_widest_band():
    curve = kaplan_meier(np.empty(0), np.empty(0, bool), np.array([0.0, 5.0]))
    np.testing.assert_array_equal(curve["probability"], [0.0, 0.0])
    np.testing.assert_array_equal(curve["at_risk"], [0, 0])
    np.testing.assert_allclose(curve["high"], 0.975)


def test_kaplan_meier_refuses_times_and_flags_of_different_lengths():
    with pytest.raises(ValueError, match="differ in shape"):
        kaplan_meier(np.array([1.0, 2.0]), np.array([True]), np.array([1.0]))


def test_kaplan_meier_censored_only_at_the_horizon_is_the_share_with_the_event():
    rng = np.random.default_rng(3)
    days = np.where(rng.random(200) < 0.3, rng.integers(0, 100, 200), np.nan)
    happened = np.isfinite(days)
    grid = np.arange(101.0)
    curve = kaplan_meier(np.where(happened, days, 100.0), happened, grid)
    share = [(days <= t).sum() / 200 for t in grid]
    np.testing.assert_allclose(curve["probability"], share, atol=1e-12)
    assert ((curve["low"] <= curve["probability"]) & (curve["probability"] <= curve["high"])).all()
    assert curve["low"].between(0, 1).all()
    assert curve["high"].between(0, 1).all()


def test_kaplan_meier_without_events_stays_at_zero_with_an_upper_bound():
    curve = kaplan_meier(np.full(50, 10.0), np.zeros(50, bool), np.arange(11.0))
    assert (curve["probability"] == 0).all()
    assert (curve["low"] == 0).all()
    np.testing.assert_allclose(curve["high"], 1 - 0.025 ** (1 / 50))


def test_summary_intervals_stay_inside_the_outcomes_support():
    skewed = np.array([0.0, 0.0, 0.0, 0.0, 40.0])  # t interval of the mean dips below zero
    row = describe_outcome(skewed, "count", "attacks")
    assert mean_ci(skewed).low < 0
    assert row["ci_low"] == 0.0
    assert row["ci_high"] > row["mean"]
    share = describe_outcome(np.array([1.0, 1.0, 1.0, 0.0]), "level", "share")
    assert share["ci_high"] == 1.0
    assert mean_ci(np.array([1.0, 1.0, 1.0, 0.0])).high > 1


def test_percentiles_of_yes_no_and_count_outcomes_are_observed_values():
    collapses = np.array([0.0] * 19 + [1.0])
    row = describe_outcome(collapses, "binary", "yes/no")
    assert (row["p5"], row["median"], row["p95"]) == (0.0, 0.0, 0.0)
    counts = describe_outcome(np.array([1.0, 2.0, 3.0, 4.0]), "count", "attacks")
    assert counts["median"] in (2.0, 3.0)
