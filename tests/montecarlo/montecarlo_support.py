"""Small scenarios and stand-in trial functions shared by the Monte Carlo tests."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import numpy as np

from sim.engine import simulate_trial
from sim.scenario.schema import Scenario


def small_scenario(
    name: str = "small", exit_low: float = 20.0, exit_high: float = 50.0, **changes: Any
) -> Scenario:
    """A 90-day scenario with drawn parameters, two bases, a collapse risk and a redeploy rule."""
    data: dict[str, Any] = {
        "name": name,
        "start": "2024-01-01",
        "horizon_days": 90,
        "bases": {"al_asad": {}, "erbil": {"region": "kurdistan"}},
        "forces": {
            "us_asad": {
                "base": "al_asad",
                "troops": 1500,
                "schedule": [
                    {
                        "at": {"dist": "uniform", "low": exit_low, "high": exit_high},
                        "troops": 0,
                        "ramp_days": 10,
                    }
                ],
            },
            "nato_erbil": {"contingent": "NATO", "base": "erbil", "troops": 500},
        },
        "militia": {"attack_rate_per_day": {"dist": "uniform", "low": 0.5, "high": 3.0}},
        "isis": {"strength": {"dist": "uniform", "low": 1000, "high": 9000}},
        "collapse": {"contained_fighters": 8000, "hazard_at_parity_per_day": 0.004},
        "rules": [
            {
                "action": "redeploy",
                "on": "collapse",
                "force": "us_asad",
                "troops": 1000,
                "delay_days": 10,
                "ramp_days": 10,
            }
        ],
        "monte_carlo": {"trials": 24, "seed": 11},
    }
    data.update(changes)
    return Scenario.model_validate(data)


class FailingTrial:
    """A trial function that raises ``error`` on trial ``index`` and runs the engine otherwise."""

    def __init__(self, index: int, error: BaseException):
        self.index = index
        self.error = error

    def __call__(self, scenario: Scenario, seed: np.random.SeedSequence):
        if seed.spawn_key == (self.index,):
            raise self.error
        return simulate_trial(scenario, seed)


class SlowTrial:
    """The engine's trial, ``seconds`` slower (so that a run is still going when interrupted)."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def __call__(self, scenario: Scenario, seed: np.random.SeedSequence):
        time.sleep(self.seconds)
        return simulate_trial(scenario, seed)


class KillingTrial:
    """A trial function whose trial ``index`` kills the process running it with SIGKILL
    (as a crash in native code or the out-of-memory killer would); the engine's trial otherwise.

    With ``once`` (a file path), only the first attempt kills: the file marks that it happened,
    as when a worker is killed from outside rather than by its trial.
    """

    def __init__(self, index: int, once: str | None = None):
        self.index = index
        self.once = once

    def __call__(self, scenario: Scenario, seed: np.random.SeedSequence):
        if seed.spawn_key == (self.index,) and (self.once is None or not os.path.exists(self.once)):
            if self.once is not None:
                Path(self.once).touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return simulate_trial(scenario, seed)
