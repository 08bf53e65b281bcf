"""explore: every design point with the same trials (common random numbers), resumable, saved."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from explore_support import ThresholdTrial, exit_scenario

from sim.explore import ExploreError, explore, load_exploration
from sim.montecarlo import run
from sim.montecarlo.ledger import Ledger
from sim.scenario.loader import ScenarioError

LEVER = "forces.us_asad.schedule.0.ramp_days=0..40"


def small(**options):
    return explore(exit_scenario(), [LEVER], points=3, trials=8, jobs=1, progress=False, **options)


def test_each_point_equals_a_run_of_its_scenario_with_the_same_seed():
    exploration = small()
    scenario = exit_scenario(
        forces={
            **exit_scenario().model_dump(by_alias=True)["forces"],
            "us_asad": {
                "base": "al_asad",
                "troops": 1500,
                "schedule": [{"at": dt.date(2024, 2, 1), "troops": 0, "ramp_days": 20}],
            },
        }
    )
    alone = run(scenario, trials=8, jobs=1, progress=False)
    trials = exploration.trials.xs(1, level="point")
    pd.testing.assert_frame_equal(trials, alone.trials[trials.columns], check_names=False, check_dtype=False)
    assert exploration.points.loc[1, "killed"] == alone.summary().loc["killed", "mean"]


def test_points_share_their_trials_draws_common_random_numbers():
    trials = small().trials
    drawn = trials["param:isis.strength"].unstack("point")
    assert (drawn.nunique(axis=1) == 1).all()  # trial i draws the same value at every point


def test_the_points_table_has_each_outcomes_mean_interval_and_count():
    points = small().points
    row = points.loc[0]
    assert row["collapse:low"] <= row["collapse"] <= row["collapse:high"]
    assert row["collapse:n"] == 8
    assert row["trials"] == 8
    assert list(points[LEVER.split("=")[0]]) == [0.0, 20.0, 40.0]


def test_results_are_identical_with_one_or_two_workers():
    one = small()
    two = explore(exit_scenario(), [LEVER], points=3, trials=8, jobs=2, progress=False)
    pd.testing.assert_frame_equal(one.points, two.points)
    pd.testing.assert_frame_equal(one.trials, two.trials)


def test_an_exploration_saves_and_loads_back(tmp_path):
    exploration = small()
    loaded = load_exploration(exploration.save(tmp_path / "sweep"))
    pd.testing.assert_frame_equal(loaded.points, exploration.points)
    pd.testing.assert_frame_equal(loaded.trials, exploration.trials)
    pd.testing.assert_frame_equal(loaded.bands[2], exploration.bands[2], check_freq=False)
    assert loaded.design.kind == "grid"
    assert loaded.lever_names == exploration.lever_names
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not an experiment folder"):
        exploration.save(tmp_path / "other")


def test_a_resumed_experiment_runs_only_the_missing_points_and_gives_the_same_bits(tmp_path):
    whole = small()
    folder = tmp_path / "sweep.checkpoint"
    small(checkpoint=folder)
    # Forget the last point, as a kill before it finished would have.
    (folder / "units" / "p000002.npz").unlink()
    resumed = small(checkpoint=folder)
    assert resumed.timings["resumed_points"] == 2
    pd.testing.assert_frame_equal(resumed.points, whole.points)
    pd.testing.assert_frame_equal(resumed.trials, whole.trials)


def test_a_checkpoint_of_another_experiment_is_refused(tmp_path):
    folder = tmp_path / "sweep.checkpoint"
    small(checkpoint=folder)
    with pytest.raises(ValueError, match="another job"):
        explore(exit_scenario(), [LEVER], points=4, trials=8, jobs=1, progress=False, checkpoint=folder)


class FailOn:
    """The threshold stand-in, raising on one trial of the points whose ramp is 20 days."""

    def __init__(self, index: int):
        self.index = index
        self.inner = ThresholdTrial(dt.date(2024, 3, 1))

    def __call__(self, scenario, seed):
        if scenario.forces["us_asad"].schedule[0].ramp_days == 20 and seed.spawn_key == (self.index,):
            raise ValueError("a planted failure")
        return self.inner(scenario, seed)


def test_a_failed_trial_is_recorded_with_its_point_seed_and_parameters_and_the_rest_goes_on(tmp_path):
    exploration = small(simulate=FailOn(5), checkpoint=tmp_path / "c")
    (failure,) = exploration.failures
    assert failure["point"] == 1
    assert failure["index"] == 5
    assert "planted" in failure["reason"]
    assert set(failure["parameters"]) == {"militia.attack_rate_per_day", "isis.strength"}
    assert list(exploration.points["trials"]) == [8, 7, 8]
    (kept,) = [f for f in Ledger.open(tmp_path / "c", _job(tmp_path / "c")).failures()]
    assert kept["point"] == 1


def _job(folder):
    import json

    job = json.loads((folder / "manifest.json").read_text())["job"]
    return {k: v for k, v in job.items() if k not in ("code", "format")}


def test_precision_adds_trials_until_the_interval_is_narrow_enough():
    exploration = explore(
        exit_scenario(),
        ["forces.us_asad.schedule.0.at=2024-02-01,2024-04-01"],
        trials=50,
        precision=0.03,
        precision_outcomes=["collapse_within_24m"],
        max_trials=1600,
        jobs=1,
        progress=False,
        simulate=ThresholdTrial(dt.date(2024, 3, 1)),
    )
    points = exploration.points
    half = (points["collapse_within_24m:high"] - points["collapse_within_24m:low"]) / 2
    assert (half <= 0.03).all()
    # the risky point needs many trials, the safe one (no collapse at all) few
    assert points.loc[0, "trials"] > 4 * points.loc[1, "trials"]


def test_a_lever_that_makes_a_point_invalid_is_reported_before_any_trial_runs():
    with pytest.raises(ScenarioError, match="--vary: forces.us_erbil.schedule.1.at: expected a value >= 0.0"):
        explore(exit_scenario(), ["exit_shift_months=-3..0"], points=2, trials=4, jobs=1, progress=False)


def test_unknown_bands_are_refused():
    with pytest.raises(ExploreError, match="unknown series"):
        small(bands=("troopz",))


def test_bands_are_percentiles_of_the_points_daily_series():
    exploration = small()
    band = exploration.bands[0]
    assert (band["troops:p5"] <= band["troops:p95"]).all()
    assert np.isclose(band["troops:p50"].iloc[0], 2300)


def test_an_experiment_on_dask_gives_the_same_bits_as_a_serial_one():
    distributed = pytest.importorskip("distributed")
    serial = small()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = explore(
            exit_scenario(), [LEVER], points=3, trials=8, backend="dask", client=client, progress=False
        )
    assert on_dask.timings["backend"] == "dask"
    pd.testing.assert_frame_equal(on_dask.points, serial.points)
    pd.testing.assert_frame_equal(on_dask.trials, serial.trials)
