"""Militia attacks: a self-exciting (Hawkes) point process, simulated exactly.

Intensity (attacks per day) while any troops are present::

    lambda(t) = mu(t) + sum over past attacks t_i of (n / tau) * exp(-(t - t_i) / tau)

with ``n`` the branching ratio (each attack triggers ``n`` follow-on attacks on
average) and ``tau`` the decay time; the background is the scenario's long-run
``attack_rate_per_day`` times ``1 - n`` (set by the day step), so that the long-run rate
``mu / (1 - n)`` does not depend on ``n``; with no troops present the intensity is zero
(no targets, no attacks), while the excitation keeps decaying. The background
``mu(t)`` is set by the day step from tension and troops and changes only at day
boundaries. When it changes by a factor ``r`` the excitation is scaled by ``r`` too
(:attr:`Militia.rescale`): the follow-on attacks come from the same groups, so a truce
(``r = 0``) stops them as well, and a deterrence holds them back as much as the rest.
The intensity is then ``mu(t) * (1 + sum of (n / tau) exp(-(t - t_i) / tau) / mu(t_i))``,
whose long-run mean at a constant background is still ``mu / (1 - n)``.

Exact simulation by Ogata thinning: at time ``s`` the intensity can only decay until
the background next rises, so ``bound = mu(s) + excitation(s)`` bounds it. The
process draws a candidate ``s + E / bound`` (E a standard exponential), waits for
it, and accepts it with probability ``lambda(t) / bound``. When the day step raises
the background it wakes the process (:class:`Wake`) and drawing restarts from that
moment with the new bound (exact, by memorylessness of the exponential). A fall of the background
needs nothing: the old bound still bounds the intensity, and the acceptance test
uses the intensity at the candidate's time.

Each attack picks a base (:mod:`sim.engine.targeting`), a weapon from the mix, is
intercepted with the base's probability for that weapon, and otherwise wounds and
kills negative-binomial numbers of people scaled by the base's hardening.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Generator, Iterator
from functools import lru_cache
from itertools import accumulate, chain

import numpy as np
import simpy
from simpy.events import PENDING, URGENT

from sim.engine import targeting
from sim.engine.result import EVENT_DTYPE, KIND, WEAPONS
from sim.engine.series import floats
from sim.engine.streams import exponentials, uniforms
from sim.engine.world import World

ATTACK = KIND["attack"]
N_WEAPONS = len(WEAPONS)

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
    keep, stop = 1.0 - p, 1.0 - NEGATIVE_BINOMIAL_TAIL
    probability = total = p**dispersion
    cumulative = [total]
    count = 0.0  # a float, so that the loop's arithmetic stays on floats
    while total < stop and count < 100_000.0:
        probability *= (count + dispersion) / (count + 1.0) * keep
        count += 1.0
        total += probability
        cumulative.append(total)
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
            rate from it, counts attacks on it and adds pressure from deaths.
        params: the scenario's ``militia`` section (numbers, not distributions).
        bases: the scenario's bases in index order.
        pressure_per_death: political pressure added per coalition soldier killed.
        retaliation: the trial's retaliation policy; the militia calls its
            ``on_attack(base, killed)`` after every attack that kills and whenever the
            attack count reaches its ``plan_at``.
        timing: the ``militia.timing`` stream (candidate times and thinning).
        attacks: the ``militia.attacks`` stream. Every attack takes exactly five
            uniforms from it (base, weapon, interception, wounded, killed), used or not,
            so that attack ``k`` of a trial always meets the same numbers: changing air
            defence or casualty means never shifts later attacks' draws, and the number
            of thinning rejections never moves who is hit or how hard.

    During the run only what feeds back into the trial is decided per attack: its base
    (which the retaliation policy answers) and its dead (pressure, major strikes). The
    weapon, interception and wounded of an attack follow from its five uniforms and
    its base alone, so :meth:`attack_log` works them out for all attacks at once when
    the trial ends, with the same comparisons. For the dead, each block of draws is
    checked in advance for the rows whose killed draw could kill at some base; only for
    those rare attacks are the base, the interception and the count worked out during
    the run.
    """

    BLOCK = 128
    """Attacks' draws taken from the stream at a time (rows of five uniforms)."""

    def __init__(
        self,
        world: World,
        params,
        bases: list,
        pressure_per_death: float,
        retaliation,
        timing: np.random.Generator,
        attacks: np.random.Generator,
    ):
        self.world = world
        self.decay_days = float(params.decay_days)
        self.jump = float(params.branching_ratio) / self.decay_days
        mix = params.weapon_mix
        shares = [float(getattr(mix, weapon)) for weapon in WEAPONS]
        # Rounding could leave the last running total a hair below 1.
        self.weapon_cumulative = np.array([*accumulate(shares[:-1]), math.inf])
        by_weapon = [getattr(params.casualties, weapon) for weapon in WEAPONS]
        # Per base and weapon, flat (index base * N_WEAPONS + weapon): (table, mean, dispersion)
        # of the wounded and of the killed.
        self.wounded: list[tuple[tuple[float, ...], float, float]] = []
        self.killed: list[tuple[tuple[float, ...], float, float]] = []
        for b in bases:
            for c in by_weapon:
                scale, dispersion = 1.0 - float(b.hardening), float(c.dispersion)
                for models, mean in (
                    (self.wounded, float(c.wounded_mean)),
                    (self.killed, float(c.killed_mean)),
                ):
                    mean *= scale
                    models.append((negative_binomial_table(mean, dispersion), mean, dispersion))
        # Per base and weapon: the interception probability, and the probabilities of
        # no one wounded and of no one killed (the tables' first entries).
        self.intercept = np.array(
            [[float(getattr(b.air_defence, weapon)) for weapon in WEAPONS] for b in bases]
        )
        self._no_wounded = np.array([model[0][0] for model in self.wounded]).reshape(len(bases), N_WEAPONS)
        self._no_killed = np.array([model[0][0] for model in self.killed]).reshape(len(bases), N_WEAPONS)
        self.pressure_per_death = pressure_per_death
        self.retaliation = retaliation
        self._waits: Iterator[float] = exponentials(timing, 256)
        self._accepts: Iterator[float] = uniforms(timing, 256)
        self._blocks: list[np.ndarray] = []  # the attacks' uniforms drawn so far
        self._deaths = deaths = _Deaths(self._no_killed, self.weapon_cumulative, self.intercept, self.killed)
        self._draws: Iterator[tuple[float, tuple[int, float, float] | None]] = chain.from_iterable(
            _attack_draws(attacks, self.BLOCK, self._blocks, deaths)
        )
        # The time of every attack, in order (its base is worked out at the end).
        self.times: list[float] = []
        self._process: simpy.Process | None = None
        # Never triggered: the process waits on it when there is nothing to draw.
        self._idle = world.env.event()
        # Factor by which the day step changed the background since the process last
        # looked: the excitation is scaled by it (exactly, as scaling commutes with the
        # exponential decay) before the next bound and the next acceptance test.
        self.rescale = 1.0

    def start(self) -> simpy.Process:
        """Start the attack process (before the day step's first background rate)."""
        self._process = self.world.env.process(self._run())
        return self._process

    def background_rose(self) -> None:
        """Tell the process the background rate has just risen (by the day step).

        The pending candidate was drawn at a bound that may now be too low, so the
        process is woken and draws again from now.
        """
        assert self._process is not None, "start the process first"
        Wake(self.world.env, self._woken)

    def _woken(self, wake: Wake) -> None:
        # What SimPy's Interruption does when it is processed, without the exception:
        # the process stops waiting for its candidate (which stays queued, as after an
        # interrupt, and passes without a callback) and is resumed with the wake's value.
        # Process._target, ._resume and ._value are SimPy's private attributes
        # (guarded by tests/engine/test_simpy_internals.py).
        process = self._process
        assert process is not None
        if process._value is not PENDING:  # finished (not during a run: the loop never ends)
            return
        process._target.callbacks.remove(process._resume)
        process._resume(wake)

    def _run(self) -> Generator[simpy.Event, object, None]:
        world = self.world
        env = world.env
        timeout = env.timeout
        exp = math.exp
        tau = self.decay_days
        jump = self.jump
        waits, accepts, draws = self._waits, self._accepts, self._draws
        record = self.times.append
        target = targeting.pick
        killed_at = self._deaths.at
        retaliation = self.retaliation
        on_attack = retaliation.on_attack
        pressure_per_death = self.pressure_per_death
        horizon = float(world.days)
        idle = self._idle
        # ``now`` is kept equal to ``env.now`` without asking SimPy: after a timeout
        # SimPy's clock is exactly ``now + wait``.
        now = env.now
        excitation = 0.0  # the excitation part of the intensity at ``now``
        while True:
            if self.rescale != 1.0:
                excitation *= self.rescale
                self.rescale = 1.0
            bound = world.militia_background + excitation if world.has_targets else 0.0
            if bound <= 0.0:
                woken = yield idle  # never triggered: only a wake resumes the process
            else:
                wait = next(waits) / bound
                candidate = now + wait
                if candidate >= horizon:
                    woken = yield idle  # past the end, unless the background rises first
                else:
                    woken = yield timeout(wait)  # None, unless woken first
            if woken:  # the background rose: draw again from now
                woken_at = env.now
                if excitation:
                    excitation *= exp((now - woken_at) / tau)
                now = woken_at
                continue
            if excitation:
                excitation *= exp(-wait / tau) * self.rescale
                self.rescale = 1.0
            now = candidate
            if world.has_targets and next(accepts) * bound < world.militia_background + excitation:
                # An attack. Its base is needed now only if it may kill or a
                # strike may be due; the log works every base out at the end.
                excitation += jump
                u_base, kills = next(draws)
                record(now)
                world.militia_attacks += 1
                killed = 0
                if kills is not None:  # the row can kill somewhere
                    base = target(world, u_base)
                    killed = killed_at(base, kills)
                if killed:
                    world.pressure += pressure_per_death * killed
                    on_attack(base, killed)
                elif world.militia_attacks >= retaliation.plan_at:
                    on_attack(target(world, u_base), 0)

    def attack_log(self) -> np.ndarray:
        """Every attack of the trial as rows of ``EVENT_DTYPE``, in the order they happened.

        Weapon, interception, wounded and killed follow from each attack's five
        uniforms and its base with the comparisons a per-attack decision would make
        (``searchsorted`` on the weapon mix is ``bisect_right``). Counts are worked out
        only for the hits whose draw reaches the table's probability of zero; the
        rest are zero.
        """
        n = len(self.times)
        log = np.zeros(n, dtype=EVENT_DTYPE)
        if not n:
            return log
        u = np.concatenate(self._blocks)[:n]
        times = floats(self.times)
        world = self.world
        base = targeting.bases_of(times, u[:, 0], world.troop_days, world.target_weights)
        weapon = np.searchsorted(self.weapon_cumulative, u[:, 1], side="right")
        model = base * N_WEAPONS + weapon  # index into the flat per-(base, weapon) models
        hit = u[:, 2] >= self.intercept.ravel()[model]
        log["day"] = times
        log["kind"] = ATTACK
        log["base"] = base
        log["weapon"] = weapon
        log["intercepted"] = ~hit
        for field, column, models, zero in (
            ("wounded", 3, self.wounded, self._no_wounded),
            ("killed", 4, self.killed, self._no_killed),
        ):
            draws = u[:, column]
            rows = np.flatnonzero(hit & (draws >= zero.ravel()[model]))
            if len(rows):
                log[field][rows] = [
                    _count(models[m], d)
                    for m, d in zip(model[rows].tolist(), draws[rows].tolist(), strict=True)
                ]
        return log


