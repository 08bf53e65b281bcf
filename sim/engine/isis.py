"""ISIS strength, prison and camp breaks, and ISIS attacks.

Strength S (fighters in Iraq) grows logistically and is worn down by the ISF and by
coalition strikes::

    dS/dt = g * S * (1 - S / K) - (m_isf * C + m_air * E) * S  =  a * S - b * S^2

with ``a = g - m_isf * C - m_air * E`` and ``b = g / K``; C is ISF capability and E the
share of reference enablers present (air strikes need intelligence and aircraft).
With C and E constant over a day this Bernoulli equation has the exact solution used
by :func:`step_strength`. Breaks (Poisson events) add fighters; ISIS attacks arrive
as a Poisson process with rate ``attacks_per_fighter_per_day * S``, constant within a
day, so a day's count is Poisson and its times are uniform within the day.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np
import simpy

from sim.engine.streams import Buffered
from sim.engine.world import World


def step_strength(strength: float, a: float, b: float, days: float = 1.0) -> float:
    """Strength after ``days`` of ``dS/dt = a S - b S^2`` (exact for constant a, b)."""
    if strength <= 0.0:
        return 0.0
    if abs(a) < 1e-12:
        return strength / (1.0 + b * strength * days)
    growth = math.exp(a * days)
    return a * strength * growth / (a + b * strength * (growth - 1.0))


def breakouts(
    world: World, per_year: float, fighters: float, rng: np.random.Generator
) -> Generator[simpy.Event, object, None]:
    """Prison or camp breaks at a constant rate; fighters join at the next day step."""
    rate_per_day = per_year / 365.25
    if rate_per_day <= 0.0:
        return
    wait = Buffered(rng, exponential=True, block=64)
    env = world.env
    while True:
        yield env.timeout(wait() / rate_per_day)
        world.breakouts += 1
        world.breakout_fighters_today += fighters
        world.record("breakout", value=fighters)


def poisson(mean: float, uniform: Buffered) -> int:
    """A Poisson count: by inversion of one uniform draw for the small daily means of
    ISIS attacks, from NumPy's generator of the same stream for large means."""
    if mean > 30.0:
        return int(uniform.rng.poisson(mean))
    u = uniform()
    probability = math.exp(-mean)
    cumulative = probability
    count = 0
    while u > cumulative and probability > 0.0:
        count += 1
        probability *= mean / count
        cumulative += probability
    return count


def isis_attacks(world: World, rate_per_day: float, uniform: Buffered, day: int) -> int:
    """Draw and log the ISIS attacks of the day that ends at ``day``; returns their count."""
    if rate_per_day <= 0.0:
        return 0
    count = poisson(rate_per_day, uniform)
    if count:
        for offset in sorted(uniform() for _ in range(count)):
            world.record("isis_attack", time=day - 1 + offset)
    return count
