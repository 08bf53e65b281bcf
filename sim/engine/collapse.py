"""Collapse risk and territory.

The imbalance between ISIS and what the ISF can contain is
``x = S / (contained_fighters * C)``. The daily collapse hazard is
``h = hazard_at_parity * x ** steepness`` (so at parity, x = 1, it is
``hazard_at_parity``), and the chance of a collapse during a day is ``1 - exp(-h)``.
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


def daily_probability(x: float, hazard_at_parity: float, steepness: float) -> float:
    """Chance of a collapse within one day at imbalance ``x``."""
    if x <= 0.0 or hazard_at_parity <= 0.0:
        return 0.0
    if math.isinf(x):
        return 1.0
    return 1.0 - math.exp(-hazard_at_parity * x**steepness)


def recover_territory(territory: float, x: float, recovery_per_day: float) -> float:
    """Territory after one day: it shrinks only while the ISF outmatch ISIS."""
    if territory <= 0.0 or x >= 1.0:
        return territory
    return territory * math.exp(-recovery_per_day * (1.0 - x))
