"""Drawdown: force elements following their schedules on the schedule clock.

Every force element with a schedule runs one SimPy process that walks through its
waypoints in order. For each waypoint it waits on a trigger (a calendar moment, or
conditions with ``not_before`` and ``deadline``), then starts a ramp from its level at
that moment to the waypoint's level (a step when ``ramp_days`` is 0). A waypoint's
trigger is armed when the previous waypoint has started.

Schedule moments (``at``, ``not_before``, ``deadline``) and ramps run on the
*schedule clock*, which equals the calendar day until a policy rule pauses it (it
stands still) or accelerates it (it runs faster). Triggers are checked and troop
levels set once a day, at the day step, so troops are constant within a day
(schedules act at day resolution): a waypoint fires at the first day step whose
schedule time has reached its moment. A redeployment abandons an element's remaining
schedule and ramps it on the calendar instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

import simpy

from sim.engine.conditions import TrackedWhen
from sim.engine.world import NEVER, first_whole


class ScheduleClock:
    """Schedule time: advances by ``rate`` per calendar day unless paused."""

    __slots__ = ("now", "rate", "paused")

    def __init__(self) -> None:
        self.now = 0.0
        self.rate = 1.0
        self.paused = False


class Ramp:
    """A linear move from ``level0`` at ``x0`` to ``level1`` at ``x1``.

    ``x`` is schedule time if ``on_schedule``, else the calendar day. ``x1 == x0`` is a step.
    """

    __slots__ = ("on_schedule", "x0", "level0", "x1", "level1")

    def __init__(self, on_schedule: bool, x0: float, level0: float, x1: float, level1: float):
        self.on_schedule = on_schedule
        self.x0, self.level0, self.x1, self.level1 = x0, level0, x1, level1

    def level(self, schedule_now: float, calendar_now: float) -> float:
        """The level at this moment (``level1`` from ``x1`` on)."""
        x = schedule_now if self.on_schedule else calendar_now
        if x >= self.x1:
            return self.level1
        if x <= self.x0:
            return self.level0
        return self.level0 + (self.level1 - self.level0) * (x - self.x0) / (self.x1 - self.x0)

    def done(self, schedule_now: float, calendar_now: float) -> bool:
        """True once the ramp has reached its end level."""
        return (schedule_now if self.on_schedule else calendar_now) >= self.x1


class Element:
    """One force element: where it is, what its troops do, and its current ramp."""

    __slots__ = (
        "key",
        "index",
        "base",
        "region",
        "in_iraq",
        "bilateral",
        "trainer_share",
        "enabler_share",
        "troops",
        "ramp",
        "abandoned",
    )

    def __init__(
        self,
        key: str,
        index: int,
        base: int,
        region: str,
        bilateral: bool,
        trainer_share: float,
        enabler_share: float,
        troops: float,
    ):
        self.key = key
        self.index = index
        self.base = base
        self.region = region  # "federal_iraq", "kurdistan" or "syria": its base's region
        self.in_iraq = region != "syria"
        self.bilateral = bilateral
        self.trainer_share = trainer_share
        self.enabler_share = enabler_share
        self.troops = troops  # today's level, set by the day step
        self.ramp: Ramp | None = None
        self.abandoned = False  # redeployed: the rest of the schedule no longer applies

    def level(self, schedule_now: float, calendar_now: float) -> float:
        """The level the element's current ramp gives at this moment."""
        return self.troops if self.ramp is None else self.ramp.level(schedule_now, calendar_now)

    def move(
        self, on_schedule: bool, schedule_now: float, calendar_now: float, length: float, level1: float
    ) -> None:
        """Start, now, a ramp of ``length`` days to ``level1`` on the schedule clock (or the calendar).

        It starts from the level the current ramp gives now.
        """
        level0 = self.level(schedule_now, calendar_now)
        x0 = schedule_now if on_schedule else calendar_now
        self.ramp = Ramp(on_schedule, x0, level0, x0 + length, level1)

    def update(self, schedule_now: float, calendar_now: float) -> bool:
        """Set today's troops from the ramp; True while the ramp is still under way."""
        ramp = self.ramp
        if ramp is None:
            return False
        self.troops = ramp.level(schedule_now, calendar_now)
        if ramp.done(schedule_now, calendar_now):
            self.ramp = None
            return False
        return True


class Triggers:
    """Pending waypoint triggers, checked at the day step against the schedule clock.

    For a firm deadline, against the calendar.
    """

    def __init__(self, env: simpy.Environment, clock: ScheduleClock):
        self.env = env
        self.clock = clock
        # (event, moment or not_before, conditions, deadline, firm, counting since not_before)
        self._pending: list[list] = []
        self.next_check = math.inf  # schedule time before which no trigger can fire
        self.next_firm = NEVER  # the first day step on or after the next firm deadline

    def at(self, moment: float) -> simpy.Event:
        """An event that fires on the first day step the schedule clock reaches ``moment``."""
        event = self.env.event()
        self._pending.append([event, moment, None, math.inf, False, False])
        self.next_check = min(self.next_check, moment)
        return event

    def when(self, watch: TrackedWhen, not_before: float, deadline: float, firm: bool = False) -> simpy.Event:
        """An event that fires when ``watch`` holds or at ``deadline``.

        Conditions count days from now and on or after ``not_before``; the deadline is on the
        calendar if ``firm``. Its value says which (``"conditions"``, ``"deadline"`` or
        ``"firm deadline"``).
        """
        event = self.env.event()
        watch.restart()
        self._pending.append([event, not_before, watch, deadline, firm, False])
        self.next_check = min(self.next_check, not_before, math.inf if firm else deadline)
        if firm:
            self.next_firm = min(self.next_firm, first_whole(deadline))
        return event

    def check(self) -> bool:
        """Fire every due trigger; True if any fired (their processes must run today)."""
        now, today = self.clock.now, self.env.now
        keep = []
        fired = False
        next_check = next_firm = math.inf
        for item in self._pending:
            event, moment, watch, deadline, firm, counting = item
            if watch is None:
                due, why = now >= moment, "calendar"
            elif (today if firm else now) >= deadline:
                due, why = True, "firm deadline" if firm else "deadline"
            elif now >= moment:
                if not counting:  # not_before reached: only days from today on count
                    watch.count_from_today()
                    item[5] = True
                due, why = watch.holds(), "conditions"
            else:
                due, why = False, ""
            if due:
                event.succeed(why)
                fired = True
            else:
                keep.append(item)
                # A conditions-based trigger past its not_before is checked every day.
                next_check = min(next_check, moment, math.inf if firm else deadline)
                if firm:
                    next_firm = min(next_firm, deadline)
        self._pending = keep
        self.next_check, self.next_firm = next_check, first_whole(next_firm)
        return fired


def drawdown(
    element: Element,
    plan: list[tuple[Callable[[], simpy.Event], float, float]],
    clock: ScheduleClock,
    record: Callable[..., None],
) -> Generator[simpy.Event, object, None]:
    """The process of one force element.

    ``plan`` holds, per waypoint, a factory of its trigger event, the target level and
    the ramp length in schedule days. Ends early if the element is redeployed.
    """
    for make_trigger, target, ramp_days in plan:
        trigger = make_trigger()
        yield trigger
        if element.abandoned:
            return
        # A firm deadline is a calendar promise: its ramp runs on the calendar too, so
        # that a pause cannot hold it up half-way.
        on_schedule = trigger.value != "firm deadline"
        element.move(on_schedule, clock.now, trigger.env.now, ramp_days, target)
        record("waypoint", base=element.index, value=target)
