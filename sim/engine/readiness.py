"""ISF readiness and capability (the federal Iraqi Security Forces).

Readiness R (0..1) relaxes towards what the ISF sustain on their own and is raised by
coalition trainers while they are there::

    dR/dt = k * (R_s - R) + a(T) * (1 - R),      a(T) = gain * T / (T + half_saturation)

with k the relaxation rate, R_s the self-sustained level (institutions, combat
experience, the ISF's own training; it drifts by a trend per year, negative for
erosion) and T the trainers that reach the federal ISF (those in Kurdistan count for
``kurdistan_trainer_weight``). With T and R_s constant over a day the equation is
linear and has the exact solution ``R(t+1) = R* + (R(t) - R*) * exp(-(k + a))`` with
``R* = (k * R_s + a) / (k + a)``: with no trainers readiness heads to R_s, not to zero.
ISIS attacks (each costs ``readiness_loss_per_isis_attack``, readiness floored at 0)
and a collapse knock readiness down as shocks.

Capability discounts readiness by the coalition support the ISF feel missing::

    C = R * (1 - D * f)

where m = max(0, 1 - E / E_ref) is the share of the reference enablers absent, f follows
m with a lag (``df/dt = (m - f) / enabler_lag_days``: the loss, or the return, of
intelligence, air support and logistics is felt over weeks to months), and the
dependence D shrinks towards its floor only while support is missing
(``dD/dt = -(D - floor) * f / dependence_adaptation_days``): the ISF learn to do without
by doing without, and not while the coalition does it for them. Both have exact
one-day solutions with f held at its value at the start of the day.

:class:`Readiness` holds the parameters and the slow state behind capability, and sets
the day's constants when support changes (:meth:`Readiness.set_support`). The one-day
step is written out in the day step's loop (:mod:`sim.engine.day`), which runs it every
day of every trial; tests/engine/oracles.py keeps it as a reference function, and a test
holds the loop to it, day by day.
"""

from __future__ import annotations

import math


def training_rate(trainers: float, gain_per_day: float, half_saturation: float) -> float:
    """The training term a(T) in 1/day: saturating in the number of trainers (0 for none)."""
    if trainers <= 0.0:
        return 0.0
    return gain_per_day * trainers / (trainers + half_saturation)


def missing_support(enablers: float, reference_enablers: float) -> float:
    """The share of the reference enablers that is absent (0 when at or above it)."""
    return max(0.0, 1.0 - enablers / reference_enablers)


class Readiness:
    """The federal ISF of one trial.

    The ``isf`` section's parameters, the inputs that change only with troops
    (:meth:`set_support`) and the slow state besides readiness itself (the self-sustained
    level, the felt missing support and the dependence).
    """

    __slots__ = (
        "relaxation",
        "trend_per_day",
        "gain",
        "half_saturation",
        "kurdistan_weight",
        "floor",
        "adaptation_days",
        "lag_keep",
        "reference_enablers",
        "loss_per_isis_attack",
        "sustained",
        "training",
        "target",
        "drift",
        "remaining",
        "missing",
        "felt",
        "dependence",
    )

    def __init__(self, isf) -> None:
        self.relaxation = float(isf.relaxation_per_day)
        self.trend_per_day = float(isf.self_sustained_trend_per_year) / 365.25
        self.gain = float(isf.training_gain_per_day)
        self.half_saturation = float(isf.trainers_half_saturation)
        self.kurdistan_weight = float(isf.kurdistan_trainer_weight)
        self.floor = float(isf.dependence_floor)
        self.adaptation_days = float(isf.dependence_adaptation_days)
        self.lag_keep = math.exp(-1.0 / float(isf.enabler_lag_days))  # share of f - m kept a day
        self.reference_enablers = float(isf.reference_enablers)
        self.loss_per_isis_attack = float(isf.readiness_loss_per_isis_attack)
        self.sustained = float(isf.self_sustained)  # R_s, drifting
        self.dependence = float(isf.enabler_dependence)  # D
        self.training = 0.0  # a(T) with today's trainers
        self.target = self.sustained  # R*
        self.drift = 0.0  # change of R* a day (from the trend)
        self.remaining = math.exp(-self.relaxation)  # share of the gap to R* left after a day
        self.missing = 0.0  # m, the share of the reference enablers absent today
        start = isf.missing_support_at_start
        # f: by default set to m by the first set_support (the ISF start used to it).
        self.felt = math.nan if start is None else float(start)

    def set_support(self, trainers_federal: float, trainers_kurdistan: float, enablers: float) -> None:
        """The coalition's trainers (by region) and enablers in Iraq from now on."""
        trainers = trainers_federal + self.kurdistan_weight * trainers_kurdistan
        self.training = training_rate(trainers, self.gain, self.half_saturation)
        self.missing = missing_support(enablers, self.reference_enablers)
        if math.isnan(self.felt):
            self.felt = self.missing
        self._relax()

    def _relax(self) -> None:
        """R*, the share of the gap left after a day, and how much R* moves a day.

        The last with the self-sustained level's trend (R* is linear in R_s).
        """
        total = self.relaxation + self.training
        if total <= 0.0:
            self.target, self.remaining, self.drift = self.sustained, 1.0, self.trend_per_day
        else:
            self.target = (self.relaxation * self.sustained + self.training) / total
            self.remaining = math.exp(-total)
            self.drift = self.relaxation * self.trend_per_day / total

    def stop_trend(self) -> None:
        """Hold R_s at the bound it has just crossed: its trend stops there."""
        self.sustained = 0.0 if self.sustained < 0.0 else 1.0
        self.trend_per_day = 0.0
        self._relax()

    def capability(self, readiness: float) -> float:
        """Readiness discounted by the share of the support the ISF depend on and miss."""
        return readiness * (1.0 - self.dependence * self.felt)
