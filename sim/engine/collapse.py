"""Collapse risk, and what follows a collapse: mobilisation and the fight for territory.

The forces fighting ISIS are P = C + M: ISF capability plus what the state mobilises
after a collapse. The imbalance between ISIS and what those forces can contain is
``x = S / (contained_fighters * P)`` (0 without ISIS, infinite with ISIS and nothing to
fight it). The collapse hazard is ``h = hazard_at_parity * x ** steepness`` per day (so
at parity, x = 1, it is ``hazard_at_parity``), held constant over each day, so the
chance of a collapse during a day is ``1 - exp(-h)``. The engine draws it without a
coin per day: one standard exponential ``E`` per trial, and the collapse happens at
the first day step where the summed daily hazards reach ``E`` -- the same law, since
``P(no collapse by day d) = exp(-(h_1 + ... + h_d))``.

A trial has at most one collapse: ISIS takes ``territory_share`` of what it does not
already hold, the ISF lose ``readiness_loss`` of their readiness, ISIS strength jumps
by ``isis_boost`` and rules waiting for a collapse fire (the return of advisers and air
support is such a rule). Then the state mobilises, as Iraq did in June 2014: M rises
towards ``mobilisation`` with time constant ``mobilisation_days``
(``M(t) = mobilisation * (1 - exp(-(t - t_c) / mobilisation_days))``). Territory held by
ISIS is retaken while the forces fighting it outmatch it (x < 1), at
``retake_per_day * (1 - x)`` of Iraq a day: linearly, as in 2015-17, when the front
moved city by city rather than in proportion to what was left.

:class:`Collapse` holds the parameters and the rarer steps (the strike, mobilisation,
territory retaken). The daily hazard is written out in the day step's loop
(:mod:`sim.engine.day`), which runs it every day of every trial; tests/engine/oracles.py
keeps it as a reference function, and a test holds the loop to it, day by day.
"""

from __future__ import annotations

import math


def imbalance(strength: float, fighting: float, contained_fighters: float) -> float:
    """How far ISIS strength exceeds what the forces ``fighting`` it can contain (1 = parity)."""
    if strength <= 0.0:
        return 0.0
    capacity = contained_fighters * fighting
    return math.inf if capacity <= 0.0 else strength / capacity


class Collapse:
    """The collapse of one trial: the ``collapse`` section's parameters and its threshold.

    The threshold is the trial's standard exponential draw (the day step sums the daily
    hazards and compares the sum with it).
    """

    __slots__ = (
        "contained",
        "hazard_at_parity",
        "steepness",
        "territory_share",
        "readiness_loss",
        "isis_boost",
        "mobilisation",
        "mobilisation_keep",
        "retake",
        "threshold",
    )

    def __init__(self, collapse, threshold: float) -> None:
        self.contained = float(collapse.contained_fighters)
        self.hazard_at_parity = float(collapse.hazard_at_parity_per_day)
        self.steepness = float(collapse.steepness)
        self.territory_share = float(collapse.territory_share)
        self.readiness_loss = float(collapse.readiness_loss)
        self.isis_boost = float(collapse.isis_boost)
        self.mobilisation = float(collapse.mobilisation)
        self.mobilisation_keep = math.exp(-1.0 / float(collapse.mobilisation_days))
        self.retake = float(collapse.retake_per_day)
        self.threshold = threshold

    @property
    def possible(self) -> bool:
        """Whether this trial can collapse at all (a positive hazard at parity)."""
        return self.hazard_at_parity > 0.0

    def strike(self, territory: float, readiness: float, strength: float) -> tuple[float, float, float]:
        """Territory, readiness and ISIS strength just after the collapse."""
        return (
            territory + self.territory_share * (1.0 - territory),
            readiness * (1.0 - self.readiness_loss),
            strength * (1.0 + self.isis_boost),
        )

    def mobilise(self, mobilised: float) -> float:
        """The forces mobilised a day later (after a collapse)."""
        return self.mobilisation + (mobilised - self.mobilisation) * self.mobilisation_keep

    def territory(self, territory: float, strength: float, fighting: float) -> float:
        """Territory held by ISIS after one day of fighting (retaken only while x < 1)."""
        x = imbalance(strength, fighting, self.contained)
        if x >= 1.0:
            return territory
        territory -= self.retake * (1.0 - x)
        return territory if territory > 0.0 else 0.0
