"""The shipped scenario files: the header editors need, their own name, and they load."""

from __future__ import annotations

import pytest
import yaml
from shipped_outcomes import shipped_scenarios

from sim.scenario.loader import load_scenario

SHIPPED = shipped_scenarios()
HEADER = "# yaml-language-server: $schema=scenario.schema.json"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_shipped_scenario_starts_with_the_schema_header(path):
    assert path.read_text(encoding="utf-8").splitlines()[0] == HEADER


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_shipped_scenario_sets_its_own_name_equal_to_its_file_name(path):
    own = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert own.get("name") == path.stem


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_shipped_scenario_loads_and_explains_its_question(path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.description.strip()
