"""Back tests: each shipped replay's distribution covers the historical record.

Every replay in :data:`sim.calibrate.checks.RUNS` (``replay_2023``: the militia campaign of
2023-24; ``replay_2011``: the 2011 exit and the collapse of 2014; ``phased_2024``:
what happened after the September 2024 announcement) is run once, with its fixed seed
and trial count on two workers, and each fact is checked: the record must lie inside
the model's central interval (90% unless the check says otherwise) or, for an event that did not
happen, its probability must stay under the stated tolerance. The facts, their
sources and their measures are defined in ``sim/calibrate/checks.py``; docs/calibration.md
shows the same table with the model's numbers.

A fact the model cannot match for a structural reason is an expected failure that
must keep failing (``strict``): if it starts to pass, the documentation is out of date.
"""

from __future__ import annotations

import pytest

from sim.calibrate.checks import CHECKS, evaluate, replay


def _cases() -> list:
    cases = []
    for check in CHECKS:
        marks = [pytest.mark.xfail(strict=True, reason=check.known_failure)] if check.known_failure else []
        cases.append(pytest.param(check, id=f"{check.scenario}-{check.name}", marks=marks))
    return cases


@pytest.mark.slow
@pytest.mark.parametrize("check", _cases())
def test_replay_distribution_covers_the_record(check):
    verdict = evaluate(check, check.measure(replay(check.scenario)))
    if check.rule == "probability_at_most":
        assert verdict.passed, (
            f"{check.what}: probability {verdict.median:.3f} above the tolerance {check.tolerance}"
        )
    else:
        assert verdict.passed, (
            f"{check.what}: record {check.record:g} outside the model's central {check.band:g}% interval "
            f"[{verdict.low:g}, {verdict.high:g}] (median {verdict.median:g})"
        )
