"""One trial of a scenario: build the world, run SimPy, collect the result."""

from __future__ import annotations

import math

import numpy as np
import simpy

from sim.engine import isis
from sim.engine.conditions import Conditions
from sim.engine.day import DayStep
from sim.engine.drawdown import Element, ScheduleClock, Triggers, drawdown
from sim.engine.militia import Militia
from sim.engine.result import EVENT_DTYPE, SERIES, WEAPONS, TrialResult
from sim.engine.retaliation import Retaliation
from sim.engine.rules import Rules
from sim.engine.streams import SeedLike, seed_sequence, stream
from sim.engine.tension import Tension
from sim.engine.world import World
from sim.scenario.sampling import draw_parameters, fix, uncertain_parameters


def simulate_trial(params, seed: SeedLike) -> TrialResult:
    """Simulate one trial of a scenario, event by event.

    Args:
        params: a :class:`sim.Scenario`. Parameters still written as distributions are
            drawn from the trial's own ``parameters`` stream first; Monte Carlo runs pass
            scenarios whose values were already drawn (see :func:`sim.scenario.sampling.fix`).
        seed: a non-negative integer or a ``numpy.random.SeedSequence``. Each mechanism
            (militia timing, targeting and damage, retaliation, ISIS, collapse) draws from
            its own stream spawned from it, so the same seed gives the same trial, bit for
            bit, and changing one mechanism leaves the others' draws as they were.

    Returns:
        A :class:`TrialResult` with scalar outcomes, daily series, the event log and the
        number of SimPy events processed.
    """
    sequence = seed_sequence(seed)
    if uncertain_parameters(params):
        own = int(stream(sequence, "parameters").integers(2**63))
        params = fix(params, {path: draws[0] for path, draws in draw_parameters(params, 1, own).items()})
    return _Trial(params, sequence).run()


