"""Region-level troop targets (``region_schedules``), resolved into element waypoints when a
scenario loads."""

from __future__ import annotations

import datetime as dt
import inspect
import re

import numpy as np
import pytest

from sim.cli import main
from sim.montecarlo.runner import run
from sim.scenario.loader import ScenarioError, scenario_from_dict, scenario_from_text
from sim.scenario.provenance import value_sources
from sim.scenario.regions import level_on, split
from sim.scenario.schema import RegionWaypoint

HEADER = """\
name: regions
start: 2025-01-01
end: 2029-01-01
bases:
  al_asad: {}
  baghdad: {}
  erbil: {region: kurdistan}
  harir: {region: kurdistan}
forces:
"""

FORCES = (
    HEADER
    + """\
  us_al_asad: {base: al_asad, troops: 1000}
  us_baghdad: {base: baghdad, troops: 600}
  us_erbil: {base: erbil, troops: 2500}
  uk_harir: {base: harir, troops: 500, contingent: UK}
  peshmerga_aid: {base: erbil, troops: 300, bilateral: true}
"""
)

# The example written element by element, as an analyst had to before: the shares of
# Kurdistan's 1,500 follow the troops there (2,500 and 500) when the move starts.
BY_ELEMENT = (
    HEADER
    + """\
  us_al_asad:
    base: al_asad
    troops: 1000
    schedule: [{by: 2025-09-01, troops: 0, ramp_days: 90}]
  us_baghdad:
    base: baghdad
    troops: 600
    schedule: [{by: 2025-09-01, troops: 0, ramp_days: 90}]
  us_erbil:
    base: erbil
    troops: 2500
    schedule:
      - {by: 2025-09-01, troops: 1250, ramp_days: 90}
      - {by: 2026-12-31, troops: 0, ramp_days: 60}
  uk_harir:
    base: harir
    troops: 500
    contingent: UK
    schedule:
      - {by: 2025-09-01, troops: 250, ramp_days: 90}
      - {by: 2026-12-31, troops: 0, ramp_days: 60}
  peshmerga_aid: {base: erbil, troops: 300, bilateral: true}
"""
)


def documented_example() -> str:
    """The YAML example in the reference (RegionWaypoint's docstring, shown in docs/scenarios.md)."""
    text = inspect.cleandoc(RegionWaypoint.__doc__ or "")
    return re.search(r"~~~yaml\n(.*?)~~~", text, re.S).group(1)


def with_targets(targets: str, forces: str = FORCES) -> str:
    return forces + targets


def problems_of(text: str) -> list:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(text, source="plan.yaml")
    return caught.value.problems


def test_the_documented_example_gives_the_schedules_written_by_element():
    by_region = scenario_from_text(with_targets(documented_example()))
    by_element = scenario_from_text(BY_ELEMENT)
    for key, element in by_element.forces.items():
        resolved = by_region.forces[key].schedule
        assert [(w.at, w.troops, w.ramp_days) for w in resolved] == [
            (w.at, w.troops, w.ramp_days) for w in element.schedule
        ]
    assert by_region.region_schedules == {}


def test_the_documented_example_runs_the_same_trials_as_the_element_schedules():
    by_region = run(scenario_from_text(with_targets(documented_example())), trials=3, jobs=1, progress=False)
    by_element = run(scenario_from_text(BY_ELEMENT), trials=3, jobs=1, progress=False)
    assert by_region.trials.equals(by_element.trials)
    kurdistan = by_region.series("troops:us_erbil") + by_region.series("troops:uk_harir")
    end_2025 = (dt.date(2025, 12, 1) - dt.date(2025, 1, 1)).days
    assert np.all(kurdistan[:, end_2025] == 1500)  # the target, whatever the draws


def test_a_bilateral_element_keeps_its_own_schedule():
    scenario = scenario_from_text(with_targets(documented_example()))
    assert scenario.forces["peshmerga_aid"].schedule == []


