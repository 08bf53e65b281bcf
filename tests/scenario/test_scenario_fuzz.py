"""Property tests: whatever text arrives, the loader returns a Scenario or raises ScenarioError.

Random YAML-ish text, random data dumped as YAML, and random mutations of the
shipped scenarios (keys deleted, replaced, duplicated; types swapped; text garbled)
are thrown at ``scenario_from_text``. Anything but a Scenario or a ScenarioError is
a bug, and so is an example slower than the deadline.

The examples are the same on every run (derandomised), so the suite cannot flake;
``SIM_FUZZ_EXAMPLES=1000`` runs a longer search with fresh random examples.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_texts import VALID

from sim.scenario.loader import ScenarioError, scenario_from_text
from sim.scenario.schema import Scenario

SCENARIOS = Path(__file__).parents[2] / "scenarios"
SEEDS = [VALID] + [p.read_text(encoding="utf-8") for p in sorted(SCENARIOS.glob("*.yaml"))]

FUZZ = settings(
    max_examples=int(os.environ.get("SIM_FUZZ_EXAMPLES", "60")),
    derandomize=not os.environ.get("SIM_FUZZ_EXAMPLES"),
    deadline=dt.timedelta(seconds=5),  # ~100x a typical load; only a hang or a blow-up passes it
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def survives(text: str) -> None:
    """Loading ``text`` gives a Scenario or a ScenarioError, nothing else."""
    try:
        result = scenario_from_text(text, source="<fuzz>", base_dir=SCENARIOS)
    except ScenarioError as error:
        problems = error.problems
    else:
        assert isinstance(result, Scenario)
        return
    assert problems, "a ScenarioError must carry at least one problem"
    for problem in problems:
        assert problem.message
        assert "\n" not in str(problem)


TOKENS = [
    ":", ": ", "-", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!python/object:os.system ", "!tag ",
    "!!binary ", "\n", "\n  ", "  ", "name", "bases", "forces", "militia", "dist", "uniform", "1", "-3",
    "0.5", ".inf", ".nan", "2024-01-01", "2024-13-45", "'", '"', "#", "<<: ", "? ", "|", ">", "\t", "null",
    "~", "on", "yes", "---", "...", "%YAML 1.1", "\x00", "\x07", "\ufeff", "\u2028", "é", "9" * 30,
]  # fmt: skip

yaml_ish = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)
plain_data = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)


@FUZZ
@given(yaml_ish)
def test_random_yaml_like_text_never_escapes_as_another_exception(text):
    survives(text)


@FUZZ
@given(st.text(max_size=300))
def test_random_text_never_escapes_as_another_exception(text):
    survives(text)


@FUZZ
@given(plain_data)
def test_random_data_dumped_as_yaml_never_escapes_as_another_exception(data):
    survives(yaml.safe_dump(data, allow_unicode=True))


# ------------------------------------------------------------------------ mutations


def paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += paths(value, (*prefix, index))
    return found


def mutate_data(data: Any, path: tuple, how: str, replacement: Any) -> Any:
    data = copy.deepcopy(data)
    if not path:
        return replacement if how != "delete" else {}
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    value = parent[last]
    if how == "delete":
        del parent[last]
    elif how == "replace":
        parent[last] = replacement
    elif how == "swap_type":
        swapped = {dict: [value], list: {"x": value}, str: 7, bool: "true", int: str(value), float: [value]}
        parent[last] = swapped.get(type(value), {"value": value})
    elif how == "wrap_in_distribution":
        parent[last] = {"dist": "uniform", "low": value, "high": replacement}
    return data


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> str:
    seed = draw(st.sampled_from(SEEDS))
    data = yaml.safe_load(seed)
    path = draw(st.sampled_from(paths(data)))
    how = draw(st.sampled_from(["delete", "replace", "swap_type", "wrap_in_distribution"]))
    data = mutate_data(data, path, how, draw(plain_data))
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@st.composite
def garbled_scenarios(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(SEEDS)).splitlines(keepends=True)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not lines:
            break
        at = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        how = draw(st.sampled_from(["delete", "duplicate", "insert", "cut", "indent"]))
        if how == "delete":
            del lines[at]
        elif how == "duplicate":
            lines.insert(at, lines[at])  # a duplicated key, or a repeated list item
        elif how == "insert":
            lines.insert(at, draw(yaml_ish) + "\n")
        elif how == "cut":
            column = draw(st.integers(min_value=0, max_value=len(lines[at])))
            lines[at] = lines[at][:column] + draw(st.sampled_from(TOKENS)) + lines[at][column + 1 :]
        else:
            lines[at] = "  " + lines[at]
    return "".join(lines)


@pytest.mark.slow
@FUZZ
@given(mutated_scenarios())
def test_mutated_shipped_scenarios_never_escape_as_another_exception(text):
    survives(text)


@pytest.mark.slow
@FUZZ
@given(garbled_scenarios())
def test_garbled_shipped_scenarios_never_escape_as_another_exception(text):
    survives(text)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.lists(
                st.sampled_from(["militia", "forces", "us_asad", "schedule", "0", "1", "at", "x", "dist"]),
                min_size=1,
                max_size=4,
            ),
            st.sampled_from(
                ["0.5", "", "2024-06-01", "{dist: uniform, low: 1, high: 2}", "[1, 2]", "abc", "!!x y", "{"]
            ),
        ),
        max_size=3,
    )
)
def test_random_overrides_never_escape_as_another_exception(assignments):
    items = [".".join(path) + "=" + value for path, value in assignments]
    try:
        scenario_from_text(VALID, overrides=items)
    except ScenarioError as error:
        problems = error.problems
    else:
        return
    assert problems
