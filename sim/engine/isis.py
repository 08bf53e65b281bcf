"""ISIS strength, prison and camp breaks, and ISIS attacks.

Strength S (fighters in Iraq) grows logistically and is worn down by the ISF and by
coalition strikes::

    dS/dt = g * S * (1 - S / K) - (m_isf * C + m_air * E) * S  =  a * S - b * S^2

with ``a = g - m_isf * C - m_air * E`` and ``b = g / K``; C is ISF capability and E the
share of reference enablers present, ``min(1, enablers / reference_enablers)`` (air
strikes need intelligence and aircraft). With C and E held at their values at the
start of a day, this Bernoulli equation has the exact one-day solution of
:meth:`Strength.step`, the one copy the day step calls. Breaks (a Poisson process, :func:`breakouts`) add fighters at
the next day step.

ISIS attacks arrive as a Poisson process whose rate ``attacks_per_fighter_per_day * S``
is held at the day's starting strength over the day, so a day's count is Poisson and
the times are uniform within the day. :class:`IsisAttacks` draws them exactly by a
change of time: attacks fall where the integrated rate crosses the points of a
unit-rate Poisson process (gaps of one standard exponential each).
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np
import simpy

from sim.engine.result import EVENT_DTYPE, KIND
from sim.engine.streams import exponentials
from sim.engine.world import World

ISIS_ATTACK = KIND["isis_attack"]


class Strength:
    """ISIS strength in one trial: the parameters of the ``isis`` section and the
    coalition's strikes, which change only with troops (set by :meth:`set_support`)."""

    __slots__ = ("growth", "crowding", "isf_attrition", "strike_attrition", "net_growth")

    def __init__(self, isis) -> None:
        self.growth = float(isis.growth_per_day)
        self.crowding = self.growth / float(isis.capacity)  # b = g / K
        self.isf_attrition = float(isis.isf_attrition_per_day)
        self.strike_attrition = float(isis.strike_attrition_per_day)
        self.net_growth = self.growth  # g - m_air * E: ``a`` before the ISF's attrition

    def set_support(self, enabler_share: float) -> None:
        """The share of the reference enablers present (0..1) from now on."""
        self.net_growth = self.growth - self.strike_attrition * enabler_share

    def step(self, strength: float, capability: float) -> float:
        """Strength after one day of ``dS/dt = a S - b S^2`` with this capability (exact)."""
        if strength <= 0.0:
            return strength
        a = self.net_growth - self.isf_attrition * capability
        if -1e-12 < a < 1e-12:
            return strength / (1.0 + self.crowding * strength)
        growth = math.exp(a)
        return a * strength * growth / (a + self.crowding * strength * (growth - 1.0))


class IsisAttacks:
    """ISIS attack times, drawn day by day by a change of time.

    The day step keeps the integrated attack rate so far (expected attacks since the
    start, the "ISIS clock"); ``next_at`` is the value of that clock at which the next
    attack happens. The day step calls :meth:`day` only on days that reach it. The
    attacks' times are kept in ``times``; :meth:`attack_log` turns them into log rows.
    """

    __slots__ = ("per_fighter_per_day", "next_at", "times", "_gaps")

    def __init__(self, rng: np.random.Generator, per_fighter_per_day: float):
        self.per_fighter_per_day = per_fighter_per_day
        self._gaps = exponentials(rng, 64)
        self.next_at = next(self._gaps)
        self.times: list[float] = []

    def day(self, day: int, start: float, rate_per_day: float) -> int:
        """Record the attacks of the day that ends at ``day``, over which the ISIS clock
        runs from ``start`` at ``rate_per_day`` (> 0); return their number."""
        end = start + rate_per_day
        count = 0
        times = self.times
        while self.next_at <= end:
            times.append(day - 1 + (self.next_at - start) / rate_per_day)
            count += 1
            self.next_at += next(self._gaps)
        return count

    def attack_log(self) -> np.ndarray:
        """Every ISIS attack as rows of ``EVENT_DTYPE``, in time order."""
        log = np.zeros(len(self.times), dtype=EVENT_DTYPE)
        log["day"] = self.times
        log["kind"] = ISIS_ATTACK
        log["base"] = -1
        log["weapon"] = -1
        return log


def breakouts(
    world: World, per_year: float, fighters: float, rng: np.random.Generator
) -> Generator[simpy.Event, object, None]:
    """Prison or camp breaks at a constant rate; fighters join at the next day step."""
    rate_per_day = per_year / 365.25
    if rate_per_day <= 0.0:
        return
    waits = exponentials(rng, 16)
    env = world.env
    horizon = float(world.days)
    while True:
        wait = next(waits) / rate_per_day
        if env.now + wait >= horizon:
            return  # the next break would come after the last day step
        yield env.timeout(wait)
        world.breakout_fighters_today += fighters
        world.record("breakout", value=fighters)
