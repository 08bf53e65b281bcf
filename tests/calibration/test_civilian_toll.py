"""The war years' civilian checks can fail: the old constant toll per attack fails them.

Before the toll depended on the ground ISIS holds, every attack killed civilians at the
toll of the bombing campaign of 2011-13, and the 2015 check failed (UNAMI's 7,515 below
the model's 5th percentile). The shipped model passes it (test_backtests.py); this test
runs the 2011 replay with that constant toll (3.5 for both kinds of attack) and shows that
the same check, on the same facts, rejects it: its verdict is the model's, not the
check's.
"""

from __future__ import annotations

import pytest

from sim.calibrate.checks import CHECKS, evaluate, run_replay

CONSTANT_TOLL = {"isis.civilians_killed_per_attack": 3.5, "isis.front_civilians_killed_per_attack": 3.5}


@pytest.mark.slow
def test_the_old_constant_toll_fails_the_civilian_check_of_2015():
    results = run_replay("replay_2011", trials=600, jobs=2, overrides=CONSTANT_TOLL)
    check = next(c for c in CHECKS if c.name == "civilian_deaths_2015")
    verdict = evaluate(check, check.measure(results))
    assert not verdict.passed, (verdict.low, verdict.median, verdict.high)
    assert verdict.low > check.record  # too many deaths, not too few