class Wake(simpy.Event):
    """Wakes the attack process at once: SimPy's interrupt without the exception.

    An interrupt throws an exception into the waiting generator (two exception objects,
    a throw and a handler), which costs some 10,000 machine instructions more than
    resuming the generator with a value, about 600 times a trial. A wake is scheduled
    exactly as SimPy's ``Interruption`` is (urgent, now, one event number), so events
    are processed in the same order and counted alike; the process is resumed with
    ``True`` where its timeout would give ``None``.
    """

    def __init__(self, env: simpy.Environment, resume):
        # Triggered as it is made, as SimPy's own Initialize and Interruption are (which
        # set the private _value and _ok in the same way).
        self.env = env
        self.callbacks = [resume]
        self._value = True
        self._ok = True
        env.schedule(self, URGENT)


def _attack_draws(
    stream: np.random.Generator, size: int, blocks: list[np.ndarray], deaths: _Deaths
) -> Iterator[zip]:
    """Blocks of the attacks' draws.

    Per attack, its base uniform and, if it could kill at some base, what
    :meth:`_Deaths.at` needs (else ``None``). Each block of uniforms is kept in ``blocks``
    for :meth:`Militia.attack_log`.

    (A function rather than a method, so that the militia and its draws form no cycle
    of references: a finished trial is freed without the garbage collector.)
    """
    while True:
        u = stream.random((size, 5))
        blocks.append(u)
        yield zip(u[:, 0].tolist(), deaths(u), strict=True)


