"""Sobol and Morris through the designs and tables of an experiment; PRIM and CART on planted boxes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.explore import ExploreError, cart, evaluate, make_design, morris, pareto, prim, sobol
from sim.explore.discovery import cases
from sim.explore.levers import Lever

PI_RANGE = (-math.pi, math.pi)


def ishigami(x1: float, x2: float, x3: float, a: float = 7.0, b: float = 0.1) -> float:
    return math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """The exact first-order and total Sobol indices of the Ishigami function."""
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    total = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / total, np.array([v1 + v13, v2, v13]) / total


@pytest.mark.slow
def test_sobol_indices_of_the_ishigami_function_match_theory_within_their_intervals():
    exploration = evaluate(ishigami, dict.fromkeys(("x1", "x2", "x3"), PI_RANGE), "sobol", 2048, seed=3)
    found = sobol(exploration, "y")
    first, total = ishigami_indices()
    assert ((found["S1_low"] <= first) & (first <= found["S1_high"])).all(), found
    assert ((found["ST_low"] <= total) & (total <= found["ST_high"])).all(), found
    assert (found["ST_high"] - found["ST_low"]).max() < 0.15  # informative intervals
    assert found.attrs["noise_share"] == pytest.approx(0.0)  # one exact value per point


def test_sobol_indices_are_the_same_for_the_same_seed():
    exploration = evaluate(ishigami, dict.fromkeys(("x1", "x2", "x3"), PI_RANGE), "sobol", 256, seed=3)
    assert sobol(exploration, "y").equals(sobol(exploration, "y"))


def test_morris_ranks_an_inert_input_last():
    def linear(a: float, b: float, c: float) -> float:
        return 10 * a + 2 * b + 0 * c

    exploration = evaluate(linear, {"a": (0, 1), "b": (0, 1), "c": (0, 1)}, "morris", 20, seed=1)
    found = morris(exploration, "y")
    assert found["mu_star"].to_numpy() == pytest.approx([10, 2, 0])  # effects over the whole range
    assert found["sigma"].to_numpy() == pytest.approx([0, 0, 0], abs=1e-9)  # no interaction


def test_sobol_refuses_an_experiment_of_another_design():
    exploration = evaluate(ishigami, dict.fromkeys(("x1", "x2", "x3"), PI_RANGE), "lhs", 50)
    with pytest.raises(ExploreError, match="design 'sobol'"):
        sobol(exploration, "y")


def test_sobol_refuses_an_outcome_without_a_value_at_some_point_and_names_them():
    def censored(x: float, z: float) -> dict:
        return {"y": math.nan if x > 0.9 else x}

    exploration = evaluate(censored, {"x": (0, 1), "z": (0, 1)}, "sobol", 64)
    with pytest.raises(ExploreError, match="censored"):
        sobol(exploration, "y")


def test_designs_are_the_same_for_the_same_seed_and_cover_the_unit_cube():
    levers = [Lever("a", low=0.0, high=1.0), Lever("b", low=10.0, high=20.0)]
    one, two = make_design(levers, "lhs", 40, seed=5), make_design(levers, "lhs", 40, seed=5)
    assert np.array_equal(one.values, two.values)
    # a Latin hypercube has one point in each of the 40 slices of every input
    assert sorted(np.floor(one.unit[:, 0] * 40).astype(int)) == list(range(40))
    assert make_design(levers, "sobol", 16).points == 16 * 4
    assert make_design(levers, "morris", 5).points == 5 * 3
    assert make_design(levers, "grid", 3).points == 9
    with pytest.raises(ExploreError, match="power of 2"):
        make_design(levers, "sobol", 10)


def planted(n: int = 3000, noise: float = 0.0, seed: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    inputs = pd.DataFrame(rng.random((n, 4)), columns=["a", "b", "c", "d"])
    inside = inputs["a"].between(0.2, 0.5) & inputs["b"].between(0.6, 0.9)
    flip = rng.random(n) < noise
    return inputs, np.where(flip, ~inside, inside)


def test_prim_finds_a_planted_box():
    inputs, bad = planted()
    found = prim(inputs, bad)
    box = found.box()
    assert set(box.index[box["restricted"]]) == {"a", "b"}
    assert box.loc["a", "low"] == pytest.approx(0.2, abs=0.03)
    assert box.loc["a", "high"] == pytest.approx(0.5, abs=0.03)
    assert box.loc["b", "low"] == pytest.approx(0.6, abs=0.03)
    assert box.loc["b", "high"] == pytest.approx(0.9, abs=0.03)
    assert found.stats()["density"] > 0.9
    assert found.stats()["coverage"] > 0.8


def test_prims_trajectory_trades_coverage_for_density():
    inputs, bad = planted(noise=0.05)
    trajectory = prim(inputs, bad).trajectory
    assert trajectory["coverage"].iloc[0] == 1.0
    assert trajectory["density"].iloc[0] == pytest.approx(bad.mean())
    assert trajectory["coverage"].is_monotonic_decreasing
    assert trajectory["density"].iloc[-1] > 3 * trajectory["density"].iloc[0]


def test_cart_puts_the_planted_box_in_its_densest_leaf():
    inputs, bad = planted()
    leaves = cart(inputs, bad, max_depth=5, min_leaf=0.01).leaves  # four cuts bound the box
    pure = leaves[leaves["density"] > 0.95]
    assert pure["coverage"].sum() > 0.9
    assert leaves["density"].iloc[0] == 1.0
    assert "a > 0.19" in leaves["conditions"].iloc[0]
    assert "b > 0.60" in leaves["conditions"].iloc[0]


def test_cases_per_point_apply_the_condition_to_each_points_mean():
    exploration = evaluate(lambda x: {"risk": x}, {"x": (0, 1)}, "grid", 11)
    inputs, bad = cases(exploration, "risk > 0.5")
    assert list(inputs["x"][bad]) == pytest.approx([0.6, 0.7, 0.8, 0.9, 1.0])


def test_the_pareto_front_keeps_exactly_the_points_no_other_beats():
    def tradeoff(speed: float) -> dict:
        # faster exits cost more risk, except a dominated bump at 0.5
        return {"risk": speed + (0.3 if abs(speed - 0.5) < 1e-9 else 0.0), "cost": 0.0}

    exploration = evaluate(tradeoff, {"speed": (0, 1)}, "grid", 11)
    front = pareto(exploration, {"speed": "max", "risk": "min"})
    assert sorted(front["speed"].round(1)) == [0.0, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert list(front.columns) == ["speed", "risk", "risk:low", "risk:high"]
    with pytest.raises(ExploreError, match="neither a lever nor an outcome"):
        pareto(exploration, {"speeed": "max"})


def test_a_sobol_design_without_salib_says_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "SALib.sample.sobol", None)  # makes the import fail
    with pytest.raises(ExploreError, match="pip install 'SALib'"):
        make_design([Lever("a", low=0.0, high=1.0)], "sobol", 8)
