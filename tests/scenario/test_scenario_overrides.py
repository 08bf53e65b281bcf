"""Overrides: ``--set dotted.path=value`` and keyword overrides, and their errors."""

from __future__ import annotations

import datetime as dt

import pytest
from scenario_texts import VALID, write

from sim.scenario.distributions import Uniform
from sim.scenario.loader import Problem, ScenarioError, load_scenario, parse_assignments, scenario_from_text


@pytest.fixture
def path(tmp_path):
    return write(tmp_path, "tiny.yaml", VALID)


def test_assignments_are_read_as_safe_yaml_values():
    assert parse_assignments(
        [
            "militia.branching_ratio=0.5",
            "start=2024-06-01",
            "militia.decay_days={dist: uniform, low: 1, high: 2}",
            "name=a=b",
            "isf.readiness=",
        ]
    ) == {
        "militia.branching_ratio": 0.5,
        "start": dt.date(2024, 6, 1),
        "militia.decay_days": {"dist": "uniform", "low": 1, "high": 2},
        "name": "a=b",
        "isf.readiness": None,
    }


def test_every_malformed_assignment_is_reported_with_source_set():
    with pytest.raises(ScenarioError) as caught:
        parse_assignments(["no_equals_sign", "=5", "x={unclosed", "y=!!python/name:os.system"])
    problems = caught.value.problems
    assert [p.file for p in problems] == ["--set"] * 4
    assert [p.field for p in problems] == ["", "", "x", "y"]
    assert (
        problems[0].message
        == "expected PATH=VALUE (e.g. militia.branching_ratio=0.5), found 'no_equals_sign'"
    )
    assert "syntax error" in problems[2].message
    assert "tag !!python/name:os.system" in problems[3].message


def test_an_override_sets_a_value(path):
    assert load_scenario(path, ["militia.branching_ratio=0.5"]).militia.branching_ratio == 0.5


def test_a_mapping_of_overrides_uses_values_as_given(path):
    scenario = load_scenario(path, {"militia.decay_days": 2.5, "start": dt.date(2024, 2, 5)})
    assert (scenario.militia.decay_days, scenario.start) == (2.5, dt.date(2024, 2, 5))


def test_keyword_overrides_use_double_underscores_for_dots(path):
    scenario = load_scenario(path, militia__branching_ratio=0.25, forces__nato_erbil__troops=10)
    assert (scenario.militia.branching_ratio, scenario.forces["nato_erbil"].troops) == (0.25, 10.0)


def test_a_list_index_overrides_one_item(path):
    scenario = load_scenario(path, ["forces.us_asad.schedule.0.at=2024-02-10"])
    assert [w.at for w in scenario.forces["us_asad"].schedule] == [dt.date(2024, 2, 10), dt.date(2024, 3, 15)]


def test_an_override_can_create_a_section_the_file_does_not_have(path):
    scenario = load_scenario(path, ["isis.strength={dist: uniform, low: 400, high: 800}"])
    assert scenario.isis.strength == Uniform(dist="uniform", low=400, high=800)


def test_an_override_with_null_restores_the_default(path):
    scenario = load_scenario(path, ["militia.decay_days="])
    assert scenario.militia.decay_days == type(scenario.militia).model_fields["decay_days"].default


def test_an_unknown_path_names_it_with_the_closest_known_key(path):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, ["militia.branchin_ratio=0.5"])
    (problem,) = caught.value.problems
    assert (problem.file, problem.field) == ("--set", "militia.branchin_ratio")
    assert problem.message.startswith("expected a field of militia (")
    assert problem.message.endswith("found 'branchin_ratio'; did you mean 'branching_ratio'?")


def test_an_unknown_element_key_names_the_existing_ones(path):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, ["forces.us_asd.troops=3"])
    assert caught.value.problems == [
        Problem(
            "--set",
            None,
            None,
            "forces.us_asd.troops",
            "expected one of the keys of forces (us_asad, nato_erbil), found 'us_asd'; did you mean 'us_asad'?",
        )
    ]


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        (
            "forces.us_asad.schedule.5.at=3",
            "expected the index of an existing item (forces.us_asad.schedule has 2 items), found 5",
        ),
        (
            "forces.us_asad.schedule.first.at=3",
            "expected a list index (0, 1, ...) after forces.us_asad.schedule, found 'first'",
        ),
        (
            "militia.decay_days.high=3",
            "expected militia.decay_days to be a mapping with a field 'high', found 4;",
        ),
        ("name.first=x", "expected name to be a mapping with a field 'first', found 'tiny'"),
        (
            "extends=other.yaml",
            "expected a field that can be overridden, found 'extends' (it is resolved before overrides)",
        ),
        (
            "militia..decay_days=3",
            "expected a dotted path such as militia.branching_ratio, found 'militia..decay_days'",
        ),
    ],
)
def test_paths_that_lead_nowhere_are_errors(path, assignment, message):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, [assignment])
    (problem,) = caught.value.problems
    assert problem.file == "--set"
    assert problem.message.startswith(message)


def test_an_inherited_distribution_parameter_can_be_overridden(path):
    scenario = load_scenario(path, ["militia.branching_ratio.high=0.5"])
    assert scenario.militia.branching_ratio == Uniform(dist="uniform", low=0.2, high=0.5)


def test_a_bad_overridden_value_names_set_as_its_source(path):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, ["militia.branching_ratio=1.5", "forces.us_asad.troops=many"])
    assert [(p.file, p.line, p.field) for p in caught.value.problems] == [
        ("--set", None, "forces.us_asad.troops"),
        ("--set", None, "militia.branching_ratio"),
    ]
    assert caught.value.problems[1].message == "expected a value <= 0.95, found 1.5"


def test_file_problems_and_override_problems_are_reported_together(tmp_path):
    bad = write(tmp_path, "bad.yaml", VALID.replace("decay_days: 4", "decay_dayz: 4"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad, ["militia.nope=1"])
    assert [(p.file, p.field) for p in caught.value.problems] == [
        (str(bad), "militia.decay_dayz"),
        ("--set", "militia.nope"),
    ]


def test_overrides_apply_after_extends(tmp_path, path):
    child = write(tmp_path, "child.yaml", "extends: tiny.yaml\nmilitia: {decay_days: 6}\n")
    assert load_scenario(child, militia__decay_days=7).militia.decay_days == 7.0


def test_text_takes_overrides_too():
    assert scenario_from_text(VALID, overrides=["monte_carlo.trials=3"]).monte_carlo.trials == 3


def test_an_override_may_add_a_whole_new_element(path):
    scenario = load_scenario(path, ["forces.us_erbil={base: erbil, troops: 250}"])
    assert scenario.forces["us_erbil"].troops == 250.0
