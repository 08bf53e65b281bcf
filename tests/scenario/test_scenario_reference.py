"""The generated reference and JSON Schema: up to date, valid, and true to the schema."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel
from scenario_texts import VALID

from sim.scenario.loader import check_file
from sim.scenario.reference import (
    MARKDOWN_PATH,
    SCHEMA_PATH,
    generated_files,
    json_schema,
    main,
    markdown_reference,
)
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import read_file, read_text

SHIPPED = sorted((Path(__file__).parents[2] / "scenarios").glob("*.yaml"))
MODELINE = "# yaml-language-server: $schema=scenario.schema.json"


def as_json(value: Any) -> Any:
    """Data as an editor's YAML 1.2 reader sees it: dates are text."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


@pytest.fixture(scope="module")
def validator():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.mark.parametrize("path", [MARKDOWN_PATH, SCHEMA_PATH], ids=["scenarios.md", "scenario.schema.json"])
def test_committed_generated_file_is_up_to_date(path):
    assert path.read_text() == generated_files()[path], "stale: run python -m sim.scenario.reference"


def test_check_mode_reports_nothing_stale():
    assert main(["--check"]) == 0


def test_json_schema_is_a_valid_draft_2020_12_schema(validator):
    assert validator.schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"name", "bases", "forces", "militia", "monte_carlo"} <= set(validator.schema["properties"])


def test_json_schema_accepts_a_complete_scenario_and_one_that_extends(validator):
    assert list(validator.iter_errors(as_json(read_text(VALID, "<t>").data))) == []
    child = {"extends": "tiny.yaml", "forces": {"us_asad": {"troops": 5}, "nato_erbil": None}}
    child["militia"] = {"branching_ratio": {"high": 0.5}}
    assert list(validator.iter_errors(child)) == []


@pytest.mark.parametrize(
    "data",
    [
        {"name": "x", "bases": {"a": {}}},  # forces missing, no extends
        {"name": "x", "bases": {"a": {}}, "forces": {"us": {"base": "a", "troops": -1}}},
        {"name": "x", "bases": {"a": {}}, "forces": {"us": {"base": "a", "troops": 1, "troop": 1}}},
        {"extends": "p.yaml", "militia": {"branching_ratio": 2}},
        {"extends": "p.yaml", "militia": {"branching_ratio": {"dist": "gaussian"}}},
        {"extends": "p.yaml", "outputs": {"plot_format": "jpg"}},
        {"extends": "p.yaml", "colapse": {}},
    ],
)
def test_json_schema_rejects_what_the_loader_rejects(validator, data):
    assert list(validator.iter_errors(data))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_json_schema_accepts_each_valid_shipped_scenario(validator, path):
    if check_file(path):
        pytest.skip(f"{path.name} does not load (reported by the shipped-scenario tests)")
    assert [e.message for e in validator.iter_errors(as_json(read_file(path).data))] == []


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_each_shipped_scenario_points_editors_at_the_schema(path):
    assert path.read_text().splitlines()[0] == MODELINE


def leaf_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Dotted paths of the scenario's fields (through nested models; not rules or conditions)."""
    from sim.scenario.reference import DISTRIBUTIONS, RULES, _first_model, _item_path

    paths = []
    for name, info in model.model_fields.items():
        path = prefix + (info.alias or name)
        paths.append(path)
        inner = _first_model(info.annotation)
        if inner is None or inner in DISTRIBUTIONS or inner in RULES or inner.__name__ == "When":
            continue
        origin = getattr(info.annotation, "__origin__", None)
        joint = f".{_item_path(info.annotation)}" if origin in (dict, list) else "."
        paths += leaf_paths(inner, path + joint)
    return paths


def test_the_reference_lists_every_field_with_its_path():
    text = markdown_reference()
    missing = [p for p in leaf_paths(Scenario) if f"| `{p}` |" not in text]
    assert missing == []


def row_cells(text: str, path: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(f"| `{path}` |"))
    return [cell.strip() for cell in line.strip("|").split(" | ")]


def test_the_reference_shows_type_default_unit_range_and_meaning():
    text = markdown_reference()
    info = Scenario.model_fields["monte_carlo"].default
    assert row_cells(text, "monte_carlo.trials") == [
        "`monte_carlo.trials`",
        "whole number",
        f"`{info.trials}`",
        "trials",
        ">= 1, <= 100000",
        type(info).model_fields["trials"].description,
    ]
    ratio = row_cells(text, "militia.branching_ratio")
    assert (ratio[1], ratio[4]) == ("number or distribution", "0 to 0.95")
    assert row_cells(text, "forces.<key>.base")[2] == "required"


def test_the_references_example_of_a_refused_distribution_holds():
    unclipped = VALID + "isf: {readiness: {dist: normal, mean: 0.5, sd: 0.1}}\n"
    clipped = VALID + "isf: {readiness: {dist: normal, mean: 0.5, sd: 0.1, low: 0, high: 1}}\n"
    assert [p.field for p in check_text(unclipped)] == ["isf.readiness"]
    assert check_text(clipped) == []


def check_text(text: str) -> list:
    from sim.scenario.loader import ScenarioError, scenario_from_text

    try:
        scenario_from_text(text)
    except ScenarioError as error:
        return error.problems
    return []


def test_the_reference_names_every_distribution_and_rule():
    text = markdown_reference()
    for kind in ("fixed", "uniform", "normal", "lognormal", "triangular", "beta", "choice"):
        assert f"| `{kind}` |" in text
    for action in ("accelerate", "pause", "redeploy"):
        assert f"### `action: {action}`" in text


def test_the_schema_json_file_parses_to_the_generated_schema():
    assert json.loads(SCHEMA_PATH.read_text()) == json_schema()
