"""A failing trial is recorded and the run goes on; too many stop it; Ctrl-C keeps the finished trials."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from montecarlo_support import FailingTrial, small_scenario

from sim.montecarlo import TooManyFailures, TrialError, run
from sim.montecarlo.runner import Execution, run_with

HERE = Path(__file__).parent


def run_failing(trials: int, jobs: int, index: int, error: BaseException, max_failures: int = 10):
    how = Execution(jobs, False, max_failures=max_failures, simulate=FailingTrial(index, error))
    return run_with(small_scenario(), trials, 5, how)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_trial_is_recorded_with_its_draws_and_traceback_and_the_run_goes_on(jobs):
    results = run_failing(20, jobs, 13, ValueError("negative troops"))
    assert not results.interrupted
    assert results.n_trials == 19
    assert 13 not in results.trials.index
    (failure,) = results.failures
    assert (failure["index"], failure["seed"]) == (13, 5)
    assert "negative troops" in failure["reason"]
    assert "ValueError" in failure["traceback"]
    full = run(small_scenario(), trials=20, seed=5, jobs=1, progress=False)
    drawn = {c.removeprefix("param:"): v for c, v in full.trials.loc[13].items() if c.startswith("param:")}
    assert failure["parameters"] == drawn
    pd.testing.assert_frame_equal(results.trials, full.trials.drop(index=13))
    np.testing.assert_array_equal(results.series("troops"), np.delete(full.series("troops"), 13, axis=0))
    assert "1 failed" in repr(results)
    assert "failed" in results._repr_html_()


@pytest.mark.parametrize("jobs", [1, 2])
def test_more_failures_than_tolerated_stop_the_run_naming_the_trial_and_keeping_the_rest(jobs):
    with pytest.raises(TooManyFailures) as caught:
        run_failing(20, jobs, 13, ValueError("negative troops"), max_failures=0)
    error = caught.value
    assert isinstance(error, TrialError)
    assert (error.index, error.seed) == (13, 5)
    message = str(error)
    assert "1 trials failed, more than the 0 tolerated" in message
    assert "trial 13" in message
    assert "negative troops" in message
    assert "SeedSequence(5, spawn_key=(13,))" in message
    assert error.results.interrupted
    assert 13 not in error.results.trials.index
    assert [f["index"] for f in error.results.failures] == [13]


def test_ctrl_c_in_a_serial_run_keeps_the_trials_finished_before_it():
    results = run_failing(20, 1, 11, KeyboardInterrupt())
    assert results.interrupted
    assert results.n_trials == 11
    np.testing.assert_array_equal(results.trials.index, np.arange(11))
    full = run(small_scenario(), trials=20, seed=5, jobs=1, progress=False)
    pd.testing.assert_frame_equal(results.trials, full.trials.iloc[:11])
    np.testing.assert_array_equal(results.series("troops"), full.series("troops")[:11])
    assert results.events_kept_for == list(range(11))
    assert len(results.summary()) == len(full.summary())
    assert "Interrupted" in results._repr_html_()


def test_ctrl_c_before_any_trial_finished_gives_empty_results():
    results = run_failing(5, 1, 0, KeyboardInterrupt())
    assert results.interrupted
    assert results.n_trials == 0
    assert results.series("troops").shape == (0, 91)
    assert results.bands("troops")["p50"].isna().all()
    assert results.collapse_curve()["probability"].isna().all()


SCRIPT = """
import json, sys
sys.path.insert(0, {support!r})
from montecarlo_support import SlowTrial, small_scenario
from sim.montecarlo.runner import Execution, run_with

if __name__ == "__main__":
    print("running", flush=True)
    results = run_with(small_scenario(), 400, 5, Execution(2, False, simulate=SlowTrial(0.02)))
    print(json.dumps({{
        "interrupted": results.interrupted,
        "trials": results.trials.index.tolist(),
        "attacks": results.trials["militia_attacks"].tolist(),
    }}), flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT to a process group")
def test_ctrl_c_on_a_process_run_stops_the_workers_and_keeps_finished_trials(tmp_path):
    script = tmp_path / "interrupted_run.py"
    script.write_text(textwrap.dedent(SCRIPT.format(support=str(HERE))))
    child = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal would have
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert child.stdout.readline().strip() == "running"
    time.sleep(2.0)  # 400 trials of >= 20 ms on two workers take > 4 s
    os.killpg(child.pid, signal.SIGINT)  # Ctrl-C reaches the parent and its workers
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    assert report["interrupted"] is True
    assert 0 < len(report["trials"]) < 400
    full = run(small_scenario(), trials=max(report["trials"]) + 1, seed=5, jobs=1, progress=False)
    expected = full.trials.loc[report["trials"], "militia_attacks"].tolist()
    assert report["attacks"] == expected
