"""The state of one trial's world, shared by the mechanism processes.

Slow quantities (readiness, ISIS strength, territory, pressure) are advanced once a
day by the day step (:mod:`sim.engine.day`); troops, tension and so the militia
background rate are constant within a day and change only at day boundaries, which
is what lets the militia process simulate its Hawkes process exactly. Moments (a
strike, a break, a collapse ...) are appended to the event log as they happen; the
militia and ISIS attacks, the most numerous, are kept by their mechanisms and joined
to the log at the end of the trial.

Counts are not kept here (apart from the militia attacks so far, which conditions and
the retaliation policy read): the event log holds every attack, strike and casualty,
and the trial derives the scalar outcomes and the cumulative series from it at the
end, so the three cannot disagree.
"""

from __future__ import annotations

import math

import simpy

from sim.engine.result import KIND

NEVER = 2**30 - 1
"""A day, or a count of attacks, that never comes. A small int rather than ``inf``, so that
CPython 3.11 compares it with whole days and counts on its fast path (an int against a
float takes the generic one); about 2.9 million years of days."""


def first_whole(value: float) -> int:
    """The first whole number at or above ``value``; :data:`NEVER` if that is beyond it (``inf``)."""
    return math.ceil(value) if value < NEVER else NEVER


class World:
    """Mutable state of one trial. Attributes are plain floats and lists for speed."""

    __slots__ = (
        "env",
        "days",
        "day",
        "troop_days",
        "target_weights",
        "target_cumulative",
        "target_bases",
        "target_total",
        "troops",
        "has_targets",
        "troops_iraq",
        "coalition_iraq",
        "trainers",
        "enablers",
        "readiness",
        "capability",
        "isis_strength",
        "territory",
        "pressure",
        "tension",
        "collapse_day",
        "breakout_fighters_today",
        "militia_attacks",
        "militia_background",
        "next_decision",
        "log",
    )

    def __init__(self, env: simpy.Environment, days: int):
        self.env = env
        self.days = days  # the horizon: the last day step runs at time ``days``
        self.day = 0  # the day of the latest day step

        # Troops, set by the day step from the force elements, constant within a day.
        # The bases' targeting weights from each day they were set, flat (one number per
        # base a day): the militia works out its attacks' bases from them at the end.
        self.troop_days: list[int] = []
        self.target_weights: list[float] = []
        # Manned bases for targeting (sim.engine.targeting): running totals of their
        # weights (the last one infinite), their indices and the total weight.
        self.target_cumulative: list[float] = []
        self.target_bases: list[int] = []
        self.target_total = 0.0  # the manned bases' weights summed
        self.troops = 0.0  # all troops in theatre (Iraq and Syria, coalition and bilateral)
        self.has_targets = False  # any manned base for the militia to attack
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

        # Within-day accumulator, consumed by the next day step.
        self.breakout_fighters_today = 0.0
        # Militia attacks so far (the attacks themselves are in the militia's log).
        self.militia_attacks = 0

        # The militia background rate for the current day (attacks/day).
        self.militia_background = 0.0
        # The first day step that must look at tension, sanctuary, guards, strikes and
        # firm deadlines (sim.engine.day); a strike planned between day steps lowers it.
        self.next_decision = 0

        # The event log, flat: eight numbers per event in EVENT_DTYPE's field
        # order. Flat numbers (not a tuple per event) keep the garbage collector out of
        # a trial: floats and ints are not tracked by it, and no container is kept per event.
        self.log: list[float] = []

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
        self.log.extend((when, KIND[kind], base, weapon, intercepted, wounded, killed, value))
