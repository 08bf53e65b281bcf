"""The day step's written-out formulas against the reference steps in ``oracles.py``.

The day step (sim/engine/day.py) writes the daily readiness, ISIS strength and tempo,
and collapse hazard out in its loop, for speed. Here a trial's recorded days are
replayed one at a time through the reference functions, starting each day from the
state the engine recorded the day before: every readiness, capability and strength,
every ISIS attack time and the collapse day must come out the same, bit for bit. The
scenario runs each branch of the formulas: trainers and missing support (the felt lag
and the dependence's adaptation), a self-sustained trend that stops at zero, tempo
with an elasticity, readiness shocks, the camps' guards collapsing (a break that moves
ISIS's strength between two days' formulas), a collapse, mobilisation and ground held.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from engine_scenarios import of_kind, quiet
from oracles import hazard, readiness_day, strength_day

from sim.engine.isis import PoissonClock
from sim.engine.streams import trial_streams
from sim.engine.trial import _Trial

TROOPS, TRAINERS, ENABLERS = 1000.0, 0.3, 0.4
GUARDS_DAY, BREAK = 40, 300.0  # the camps' guards collapse: one break of BREAK fighters


def branching_scenario(**changes):
    """A quiet scenario in which ISIS grows, attacks and in most trials brings a collapse."""
    settings = {
        "horizon_days": 900,
        "forces": {
            "f": {
                "base": "a",
                "troops": TROOPS,
                "roles": {"trainers": TRAINERS, "enablers": ENABLERS, "protection": 1 - TRAINERS - ENABLERS},
            }
        },
        "isf": {
            "readiness": 0.5,
            "self_sustained": 0.4,
            "self_sustained_trend_per_year": -0.3,  # reaches 0 in year 2: the trend stops
            "reference_enablers": 1000.0,  # 400 of 1,000 present: support is missed,
            "missing_support_at_start": 0.0,  # and felt with a lag
            "readiness_loss_per_isis_attack": 0.0005,
        },
        "isis": {
            "strength": 2000.0,
            "growth_per_day": 0.004,
            "attacks_per_fighter_at_parity_per_day": 0.002,
            "tempo_elasticity": 0.5,
            "guards_collapse": GUARDS_DAY,
            "breakout_fighters": BREAK,
        },
        "collapse": {
            "hazard_at_parity_per_day": 0.002,
            "contained_fighters": 4000.0,
            "mobilisation": 2.0,  # enough to retake all the ground: then T = 0 with M > 0
            "mobilisation_days": 30.0,
            "retake_per_day": 0.01,
        },
    }
    return quiet(**{**settings, **changes})


def replay(seed: int):
    """Run a trial and replay its days through the reference steps; return what differs."""
    scenario = branching_scenario()
    trial = _Trial(scenario, trial_streams(seed))
    parts = trial.day_step.parts
    # The mechanisms as they stand before day 0, with day 0's support set as the day
    # step sets it (one element, in federal Iraq).
    readiness, strength, collapse = (
        copy.deepcopy(m) for m in (parts.readiness, parts.strength, parts.collapse)
    )
    readiness.set_support(TROOPS * TRAINERS - 0.0, 0.0, TROOPS * ENABLERS)
    strength.set_support(TROOPS * ENABLERS / readiness.reference_enablers)
    result = trial.run()

    R, C, M, S, T = (
        result.series_of(name)
        for name in ("readiness", "capability", "mobilisation", "isis_strength", "territory")
    )
    attack_times = of_kind(result, "isis_attack")["day"]
    clock = PoissonClock(trial_streams(seed)["isis"])  # the engine's ISIS stream, drawn again
    integrated, summed, collapse_day = 0.0, 0.0, None
    mismatches = []
    for day in range(1, len(R)):
        rate, strength_end = strength_day(strength, S[day - 1], C[day - 1] + M[day - 1], T[day - 1])
        if rate > 0.0 and integrated + rate >= clock.next_at:
            clock.day(day, integrated, rate)
        integrated += rate
        attacks = int(np.count_nonzero((attack_times > day - 1) & (attack_times <= day)))
        readiness_end, capability_end = readiness_day(readiness, R[day - 1], attacks)
        if collapse_day is None:
            summed += hazard(collapse, strength_end, capability_end + M[day - 1])
            if summed >= collapse.threshold:
                collapse_day = day
                continue  # the collapse's strike moves the state this day
        if day == GUARDS_DAY:  # the break comes after the day's formulas, at the day step,
            strength_end += BREAK  # which sets the support anew (R* from R_s)
            readiness.set_support(TROOPS * TRAINERS - 0.0, 0.0, TROOPS * ENABLERS)
        if (readiness_end, capability_end, strength_end) != (R[day], C[day], S[day]):
            mismatches.append(day)
    return result, clock.times, attack_times, collapse_day, mismatches, readiness


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_day_step_follows_the_reference_steps_bit_for_bit(seed):
    result, times, attack_times, collapse_day, mismatches, _ = replay(seed)
    assert mismatches == []
    assert np.array_equal(np.asarray(times), attack_times)  # tempo: the same rates, day by day
    engine_collapse = result.outcomes["collapse_day"]
    assert collapse_day == engine_collapse


def test_the_replay_runs_every_branch():
    # The seeds above see a collapse with ground held, attacks that cost readiness and the
    # trend stopping at zero: otherwise the comparison would skip a branch.
    result, times, _, collapse_day, _, readiness = replay(1)
    assert collapse_day is not None
    T, M = result.series_of("territory"), result.series_of("mobilisation")
    assert T.max() > 0.0  # ground held
    assert np.any((T == 0.0) & (M > 0.0))  # all of it retaken by the mobilised state
    assert len(times) > 100
    assert collapse_day > GUARDS_DAY  # the break comes while the hazard is summed
    assert len(of_kind(result, "breakout")) == 1
    R, C = result.series_of("readiness"), result.series_of("capability")
    assert np.all(C[1:100] < R[1:100])  # support is missed, with a lag
    assert R.min() == 0.0  # attacks drove readiness to its floor
    assert readiness.trend_per_day == 0.0  # the self-sustained level reached 0 and stopped