class _Trial:
    def __init__(self, scenario, sequence: np.random.SeedSequence):
        self.scenario = scenario
        self.env = simpy.Environment()
        days = scenario.days
        base_keys = list(scenario.bases)
        self.base_keys = base_keys
        world = self.world = World(self.env, days, len(base_keys), len(WEAPONS))
        world.readiness = float(scenario.isf.readiness)
        world.isis_strength = float(scenario.isis.strength)
        world.pressure = float(scenario.pressure.initial)

        in_syria = [scenario.bases[key].region == "syria" for key in base_keys]
        self.elements = [
            Element(
                key,
                i,
                base_keys.index(force.base),
                not in_syria[base_keys.index(force.base)],
                force.bilateral,
                float(force.roles.trainers),
                float(force.roles.enablers),
                float(force.troops),
            )
            for i, (key, force) in enumerate(scenario.forces.items())
        ]
        self.clock = ScheduleClock()
        self.triggers = Triggers(self.env, self.clock)
        self.conditions = Conditions(world)
        by_key = {element.key: element for element in self.elements}
        self.rules = Rules(world, scenario.rules, self.conditions, self.clock, by_key)
        ten = scenario.tension
        schedule = [(math.ceil(float(scenario.day_of(p.at))), float(p.level)) for p in ten.schedule]
        self.tension = Tension(world, float(ten.initial), schedule, float(ten.cap))
        self.retaliation = Retaliation(
            world,
            scenario.retaliation,
            float(scenario.pressure.per_strike_in_iraq),
            in_syria,
            self.tension,
            stream(sequence, "retaliation"),
        )
        per_death = float(scenario.pressure.per_coalition_death)
        retaliate = self.retaliation.on_attack

        def on_attack(base: int, killed: int) -> None:
            if killed:
                world.pressure += per_death * killed
            retaliate(base, killed)

        self.militia = Militia(
            world,
            scenario.militia,
            [scenario.bases[key] for key in base_keys],
            on_attack,
            stream(sequence, "militia.timing"),
            stream(sequence, "militia.targeting"),
            stream(sequence, "militia.damage"),
        )
        self.series_names = (*(f"troops:{e.key}" for e in self.elements), *SERIES)
        self.series = np.empty((days + 1, len(self.series_names)))  # row per day while running
        self.day_step = DayStep(
            world,
            scenario,
            self.elements,
            self.clock,
            self.triggers,
            self.conditions,
            self.rules,
            self.tension,
            self.retaliation,
            self.series,
            stream(sequence, "isis"),
            stream(sequence, "collapse"),
        )
        self.breakout_rng = stream(sequence, "isis.breakouts")

    def _plan(self, force) -> list:
        """Per waypoint: a factory of its trigger, its level and its ramp length."""
        scenario, triggers, conditions = self.scenario, self.triggers, self.conditions
        plan = []
        for waypoint in force.schedule:
            if waypoint.at is not None:
                moment = float(scenario.day_of(waypoint.at))

                def make(moment=moment):
                    return triggers.at(moment)

            else:
                watch = conditions.track(waypoint.when)
                not_before = (
                    -math.inf if waypoint.not_before is None else float(scenario.day_of(waypoint.not_before))
                )
                deadline = (
                    math.inf if waypoint.deadline is None else float(scenario.day_of(waypoint.deadline))
                )

                def make(watch=watch, not_before=not_before, deadline=deadline):
                    return triggers.when(watch, not_before, deadline)

            plan.append((make, float(waypoint.troops), float(waypoint.ramp_days)))
        return plan

    def run(self) -> TrialResult:
        env, world, scenario = self.env, self.world, self.scenario
        # Order matters: processes that wait for the first day must exist before the day step.
        for element, force in zip(self.elements, scenario.forces.values(), strict=True):
            if force.schedule:
                env.process(drawdown(element, self._plan(force), self.clock, world.record))
        env.process(self.militia.process())
        ii = scenario.isis
        env.process(
            isis.breakouts(
                world, float(ii.breakouts_per_year), float(ii.breakout_fighters), self.breakout_rng
            )
        )
        finished = env.process(self.day_step.process())
        n_events = _run_counting(env, finished)
        return TrialResult(
            outcomes=self._outcomes(),
            series=np.ascontiguousarray(self.series.T),
            series_names=self.series_names,
            events=_event_array(world.log),
            n_events=n_events,
        )

    def _outcomes(self) -> dict[str, float]:
        world, day_step = self.world, self.day_step
        outcomes = {
            "militia_attacks": float(world.attacks),
            "interceptions": float(world.interceptions),
            "wounded": float(world.wounded),
            "killed": float(world.killed),
            "strikes": float(world.strikes),
            "deterrence_episodes": float(world.deterrence_episodes),
            "escalation_episodes": float(world.escalation_episodes),
            "isis_attacks": float(world.isis_attacks),
            "breakouts": float(world.breakouts),
            "peak_isis_strength": day_step.peak_isis,
            "final_isis_strength": world.isis_strength,
            "collapse": 0.0 if world.collapse_day is None else 1.0,
            "collapse_day": math.nan if world.collapse_day is None else world.collapse_day,
            "peak_territory": day_step.peak_territory,
            "final_territory": world.territory,
            "final_readiness": world.readiness,
            "final_capability": world.capability,
            "min_capability": day_step.min_capability,
            "exit_day": day_step.exit_day,
            "troop_days": day_step.troop_days,
        }
        for key, count in zip(self.base_keys, world.attacks_at, strict=True):
            outcomes[f"attacks_at:{key}"] = float(count)
        for weapon, count in zip(WEAPONS, world.attacks_by, strict=True):
            outcomes[f"attacks_by:{weapon}"] = float(count)
        for name, fired in self.rules.fired.items():
            outcomes[f"rule:{name}"] = 1.0 if fired else 0.0
        return outcomes


def _run_counting(env: simpy.Environment, until: simpy.Event) -> int:
    """Run the environment until ``until`` is processed; return the events processed."""
    step = env.step
    count = 0
    while not until.processed:
        step()
        count += 1
    return count


def _event_array(log: list[tuple]) -> np.ndarray:
    events = np.array(log, dtype=EVENT_DTYPE) if log else np.empty(0, dtype=EVENT_DTYPE)
    return events[np.argsort(events["day"], kind="stable")]