def test_the_split_follows_each_elements_level_when_the_move_starts():
    own = FORCES.replace(
        "us_erbil: {base: erbil, troops: 2500}",
        "us_erbil: {base: erbil, troops: 2500, schedule: [{at: 10, troops: 1000}]}",
    )
    scenario = scenario_from_text(
        with_targets("region_schedules:\n  kurdistan: [{at: 100, troops: 600}]\n", own)
    )
    assert [(w.at, w.troops) for w in scenario.forces["us_erbil"].schedule] == [(10, 1000), (100, 400)]
    assert [(w.at, w.troops) for w in scenario.forces["uk_harir"].schedule] == [(100, 200)]


def test_a_whole_target_is_split_in_whole_troops_that_sum_to_it():
    assert split(1000, [1, 1, 1]) == [334, 333, 333]
    assert split(1500, [2500, 500]) == [1250, 250]
    assert split(7, [0.5, 0.25, 0.25]) == [3, 2, 2]  # 3.5, 1.75, 1.75: the larger remainders win
    assert sum(split(1501, [3, 7, 11, 13])) == 1501
    assert split(0.5, [1, 1]) == [0.25, 0.25]


def test_the_level_on_a_day_follows_ramps_cut_short_as_the_engine_does():
    from sim.scenario.regions import Move

    moves = [Move(10, 0, 100, 0), Move(60, 1000, 0, 1)]
    assert level_on(5, 2000, moves) == 2000
    assert level_on(35, 2000, moves) == 1500  # a quarter of the way down
    assert level_on(60, 2000, moves) == 1000  # the step cuts the ramp short
    assert level_on(500, 2000, moves) == 1000


def test_a_region_at_zero_splits_by_the_troops_at_the_start():
    targets = "region_schedules:\n  kurdistan:\n    - {at: 10, troops: 0}\n    - {at: 100, troops: 300, ramp_days: 30}\n"
    scenario = scenario_from_text(with_targets(targets))
    assert scenario.forces["us_erbil"].schedule[1].troops == 250
    assert scenario.forces["uk_harir"].schedule[1].troops == 50


