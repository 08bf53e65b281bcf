"""Militia attacks: a self-exciting (Hawkes) point process, simulated exactly.

Intensity (attacks per day) while any troops are present::

    lambda(t) = mu(t) + sum over past attacks t_i of (n / tau) * exp(-(t - t_i) / tau)

with ``n`` the branching ratio (each attack triggers ``n`` follow-on attacks on
average) and ``tau`` the decay time; with no troops present the intensity is zero
(no targets, no attacks), while the excitation keeps decaying. The background
``mu(t)`` is set by the day step from tension and troops and changes only at day
boundaries.

Exact simulation by Ogata thinning: at time ``s`` the intensity can only decay until
the background next rises, so ``bound = mu(s) + excitation(s)`` bounds it. The
process draws a candidate ``s + E / bound`` (E a standard exponential), waits for
it, and accepts it with probability ``lambda(t) / bound``. When the day step raises
the background it interrupts the wait and drawing restarts from that moment with the
new bound (exact, by memorylessness of the exponential). A fall of the background
needs nothing: the old bound still bounds the intensity, and the acceptance test
uses the intensity at the candidate's time.

Each attack picks a base in proportion to its troops, a weapon from the mix, is
intercepted with the base's probability for that weapon, and otherwise wounds and
kills negative-binomial numbers of people scaled by the base's hardening.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Generator, Iterator
from functools import lru_cache
from itertools import accumulate

import numpy as np
import simpy

from sim.engine.result import KIND
from sim.engine.streams import exponentials, uniform_rows, uniforms
from sim.engine.world import World

ATTACK = KIND["attack"]

NEGATIVE_BINOMIAL_TAIL = 1e-12
"""Probability mass left out of a casualty table; the tail is drawn from NumPy."""


@lru_cache(maxsize=512)
def negative_binomial_table(mean: float, dispersion: float) -> tuple[float, ...]:
    """Cumulative probabilities of a negative-binomial count with this mean and shape ``k``.

    ``P(X = x) = C(x + k - 1, x) p^k (1 - p)^x`` with ``p = k / (k + mean)``, so that
    ``E[X] = mean`` and ``Var[X] = mean + mean^2 / k``. The table runs until less than
    :data:`NEGATIVE_BINOMIAL_TAIL` of the mass is left (or 100,000 terms). A mean of
    zero gives ``(1.0,)``: always zero.
    """
    if mean <= 0.0:
        return (1.0,)
    p = dispersion / (dispersion + mean)
    probability = p**dispersion
    cumulative = [probability]
    count = 0
    while cumulative[-1] < 1.0 - NEGATIVE_BINOMIAL_TAIL and count < 100_000:
        probability *= (count + dispersion) / (count + 1) * (1.0 - p)
        count += 1
        cumulative.append(cumulative[-1] + probability)
    return tuple(cumulative)


def negative_binomial(table: tuple[float, ...], u: float, mean: float, dispersion: float) -> int:
    """A negative-binomial count by inversion of the uniform draw ``u`` against its table.

    For ``u`` in the sliver of the tail beyond the table the probabilities are carried
    on from where the table stops, so every count takes exactly one draw.
    """
    count = bisect_right(table, u)
    if count < len(table):
        return count
    x = len(table) - 1  # the last count in the table
    probability = table[-1] - (table[-2] if x else 0.0)  # P(X = x)
    cumulative = table[-1]
    keep = mean / (dispersion + mean)  # 1 - p
    while True:
        probability *= (x + dispersion) / (x + 1) * keep
        x += 1
        cumulative += probability
        if cumulative > u or probability <= 0.0:
            return x


class Militia:
    """The attack process and how one attack plays out.

    Args:
        world: the trial's state; the militia reads troops, targets and the background
            rate from it, logs attacks to it and adds pressure from deaths.
        params: the scenario's ``militia`` section (numbers, not distributions).
        bases: the scenario's bases in index order.
        pressure_per_death: political pressure added per coalition soldier killed.
        on_attack: called with (base, killed) after every attack (the retaliation
            policy), or ``None``.
        timing: the ``militia.timing`` stream (candidate times and thinning).
        attacks: the ``militia.attacks`` stream. Every attack takes exactly five
            uniforms from it (base, weapon, interception, wounded, killed), used or not,
            so that attack ``k`` of a trial always meets the same numbers: changing air
            defence or casualty means never shifts later attacks' draws, and the number
            of thinning rejections never moves who is hit or how hard.
    """

    def __init__(
        self,
        world: World,
        params,
        bases: list,
        pressure_per_death: float,
        on_attack: Callable[[int, int], None] | None,
        timing: np.random.Generator,
        attacks: np.random.Generator,
    ):
        self.world = world
        self.decay_days = float(params.decay_days)
        self.jump = float(params.branching_ratio) / self.decay_days
        mix = params.weapon_mix
        shares = [float(mix.rocket), float(mix.drone), float(mix.ballistic_missile)]
        # Rounding could leave the last running total a hair below 1.
        self.weapon_cumulative = [*accumulate(shares[:-1]), math.inf]
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
        self.pressure_per_death = pressure_per_death
        self.on_attack = on_attack
        self._waits: Iterator[float] = exponentials(timing, 256)
        self._accepts: Iterator[float] = uniforms(timing, 256)
        self._draws: Iterator[list[float]] = uniform_rows(attacks, 5, 128)
        self._process: simpy.Process | None = None
        # Never triggered: the process waits on it when there is nothing to draw.
        self._idle = world.env.event()

    def start(self) -> simpy.Process:
        """Start the attack process (before the day step's first background rate)."""
        self._process = self.world.env.process(self._run())
        return self._process

    def background_rose(self) -> None:
        """Tell the process the background rate has just risen (by the day step).

        The pending candidate was drawn at a bound that may now be too low, so the
        process is interrupted and draws again from now.
        """
        self._process.interrupt()

    def _run(self) -> Generator[simpy.Event, object, None]:
        world = self.world
        env = world.env
        timeout = env.timeout
        exp = math.exp
        tau = self.decay_days
        jump = self.jump
        waits, accepts = self._waits, self._accepts
        horizon = float(world.days)
        idle = self._idle
        attack = self.attack
        # ``now`` is kept equal to ``env.now`` without asking SimPy: after a timeout
        # SimPy's clock is exactly ``now + wait``.
        now = env.now
        excitation = 0.0  # the excitation part of the intensity at ``now``
        while True:
            try:
                while True:
                    bound = world.militia_background + excitation if world.troops > 0.0 else 0.0
                    if bound <= 0.0:
                        yield idle  # never triggered: only an interrupt wakes the process
                    wait = next(waits) / bound
                    candidate = now + wait
                    if candidate >= horizon:
                        yield idle  # past the end, unless the background rises first
                    yield timeout(wait)
                    if excitation:
                        excitation *= exp(-wait / tau)
                    now = candidate
                    if world.troops > 0.0 and next(accepts) * bound < world.militia_background + excitation:
                        excitation += jump
                        attack(now)
            except simpy.Interrupt:
                if excitation:
                    excitation *= exp((now - env.now) / tau)
                now = env.now

    def attack(self, now: float) -> None:
        """One attack at time ``now``: target, weapon, interception, casualties, consequences."""
        world = self.world
        u_base, u_weapon, u_intercept, u_wounded, u_killed = next(self._draws)
        base = world.target_bases[bisect_right(world.target_cumulative, u_base * world.troops)]
        weapon = bisect_right(self.weapon_cumulative, u_weapon)
        intercepted = u_intercept < self.intercept[base][weapon]
        wounded = killed = 0
        if not intercepted:
            wounded_table, wounded_mean, killed_table, killed_mean, dispersion = self.casualties[base][weapon]
            wounded = bisect_right(wounded_table, u_wounded)
            if wounded == len(wounded_table):
                wounded = negative_binomial(wounded_table, u_wounded, wounded_mean, dispersion)
            killed = bisect_right(killed_table, u_killed)
            if killed == len(killed_table):
                killed = negative_binomial(killed_table, u_killed, killed_mean, dispersion)
            if killed:
                world.pressure += self.pressure_per_death * killed
        world.attacks_today += 1
        world.log.extend((now, ATTACK, base, weapon, intercepted, wounded, killed, 0.0))
        if self.on_attack is not None:
            self.on_attack(base, killed)


def _casualty_model(wounded_mean: float, killed_mean: float, dispersion: float) -> tuple:
    return (
        negative_binomial_table(wounded_mean, dispersion),
        wounded_mean,
        negative_binomial_table(killed_mean, dispersion),
        killed_mean,
        dispersion,
    )
