"""A parameter's allowed range: one marker that validation and the reference both read.

Every numeric parameter of the schema is annotated
``Annotated[float | Distribution, Range(low, high)]``. The :class:`Range` in the
annotation is the check pydantic runs (a plain number must lie in the range; a
distribution's whole support must) and the data the generated reference, the JSON
Schema and the posterior checks read through :func:`param_range`, so a range is
written once, in the schema.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin

from pydantic import GetCoreSchemaHandler
from pydantic.fields import FieldInfo
from pydantic_core import CoreSchema, core_schema


@dataclass(frozen=True)
class Range:
    """The values a number-or-distribution parameter may take: ``[low, high]``.

    ``None`` leaves a side open; ``strict_low`` / ``strict_high`` exclude the bound
    itself. As pydantic metadata it rejects booleans before any coercion (``true``
    would otherwise pass as 1.0), turns an accepted number into a ``float``, and
    checks a distribution by the whole of its support.

    Example:
        >>> from typing import Annotated
        >>> from pydantic import TypeAdapter
        >>> TypeAdapter(Annotated[float, Range(0.0, 1.0)]).validate_python(1)
        1.0
    """

    low: float | None = None
    high: float | None = None
    strict_low: bool = False
    strict_high: bool = False

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        checked = core_schema.no_info_after_validator_function(self.check, handler(source))
        return core_schema.no_info_before_validator_function(_no_bool, checked)

    def check(self, value: Any) -> Any:
        """Check ``value`` against the range.

        A number in range comes back as a float, a distribution whose support is in range
        unchanged; anything else is a ``ValueError`` saying what was expected.
        """
        low, high = self.low, self.high
        plain = isinstance(value, (int, float))
        lo, hi = (value, value) if plain else value.support()
        if plain and not math.isfinite(value):
            raise ValueError(f"expected a finite number, found {value}")
        what = "value" if plain else f"{value.dist} distribution"
        if low is not None and (lo < low or (self.strict_low and lo <= low)):
            bound = ">" if self.strict_low else ">="
            found = f"{lo}" if plain else f"one that can be {lo}"
            raise ValueError(f"expected a {what} {bound} {low}, found {found}")
        if high is not None and (hi > high or (self.strict_high and hi >= high)):
            bound = "<" if self.strict_high else "<="
            found = f"{hi}" if plain else f"one that can be {hi}"
            hint = f" (give it high: {high:g} to clip its draws)" if not plain and math.isinf(hi) else ""
            raise ValueError(f"expected a {what} {bound} {high}, found {found}{hint}")
        return float(value) if plain else value


def _no_bool(value: Any) -> Any:
    # Checked before pydantic would turn ``true`` into 1.0.
    if isinstance(value, bool):
        raise ValueError("expected a number or a distribution, found a boolean")
    return value


def param_range(info: FieldInfo) -> Range | None:
    """The :class:`Range` of a number-or-distribution field, or ``None`` if it has none."""
    for item in info.metadata:
        if isinstance(item, Range):
            return item
    return _nested_range(info.annotation)


def _nested_range(annotation: Any) -> Range | None:
    # A range inside a union or an optional: ``dt.date | Annotated[..., Range(...)] | None``.
    if get_origin(annotation) is Annotated:
        for item in annotation.__metadata__:
            if isinstance(item, Range):
                return item
    for arg in get_args(annotation):
        if not isinstance(arg, (FieldInfo, Range, str, int, float)):
            found = _nested_range(arg)
            if found is not None:
                return found
    return None
