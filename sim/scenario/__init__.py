"""Scenarios: the schema, loading YAML files with helpful errors, and the generated reference.

::

    from sim.scenario import load_scenario, check_file

    scenario = load_scenario("scenarios/fast_exit.yaml", militia__branching_ratio=0.5)
    for problem in check_file("my_scenario.yaml"):
        print(problem)          # file:line:column: field: expected ..., found ...
"""

from typing import Any

from sim.scenario.loader import (
    Problem,
    ScenarioError,
    check_file,
    load_scenario,
    parse_assignments,
    scenario_from_dict,
    scenario_from_text,
)
from sim.scenario.schema import Scenario

__all__ = [
    "Problem",
    "Scenario",
    "ScenarioError",
    "check_file",
    "json_schema",
    "load_scenario",
    "markdown_reference",
    "parse_assignments",
    "scenario_from_dict",
    "scenario_from_text",
]


def __getattr__(name: str) -> Any:
    # The reference is imported on first use, so that `python -m sim.scenario.reference`
    # runs it as a fresh module rather than one the package already imported.
    if name in ("json_schema", "markdown_reference"):
        from sim.scenario import reference

        return getattr(reference, name)
    raise AttributeError(f"module 'sim.scenario' has no attribute {name!r}")
