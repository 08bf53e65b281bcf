"""Policy rules: accelerate, pause, redeploy.

- **accelerate** fires once, at the first day step its conditions hold: from the next
  day on, the schedule clock runs ``factor`` times faster (remaining waypoints,
  deadlines and ramps come sooner).
- **pause** stops the schedule clock for the next day whenever its conditions hold at
  a day step; waypoints, deadlines and ramps wait with it. Its firing is logged each
  time a pause begins.
- **redeploy** fires once, on a collapse or at the first day step its conditions hold;
  ``delay_days`` later (rounded up to a whole day) its force element abandons what is
  left of its schedule and ramps, on the calendar, from its level that day to
  ``troops`` over ``ramp_days``.

Rules are checked at each day step after the conditions' counters are updated and
before waypoints fire (see :mod:`sim.engine.day`).
"""

from __future__ import annotations

import math
from typing import Any

from sim.engine.conditions import Conditions, TrackedWhen
from sim.engine.drawdown import Element, ScheduleClock
from sim.engine.world import World


class Rules:
    """The policy rules of one trial.

    ``fired`` maps each rule name to whether it fired (rules sharing a name share an
    entry); a rule's log entry carries its index in ``fired`` as ``base``.
    """

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
        self._index = {name: i for i, name in enumerate(self.fired)}
        self.accelerate: list[tuple[Any, TrackedWhen]] = [
            (r, conditions.track(r.when)) for r in rules if r.action == "accelerate"
        ]
        self.pause: list[tuple[Any, TrackedWhen]] = [
            (r, conditions.track(r.when)) for r in rules if r.action == "pause"
        ]
        self.redeploy_when: list[tuple[Any, TrackedWhen]] = [
            (r, conditions.track(r.when)) for r in rules if r.action == "redeploy" and r.when is not None
        ]
        self.redeploy_on_collapse = [r for r in rules if r.action == "redeploy" and r.when is None]
        self.due: list[tuple[int, Any]] = []  # (day, redeploy rule) waiting for its delay
        self.moved = False  # a redeployment started a ramp at this day step
        self.active = False  # some rule must be looked at in the day step
        self._update_active()

    def _update_active(self) -> None:
        # Checked by the day step every day, so kept as a plain attribute.
        self.active = bool(self.accelerate or self.pause or self.redeploy_when or self.due)

    def on_day(self, day: int) -> None:
        """Fire the rules whose conditions hold today and carry out due redeployments."""
        for item in list(self.accelerate):
            rule, watch = item
            if watch.holds():
                self.clock.rate *= float(rule.factor)
                self._fired(rule, float(rule.factor))
                self.accelerate.remove(item)
        if self.pause:
            holding = [rule for rule, watch in self.pause if watch.holds()]
            if holding and not self.clock.paused:
                for rule in holding:
                    self._fired(rule, 1.0)
            self.clock.paused = bool(holding)
        for item in list(self.redeploy_when):
            rule, watch = item
            if watch.holds():
                self._schedule(day, rule)
                self.redeploy_when.remove(item)
        while self.due and self.due[0][0] <= day:
            _, rule = self.due.pop(0)
            element = self.elements[rule.force]
            element.abandoned = True
            element.move(False, self.clock.now, float(day), float(rule.ramp_days), float(rule.troops))
            self.moved = True
            self.world.record("waypoint", base=element.index, value=float(rule.troops))
        self._update_active()

    def on_collapse(self, day: int) -> None:
        """Fire the redeploy rules waiting for a collapse."""
        for rule in self.redeploy_on_collapse:
            self._schedule(day, rule)
        self.redeploy_on_collapse = []
        self._update_active()

    def _schedule(self, day: int, rule) -> None:
        self._fired(rule, float(rule.troops))
        self.due.append((day + math.ceil(float(rule.delay_days)), rule))
        self.due.sort(key=lambda item: item[0])

    def _fired(self, rule, value: float) -> None:
        self.fired[rule.name] = True
        self.world.record("rule", value=value, base=self._index[rule.name])
