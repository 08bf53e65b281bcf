"""Militia attacks: a self-exciting (Hawkes) point process, simulated exactly.

Intensity (attacks per day)::

    lambda(t) = mu(t) + sum over past attacks t_i of (n / tau) * exp(-(t - t_i) / tau)

with ``n`` the branching ratio (each attack triggers ``n`` follow-on attacks on
average) and ``tau`` the decay time. The background ``mu(t)`` is set by the day step
from tension and troops and is constant within a day, so between day boundaries the
intensity only decays and its current value bounds it from above. That is what Ogata
thinning needs: draw a candidate from a Poisson process at the bound, accept it with
probability ``lambda(t) / bound``. A candidate that would fall past the next day
boundary is dropped, and drawing restarts from the boundary with the new day's
background (exact, by memorylessness of the exponential).

Each attack picks a base in proportion to its troops, a weapon from the mix, is
intercepted with the base's probability for that weapon, and otherwise wounds and
kills negative-binomial numbers of people scaled by the base's hardening.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Generator
from functools import lru_cache

import numpy as np
import simpy

from sim.engine.streams import Buffered
from sim.engine.world import World


@lru_cache(maxsize=512)
def negative_binomial_table(mean: float, dispersion: float) -> tuple[float, ...]:
    """Cumulative probabilities of a negative-binomial count with this mean and shape,
    up to where less than 1e-12 of the mass is left (or 100,000 terms)."""
    if mean <= 0.0:
        return (1.0,)
    p = dispersion / (dispersion + mean)
    probability = p**dispersion
    cumulative = [probability]
    count = 0
    while cumulative[-1] < 1.0 - 1e-12 and count < 100_000:
        probability *= (count + dispersion) / (count + 1) * (1.0 - p)
        count += 1
        cumulative.append(cumulative[-1] + probability)
    return tuple(cumulative)


def negative_binomial(table: tuple[float, ...], uniform: Buffered, mean: float, dispersion: float) -> int:
    """A negative-binomial count by inversion of one uniform draw against its table."""
    u = uniform()
    count = bisect_right(table, u)
    if count < len(table):
        return count
    # The last 1e-12 of the tail: rare enough to take from NumPy.
    return int(uniform.rng.negative_binomial(dispersion, dispersion / (dispersion + mean)))


class Militia:
    """The attack process and how one attack plays out."""

    def __init__(
        self,
        world: World,
        params,
        bases: list,
        on_attack: Callable[[int, int], None],
        timing: np.random.Generator,
        targeting: np.random.Generator,
        damage: np.random.Generator,
    ):
        self.world = world
        self.decay_days = float(params.decay_days)
        self.jump = float(params.branching_ratio) / self.decay_days
        mix = params.weapon_mix
        shares = [float(mix.rocket), float(mix.drone), float(mix.ballistic_missile)]
        self.weapon_cumulative = list(np.cumsum(shares))
        by_weapon = (params.casualties.rocket, params.casualties.drone, params.casualties.ballistic_missile)
        # Per base and weapon: (wounded table, mean, killed table, mean, dispersion).
        self.casualties = [
            [
                _casualty_model(
                    float(c.wounded_mean) * (1.0 - float(b.hardening)),
                    float(c.killed_mean) * (1.0 - float(b.hardening)),
                    float(c.dispersion),
                )
                for c in by_weapon
            ]
            for b in bases
        ]
        self.intercept = [
            [float(b.air_defence.rocket), float(b.air_defence.drone), float(b.air_defence.ballistic_missile)]
            for b in bases
        ]
        self.on_attack = on_attack
        self.exponential = Buffered(timing, exponential=True)
        self.accept = Buffered(timing)
        self.pick = Buffered(targeting)
        self.damage = Buffered(damage)
        self.excitation = 0.0  # excitation part of the intensity at excitation_time
        self.excitation_time = 0.0

    def process(self) -> Generator[simpy.Event, object, None]:
        world = self.world
        env = world.env
        exp = math.exp
        tau = self.decay_days
        yield world.new_day
        while True:
            now = env.now
            excitation = self.excitation * exp((self.excitation_time - now) / tau)
            self.excitation, self.excitation_time = excitation, now
            mu = world.militia_background
            bound = mu + excitation
            if bound <= 0.0:
                yield world.new_day
                continue
            wait = self.exponential() / bound
            if now + wait >= world.day + 1:
                yield world.new_day
                continue
            yield env.timeout(wait)
            now = env.now
            excitation = self.excitation * exp((self.excitation_time - now) / tau)
            if self.accept() * bound <= mu + excitation:
                excitation += self.jump
                self.attack()
            self.excitation, self.excitation_time = excitation, now

    def attack(self) -> None:
        world = self.world
        pick = self.pick
        point = pick() * world.troops
        # The loop leaves ``base`` at the chosen base (the last manned one if rounding
        # puts the point at the very end).
        base = -1
        for cumulative, base in world.targets:  # noqa: B007
            if point < cumulative:
                break
        u = pick()
        weapon = 0
        while weapon < 2 and u >= self.weapon_cumulative[weapon]:
            weapon += 1
        intercepted = pick() < self.intercept[base][weapon]
        wounded = killed = 0
        if not intercepted:
            wounded_table, wounded_mean, killed_table, killed_mean, dispersion = self.casualties[base][weapon]
            wounded = negative_binomial(wounded_table, self.damage, wounded_mean, dispersion)
            killed = negative_binomial(killed_table, self.damage, killed_mean, dispersion)
            world.wounded += wounded
            world.killed += killed
        else:
            world.interceptions += 1
        world.attacks += 1
        world.attacks_today += 1
        world.attacks_at[base] += 1
        world.attacks_by[weapon] += 1
        world.log.append((world.env.now, 0, base, weapon, intercepted, wounded, killed, 0.0))
        self.on_attack(base, killed)


def _casualty_model(wounded_mean: float, killed_mean: float, dispersion: float) -> tuple:
    return (
        negative_binomial_table(wounded_mean, dispersion),
        wounded_mean,
        negative_binomial_table(killed_mean, dispersion),
        killed_mean,
        dispersion,
    )
