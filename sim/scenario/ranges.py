"""A parameter field's allowed range, read from the schema's own range check.

Every numeric parameter of the schema is typed ``Param(low, high, ...)``, whose check
carries its bounds; the generated reference, the JSON Schema and the posterior checks
read them here, so the range is written once, in the schema.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Annotated, Any, get_args, get_origin

from pydantic import AfterValidator
from pydantic.fields import FieldInfo


def param_range(info: FieldInfo) -> tuple[float | None, float | None, bool, bool] | None:
    """The ``(low, high, strict_low, strict_high)`` range of a number-or-distribution field."""
    for validator in _after_validators(info):
        bounds = getattr(validator.func, "range", None)
        if bounds is not None:
            return tuple(bounds)  # type: ignore[return-value]
        names = inspect.getclosurevars(validator.func).nonlocals
        if {"low", "high", "strict_low", "strict_high"} <= set(names):
            return names["low"], names["high"], names["strict_low"], names["strict_high"]
    return None


def _after_validators(info: FieldInfo) -> Iterator[AfterValidator]:
    for item in info.metadata:
        if isinstance(item, AfterValidator):
            yield item
    yield from _nested_validators(info.annotation)


def _nested_validators(annotation: Any) -> Iterator[AfterValidator]:
    if get_origin(annotation) is Annotated:
        for item in annotation.__metadata__:
            if isinstance(item, AfterValidator):
                yield item
    for arg in get_args(annotation):
        if not isinstance(arg, (FieldInfo, str, int, float)):
            yield from _nested_validators(arg)
