"""Property tests: outcomes move the right way with each lever of Model 2.0.

Each test compares two trials that differ in one input only, with the same seed, in a
scenario where nothing else random happens (no militia, ISIS attacks, breaks or
collapse unless the test turns one on), so the direction must hold trial by trial.
"""

from __future__ import annotations

import numpy as np
from engine_scenarios import quiet
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import simulate_trial

share = st.floats(0.05, 0.9)
SETTINGS = settings(max_examples=25, deadline=None)


def isf_world(trainers: float = 300.0, enablers: float = 600.0, days: int = 500, **isf) -> dict:
    return {
        "horizon_days": days,
        "forces": {
            "t": {
                "base": "a",
                "troops": trainers,
                "roles": {"trainers": 1.0, "enablers": 0.0, "protection": 0.0},
            },
            "e": {
                "base": "a",
                "troops": enablers,
                "roles": {"trainers": 0.0, "enablers": 1.0, "protection": 0.0},
            },
        },
        "isf": {"readiness": 0.5, **isf},
    }


@SETTINGS
@given(low=share, extra=st.floats(0.01, 0.5))
def test_a_higher_self_sustained_level_never_lowers_readiness(low, extra):
    high = min(1.0, low + extra)
    a = simulate_trial(quiet(**isf_world(self_sustained=low)), 0).series_of("readiness")
    b = simulate_trial(quiet(**isf_world(self_sustained=high)), 0).series_of("readiness")
    assert np.all(b >= a)
    assert b[-1] > a[-1]


@SETTINGS
@given(trainers=st.floats(0, 2000), more=st.floats(10, 2000))
def test_more_trainers_never_lower_readiness(trainers, more):
    a = simulate_trial(quiet(**isf_world(trainers=trainers)), 0).series_of("readiness")
    b = simulate_trial(quiet(**isf_world(trainers=trainers + more)), 0).series_of("readiness")
    assert np.all(b >= a - 1e-15)
    assert b[-1] > a[-1]


@SETTINGS
@given(enablers=st.floats(0, 900), more=st.floats(10, 900))
def test_more_enablers_never_lower_capability(enablers, more):
    a = simulate_trial(quiet(**isf_world(enablers=enablers)), 0).series_of("capability")
    b = simulate_trial(quiet(**isf_world(enablers=enablers + more)), 0).series_of("capability")
    assert np.all(b >= a - 1e-15)


def isis_world(**isis) -> dict:
    return {
        "horizon_days": 500,
        "isis": {"strength": 1000.0, "growth_per_day": 0.004, **isis},
    }


@SETTINGS
@given(attrition=st.floats(0, 0.01), more=st.floats(1e-4, 0.01))
def test_more_isf_attrition_never_leaves_more_isis(attrition, more):
    a = simulate_trial(quiet(**isis_world(isf_attrition_per_day=attrition)), 0).series_of("isis_strength")
    b = simulate_trial(quiet(**isis_world(isf_attrition_per_day=attrition + more)), 0).series_of(
        "isis_strength"
    )
    assert np.all(b <= a + 1e-9)
    assert b[-1] < a[-1]


@SETTINGS
@given(level=st.floats(0, 0.9), more=st.floats(0.05, 0.5))
def test_a_wider_sanctuary_never_leaves_less_isis(level, more):
    a = simulate_trial(quiet(**isis_world(sanctuary=level)), 0).series_of("isis_strength")
    b = simulate_trial(quiet(**isis_world(sanctuary=min(1.0, level + more))), 0).series_of("isis_strength")
    assert np.all(b >= a - 1e-9)
    assert b[-1] > a[-1]


@SETTINGS
@given(mobilisation=st.floats(0, 0.5), more=st.floats(0.05, 0.5))
def test_more_mobilisation_after_a_collapse_never_leaves_isis_more_ground(mobilisation, more):
    def territory(level: float) -> np.ndarray:
        scenario = quiet(
            horizon_days=600,
            isf={"readiness": 0.3, "self_sustained": 0.3},
            isis={"strength": 2000.0, "growth_per_day": 0.0},
            collapse={
                "contained_fighters": 10000.0,
                "hazard_at_parity_per_day": 1.0,
                "steepness": 0.01,  # a collapse in the first days, the same day for both
                "isis_boost": 0.0,
                "mobilisation": level,
                "retake_per_day": 0.002,
            },
        )
        return simulate_trial(scenario, 0).series_of("territory")

    a, b = territory(mobilisation), territory(mobilisation + more)
    assert np.all(b <= a + 1e-12)
    assert b.sum() < a.sum()
