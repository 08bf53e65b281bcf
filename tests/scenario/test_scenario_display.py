"""Scenarios and distributions as people read them (Jupyter and the report)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from sim.scenario.display import waypoint_text
from sim.scenario.distributions import Beta, Fixed, LogNormal, Uniform
from sim.scenario.loader import load_scenario, scenario_from_dict
from sim.scenario.schema import Waypoint

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "dist",
    [
        LogNormal(dist="lognormal", median=500, spread=1.5),
        Uniform(dist="uniform", low=0.2, high=0.8),
        Beta(dist="beta", alpha=3.5, beta=1.5),
    ],
)
def test_a_distribution_prints_its_parameters_and_the_middle_of_its_draws(dist):
    text = str(dist)
    assert text.startswith(f"{dist.dist}(")
    assert "median_" not in text
    assert "5-95%" in text
    low, high = (float(x.replace(",", "")) for x in text.split("5-95% ")[1].split(" to "))
    draws = dist.sample(np.random.default_rng(1), 200_000)
    assert low == pytest.approx(np.quantile(draws, 0.05), rel=0.02)
    assert high == pytest.approx(np.quantile(draws, 0.95), rel=0.02)
    assert dist._repr_html_() == f"<code>{text}</code>"


def test_a_fixed_distribution_has_no_range():
    assert str(Fixed(dist="fixed", value=3)) == "fixed(value 3)"


def test_a_waypoint_says_when_its_level_is_reached():
    step = waypoint_text(Waypoint(at=dt.date(2025, 6, 1), troops=1500, ramp_days=90))
    assert step == "from 2025-06-01 to 1,500 troops over 90 days (reached 2025-08-30)"


def test_a_scenario_shows_bases_forces_schedules_and_uncertain_inputs_as_tables():
    scenario = load_scenario(ROOT / "scenarios" / "phased_2024.yaml")
    page = scenario._repr_html_()
    for heading in ("Bases", "Forces and schedules", "Uncertain inputs"):
        assert f"<h5>{heading}</h5>" in page
    for key in scenario.forces:
        assert f"<td>{key}</td>" in page
    assert "reached 2025-09-26" in page  # us_al_asad: from 1 Oct 2024 over 360 days
    assert "militia.troop_elasticity" in page
    assert "uniform(low 0.2, high 0.8)" in page
    # A parameter drawn from the fitted posterior says so, with its middle 90%.
    assert "militia.attack_rate_per_day" in page
    assert "posterior(model2.json, 200 particles): 5-95%" in page


def test_a_scenario_display_escapes_what_the_file_says():
    scenario = scenario_from_dict(
        {
            "name": "<b>x</b>",
            "description": "<script>alert(1)</script>",
            "bases": {"al_asad": {}},
            "forces": {"us": {"base": "al_asad", "troops": 100}},
        }
    )
    page = scenario._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "none: every input is fixed" in page
