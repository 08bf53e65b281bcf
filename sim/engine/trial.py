"""One trial of a scenario: build the world, run SimPy, collect the result."""

from __future__ import annotations

import math
import struct
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.engine import isis
from sim.engine.collapse import Collapse
from sim.engine.conditions import Conditions
from sim.engine.day import DayStep, Mechanisms
from sim.engine.drawdown import Element, ScheduleClock, Triggers, drawdown
from sim.engine.isis import PoissonClock, Strength
from sim.engine.militia import Militia
from sim.engine.outcomes import REGIONS, Ending, outcomes_of, places
from sim.engine.readiness import Readiness
from sim.engine.result import EVENT_DTYPE, KIND, SERIES, SERIES_ROW, TrialResult
from sim.engine.retaliation import Retaliation
from sim.engine.rules import Rules
from sim.engine.series import DAILY, Recorder
from sim.engine.streams import SeedLike, trial_streams
from sim.engine.tension import Tension
from sim.engine.world import NEVER, World
from sim.scenario.sampling import draw_parameters, fix, has_distribution

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario


def simulate_trial(params: Scenario, seed: SeedLike) -> TrialResult:
    """Simulate one trial of a scenario, event by event.

    Args:
        params: a :class:`sim.scenario.schema.Scenario`. Parameters still written as
            distributions are drawn from the trial's own ``parameters`` stream first;
            Monte Carlo runs pass scenarios whose values were already drawn (see
            :func:`sim.scenario.sampling.fix`).
        seed: a non-negative integer or a ``numpy.random.SeedSequence``. Each mechanism
            (militia timing, militia attacks, retaliation, ISIS attacks, breaks, collapse)
            draws from its own stream seeded from it (:mod:`sim.engine.streams`), so the
            same seed gives the same trial, bit for bit, and changing one mechanism leaves
            the others' draws as they were.

    Raises:
        ValueError: for a seed that is not a non-negative integer or a SeedSequence.

    Returns:
        A :class:`TrialResult` with scalar outcomes, daily series, the event log and the
        number of SimPy events processed.

    Example:
        >>> result = simulate_trial(scenario, 7)  # doctest: +SKIP
        >>> result.outcomes["militia_attacks"], result.series_of("troops")[-1]  # doctest: +SKIP
    """
    streams = trial_streams(seed)
    if has_distribution(params):
        own = int(streams["parameters"].integers(2**63))
        params = fix(params, {path: draws[0] for path, draws in draw_parameters(params, 1, own).items()})
    return _Trial(params, streams).run()


