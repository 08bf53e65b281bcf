"""A scenario's ``posterior`` section checked against the scenario (called by the schema).

The file itself is read and checked by :mod:`sim.scenario.posterior`; here each parameter
it gives is checked against the scenario: a numeric parameter whose range holds every
particle's value, and values that keep the scenario's checks across fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ValidationError

from sim.scenario.distributions import _Dist
from sim.scenario.errors import quoted, show
from sim.scenario.posterior import PosteriorFile, PosteriorFileError, read_posterior, shown_path
from sim.scenario.ranges import param_range
from sim.scenario.sampling import value_at

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

Where = tuple[str | int, ...]


def check_section(scenario: Scenario) -> list[tuple[Where, str]]:
    """Problems of a scenario's ``posterior`` section, each at the field it is about.

    Reads the file (refused as :func:`read_posterior` says), then checks that a
    ``parameters`` subset names parameters of the file, and that every parameter taken
    from it is a numeric parameter of the scenario (a field that holds a number or a
    distribution) whose range holds every particle's value. Once the values fit their
    fields, the scenario's checks across fields (roles summing to at most 1, weapon
    shares that are plain numbers, schedules in time order ...) are run once with each
    parameter standing at the whole range of its particles, which is conservative: a
    file passes if every combination of its values would. When all is well the file is
    attached to the section (``scenario.posterior.data``).
    """
    section = scenario.posterior
    if section is None:
        return []  # nothing to check
    try:
        posterior = read_posterior(section.file)
    except PosteriorFileError as error:
        return [(("posterior", "file"), str(error))]
    found: list[tuple[Where, str]] = []
    where: dict[str, Where] = {}
    for j, path in enumerate(section.parameters or ()):
        loc: Where = ("posterior", "parameters", j)
        if path in where:
            found.append((loc, f"expected each parameter once, found {quoted(path)} again"))
        elif path not in posterior.parameters:
            listed = ", ".join(posterior.parameters[:8]) + (" ..." if len(posterior.parameters) > 8 else "")
            found.append(
                (
                    loc,
                    f"expected one of the parameters of {shown_path(section.file)} ({listed}), found {quoted(path)}",
                )
            )
        where.setdefault(path, loc)
    named = (
        posterior.parameters
        if section.parameters is None
        else [p for p in posterior.parameters if p in where]
    )
    named = [p for p in named if not section.excludes(p)]
    for path in named:
        reason = _field_problem(scenario, path, posterior)
        if reason is not None:
            found.append((where.get(path, ("posterior", "file")), reason))
    if not found:
        found = _cross_field_problems(scenario, named, posterior, where)
    if not found:
        section._read = posterior
    return found


def _field_problem(scenario: Scenario, path: str, posterior: PosteriorFile) -> str | None:
    """Why ``path`` cannot take the posterior's values, or ``None``."""
    parent_path, _, name = path.rpartition(".")
    parent = value_at(scenario, parent_path) if parent_path else scenario
    is_model = isinstance(parent, BaseModel) and not isinstance(parent, _Dist)
    fields = type(parent).model_fields if is_model else {}
    info = fields.get(name)
    bounds = param_range(info) if info is not None else None
    value = getattr(parent, name) if info is not None else None
    if bounds is None or not isinstance(value, (float, _Dist)):
        held = f" (it holds {show(value)})" if info is not None else ""
        if bounds is not None and value is None:
            held += "; give it a number in the scenario to take it from the posterior"
        return (
            f"expected the path of a numeric parameter of this scenario (a field that holds a number or "
            f"a distribution), found {quoted(path)}{held}"
        )
    low, high, strict_low, strict_high = bounds.low, bounds.high, bounds.strict_low, bounds.strict_high
    values = posterior.column(path)
    bad = np.zeros(len(values), dtype=bool)
    if low is not None:
        bad |= (values <= low) if strict_low else (values < low)
    if high is not None:
        bad |= (values >= high) if strict_high else (values > high)
    if not bad.any():
        return None
    i = int(np.flatnonzero(bad)[0])
    limits = []
    if low is not None:
        limits.append(f"{'>' if strict_low else '>='} {low:g}")
    if high is not None:
        limits.append(f"{'<' if strict_high else '<='} {high:g}")
    return (
        f"expected values of {path} {' and '.join(limits)} (its range) in {shown_path(posterior.path)}, "
        f"found {values[i]:g} in particle {i}"
    )


def _cross_field_problems(
    scenario: Scenario, named: Any, posterior: PosteriorFile, where: dict[str, Where]
) -> list[tuple[Where, str]]:
    """The scenario's checks across fields, with each posterior parameter at its particles' range."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude={"posterior", "correlations"})
    for path in named:
        low, high = posterior.weighted_range(path)
        stand_in: Any = low if low == high else {"dist": "uniform", "low": low, "high": high}
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = stand_in
    try:
        type(scenario).model_validate(data)
    except ValidationError as error:
        found = []
        for item in error.errors(include_url=False):
            field = ".".join(str(p) for p in item["loc"] if isinstance(p, int) or "[" not in p)
            message = str(item["msg"]).removeprefix("Value error, ")
            touched = [p for p in named if p.startswith(field) or field.startswith(p)]
            loc = where.get(touched[0], ("posterior", "file")) if touched else ("posterior", "file")
            found.append(
                (
                    loc,
                    f"expected particles that keep the scenario valid whatever their values, found that "
                    f"the values of {', '.join(touched or named)} in {shown_path(posterior.path)} can break "
                    f"{field or 'the scenario'}: {message}",
                )
            )
        return found
    return []
