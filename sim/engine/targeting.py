"""Where militia attacks land: the one place that picks an attack's base.

A manned base's weight is ``attractiveness * troops ** elasticity`` (:func:`weights`):
the militias favour some places over others at equal troops (al-Asad, Syria's
outposts), and a base's pull grows less than in proportion to its troops when the
elasticity is below 1 (a base with a tenth of the troops is not a tenth as tempting).
An attack with base draw ``u`` (uniform on [0, 1)) hits the first manned base whose
running total of weights exceeds ``u`` times the total weight, so each manned base is
hit in proportion to its weight. The day step sets the running totals whenever troops
change (:func:`running_totals`, stored on the world with ``has_targets``); the militia
picks the base of the rare attacks that need it during the run (:func:`pick`) and of
all the others at the end of the trial (:func:`bases_of`). The two ways must agree to
the base: a test holds them to each other.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

from sim.engine.series import floats
from sim.engine.world import World


def weights(base_troops: list[float], attractiveness: list[float], elasticity: float) -> list[float]:
    """Each base's pull on attacks: ``attractiveness * troops ** elasticity``, 0 if unmanned."""
    return [
        a * troops**elasticity if troops > 0.0 else 0.0
        for troops, a in zip(base_troops, attractiveness, strict=True)
    ]


def running_totals(base_weights: list[float]) -> tuple[list[float], list[int], float]:
    """The running totals of the manned bases' weights, their indices, and the total weight.

    The last running total is infinite: this is what :func:`pick` bisects.
    """
    total = 0.0
    totals, bases = [], []
    for base, weight in enumerate(base_weights):
        if weight > 0.0:
            total += weight
            totals.append(total)
            bases.append(base)
    if totals:
        # The last manned base takes everything from the one before it up, even a
        # point that rounding puts at the very end.
        totals[-1] = math.inf
    return totals, bases, total


def set_targets(world: World, base_weights: list[float]) -> None:
    """Store on the world what :func:`pick` reads, and whether there is anything to hit."""
    world.target_cumulative, world.target_bases, world.target_total = running_totals(base_weights)
    world.has_targets = world.target_total > 0.0


def pick(world: World, u_base: float) -> int:
    """The base an attack with base draw ``u_base`` hits now (``world.has_targets``)."""
    return world.target_bases[bisect_right(world.target_cumulative, u_base * world.target_total)]


def bases_of(
    times: np.ndarray, u_base: np.ndarray, weight_days: list[int], weights: list[float]
) -> np.ndarray:
    """The base of every attack, as :func:`pick` gives it with the weights of its day.

    ``weights`` holds one weight per base for each day in ``weight_days`` on which they
    were set (flat, day after day); an attack at time ``t`` sees the last set on or
    before ``floor(t)``.

    A base without weight adds 0.0 to the running total, which leaves it unchanged, so
    the totals over all bases hold the manned bases' totals exactly: the first base whose
    total exceeds the draw is a manned one. The last manned base caps the answer, as the
    run's ``inf`` does (a draw below 1 times the total never reaches the total, so
    neither cap is met in practice).
    """
    by_day = floats(weights).reshape(len(weight_days), -1)
    totals = np.cumsum(by_day, axis=1)  # per day weights were set: running totals
    last_manned = by_day.shape[1] - 1 - np.argmax(by_day[:, ::-1] > 0.0, axis=1)
    if len(by_day) == 1:  # weights never moved: one set of totals for every attack
        below = np.searchsorted(totals[0], u_base * totals[0, -1], side="right")
        return np.minimum(below, last_manned[0])
    epoch = np.searchsorted(np.array(weight_days), np.floor(times), side="right") - 1
    totals = totals[epoch]
    below = np.count_nonzero(totals <= (u_base * totals[:, -1])[:, None], axis=1)
    return np.minimum(below, last_manned[epoch])
