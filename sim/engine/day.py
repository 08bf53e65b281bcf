"""The day step: the process that advances the slow state and sets each day's inputs.

At every whole day ``d`` it runs, in this order:

1. **Advance** readiness, capability, ISIS strength, pressure and territory over the
   day that just ended, with that day's troops (exact solutions for constant inputs),
   draw the day's ISIS attacks and whether a collapse happened.
2. **Decide**: advance the schedule clock; apply scheduled tension changes, due
   strikes and expired episodes; update the conditions' day counters; fire rules;
   fire due waypoint triggers and let the drawdown processes start their ramps.
3. **Set** the new day's troops per element and base, trainers, enablers, capability,
   and the militia background rate; record the day's column of every series; wake
   the processes waiting for the new day.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np
import simpy

from sim.engine import collapse, isis, readiness
from sim.engine.conditions import Conditions
from sim.engine.drawdown import Element, ScheduleClock, Triggers
from sim.engine.retaliation import Retaliation
from sim.engine.rules import Rules
from sim.engine.streams import Buffered
from sim.engine.tension import Tension
from sim.engine.world import World


class DayStep:
    def __init__(
        self,
        world: World,
        scenario,
        elements: list[Element],
        clock: ScheduleClock,
        triggers: Triggers,
        conditions: Conditions,
        rules: Rules,
        tension: Tension,
        retaliation: Retaliation,
        series: np.ndarray,
        isis_rng: np.random.Generator,
        collapse_rng: np.random.Generator,
    ):
        self.world = world
        self.elements = elements
        self.clock = clock
        self.triggers = triggers
        self.conditions = conditions
        self.rules = rules
        self.tension = tension
        self.retaliation = retaliation
        self.series = series
        self.isis_draw = Buffered(isis_rng)
        self.collapse_draw = Buffered(collapse_rng, block=256)
        self.n_bases = len(world.base_troops)

        isf, ii, cp, pr, mi = (
            scenario.isf,
            scenario.isis,
            scenario.collapse,
            scenario.pressure,
            scenario.militia,
        )
        self.gain, self.half_saturation = (
            float(isf.training_gain_per_day),
            float(isf.trainers_half_saturation),
        )
        self.readiness_decay = float(isf.decay_per_day)
        self.dependence0, self.dependence_floor = float(isf.enabler_dependence), float(isf.dependence_floor)
        self.dependence_days = float(isf.dependence_decay_days)
        self.reference_enablers = float(isf.reference_enablers)
        self.dependence = [  # the ISF's dependence on enablers, by day
            readiness.dependence(day, self.dependence0, self.dependence_floor, self.dependence_days)
            for day in range(world.days + 1)
        ]
        self.trainers_seen = math.nan  # trainers for which the readiness step below holds
        self.readiness_target, self.readiness_remaining = 0.0, 1.0
        self.loss_per_isis_attack = float(isf.readiness_loss_per_isis_attack)
        self.growth, self.capacity = float(ii.growth_per_day), float(ii.capacity)
        self.isf_attrition, self.strike_attrition = (
            float(ii.isf_attrition_per_day),
            float(ii.strike_attrition_per_day),
        )
        self.isis_attack_rate = float(ii.attacks_per_fighter_per_day)
        self.contained, self.hazard0 = float(cp.contained_fighters), float(cp.hazard_at_parity_per_day)
        self.steepness, self.territory_share = float(cp.steepness), float(cp.territory_share)
        self.collapse_readiness_loss, self.isis_boost = float(cp.readiness_loss), float(cp.isis_boost)
        self.recovery = float(cp.territory_recovery_per_day)
        self.pressure_decay = math.exp(-math.log(2.0) / float(pr.half_life_days))
        self.militia_rate, self.reference_troops = (
            float(mi.background_rate_per_day),
            float(mi.reference_troops),
        )
        self.elasticity = float(mi.troop_elasticity)

        # Running extremes and sums for the scalar outcomes.
        self.peak_isis = world.isis_strength
        self.peak_territory = world.territory
        self.min_capability = math.inf
        self.troop_days = 0.0
        self.exit_day = math.nan
        self.moving = False  # some element is between the two ends of a ramp
        self.presence = 0.0  # (troops / reference troops) ** elasticity

    def process(self) -> Generator[simpy.Event, object, None]:
        world, env = self.world, self.world.env
        tension, retaliation, conditions, rules, triggers = (
            self.tension,
            self.retaliation,
            self.conditions,
            self.rules,
            self.triggers,
        )
        for day in range(world.days + 1):
            if day > 0:
                yield env.timeout(1.0)
                self.advance(day)
                self.clock.advance()
            world.day = day
            if tension.due(day):
                tension.on_day(day)
            if retaliation.pending is not None:
                retaliation.on_day(day)
            if conditions.active:
                conditions.update(world.attacks_today)
            world.attacks_today = 0
            if rules.active:
                rules.on_day(day)
            moved = False
            while triggers.check():
                moved = True
                yield env.timeout(0.0)  # the drawdown processes start their ramps now
            if moved or self.moving or rules.moved or day == 0:
                self.set_troops(day)
            self.set_rates()
            self.record(day)
            if day < world.days:
                world.new_day.succeed()
                world.new_day = env.event()

    def advance(self, day: int) -> None:
        """Advance the slow state over the day that ends at ``day``."""
        world = self.world
        strength = world.isis_strength
        attacks = isis.isis_attacks(world, self.isis_attack_rate * strength, self.isis_draw, day)
        world.isis_attacks += attacks

        if world.trainers != self.trainers_seen:  # the one-day solution changes with trainers
            self.trainers_seen = world.trainers
            training = readiness.training_rate(world.trainers, self.gain, self.half_saturation)
            self.readiness_target, self.readiness_remaining = readiness.relaxation(
                training, self.readiness_decay
            )
        target = self.readiness_target
        ready = target + (world.readiness - target) * self.readiness_remaining
        world.readiness = max(0.0, ready - self.loss_per_isis_attack * attacks) if attacks else ready

        enabler_share = min(1.0, world.enablers / self.reference_enablers)
        a = self.growth - self.isf_attrition * world.capability - self.strike_attrition * enabler_share
        strength = isis.step_strength(strength, a, self.growth / self.capacity)
        world.isis_strength = strength + world.breakout_fighters_today
        world.breakout_fighters_today = 0.0

        self.update_capability(day)
        world.pressure *= self.pressure_decay

        x = collapse.imbalance(world.isis_strength, world.capability, self.contained)
        if world.collapse_day is None:
            chance = collapse.daily_probability(x, self.hazard0, self.steepness)
            if self.collapse_draw() < chance:
                self.collapse(day)
                x = collapse.imbalance(world.isis_strength, world.capability, self.contained)
        world.territory = collapse.recover_territory(world.territory, x, self.recovery)

    def collapse(self, day: int) -> None:
        world = self.world
        world.collapse_day = float(day)
        world.territory += self.territory_share * (1.0 - world.territory)
        world.readiness *= 1.0 - self.collapse_readiness_loss
        world.isis_strength *= 1.0 + self.isis_boost
        self.update_capability(day)
        world.record("collapse", value=world.territory)
        self.rules.on_collapse(day)

    def update_capability(self, day: int) -> None:
        world = self.world
        world.capability = readiness.capability(
            world.readiness, self.dependence[day], world.enablers, self.reference_enablers
        )

    def set_troops(self, day: int) -> None:
        """Troops per element and base, trainers and enablers for the day that starts now."""
        world = self.world
        schedule_now = self.clock.now
        base_troops = [0.0] * self.n_bases
        trainers = enablers = troops_iraq = coalition_iraq = 0.0
        moving = False
        for element in self.elements:
            moving = element.update(schedule_now, day) or moving
            troops = element.troops
            base_troops[element.base] += troops
            if element.in_iraq:
                troops_iraq += troops
                trainers += troops * element.trainer_share
                enablers += troops * element.enabler_share
                if not element.bilateral:
                    coalition_iraq += troops
        self.moving = moving
        self.rules.moved = False
        world.base_troops = base_troops
        cumulative = 0.0
        targets = []
        for base, troops in enumerate(base_troops):
            if troops > 0.0:
                cumulative += troops
                targets.append((cumulative, base))
        world.targets = targets
        world.troops = cumulative
        world.troops_iraq, world.coalition_iraq = troops_iraq, coalition_iraq
        world.trainers, world.enablers = trainers, enablers
        self.update_capability(day)
        self.presence = (cumulative / self.reference_troops) ** self.elasticity if cumulative > 0.0 else 0.0
        if coalition_iraq <= 0.0 and math.isnan(self.exit_day):
            self.exit_day = float(day)

    def set_rates(self) -> None:
        """The militia background rate for the day that starts now."""
        self.world.militia_background = self.militia_rate * self.world.tension * self.presence

    def record(self, day: int) -> None:
        world = self.world
        self.peak_isis = max(self.peak_isis, world.isis_strength)
        self.peak_territory = max(self.peak_territory, world.territory)
        self.min_capability = min(self.min_capability, world.capability)
        if day < world.days:
            self.troop_days += world.troops
        self.series[day] = (
            *[element.troops for element in self.elements],
            world.troops,
            world.troops_iraq,
            world.trainers,
            world.enablers,
            world.readiness,
            world.capability,
            world.isis_strength,
            world.territory,
            world.tension,
            world.pressure,
            world.attacks,
            world.wounded,
            world.killed,
            world.strikes,
            world.isis_attacks,
        )
