"""Retaliation: when the coalition strikes back, and what a strike does.

A strike is planned once ``attacks_per_strike`` attacks have happened since the last
strike, or (a *major* strike) after an attack that kills. It takes place
``delay_days`` later, rounded up to a whole day and no sooner than ``min_gap_days``
after the previous strike; one strike is pending at a time (a death upgrades a
pending routine strike to a major one). A strike answering an attack in Iraq lands
on Iraqi soil with probability ``share_in_iraq`` and then raises political pressure.
Each strike then deters (tension falls by the deterrence factor for a while) with
the deterrence probability (higher for a major strike), or else escalates with the
escalation probability.
"""

from __future__ import annotations

import math

import numpy as np

from sim.engine.streams import Buffered
from sim.engine.tension import Tension
from sim.engine.world import World


class Retaliation:
    def __init__(
        self,
        world: World,
        params,
        pressure_per_strike: float,
        base_in_syria: list[bool],
        tension: Tension,
        rng: np.random.Generator,
    ):
        self.world = world
        self.enabled = params.enabled
        self.attacks_per_strike = float(params.attacks_per_strike)
        self.after_deaths = params.strike_after_deaths
        self.delay_days = float(params.delay_days)
        self.min_gap_days = float(params.min_gap_days)
        self.share_in_iraq = float(params.share_in_iraq)
        self.deterrence = params.deterrence
        self.major_deterrence = float(params.major_deterrence_probability)
        self.escalation = params.escalation
        self.pressure_per_strike = pressure_per_strike
        self.base_in_syria = base_in_syria
        self.tension = tension
        self.draw = Buffered(rng)
        self.since_last = 0
        self.last_day = -math.inf
        self.pending: list | None = None  # [day, major, base]

    def on_attack(self, base: int, killed: int) -> None:
        """Count an attack (called by the militia process) and plan a strike if due."""
        if not self.enabled:
            return
        self.since_last += 1
        major = killed > 0 and self.after_deaths
        if self.pending is not None:
            if major:
                self.pending[1] = True
                self.pending[2] = base
            return
        if major or self.since_last >= self.attacks_per_strike:
            now = self.world.env.now
            earliest = max(now + self.delay_days, self.last_day + self.min_gap_days)
            self.pending = [max(math.ceil(earliest), self.world.day + 1), major, base]

    def on_day(self, day: int) -> None:
        """Carry out the pending strike if it is due today."""
        if self.pending is not None and self.pending[0] <= day:
            _, major, base = self.pending
            self.pending = None
            self.strike(day, major, base)

    def strike(self, day: int, major: bool, base: int) -> None:
        world = self.world
        draw = self.draw
        in_iraq_draw, deter_draw, escalate_draw = draw(), draw(), draw()
        world.strikes += 1
        self.since_last = 0
        self.last_day = day
        in_iraq = not self.base_in_syria[base] and in_iraq_draw < self.share_in_iraq
        if in_iraq:
            world.pressure += self.pressure_per_strike
        world.record("strike", base=base, intercepted=in_iraq, value=1.0 if major else 0.0)
        deter = self.major_deterrence if major else float(self.deterrence.probability)
        if deter_draw < deter:
            world.deterrence_episodes += 1
            factor = float(self.deterrence.factor)
            self.tension.episode(day, factor, float(self.deterrence.duration_days))
            world.record("deterrence", value=factor)
        elif escalate_draw < float(self.escalation.probability):
            world.escalation_episodes += 1
            factor = float(self.escalation.factor)
            self.tension.episode(day, factor, float(self.escalation.duration_days))
            world.record("escalation", value=factor)
