"""What a run refuses before its first trial: values that would hang a trial, dates the
calendar cannot hold, more jobs than cores, more memory than the machine has."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from montecarlo_support import small_scenario
from pydantic import ValidationError

from sim.engine import simulate_trial
from sim.montecarlo import RunRefused, run
from sim.montecarlo import preflight as preflight_module
from sim.montecarlo.runner import Execution, run_with, series_bytes, usable_cores

HERE = Path(__file__).parent


def never(scenario, seed):
    raise AssertionError("a trial ran")


def refused(scenario, jobs: int = 1) -> str:
    """The message of the refusal; no trial may run (the stand-in raises if one does)."""
    began = time.perf_counter()
    with pytest.raises(RunRefused) as caught:
        run_with(scenario, 2, 1, Execution(jobs, False, simulate=never))
    assert time.perf_counter() - began < 5  # refused at once, not after trials
    return str(caught.value)


def refused_anywhere(changes: dict) -> str:
    """The message that refuses a scenario: the schema's (its bounds), or the pre-flight
    check's before the first trial (combinations of values within the bounds)."""
    try:
        scenario = small_scenario(**changes)
    except ValidationError as error:
        return str(error)
    return refused(scenario)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        # Beyond the schema's bounds: refused when the scenario is read.
        ({"isis": {"strength": 1e300}}, "isis.strength"),
        ({"isis": {"strength": {"dist": "uniform", "low": 1e3, "high": 1e12}}}, "isis.strength"),
        ({"isis": {"attacks_per_fighter_at_parity_per_day": 100.0}}, "isis.attacks_per_fighter"),
        ({"isis": {"unguarded_breakouts_per_year": 1e7}}, "isis.unguarded_breakouts_per_year"),
        ({"militia": {"attack_rate_per_day": 1e300}}, "militia.attack_rate_per_day"),
        (
            {"militia": {"casualties": {"rocket": {"wounded_mean": 1e300}}}},
            "militia.casualties.rocket.wounded_mean",
        ),
        (
            {"militia": {"casualties": {"drone": {"killed_mean": 1e12}}}},
            "militia.casualties.drone.killed_mean",
        ),
        # Within the bounds, but together more work than a trial can do: refused before it starts.
        (
            {
                "isis": {
                    "strength": 1e6,
                    "attacks_per_fighter_at_parity_per_day": 0.1,
                    "tempo_elasticity": 2.0,
                }
            },
            "isis",
        ),
        (
            {"militia": {"attack_rate_per_day": 100.0}, "tension": {"initial": 1000.0, "cap": 1000.0}},
            "militia",
        ),
    ],
)
def test_values_that_would_keep_a_trial_running_for_ever_are_refused_before_it_starts(changes, field):
    message = refused_anywhere(changes)
    assert field in message
    assert "expected at most" in message or "expected a" in message


def test_troops_beyond_what_a_trial_can_attack_are_refused():
    forces = {"us_asad": {"base": "al_asad", "troops": 1e308}, "nato_erbil": {"base": "erbil", "troops": 500}}
    assert "troops" in refused_anywhere({"forces": forces, "rules": []})
    forces["us_asad"]["troops"] = 1e6  # within the bounds, but with a furious tempo
    changes = {
        "forces": forces,
        "rules": [],
        "militia": {"attack_rate_per_day": 100.0, "reference_troops": 1.0},
    }
    assert refused_anywhere({**changes, "tension": {"initial": 1000.0, "cap": 1000.0}}).startswith("militia")


def test_plausible_extremes_are_not_refused():
    scenario = small_scenario(
        isis={"strength": 1e5, "unguarded_breakouts_per_year": 50, "breakout_fighters": 1e4},
        militia={"attack_rate_per_day": 20.0, "casualties": {"rocket": {"wounded_mean": 1e4}}},
    )
    assert run(scenario, trials=1, jobs=1, progress=False).n_trials == 1


def test_every_field_the_guard_reads_is_still_in_the_schema():
    scenario = small_scenario()
    missing = [path for path in preflight_module.FIELDS if preflight_module._at(scenario, path) is None]
    assert missing == [], f"renamed or removed: update sim/montecarlo/preflight.py for {missing}"


@pytest.mark.parametrize("start", ["2262-06-01", "1600-06-01", "9999-06-01"])
def test_dates_the_calendar_cannot_hold_are_refused_before_any_trial(start):
    assert refused(small_scenario(start=start)).startswith("start: expected the run's 90 days")


def test_more_jobs_than_cores_are_refused():
    message = refused(small_scenario(), jobs=usable_cores() + 1)
    assert message.startswith("jobs: expected at most")
    assert "cores" in message


def test_the_memory_of_the_workers_counts(monkeypatch):
    monkeypatch.setattr(preflight_module, "physical_memory", lambda: 300 << 20)
    run(small_scenario(), trials=2, jobs=1, progress=False)  # alone, it fits
    with pytest.raises(RunRefused, match="fewer jobs"):
        run(small_scenario(), trials=2, jobs=2, progress=False)  # two workers do not


