"""Militia tension: a scheduled level times the factors of active episodes.

``tension(t) = min(cap, level(t) * product of active episode factors)``. The level
follows the scenario's tension schedule (a regional war starting, a truce ...);
episodes come from retaliation strikes (deterrence lowers tension for a while,
escalation raises it). Changes take effect at day boundaries, which keeps the
militia background rate constant within a day.
"""

from __future__ import annotations

import math

from sim.engine.world import World


class Tension:
    def __init__(self, world: World, initial: float, schedule: list[tuple[float, float]], cap: float):
        self.world = world
        self.level = initial
        self.schedule = schedule  # (day, level), in time order
        self.cap = cap
        self.episodes: list[tuple[int, float]] = []  # (end day, factor)
        self.next_end = math.inf  # the earliest end of an active episode
        self._update()

    def due(self, day: int) -> bool:
        """True if a scheduled change or an episode's end falls on this day."""
        return bool(self.schedule) and self.schedule[0][0] <= day or self.next_end <= day

    def on_day(self, day: int) -> None:
        """Apply scheduled changes due today and end expired episodes."""
        changed = False
        while self.schedule and self.schedule[0][0] <= day:
            _, self.level = self.schedule.pop(0)
            self.world.record("tension", value=self.level)
            changed = True
        if self.episodes and any(end <= day for end, _ in self.episodes):
            self.episodes = [(end, factor) for end, factor in self.episodes if end > day]
            self.next_end = min((end for end, _ in self.episodes), default=math.inf)
            changed = True
        if changed:
            self._update()

    def episode(self, day: int, factor: float, duration_days: float) -> None:
        """Multiply tension by ``factor`` from today for ``duration_days`` (whole days)."""
        end = day + max(1, math.ceil(duration_days))
        self.episodes.append((end, factor))
        self.next_end = min(self.next_end, end)
        self._update()

    def _update(self) -> None:
        value = self.level
        for _, factor in self.episodes:
            value *= factor
        self.world.tension = min(self.cap, value)
