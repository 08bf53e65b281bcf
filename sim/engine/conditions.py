"""Conditions as data: daily metrics compared with thresholds, held for some days.

A condition such as ``readiness >= 0.6 for 90 days`` is checked once a day, after
the day step has advanced the state. Each condition keeps a counter of consecutive
days it has held; a ``When`` (``all`` or ``any`` of its conditions) holds when its
conditions' counters reach their ``for_days``. A waypoint's counters start again when
the waypoint becomes due and count only days on or after its ``not_before``
(:class:`sim.engine.drawdown.Triggers`), so a condition tests the days it names. Nothing here evaluates text: metrics
and comparisons are looked up in fixed tables.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from sim.engine.world import World

COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


class AttackWindow:
    """Militia attacks over the last 30 days, from a ring of daily counts."""

    __slots__ = ("_days", "_i", "total")

    def __init__(self, length: int = 30):
        self._days = [0] * length
        self._i = 0
        self.total = 0

    def push(self, attacks_today: int) -> None:
        """Add today's count, dropping the day that leaves the window."""
        self.total += attacks_today - self._days[self._i]
        self._days[self._i] = attacks_today
        self._i = (self._i + 1) % len(self._days)


def metric_reader(world: World, window: AttackWindow) -> dict[str, Callable[[], float]]:
    """How to read each metric named in the schema from the world."""
    return {
        "readiness": lambda: world.readiness,
        "capability": lambda: world.capability,
        "isis_strength": lambda: world.isis_strength,
        "territory": lambda: world.territory,
        "tension": lambda: world.tension,
        "pressure": lambda: world.pressure,
        "troops": lambda: world.troops,
        "attacks_30d": lambda: float(window.total),
    }


class Tracked:
    """One condition with its count of consecutive days held."""

    __slots__ = ("read", "compare", "value", "for_days", "held")

    def __init__(self, read: Callable[[], float], op: str, value: float, for_days: int):
        self.read = read
        self.compare = COMPARE[op]
        self.value = value
        self.for_days = for_days
        self.held = 0

    def update(self) -> None:
        """Read today's value: one more day held, or none."""
        self.held = self.held + 1 if self.compare(self.read(), self.value) else 0

    @property
    def satisfied(self) -> bool:
        """Held for its ``for_days`` days."""
        return self.held >= self.for_days


class TrackedWhen:
    """An ``all``/``any`` combination of tracked conditions."""

    __slots__ = ("parts", "combine")

    def __init__(self, parts: list[Tracked], combine: str):
        self.parts = parts
        self.combine = all if combine == "all" else any

    def holds(self) -> bool:
        """The combination holds today."""
        return self.combine(part.satisfied for part in self.parts)

    def restart(self) -> None:
        """Count from tomorrow: the waypoint these conditions start has just become due."""
        for part in self.parts:
            part.held = 0

    def count_from_today(self) -> None:
        """Forget the days before today (``not_before`` is reached today)."""
        for part in self.parts:
            part.held = min(part.held, 1)


class Conditions:
    """Every condition of a trial, updated together once a day."""

    def __init__(self, world: World):
        self.window = AttackWindow()
        self._read = metric_reader(world, self.window)
        self._tracked: list[Tracked] = []

    def track(self, when) -> TrackedWhen:
        """Start tracking a schema ``When``; returns the object to ask ``holds()``."""
        parts = [Tracked(self._read[c.metric], c.op, float(c.value), c.for_days) for c in when.conditions]
        self._tracked.extend(parts)
        return TrackedWhen(parts, "all" if when.all is not None else "any")

    @property
    def active(self) -> bool:
        """True if any condition is tracked (otherwise there is nothing to update)."""
        return bool(self._tracked)

    def update(self, attacks_today: int) -> None:
        """Advance every counter by one day (call after the day's state is set)."""
        self.window.push(attacks_today)
        for tracked in self._tracked:
            tracked.update()
