"""Runs of scenarios with a posterior section: the same bits on any backend, common random
numbers between scenarios that share the file, nested runs and checkpoints."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from montecarlo_support import small_scenario

from sim.engine import simulate_trial
from sim.montecarlo import compare, run
from sim.montecarlo.ledger import Ledger, LedgerMismatch
from sim.montecarlo.nested import nested
from sim.montecarlo.runner import _fingerprint
from sim.scenario import scenario_from_dict
from sim.scenario.sampling import draw_parameters, fix

RATE, STRENGTH = "militia.attack_rate_per_day", "isis.strength"


def write_fit(path, seed: int = 1, particles: int = 50) -> str:
    """A posterior of the attack rate and ISIS strength, correlated, with unequal weights."""
    rng = np.random.default_rng(seed)
    score = rng.standard_normal(particles)
    values = np.column_stack([1.5 + 0.4 * score, 5000 + 1500 * score + 300 * rng.standard_normal(particles)])
    data = {
        "format": 1,
        "kind": "sim posterior",
        "parameters": [RATE, STRENGTH],
        "particles": np.clip(values, 0.1, None).tolist(),
        "weights": rng.uniform(0.1, 2.0, particles).tolist(),
        "method": "synthetic, for the tests",
    }
    path.write_text(json.dumps(data))
    return str(path)


def with_fit(file: str, name: str = "fitted", **changes):
    """The small test scenario drawing the attack rate and ISIS strength from ``file``."""
    data = small_scenario(name, **changes).model_dump(mode="json", by_alias=True)
    data["posterior"] = {"file": file}
    return scenario_from_dict(data)


@pytest.fixture(scope="module")
def fit(tmp_path_factory):
    return write_fit(tmp_path_factory.mktemp("fits") / "fit.json")


@pytest.fixture(scope="module")
def scenario(fit):
    return with_fit(fit)


@pytest.fixture(scope="module")
def serial(scenario):
    return run(scenario, trials=16, jobs=1, progress=False)


def test_jobs_1_and_jobs_2_give_identical_trials_and_the_posterior_s_particles(scenario, serial, fit):
    parallel = run(scenario, trials=16, jobs=2, progress=False)
    pd.testing.assert_frame_equal(serial.trials, parallel.trials)
    np.testing.assert_array_equal(serial.series("isis_strength"), parallel.series("isis_strength"))
    particles = {tuple(row) for row in json.loads(Path(fit).read_text())["particles"]}
    drawn = serial.trials[[f"param:{RATE}", f"param:{STRENGTH}"]].to_numpy()
    assert all(tuple(row) in particles for row in drawn.tolist())


def test_the_first_trials_of_a_longer_run_equal_a_shorter_run(scenario, serial):
    pd.testing.assert_frame_equal(
        run(scenario, trials=5, jobs=1, progress=False).trials, serial.trials.iloc[:5]
    )


def test_a_trial_re_run_alone_from_its_seed_and_draws_gives_its_row(scenario, serial):
    index = 11
    draws = draw_parameters(scenario, index + 1, serial.seed)
    alone = simulate_trial(
        fix(scenario, {path: values[index] for path, values in draws.items()}),
        np.random.SeedSequence(serial.seed, spawn_key=(index,)),
    )
    for name, value in alone.outcomes.items():
        np.testing.assert_equal(serial.trials.loc[index, name], value)


def test_the_dask_backend_gives_the_same_trials(scenario, serial):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = run(scenario, trials=16, backend="dask", client=client, progress=False)
    pd.testing.assert_frame_equal(on_dask.trials, serial.trials)


def test_scenarios_sharing_the_file_share_particles_and_identical_ones_differ_by_zero(fit):
    early = with_fit(fit, "early", exit_low=20, exit_high=30)
    late = with_fit(fit, "late", exit_low=60, exit_high=70)
    comparison = compare([early, late, early], trials=8, jobs=1, progress=False)
    first, second, third = (r.trials for r in comparison.results)
    for path in (RATE, STRENGTH):
        np.testing.assert_array_equal(first[f"param:{path}"], second[f"param:{path}"])
    pd.testing.assert_frame_equal(first, third)


def test_nested_outer_draws_pick_particles_as_a_run_would(scenario):
    table, summary = nested(scenario, "collapse", outer=3, inner=4, seed=5)
    draws = draw_parameters(scenario, 3, 5)
    for path in (RATE, STRENGTH):
        np.testing.assert_array_equal(table[path].to_numpy(), draws[path])
    assert summary["draws"] == 3


def test_a_checkpoint_of_a_run_with_another_posterior_file_content_is_refused(tmp_path):
    file = write_fit(tmp_path / "fit.json", seed=1)
    before = with_fit(file)
    fingerprint = _fingerprint(before, 1, 4, 0)
    Ledger.open(tmp_path / "ck", fingerprint)
    stamp = os.stat(file).st_mtime_ns
    write_fit(tmp_path / "fit.json", seed=2)
    os.utime(file, ns=(stamp + 10**9, stamp + 10**9))
    after = with_fit(file)
    assert before.model_dump_json() == after.model_dump_json()  # the scenario reads the same
    with pytest.raises(LedgerMismatch, match="posterior_sha256"):
        Ledger.open(tmp_path / "ck", _fingerprint(after, 1, 4, 0))
