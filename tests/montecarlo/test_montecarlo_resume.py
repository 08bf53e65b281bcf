"""Checkpoints: a run stopped any way resumes, runs only what is left, and gives the same bits."""

from __future__ import annotations

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

from sim.engine import simulate_trial
from sim.montecarlo import Results, run
from sim.montecarlo.ledger import Ledger, LedgerMismatch
from sim.montecarlo.runner import Execution, run_with

HERE = Path(__file__).parent
TRIALS = 30


class CountingTrial:
    """The engine's trial, counting the trials it runs."""

    def __init__(self):
        self.ran: list[int] = []

    def __call__(self, scenario, seed):
        self.ran.append(seed.spawn_key[0])
        return simulate_trial(scenario, seed)


def assert_same(a: Results, b: Results) -> None:
    pd.testing.assert_frame_equal(a.trials, b.trials)
    for name in a.series_names:
        np.testing.assert_array_equal(a.series(name), b.series(name))
        assert a.is_constant(name) == b.is_constant(name)
    pd.testing.assert_frame_equal(a.events, b.events)


@pytest.fixture(scope="module")
def straight() -> Results:
    return run(small_scenario(), trials=TRIALS, seed=5, jobs=1, progress=False, keep_events=True)


def go(checkpoint, simulate=simulate_trial, jobs=1, **options) -> Results:
    how = Execution(jobs, False, True, "processes", None, simulate=simulate, **options)
    return run_with(small_scenario(), TRIALS, 5, how, checkpoint=checkpoint)


@pytest.mark.slow
def test_a_run_interrupted_then_resumed_equals_an_uninterrupted_run_and_runs_only_what_was_left(
    tmp_path, straight
):
    stopped = go(tmp_path / "cp", FailingTrial(19, KeyboardInterrupt()))
    assert stopped.interrupted
    assert stopped.n_trials == 19
    counting = CountingTrial()
    resumed = go(tmp_path / "cp", counting)
    assert sorted(counting.ran) == list(range(19, TRIALS))  # even the part chunk 16-18 was kept
    assert resumed.timings["resumed_trials"] == 19
    assert not resumed.interrupted
    assert_same(resumed, straight)


@pytest.mark.slow
def test_a_resumed_run_may_use_other_workers_and_still_gives_the_same_bits(tmp_path, straight):
    go(tmp_path / "cp", FailingTrial(11, KeyboardInterrupt()))
    resumed = go(tmp_path / "cp", jobs=2)
    assert resumed.timings["backend"] == "processes"
    assert_same(resumed, straight)


@pytest.mark.slow
def test_a_complete_checkpoint_gives_the_results_without_running_a_trial(tmp_path, straight):
    go(tmp_path / "cp")
    counting = CountingTrial()
    again = go(tmp_path / "cp", counting)
    assert counting.ran == []
    assert_same(again, straight)


def test_failed_trials_are_kept_in_the_checkpoint_and_not_run_again(tmp_path):
    first = go(tmp_path / "cp", FailingTrial(7, ValueError("boom")))
    assert [f["index"] for f in first.failures] == [7]
    counting = CountingTrial()
    again = go(tmp_path / "cp", counting)
    assert counting.ran == []
    assert [f["index"] for f in again.failures] == [7]
    assert "boom" in again.failures[0]["reason"]
    pd.testing.assert_frame_equal(again.trials, first.trials)


def test_the_checkpoint_of_another_run_is_refused_and_left_as_it_was(tmp_path):
    go(tmp_path / "cp")
    units = Ledger.open(tmp_path / "cp", _job_of(tmp_path / "cp")).units()
    with pytest.raises(LedgerMismatch, match="seed"):
        run(
            small_scenario(),
            trials=TRIALS,
            seed=6,
            jobs=1,
            progress=False,
            keep_events=True,
            checkpoint=tmp_path / "cp",
        )
    assert Ledger.open(tmp_path / "cp", _job_of(tmp_path / "cp")).units() == units


def _job_of(folder: Path) -> dict:
    import json

    job = json.loads((folder / "manifest.json").read_text())["job"]
    return {k: v for k, v in job.items() if k not in ("code", "format")}


KILLED = """
import sys
sys.path.insert(0, {support!r})
from montecarlo_support import SlowTrial, small_scenario
from sim.montecarlo.runner import Execution, run_with

if __name__ == "__main__":
    print("running", flush=True)
    how = Execution(2, False, True, "processes", None, simulate=SlowTrial(0.02))
    run_with(small_scenario(), {trials}, 5, how, checkpoint={checkpoint!r})
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_run_killed_with_sigkill_resumes_from_its_checkpoint_to_the_same_bits(tmp_path):
    trials = 300
    script = tmp_path / "killed.py"
    script.write_text(
        textwrap.dedent(KILLED.format(support=str(HERE), trials=trials, checkpoint=str(tmp_path / "cp")))
    )
    child = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert child.stdout.readline().strip() == "running"
    time.sleep(3.0)  # 300 trials of >= 20 ms on two workers take > 3 s
    os.killpg(child.pid, signal.SIGKILL)  # the parent and its workers, with no chance to clean up
    child.communicate(timeout=30)
    kept = len(list((tmp_path / "cp" / "units").glob("*.npz")))
    assert 0 < kept < trials
    counting = CountingTrial()
    how = Execution(1, False, True, "processes", None, simulate=counting)
    resumed = run_with(small_scenario(), trials, 5, how, checkpoint=tmp_path / "cp")
    assert 0 < len(counting.ran) < trials
    assert_same(
        resumed, run(small_scenario(), trials=trials, seed=5, jobs=1, progress=False, keep_events=True)
    )
