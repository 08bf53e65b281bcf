"""ISF readiness and capability.

Readiness R (0..1) follows, with T trainers present::

    dR/dt = a(T) * (1 - R) - decay * R,      a(T) = gain * T / (T + half_saturation)

Over a day with constant T this linear equation has the exact solution
``R(t+1) = R* + (R(t) - R*) * exp(-(a + decay))`` with ``R* = a / (a + decay)``
(:meth:`Readiness.step`): with no trainers readiness decays exactly as
``R(0) * exp(-decay * t)``. ISIS attacks (each costs ``readiness_loss_per_isis_attack``,
readiness floored at 0) and a collapse knock readiness down as shocks.

Capability discounts readiness by the coalition support that is missing::

    C = R * (1 - D(t) * max(0, 1 - E / E_ref))

with E the enablers present in Iraq (coalition and bilateral) and D(t) the ISF's
dependence on them, shrinking from its initial value towards a floor:
``D(t) = floor + (D0 - floor) * exp(-t / dependence_decay_days)``
(:meth:`Readiness.capability`).

:class:`Readiness` is the one copy of these formulas: the day step calls it.
"""

from __future__ import annotations

import math


def training_rate(trainers: float, gain_per_day: float, half_saturation: float) -> float:
    """The training term a(T) in 1/day: saturating in the number of trainers (0 for none)."""
    if trainers <= 0.0:
        return 0.0
    return gain_per_day * trainers / (trainers + half_saturation)


def relaxation(training: float, decay_per_day: float) -> tuple[float, float]:
    """Where readiness heads (R*) and the share of the gap to it left after one day.

    ``R(t + 1) = R* + (R(t) - R*) * remaining``; with no training and no decay
    readiness stays where it is (remaining = 1).
    """
    total = training + decay_per_day
    if total <= 0.0:
        return 0.0, 1.0
    return training / total, math.exp(-total)


def missing_support(enablers: float, reference_enablers: float) -> float:
    """The share of the reference enablers that is absent (0 when at or above it)."""
    return max(0.0, 1.0 - enablers / reference_enablers)


class Readiness:
    """The ISF of one trial: the parameters of the ``isf`` section and the inputs that
    change only with troops (set by :meth:`set_support`)."""

    __slots__ = (
        "gain",
        "half_saturation",
        "decay",
        "reference_enablers",
        "dependence_floor",
        "dependence_span",
        "dependence_days",
        "loss_per_isis_attack",
        "target",
        "remaining",
        "missing",
    )

    def __init__(self, isf) -> None:
        self.gain = float(isf.training_gain_per_day)
        self.half_saturation = float(isf.trainers_half_saturation)
        self.decay = float(isf.decay_per_day)
        self.reference_enablers = float(isf.reference_enablers)
        self.dependence_floor = float(isf.dependence_floor)
        self.dependence_span = float(isf.enabler_dependence) - self.dependence_floor
        self.dependence_days = float(isf.dependence_decay_days)
        self.loss_per_isis_attack = float(isf.readiness_loss_per_isis_attack)
        self.target = 0.0  # R* with today's trainers
        self.remaining = 1.0  # share of the gap to R* left after a day
        self.missing = 0.0  # share of the reference enablers absent

    def set_support(self, trainers: float, enablers: float) -> None:
        """The coalition's trainers and enablers in Iraq from now on."""
        training = training_rate(trainers, self.gain, self.half_saturation)
        self.target, self.remaining = relaxation(training, self.decay)
        self.missing = missing_support(enablers, self.reference_enablers)

    def step(self, readiness: float, isis_attacks: int) -> float:
        """Readiness after one day with today's trainers, less ``isis_attacks`` shocks."""
        target = self.target
        if isis_attacks:
            readiness = (
                target + (readiness - target) * self.remaining - self.loss_per_isis_attack * isis_attacks
            )
            return readiness if readiness >= 0.0 else 0.0
        return target + (readiness - target) * self.remaining

    def capability(self, readiness: float, day: float) -> float:
        """Readiness discounted by the missing share of the enablers the ISF rely on."""
        missing = self.missing
        if missing <= 0.0:
            return readiness
        # The dependence on ``day``: D(t) = floor + (D0 - floor) * exp(-t / days).
        dependence = self.dependence_floor + self.dependence_span * math.exp(-day / self.dependence_days)
        return readiness * (1.0 - dependence * missing)
