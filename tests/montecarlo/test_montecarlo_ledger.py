"""The ledger: work units kept atomically, failures appended durably, one job per folder."""

from __future__ import annotations

import json

import numpy as np
import pytest

import sim.montecarlo.ledger as ledger_module
from sim.engine.result import EVENT_DTYPE
from sim.montecarlo.ledger import FAILURES, MANIFEST, Ledger, LedgerMismatch

JOB = {"kind": "test", "seed": 7, "trials": 100}


def test_a_unit_written_is_read_back_with_the_same_bits_and_dtypes(tmp_path):
    ledger = Ledger.open(tmp_path / "job", JOB)
    events = np.zeros(3, dtype=EVENT_DTYPE)
    events["day"] = [0.5, 1.25, 7.0]
    arrays = {
        "index": np.arange(5, 9, dtype=np.int64),
        "series": np.random.default_rng(1).random((2, 4, 10)).astype(np.float32),
        "names": np.asarray(["troops", "capability"], dtype=str),
        "events": events,
    }
    ledger.write("trials-000005-000009", arrays)
    assert ledger.units() == ["trials-000005-000009"]
    assert ledger.has("trials-000005-000009")
    back = ledger.read("trials-000005-000009")
    assert set(back) == set(arrays)
    for name, values in arrays.items():
        assert back[name].dtype == values.dtype
        np.testing.assert_array_equal(back[name], values)
    assert [unit for unit, _ in ledger] == ["trials-000005-000009"]


def test_reopening_with_the_same_job_resumes_and_another_job_is_refused(tmp_path):
    first = Ledger.open(tmp_path / "job", JOB)
    assert not first.resumed
    first.write("u1", {"x": np.arange(3)})
    again = Ledger.open(tmp_path / "job", JOB)
    assert again.resumed
    assert again.units() == ["u1"]
    with pytest.raises(LedgerMismatch, match="differs in seed"):
        Ledger.open(tmp_path / "job", {**JOB, "seed": 8})
    assert Ledger.open(tmp_path / "job", JOB).units() == ["u1"]  # the refusal changed nothing


def test_a_change_of_the_code_that_computes_units_makes_the_ledger_another_job(tmp_path, monkeypatch):
    Ledger.open(tmp_path / "job", JOB)
    monkeypatch.setattr(ledger_module, "code_version", lambda: "edited")
    with pytest.raises(LedgerMismatch, match="code"):
        Ledger.open(tmp_path / "job", JOB)


def test_a_folder_that_is_not_a_ledger_is_left_alone(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(LedgerMismatch, match="not a checkpoint"):
        Ledger.open(tmp_path / "mine", JOB)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / MANIFEST).write_text("{not json")
    with pytest.raises(LedgerMismatch, match="not a readable"):
        Ledger.open(tmp_path / "bad", JOB)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


def test_a_write_that_fails_part_way_leaves_no_unit_and_no_temporary_file(tmp_path, monkeypatch):
    ledger = Ledger.open(tmp_path / "job", JOB)

    def full_disk(handle, **arrays):
        handle.write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ledger_module.np, "savez", full_disk)
    with pytest.raises(OSError, match="No space"):
        ledger.write("u1", {"x": np.arange(3)})
    monkeypatch.undo()
    assert ledger.units() == []
    assert list((tmp_path / "job" / "units").iterdir()) == []


def test_failures_are_appended_as_lines_and_a_line_cut_short_by_a_kill_is_skipped(tmp_path):
    ledger = Ledger.open(tmp_path / "job", JOB)
    ledger.failed(index=3, seed=7, parameters={"isis.strength": np.float64(900.0)}, reason="ValueError: x")
    ledger.failed(index=9, seed=7, parameters={}, reason="its worker process died")
    with open(tmp_path / "job" / FAILURES, "a") as handle:
        handle.write('{"index": 12, "se')  # the process died mid-write
    records = Ledger.open(tmp_path / "job", JOB).failures()
    assert [r["index"] for r in records] == [3, 9]
    assert records[0]["parameters"] == {"isis.strength": 900.0}


def test_unit_ids_must_be_plain_names(tmp_path):
    ledger = Ledger.open(tmp_path / "job", JOB)
    for bad in ("../escape", "", "a/b", ".hidden"):
        with pytest.raises(ValueError, match="unit id"):
            ledger.write(bad, {"x": np.arange(1)})


def test_remove_deletes_the_folder_and_the_manifest_holds_the_fingerprint(tmp_path):
    ledger = Ledger.open(tmp_path / "job", JOB)
    manifest = json.loads((tmp_path / "job" / MANIFEST).read_text())
    assert manifest["job"]["seed"] == 7
    assert {"code", "format"} <= set(manifest["job"])
    ledger.remove()
    assert not (tmp_path / "job").exists()
