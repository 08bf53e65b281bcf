"""Militia tension: a scheduled level, regional episodes, and what strikes did.

``tension(t) = min(cap, level(t) * regional(t) * deterred(t) * escalated(t))``:

- ``level`` follows the scenario's tension schedule: a point at day ``a`` (a date or
  a day offset, rounded up to a whole day) applies from the day step of day ``ceil(a)``;
- ``regional`` is the product of the factors of the named regional episodes in force
  (a regional war, a truce, a US-Iran deal), each from the day step of its first day
  to the day step of its last;
- ``deterred`` and ``escalated`` are what retaliation strikes left. A deterring strike
  moves ``deterred`` down to its factor ``f`` at once, and it then recovers towards 1
  as ``1 - (1 - f) exp(-t / recovery)``; an escalating strike moves ``escalated`` up
  to its factor, and it returns towards 1 the same way. A new episode starts from the
  stronger of its own factor and what is left of the current one, so episodes never
  multiply without limit.

Changes take effect at day steps, which keeps the militia background rate constant
within a day. The recovering multipliers are held piecewise constant: they are set
anew on the first day step on which the exact curve has moved by
:data:`STEP` (5%) of its value, and at the end of an episode they return to 1 once they
are within :data:`DONE` of it. So the rate in force stays within 5% of the exact
curve, while a recovery from a factor of 0.02 takes about 80 updates instead of one a
day (each rise of the background wakes the militia's process).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.engine.world import NEVER, World

STEP = 0.05
"""Relative move of a recovering multiplier that makes the day step set it anew."""

DONE = 1e-3
"""A recovering multiplier within this of 1 is set to 1: the episode is over."""

_UP, _DOWN = 1.0 + STEP, 1.0 - STEP  # the next value set, over the value now: below 1, above 1


class Recovery:
    """A multiplier that jumps to a factor and returns exponentially towards 1.

    ``value(d) = 1 + (m0 - 1) exp(-(d - d0) / tau)`` for the latest start ``(d0, m0, tau)``;
    :attr:`current` is the value in force (piecewise constant) and :attr:`next_day` the
    day step on which it is next set.
    """

    __slots__ = ("current", "next_day", "_start", "_gap", "_tau")

    def __init__(self) -> None:
        self.current = 1.0
        self.next_day = NEVER
        self._start = 0  # d0
        self._gap = 0.0  # m0 - 1
        self._tau = 1.0

    def left(self, day: int) -> float:
        """The exact multiplier's distance from 1 on ``day``: ``m(d) - 1``."""
        if self.current == 1.0:
            return 0.0
        return self._gap * math.exp(-(day - self._start) / self._tau)

    def start(self, day: int, factor: float, tau: float, stronger) -> None:
        """Start an episode today.

        The multiplier becomes the stronger (by ``stronger``, ``min`` for deterrence, ``max``
        for escalation) of ``factor`` and what is left.
        """
        value = stronger(factor, 1.0 + self.left(day))
        self._start, self._gap, self._tau = day, value - 1.0, tau
        self._set(day, value)

    def on_day(self, day: int) -> None:
        """Set the multiplier anew (called on :attr:`next_day`, so while an episode lasts)."""
        # left(day), written out: this runs some 700 times a trial.
        self._set(day, 1.0 + self._gap * math.exp(-(day - self._start) / self._tau))

    def _set(self, day: int, value: float) -> None:
        gap = value - 1.0
        if -DONE <= gap <= DONE:
            self.current, self.next_day = 1.0, NEVER
            return
        self.current = value
        # The first day on which the exact curve has moved by STEP of the value set
        # (towards 1), or the episode is over: solve 1 + gap * exp(-t / tau) = target.
        remaining = value * _DOWN - 1.0 if gap > 0.0 else value * _UP - 1.0
        if remaining * gap <= 0.0 or -DONE <= remaining <= DONE:  # the step would cross 1
            remaining = math.copysign(DONE, gap)
        days = math.ceil(self._tau * math.log(gap / remaining))
        self.next_day = day + days if days > 1 else day + 1


class Tension:
    """The tension of one trial: its schedule, regional episodes and strike episodes.

    Args:
        world: the trial's state; ``world.tension`` is kept equal to the current value.
        initial: the level at the start.
        schedule: (day, level) points in time order.
        regional: (first day, last day, factor) of each regional episode.
        cap: the upper limit of tension after episodes multiply it.
    """

    __slots__ = (
        "world",
        "level",
        "schedule",
        "cap",
        "_regional",
        "_active",
        "regional",
        "deterred",
        "escalated",
        "_next_scheduled",
        "next_change",
    )

    def __init__(
        self,
        world: World,
        initial: float,
        schedule: list[tuple[int, float]],
        cap: float,
        regional: Sequence[tuple[int, float, float]] = (),
    ):
        self.world = world
        self.level = initial
        self.schedule = list(schedule)
        self.cap = cap
        # Regional episodes as changes of the regional factor: (day, factor, +1 start / -1 end).
        self._regional = sorted(
            [(first, factor, 1) for first, _, factor in regional]
            + [(int(last) + 1, factor, -1) for _, last, factor in regional if last != math.inf]
        )
        self._active: list[float] = []  # factors of the regional episodes in force
        self.regional = 1.0
        self.deterred = Recovery()
        self.escalated = Recovery()
        self._next_scheduled = NEVER  # the next schedule point or regional change
        self._schedule_moved()
        self.next_change = NEVER  # the next day on which something is due
        self._update()

    def on_day(self, day: int) -> None:
        """Apply scheduled changes due today and move the strike episodes on."""
        if self._next_scheduled <= day:
            self._scheduled(day)
        deterred, escalated = self.deterred, self.escalated
        if deterred.next_day <= day:
            deterred.on_day(day)
        if escalated.next_day <= day:
            escalated.on_day(day)
        self._update()

    def _scheduled(self, day: int) -> None:
        """Apply the schedule points and regional changes due today."""
        while self.schedule and self.schedule[0][0] <= day:
            _, self.level = self.schedule.pop(0)
            self.world.record("tension", value=self.level)
        if self._regional and self._regional[0][0] <= day:
            while self._regional and self._regional[0][0] <= day:
                _, factor, sign = self._regional.pop(0)
                if sign > 0:
                    self._active.append(factor)
                else:
                    self._active.remove(factor)
            self.regional = math.prod(self._active)
        self._schedule_moved()

    def deter(self, day: int, factor: float, recovery_days: float) -> None:
        """A strike deters today: tension is multiplied by ``factor``, then recovers."""
        self.deterred.start(day, factor, recovery_days, min)
        self._update()

    def escalate(self, day: int, factor: float, recovery_days: float) -> None:
        """A strike escalates today: tension is multiplied by ``factor``, then returns."""
        self.escalated.start(day, factor, recovery_days, max)
        self._update()

    def _schedule_moved(self) -> None:
        scheduled = self.schedule[0][0] if self.schedule else NEVER
        regional = self._regional[0][0] if self._regional else NEVER
        self._next_scheduled = regional if regional < scheduled else scheduled  # the first

    def _update(self) -> None:
        deterred, escalated = self.deterred, self.escalated
        value = self.level * self.regional * deterred.current * escalated.current
        self.world.tension = value if value < self.cap else self.cap  # min(cap, value)
        first = self._next_scheduled
        if deterred.next_day < first:
            first = deterred.next_day
        if escalated.next_day < first:
            first = escalated.next_day
        self.next_change = first
