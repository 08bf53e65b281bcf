"""Small fixed-seed runs of every shipped scenario, for the regression test.

Each shipped scenario (``scenarios/*.yaml``) is run for :data:`TRIALS` trials in this
process with its own seed; the mean of every scalar outcome is stored in
``tests/calibration/expected/<name>.json``. The regression test compares a fresh run
with those files, so any change to a scenario, a default or the engine that moves a
result is noticed. When the change is intended, rewrite the files with::

    python tests/calibration/regenerate.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
EXPECTED = Path(__file__).resolve().parent / "expected"
TRIALS = 20


def shipped_scenarios() -> list[Path]:
    """The shipped scenario files, in name order."""
    return sorted(SCENARIOS.glob("*.yaml"))


def outcome_means(path: Path) -> dict:
    """The record stored for one scenario: its seed, the trials run and outcome means.

    Means of outcomes that never happened in any trial (``collapse_day`` without a
    collapse) are ``None``.
    """
    from sim.montecarlo import run
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(path)
    seed = scenario.monte_carlo.seed
    results = run(scenario, trials=TRIALS, seed=seed, jobs=1, progress=False, keep_events=False)
    means = {}
    for name in results.outcome_names:
        values = results.trials[name].to_numpy(dtype=float)
        finite = values[~np.isnan(values)]
        means[name] = float(finite.mean()) if len(finite) else None
    return {"scenario": scenario.name, "trials": TRIALS, "seed": seed, "outcome_means": means}


def expected_path(path: Path) -> Path:
    """Where the expected outcomes of a scenario file are stored."""
    return EXPECTED / f"{path.stem}.json"


def write_expected(path: Path) -> Path:
    """Run one scenario and store its outcome means; returns the file written."""
    EXPECTED.mkdir(exist_ok=True)
    target = expected_path(path)
    text = json.dumps(outcome_means(path), indent=2, sort_keys=True, allow_nan=False)
    target.write_text(text + "\n", encoding="utf-8")
    return target


def differences(expected: dict, actual: dict, rel: float = 1e-6, abs_: float = 1e-9) -> list[str]:
    """Human-readable differences between a stored record and a fresh one (empty if none).

    Runs are deterministic, so the tolerance only absorbs floating-point noise across
    platforms; any real change moves a mean of 20 trials by far more.
    """
    problems = [
        f"{key}: expected {expected.get(key)!r}, found {actual.get(key)!r}"
        for key in ("scenario", "trials", "seed")
        if expected.get(key) != actual.get(key)
    ]
    old, new = expected.get("outcome_means", {}), actual.get("outcome_means", {})
    for name in sorted(set(old) | set(new)):
        if name not in new:
            problems.append(f"{name}: stored but no longer produced")
        elif name not in old:
            problems.append(f"{name}: produced but not stored")
        elif (old[name] is None) != (new[name] is None):
            problems.append(f"{name}: expected {old[name]}, found {new[name]}")
        elif old[name] is not None and not math.isclose(old[name], new[name], rel_tol=rel, abs_tol=abs_):
            problems.append(f"{name}: expected {old[name]!r}, found {new[name]!r}")
    return problems
