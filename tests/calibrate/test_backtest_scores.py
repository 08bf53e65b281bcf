"""The back test's scores and verdict against what theory says they must be."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom, norm

from sim.calibrate.backtest import crps, interval_score, misses_per_trial, null_distribution, pit


def test_crps_of_a_large_normal_sample_matches_the_closed_form():
    rng = np.random.default_rng(1)
    sigma, mu = 2.0, 1.0
    sample = rng.normal(mu, sigma, 200_000)
    for y in (-3.0, 0.5, 1.0, 4.0):
        z = (y - mu) / sigma
        exact = sigma * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / math.sqrt(math.pi))
        assert crps(sample, y) == pytest.approx(exact, rel=0.01)


def test_crps_of_a_small_sample_equals_its_pairwise_definition():
    x = np.array([3.0, -1.0, 2.5, 7.0, 0.0])
    y = 1.2
    pairs = np.mean(np.abs(x[:, None] - x[None, :]))
    assert crps(x, y) == pytest.approx(np.mean(np.abs(x - y)) - 0.5 * pairs, abs=1e-12)


def test_interval_score_is_the_width_inside_and_adds_twenty_times_the_miss_outside():
    assert interval_score(2.0, 5.0, 3.0) == 3.0
    assert interval_score(2.0, 5.0, 1.0) == pytest.approx(3.0 + 20.0)
    assert interval_score(2.0, 5.0, 6.5) == pytest.approx(3.0 + 30.0)


def test_pit_counts_ties_half():
    assert pit(np.array([0, 0, 0, 1]), 0) == pytest.approx(0.375)
    assert pit(np.arange(10), 100) == 1.0


def test_misses_of_independent_facts_follow_the_binomial_with_p_one_tenth():
    rng = np.random.default_rng(7)
    columns = [rng.normal(size=2000) for _ in range(12)]
    null = null_distribution([misses_per_trial(columns)])
    expected = binom.pmf(np.arange(len(null)), 12, 0.1)
    assert np.sum(np.abs(null - expected)) < 0.05
    assert sum(k * p for k, p in enumerate(null)) == pytest.approx(1.2, abs=0.1)


def test_dependent_facts_spread_the_miss_count_wider_than_the_binomial():
    rng = np.random.default_rng(8)
    common = rng.normal(size=2000)
    columns = [common + 0.1 * rng.normal(size=2000) for _ in range(10)]
    null = null_distribution([misses_per_trial(columns)])
    # Almost perfectly correlated facts miss together: 0 or nearly all, rarely a few.
    assert null[0] > 0.75
    assert null[8:].sum() > 0.05
    assert null[8:].sum() > 100 * binom.sf(7, 10, 0.1)


def test_independent_replays_add_their_counts():
    a = np.array([0, 0, 1, 1])
    b = np.array([0, 2])
    np.testing.assert_allclose(null_distribution([a, b]), [0.25, 0.25, 0.25, 0.25])


def test_the_surprise_of_records_drawn_from_the_model_is_typical_and_of_outliers_is_not():
    from sim.calibrate.backtest import sum_tail, surprise_per_trial, tail_surprise

    rng = np.random.default_rng(3)
    columns = [rng.normal(size=1000) for _ in range(8)]
    null = surprise_per_trial(columns)
    # Under the model each fact's two-sided tail probability is uniform: -log of it has mean 1.
    assert null.mean() == pytest.approx(8.0, abs=0.3)
    typical = sum(tail_surprise(pit(c, r), len(c)) for c, r in zip(columns, rng.normal(size=8), strict=True))
    far = sum(tail_surprise(pit(c, 2.5), len(c)) for c in columns)  # every record at the 99th percentile
    assert sum_tail([null], typical) > 0.01
    assert sum_tail([null], far) < 0.001
