"""Uncertain parameters: finding them, fixing drawn values, and asking if any are left."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.loader import load_scenario
from sim.scenario.sampling import draw_parameters, fix, has_distribution, uncertain_parameters

SHIPPED = sorted(Path(__file__).parents[2].joinpath("scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_has_distribution_agrees_with_the_uncertain_parameters_before_and_after_fixing(path):
    scenario = load_scenario(path)
    paths = uncertain_parameters(scenario)
    assert has_distribution(scenario) == bool(paths)
    assert has_distribution(scenario) == bool(paths)  # asked again: the remembered answer
    fixed = fix(scenario, {p: draws[0] for p, draws in draw_parameters(scenario, 1, 5).items()})
    assert not has_distribution(fixed)
    assert uncertain_parameters(fixed) == {}


def test_a_distribution_deep_in_a_schedule_is_found():
    scenario = load_scenario(
        SHIPPED[0],
        ["forces.us_al_asad.schedule=[{at: {dist: uniform, low: 10, high: 20}, troops: 0}]"],
    )
    assert "forces.us_al_asad.schedule.0.at" in uncertain_parameters(scenario)
    assert has_distribution(scenario)


def test_fix_refuses_a_distribution_left_without_a_value():
    scenario = load_scenario(SHIPPED[0])
    paths = list(uncertain_parameters(scenario))
    assert paths, "the baseline is expected to have uncertain parameters"
    with pytest.raises(KeyError):
        fix(scenario, {p: 1.0 for p in paths[1:]})
