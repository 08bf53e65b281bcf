"""Where each value of a resolved scenario comes from.

Its file and line, a parent it extends, a ``--set`` override, or the schema's default.

``python -m sim show FILE`` prints :func:`value_sources`; :data:`TEMPLATE` is what
``python -m sim new`` writes: a small scenario that runs as it is, with a comment on
every line saying what to change.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from typing import Any, NamedTuple

from sim.scenario.loader import Overrides, load_document
from sim.scenario.overrides import SOURCE
from sim.scenario.yaml_source import Document


class Source(NamedTuple):
    """One value of a resolved scenario, and where it comes from.

    Its dotted ``path``, the ``value`` as it would be written in YAML, and its source
    (``file:line``, ``--set`` or ``default``).
    """

    path: str
    value: str
    source: str


def value_sources(path: str | os.PathLike[str], overrides: Overrides = None) -> list[Source]:
    """Every value of the scenario in ``path``, resolved, each with where it comes from.

    Resolved: ``extends`` merged, overrides applied, defaults filled.

    A distribution is one value. Raises :class:`~sim.scenario.errors.ScenarioError` as
    :func:`~sim.scenario.loader.load_scenario` does.
    """
    scenario, document = load_document(path, overrides)
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    found = []
    for where, value in _leaves(data, ()):
        found.append(Source(".".join(map(str, where)), _written(value), _origin(document, where)))
    return found


def _origin(document: Document, where: tuple[str | int, ...]) -> str:
    if where == ("region_schedules",) and document.derived:
        return "resolved into the forces' schedules (each waypoint says from which target)"
    if where[:4] in document.derived:
        return f"from {document.derived[where[:4]]}"
    mark = document.values.get(where)
    if mark is None and where[-1:] == ("at",) and (*where[:-1], "by") in document.values:
        return f"by - ramp_days, {_origin(document, (*where[:-1], 'by'))}"
    if mark is None:
        return "default"
    if mark.file == SOURCE:
        return SOURCE
    return f"{mark.file}:{mark.line}" if mark.line else mark.file


def _leaves(value: Any, where: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if isinstance(value, dict) and "dist" not in value and value:
        for key, inner in value.items():
            yield from _leaves(inner, (*where, key))
    elif isinstance(value, list) and value and not all(isinstance(v, (int, float, str)) for v in value):
        for index, inner in enumerate(value):
            yield from _leaves(inner, (*where, index))
    else:
        yield where, value


def _written(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_written(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_written(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


TEMPLATE = f"""\
# A scenario: what happens if the coalition leaves on this timeline?
# Check it with `python -m sim validate FILE`, see every value and where it comes from with
# `python -m sim show FILE`, and run it with `python -m sim FILE`. Every field is described in
# docs/scenarios.md; a field left out takes its default (`show` lists them). To start from a
# shipped scenario instead, add `extends: PATH/TO/scenarios/baseline.yaml` and keep only what changes.
name: my_timeline
description: Keep 1,500 troops in Erbil to the end of 2026; leave Baghdad and Al Asad by September 2025.
start: {dt.date(2025, 1, 1)}
end: 2029-01-01                   # at least 24 months past the exit, so the risk after it can be seen

bases:                            # region: federal_iraq (the default), kurdistan or syria
  al_asad: {{}}
  baghdad: {{}}
  erbil: {{region: kurdistan}}

forces:                           # one element per contingent and base; troops at the start
  us_al_asad: {{base: al_asad, troops: 1000}}
  us_baghdad: {{base: baghdad, troops: 600}}
  us_erbil: {{base: erbil, troops: 2500}}

region_schedules:                 # targets by region, split across its elements when the file loads
  federal_iraq:                   # (`show` lists the waypoints each element gets)
    - {{by: 2025-09-01, troops: 0, ramp_days: 90}}      # `by`: the date the level is reached
  kurdistan:
    - {{by: 2025-09-01, troops: 1500, ramp_days: 90}}   # down to a residual force ...
    - {{by: 2026-12-31, troops: 0, ramp_days: 60}}      # ... that leaves at the end of 2026
# An element may instead have its own `schedule:` of the same waypoints (docs/scenarios.md).

militia:
  attack_rate_per_day: {{dist: lognormal, median: 1.75, spread: 1.25, high: 100}}   # drawn per trial

monte_carlo: {{trials: 1000, seed: 1}}
"""
