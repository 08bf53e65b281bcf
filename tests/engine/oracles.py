"""Reference one-day steps of the daily mechanisms, for tests.

The day step (:mod:`sim.engine.day`) writes these formulas out in its loop, because a
call per formula per day cost about 900 machine instructions per SimPy event (4.4% of
a trial, docs/performance.md). These are the same formulas as plain functions of the
mechanism objects, each written the way its module's docstring states it.
``test_engine_oracles.py`` holds the day step to them, day by day and bit for bit, so a
change to one that is not made to the other fails there; the theory tests check these
against the mathematics (exact solutions, limits).
"""

from __future__ import annotations

import math

from sim.engine.collapse import Collapse
from sim.engine.isis import MAX_IMBALANCE, Strength
from sim.engine.readiness import Readiness


def strength_day(model: Strength, strength: float, fighting: float, territory: float) -> tuple[float, float]:
    """ISIS attacks expected over a day, and the strength at its end (sim/engine/isis.py).

    The day starts at ``strength`` against forces ``fighting`` (P), with ISIS holding
    ``territory``; exact for the day's constant rates.
    """
    if strength <= 0.0:
        return 0.0, strength
    rate = model.per_fighter * strength
    if model.elasticity:
        capacity = model.contained * fighting
        x = strength / capacity if capacity > 0.0 else MAX_IMBALANCE
        rate *= (x if x < MAX_IMBALANCE else MAX_IMBALANCE) ** model.elasticity
    if territory > 0.0:
        g = model.growth + model.territory_recruits * territory
        a, b = g - model.strikes - model.isf_attrition * fighting, g / model.capacity
    else:
        a, b = model.net - model.isf_attrition * fighting, model.crowding
    if -1e-12 < a < 1e-12:
        return rate, strength / (1.0 + b * strength)
    growth = math.exp(a)
    return rate, a * strength * growth / (a + b * strength * (growth - 1.0))


def readiness_day(model: Readiness, readiness: float, isis_attacks: int) -> tuple[float, float]:
    """Readiness and capability a day later (sim/engine/readiness.py); updates ``model``.

    Readiness takes ``isis_attacks`` shocks; the self-sustained level drifts, and the
    felt missing support and the dependence move on.
    """
    target = model.target
    readiness = target + (readiness - target) * model.remaining
    if isis_attacks:
        readiness = max(0.0, readiness - model.loss_per_isis_attack * isis_attacks)
    if model.trend_per_day:
        model.sustained += model.trend_per_day
        model.target += model.drift
        if not 0.0 <= model.sustained <= 1.0:
            model.stop_trend()
    felt = model.felt
    if felt == model.missing == 0.0:
        return readiness, readiness
    if felt > 0.0:
        model.dependence = model.floor + (model.dependence - model.floor) * math.exp(
            -felt / model.adaptation_days
        )
    model.felt = model.missing + (felt - model.missing) * model.lag_keep
    return readiness, model.capability(readiness)


def hazard(model: Collapse, strength: float, fighting: float) -> float:
    """The daily collapse hazard at this strength (> 0) against forces ``fighting``.

    Infinite with nothing fighting ISIS, or past a float's range (sim/engine/collapse.py).
    """
    try:
        return model.hazard_at_parity * (strength / (model.contained * fighting)) ** model.steepness
    except (ZeroDivisionError, OverflowError):
        return math.inf
