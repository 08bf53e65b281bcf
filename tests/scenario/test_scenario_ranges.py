"""One Range marker per numeric parameter: the check validation runs is the range the
reference reads, and a fixed scenario hands the engine plain floats."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from sim.scenario.distributions import Uniform
from sim.scenario.loader import load_scenario
from sim.scenario.ranges import Range, param_range
from sim.scenario.reference import _MODELS
from sim.scenario.sampling import draw_parameters, fix, value_at
from sim.scenario.schema import Scenario

SHIPPED = sorted((Path(__file__).parents[2] / "scenarios").glob("*.yaml"))


def ranged_fields() -> Iterator[tuple[str, FieldInfo, Range]]:
    for model in _MODELS.values():
        for name, info in model.model_fields.items():
            bounds = param_range(info)
            if bounds is not None:
                yield f"{model.__name__}.{name}", info, bounds


RANGED = list(ranged_fields())


def field_adapter(info: FieldInfo) -> TypeAdapter[Any]:
    # The field's own annotation and metadata, as pydantic validates it inside its model.
    return TypeAdapter(Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation)


def test_the_schema_has_ranged_parameters_and_every_range_is_a_range_marker():
    assert len(RANGED) > 100
    assert all(isinstance(bounds, Range) for _, _, bounds in RANGED)


@pytest.mark.parametrize(("where", "info", "bounds"), RANGED, ids=[w for w, _, _ in RANGED])
def test_validation_accepts_and_refuses_exactly_at_the_range_the_reference_reads(where, info, bounds):
    adapter = field_adapter(info)
    for edge, strict, outward in (
        (bounds.low, bounds.strict_low, -1.0),
        (bounds.high, bounds.strict_high, 1.0),
    ):
        if edge is None:
            continue
        beyond = edge + outward * max(1e-6, abs(edge) * 1e-6)
        with pytest.raises(ValidationError):
            adapter.validate_python(beyond)
        if strict:
            with pytest.raises(ValidationError):
                adapter.validate_python(edge)
        else:
            assert adapter.validate_python(edge) == edge


def test_a_range_turns_an_accepted_number_into_a_float_and_refuses_booleans():
    adapter = TypeAdapter(Scenario.model_fields["militia"].annotation)
    militia = adapter.validate_python({"branching_ratio": 0})
    assert type(militia.branching_ratio) is float
    with pytest.raises(ValidationError, match="found a boolean"):
        adapter.validate_python({"branching_ratio": True})


def test_a_distribution_is_checked_by_its_whole_support():
    adapter = TypeAdapter(Scenario.model_fields["militia"].annotation)
    with pytest.raises(
        ValidationError, match="expected a uniform distribution <= 0.95, found one that can be 0.99"
    ):
        adapter.validate_python({"branching_ratio": {"dist": "uniform", "low": 0.5, "high": 0.99}})


def test_a_distribution_refuses_to_be_read_as_one_number():
    with pytest.raises(TypeError, match="found a uniform distribution"):
        float(Uniform(dist="uniform", low=0.0, high=1.0))


def numbers(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every value of a ranged field in a scenario, by path."""
    if isinstance(node, BaseModel):
        for name, info in type(node).model_fields.items():
            value = getattr(node, name)
            here = f"{path}.{name}" if path else name
            if param_range(info) is not None and value is not None:
                yield here, value
            else:
                yield from numbers(value, here)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from numbers(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from numbers(value, f"{path}.{i}")


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_fixed_shipped_scenario_gives_the_engine_plain_floats(path):
    scenario = load_scenario(path)
    drawn = draw_parameters(scenario, 1, seed=3)
    fixed = fix(scenario, {p: v[0] for p, v in drawn.items()})
    found = dict(numbers(fixed))
    assert found
    for where, value in found.items():
        if hasattr(value, "isoformat"):
            continue  # a moment written as a calendar date
        assert type(value) is float, (where, value)
        assert math.isfinite(value)
    for where in drawn:
        assert type(value_at(fixed, where)) is float
