"""Region-level troop targets: ``region_schedules`` resolved into element waypoints.

A target ("1,500 in Kurdistan by 2025-09-01") becomes one calendar waypoint of every
coalition (non-bilateral) element at a base of the region, with the target's ``at`` and
``ramp_days``. The troops are split in proportion to the level each element has on its
own schedule when the move starts, so the mix of contingents and bases stays as it is
then; if every such level is zero, in proportion to the troops at the start. Targets
are resolved in the order written, each seeing the waypoints of the ones before, so a
second target of a region splits the level the first one left.

Resolution happens once, when the scenario loads (:func:`resolve_regions`, called by the
loader): the scenario the engine receives has only element schedules and an empty
``region_schedules``, so dumping and reloading it gives the same scenario. The document's
``derived`` map says which target wrote each generated waypoint (``python -m sim show``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from typing import Any, NamedTuple

from sim.scenario.errors import Problem
from sim.scenario.schema import REGIONS, Scenario
from sim.scenario.yaml_source import Document, Path_, dotted


class Move(NamedTuple):
    """One waypoint of an element's calendar schedule, as day offsets from the start."""

    day: float
    troops: float
    ramp_days: float
    origin: int | str  # the index written in the file, or the target that generated it


def resolve_regions(scenario: Scenario, document: Document) -> list[Problem]:
    """Write every target of ``scenario.region_schedules`` into ``document`` as element waypoints.

    On success ``document.data`` holds the element schedules with the generated waypoints
    in time order and no ``region_schedules``; the marks of the waypoints written in the
    file follow their new positions, and ``document.derived`` names the target of each
    generated one. Returns the problems that stop the resolution (then nothing is changed).
    """
    coalition = {
        key: scenario.bases[force.base].region
        for key, force in scenario.forces.items()
        if not force.bilateral and force.base in scenario.bases
    }
    schedules: dict[str, list[Move]] = {}
    problems: list[Problem] = []
    for region, targets in scenario.region_schedules.items():
        members = [key for key, where in coalition.items() if where == region]
        found = _unresolvable(scenario, region, members)
        if found is not None:
            problems.append(_problem(document, ("region_schedules", region), found))
            continue
        for key in members:
            schedules.setdefault(key, _moves(scenario, key))
        problems += _resolve_region(scenario, document, region, targets, members, schedules)
    if problems:
        return problems
    _write(scenario, document, schedules)
    return []


def level_on(day: float, start: float, moves: list[Move]) -> float:
    """An element's troops on ``day`` (schedule clock, no pauses).

    Each waypoint starts a linear ramp from the level of its moment, cutting short the
    ramp before it, as :mod:`sim.engine.drawdown` moves an element.
    """
    ramp = (0.0, start, 0.0, start)

    def on(x: float) -> float:
        x0, level0, x1, level1 = ramp
        return level1 if x >= x1 else level0 + (level1 - level0) * (x - x0) / (x1 - x0)

    for move in moves:
        if move.day > day:
            break
        ramp = (move.day, on(move.day), move.day + move.ramp_days, move.troops)
    return on(day)


def split(total: float, weights: list[float]) -> list[float]:
    """Split ``total`` in proportion to ``weights``.

    A whole ``total`` is split in whole parts that sum to it (largest remainders, ties to
    the first).
    """
    exact = [total * w / sum(weights) for w in weights]
    if not float(total).is_integer():
        return exact
    whole = [math.floor(x + 1e-9) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (whole[i] - exact[i], i))
    for i in order[: int(total) - sum(whole)]:
        whole[i] += 1
    return [float(x) for x in whole]


def _unresolvable(scenario: Scenario, region: str, members: list[str]) -> str | None:
    """Why the targets of ``region`` cannot be split across ``members``, or ``None``."""
    if not members:
        bases = [key for key, base in scenario.bases.items() if base.region == region]
        there = f"bases there: {', '.join(bases)}" if bases else "no base there"
        return (
            f"expected a region with a coalition (non-bilateral) element to split the targets "
            f"across, found none in {region} ({there}; regions: {', '.join(REGIONS)})"
        )
    for key in members:
        force = scenario.forces[key]
        if _drawn(force.troops):
            return f"expected fixed troops to split by, found forces.{key}.troops drawn from a distribution"
        for i, waypoint in enumerate(force.schedule):
            if waypoint.when is not None:
                return (
                    f"expected calendar schedules in {region} to place the targets among, found "
                    f"forces.{key}.schedule.{i} conditions-based (when)"
                )
            for name in ("at", "troops", "ramp_days"):
                if _drawn(getattr(waypoint, name)):
                    return (
                        f"expected fixed schedules in {region} to split by, found "
                        f"forces.{key}.schedule.{i}.{name} drawn from a distribution"
                    )
    return None


