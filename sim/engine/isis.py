"""ISIS: strength, prison and camp breaks, attacks and the deaths they cause.

Strength S (fighters in Iraq) grows logistically and is worn down by the forces
fighting it and by coalition-enabled strikes::

    dS/dt = g(t) * S * (1 - S / K) - (m_isf * P + m_air * E) * S  =  a * S - b * S^2

with ``a = g - m_isf * P - m_air * E`` and ``b = g / K``. P is what fights ISIS (ISF
capability plus any mobilisation after a collapse) and E the enablers present as a
share of the reference, up to ``max_enabler_share`` (air strikes need advisers,
intelligence and aircraft; a surge like 2015-17 counts for more than the reference).
Recruitment has fortunes: ``g(t) = growth * (1 + sanctuary_growth * sanctuary(t) +
territory_growth * T)``, higher with a sanctuary across the border in Syria (a scenario
input) and with territory held (a state of the model). With P, E and g held at their
values at the start of a day, this Bernoulli equation has the exact one-day solution
``S1 = a S0 e^a / (a + b S0 (e^a - 1))`` (``S0 / (1 + b S0)`` when ``a = 0``),
written out in the day step's loop (:mod:`sim.engine.day`, which runs it every day of
every trial); tests/engine/oracles.py keeps it as a reference function, and a test holds
the loop to it, day by day.

ISIS attacks arrive as a Poisson process whose rate is held at the day's starting
state over the day: ``S * tempo * x ** tempo_elasticity`` attacks a day, with
``x = S / (contained_fighters * P)`` (capped at :data:`MAX_IMBALANCE`). A group the ISF
outmatch lies low; one that matches them goes on the offensive, as in 2013-14. Prison
and camp breaks are a Poisson process too, at a rate set by who guards the camps:
``guarded_breakouts_per_year`` while coalition troops are in Syria, else (or after the
guards collapse) ``unguarded_breakouts_per_year``. Both are drawn exactly by a change
of time (:class:`PoissonClock`): events fall where the integrated rate crosses the
points of a unit-rate Poisson process, one standard exponential apart, so a day's count
is Poisson and the times are uniform within the day.

Each ISIS attack kills civilians and ISF members in negative-binomial numbers
(:func:`deaths`), drawn for all attacks at once when the trial ends. What an attack is
depends on what ISIS holds. An underground insurgency (no territory: 2011-13, 2018-)
attacks by terror, mass-casualty bombings among civilians; a proto-state holding ground
(2014-17) spends most of its violence along its front, against the ISF and militias,
where an attack kills fewer civilians. A share ``w = T / (T + front_half_territory)`` of
the attacks of a day that starts with ISIS holding territory T is front-line fighting,
so the mean civilian toll per attack is (:func:`civilian_toll`)::

    c(T) = (1 - w) * civilians_killed_per_attack + w * front_civilians_killed_per_attack

which is the terror toll without territory, exactly as before the territorial war.
"""

from __future__ import annotations

import numpy as np

from sim.engine.result import EVENT_DTYPE, KIND
from sim.engine.series import floats
from sim.engine.streams import exponentials

ISIS_ATTACK = KIND["isis_attack"]

MAX_IMBALANCE = 10.0
"""The imbalance at which ISIS's tempo stops rising (and the value used when nothing
fights ISIS at all), so that the attack rate stays finite."""


class Strength:
    """ISIS in one trial: the ``isis`` section, the sanctuary and the coalition's strikes.

    Also the ISF's ``contained_fighters``, for the tempo; the sanctuary and strikes are set
    when they change. The day step reads them for the daily strength and tempo (see the
    module docstring).
    """

    __slots__ = (
        "base_growth",
        "sanctuary_growth",
        "territory_growth",
        "capacity",
        "isf_attrition",
        "strike_attrition",
        "max_enabler_share",
        "per_fighter",
        "elasticity",
        "contained",
        "growth",
        "strikes",
        "net",
        "crowding",
        "territory_recruits",
    )

    def __init__(self, isis, contained_fighters: float) -> None:
        self.base_growth = float(isis.growth_per_day)
        self.sanctuary_growth = float(isis.sanctuary_growth)
        self.territory_growth = float(isis.territory_growth)
        self.capacity = float(isis.capacity)
        self.isf_attrition = float(isis.isf_attrition_per_day)
        self.strike_attrition = float(isis.strike_attrition_per_day)
        self.max_enabler_share = float(isis.max_enabler_share)
        self.per_fighter = float(isis.attacks_per_fighter_at_parity_per_day)
        self.elasticity = float(isis.tempo_elasticity)
        self.contained = contained_fighters
        self.territory_recruits = self.base_growth * self.territory_growth  # g's rise per unit of T
        self.growth = self.base_growth  # g with today's sanctuary, before territory
        self.strikes = 0.0  # m_air * E
        self.net = self.crowding = 0.0  # g - m_air * E and b = g / K, set with g and E
        self.set_sanctuary(float(isis.sanctuary))

    def set_sanctuary(self, level: float) -> None:
        """The sanctuary in Syria (0..1) from now on."""
        self.growth = self.base_growth * (1.0 + self.sanctuary_growth * level)
        self._rates()

    def set_support(self, enabler_share: float) -> None:
        """The enablers present as a share of the reference, from now on."""
        self.strikes = self.strike_attrition * min(enabler_share, self.max_enabler_share)
        self._rates()

    def _rates(self) -> None:
        self.net, self.crowding = self.growth - self.strikes, self.growth / self.capacity