class _Deaths:
    """Who dies in an attack.

    The rare draws that can kill, found a block at a time, and the count at the base an
    attack hits.
    """

    __slots__ = ("least_no_killed", "weapon_edges", "intercept", "killed")

    def __init__(
        self, no_killed: np.ndarray, weapon_cumulative: np.ndarray, intercept: np.ndarray, killed: list
    ):
        self.least_no_killed = no_killed.min(axis=0)  # per weapon, over the bases
        self.weapon_edges = weapon_cumulative
        self.intercept = intercept.tolist()
        self.killed = killed

    def __call__(self, u: np.ndarray) -> list[tuple[int, float, float] | None]:
        """Per row of draws, ``(weapon, u_intercept, u_killed)`` if the attack could kill, else ``None``.

        A death needs a killed draw of at least the weapon's smallest probability of no one
        killed (a rare row).
        """
        kills: list[tuple[int, float, float] | None] = [None] * len(u)
        weapon = np.searchsorted(self.weapon_edges, u[:, 1], side="right")
        for row in np.flatnonzero(u[:, 4] >= self.least_no_killed[weapon]).tolist():
            _, _, u_intercept, _, u_killed = u[row].tolist()
            kills[row] = (int(weapon[row]), u_intercept, u_killed)
        return kills

    def at(self, base: int, kills: tuple[int, float, float]) -> int:
        """The number killed at ``base`` by an attack whose row could kill.

        None if the base intercepts it, else the count of its killed draw.
        """
        weapon, u_intercept, u_killed = kills
        if u_intercept < self.intercept[base][weapon]:
            return 0
        return _count(self.killed[N_WEAPONS * base + weapon], u_killed)


def _count(model: tuple[tuple[float, ...], float, float], u: float) -> int:
    """The count of a (table, mean, dispersion) casualty model for the uniform ``u``."""
    table = model[0]
    count = bisect_right(table, u)
    if count < len(table):
        return count
    return negative_binomial(table, u, model[1], model[2])
