"""Results folders checked on reading, and saves that survive kills, neighbours and each other."""

from __future__ import annotations

import hashlib
import io
import json
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from montecarlo_support import FailingTrial, small_scenario

import sim.montecarlo.store as store
from sim.montecarlo import load_results, run
from sim.montecarlo.runner import Execution, run_with


@pytest.fixture(scope="module")
def results():
    return run_with(
        small_scenario(), 12, 11, Execution(1, False, 5, simulate=FailingTrial(4, ValueError("bad draw")))
    )


@pytest.fixture
def folder(results, tmp_path) -> Path:
    return results.save(tmp_path / "run")


def edit_run(folder: Path, **changes) -> None:
    info = json.loads((folder / "run.json").read_text())
    info.update(changes)
    (folder / "run.json").write_text(json.dumps(info))


def reseal(folder: Path, name: str) -> None:
    """Record a file's new checksum, as someone who edits the folder on purpose would."""
    info = json.loads((folder / "run.json").read_text())
    info["files"][name]["sha256"] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "run.json").write_text(json.dumps(info))


def test_failures_are_saved_in_run_json_and_read_back(results, folder):
    info = json.loads((folder / "run.json").read_text())
    assert info["failed"] == 1
    assert info["failures"][0]["index"] == 4
    assert "bad draw" in info["failures"][0]["reason"]
    assert "Traceback" in info["failures"][0]["traceback"]
    assert set(info["files"]) >= {"trials.parquet", "series.npz", "events.parquet", "summary.csv"}
    assert load_results(folder).failures == results.failures


def test_a_file_changed_after_saving_is_refused(folder):
    data = bytearray((folder / "series.npz").read_bytes())
    data[-100] ^= 0xFF
    (folder / "series.npz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="series.npz was changed or damaged"):
        load_results(folder)


def test_a_missing_events_file_is_reported_as_missing(folder):
    (folder / "events.parquet").unlink()
    with pytest.raises(FileNotFoundError, match="events.parquet is missing"):
        load_results(folder)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"seed": -5}, "seed: expected a seed"),
        ({"seed": "11"}, "seed: expected a seed"),
        ({"trials": 12}, "holds 11 trials, run.json says 12"),
        ({"interrupted": "no"}, "interrupted: expected true or false"),
        ({"events_kept_for": []}, "events.parquet should be present"),
        ({"failures": "none"}, "failures: expected records"),
        ({"format": 99}, "expected a results folder of format"),
        ({"scenario": {"name": "x"}}, "the scenario does not validate"),
    ],
)
def test_run_json_that_disagrees_with_the_folder_is_refused(folder, changes, message):
    edit_run(folder, **changes)
    with pytest.raises(ValueError, match=message):
        load_results(folder)


@pytest.mark.parametrize(
    "text", ["{not json", "[1, 2]", "[" * 100_000 + "]" * 100_000, '{"kind": "results", "format": 2}']
)
def test_a_damaged_run_json_raises_value_error(folder, text):
    (folder / "run.json").write_text(text)
    with pytest.raises(ValueError, match=r"run\.json"):
        load_results(folder)


def test_a_truncated_table_even_with_a_matching_checksum_raises_value_error(folder):
    path = folder / "trials.parquet"
    path.write_bytes(path.read_bytes()[:200])
    reseal(folder, "trials.parquet")
    with pytest.raises(ValueError, match="not a readable results folder"):
        load_results(folder)


def test_a_flipped_shared_flag_is_refused_rather_than_giving_wrong_series(folder):
    with np.load(folder / "series.npz") as stored:
        arrays = {name: stored[name] for name in stored.files}
    assert not arrays["shared"].all()
    arrays["shared"] = ~arrays["shared"]
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    (folder / "series.npz").write_bytes(buffer.getvalue())
    reseal(folder, "series.npz")
    with pytest.raises(ValueError, match="expected float32 of shape"):
        load_results(folder)


def test_a_folder_of_the_first_format_without_checksums_still_loads(results, folder):
    info = json.loads((folder / "run.json").read_text())
    del info["files"]
    info["format"] = 1
    (folder / "run.json").write_text(json.dumps(info))
    pd.testing.assert_frame_equal(load_results(folder).trials, results.trials)


# ------------------------------------------------------------------------ saving