def _resolve_region(
    scenario: Scenario,
    document: Document,
    region: str,
    targets: list[Any],
    members: list[str],
    schedules: dict[str, list[Move]],
) -> list[Problem]:
    problems = []
    previous_end, previous = -math.inf, None
    for k, target in enumerate(targets):
        where = ("region_schedules", region, k)
        label = f"region_schedules.{region}.{k}"
        day = float(scenario.day_of(target.at))
        end = day + target.ramp_days
        if day < 0:
            found = f"expected a date on or after the start {scenario.start}, found {target.at}"
            problems.append(_problem(document, _moment(document, where), found))
            continue
        if day < previous_end:
            found = (
                f"expected targets in time order, each starting on or after the end of the one "
                f"before (region_schedules.{region}.{previous}, {_when(scenario, previous_end)}), found "
                f"a start on {_when(scenario, day)}"
            )
            problems.append(_problem(document, _moment(document, where), found))
            continue
        clashes = [
            (key, i, move)
            for key in members
            for i, move in enumerate(schedules[key])
            if move.day == day or day <= move.day < end
        ]
        if clashes:
            key, i, move = clashes[0]
            written = move.origin if isinstance(move.origin, str) else f"forces.{key}.schedule.{move.origin}"
            found = (
                f"expected no element waypoint of {region} starting on the target's start or "
                f"during its ramp ({_when(scenario, day)} to {_when(scenario, end)}), found {written} "
                f"starting on {_when(scenario, move.day)}"
            )
            problems.append(_problem(document, _moment(document, where), found))
            continue
        starts = [float(scenario.forces[key].troops) for key in members]
        levels = [level_on(day, start, schedules[key]) for key, start in zip(members, starts, strict=True)]
        weights = levels if sum(levels) > 0 else starts
        if sum(weights) <= 0 and target.troops > 0:
            found = (
                f"expected elements with troops to split {target.troops:g} across, found every element "
                f"of {region} ({', '.join(members)}) at zero from the start"
            )
            problems.append(_problem(document, where, found))
            continue
        shares = split(target.troops, weights) if target.troops > 0 else [0.0] * len(members)
        for key, troops in zip(members, shares, strict=True):
            moves = schedules[key]
            position = bisect.bisect_right([m.day for m in moves], day)
            moves.insert(position, Move(day, troops, float(target.ramp_days), label))
        previous_end, previous = end, k
    return problems


def _moves(scenario: Scenario, key: str) -> list[Move]:
    return [
        Move(float(scenario.day_of(w.at)), float(w.troops), float(w.ramp_days), i)
        for i, w in enumerate(scenario.forces[key].schedule)
    ]


def _write(scenario: Scenario, document: Document, schedules: dict[str, list[Move]]) -> None:
    """Put the resolved schedules into the document, with their marks and origins."""
    data = document.data
    data.pop("region_schedules")
    for key, moves in schedules.items():
        if all(isinstance(m.origin, int) for m in moves):
            continue
        element = data["forces"][key]
        written = element.get("schedule") or []
        prefix: Path_ = ("forces", key, "schedule")
        renumbered = {m.origin: j for j, m in enumerate(moves) if isinstance(m.origin, int)}
        for marks in (document.values, document.keys):
            _renumber(marks, prefix, renumbered)
        schedule = []
        for j, move in enumerate(moves):
            if isinstance(move.origin, int):
                schedule.append(written[move.origin])
                continue
            _, region, k = move.origin.split(".")
            target = scenario.region_schedules[region][int(k)]
            schedule.append({"at": target.at, "troops": move.troops, "ramp_days": move.ramp_days})
            mark = document.mark(("region_schedules", region, int(k)))
            place = f"{mark.file}:{mark.line}" if mark.line else mark.file
            document.derived[(*prefix, j)] = f"{move.origin}, {place}"
        data["forces"][key] = {**element, "schedule": schedule}


def _renumber(marks: dict[Path_, Any], prefix: Path_, new_index: dict[int, int]) -> None:
    """Move the marks of a schedule's waypoints to their positions after the insertions."""
    n = len(prefix)
    moved = {}
    for path in [p for p in marks if p[:n] == prefix and len(p) > n and isinstance(p[n], int)]:
        mark, old = marks.pop(path), path[n]
        if isinstance(old, int) and old in new_index:
            moved[(*prefix, new_index[old], *path[n + 1 :])] = mark
    marks.update(moved)


def _when(scenario: Scenario, day: float) -> str:
    """A day offset as the reader wrote it: the date, and the day."""
    if day.is_integer():
        return f"{scenario.start + dt.timedelta(days=int(day))} (day {day:g})"
    return f"day {day:g}"


def _moment(document: Document, where: Path_) -> Path_:
    """The path of the field a target's moment was written in (``by`` or ``at``)."""
    return (*where, "by") if (*where, "by") in document.values else (*where, "at")


def _problem(document: Document, where: Path_, message: str) -> Problem:
    return Problem.at(document.mark(where), dotted(where), message)


def _drawn(value: Any) -> bool:
    return value is not None and not isinstance(value, (int, float, dt.date))