class _Trial:
    """The objects of one trial, wired together."""

    def __init__(self, scenario: Scenario, streams: dict[str, np.random.Generator]):
        self.scenario = scenario
        self.env = env = simpy.Environment()
        days = scenario.days
        base_keys = list(scenario.bases)
        self.base_keys = base_keys
        world = self.world = World(env, days)
        world.readiness = float(scenario.isf.readiness)
        world.isis_strength = float(scenario.isis.strength)
        world.pressure = float(scenario.pressure.initial)

        in_syria = [scenario.bases[key].region == "syria" for key in base_keys]
        base_index = {key: i for i, key in enumerate(base_keys)}
        self.elements = [
            Element(
                key,
                i,
                base_index[force.base],
                scenario.bases[force.base].region,
                force.bilateral,
                float(force.roles.trainers),
                float(force.roles.enablers),
                float(force.troops),
            )
            for i, (key, force) in enumerate(scenario.forces.items())
        ]
        self.clock = ScheduleClock()
        self.triggers = Triggers(env, self.clock)
        self.conditions = Conditions(world)
        by_key = {element.key: element for element in self.elements}
        self.rules = Rules(world, scenario.rules, self.conditions, self.clock, by_key)
        self.plans = [self._plan(force) for force in scenario.forces.values()]
        ten = scenario.tension
        schedule = [(math.ceil(float(scenario.day_of(p.at))), float(p.level)) for p in ten.schedule]
        regional = [
            (
                max(0, math.ceil(float(scenario.day_of(e.start)))),
                math.inf if e.end is None else math.ceil(float(scenario.day_of(e.end))),
                float(getattr(ten.effects, e.episode)),
            )
            for e in ten.regional
        ]
        self.tension = Tension(world, float(ten.initial), schedule, float(ten.cap), regional)
        announced = scenario.retaliation.withdrawal_announced
        self.retaliation = Retaliation(
            world,
            scenario.retaliation,
            math.inf if announced is None else math.ceil(float(scenario.day_of(announced))),
            float(scenario.pressure.per_strike_in_iraq),
            in_syria,
            self.tension,
            streams["retaliation"],
        )
        self.militia = Militia(
            world,
            scenario.militia,
            [scenario.bases[key] for key in base_keys],
            float(scenario.pressure.per_coalition_death),
            self.retaliation,
            streams["militia.timing"],
            streams["militia.attacks"],
        )
        self.recorder = Recorder(days, len(self.elements))
        mi, ii, cp = scenario.militia, scenario.isis, scenario.collapse
        sanctuary = sorted(
            (math.ceil(float(scenario.day_of(p.at))), float(p.level)) for p in ii.sanctuary_schedule
        )
        guards = (
            NEVER if ii.guards_collapse is None else math.ceil(float(scenario.day_of(ii.guards_collapse)))
        )
        self.day_step = DayStep(
            Mechanisms(
                world=world,
                elements=self.elements,
                clock=self.clock,
                triggers=self.triggers,
                conditions=self.conditions,
                rules=self.rules,
                tension=self.tension,
                retaliation=self.retaliation,
                militia=self.militia,
                readiness=Readiness(scenario.isf),
                strength=Strength(ii, float(cp.contained_fighters)),
                isis_attacks=PoissonClock(streams["isis"]),
                breakouts=PoissonClock(streams["isis.breakouts"], 4),
                collapse=Collapse(cp, float(streams["collapse"].standard_exponential())),
                recorder=self.recorder,
                attractiveness=[float(scenario.bases[key].attractiveness) for key in base_keys],
                targeting_elasticity=float(mi.targeting_elasticity),
                # The Hawkes background: the long-run rate less the follow-on attacks.
                militia_rate=float(mi.attack_rate_per_day) * (1.0 - float(mi.branching_ratio)),
                attack_rate=float(mi.attack_rate_per_day),
                reference_troops=float(mi.reference_troops),
                troop_elasticity=float(mi.troop_elasticity),
                pressure_decay=math.exp(-math.log(2.0) / float(scenario.pressure.half_life_days)),
                sanctuary=sanctuary,
                breakouts_guarded=float(ii.guarded_breakouts_per_year) / 365.25,
                breakouts_unguarded=float(ii.unguarded_breakouts_per_year) / 365.25,
                breakout_fighters=float(ii.breakout_fighters),
                guards_collapse_day=guards,
            )
        )
        self.deaths_rng = streams["isis.deaths"]

    def _plan(self, force) -> list:
        """Per waypoint: a factory of its trigger, its level and its ramp length.

        Conditions are registered here, before the run; a waypoint's counters start
        again when it becomes due (see ``Triggers.when``).
        """
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

                def make(  # type: ignore[misc]  # a second variant of make: the other branch's takes moment
                    watch=watch, not_before=not_before, deadline=deadline, firm=waypoint.firm_deadline
                ):
                    return triggers.when(watch, not_before, deadline, firm)

            plan.append((make, float(waypoint.troops), float(waypoint.ramp_days)))
        return plan

    def run(self) -> TrialResult:
        """Simulate the trial and collect its result."""
        return self.result(self.simulate())

    def simulate(self) -> int:
        """Run SimPy to the horizon; return the number of events processed."""
        env, world = self.env, self.world
        # Order matters: the militia must be waiting before the day step first sets its
        # rate (it interrupts the militia's wait), and the drawdown processes must have
        # armed their first triggers before day 0's are checked.
        processes = [self.militia.start()]
        for element, plan in zip(self.elements, self.plans, strict=True):
            if plan:
                processes.append(env.process(drawdown(element, plan, self.clock, world.record)))
        finished = env.process(self.day_step.process())
        n_events = _run_counting(env, finished)
        _release(env, processes)
        return n_events

    def result(self, n_events: int) -> TrialResult:
        """The outcomes, series and event log of the simulated trial."""
        # ISIS attacks are recorded by the day step that ends their day, before what that
        # day step decides (militia attack times are continuous: they fall on a day
        # step's time only with probability zero).
        isis_times = self.day_step.parts.isis_attacks.times
        ii, rng = self.scenario.isis, self.deaths_rng
        dispersion = float(ii.deaths_dispersion)
        civilians: float | np.ndarray = float(ii.civilians_killed_per_attack)
        if self.world.collapse_day is not None and isis_times:  # ISIS has held ground
            territory = self.recorder.daily_values()[_TERRITORY :: len(DAILY)]
            civilians = isis.civilian_toll(ii, isis.territory_at(isis_times, territory))
        isis_log = isis.attack_log(
            isis_times,
            isis.deaths(len(isis_times), civilians, dispersion, rng),
            isis.deaths(len(isis_times), float(ii.isf_killed_per_attack), dispersion, rng),
        )
        events = _event_array(isis_log, self.world.log, self.militia.attack_log())
        series = self.recorder.assemble(events)
        names = (*(f"troops:{e.key}" for e in self.elements), *SERIES)
        return TrialResult(
            outcomes=self._outcomes(series, events),
            series=series,
            series_names=names,
            events=events,
            n_events=n_events,
        )

    def _outcomes(self, series: np.ndarray, events: np.ndarray) -> dict[str, float]:
        """The scalar outcomes (:data:`sim.engine.outcomes.OUTCOMES`).

        From the event log, the series and the final state.
        """
        world, n = self.world, len(self.elements)
        rows = series[n:]
        kinds = events["kind"]
        # np.compress: much faster than a boolean index on a structured array.
        attacks = np.compress(kinds == KIND["attack"], events)
        base_region = np.array(
            [REGIONS.index(self.scenario.bases[key].region) for key in self.base_keys], dtype=np.int64
        )
        regions = places(
            series[:n],
            [element.region for element in self.elements],
            [element.bilateral for element in self.elements],
            base_region[attacks["base"]],
            attacks["wounded"] + attacks["killed"],
            {region: rows[SERIES_ROW[f"troops_{region}"]] for region in REGIONS},
        )
        return outcomes_of(
            Ending(
                rows=rows,
                last=rows[:, -1].tolist(),
                logged=np.bincount(kinds, minlength=len(KIND)).tolist(),
                attacks=attacks,
                world=world,
                exit_day=self.day_step.exit_day,
                collapse_day=world.collapse_day,
                horizon_days=float(world.days),
                contained_fighters=float(self.scenario.collapse.contained_fighters),
                places=regions,
                base_keys=self.base_keys,
                rules_fired=self.rules.fired,
            )
        )


