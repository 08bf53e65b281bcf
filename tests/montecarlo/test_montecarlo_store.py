"""Results folders: what they hold, the round trip, and atomic writing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from montecarlo_support import small_scenario

import sim.montecarlo.store as store
from sim.montecarlo import Results, compare, load_results, run
from sim.scenario.schema import Scenario


@pytest.fixture(scope="module")
def results():
    return run(small_scenario(), trials=12, jobs=1, progress=False, keep_events=5)


def test_a_results_folder_holds_tables_series_events_and_the_run(results, tmp_path):
    folder = results.save(tmp_path / "run")
    assert folder == tmp_path / "run"
    assert {p.name for p in folder.iterdir()} == {
        "trials.parquet",
        "series.npz",
        "events.parquet",
        "summary.csv",
        "collapse_curve.csv",
        "run.json",
    }
    run_info = json.loads((folder / "run.json").read_text())
    assert (run_info["seed"], run_info["trials"], run_info["interrupted"]) == (11, 12, False)
    assert {"sim", "numpy", "simpy"} <= set(run_info["versions"])
    assert run_info["timings"]["backend"] == "serial"
    assert Scenario.model_validate(run_info["scenario"]) == results.scenario
    summary = pd.read_csv(folder / "summary.csv", index_col="outcome")
    assert summary.loc["militia_attacks", "mean"] == pytest.approx(
        results.summary().loc["militia_attacks", "mean"]
    )


def test_load_results_gives_back_equal_results(results, tmp_path):
    loaded = load_results(results.save(tmp_path / "run"))
    pd.testing.assert_frame_equal(loaded.trials, results.trials)
    for name in results.series_names:
        np.testing.assert_array_equal(loaded.series(name), results.series(name))
        assert loaded.series(name).dtype == np.float32
    pd.testing.assert_frame_equal(loaded.summary(), results.summary())
    pd.testing.assert_frame_equal(loaded.events, results.events)
    pd.testing.assert_frame_equal(loaded.collapse_curve(), results.collapse_curve())
    assert loaded.scenario == results.scenario
    assert (loaded.name, loaded.seed, loaded.n_trials) == (results.name, results.seed, results.n_trials)
    assert loaded.events_kept_for == results.events_kept_for == list(range(5))
    assert loaded.series_names == results.series_names
    assert loaded.timings == results.timings


def test_a_run_without_kept_events_writes_no_events_file_and_loads_an_empty_log(tmp_path):
    results = run(small_scenario(), trials=3, jobs=1, progress=False, keep_events=False)
    folder = results.save(tmp_path / "quiet")
    assert not (folder / "events.parquet").exists()
    loaded = load_results(folder)
    assert loaded.events.empty
    pd.testing.assert_frame_equal(loaded.events, results.events)


def test_shared_series_and_an_empty_interrupted_run_survive_the_round_trip(results, tmp_path):
    loaded = load_results(results.save(tmp_path / "run"))
    assert [loaded.is_constant(n) for n in loaded.series_names] == [
        results.is_constant(n) for n in results.series_names
    ]
    empty = Results(results.scenario, 1, results.trials.iloc[:0], {"troops": np.empty((0, 91), np.float32)})
    back = load_results(empty.save(tmp_path / "empty"))
    assert back.n_trials == 0
    assert back.series("troops").shape == (0, 91)


def test_saving_again_replaces_the_earlier_results(results, tmp_path):
    small = run(small_scenario(), trials=4, jobs=1, progress=False)
    results.save(tmp_path / "run")
    small.save(tmp_path / "run")
    assert load_results(tmp_path / "run").n_trials == 4
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary folder left


def fail_on_summary(monkeypatch, error: BaseException = OSError("disk full")):
    def broken(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)


def test_a_failure_mid_save_leaves_no_folder_and_no_debris(results, tmp_path, monkeypatch):
    fail_on_summary(monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        results.save(tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_mid_save_keeps_the_earlier_complete_folder(results, tmp_path, monkeypatch):
    earlier = run(small_scenario(), trials=4, jobs=1, progress=False)
    earlier.save(tmp_path / "run")
    before = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()}
    fail_on_summary(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        results.save(tmp_path / "run")
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    assert {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()} == before
    assert load_results(tmp_path / "run").n_trials == 4


def test_a_failure_while_swapping_folders_puts_the_old_one_back(results, tmp_path, monkeypatch):
    results.save(tmp_path / "run")
    monkeypatch.setattr(store, "_exchange", lambda a, b: False)  # the two-rename way, as off Linux
    real_rename = store.os.rename
    calls = []

    def rename(source, target):
        calls.append(source)
        if len(calls) == 2:  # the new folder moving into place
            raise OSError("no space")
        real_rename(source, target)

    monkeypatch.setattr(store.os, "rename", rename)
    with pytest.raises(OSError, match="no space"):
        results.save(tmp_path / "run")
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    assert load_results(tmp_path / "run").n_trials == 12


def test_saving_flushes_only_its_own_files_and_the_parent_entry(results, tmp_path, monkeypatch):
    (tmp_path / "neighbour").mkdir()
    (tmp_path / "neighbour" / "big.bin").write_bytes(b"x")
    flushed = []
    real = store._fsync
    monkeypatch.setattr(store, "_fsync", lambda path, flags: (flushed.append(Path(path)), real(path, flags)))
    results.save(tmp_path / "run")
    assert tmp_path / "neighbour" / "big.bin" not in flushed  # a sibling is none of our business
    assert tmp_path in flushed  # the rename into it
    inside = [p for p in flushed if p != tmp_path]
    assert all(p.relative_to(tmp_path).parts[0].startswith(".run.partial-") for p in inside)
    assert {p.name for p in flushed} >= {"trials.parquet", "series.npz", "run.json"}


def test_an_unrelated_folder_is_never_replaced(results, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not a results folder"):
        results.save(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_an_empty_existing_folder_is_used(results, tmp_path):
    (tmp_path / "out").mkdir()
    assert load_results(results.save(tmp_path / "out")).n_trials == 12


def test_load_results_of_a_folder_without_run_json_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a results folder"):
        load_results(tmp_path)


def test_a_comparison_folder_holds_each_run_and_the_tables(tmp_path):
    comparison = compare(
        [small_scenario("early", 20, 30), small_scenario("late / slow", 60, 70)],
        trials=4,
        jobs=1,
        progress=False,
    )
    folder = comparison.save(tmp_path / "cmp")
    names = {p.name for p in folder.iterdir()}
    assert names == {"1-early", "2-late-slow", "summary.csv", "differences.csv", "comparison.json"}
    late = load_results(folder / "2-late-slow")
    pd.testing.assert_frame_equal(late.trials, comparison.results[1].trials)
    differences = pd.read_csv(folder / "differences.csv")
    assert set(differences["scenario"]) == {"late / slow"}
    with pytest.raises(FileNotFoundError, match="comparison folder"):
        load_results(folder)
