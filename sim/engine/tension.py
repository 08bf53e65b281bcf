"""Militia tension: a scheduled level times the factors of active episodes.

``tension(t) = min(cap, level(t) * product of active episode factors)``. The level
follows the scenario's tension schedule (a regional war starting, a truce ...): a
point at day ``a`` (a date or a day offset, rounded up to a whole day) applies from
the day step of day ``ceil(a)``. Episodes come from retaliation strikes (deterrence
lowers tension for a while, escalation raises it): an episode started on day ``d``
lasting ``D`` days applies on days ``d`` to ``d + max(1, ceil(D)) - 1``. Changes take
effect at day steps, which keeps the militia background rate constant within a day.
"""

from __future__ import annotations

import math

from sim.engine.world import World


class Tension:
    """The tension level, its schedule and the active episodes of one trial.

    Args:
        world: the trial's state; ``world.tension`` is kept equal to the current value.
        initial: the level at the start.
        schedule: (day, level) points in time order.
        cap: the upper limit of tension after episodes multiply it.
    """

    def __init__(self, world: World, initial: float, schedule: list[tuple[int, float]], cap: float):
        self.world = world
        self.level = initial
        self.schedule = list(schedule)
        self.cap = cap
        self.episodes: list[tuple[int, float]] = []  # (end day, factor)
        self.next_change = math.inf  # the next day on which something is due
        self._update()

    def on_day(self, day: int) -> None:
        """Apply scheduled changes due today and end expired episodes."""
        if self.next_change > day:
            return
        while self.schedule and self.schedule[0][0] <= day:
            _, self.level = self.schedule.pop(0)
            self.world.record("tension", value=self.level)
        self.episodes = [(end, factor) for end, factor in self.episodes if end > day]
        self._update()

    def episode(self, day: int, factor: float, duration_days: float) -> None:
        """Multiply tension by ``factor`` from today for ``duration_days`` (whole days)."""
        self.episodes.append((day + max(1, math.ceil(duration_days)), factor))
        self._update()

    def _update(self) -> None:
        value = self.level
        for _, factor in self.episodes:
            value *= factor
        self.world.tension = min(self.cap, value)
        ends = [end for end, _ in self.episodes]
        if self.schedule:
            ends.append(self.schedule[0][0])
        self.next_change = min(ends, default=math.inf)