def test_an_interrupted_run_never_replaces_a_complete_result(results, tmp_path):
    results.save(tmp_path / "run")
    stopped = run_with(
        small_scenario(), 12, 11, Execution(1, False, 5, simulate=FailingTrial(3, KeyboardInterrupt()))
    )
    assert stopped.interrupted
    with pytest.raises(FileExistsError, match="complete result"):
        stopped.save(tmp_path / "run")
    assert load_results(tmp_path / "run").n_trials == 11
    stopped.save(tmp_path / "run.interrupted")  # beside it is fine
    assert load_results(tmp_path / "run.interrupted").interrupted


def test_debris_of_killed_saves_is_removed_by_the_next_save(results, tmp_path):
    results.save(tmp_path / "run")
    (tmp_path / ".run.partial-dead0001").mkdir()
    (tmp_path / ".run.partial-dead0001" / "trials.parquet").write_bytes(b"x" * 1000)
    (tmp_path / ".other.partial-keep0001").mkdir()  # another folder's: not ours to remove
    results.save(tmp_path / "run")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.partial-keep0001", "run"]


def test_a_kill_between_the_two_renames_is_repaired_by_the_next_save(results, tmp_path):
    results.save(tmp_path / "run")
    (tmp_path / "run").rename(tmp_path / ".run.old-0badc0de")  # killed after the first rename
    assert store.folder_kind(tmp_path / "run") is None
    small = run(small_scenario(), trials=3, jobs=1, progress=False)
    with pytest.raises(FileExistsError, match="complete result"):
        run_with(
            small_scenario(), 3, 1, Execution(1, False, 0, simulate=FailingTrial(1, KeyboardInterrupt()))
        ).save(tmp_path / "run")  # the repaired folder is there again, complete, and so protected
    small.save(tmp_path / "run")
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    assert load_results(tmp_path / "run").n_trials == 3


@pytest.mark.skipif(sys.platform != "linux", reason="renameat2 is Linux's")
def test_replacing_a_folder_is_one_step_on_linux(results, tmp_path, monkeypatch):
    results.save(tmp_path / "run")
    small = run(small_scenario(), trials=3, jobs=1, progress=False)

    def no_rename(source, target):
        raise AssertionError("replaced by renames, not by one exchange")

    monkeypatch.setattr(store.os, "rename", no_rename)
    small.save(tmp_path / "run")
    monkeypatch.undo()
    assert load_results(tmp_path / "run").n_trials == 3
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_saves_to_one_folder_at_the_same_time_follow_each_other(results, tmp_path):
    small = run(small_scenario(), trials=3, jobs=1, progress=False)
    errors: list[BaseException] = []

    def save(what):
        try:
            what.save(tmp_path / "run")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=save, args=(r,)) for r in (results, small, results, small)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    assert load_results(tmp_path / "run").n_trials in (3, 11)


def test_packed_series_come_back_bit_for_bit_whatever_the_values():
    rng = np.random.default_rng(5)
    values = rng.normal(size=(7, 300)).astype(np.float32)
    values[0] = 0.0
    values[1, ::3] = np.nan
    values[2, :5] = [np.inf, -np.inf, -0.0, np.float32(1e-45), np.finfo(np.float32).max]
    values[3] = np.cumsum(rng.poisson(0.2, 300)).astype(np.float32)  # a count that rarely moves
    packed = store.encode_series(values)
    back = store.decode_series(packed, values.shape)
    np.testing.assert_array_equal(back.view(np.uint32), values.view(np.uint32))
    assert packed.dtype == np.uint8
    assert packed.nbytes < values.nbytes


def test_packed_series_of_the_wrong_shape_are_refused():
    packed = store.encode_series(np.ones((3, 10), dtype=np.float32))
    with pytest.raises(ValueError, match="expected 160 bytes, found 120"):
        store.decode_series(packed, (4, 10))


def test_a_folder_of_the_second_format_with_raw_series_still_loads(results, folder):
    with np.load(folder / "series.npz") as stored:
        arrays = {name: stored[name] for name in stored.files if name != "codec"}
    for k, name in enumerate(results.series_names):
        values = results.series(name)
        arrays[f"s{k}"] = np.ascontiguousarray(values[:1] if arrays["shared"][k] else values)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    (folder / "series.npz").write_bytes(buffer.getvalue())
    reseal(folder, "series.npz")
    edit_run(folder, format=2)
    loaded = load_results(folder)
    for name in results.series_names:
        np.testing.assert_array_equal(loaded.series(name), results.series(name))
