"""Correlated draws (Gaussian copula), quantile functions, and the format of Model 2.0."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pydantic import TypeAdapter
from scipy import stats

from sim.scenario.distributions import Distribution
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario, scenario_from_text
from sim.scenario.sampling import draw_parameters

SCENARIOS = Path(__file__).parents[2] / "scenarios"
BASELINE = (SCENARIOS / "baseline.yaml").read_text()

KINDS = [
    {"dist": "uniform", "low": 1, "high": 3},
    {"dist": "normal", "mean": 1, "sd": 2, "low": 0},
    {"dist": "lognormal", "median": 2, "spread": 1.5},
    {"dist": "triangular", "low": 0, "mode": 1, "high": 4},
    {"dist": "beta", "alpha": 3.5, "beta": 1.5},
    {"dist": "choice", "values": [5, 1, 2], "weights": [1, 2, 1]},
]


@pytest.mark.parametrize("spec", KINDS, ids=lambda s: s["dist"])
def test_each_distribution_s_quantile_function_matches_its_draws(spec):
    dist = TypeAdapter(Distribution).validate_python(spec)
    draws = dist.sample(np.random.default_rng(3), 50_000)
    q = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    expected = np.quantile(draws, q, method="inverted_cdf" if spec["dist"] == "choice" else "linear")
    spread = np.quantile(draws, 0.95) - np.quantile(draws, 0.05)
    np.testing.assert_allclose(dist.ppf(q), expected, atol=0.02 * spread)
    assert np.all(np.diff(dist.ppf(np.linspace(0.001, 0.999, 99))) >= 0)  # non-decreasing in u
    assert dist.median() == pytest.approx(float(dist.ppf(np.array([0.5]))[0]))


def with_correlations(text: str) -> object:
    """The baseline with its ``correlations`` replaced by ``text`` (none if empty)."""
    return scenario_from_text(
        "extends: baseline.yaml\nname: correlated\n" + (text or "correlations: []\n"), base_dir=SCENARIOS
    )


def test_correlated_draws_have_the_stated_rank_correlation_and_keep_their_own_distributions():
    rho = 0.6
    scenario = with_correlations(
        "correlations:\n  - {between: [isis.strength, militia.troop_elasticity], rho: 0.6}\n"
    )
    n = 20_000
    draws = draw_parameters(scenario, n, 11)
    spearman = stats.spearmanr(draws["isis.strength"], draws["militia.troop_elasticity"])[0]
    expected = 6 / math.pi * math.asin(rho / 2)  # Spearman's rho of a Gaussian copula
    assert spearman == pytest.approx(expected, abs=4 / math.sqrt(n))
    # The marginal of each is still its own distribution.
    strength = scenario.isis.strength
    assert (
        stats.kstest(draws["isis.strength"], lambda x: stats.norm.cdf(np.log(x / 500) / math.log(1.4))).pvalue
        > 1e-3
    )
    assert strength.median() == 500
    # Prefix-stable: the first k of n draws do not depend on n.
    fewer = draw_parameters(scenario, 100, 11)
    assert all(np.array_equal(fewer[p], draws[p][:100]) for p in draws)


def test_a_parameter_outside_any_correlation_keeps_its_draws_when_others_are_correlated():
    plain = draw_parameters(with_correlations(""), 500, 2)
    tied = draw_parameters(
        with_correlations(
            "correlations:\n  - {between: [isis.strength, militia.troop_elasticity], rho: -0.5}\n"
        ),
        500,
        2,
    )
    untouched = set(plain) - {"isis.strength", "militia.troop_elasticity"}
    assert untouched
    assert all(np.array_equal(plain[p], tied[p]) for p in untouched)


def test_the_shipped_baseline_draws_at_least_twenty_parameters_with_its_correlations():
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    draws = draw_parameters(scenario, 5000, 1)
    assert len(draws) >= 20
    for pair in scenario.correlations:
        a, b = pair.between
        observed = stats.spearmanr(draws[a], draws[b])[0]
        assert observed == pytest.approx(6 / math.pi * math.asin(pair.rho / 2), abs=0.06), pair


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("  - {between: [isis.strength, isis.nope], rho: 0.3}\n", "expected the path of a numeric parameter"),
        (
            "  - {between: [isis.strength, isis.sanctuary_schedule], rho: 0.3}\n",
            "expected the path of a numeric",
        ),
        ("  - {between: [isis.strength, isis.strength], rho: 0.3}\n", "two different paths"),
        ("  - {between: [isis.strength, militia.troop_elasticity], rho: 1.5}\n", "expected a value <= 0.95"),
        (
            "  - {between: [isis.strength, militia.troop_elasticity], rho: 0.9}\n"
            "  - {between: [militia.troop_elasticity, isis.sanctuary_growth], rho: 0.9}\n"
            "  - {between: [isis.strength, isis.sanctuary_growth], rho: -0.9}\n",
            "not positive definite",
        ),
    ],
)
def test_impossible_correlations_are_refused_with_a_clear_message(text, message):
    with pytest.raises(ScenarioError, match=message):
        with_correlations("correlations:\n" + text)


def test_a_key_of_the_first_model_is_refused_naming_its_replacement():
    with pytest.raises(ScenarioError) as raised:
        scenario_from_text(BASELINE.replace("relaxation_per_day:", "decay_per_day:"), base_dir=SCENARIOS)
    message = str(raised.value)
    assert "isf.decay_per_day" in message
    assert "a key of the first model" in message
    assert "isf.relaxation_per_day" in message


def test_a_file_of_another_format_is_refused():
    with pytest.raises(ScenarioError, match="expected format 2"):
        scenario_from_text(BASELINE + "format: 1\n", base_dir=SCENARIOS)


def test_a_correlation_with_a_parameter_fixed_by_an_override_is_inactive():
    scenario = load_scenario(SCENARIOS / "baseline.yaml", ["isis.strength=800"])
    draws = draw_parameters(scenario, 100, 1)
    assert "isis.strength" not in draws
    assert scenario.isis.strength == 800
    paired = draw_parameters(load_scenario(SCENARIOS / "baseline.yaml"), 100, 1)
    # Its partner is then drawn on its own stream, as if never paired.
    alone = with_correlations("correlations: []\n")
    assert np.array_equal(
        draws["isis.attacks_per_fighter_at_parity_per_day"],
        draw_parameters(alone, 100, 1)["isis.attacks_per_fighter_at_parity_per_day"],
    )
    assert not np.array_equal(
        paired["isis.attacks_per_fighter_at_parity_per_day"],
        draws["isis.attacks_per_fighter_at_parity_per_day"],
    )
