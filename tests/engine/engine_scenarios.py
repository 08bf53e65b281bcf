"""Scenarios for the engine tests, built from dicts through the schema.

:func:`quiet` is a scenario in which nothing random happens (no militia, no ISIS
attacks or breaks, no collapse, no retaliation), so that a test switches on exactly
the mechanism it checks.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from sim.engine import TrialResult
from sim.engine.result import KIND
from sim.scenario.schema import Scenario

QUIET: dict[str, Any] = {
    "name": "engine test",
    "start": "2024-01-01",
    "horizon_days": 100,
    "bases": {"a": {"region": "federal_iraq"}},
    "forces": {"f": {"base": "a", "troops": 1000}},
    "militia": {"attack_rate_per_day": 0.0},
    "retaliation": {"enabled": False},
    "isis": {
        "attacks_per_fighter_at_parity_per_day": 0.0,
        "guarded_breakouts_per_year": 0.0,
        "unguarded_breakouts_per_year": 0.0,
    },
    "collapse": {"hazard_at_parity_per_day": 0.0},
}


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` merged in, recursively for nested dicts (a copy)."""
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def quiet(**changes: Any) -> Scenario:
    """:data:`QUIET` with ``changes`` merged in, validated by the schema.

    A change to ``bases`` or ``forces`` replaces the whole mapping (so that a test
    says exactly which bases and forces there are).
    """
    data = merge(QUIET, {k: v for k, v in changes.items() if k not in ("bases", "forces")})
    for key in ("bases", "forces"):
        if key in changes:
            data[key] = copy.deepcopy(changes[key])
    return Scenario.model_validate(data)


def poisson_militia(rate: float = 2.0, branching_ratio: float = 0.0, **changes: Any) -> Scenario:
    """Militia attacks at a long-run ``rate`` per day (tension 1, troops at the reference
    level, no retaliation; the Hawkes background is ``rate * (1 - branching_ratio)``),
    everything else quiet."""
    militia = {
        "attack_rate_per_day": rate,
        "reference_troops": 1000.0,
        "branching_ratio": branching_ratio,
    }
    militia.update(changes.pop("militia", {}))
    return quiet(militia=militia, **changes)


def of_kind(result: TrialResult, kind: str) -> np.ndarray:
    """The logged events of one kind."""
    return result.events[result.events["kind"] == KIND[kind]]


def constant_imbalance(
    x: float, hazard: float, days: int, steepness: float = 2.0, **collapse: Any
) -> Scenario:
    """ISIS strength and ISF capability held constant at imbalance ``x`` (capability 0.5,
    no training, decay, growth or attrition); ``collapse`` adds collapse settings."""
    capability = 0.5
    return quiet(
        horizon_days=days,
        forces={
            "f": {"base": "a", "troops": 1000, "roles": {"trainers": 0.0, "enablers": 1.0, "protection": 0.0}}
        },
        isf={"readiness": capability, "training_gain_per_day": 0.0, "relaxation_per_day": 0.0},
        isis={
            "strength": 1000.0,
            "growth_per_day": 0.0,
            "isf_attrition_per_day": 0.0,
            "strike_attrition_per_day": 0.0,
        },
        collapse={
            "contained_fighters": 1000.0 / (x * capability),
            "hazard_at_parity_per_day": hazard,
            "steepness": steepness,
            **collapse,
        },
    )


def steady_isis(days: int, **isis) -> dict:
    """Settings that hold ISIS strength and ISF capability constant (readiness 0.5, full
    support, no growth or attrition), so that ISIS's attack rate is constant."""
    return {
        "horizon_days": days,
        "forces": {
            "f": {"base": "a", "troops": 1000, "roles": {"trainers": 0.0, "enablers": 1.0, "protection": 0.0}}
        },
        "isf": {
            "readiness": 0.5,
            "self_sustained": 0.5,
            "reference_enablers": 1000.0,
            "readiness_loss_per_isis_attack": 0.0,
        },
        "isis": {
            "growth_per_day": 0.0,
            "isf_attrition_per_day": 0.0,
            "strike_attrition_per_day": 0.0,
            **isis,
        },
    }