def _run_counting(env: simpy.Environment, until: simpy.Event) -> int:
    """Run the environment until ``until`` is processed; return the events processed.

    SimPy numbers every event it schedules (its private ``_eid``, an ``itertools.count``);
    those still in its private ``_queue`` at the end were not processed. Counting this way
    keeps a Python counter out of the event loop: a loop of ``env.step()`` calls that counts
    them costs 8-15% more than ``env.run`` (measured on 200,000 timeouts). The benchmark's
    per-event cost needs the count; tests/engine/test_simpy_internals.py fails loudly if a
    SimPy release changes either attribute.
    """
    numbers = env._eid
    env.run(until=until)
    return next(numbers) - len(env._queue)


def _release(env: simpy.Environment, processes: list[simpy.Process]) -> None:
    """Let a finished trial be freed by reference counting, not the garbage collector.

    At the horizon some processes still wait (the militia on its next candidate, a
    drawdown process on a trigger that never fired). Their suspended generators refer
    to the trial's objects, which refer back to the processes, so the whole trial
    would stay in memory until a garbage collection, and collections triggered by
    those leftovers cost about 5% of a trial. Closing the generators and emptying the
    queue breaks the cycles. SimPy offers no public way to do either: the generator is the
    process's private ``_generator`` and the queue the environment's private ``_queue``
    (guarded by tests/engine/test_simpy_internals.py).
    """
    for process in processes:
        if process.is_alive:
            target = process.target
            if target is not None and target.callbacks:
                target.callbacks.clear()
            process._generator.close()
    env._queue.clear()


_TERRITORY = DAILY.index("territory")  # its place in each day's row of Recorder.daily

_EVENT_CODES = "dBhb?iid"  # struct codes of EVENT_DTYPE's fields, in order


def _event_array(*parts: list[float] | np.ndarray) -> np.ndarray:
    """The parts of a trial's event log as one structured array of :data:`EVENT_DTYPE`.

    In time order.

    Each part is either a mechanism's own array of EVENT_DTYPE or the flat log (a list
    of numbers, one per field of each event), which ``struct`` packs straight into
    EVENT_DTYPE's memory layout (native byte order, no padding): several times faster
    than converting tuples. The parts are joined as bytes (concatenating structured
    arrays is slow in NumPy) and sorted stably by time, so events at the same time
    keep the order of the parts and, within a part, the order they were logged in.
    """
    data = b"".join(
        part.tobytes()
        if isinstance(part, np.ndarray)
        else struct.pack("=" + _EVENT_CODES * (len(part) // len(_EVENT_CODES)), *part)
        for part in parts
    )
    events = np.frombuffer(data, dtype=EVENT_DTYPE)
    return np.take(events, np.argsort(events["day"], kind="stable"))
