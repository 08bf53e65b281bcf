"""The day step: the process that advances the slow state and sets each day's inputs.

At every whole day ``d`` (one SimPy timeout per day) it runs, in this order:

1. **Advance** (for ``d > 0``) the slow state over the day that just ended, with that
   day's inputs held constant: ISIS attacks of the day (rate from the day's starting
   strength and the forces fighting it; each costs readiness), readiness and the
   support the ISF feel missing (exact solutions with the day's trainers and enablers),
   ISIS strength (exact solution with the day's starting forces, enablers, sanctuary
   and territory, plus fighters from breaks during the day), capability, mobilisation
   (after a collapse), pressure decay, territory retaken, then the collapse hazard (a
   collapse happens here if the summed hazard reaches the trial's threshold; the
   ground it takes can be retaken from the next day).
2. **Decide**: advance the schedule clock; from the first day something may be due
   (``world.next_decision``): apply scheduled tension and sanctuary changes, expired
   episodes and a collapse of the camps' guards; carry out a due strike; update the
   conditions' day counters; fire rules; fire due waypoint triggers and let the drawdown
   processes start their ramps.
3. **Set** the new day's troops per element and base, trainers, enablers and
   capability (only on days they can change), and the militia background rate (the
   militia process is woken if it rose); record the day's column of every series.

Day 0 runs steps 2 and 3 only. The steps that run every day of every trial (readiness and
capability, ISIS's tempo and strength, the collapse hazard) are written out in the loop, on
local variables: a call for each cost about 900 machine instructions per SimPy event
(docs/performance.md). Each mechanism's module documents its formula and keeps its
parameters and its rarer steps (:mod:`sim.engine.readiness`, :mod:`sim.engine.isis`,
:mod:`sim.engine.collapse`, :mod:`sim.engine.targeting`), which the loop calls;
tests/engine/oracles.py keeps the daily steps as reference functions, and
tests/engine/test_engine_oracles.py holds the loop to them, day by day, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import simpy

from sim.engine import targeting
from sim.engine.collapse import Collapse
from sim.engine.conditions import Conditions
from sim.engine.drawdown import Element, ScheduleClock, Triggers
from sim.engine.isis import MAX_IMBALANCE, PoissonClock, Strength
from sim.engine.militia import Militia
from sim.engine.readiness import Readiness
from sim.engine.retaliation import Retaliation
from sim.engine.rules import Rules
from sim.engine.series import Recorder
from sim.engine.tension import Tension
from sim.engine.world import NEVER, World

MAX_RESCALE = 1e6
"""The largest factor by which the militia's excitation follows a rise of the background
rate. A rise is rescaled in full in every scenario a person writes (a day's rise is at most
a few hundredfold); the cap only stops a background of next to nothing (1e-310, which a
property test can write) from multiplying the excitation to infinity, which would stall
the trial at one instant."""


def isf_state(readiness: Readiness) -> tuple[float, float, float, float, float]:
    """What the day step keeps of the ISF between changes of support.

    R_s, R*, the share of the gap to R* left after a day, R_s's trend a day and R*'s.
    """
    return (
        readiness.sustained,
        readiness.target,
        readiness.remaining,
        readiness.trend_per_day,
        readiness.drift,
    )


def put_isf_state(
    readiness: Readiness, sustained: float, target: float, felt: float, dependence: float
) -> None:
    """Put back on ``readiness`` what the day step changed of it in its local variables.

    R_s, R*, the felt missing support and the dependence: before the support changes (which
    sets R* anew from R_s), before a collapse (which reads capability) and at the end.
    """
    readiness.sustained, readiness.target = sustained, target
    readiness.felt, readiness.dependence = felt, dependence


@dataclass(frozen=True, slots=True)
class Mechanisms:
    """The mechanisms of one trial, as the day step drives them."""

    world: World
    elements: list[Element]
    clock: ScheduleClock
    triggers: Triggers
    conditions: Conditions
    rules: Rules
    tension: Tension
    retaliation: Retaliation
    militia: Militia
    readiness: Readiness
    strength: Strength
    isis_attacks: PoissonClock
    breakouts: PoissonClock
    collapse: Collapse
    recorder: Recorder
    attractiveness: list[float]  # per base: its pull on attacks at equal troops
    targeting_elasticity: float  # how a base's pull grows with its troops
    militia_rate: float  # the militia's Hawkes background rate at tension 1 and reference troops
    attack_rate: float  # the militia's long-run attack rate at tension 1 and reference troops
    reference_troops: float
    troop_elasticity: float
    pressure_decay: float  # the share of political pressure left after a day
    sanctuary: list[tuple[int, float]]  # (day, level) changes of the sanctuary, in order
    breakouts_guarded: float  # breaks a day while coalition troops are in Syria
    breakouts_unguarded: float  # breaks a day otherwise, or after the guards collapse
    breakout_fighters: float
    guards_collapse_day: int  # the day the camps' guards collapse (world.NEVER: never)


class DayStep:
    """The daily process of one trial, and the exit day it observes."""

    def __init__(self, parts: Mechanisms):
        self.parts = parts
        self.presence = 0.0  # (troops / reference troops) ** elasticity
        self.exit_day = math.nan  # first day with no coalition troops in Iraq
        self.guards_fallen = parts.guards_collapse_day <= 0.0
        self.breakout_rate = 0.0  # breaks a day, set with troops and the guards
        self.mobilised = 0.0  # M: forces mobilised after a collapse

    def process(self) -> Generator[simpy.Event, object, None]:
        """The SimPy process: day 0, then one timeout per day up to the horizon."""
        parts = self.parts
        world, env = parts.world, parts.world.env
        timeout = env.timeout
        tension, retaliation, conditions, rules, triggers, clock = (
            parts.tension,
            parts.retaliation,
            parts.conditions,
            parts.rules,
            parts.triggers,
            parts.clock,
        )
        militia, attacks, breakouts = parts.militia, parts.isis_attacks, parts.breakouts
        readiness, strength, collapse = parts.readiness, parts.strength, parts.collapse
        capability = readiness.capability
        loss_per_attack, lag_keep = readiness.loss_per_isis_attack, readiness.lag_keep
        dependence_floor, adaptation_days = readiness.floor, readiness.adaptation_days
        # The daily steps written out in the loop below (see the module docstring); their
        # constants:
        per_fighter, elasticity, isf_attrition = (
            strength.per_fighter,
            strength.elasticity,
            strength.isf_attrition,
        )
        contained, capacity_K = strength.contained, strength.capacity
        max_imbalance, max_rescale = MAX_IMBALANCE, MAX_RESCALE
        at_parity, steepness = collapse.hazard_at_parity, collapse.steepness
        exp = math.exp
        mobilise, retake = collapse.mobilise, collapse.territory
        recorder = parts.recorder
        recorded, pack_at = recorder.daily, recorder.PACK_AT
        append_day = recorded.extend
        pressure_decay, militia_rate = parts.pressure_decay, parts.militia_rate
        attack_rate, expected = parts.attack_rate, 0.0  # expected: today's long-run rate
        watch_conditions = conditions.active
        sanctuary = list(parts.sanctuary)
        next_sanctuary = sanctuary[0][0] if sanctuary else NEVER
        guards_day = parts.guards_collapse_day

        self.set_troops(0)  # the state at the start, which day 0's conditions see
        # The ISF's slow state (readiness.py), in local variables while no support changes.
        sustained, target, remaining, trend, drift = isf_state(readiness)
        felt, missing, dependence = readiness.felt, readiness.missing, readiness.dependence
        isis_net, isis_crowding = strength.net, strength.crowding  # g - m_air E and g / K
        break_rate = self.breakout_rate  # breaks a day, with today's troops in Syria
        world.capability = capability(world.readiness)
        moving = True  # set_troops runs on day 0 after the day-0 waypoints
        background, present = 0.0, False
        update_rate = True
        tension_now = world.tension
        clock_step = 0.0 if clock.paused else clock.rate
        schedule_now = clock.now  # the schedule clock, put on ``clock`` when it is read
        # The collapse hazard summed so far, against the trial's threshold (see collapse.py).
        collapse_possible, threshold = collapse.possible, collapse.threshold
        hazard_sum = 0.0
        # x = S / (contained P) as the day's hazard computed it at its end, which is the
        # next day's imbalance for the tempo while neither S nor P changes in between
        # (-1.0: not known, worked out again). S and P change at the day step only with a
        # break or new support, which reset it, or with a collapse, after which the hazard
        # is no longer computed.
        x_end = -1.0
        collapsed = False
        attacks_seen = 0  # militia attacks counted by the conditions so far
        isis_clock, isis_next = 0.0, attacks.next_at  # see PoissonClock
        break_clock, break_next = 0.0, breakouts.next_at
        R, C, M, S, T = world.readiness, world.capability, 0.0, world.isis_strength, world.territory
        P = C + M  # the forces against ISIS

        for day in range(world.days + 1):
            if day:
                yield timeout(1.0)
                # 1. Advance the slow state over the day that just ended.
                # ISIS's attack rate over the day and its strength at the end, from the
                # day's start against the forces P = C + M (isis.py, module docstring),
                # kept equal to C + M wherever C or M changes.
                if S > 0.0:
                    # Tempo: attacks per fighter rise with the imbalance x = S / (contained P).
                    rate = per_fighter * S
                    if elasticity:
                        if x_end >= 0.0:
                            x = x_end
                        else:
                            capacity = contained * P
                            x = S / capacity if capacity > 0.0 else max_imbalance
                        rate *= (x if x < max_imbalance else max_imbalance) ** elasticity
                    # Strength: the exact day of dS/dt = a S - b S^2, a = g - m_air E - m_isf P,
                    # b = g / K; territory held adds to recruitment g.
                    if T > 0.0:
                        g = strength.growth + strength.territory_recruits * T
                        a, b = g - strength.strikes - isf_attrition * P, g / capacity_K
                    else:
                        a, b = isis_net - isf_attrition * P, isis_crowding
                    if -1e-12 < a < 1e-12:
                        S = S / (1.0 + b * S)
                    else:
                        growth = exp(a)
                        S = a * S * growth / (a + b * S * (growth - 1.0))
                else:
                    rate = 0.0
                # Readiness (readiness.py): the exact day towards R*, less a shock per
                # ISIS attack of the day (drawn now: see PoissonClock), floored at 0.
                R = target + (R - target) * remaining
                end = isis_clock + rate
                if end >= isis_next and rate > 0.0:
                    R -= loss_per_attack * attacks.day(day, isis_clock, rate)
                    if R < 0.0:
                        R = 0.0
                    isis_next = attacks.next_at
                isis_clock = end
                if trend:  # R_s, and with it R*, move by a step a day
                    sustained += trend
                    target += drift
                    # The trend stops at the bounds. (Two comparisons, not a chain: CPython 3.11
                    # specialises a float comparison only when a jump follows it.)
                    if sustained < 0.0 or sustained > 1.0:
                        readiness.sustained = sustained
                        readiness.stop_trend()
                        sustained, target, remaining, trend, drift = isf_state(readiness)
                # Capability: readiness less the support the ISF depend on and feel missing,
                # felt with a lag; the dependence shrinks only while support is missed.
                if felt == missing and not felt:
                    C = R  # nothing missed
                else:
                    if felt > 0.0:
                        dependence = dependence_floor + (dependence - dependence_floor) * exp(
                            -felt / adaptation_days
                        )
                    felt = missing + (felt - missing) * lag_keep
                    C = R * (1.0 - dependence * felt)
                end = break_clock + break_rate
                if end >= break_next and break_rate > 0.0:
                    count = breakouts.day(day, break_clock, break_rate)
                    S += self.breakout(breakouts.times[-count:])
                    break_next = breakouts.next_at
                break_clock = end
                if collapsed:
                    M = mobilise(M)
                P = C + M
                world.pressure *= pressure_decay
                if T > 0.0:  # ISIS holds ground only after a collapse
                    T = retake(T, S, P)
                if collapse_possible and S > 0.0:
                    # The day's hazard h = h_parity * x ** steepness (collapse.py): infinite
                    # with nothing fighting ISIS, or past a float's range.
                    try:
                        x_end = S / (contained * P)
                        hazard_sum += at_parity * x_end**steepness
                    except ZeroDivisionError:
                        x_end, hazard_sum = -1.0, math.inf
                    except OverflowError:
                        hazard_sum = math.inf
                    if hazard_sum >= threshold:
                        collapse_possible, collapsed = False, True
                        put_isf_state(readiness, sustained, target, felt, dependence)  # for capability
                        world.readiness, world.capability, world.isis_strength, world.territory = R, C, S, T
                        self.collapse(day)
                        world.next_decision = day  # rules waiting for a collapse look today
                        R, C, S, T = world.readiness, world.capability, world.isis_strength, world.territory
                        P, x_end = C + M, -1.0

                # 2. Decide. (The schedule clock advances; a paused clock adds 0.0.)
                schedule_now += clock_step
            world.day = day
            # Everything decided at a day step (tension, sanctuary, guards, strikes,
            # conditions, rules, waypoint triggers) is looked at only from the first day
            # one of them may be due: world.next_decision (one comparison of whole days a
            # day). Conditions and rules, while there are any, are due every day. (The test
            # is written the other way round, with an empty branch, so that a short jump
            # follows the comparison: CPython 3.11 specialises a comparison only when a
            # conditional jump comes right after it, and a jump over this whole block
            # needs an extra instruction before it.)
            if day < world.next_decision:
                pass
            else:
                clock.now = schedule_now
                if len(recorded) >= pack_at:
                    recorder.pack()  # while the values are still in the caches
                if tension.next_change <= day:
                    tension.on_day(day)
                    update_rate = True
                if next_sanctuary <= day:
                    strength.set_sanctuary(sanctuary.pop(0)[1])
                    isis_net, isis_crowding = strength.net, strength.crowding
                    next_sanctuary = sanctuary[0][0] if sanctuary else NEVER
                if guards_day <= day and not self.guards_fallen:
                    self.guards_fallen = True
                    S += self.breakout([float(day)])  # the guards' collapse is a break at once
                    x_end = -1.0
                    moving = True  # the breakout rate changes (set with troops below)
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
                    if rules.moved:  # a redeployment started a ramp
                        rules.moved = False
                        moving = True
                if triggers.next_check <= schedule_now or triggers.next_firm <= day:
                    while triggers.check():
                        # Triggers fired and the next ones are armed.
                        moving = True
                        yield timeout(0.0)  # the drawdown processes start their ramps now
                world.next_decision = (
                    day + 1  # conditions are counted and rules looked at every day
                    if watch_conditions or rules.active
                    else self.next_decision(day, next_sanctuary, schedule_now, clock_step)
                )

            # 3. Set the new day's inputs and record.
            if moving:
                clock.now = schedule_now  # ramps on the schedule clock read it
                # The ISF's slow state, kept in local variables, back on the object: new
                # support sets R* anew from R_s (Readiness.set_support).
                put_isf_state(readiness, sustained, target, felt, dependence)
                moving = self.set_troops(day)
                sustained, target, remaining, trend, drift = isf_state(readiness)
                felt, missing = readiness.felt, readiness.missing
                isis_net, isis_crowding = strength.net, strength.crowding  # g - m_air E and g / K
                break_rate = self.breakout_rate
                C = world.capability = capability(R)
                P, x_end = C + M, -1.0
                if world.coalition_iraq <= 0.0 and math.isnan(self.exit_day):
                    self.exit_day = float(day)
                update_rate = True
            if update_rate:  # tension or troops may have changed
                update_rate = False
                tension_now = world.tension
                mu = militia_rate * tension_now * self.presence
                expected = attack_rate * tension_now * self.presence
                if mu != background:
                    if background > 0.0:  # the groups' follow-on attacks scale with it
                        # (a background that was next to nothing, such as 1e-310, must
                        # not blow the excitation up to infinity and stall the trial)
                        scale = mu / background
                        if scale > max_rescale:
                            scale = max_rescale
                        scale *= militia.rescale
                        militia.rescale = max_rescale if max_rescale < scale else scale
                    if mu > background:
                        militia.background_rose()
                    background = world.militia_background = mu
                elif not present and world.has_targets:
                    militia.background_rose()  # targets again: leftover excitation counts
                present = world.has_targets
            append_day((R, C, M, S, T, tension_now, expected, world.pressure))  # series.DAILY
        world.readiness, world.capability, world.isis_strength, world.territory = R, C, S, T
        put_isf_state(readiness, sustained, target, felt, dependence)

    def next_decision(self, day: int, next_sanctuary: int, schedule_now: float, clock_step: float) -> int:
        """The first day step after ``day`` on which a decision may be due (``days + 1``: none).

        While no conditions are watched and no rules wait: the first of a tension change, a sanctuary change, the guards' collapse, a strike, a firm deadline
        and the day the schedule clock (at ``schedule_now``, moving ``clock_step`` a day) may
        reach the next waypoint trigger. That last is taken a day early, so that the clock's
        rounding (at a rate other than 1) cannot make the day step miss it: on that day the
        trigger is compared with the clock itself. A strike planned later moves the day
        earlier (:meth:`Retaliation._plan`), and so does a collapse.
        """
        # The earliest of them, by plain comparisons (``min`` costs several times more
        # in CPython 3.11, and this runs some 750 times a trial).
        parts = self.parts
        first = parts.tension.next_change
        if next_sanctuary < first:
            first = next_sanctuary
        if not self.guards_fallen and parts.guards_collapse_day < first:
            first = parts.guards_collapse_day
        if parts.retaliation.next_day < first:
            first = parts.retaliation.next_day
        if parts.triggers.next_firm < first:
            first = parts.triggers.next_firm
        next_check = parts.triggers.next_check  # schedule time
        if next_check < math.inf and clock_step > 0.0:
            first = min(first, day + max(1, math.floor((next_check - schedule_now) / clock_step) - 1))
        never = parts.world.days + 1
        return first if first < never else never  # whole days (and only whole days reach it)

    def breakout(self, times: list[float]) -> float:
        """Log breaks at these times; return the fighters they add (at this day step)."""
        parts = self.parts
        fighters = parts.breakout_fighters
        for time in times:
            parts.world.record("breakout", value=fighters, time=time)
        return fighters * len(times)

    def collapse(self, day: int) -> None:
        """A 2014-style collapse at the day step of ``day`` (on the world's state)."""
        parts = self.parts
        world = parts.world
        world.collapse_day = float(day)
        world.territory, world.readiness, world.isis_strength = parts.collapse.strike(
            world.territory, world.readiness, world.isis_strength
        )
        world.capability = parts.readiness.capability(world.readiness)
        world.record("collapse", value=world.territory)
        parts.rules.on_collapse(day)

    def set_troops(self, day: int) -> bool:
        """Set the troops and the inputs derived from them for the day that starts now.

        Troops per element and base, trainers, enablers; returns True while some element is
        still moving.
        """
        parts = self.parts
        world = parts.world
        schedule_now = parts.clock.now
        calendar_now = float(day)
        n_bases = len(parts.attractiveness)
        base_troops = [0.0] * n_bases
        trainers = trainers_kurdistan = enablers = troops_iraq = coalition_iraq = troops_syria = 0.0
        troops_kurdistan = 0.0
        moving = False
        for element in parts.elements:
            if element.update(schedule_now, calendar_now):
                moving = True
            troops = element.troops
            base_troops[element.base] += troops
            if element.in_iraq:
                troops_iraq += troops
                trainers += troops * element.trainer_share
                if element.region == "kurdistan":
                    trainers_kurdistan += troops * element.trainer_share
                    troops_kurdistan += troops
                enablers += troops * element.enabler_share
                if not element.bilateral:
                    coalition_iraq += troops
            else:
                troops_syria += troops
        base_weights = targeting.weights(base_troops, parts.attractiveness, parts.targeting_elasticity)
        if world.troop_days and world.troop_days[-1] == day:
            world.target_weights[-n_bases:] = base_weights
        else:
            world.troop_days.append(day)
            world.target_weights.extend(base_weights)
        targeting.set_targets(world, base_weights)
        cumulative = world.troops = sum(base_troops)
        world.troops_iraq, world.coalition_iraq = troops_iraq, coalition_iraq
        world.trainers, world.enablers = trainers, enablers

        readiness = parts.readiness
        readiness.set_support(trainers - trainers_kurdistan, trainers_kurdistan, enablers)
        parts.strength.set_support(enablers / readiness.reference_enablers)
        guarded = troops_syria > 0.0 and not self.guards_fallen
        self.breakout_rate = parts.breakouts_guarded if guarded else parts.breakouts_unguarded
        self.presence = (
            (cumulative / parts.reference_troops) ** parts.troop_elasticity if cumulative > 0.0 else 0.0
        )
        parts.recorder.troops(
            day,
            (
                *(element.troops for element in parts.elements),
                cumulative,
                troops_iraq,
                trainers,
                enablers,
                troops_iraq - troops_kurdistan,
                troops_kurdistan,
                troops_syria,
            ),
        )
        return moving