@pytest.mark.slow
def test_a_run_whose_event_logs_would_not_fit_stops_after_its_first_chunk(monkeypatch):
    small, trials = small_scenario(), 2000
    sample = run(small, trials=8, jobs=1, progress=False, keep_events=True)
    log_bytes = sum(len(sample.events[sample.events["trial"] == i]) for i in range(8)) / 8 * 40
    series = series_bytes(small, trials)
    assert log_bytes * trials > 0.5 * series  # the premise: the logs are a large part of the run
    physical = int(series * 1.2 / preflight_module.MEMORY_SHARE)  # the series alone fit
    monkeypatch.setattr(preflight_module, "physical_memory", lambda: physical)
    run(small, trials=trials, jobs=1, progress=False, keep_events=False)  # without logs it runs
    counting = []

    def simulate(scenario, seed):
        counting.append(seed)
        return simulate_trial(scenario, seed)

    with pytest.raises(RunRefused, match="event logs"):
        run_with(small, trials, 1, Execution(1, False, True, simulate=simulate))
    assert len(counting) == 8  # stopped after the first chunk


CASES = [
    ("isis.strength", [0, 1e3, 1e6, 1e9, 3e9, 1e10, 1e12, 1e300]),
    ("isis.capacity", [1e-300, 1, 1e9, 1e300]),
    ("isis.growth_per_day", [0, 1, 1e3, 1e300]),
    ("isis.sanctuary_growth", [0, 1e3, 1e300]),
    ("isis.attacks_per_fighter_at_parity_per_day", [0, 0.1, 1, 1e3, 1e300]),
    ("isis.tempo_elasticity", [0, 2]),
    ("isis.breakout_fighters", [0, 1e6, 1e9, 1e300]),
    ("isis.guarded_breakouts_per_year", [0, 1e3, 1e5, 1e7, 1e300]),
    ("isis.unguarded_breakouts_per_year", [0, 1e5, 1e300]),
    ("militia.attack_rate_per_day", [0, 10, 1e3, 1e6, 1e300]),
    ("militia.reference_troops", [1e-300, 1, 1e300]),
    ("militia.casualties.rocket.wounded_mean", [0, 1e4, 1e5, 1e6, 1e12, 1e300]),
    ("militia.casualties.rocket.dispersion", [1e-300, 1e-3, 1e300]),
    ("forces.us_asad.troops", [0, 1e6, 1e9, 1e12, 1e308]),
    ("tension.initial", [0, 1e3, 1e300]),
]

PROBE = """
import json, math, resource, signal, sys, time
resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
sys.path.insert(0, {support!r})
import numpy as np
from montecarlo_support import small_scenario
from sim.engine import simulate_trial
from sim.montecarlo.preflight import RunRefused, check_workload
from sim.montecarlo.seeding import draw_run_parameters, trial_scenario, trial_seed
from sim.scenario.loader import scenario_from_dict

def too_long(*_):
    raise TimeoutError
signal.signal(signal.SIGALRM, too_long)
base = small_scenario().model_dump(mode="json", by_alias=True)
for path, values in json.loads(sys.argv[1]):
    for value in values:
        data = json.loads(json.dumps(base))
        node = data
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {{}})
        node[last] = value
        try:
            scenario = scenario_from_dict(data)
        except Exception:
            print(json.dumps([path, value, "invalid", 0]), flush=True)
            continue
        draws = draw_run_parameters(scenario, 1, 1)
        try:
            check_workload(scenario, draws.paths, draws.values)
        except RunRefused:
            print(json.dumps([path, value, "refused", 0]), flush=True)
            continue
        began = time.perf_counter()
        signal.alarm({limit})
        try:
            simulate_trial(trial_scenario(scenario, draws.paths, draws.values[0]), trial_seed(1, 0))
            verdict = "ran"
        except TimeoutError:
            verdict = "too long"
        except MemoryError:
            verdict = "out of memory"
        except Exception as error:
            verdict = "raised " + type(error).__name__
        finally:
            signal.alarm(0)
        print(json.dumps([path, value, verdict, time.perf_counter() - began]), flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGALRM and RLIMIT_AS")
def test_extreme_values_of_the_guarded_fields_are_refused_or_finish_in_bounded_time(tmp_path):
    """The property behind the guard: with every field the guard reads set to extreme
    values one at a time, each scenario is invalid, refused, or its trials end (finish, or
    raise, which a run records as a failure) within the time limit and 6 GB."""
    import json

    limit = 60  # seconds: the guard's limits allow trials of about 20 s on this machine
    script = tmp_path / "probe.py"
    script.write_text(textwrap.dedent(PROBE.format(support=str(HERE), limit=limit)))
    done = subprocess.run(
        [sys.executable, str(script), json.dumps(CASES)],
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == sum(len(values) for _, values in CASES)
    bad = [row for row in rows if row[2] in ("too long", "out of memory")]
    assert bad == [], bad
    # The schema's bounds refuse most extremes when the scenario is read ("invalid").
    assert any(row[2] in ("invalid", "refused") for row in rows)
    assert any(row[2] == "ran" for row in rows)
