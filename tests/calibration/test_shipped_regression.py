"""Regression: the shipped scenarios give the stored results, to tight tolerance.

A failure means a scenario file, a schema default or the engine changed what the
shipped scenarios produce. If that was intended, regenerate the expected files
(``python tests/calibration/regenerate.py``) and review their diff.
"""

from __future__ import annotations

import json

import pytest
from shipped_outcomes import differences, expected_path, outcome_means, shipped_scenarios

SHIPPED = shipped_scenarios()


def test_every_shipped_scenario_has_stored_results():
    assert SHIPPED, "no shipped scenarios found"
    missing = [path.name for path in SHIPPED if not expected_path(path).exists()]
    assert not missing, f"no expected results for {missing}: run python tests/calibration/regenerate.py"


def test_no_stored_results_without_a_scenario():
    stems = {path.stem for path in SHIPPED}
    orphans = sorted(p.name for p in expected_path(SHIPPED[0]).parent.glob("*.json") if p.stem not in stems)
    assert not orphans, f"expected results for scenarios that no longer exist: {orphans}"


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_shipped_scenario_outcome_means_are_unchanged(path):
    stored = expected_path(path)
    if not stored.exists():
        pytest.fail(f"no expected results for {path.name}: run python tests/calibration/regenerate.py")
    problems = differences(json.loads(stored.read_text(encoding="utf-8")), outcome_means(path))
    assert not problems, f"{path.name} changed:\n  " + "\n  ".join(problems)
