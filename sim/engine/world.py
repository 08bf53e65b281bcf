"""The state of one trial's world, shared by the mechanism processes.

Slow quantities (readiness, ISIS strength, territory, pressure) are advanced once a
day by the day step (:mod:`sim.engine.day`); troops, tension and so the militia
background rate are constant within a day and change only at day boundaries, which
is what lets the militia process simulate its Hawkes process exactly. Moments (an
attack, a strike, a collapse ...) are appended to the event log as they happen.
"""

from __future__ import annotations

import simpy

from sim.engine.result import KIND


class World:
    """Mutable state of one trial. Attributes are plain floats and lists for speed."""

    def __init__(self, env: simpy.Environment, days: int, n_bases: int, n_weapons: int):
        self.env = env
        self.days = days
        self.day = 0

        # Troops, set by the day step from the force elements, constant within a day.
        self.base_troops = [0.0] * n_bases
        self.targets: list[tuple[float, int]] = []  # (cumulative troops, base) of manned bases
        self.troops = 0.0  # all troops in theatre
        self.troops_iraq = 0.0
        self.coalition_iraq = 0.0  # non-bilateral troops in Iraq
        self.trainers = 0.0  # trainers in Iraq
        self.enablers = 0.0  # enablers in Iraq

        # Slow state.
        self.readiness = 0.0
        self.capability = 0.0
        self.isis_strength = 0.0
        self.territory = 0.0
        self.pressure = 0.0
        self.tension = 0.0
        self.collapse_day: float | None = None

        # Within-day accumulators, consumed by the next day step.
        self.isis_attacks_today = 0
        self.breakout_fighters_today = 0.0
        self.attacks_today = 0

        # Counters (cumulative over the trial).
        self.attacks = 0
        self.interceptions = 0
        self.wounded = 0
        self.killed = 0
        self.strikes = 0
        self.deterrence_episodes = 0
        self.escalation_episodes = 0
        self.isis_attacks = 0
        self.breakouts = 0
        self.attacks_at = [0] * n_bases
        self.attacks_by = [0] * n_weapons

        # The militia background rate for the current day (attacks/day).
        self.militia_background = 0.0
        # Succeeded by the day step once the new day's troops and rates are set.
        self.new_day = env.event()

        self.log: list[tuple] = []

    def record(
        self,
        kind: str,
        base: int = -1,
        weapon: int = -1,
        intercepted: bool = False,
        wounded: int = 0,
        killed: int = 0,
        value: float = 0.0,
        time: float | None = None,
    ) -> None:
        """Append one event to the log (at the current time unless ``time`` is given)."""
        when = self.env.now if time is None else time
        self.log.append((when, KIND[kind], base, weapon, intercepted, wounded, killed, value))
