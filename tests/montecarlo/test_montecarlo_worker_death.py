"""Dead workers: a trial that kills its worker is found and recorded, the run goes on; a
worker killed from outside costs nothing; workers never outlive their parent."""

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
from montecarlo_support import KillingTrial, small_scenario

from sim.montecarlo import TooManyFailures, run
from sim.montecarlo.runner import Execution, run_with

HERE = Path(__file__).parent
TRIALS = 40

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


@pytest.fixture(scope="module")
def straight():
    return run(small_scenario(), trials=TRIALS, seed=5, jobs=1, progress=False)


def go(simulate, **options):
    return run_with(small_scenario(), TRIALS, 5, Execution(2, False, simulate=simulate, **options))


def test_a_trial_that_kills_its_worker_is_recorded_and_every_other_trial_is_kept(straight):
    results = go(KillingTrial(13))
    assert not results.interrupted
    (failure,) = results.failures
    assert failure["index"] == 13
    assert failure["seed"] == 5
    assert "worker process died" in failure["reason"]
    assert "SIGKILL" in failure["reason"]
    assert set(failure["parameters"]) == {
        c.removeprefix("param:") for c in straight.trials if c.startswith("param:")
    }
    pd.testing.assert_frame_equal(results.trials, straight.trials.drop(index=13))
    np.testing.assert_array_equal(
        results.series("isis_strength"), np.delete(straight.series("isis_strength"), 13, axis=0)
    )


def test_a_worker_killed_from_outside_loses_no_trial(straight, tmp_path):
    results = go(KillingTrial(21, once=str(tmp_path / "killed-once")))
    assert (tmp_path / "killed-once").exists()  # a worker did die
    assert results.failures == []
    pd.testing.assert_frame_equal(results.trials, straight.trials)


def test_a_dead_worker_counts_against_the_failures_tolerated(straight):
    with pytest.raises(TooManyFailures, match="trial 13") as caught:
        go(KillingTrial(13), max_failures=0)
    assert caught.value.results.n_trials < TRIALS


ORPHAN = """
import os, sys
sys.path.insert(0, {support!r})
from montecarlo_support import SlowTrial, small_scenario
from sim.montecarlo.runner import Execution, run_with

if __name__ == "__main__":
    print(os.getpid(), flush=True)
    run_with(small_scenario(), 2000, 5, Execution(2, False, None, {backend!r}, simulate=SlowTrial(0.05)))
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize(
    ("backend", "how"),
    [("processes", signal.SIGKILL), ("processes", signal.SIGTERM), ("dask", signal.SIGKILL)],
)
def test_workers_exit_when_their_parent_is_killed(tmp_path, backend, how):
    if backend == "dask":
        pytest.importorskip("distributed")
    script = tmp_path / "orphans.py"
    script.write_text(textwrap.dedent(ORPHAN.format(support=str(HERE), backend=backend)))
    parent = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    pid = int(parent.stdout.readline())
    deadline = time.monotonic() + 60
    while len(workers := _children(pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(workers) >= 2, "the run did not start its workers"
    time.sleep(5.0 if backend == "dask" else 1.0)  # workers busy with trials
    os.kill(pid, how)  # the parent alone: its workers get no signal
    parent.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [w for w in workers if _alive(w)]
    for worker in survivors:  # do not leave them behind if the test fails
        os.kill(worker, signal.SIGKILL)
    assert survivors == []


@pytest.mark.slow
def test_a_trial_that_kills_its_dask_worker_is_recorded_and_every_other_trial_is_kept():
    pytest.importorskip("distributed")
    results = run_with(small_scenario(), 12, 5, Execution(2, False, None, "dask", simulate=KillingTrial(5)))
    (failure,) = results.failures
    assert failure["index"] == 5
    assert "KilledWorker" in failure["reason"]
    straight = run(small_scenario(), trials=12, seed=5, jobs=1, progress=False)
    pd.testing.assert_frame_equal(results.trials, straight.trials.drop(index=5))
