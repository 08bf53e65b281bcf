"""``extends``: inheritance, deletion by null, distributions, and the errors of a chain."""

from __future__ import annotations

import pytest
from scenario_texts import VALID, write

from sim.scenario.distributions import Fixed, Uniform
from sim.scenario.loader import ScenarioError, check_file, load_scenario, scenario_from_text


@pytest.fixture
def parent(tmp_path):
    return write(tmp_path, "parent.yaml", VALID)


def test_a_child_inherits_everything_it_does_not_write(tmp_path, parent):
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\nname: child\n")
    scenario = load_scenario(child)
    assert scenario.name == "child"
    assert scenario.forces == load_scenario(parent).forces
    assert scenario.extends == "parent.yaml"


def test_mappings_merge_key_by_key_and_lists_replace(tmp_path, parent):
    text = "extends: parent.yaml\nforces:\n  us_asad:\n    troops: 900\n    schedule: [{at: 5, troops: 0}]\n"
    scenario = load_scenario(write(tmp_path, "child.yaml", text))
    element = scenario.forces["us_asad"]
    assert (element.base, element.troops) == ("al_asad", 900.0)  # base inherited, troops changed
    assert [w.at for w in element.schedule] == [5.0]  # the whole list replaced


def test_null_deletes_an_inherited_force_element(tmp_path, parent):
    text = "extends: parent.yaml\nforces:\n  nato_erbil: null\n"
    scenario = load_scenario(write(tmp_path, "child.yaml", text))
    assert list(scenario.forces) == ["us_asad"]


def test_null_returns_an_inherited_value_to_its_default(tmp_path, parent):
    text = "extends: parent.yaml\nmilitia:\n  decay_days: null\n"
    scenario = load_scenario(write(tmp_path, "child.yaml", text))
    assert scenario.militia.decay_days == type(scenario.militia).model_fields["decay_days"].default


def test_a_distribution_replaces_what_was_inherited_as_a_whole(tmp_path, parent):
    text = "extends: parent.yaml\nmilitia:\n  branching_ratio: {dist: fixed, value: 0.5}\n"
    scenario = load_scenario(write(tmp_path, "child.yaml", text))
    assert scenario.militia.branching_ratio == Fixed(dist="fixed", value=0.5)  # no stray low/high


def test_a_mapping_without_dist_changes_only_the_parameters_it_names(tmp_path, parent):
    text = "extends: parent.yaml\nmilitia:\n  branching_ratio: {high: 0.6}\n"
    scenario = load_scenario(write(tmp_path, "child.yaml", text))
    assert scenario.militia.branching_ratio == Uniform(dist="uniform", low=0.2, high=0.6)


def test_chains_resolve_from_the_top_with_paths_relative_to_each_file(tmp_path, parent):
    write(tmp_path, "middle/middle.yaml", "extends: ../parent.yaml\nmilitia: {decay_days: 6}\n")
    leaf = write(tmp_path, "middle/leaf/leaf.yaml", "extends: ../middle.yaml\nname: leaf\n")
    scenario = load_scenario(leaf)
    assert (scenario.name, scenario.militia.decay_days, scenario.forces["nato_erbil"].troops) == (
        "leaf",
        6.0,
        500.0,
    )


def test_an_error_in_an_inherited_value_points_into_the_parent(tmp_path):
    write(tmp_path, "parent.yaml", VALID.replace("troops: 1500", "troops: -1500"))
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\nname: child\nmilitia: {decay_days: 0}\n")
    problems = check_file(child)
    assert [(p.file, p.line, p.field) for p in problems] == [
        (str(child), 3, "militia.decay_days"),
        (str(tmp_path / "parent.yaml"), 10, "forces.us_asad.troops"),
    ]


def test_a_cycle_is_an_error_naming_the_chain(tmp_path):
    a = write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\n")
    (problem,) = check_file(a)
    assert problem.field == "extends"
    assert problem.file == str(tmp_path / "b.yaml")
    assert problem.line == 1
    assert problem.message == (
        f"expected a chain of 'extends' without a cycle, found {tmp_path / 'a.yaml'} -> "
        f"{tmp_path / 'b.yaml'} -> {tmp_path / 'a.yaml'}"
    )


def test_a_file_extending_itself_is_a_cycle(tmp_path):
    (problem,) = check_file(write(tmp_path, "self.yaml", "extends: self.yaml\nname: me\n"))
    assert "without a cycle" in problem.message


def test_a_missing_parent_is_an_error_at_the_extends_line(tmp_path):
    child = write(tmp_path, "child.yaml", "name: child\nextends: gone.yaml\n")
    (problem,) = check_file(child)
    assert (problem.file, problem.line, problem.column, problem.field) == (str(child), 2, 10, "extends")
    assert (
        problem.message
        == f"expected an existing scenario file to extend, found no file at {tmp_path / 'gone.yaml'}"
    )


def test_a_broken_parent_reports_its_own_problems_and_where_it_was_named(tmp_path):
    write(tmp_path, "broken.yaml", "name: [unclosed\n")
    child = write(tmp_path, "child.yaml", "extends: broken.yaml\nname: child\n")
    problems = check_file(child)
    assert [(p.file, p.field) for p in problems] == [
        (str(child), "extends"),
        (str(tmp_path / "broken.yaml"), ""),
    ]
    assert "syntax error" in problems[1].message


def test_extends_must_be_a_path(tmp_path):
    (problem,) = check_file(write(tmp_path, "child.yaml", "extends: [a.yaml]\nname: child\n"))
    assert problem.message.startswith("expected the path of a scenario file to extend, found a list")


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ('"a\\0b.yaml"', "expected the path of a scenario file to extend, found 'a\\x00b.yaml'"),
        ('"' + "x" * 5000 + '.yaml"', "expected an existing scenario file to extend, found no file at"),
        (".", "expected a readable scenario to extend, found problems in"),
    ],
    ids=["nul", "too_long", "directory"],
)
def test_impossible_parent_paths_are_problems_at_the_extends_line(tmp_path, reference, message):
    problems = check_file(write(tmp_path, "child.yaml", f"name: child\nextends: {reference}\n"))
    assert (problems[0].line, problems[0].field) == (2, "extends")
    assert problems[0].message.startswith(message)


def test_text_resolves_extends_from_its_base_dir(tmp_path, parent):
    scenario = scenario_from_text("extends: parent.yaml\nname: from_text\n", base_dir=tmp_path)
    assert scenario.forces["us_asad"].troops == 1500.0
    with pytest.raises(ScenarioError, match="expected an existing scenario file to extend"):
        scenario_from_text("extends: parent.yaml\nname: from_text\n", base_dir=tmp_path / "elsewhere")
