"""Event logs the engine itself produced, for the fitting tests.

The scenario holds troops at the militia's reference level and tension at 1, with no
retaliation (so no deterrence or escalation) and nothing else random: the engine's
attacks are then a Hawkes process with background ``rate * (1 - n)``, branching ratio
``n`` and decay ``tau``, the model the fit assumes.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from sim.engine import simulate_trial
from sim.scenario.schema import Scenario


@lru_cache(maxsize=8)
def hawkes_scenario(rate: float, branching_ratio: float, decay_days: float, days: int) -> Scenario:
    """A scenario whose militia attacks are a stationary-background Hawkes process."""
    return Scenario.model_validate(
        {
            "name": "hawkes fit test",
            "start": "2024-01-01",
            "horizon_days": days,
            "bases": {"a": {"region": "federal_iraq"}},
            "forces": {"f": {"base": "a", "troops": 1000}},
            "militia": {
                "attack_rate_per_day": rate,
                "reference_troops": 1000.0,
                "branching_ratio": branching_ratio,
                "decay_days": decay_days,
            },
            "retaliation": {"enabled": False},
            "isis": {
                "attacks_per_fighter_at_parity_per_day": 0.0,
                "guarded_breakouts_per_year": 0.0,
                "unguarded_breakouts_per_year": 0.0,
            },
            "collapse": {"hazard_at_parity_per_day": 0.0},
        }
    )


def attack_times(rate: float, branching_ratio: float, decay_days: float, days: int, seed: int) -> np.ndarray:
    """The attack times (days from the start) of one engine trial."""
    result = simulate_trial(hawkes_scenario(rate, branching_ratio, decay_days, days), seed)
    return np.asarray(result.events_of("attack")["day"], dtype=float)


def truth(rate: float, branching_ratio: float, decay_days: float) -> dict[str, float]:
    """The true values of the fit's four estimates, by name."""
    return {
        "attack_rate_per_day": rate,
        "background_per_day": rate * (1.0 - branching_ratio),
        "branching_ratio": branching_ratio,
        "decay_days": decay_days,
    }
