"""Waypoints that give the moment a level is reached (``by``) instead of when the move starts."""

from __future__ import annotations

import datetime as dt

import pytest

from sim.engine import simulate_trial
from sim.scenario.loader import ScenarioError, scenario_from_dict, scenario_from_text

TEXT = """\
name: residual
start: 2025-01-01
horizon_days: 800
bases:
  erbil: {region: kurdistan}
  baghdad: {}
forces:
  us_erbil:
    base: erbil
    troops: 2500
    schedule:
      - {by: 2026-12-31, troops: 1500, ramp_days: 120}
  us_baghdad:
    base: baghdad
    troops: 1000
    schedule:
      - {by: 2025-09-01, troops: 0, ramp_days: 60}
"""


def test_by_starts_the_move_ramp_days_earlier():
    scenario = scenario_from_text(TEXT)
    erbil, baghdad = (scenario.forces[k].schedule[0] for k in ("us_erbil", "us_baghdad"))
    assert erbil.at == dt.date(2026, 12, 31) - dt.timedelta(days=120)
    assert erbil.by == dt.date(2026, 12, 31)
    assert baghdad.at == dt.date(2025, 7, 3)


def test_the_level_is_reached_on_the_day_by_names():
    scenario = scenario_from_text(TEXT)
    trial = simulate_trial(scenario, 1)
    day = (dt.date(2025, 9, 1) - scenario.start).days
    baghdad = trial.series_of("troops:us_baghdad")
    assert baghdad[day] == 0
    assert baghdad[day - 2] > 0
    erbil = trial.series_of("troops:us_erbil")
    end = (dt.date(2026, 12, 31) - scenario.start).days
    assert erbil[end] == 1500
    assert erbil[end - 2] > 1500


def test_by_as_a_day_counts_back_in_days():
    data = scenario_from_text(TEXT).model_dump(mode="json", by_alias=True)
    data["forces"]["us_baghdad"]["schedule"] = [{"by": 100, "troops": 0, "ramp_days": 30}]
    data["forces"]["us_erbil"]["schedule"][0].pop("at")
    assert scenario_from_dict(data).forces["us_baghdad"].schedule[0].at == 70


def test_a_saved_scenario_with_by_reads_back_the_same():
    scenario = scenario_from_text(TEXT)
    assert scenario_from_dict(scenario.model_dump(mode="json", by_alias=True)) == scenario


@pytest.mark.parametrize(
    ("change", "into", "expected"),
    [
        ("ramp_days: 60}", "ramp_days: {dist: uniform, low: 30, high: 90}}", "expected a fixed ramp_days"),
        ("{by: 2025-09-01,", "{by: 2025-09-01, at: 2025-01-10,", "expected 'at' or 'by', not both"),
        ("{by: 2025-09-01,", "{by: 2025-02-01,", "on or after the start 2025-01-01, found 2024-12-03"),
    ],
)
def test_by_that_cannot_be_counted_back_is_one_clear_error_at_its_line(change, into, expected):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(TEXT.replace(change, into))
    (problem,) = caught.value.problems
    assert str(problem).startswith("<text>:17:9: forces.us_baghdad.schedule.0: ")
    assert expected in str(problem)


def test_show_says_a_start_written_with_by_is_by_less_ramp_days(tmp_path):
    from sim.scenario.provenance import value_sources

    path = tmp_path / "residual.yaml"
    path.write_text(TEXT)
    sources = {s.path: s for s in value_sources(path)}
    start = sources["forces.us_baghdad.schedule.0.at"]
    assert (start.value, start.source) == ("2025-07-03", f"by - ramp_days, {path}:17")
