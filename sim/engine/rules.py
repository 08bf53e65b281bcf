"""Policy rules: accelerate, pause, redeploy.

- **accelerate** fires once, the first day its conditions hold: the schedule clock runs
  ``factor`` times faster from then on (remaining waypoints, deadlines and ramps).
- **pause** stops the schedule clock on every day its conditions hold; waypoints,
  deadlines and ramps wait with it.
- **redeploy** fires once, on a collapse or the first day its conditions hold; after
  ``delay_days`` (rounded up to a whole day) its force element abandons what is left
  of its schedule and ramps to ``troops`` over ``ramp_days`` calendar days.
"""

from __future__ import annotations

import math

from sim.engine.conditions import Conditions
from sim.engine.drawdown import Element, Ramp, ScheduleClock
from sim.engine.world import World


class Rules:
    def __init__(
        self,
        world: World,
        rules: list,
        conditions: Conditions,
        clock: ScheduleClock,
        elements: dict[str, Element],
    ):
        self.world = world
        self.clock = clock
        self.elements = elements
        self.fired: dict[str, bool] = {rule.name: False for rule in rules}
        self.accelerate = [(r, conditions.track(r.when)) for r in rules if r.action == "accelerate"]
        self.pause = [(r, conditions.track(r.when)) for r in rules if r.action == "pause"]
        self.redeploy = [
            (r, None if r.when is None else conditions.track(r.when)) for r in rules if r.action == "redeploy"
        ]
        self.due: list[tuple[int, object]] = []  # (day, redeploy rule) waiting for its delay
        self.moved = False  # a redeployment started a ramp today

    @property
    def active(self) -> bool:
        """True while any rule can still fire or act."""
        return bool(self.accelerate or self.pause or self.redeploy or self.due)

    def on_day(self, day: int) -> None:
        """Fire the rules whose conditions hold today and carry out due redeployments."""
        for item in list(self.accelerate):
            rule, watch = item
            if watch.holds():
                self.clock.rate *= float(rule.factor)
                self._fired(rule, float(rule.factor))
                self.accelerate.remove(item)
        if self.pause:
            paused = any(watch.holds() for _, watch in self.pause)
            if paused and not self.clock.paused:
                for rule, watch in self.pause:
                    if watch.holds():
                        self._fired(rule, 1.0)
            self.clock.paused = paused
        for item in list(self.redeploy):
            rule, watch = item
            if watch is not None and watch.holds():
                self._schedule(day, rule)
                self.redeploy.remove(item)
        while self.due and self.due[0][0] <= day:
            _, rule = self.due.pop(0)
            element = self.elements[rule.force]
            element.abandoned = True
            element.move(Ramp(False, day, element.troops, day + float(rule.ramp_days), float(rule.troops)))
            self.moved = True
            self.world.record("waypoint", base=element.index, value=float(rule.troops))

    def on_collapse(self, day: int) -> None:
        """Fire the redeploy rules waiting for a collapse."""
        for item in list(self.redeploy):
            rule, watch = item
            if watch is None:
                self._schedule(day, rule)
                self.redeploy.remove(item)

    def _schedule(self, day: int, rule) -> None:
        self._fired(rule, float(rule.troops))
        self.due.append((day + math.ceil(float(rule.delay_days)), rule))
        self.due.sort(key=lambda item: item[0])

    def _fired(self, rule, value: float) -> None:
        self.fired[rule.name] = True
        self.world.record("rule", value=value, base=list(self.fired).index(rule.name))
