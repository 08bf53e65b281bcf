"""Goals and conditions on outcomes: ``"collapse_within_24m <= 0.05"``.

A goal names an outcome, a comparison and a value. Values are in the outcome's own
units, and a probability is a fraction (0.05), never a percent: readers see percent
in printed text. Goals are data, parsed by a pattern; nothing is ever evaluated.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.explore.levers import ExploreError

_OPS: dict[str, Callable] = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}
_GOAL = re.compile(
    r"^\s*(?P<outcome>[A-Za-z_][A-Za-z0-9_:.-]*)\s*(?P<op><=|>=|<|>)\s*(?P<value>[-+0-9.eE]+)\s*$"
)


@dataclass(frozen=True)
class Goal:
    """``outcome op value``: for instance ``collapse_within_24m <= 0.05``."""

    outcome: str
    op: str
    value: float

    @property
    def upper(self) -> bool:
        """True when the goal bounds the outcome from above (``<=`` or ``<``)."""
        return self.op in ("<=", "<")

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Where the goal holds for ``values`` (False where a value is ``nan``)."""
        values = np.asarray(values, float)
        return np.isfinite(values) & _OPS[self.op](np.nan_to_num(values, nan=0.0), self.value)

    def text(self, percent: bool = False) -> str:
        """The goal as text; ``percent``: the value as a percentage (for a probability)."""
        value = f"{100 * self.value:g}%" if percent else f"{self.value:g}"
        return f"{self.outcome} {self.op} {value}"


def parse_goal(text: str | Goal) -> Goal:
    """A :class:`Goal` from text such as ``"collapse_within_24m <= 0.05"``."""
    if isinstance(text, Goal):
        return text
    match = _GOAL.match(str(text))
    if match is None:
        raise ExploreError(
            f"goal: expected OUTCOME OP VALUE with OP one of <=, <, >=, > (e.g. "
            f"'collapse_within_24m <= 0.05'), found {text!r}"
        )
    try:
        value = float(match["value"])
    except ValueError:
        raise ExploreError(f"goal: expected a number after {match['op']}, found {match['value']!r}") from None
    if not np.isfinite(value):
        raise ExploreError(f"goal: expected a finite number, found {match['value']!r}")
    return Goal(match["outcome"], match["op"], value)
