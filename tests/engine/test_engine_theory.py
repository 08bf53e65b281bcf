"""The engine against theory: distributions and closed forms each mechanism must obey.

Statistical checks use fixed seeds (so they cannot flake) and tolerances taken from
the sampling distribution of the statistic under the model (a few standard errors),
or a goodness-of-fit p-value floor, so that a wrong model fails them.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from engine_scenarios import constant_imbalance, poisson_militia, quiet, steady_isis
from oracles import hazard, strength_day
from scipy import integrate, stats

from sim.engine import simulate_trial
from sim.engine.collapse import Collapse
from sim.engine.isis import Strength
from sim.engine.militia import negative_binomial, negative_binomial_table

MAX_DAYS = 7305  # the schema's longest horizon
Z = 5.0  # tolerances are Z standard errors: a correct model fails with p < 1e-6


def attack_times(result) -> np.ndarray:
    return result.events_of("attack")["day"]


# ------------------------------------------------------------------ militia timing


def test_attack_counts_without_excitation_are_poisson_with_the_right_mean_and_variance():
    rate = 2.0
    result = simulate_trial(poisson_militia(rate, horizon_days=MAX_DAYS), 11)
    counts = np.histogram(attack_times(result), bins=np.arange(MAX_DAYS + 1))[0]
    k = len(counts)
    assert abs(counts.mean() - rate) < Z * math.sqrt(rate / k)
    # Dispersion index var/mean: (k - 1) * D is about chi-square(k - 1) for Poisson counts.
    dispersion = counts.var(ddof=1) / counts.mean()
    assert abs(dispersion - 1.0) < Z * math.sqrt(2.0 / (k - 1))
    # And the whole distribution: chi-square goodness of fit against Poisson(rate).
    top = 7
    observed = np.bincount(np.minimum(counts, top), minlength=top + 1)
    expected = stats.poisson(rate).pmf(np.arange(top + 1)) * k
    expected[top] = stats.poisson(rate).sf(top - 1) * k
    assert stats.chisquare(observed, expected).pvalue > 1e-4


def test_inter_arrival_times_without_excitation_are_exponential():
    rate = 2.0
    result = simulate_trial(poisson_militia(rate, horizon_days=MAX_DAYS), 12)
    gaps = np.diff(np.concatenate([[0.0], attack_times(result)]))
    assert abs(gaps.mean() - 1.0 / rate) < Z / (rate * math.sqrt(len(gaps)))
    assert stats.kstest(gaps, stats.expon(scale=1.0 / rate).cdf).pvalue > 1e-4


def test_attack_counts_over_a_window_are_poisson_across_trials():
    """The count over a fixed window, across independent trials (not within one)."""
    rate, days, trials = 0.5, 20, 400
    scenario = poisson_militia(rate, horizon_days=days)
    counts = np.array([len(attack_times(simulate_trial(scenario, seed))) for seed in range(trials)])
    mean = rate * days
    assert abs(counts.mean() - mean) < Z * math.sqrt(mean / trials)
    assert abs(counts.var(ddof=1) / counts.mean() - 1.0) < Z * math.sqrt(2.0 / (trials - 1))


def expected_hawkes_count(mu: float, n: float, tau: float, horizon: float) -> float:
    """Expected attacks over [0, T] for a Hawkes process starting with no excitation.

    The mean intensity solves m = mu + h * m with h(t) = (n / tau) exp(-t / tau):
    m(t) = mu / (1 - n) - mu n / (1 - n) exp(-(1 - n) t / tau).
    """
    transient = mu * n * tau / (1 - n) ** 2 * (1 - math.exp(-(1 - n) * horizon / tau))
    return mu * horizon / (1 - n) - transient


@pytest.mark.slow
def test_long_run_attack_rate_with_excitation_is_the_stated_rate():
    rate, n, tau, trials = 2.0, 0.5, 3.0, 4
    mu = rate * (1 - n)  # the Hawkes background the engine derives
    scenario = poisson_militia(rate, n, horizon_days=MAX_DAYS, militia={"decay_days": tau})
    counts = np.array([len(attack_times(simulate_trial(scenario, seed))) for seed in range(trials)])
    observed = counts.mean() / MAX_DAYS
    # Var(N_T) -> T mu / (1 - n)^3 for a stationary Hawkes process with this kernel.
    standard_error = math.sqrt(mu / (1 - n) ** 3 / MAX_DAYS / trials)
    assert abs(observed - rate) < Z * standard_error
    expected = expected_hawkes_count(mu, n, tau, MAX_DAYS)
    assert abs(counts.mean() - expected) < Z * standard_error * MAX_DAYS
    # Clustering: far more variable than Poisson (dispersion about 1 / (1 - n)^2 = 4 per
    # 30-day window), which a process without excitation would not show.
    windows = np.histogram(attack_times(simulate_trial(scenario, 0)), bins=np.arange(0, MAX_DAYS, 30))[0]
    assert windows.var() / windows.mean() > 2.5


@pytest.mark.slow
def test_the_branching_ratio_shapes_the_bursts_not_the_tempo():
    # At a fixed long-run rate (constant troops and tension, retaliation off), ratios from
    # 0.1 to 0.8 keep the mean count within 10% while the bursts get longer: attacks
    # come closer together after an attack, and counts over a week vary far more.
    rate, days, trials = 1.5, 2000, 6
    means, dispersion, gaps = [], [], []
    for n in (0.1, 0.4, 0.8):
        scenario = poisson_militia(rate, n, horizon_days=days)
        counts, weekly, short = [], [], []
        for seed in range(trials):
            times = attack_times(simulate_trial(scenario, seed))
            counts.append(len(times))
            weekly.extend(np.histogram(times, bins=np.arange(0, days, 7))[0])
            short.append(np.mean(np.diff(times) < 0.25))
        means.append(np.mean(counts))
        dispersion.append(np.var(weekly) / np.mean(weekly))
        gaps.append(np.mean(short))
    assert max(means) / min(means) < 1.10, means
    assert dispersion[0] < dispersion[1] < dispersion[2], dispersion
    assert gaps[0] < gaps[1] < gaps[2], gaps


def test_excitation_off_gives_no_clustering():
    result = simulate_trial(poisson_militia(2.0, horizon_days=MAX_DAYS), 3)
    windows = np.histogram(attack_times(result), bins=np.arange(0, MAX_DAYS, 30))[0]
    k = len(windows)
    assert abs(windows.var(ddof=1) / windows.mean() - 1.0) < Z * math.sqrt(2.0 / (k - 1))


# ------------------------------------------------------------------ militia effects


def test_zero_troops_means_no_militia_attacks_and_no_casualties():
    scenario = poisson_militia(5.0, 0.5, forces={"f": {"base": "a", "troops": 0}}, horizon_days=365)
    result = simulate_trial(scenario, 1)
    assert result.outcomes["militia_attacks"] == 0
    assert result.outcomes["wounded"] == result.outcomes["killed"] == 0
    assert len(result.events_of("attack")) == 0


def test_no_attack_lands_after_the_last_troops_leave_even_while_excitation_lingers():
    scenario = poisson_militia(
        25.0,  # a background of 5 a day
        0.8,
        forces={"f": {"base": "a", "troops": 1000, "schedule": [{"at": 50, "troops": 0}]}},
        horizon_days=200,
        militia={"decay_days": 30.0},
    )
    for seed in range(5):
        times = attack_times(simulate_trial(scenario, seed))
        assert len(times) > 100
        assert times.max() < 50.0


def test_interception_probability_one_means_no_casualties():
    certain = {"rocket": 1.0, "drone": 1.0, "ballistic_missile": 1.0}
    scenario = poisson_militia(5.0, bases={"a": {"air_defence": certain, "hardening": 0.0}}, horizon_days=365)
    result = simulate_trial(scenario, 2)
    attacks = result.events_of("attack")
    assert len(attacks) > 1000
    assert attacks["intercepted"].all()
    assert result.outcomes["interceptions"] == result.outcomes["militia_attacks"] == len(attacks)
    assert result.outcomes["wounded"] == result.outcomes["killed"] == 0


def test_attacks_pick_bases_in_proportion_to_their_troops():
    troops = {"a": 500, "b": 1000, "c": 2500}
    scenario = poisson_militia(
        10.0,
        bases={key: {} for key in troops},
        forces={f"f_{key}": {"base": key, "troops": n} for key, n in troops.items()},
        horizon_days=1000,
        militia={"reference_troops": 4000.0},
    )
    attacks = simulate_trial(scenario, 4).events_of("attack")
    observed = np.bincount(attacks["base"], minlength=3)
    shares = np.array(list(troops.values())) / sum(troops.values())
    assert stats.chisquare(observed, shares * len(attacks)).pvalue > 1e-4
    se = np.sqrt(shares * (1 - shares) / len(attacks))
    assert np.all(np.abs(observed / len(attacks) - shares) < Z * se)


def test_weapons_follow_the_mix():
    mix = {"rocket": 0.2, "drone": 0.7, "ballistic_missile": 0.1}
    scenario = poisson_militia(10.0, horizon_days=1000, militia={"weapon_mix": mix})
    attacks = simulate_trial(scenario, 5).events_of("attack")
    observed = np.bincount(attacks["weapon"], minlength=3)
    shares = np.array(list(mix.values()))
    assert stats.chisquare(observed, shares * len(attacks)).pvalue > 1e-4


def test_casualties_per_hit_are_negative_binomial_with_mean_m_and_variance_m_plus_m2_over_k():
    wounded_mean, killed_mean, k = 2.0, 0.3, 0.5
    hardening = 0.25
    casualties = {"wounded_mean": wounded_mean, "killed_mean": killed_mean, "dispersion": k}
    scenario = poisson_militia(
        20.0,
        horizon_days=1500,
        bases={
            "a": {
                "air_defence": {"rocket": 0.0, "drone": 0.0, "ballistic_missile": 0.0},
                "hardening": hardening,
            }
        },
        militia={
            "weapon_mix": {"rocket": 1.0, "drone": 0.0, "ballistic_missile": 0.0},
            "casualties": {"rocket": casualties},
        },
    )
    hits = simulate_trial(scenario, 6).events_of("attack")
    assert len(hits) > 20_000
    for column, mean in (("wounded", wounded_mean), ("killed", killed_mean)):
        m = mean * (1 - hardening)
        values = hits[column].astype(float)
        law = stats.nbinom(k, k / (k + m))
        variance, excess_kurtosis = (float(x) for x in law.stats(moments="vk"))
        assert variance == pytest.approx(m + m * m / k)
        n = len(values)
        assert abs(values.mean() - m) < Z * math.sqrt(variance / n)
        # Standard error of the sample variance: sigma^2 sqrt((kurtosis - 1) / n).
        assert abs(values.var(ddof=1) - variance) < Z * variance * math.sqrt((excess_kurtosis + 2) / n)
    # Wounded and killed are drawn independently: no correlation beyond sampling noise.
    correlation = np.corrcoef(hits["wounded"], hits["killed"])[0, 1]
    assert abs(correlation) < Z / math.sqrt(len(hits))


def test_negative_binomial_table_matches_scipy_and_its_tail_carries_on():
    mean, k = 3.0, 0.2
    table = negative_binomial_table(mean, k)
    law = stats.nbinom(k, k / (k + mean))
    assert np.allclose(table, law.cdf(np.arange(len(table))), rtol=0, atol=1e-12)
    assert table[-1] >= 1 - 1e-12
    # Inversion: u below P(X <= x) gives at most x; a u in the tail gives the next counts.
    assert negative_binomial(table, 0.0, mean, k) == 0
    assert negative_binomial(table, table[5], mean, k) == 6
    u = table[-1] + (1 - table[-1]) / 2
    count = negative_binomial(table, u, mean, k)
    assert count >= len(table)
    assert law.cdf(count - 1) <= u + 1e-15
    assert negative_binomial_table(0.0, k) == (1.0,)


# --------------------------------------------------------------------- readiness


def test_without_trainers_readiness_relaxes_exactly_to_the_self_sustained_level():
    relaxation, start, sustained, days = 0.0015, 0.7, 0.25, 1000
    scenario = quiet(
        horizon_days=days,
        forces={"f": {"base": "a", "troops": 2000, "roles": {"trainers": 0.0, "enablers": 0.3}}},
        isf={"readiness": start, "relaxation_per_day": relaxation, "self_sustained": sustained},
    )
    readiness = simulate_trial(scenario, 0).series_of("readiness")
    expected = sustained + (start - sustained) * np.exp(-relaxation * np.arange(days + 1))
    np.testing.assert_allclose(readiness, expected, rtol=1e-11, atol=0)
    assert readiness[-1] > sustained  # it heads to what the ISF sustain, never to zero


def test_with_trainers_readiness_relaxes_to_the_equilibrium_of_training_and_self_sustained_level():
    gain, half, relaxation, trainers, sustained = 0.004, 300.0, 0.001, 600.0, 0.1
    scenario = quiet(
        horizon_days=3000,
        forces={
            "f": {
                "base": "a",
                "troops": trainers,
                "roles": {"trainers": 1.0, "enablers": 0.0, "protection": 0.0},
            }
        },
        isf={
            "readiness": 0.2,
            "training_gain_per_day": gain,
            "trainers_half_saturation": half,
            "relaxation_per_day": relaxation,
            "self_sustained": sustained,
        },
    )
    readiness = simulate_trial(scenario, 0).series_of("readiness")
    a = gain * trainers / (trainers + half)
    target = (relaxation * sustained + a) / (a + relaxation)
    t = np.arange(3001)
    expected = target + (0.2 - target) * np.exp(-(a + relaxation) * t)
    np.testing.assert_allclose(readiness, expected, rtol=1e-10)


def test_the_self_sustained_level_drifts_linearly_and_readiness_follows_the_moving_target():
    # With relaxation k and a target R_s(t) = R_s + c t, the ODE dR/dt = k (R_s(t) - R)
    # has the solution R(t) = R_s(t) - c / k + (R0 - R_s + c / k) e^{-k t}; the engine's
    # day steps lag the drift by at most a day's worth of it.
    k, sustained, trend_per_year, start, days = 0.004, 0.5, -0.05, 0.6, 1500
    scenario = quiet(
        horizon_days=days,
        forces={"f": {"base": "a", "troops": 1000, "roles": {"trainers": 0.0, "enablers": 0.0}}},
        isf={
            "readiness": start,
            "relaxation_per_day": k,
            "self_sustained": sustained,
            "self_sustained_trend_per_year": trend_per_year,
        },
    )
    readiness = simulate_trial(scenario, 0).series_of("readiness")
    c = trend_per_year / 365.25
    t = np.arange(days + 1)
    exact = sustained + c * t - c / k + (start - sustained + c / k) * np.exp(-k * t)
    np.testing.assert_allclose(readiness, exact, atol=abs(c) * 1.01)


def test_trainers_in_kurdistan_count_for_the_federal_isf_at_their_weight():
    gain, half, weight = 0.004, 300.0, 0.25

    def equilibrium(region: str) -> float:
        scenario = quiet(
            horizon_days=5000,
            bases={"a": {"region": region}},
            forces={
                "f": {
                    "base": "a",
                    "troops": 400,
                    "roles": {"trainers": 1.0, "enablers": 0.0, "protection": 0.0},
                }
            },
            isf={
                "readiness": 0.0,
                "training_gain_per_day": gain,
                "trainers_half_saturation": half,
                "relaxation_per_day": 0.001,
                "self_sustained": 0.0,
                "kurdistan_trainer_weight": weight,
            },
        )
        return simulate_trial(scenario, 0).series_of("readiness")[-1]

    for region, trainers in (("federal_iraq", 400.0), ("kurdistan", 100.0)):
        a = gain * trainers / (trainers + half)
        # From 0 towards a / (a + k), exactly: R(t) = R* (1 - exp(-(a + k) t)).
        expected = a / (a + 0.001) * (1 - math.exp(-(a + 0.001) * 5000))
        assert equilibrium(region) == pytest.approx(expected, rel=1e-10)


def test_the_loss_of_enablers_is_felt_with_the_stated_lag_and_dependence_adapts_only_without_them():
    lag, adaptation, floor, dependence, leave = 60.0, 400.0, 0.1, 0.5, 100
    scenario = quiet(
        horizon_days=1000,
        forces={
            "f": {
                "base": "a",
                "troops": 1000,
                "roles": {"trainers": 0.0, "enablers": 1.0, "protection": 0.0},
                "schedule": [{"at": leave, "troops": 0}],
            }
        },
        isf={
            "readiness": 0.5,
            "self_sustained": 0.5,
            "enabler_lag_days": lag,
            "enabler_dependence": dependence,
            "dependence_floor": floor,
            "dependence_adaptation_days": adaptation,
            "reference_enablers": 1000.0,
        },
    )
    capability = simulate_trial(scenario, 0).series_of("capability")
    assert np.all(capability[: leave + 1] == 0.5)  # full support: nothing missed, no adaptation
    # After the exit f = 1 - exp(-t / lag) (f held for the day it starts), and
    # D - floor shrinks by exp(-f / adaptation) a day.
    felt, d, expected = 0.0, dependence, []
    for _ in range(leave + 1, 1001):
        d = floor + (d - floor) * math.exp(-felt / adaptation)
        felt = 1.0 + (felt - 1.0) * math.exp(-1.0 / lag)
        expected.append(0.5 * (1 - d * felt))
    np.testing.assert_allclose(capability[leave + 1 :], expected, rtol=1e-12)
    # The exact solution of the lag, in the continuous limit, is within a day of it.
    t = np.arange(1, 1001 - leave)
    assert np.all(
        np.abs(
            np.array(expected)
            - 0.5 * (1 - expected_d(t, lag, adaptation, floor, dependence) * (1 - np.exp(-t / lag)))
        )
        < 0.5 * 0.5 / lag
    )
    assert capability[-1] > capability[leave + 200]  # the ISF adapt: capability recovers


def expected_d(t: np.ndarray, lag: float, adaptation: float, floor: float, dependence: float) -> np.ndarray:
    """D(t) for f(t) = 1 - exp(-t / lag): D - floor = (D0 - floor) exp(-(t - lag (1 - e^{-t/lag})) / adaptation)."""
    integral = t - lag * (1 - np.exp(-t / lag))
    return floor + (dependence - floor) * np.exp(-integral / adaptation)


# -------------------------------------------------------------------------- ISIS


def constant_capability_isis(growth: float, isf_attrition: float, strength: float, days: int):
    """A scenario where capability and enablers stay constant, so ISIS follows a logistic."""
    return quiet(
        horizon_days=days,
        forces={"f": {"base": "a", "troops": 1000, "roles": {"trainers": 0.0, "enablers": 0.5}}},
        isf={
            "readiness": 0.6,
            "training_gain_per_day": 0.0,
            "relaxation_per_day": 0.0,
            "enabler_dependence": 0.3,
            "dependence_floor": 0.3,
            "reference_enablers": 1000.0,
        },
        isis={
            "strength": strength,
            "growth_per_day": growth,
            "capacity": 20000.0,
            "isf_attrition_per_day": isf_attrition,
            "strike_attrition_per_day": 0.002,
        },
    )


@pytest.mark.parametrize(("growth", "isf_attrition"), [(0.01, 0.002), (0.001, 0.004)])
def test_isis_strength_follows_the_logistic_closed_form_and_a_fine_ode_integration(growth, isf_attrition):
    days, strength = 1500, 800.0
    scenario = constant_capability_isis(growth, isf_attrition, strength, days)
    result = simulate_trial(scenario, 0)
    capability = 0.6 * (1 - 0.3 * 0.5)
    assert np.allclose(result.series_of("capability"), capability, rtol=1e-12)
    a = growth - isf_attrition * capability - 0.002 * 0.5
    b = growth / 20000.0
    t = np.arange(days + 1)
    closed = a * strength * np.exp(a * t) / (a + b * strength * (np.exp(a * t) - 1))
    np.testing.assert_allclose(result.series_of("isis_strength"), closed, rtol=1e-9)

    def rate(_, s):
        return growth * s * (1 - s / 20000.0) - (isf_attrition * capability + 0.002 * 0.5) * s

    fine = integrate.solve_ivp(rate, (0, days), [strength], t_eval=t, rtol=1e-11, atol=1e-9).y[0]
    np.testing.assert_allclose(result.series_of("isis_strength"), fine, rtol=1e-7)


def isis_parameters(**changes) -> SimpleNamespace:
    """The ``isis`` section of a scenario for :class:`Strength`, everything off but ``changes``."""
    values = {
        "growth_per_day": 0.0,
        "capacity": 1e9,
        "sanctuary": 0.0,
        "sanctuary_growth": 0.0,
        "territory_growth": 0.0,
        "isf_attrition_per_day": 0.0,
        "strike_attrition_per_day": 0.0,
        "max_enabler_share": 1.0,
        "attacks_per_fighter_at_parity_per_day": 0.0,
        "tempo_elasticity": 0.0,
    }
    return SimpleNamespace(**{**values, **changes})


def test_a_day_of_strength_is_exact_for_growth_decline_and_the_critical_case():
    # Days of the exact one-day solution compose into the exact solution over 50 days.
    for growth, isf_attrition in ((0.02, 0.0), (0.0, 0.01), (0.0, 0.0)):
        capacity = 20000.0 if growth else math.inf
        model = Strength(
            isis_parameters(growth_per_day=growth, capacity=capacity, isf_attrition_per_day=isf_attrition),
            1000.0,
        )
        a, b = growth - isf_attrition, growth / capacity
        fine = integrate.solve_ivp(
            lambda _, s, a=a, b=b: a * s - b * s * s, (0, 50), [900.0], rtol=1e-12, atol=1e-10
        )
        strength = 900.0
        for _ in range(50):
            strength = strength_day(model, strength, 1.0, 0.0)[1]
        assert strength == pytest.approx(fine.y[0][-1], rel=1e-8)
        assert strength_day(model, 0.0, 1.0, 0.0) == (0.0, 0.0)


def test_sanctuary_and_territory_multiply_recruitment_as_stated():
    parameters = isis_parameters(
        growth_per_day=0.001, sanctuary=0.5, sanctuary_growth=2.0, territory_growth=3.0
    )
    model = Strength(parameters, 1000.0)
    # g = 0.001 * (1 + 2 * 0.5 + 3 * 0.2) = 0.0026 a day; the logistic term is negligible.
    assert strength_day(model, 1000.0, 0.0, 0.2)[1] == pytest.approx(1000.0 * math.exp(0.0026), rel=1e-6)
    model.set_sanctuary(0.0)
    assert strength_day(model, 1000.0, 0.0, 0.0)[1] == pytest.approx(1000.0 * math.exp(0.001), rel=1e-6)


def test_strike_attrition_grows_with_enablers_up_to_its_cap():
    parameters = isis_parameters(strike_attrition_per_day=0.001, max_enabler_share=2.5)
    model = Strength(parameters, 1000.0)
    for share, effective in ((0.5, 0.5), (2.0, 2.0), (4.0, 2.5)):
        model.set_support(share)
        assert strength_day(model, 1000.0, 0.0, 0.0)[1] == pytest.approx(
            1000.0 * math.exp(-0.001 * effective), rel=1e-12
        )


@pytest.mark.parametrize(("elasticity", "seed"), [(0.0, 9), (0.5, 10)])
def test_isis_attacks_are_poisson_at_the_tempo_of_the_imbalance(elasticity, seed):
    per_fighter, strength, days, contained = 0.001, 2000.0, 2000, 16000.0
    scenario = quiet(
        **steady_isis(
            days,
            strength=strength,
            attacks_per_fighter_at_parity_per_day=per_fighter,
            tempo_elasticity=elasticity,
        ),
        collapse={"hazard_at_parity_per_day": 0.0, "contained_fighters": contained},
    )
    result = simulate_trial(scenario, seed)
    assert np.allclose(result.series_of("isis_strength"), strength)
    counts = np.histogram(result.events_of("isis_attack")["day"], bins=np.arange(days + 1))[0]
    x = strength / (contained * 0.5)  # 0.25
    rate = per_fighter * strength * x**elasticity
    assert abs(counts.mean() - rate) < Z * math.sqrt(rate / days)
    assert abs(counts.var(ddof=1) / counts.mean() - 1) < Z * math.sqrt(2 / (days - 1))
    # Times are uniform within each day.
    offsets = np.modf(result.events_of("isis_attack")["day"])[0]
    assert stats.kstest(offsets, "uniform").pvalue > 1e-4


def test_deaths_per_isis_attack_are_negative_binomial_with_the_stated_means():
    scenario = quiet(
        **steady_isis(
            1000,
            strength=2000.0,
            attacks_per_fighter_at_parity_per_day=0.002,
            tempo_elasticity=0.0,
            civilians_killed_per_attack=2.0,
            isf_killed_per_attack=0.5,
            deaths_dispersion=0.4,
        )
    )
    result = simulate_trial(scenario, 4)
    attacks = result.events_of("isis_attack")
    n = len(attacks)
    for field, mean in (("killed", 2.0), ("value", 0.5)):
        deaths = attacks[field].astype(float)
        sd = math.sqrt(mean + mean**2 / 0.4)
        assert abs(deaths.mean() - mean) < Z * sd / math.sqrt(n)
        assert deaths.var(ddof=1) == pytest.approx(sd**2, rel=0.25)
    assert result.outcomes["civilian_deaths"] == attacks["killed"].sum()
    assert result.outcomes["isf_deaths"] == attacks["value"].sum()
    assert result.outcomes["killed"] == 0.0  # coalition deaths count militia attacks only


@pytest.mark.parametrize(("syria_troops", "rate_per_year"), [(500, 2.0), (0, 12.0)])
def test_breaks_are_poisson_at_the_rate_of_whoever_guards_the_camps(syria_troops, rate_per_year):
    days = 4000
    forces = {"f": {"base": "a", "troops": 1000}}
    if syria_troops:
        forces["s"] = {"base": "s", "troops": syria_troops}
    scenario = quiet(
        horizon_days=days,
        bases={"a": {}, "s": {"region": "syria"}},
        forces=forces,
        isis={
            "guarded_breakouts_per_year": 2.0,
            "unguarded_breakouts_per_year": 12.0,
            "breakout_fighters": 50.0,
        },
    )
    breaks = simulate_trial(scenario, 3).events_of("breakout")
    expected = rate_per_year * days / 365.25
    assert abs(len(breaks) - expected) < Z * math.sqrt(expected)
    assert np.all(breaks["value"] == 50.0)


def test_a_collapse_of_the_camps_guards_is_a_break_at_once_then_the_unguarded_rate():
    scenario = quiet(
        horizon_days=200,
        bases={"a": {}, "s": {"region": "syria"}},
        forces={"f": {"base": "a", "troops": 1000}, "s": {"base": "s", "troops": 500}},
        isis={
            "strength": 1000.0,
            "growth_per_day": 0.0,
            "isf_attrition_per_day": 0.0,
            "strike_attrition_per_day": 0.0,
            "guarded_breakouts_per_year": 0.0,
            "unguarded_breakouts_per_year": 0.0,
            "breakout_fighters": 300.0,
            "guards_collapse": 50,
        },
    )
    result = simulate_trial(scenario, 0)
    assert result.events_of("breakout")["day"].tolist() == [50.0]
    strength = result.series_of("isis_strength")
    assert np.all(strength[:50] == 1000.0)
    assert np.all(strength[50:] == 1300.0)


# ---------------------------------------------------------------------- collapse


def test_collapse_hazard_is_the_parity_hazard_times_the_imbalance_to_the_steepness():
    parameters = SimpleNamespace(
        contained_fighters=1000.0,
        hazard_at_parity_per_day=0.003,
        steepness=3.0,
        territory_share=0.3,
        readiness_loss=0.3,
        isis_boost=1.0,
        mobilisation=0.3,
        mobilisation_days=100.0,
        retake_per_day=0.01,
    )
    model = Collapse(parameters, 1.0)
    assert hazard(model, 500.0, 0.5) == pytest.approx(0.003, rel=1e-14)  # parity: x = 1
    for x in (0.5, 2.0, 7.0):
        assert hazard(model, 500.0 * x, 0.5) == pytest.approx(0.003 * x**3, rel=1e-14)
    assert hazard(model, 500.0, 0.0) == math.inf  # no capability: certain collapse
    assert hazard(model, 1e300, 1e-300) == math.inf  # overflow is a certain collapse too


@pytest.mark.slow
def test_collapse_days_follow_the_daily_probability_one_minus_exp_minus_h():
    x, hazard, days, trials = 1.5, 0.004, 120, 2000
    h = hazard * x**2
    p = 1 - math.exp(-h)
    scenario = constant_imbalance(x, hazard, days)
    collapse_days = np.array(
        [simulate_trial(scenario, seed).outcomes["collapse_day"] for seed in range(trials)]
    )
    collapsed = ~np.isnan(collapse_days)
    by_horizon = 1 - (1 - p) ** days
    assert abs(collapsed.mean() - by_horizon) < Z * math.sqrt(by_horizon * (1 - by_horizon) / trials)
    # The day of collapse is geometric on days 1..: P(D = d) = (1 - p)^(d - 1) p.
    edges = np.arange(1, days + 2, 10)
    observed = np.histogram(collapse_days[collapsed], bins=edges)[0]
    survive = (1 - p) ** (edges - 1)
    expected = (survive[:-1] - survive[1:]) * trials
    observed = np.append(observed, trials - collapsed.sum())
    expected = np.append(expected, trials * (1 - p) ** days)
    assert stats.chisquare(observed, expected).pvalue > 1e-4
