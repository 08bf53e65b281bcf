"""Retaliation: when the coalition strikes back, and what a strike does.

A strike is planned once ``attacks_per_strike`` attacks have happened since the last
strike, or (a *major* strike) after an attack that kills. It takes place
``delay_days`` after the attack that triggered it, rounded up to a whole day, never on
the day of the attack's own day step or earlier, and no sooner than ``min_gap_days``
after the previous strike. One strike is pending at a time: a death while a routine
strike is pending makes it a major one (aimed at the killing attack's base) without
moving its day, and the attack count restarts at each strike.

A strike answering an attack in Iraq lands on Iraqi soil with probability
``share_in_iraq`` and then raises political pressure (one answering an attack in
Syria stays in Syria). Each strike then deters with the deterrence probability
(higher for a major strike), or else escalates with the escalation probability: an
episode of :class:`~sim.engine.tension.Tension` that moves tension by its factor at
once and wears off gradually. Once the host government has announced the coalition's
withdrawal, the chance a strike deters and the recovery time of the deterrence it
starts are multiplied by the scenario's ``announced`` factors. Every strike takes
exactly three draws from the retaliation stream, used or not, so that one strike's
outcome never shifts the next one's draws.
"""

from __future__ import annotations

import math

import numpy as np

from sim.engine.streams import uniforms
from sim.engine.tension import Tension
from sim.engine.world import NEVER, World, first_whole


class Retaliation:
    """The retaliation policy of one trial.

    Args:
        world: the trial's state (pressure and the log are updated on it).
        params: the scenario's ``retaliation`` section (numbers, not distributions).
        announced_day: the day step from which the withdrawal counts as announced
            (``inf``: never).
        pressure_per_strike: pressure added by a strike on Iraqi soil.
        base_in_syria: per base index, whether the base is in Syria.
        tension: the tension state, which deterrence and escalation episodes change.
        rng: the ``retaliation`` stream.
    """

    def __init__(
        self,
        world: World,
        params,
        announced_day: float,
        pressure_per_strike: float,
        base_in_syria: list[bool],
        tension: Tension,
        rng: np.random.Generator,
    ):
        self.world = world
        self.enabled = bool(params.enabled)
        self.attacks_per_strike = float(params.attacks_per_strike)
        self.after_deaths = bool(params.strike_after_deaths)
        self.delay_days = float(params.delay_days)
        self.min_gap_days = float(params.min_gap_days)
        self.share_in_iraq = float(params.share_in_iraq)
        deterrence = params.deterrence
        self.deterrence = (
            float(deterrence.probability),
            float(deterrence.factor),
            float(deterrence.recovery_days),
        )
        self.major_deterrence = float(params.major_deterrence_probability)
        self.announced_day = announced_day
        self.announced = (
            float(deterrence.announced_probability_factor),
            float(deterrence.announced_recovery_factor),
        )
        self.escalation = (
            float(params.escalation.probability),
            float(params.escalation.factor),
            float(params.escalation.recovery_days),
        )
        self.pressure_per_strike = pressure_per_strike
        self.base_in_syria = base_in_syria
        self.tension = tension
        self._draws = uniforms(rng, 64)
        self.last_count = 0  # world.militia_attacks at the last strike
        self.last_day = -math.inf  # day of the last strike
        self.next_day = NEVER  # day of the pending strike (NEVER: none pending)
        self.major = False  # the pending strike is a major one
        self.base = -1  # the base whose attack the pending strike answers
        # The attack count at which a routine strike is planned (NEVER while one is
        # pending, or with retaliation off): the militia calls on_attack only then, or
        # after an attack that kills, instead of after every attack.
        self.plan_at = first_whole(self.attacks_per_strike) if self.enabled else NEVER

    def on_attack(self, base: int, killed: int) -> None:
        """Plan a strike if one is due after this attack.

        Called by the militia process for every attack that kills and once the attack count
        reaches :attr:`plan_at`.
        """
        if not self.enabled:
            return
        if killed and self.after_deaths:
            if self.next_day != NEVER:
                self.major, self.base = True, base
                return
            self._plan(base, True)
        elif (
            self.world.militia_attacks - self.last_count >= self.attacks_per_strike and self.next_day == NEVER
        ):
            self._plan(base, False)

    def _plan(self, base: int, major: bool) -> None:
        world = self.world
        earliest = max(world.env.now + self.delay_days, self.last_day + self.min_gap_days)
        self.next_day = max(math.ceil(earliest), world.day + 1)
        self.major, self.base = major, base
        self.plan_at = NEVER
        if self.next_day < world.next_decision:  # the day step must look on that day
            world.next_decision = self.next_day

    def on_day(self, day: int) -> None:
        """Carry out the pending strike if it is due today (called by the day step)."""
        if self.next_day <= day:
            self.next_day = NEVER
            self.strike(day, self.major, self.base)

    def strike(self, day: int, major: bool, base: int) -> None:
        """A strike today answering an attack on ``base``."""
        world = self.world
        draws = self._draws
        in_iraq_draw, deter_draw, escalate_draw = next(draws), next(draws), next(draws)
        self.last_count = world.militia_attacks
        self.plan_at = first_whole(self.last_count + self.attacks_per_strike)
        self.last_day = day
        in_iraq = not self.base_in_syria[base] and in_iraq_draw < self.share_in_iraq
        if in_iraq:
            world.pressure += self.pressure_per_strike
        world.record("strike", base, -1, in_iraq, 0, 0, 1.0 if major else 0.0)
        deter_probability, deter_factor, deter_days = self.deterrence
        escalate_probability, escalate_factor, escalate_days = self.escalation
        deter_probability = self.major_deterrence if major else deter_probability
        if day >= self.announced_day:
            probability_factor, recovery_factor = self.announced
            deter_probability *= probability_factor
            deter_days *= recovery_factor
        if deter_draw < deter_probability:
            self.tension.deter(day, deter_factor, deter_days)
            world.record("deterrence", value=deter_factor)
        elif escalate_draw < escalate_probability:
            self.tension.escalate(day, escalate_factor, escalate_days)
            world.record("escalation", value=escalate_factor)