class PoissonClock:
    """Event times of a Poisson process with a rate held constant over each day.

    Drawn day by day by a change of time.

    The day step keeps the integrated rate so far (the expected events since the start,
    the process's "clock"); ``next_at`` is the value of that clock at which the next
    event happens, and the day step calls :meth:`day` only on days that reach it. The
    events' times are kept in ``times``.
    """

    __slots__ = ("next_at", "times", "_gaps")

    def __init__(self, rng: np.random.Generator, block: int = 64):
        self._gaps = exponentials(rng, block)
        self.next_at = next(self._gaps)
        self.times: list[float] = []

    def day(self, day: int, start: float, rate_per_day: float) -> int:
        """Record the events of the day that ends at ``day``; return their number.

        Over the day the clock runs from ``start`` at ``rate_per_day`` (> 0).
        """
        end = start + rate_per_day
        count = 0
        times = self.times
        while self.next_at <= end:
            times.append(day - 1 + (self.next_at - start) / rate_per_day)
            count += 1
            self.next_at += next(self._gaps)
        return count


def front_share(territory: np.ndarray | float, half: float) -> np.ndarray | float:
    """Share of ISIS's attacks that are front-line fighting while it holds ``territory``.

    0 without territory, one half at ``half``, towards 1 as the ground held grows.
    """
    return territory / (territory + half)


def civilian_toll(isis, territory: np.ndarray | float) -> np.ndarray | float:
    """Mean civilians killed per ISIS attack while ISIS holds ``territory``.

    The ``isis`` section's terror and front tolls, mixed by :func:`front_share`.
    """
    w = front_share(territory, float(isis.front_half_territory))
    terror, front = float(isis.civilians_killed_per_attack), float(isis.front_civilians_killed_per_attack)
    return terror + w * (front - terror)


def territory_at(times: list[float], territory: np.ndarray) -> np.ndarray:
    """Territory at the start of the day of each attack at ``times``.

    That is the state its rate was set from: an attack at a time in ``(d - 1, d]`` reads
    column ``d - 1`` of the daily ``territory`` series.
    """
    return territory[np.ceil(np.asarray(times, dtype=float)).astype(np.int64) - 1]


def deaths(
    n_attacks: int, per_attack: float | np.ndarray, dispersion: float, rng: np.random.Generator
) -> np.ndarray:
    """People killed in each of ``n_attacks`` attacks, negative binomial.

    Mean ``per_attack`` (one mean, or one per attack) and shape ``dispersion`` (variance
    ``m + m^2 / k``).
    """
    if n_attacks == 0 or np.all(np.asarray(per_attack) <= 0.0):
        return np.zeros(n_attacks, dtype=np.int64)
    return rng.negative_binomial(dispersion, dispersion / (dispersion + per_attack), n_attacks)


def attack_log(times: list[float], civilians: np.ndarray, isf: np.ndarray) -> np.ndarray:
    """Every ISIS attack as rows of ``EVENT_DTYPE``, in time order.

    Civilians killed in ``killed`` and ISF members killed in ``value``.
    """
    log = np.zeros(len(times), dtype=EVENT_DTYPE)
    log["day"] = floats(times)  # packed: quicker than NumPy's conversion of a list
    log["kind"] = ISIS_ATTACK
    log["base"] = -1
    log["weapon"] = -1
    log["killed"] = civilians
    log["value"] = isf
    return log