def test_show_names_the_target_each_resolved_waypoint_comes_from(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(with_targets(documented_example()))
    sources = {s.path: s for s in value_sources(path)}
    line = 1 + with_targets(documented_example()).splitlines().index(
        "    - {by: 2026-12-31, troops: 0, ramp_days: 60}      # ... to the end of 2026"
    )
    second = sources["forces.uk_harir.schedule.1.troops"]
    assert second.value == "0"
    assert second.source == f"from region_schedules.kurdistan.1, {path}:{line}"
    assert sources["forces.us_al_asad.schedule.0.at"].value == "2025-06-03"
    assert sources["forces.us_erbil.troops"].source == f"{path}:12"


def test_marks_of_written_waypoints_follow_them_when_targets_are_inserted_before():
    own = FORCES.replace(
        "us_erbil: {base: erbil, troops: 2500}",
        "us_erbil: {base: erbil, troops: 2500, schedule: [{at: 500, troops: -1}]}",
    )
    found = problems_of(with_targets("region_schedules:\n  kurdistan: [{at: 100, troops: 600}]\n", own))
    # The bad waypoint is refused by validation before any target is resolved, at its own line.
    assert [(p.line, p.field) for p in found] == [(12, "forces.us_erbil.schedule.0.troops")]


def test_a_resolved_scenario_saved_and_read_back_is_the_same():
    scenario = scenario_from_text(with_targets(documented_example()))
    assert scenario_from_dict(scenario.model_dump(mode="json", by_alias=True)) == scenario


@pytest.mark.parametrize(
    ("targets", "line", "field", "expected"),
    [
        (
            "region_schedules:\n  syria: [{at: 100, troops: 0}]\n",
            16,
            "region_schedules.syria",
            "expected a region with a coalition (non-bilateral) element to split the targets across, "
            "found none in syria (no base there",
        ),
        (
            "region_schedules:\n  kurdistan: [{at: 100, troops: {dist: uniform, low: 1, high: 2}}]\n",
            16,
            "region_schedules.kurdistan.0.troops",
            "expected a number",
        ),
        (
            "region_schedules:\n  kurdistan:\n    - {by: 2025-09-01, troops: 0, ramp_days: 90}\n"
            "    - {at: 2025-07-01, troops: 0}\n",
            18,
            "region_schedules.kurdistan.1.at",
            "expected targets in time order, each starting on or after the end of the one before "
            "(region_schedules.kurdistan.0, 2025-09-01 (day 243)), found a start on 2025-07-01",
        ),
        (
            "region_schedules:\n  kurdistan: [{at: 2024-12-01, troops: 0}]\n",
            16,
            "region_schedules.kurdistan.0.at",
            "expected a date on or after the start 2025-01-01",
        ),
        (
            "region_schedules:\n  kurdistan: [{troops: 0}]\n",
            16,
            "region_schedules.kurdistan.0",
            "expected 'at' or 'by'",
        ),
        (
            "region_schedules:\n  kurdish: [{at: 10, troops: 0}]\n",
            16,
            "region_schedules.kurdish",
            "expected one of",
        ),
    ],
)
def test_a_target_that_cannot_be_resolved_is_one_clear_problem(targets, line, field, expected):
    found = problems_of(with_targets(targets))
    assert len(found) == 1, found
    assert (found[0].file, found[0].line, found[0].field) == ("plan.yaml", line, field)
    assert expected in found[0].message


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (
            "[{at: 2025-06-03, troops: 100}]",
            "found forces.us_erbil.schedule.0 starting on 2025-06-03 (day 153)",
        ),
        (
            "[{at: 2025-07-01, troops: 100}]",
            "during its ramp (2025-06-03 (day 153) to 2025-09-01 (day 243)), found forces.us_erbil.schedule.0",
        ),
        (
            "[{at: {dist: uniform, low: 10, high: 20}, troops: 100}]",
            "found forces.us_erbil.schedule.0.at drawn from a distribution",
        ),
        (
            "[{when: {all: [{metric: capability, op: '>=', value: 0.5}]}, troops: 100}]",
            "found forces.us_erbil.schedule.0 conditions-based (when)",
        ),
    ],
)
def test_an_element_schedule_the_target_cannot_join_is_refused(schedule, expected):
    own = FORCES.replace(
        "us_erbil: {base: erbil, troops: 2500}",
        f"us_erbil: {{base: erbil, troops: 2500, schedule: {schedule}}}",
    )
    found = problems_of(
        with_targets("region_schedules:\n  kurdistan: [{by: 2025-09-01, troops: 1500, ramp_days: 90}]\n", own)
    )
    assert len(found) == 1, found
    assert found[0].field.startswith("region_schedules.kurdistan"), found
    assert found[0].line == 16
    assert expected in found[0].message


def test_validate_refuses_an_unresolvable_target_with_exit_2_and_no_traceback(tmp_path, capsys):
    path = tmp_path / "plan.yaml"
    path.write_text(with_targets("region_schedules:\n  syria: [{at: 100, troops: 0}]\n"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:16" in err
    assert "region_schedules.syria" in err
    assert "Traceback" not in err


def test_show_keeps_the_line_of_a_written_waypoint_a_target_was_placed_before(tmp_path):
    own = FORCES.replace(
        "us_erbil: {base: erbil, troops: 2500}",
        "us_erbil: {base: erbil, troops: 2500, schedule: [{at: 500, troops: 0}]}",
    )
    path = tmp_path / "plan.yaml"
    path.write_text(with_targets("region_schedules:\n  kurdistan: [{at: 100, troops: 600}]\n", own))
    sources = {s.path: s for s in value_sources(path)}
    assert sources["forces.us_erbil.schedule.0.at"].source == f"from region_schedules.kurdistan.0, {path}:16"
    assert (
        sources["forces.us_erbil.schedule.1.at"].value,
        sources["forces.us_erbil.schedule.1.at"].source,
    ) == (
        "500",
        f"{path}:12",
    )
