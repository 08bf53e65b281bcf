"""The day step: the process that advances the slow state and sets each day's inputs.

At every whole day ``d`` (one SimPy timeout per day) it runs, in this order:

1. **Advance** (for ``d > 0``) the slow state over the day that just ended, with that
   day's inputs held constant: ISIS attacks of the day (rate from the day's starting
   strength; each costs readiness), readiness (exact solution with the day's
   trainers), ISIS strength (exact solution with the day's starting capability and
   enablers, plus fighters from breaks during the day), capability (readiness, today's
   dependence, the day's enablers), pressure decay, territory recovery, then the
   collapse hazard (a collapse happens here if the summed hazard reaches the trial's
   threshold; the ground it takes starts to recover from the next day).
2. **Decide**: advance the schedule clock; apply scheduled tension changes and expired
   episodes; carry out a due strike; update the conditions' day counters; fire rules;
   fire due waypoint triggers and let the drawdown processes start their ramps.
3. **Set** the new day's troops per element and base, trainers, enablers and
   capability (only on days they can change), and the militia background rate (the
   militia process is interrupted if it rose); record the day's column of every series.

Day 0 runs steps 2 and 3 only. The formulas of step 1 are those of
:mod:`sim.engine.readiness`, :mod:`sim.engine.isis` and :mod:`sim.engine.collapse`,
written inline because this loop runs every day of every trial; the tests check the
loop against those functions.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import simpy

from sim.engine import collapse, readiness
from sim.engine.conditions import Conditions
from sim.engine.drawdown import Element, ScheduleClock, Triggers
from sim.engine.isis import IsisAttacks
from sim.engine.militia import Militia
from sim.engine.militia import targets as militia_targets
from sim.engine.retaliation import Retaliation
from sim.engine.rules import Rules
from sim.engine.series import Recorder
from sim.engine.tension import Tension
from sim.engine.world import World


class DayStep:
    """The daily process of one trial, and the exit day it observes.

    ``collapse_threshold`` is the trial's standard exponential draw: a collapse happens
    when the summed daily hazard reaches it (see :mod:`sim.engine.collapse`).
    """

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
        militia: Militia,
        isis_attacks: IsisAttacks,
        collapse_threshold: float,
        recorder: Recorder,
    ):
        self.world = world
        self.elements = elements
        self.clock = clock
        self.triggers = triggers
        self.conditions = conditions
        self.rules = rules
        self.tension = tension
        self.retaliation = retaliation
        self.militia = militia
        self.isis_attacks = isis_attacks
        self.collapse_threshold = collapse_threshold
        self.recorder = recorder
        self.n_bases = len(scenario.bases)

        isf, ii, cp, pr, mi = (
            scenario.isf,
            scenario.isis,
            scenario.collapse,
            scenario.pressure,
            scenario.militia,
        )
        self.gain = float(isf.training_gain_per_day)
        self.half_saturation = float(isf.trainers_half_saturation)
        self.readiness_decay = float(isf.decay_per_day)
        self.reference_enablers = float(isf.reference_enablers)
        # D(t) = floor + span * exp(-t / days), computed only on days with enablers missing.
        self.dependence_floor = float(isf.dependence_floor)
        self.dependence_span = float(isf.enabler_dependence) - self.dependence_floor
        self.dependence_days = float(isf.dependence_decay_days)
        self.loss_per_isis_attack = float(isf.readiness_loss_per_isis_attack)
        self.growth, self.capacity = float(ii.growth_per_day), float(ii.capacity)
        self.isf_attrition = float(ii.isf_attrition_per_day)
        self.strike_attrition = float(ii.strike_attrition_per_day)
        self.isis_attack_rate = float(ii.attacks_per_fighter_per_day)
        self.contained = float(cp.contained_fighters)
        self.hazard_at_parity = float(cp.hazard_at_parity_per_day)
        self.steepness = float(cp.steepness)
        self.territory_share = float(cp.territory_share)
        self.collapse_readiness_loss = float(cp.readiness_loss)
        self.isis_boost = float(cp.isis_boost)
        self.recovery = float(cp.territory_recovery_per_day)
        self.pressure_decay = math.exp(-math.log(2.0) / float(pr.half_life_days))
        self.militia_rate = float(mi.background_rate_per_day)
        self.reference_troops = float(mi.reference_troops)
        self.elasticity = float(mi.troop_elasticity)

        # Inputs of the daily step that change only with troops (see set_troops).
        self.readiness_target = 0.0  # R* with today's trainers
        self.readiness_remaining = 1.0  # share of the gap to R* left after a day
        self.isis_net_growth = 0.0  # g - m_air * enabler share: ``a`` before ISF attrition
        self.missing = 0.0  # share of the reference enablers absent
        self.presence = 0.0  # (troops / reference troops) ** elasticity
        self.exit_day = math.nan  # first day with no coalition troops in Iraq

    def process(self) -> Generator[simpy.Event, object, None]:
        """The SimPy process: day 0, then one timeout per day up to the horizon."""
        world, env = self.world, self.world.env
        timeout = env.timeout
        exp = math.exp
        tension, retaliation, conditions, rules, triggers, clock = (
            self.tension,
            self.retaliation,
            self.conditions,
            self.rules,
            self.triggers,
            self.clock,
        )
        militia, attacks = self.militia, self.isis_attacks
        append_day = self.recorder.daily.extend
        dependence_floor, dependence_span = self.dependence_floor, self.dependence_span
        dependence_days = self.dependence_days
        attack_rate, loss_per_attack = self.isis_attack_rate, self.loss_per_isis_attack
        isf_attrition, crowding = self.isf_attrition, self.growth / self.capacity
        contained, hazard_at_parity, steepness = self.contained, self.hazard_at_parity, self.steepness
        threshold = self.collapse_threshold
        recovery, pressure_decay = self.recovery, self.pressure_decay
        militia_rate = self.militia_rate
        watch_conditions = conditions.active

        self.set_troops(0)  # the state at the start, which day 0's conditions see
        world.capability = self.capability(world.readiness, 0)
        moving = True  # set_troops runs on day 0 after the day-0 waypoints
        background, present = 0.0, False
        update_rate = True
        tension_now = world.tension
        clock_step = 0.0 if clock.paused else clock.rate
        collapse_possible = hazard_at_parity > 0.0
        hazard_sum = 0.0
        attacks_seen = 0  # militia attacks counted by the conditions so far
        isis_clock, isis_next = 0.0, attacks.next_at  # see IsisAttacks
        R, C, S, T = world.readiness, world.capability, world.isis_strength, world.territory
        # Inputs that change only with troops.
        target, remaining = self.readiness_target, self.readiness_remaining
        net_growth, missing = self.isis_net_growth, self.missing

        for day in range(world.days + 1):
            if day:
                yield timeout(1.0)
                # 1. Advance the slow state over the day that just ended.
                rate = attack_rate * S
                start, isis_clock = isis_clock, isis_clock + rate
                if isis_clock >= isis_next and rate > 0.0:
                    n_attacks = attacks.day(day, start, rate)
                    isis_next = attacks.next_at
                    R = target + (R - target) * remaining - loss_per_attack * n_attacks
                    if R < 0.0:
                        R = 0.0
                else:
                    R = target + (R - target) * remaining
                if S > 0.0:
                    a = net_growth - isf_attrition * C
                    if -1e-12 < a < 1e-12:
                        S = S / (1.0 + crowding * S)
                    else:
                        growth = exp(a)
                        S = a * S * growth / (a + crowding * S * (growth - 1.0))
                if world.breakout_fighters_today:
                    S += world.breakout_fighters_today
                    world.breakout_fighters_today = 0.0
                if missing > 0.0:  # readiness.capability with readiness.dependence, inline
                    C = R * (
                        1.0 - (dependence_floor + dependence_span * exp(-day / dependence_days)) * missing
                    )
                else:
                    C = R
                world.pressure *= pressure_decay
                if T > 0.0:  # ISIS holds ground only after a collapse
                    T = collapse.recover_territory(T, collapse.imbalance(S, C, contained), recovery)
                if collapse_possible and S > 0.0:
                    capacity = contained * C
                    try:
                        hazard_sum += hazard_at_parity * (S / capacity) ** steepness
                    except (ZeroDivisionError, OverflowError):
                        hazard_sum = math.inf
                    if hazard_sum >= threshold:
                        collapse_possible = False
                        world.readiness, world.capability, world.isis_strength, world.territory = R, C, S, T
                        self.collapse(day)
                        R, C, S, T = world.readiness, world.capability, world.isis_strength, world.territory

                # 2. Decide. (ScheduleClock.advance, inline: a paused clock adds 0.0.)
                clock.now += clock_step
            world.day = day
            if tension.next_change <= day:
                tension.on_day(day)
                update_rate = True
            if retaliation.next_day <= day:
                retaliation.on_day(day)  # a strike may start a tension episode
                update_rate = True
            if watch_conditions:  # conditions read the state from the world
                world.readiness, world.capability, world.isis_strength, world.territory = R, C, S, T
                conditions.update(world.militia_attacks - attacks_seen)
                attacks_seen = world.militia_attacks
            if rules.active:
                rules.on_day(day)  # may pause, resume or speed up the schedule clock
                clock_step = 0.0 if clock.paused else clock.rate
            if triggers.next_check <= clock.now:
                while triggers.check():
                    moving = True
                    yield timeout(0.0)  # the drawdown processes start their ramps now

            # 3. Set the new day's inputs and record.
            if moving or rules.moved:
                rules.moved = False
                moving = self.set_troops(day)
                target, remaining = self.readiness_target, self.readiness_remaining
                net_growth, missing = self.isis_net_growth, self.missing
                C = world.capability = self.capability(R, day)
                if world.coalition_iraq <= 0.0 and math.isnan(self.exit_day):
                    self.exit_day = float(day)
                update_rate = True
            if update_rate:  # tension or troops may have changed
                update_rate = False
                tension_now = world.tension
                mu = militia_rate * tension_now * self.presence
                if mu != background:
                    if mu > background:
                        militia.background_rose()
                    background = world.militia_background = mu
                elif not present and world.troops > 0.0:
                    militia.background_rose()  # targets again: leftover excitation counts
                present = world.troops > 0.0
            append_day((R, C, S, T, tension_now, world.pressure))  # series.DAILY
        world.readiness, world.capability, world.isis_strength, world.territory = R, C, S, T

    def collapse(self, day: int) -> None:
        """A 2014-style collapse at the day step of ``day`` (on the world's state)."""
        world = self.world
        world.collapse_day = float(day)
        world.territory += self.territory_share * (1.0 - world.territory)
        world.readiness *= 1.0 - self.collapse_readiness_loss
        world.isis_strength *= 1.0 + self.isis_boost
        world.capability = self.capability(world.readiness, day)
        world.record("collapse", value=world.territory)
        self.rules.on_collapse(day)

    def capability(self, readiness_now: float, day: int) -> float:
        """Capability on ``day`` at this readiness with the current enablers."""
        missing = self.missing
        if missing <= 0.0:
            return readiness_now
        # readiness.dependence, written as in the day loop so both give the same bits.
        dependence = self.dependence_floor + self.dependence_span * math.exp(-day / self.dependence_days)
        return readiness_now * (1.0 - dependence * missing)

    def set_troops(self, day: int) -> bool:
        """Troops per element and base, trainers, enablers and the inputs derived from
        them, for the day that starts now; True while some element is still moving."""
        world = self.world
        schedule_now = self.clock.now
        calendar_now = float(day)
        base_troops = [0.0] * self.n_bases
        trainers = enablers = troops_iraq = coalition_iraq = 0.0
        moving = False
        for element in self.elements:
            if element.update(schedule_now, calendar_now):
                moving = True
            troops = element.troops
            base_troops[element.base] += troops
            if element.in_iraq:
                troops_iraq += troops
                trainers += troops * element.trainer_share
                enablers += troops * element.enabler_share
                if not element.bilateral:
                    coalition_iraq += troops
        if world.troop_days and world.troop_days[-1] == day:
            world.troop_bases[-self.n_bases :] = base_troops
        else:
            world.troop_days.append(day)
            world.troop_bases.extend(base_troops)
        target_cumulative, target_bases, cumulative = militia_targets(base_troops)
        world.target_cumulative, world.target_bases = target_cumulative, target_bases
        world.troops = cumulative
        world.troops_iraq, world.coalition_iraq = troops_iraq, coalition_iraq
        world.trainers, world.enablers = trainers, enablers

        training = readiness.training_rate(trainers, self.gain, self.half_saturation)
        self.readiness_target, self.readiness_remaining = readiness.relaxation(training, self.readiness_decay)
        self.missing = readiness.missing_support(enablers, self.reference_enablers)
        enabler_share = min(1.0, enablers / self.reference_enablers)
        self.isis_net_growth = self.growth - self.strike_attrition * enabler_share
        self.presence = (cumulative / self.reference_troops) ** self.elasticity if cumulative > 0.0 else 0.0
        self.recorder.troops(
            day,
            (
                *(element.troops for element in self.elements),
                cumulative,
                troops_iraq,
                trainers,
                enablers,
            ),
        )
        return moving
