"""ISF readiness and capability.

Readiness R (0..1) follows, with T trainers present::

    dR/dt = a(T) * (1 - R) - decay * R,      a(T) = gain * T / (T + half_saturation)

Over a day with constant T this linear equation has the exact solution
``R(t+1) = R* + (R(t) - R*) * exp(-(a + decay))`` with ``R* = a / (a + decay)``, which the
day step uses: with no trainers readiness decays exactly as ``R(0) * exp(-decay * t)``.
ISIS attacks (each costs ``readiness_loss_per_isis_attack``, readiness floored at 0)
and a collapse knock readiness down as shocks.

Capability discounts readiness by the coalition support that is missing::

    C = R * (1 - D(t) * max(0, 1 - E / E_ref))

with E the enablers present in Iraq (coalition and bilateral) and D(t) the ISF's
dependence on them, shrinking from its initial value towards a floor:
``D(t) = floor + (D0 - floor) * exp(-t / dependence_decay_days)``.

The day step (:mod:`sim.engine.day`) inlines these formulas in its loop for speed;
the functions here are their reference, and the tests hold the two to each other.
"""

from __future__ import annotations

import math


def training_rate(trainers: float, gain_per_day: float, half_saturation: float) -> float:
    """The training term a(T) in 1/day: saturating in the number of trainers (0 for none)."""
    if trainers <= 0.0:
        return 0.0
    return gain_per_day * trainers / (trainers + half_saturation)


def relaxation(training: float, decay_per_day: float, days: float = 1.0) -> tuple[float, float]:
    """Where readiness heads (R*) and how much of the gap to it remains after ``days``.

    ``R(t + days) = R* + (R(t) - R*) * remaining``; with no training and no decay
    readiness stays where it is (remaining = 1).
    """
    total = training + decay_per_day
    if total <= 0.0:
        return 0.0, 1.0
    return training / total, math.exp(-total * days)


def step_readiness(readiness: float, training: float, decay_per_day: float, days: float = 1.0) -> float:
    """Readiness after ``days`` with constant training rate and decay (exact)."""
    target, remaining = relaxation(training, decay_per_day, days)
    return target + (readiness - target) * remaining


def dependence(day: float, initial: float, floor: float, decay_days: float) -> float:
    """The ISF's dependence on coalition enablers on a given day (a share, 0..1)."""
    return floor + (initial - floor) * math.exp(-day / decay_days)


def missing_support(enablers: float, reference_enablers: float) -> float:
    """The share of the reference enablers that is absent (0 when at or above it)."""
    return max(0.0, 1.0 - enablers / reference_enablers)


def capability(readiness: float, dependence_now: float, enablers: float, reference_enablers: float) -> float:
    """Readiness discounted by the missing share of the enablers the ISF rely on."""
    missing = missing_support(enablers, reference_enablers)
    if missing <= 0.0:
        return readiness
    return readiness * (1.0 - dependence_now * missing)
