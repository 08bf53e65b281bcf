"""Small scenarios and stand-in trial functions for the explore tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from sim.engine.result import EVENT_DTYPE, SERIES, TrialResult
from sim.scenario.schema import Scenario


def exit_scenario(name: str = "exit", days: int = 120, **changes: Any) -> Scenario:
    """Two force elements leaving on calendar dates, a short horizon, two uncertain inputs."""
    data: dict[str, Any] = {
        "name": name,
        "start": "2024-01-01",
        "horizon_days": days,
        "bases": {"al_asad": {}, "erbil": {"region": "kurdistan"}},
        "forces": {
            "us_asad": {
                "base": "al_asad",
                "troops": 1500,
                "schedule": [{"at": "2024-02-01", "troops": 0, "ramp_days": 10}],
            },
            "us_erbil": {
                "base": "erbil",
                "troops": 800,
                "schedule": [
                    {"at": "2024-02-15", "troops": 300, "ramp_days": 10},
                    {"at": 60, "troops": 100, "ramp_days": 5},
                ],
            },
        },
        "militia": {"attack_rate_per_day": {"dist": "uniform", "low": 0.5, "high": 3.0}},
        "isis": {"strength": {"dist": "uniform", "low": 1000, "high": 9000}},
        "collapse": {"contained_fighters": 8000, "hazard_at_parity_per_day": 0.004},
        "monte_carlo": {"trials": 24, "seed": 11},
    }
    data.update(changes)
    return Scenario.model_validate(data)


class ThresholdTrial:
    """A stand-in trial whose ``collapse_within_24m`` is 1 with probability ``risk`` when the
    first element's exit starts before ``safe_from`` (a date), and never from then on: the
    earliest safe exit is ``safe_from`` by construction. The draw is the trial seed's own,
    so every probe sees the same chances (common random numbers)."""

    def __init__(self, safe_from: dt.date, risk: float = 0.3):
        self.safe_from = safe_from
        self.risk = risk

    def __call__(self, scenario: Scenario, seed: np.random.SeedSequence) -> TrialResult:
        at = scenario.forces["us_asad"].schedule[0].at
        day = scenario.day_of(at)
        safe_day = (self.safe_from - scenario.start).days
        chance = np.random.default_rng(seed).random()
        bad = float(day < safe_day and chance < self.risk)
        names = (*(f"troops:{k}" for k in scenario.forces), *SERIES)
        return TrialResult(
            outcomes={"collapse_within_24m": bad, "exit_day": day},
            series=np.zeros((len(names), scenario.days + 1)),
            series_names=names,
            events=np.empty(0, EVENT_DTYPE),
            n_events=0,
        )
