"""Collapse risk and territory.

The imbalance between ISIS and what the ISF can contain is
``x = S / (contained_fighters * C)`` (0 without ISIS, infinite with ISIS and no
capability). The collapse hazard is ``h = hazard_at_parity * x ** steepness`` per day
(so at parity, x = 1, it is ``hazard_at_parity``), held constant over each day, so the
chance of a collapse during a day is ``1 - exp(-h)``. The engine draws it without a
coin per day: one standard exponential ``E`` per trial, and the collapse happens at
the first day step where the summed daily hazards reach ``E`` -- the same law, since
``P(no collapse by day d) = exp(-(h_1 + ... + h_d))``.

A trial has at most one collapse: ISIS takes ``territory_share`` of what it does not
already hold, the ISF lose ``readiness_loss`` of their readiness, ISIS strength jumps
by ``isis_boost`` and rules waiting for a collapse fire.

Territory held by ISIS shrinks only while the ISF outmatch ISIS (x < 1), at a rate
``territory_recovery_per_day * (1 - x)``.
"""

from __future__ import annotations

import math


def imbalance(strength: float, capability: float, contained_fighters: float) -> float:
    """How far ISIS strength exceeds what the ISF can contain (1 = parity)."""
    if strength <= 0.0:
        return 0.0
    capacity = contained_fighters * capability
    return math.inf if capacity <= 0.0 else strength / capacity


def hazard(x: float, hazard_at_parity: float, steepness: float) -> float:
    """The daily collapse hazard at imbalance ``x`` (per day; infinite if ``x`` is)."""
    if x <= 0.0 or hazard_at_parity <= 0.0:
        return 0.0
    if math.isinf(x):
        return math.inf
    return hazard_at_parity * x**steepness


def daily_probability(x: float, hazard_at_parity: float, steepness: float) -> float:
    """Chance of a collapse within one day at imbalance ``x``: ``1 - exp(-h)``."""
    return -math.expm1(-hazard(x, hazard_at_parity, steepness))


def recover_territory(territory: float, x: float, recovery_per_day: float) -> float:
    """Territory after one day: it shrinks only while the ISF outmatch ISIS."""
    if territory <= 0.0 or x >= 1.0:
        return territory
    return territory * math.exp(-recovery_per_day * (1.0 - x))
