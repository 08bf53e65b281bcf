"""The command line under faults: interruptions keep and resume work, user and environment
errors exit 2 with one line before anything runs, a failure after the trials loses none."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from test_cli import TINY, run_module, write

import sim.montecarlo.preflight as preflight
import sim.montecarlo.runner as runner
import sim.montecarlo.store as store
from sim.cli import main
from sim.engine import simulate_trial
from sim.montecarlo import load_results, run
from sim.montecarlo.runner import Execution, run_with
from sim.scenario.loader import load_scenario


def long_scenario(folder: Path, name: str = "long") -> Path:
    path = write(folder, name)
    path.write_text(path.read_text().replace("horizon_days: 60", "horizon_days: 3000"))
    return path


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# ------------------------------------------------------------- interruptions


def start(path: Path, out: Path, trials: int = 600) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", str(path), "--trials", str(trials), "--jobs", "2", "--out", str(out)],
        cwd=path.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_units(checkpoint: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list((checkpoint / "units").glob("*.npz"))) >= 2:
            return
        time.sleep(0.2)
    raise AssertionError("the run kept no chunk in its checkpoint")


@pytest.mark.slow
def test_ctrl_c_never_replaces_a_complete_result_and_the_same_command_resumes(tmp_path):
    path, out = long_scenario(tmp_path), tmp_path / "out"
    assert main([str(path), "--trials", "20", "--jobs", "1", "--out", str(out), "--quiet"]) == 0
    complete = pd.read_parquet(out / "trials.parquet")
    process = start(path, out)
    wait_for_units(tmp_path / "out.checkpoint")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "out.interrupted" in err
    assert "out.checkpoint" in err
    assert "Traceback" not in err
    pd.testing.assert_frame_equal(pd.read_parquet(out / "trials.parquet"), complete)  # untouched
    kept = load_results(tmp_path / "out.interrupted")
    assert kept.interrupted
    assert 0 < kept.n_trials < 600

    done = run_module(str(path), "--trials", "600", "--jobs", "2", "--out", str(out), "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    resumed = load_results(out)
    assert resumed.timings["resumed_trials"] >= kept.n_trials
    assert not (tmp_path / "out.checkpoint").exists()
    straight = run(load_scenario(path), trials=600, jobs=2, progress=False)
    pd.testing.assert_frame_equal(resumed.trials, straight.trials)


@pytest.mark.slow
def test_sigterm_saves_the_finished_trials_and_exits_143(tmp_path):
    path, out = long_scenario(tmp_path), tmp_path / "out"
    process = start(path, out)
    wait_for_units(tmp_path / "out.checkpoint")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 143, err
    assert "terminated" in err
    assert "Traceback" not in err
    saved = json.loads((out / "run.json").read_text())  # no complete result was there: saved in place
    assert saved["interrupted"] is True
    assert saved["trials"] > 0


# ----------------------------------------------------------- late failures


def test_a_save_that_fails_after_the_trials_keeps_them_and_the_next_run_saves_without_running(
    tmp_path, capsys, monkeypatch
):
    path, out = write(tmp_path), tmp_path / "out"

    def full_disk(results, folder):
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "series.npz"))

    monkeypatch.setattr(store, "write_series", full_disk)
    assert main([str(path), "--jobs", "1", "--out", str(out), "--quiet"]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "No space left on device" in line
    assert "out.checkpoint" in line
    assert not out.exists()
    assert (tmp_path / "out.checkpoint").is_dir()
    monkeypatch.undo()
    assert main([str(path), "--jobs", "1", "--out", str(out), "--quiet"]) == 0
    saved = load_results(out)
    assert saved.timings["resumed_trials"] == saved.n_trials == 6  # read back, not run again
    assert not (tmp_path / "out.checkpoint").exists()


@pytest.mark.parametrize("start_date", ["2262-06-01", "1600-06-01", "9999-06-01"])
def test_dates_outside_the_calendar_exit_2_naming_the_line_before_any_trial(tmp_path, capsys, start_date):
    path = write(tmp_path)
    path.write_text(path.read_text().replace("start: 2024-02-01", f"start: {start_date}"))
    assert main([str(path), "--jobs", "1", "--out", str(tmp_path / "out")]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert f"{path}:2:8: start: expected the run's 60 days to fall between" in line
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "out.checkpoint").exists()


# ----------------------------------------------- user and environment errors


def test_a_results_folder_and_a_comparison_folder_are_not_taken_for_each_other(tmp_path, capsys):
    early, late = write(tmp_path, "early", 15), write(tmp_path, "late", 40)
    single, both = tmp_path / "single", tmp_path / "both"
    assert main([str(early), "--jobs", "1", "--out", str(single), "--quiet"]) == 0
    assert main([str(early), str(late), "--jobs", "1", "--out", str(both), "--quiet"]) == 0
    capsys.readouterr()
    assert main([str(early), "--jobs", "1", "--out", str(both), "--quiet"]) == 2
    assert "holds a comparison folder" in one_line_error(capsys.readouterr().err)
    assert main([str(early), str(late), "--jobs", "1", "--out", str(single), "--quiet"]) == 2
    assert "holds a results folder" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--jobs", "5000"], "jobs: expected at most"),
        (["--scheduler", "tcp://127.0.0.1:9"], "--scheduler: expected it with --backend dask"),
        (["--max-failures", "-1"], "--max-failures"),
    ],
)
def test_bad_resources_exit_2_with_one_line(tmp_path, capsys, options, message):
    assert main([str(write(tmp_path)), "--out", str(tmp_path / "out"), "--quiet", *options]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_run_too_large_for_memory_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(preflight, "physical_memory", lambda: 1 << 10)
    assert main([str(write(tmp_path)), "--jobs", "1", "--out", str(tmp_path / "out")]) == 2
    assert "fewer trials" in one_line_error(capsys.readouterr().err)


@pytest.mark.slow
def test_an_unreachable_scheduler_exits_2(tmp_path):
    pytest.importorskip("distributed")
    done = run_module(
        str(write(tmp_path)), "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9", "--quiet", cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in one_line_error(done.stderr)


def test_names_are_printed_without_terminal_escapes_and_never_name_a_parent_folder(
    tmp_path, capsys, monkeypatch
):
    path = tmp_path / "odd.yaml"
    path.write_text(TINY.format(name='"\\e[31m.."', exit_day=20))
    monkeypatch.chdir(tmp_path)
    assert main([str(path), "--jobs", "1", "--no-plots"]) == 0
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err
    assert "\\x1b[31m..: 6 trials" in captured.out
    assert (tmp_path / "results" / "31m").is_dir()  # the folder name keeps only plain characters


def test_extends_refuses_a_file_that_is_not_a_yaml_scenario_without_printing_it(tmp_path, capsys):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\nadmin:secret-hash:1:1\n")
    path = write(tmp_path)
    path.write_text(f"extends: {secret}\n" + path.read_text())
    link = tmp_path / "innocent.yaml"
    link.symlink_to(secret)
    other = write(tmp_path, "other")
    other.write_text(f"extends: {link}\n" + other.read_text())
    for scenario in (path, other):
        assert main(["validate", str(scenario)]) == 2
        err = capsys.readouterr().err
        assert "expected a YAML scenario file (.yaml or .yml) to extend" in err
        assert "root:x" not in err
        assert "secret-hash" not in err


# ------------------------------------------------------------ failed trials


class FailOn:
    """The engine's trial, except that trial ``index`` raises."""

    def __init__(self, index: int):
        self.index = index

    def __call__(self, scenario, seed):
        if seed.spawn_key == (self.index,):
            raise ValueError("bad luck")
        return simulate_trial(scenario, seed)


def test_one_command_re_runs_a_failed_trial_alone(tmp_path, capsys):
    scenario = load_scenario(write(tmp_path))
    results = run_with(scenario, 6, 5, Execution(1, False, simulate=FailOn(4)))
    folder = results.save(tmp_path / "run")
    assert [f["index"] for f in load_results(folder).failures] == [4]
    assert main(["trial", str(folder), "4"]) == 0
    out = capsys.readouterr().out
    attacks = run(scenario, trials=6, seed=5, jobs=1, progress=False).trials.loc[4, "militia_attacks"]
    assert "trial 4 of tiny (seed 5)" in out
    assert f"militia_attacks = {attacks:.6g}" in out
    assert main(["trial", str(folder), "6"]) == 2
    assert "INDEX: expected a trial from 0 to 5" in capsys.readouterr().err


def test_failures_within_the_limit_are_reported_and_saved_and_beyond_it_exit_1(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runner, "simulate_trial", FailOn(2))
    out = tmp_path / "out"
    assert main([str(write(tmp_path)), "--jobs", "1", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "5 trials (1 failed, left out)" in captured.out
    assert "1 trial(s) failed" in captured.err
    assert f"python -m sim trial {out} 2" in captured.err
    assert json.loads((out / "run.json").read_text())["failed"] == 1
    assert (
        main([str(write(tmp_path)), "--jobs", "1", "--out", str(out), "--max-failures", "0", "--fresh"]) == 1
    )
    err = capsys.readouterr().err
    assert "1 trials failed, more than the 0 tolerated" in err
    assert "Traceback" not in err
    assert load_results(out.with_name("out.interrupted")).n_trials < 6  # the complete result stays
    assert load_results(out).n_trials == 5


def test_no_checkpoint_keeps_nothing_on_disk_but_the_results(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a checkpoint was opened")

    monkeypatch.setattr(runner.Ledger, "open", refuse)
    out = tmp_path / "out"
    assert main([str(write(tmp_path)), "--jobs", "1", "--out", str(out), "--quiet", "--no-checkpoint"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "tiny.yaml"]
    assert load_results(out).n_trials == 6


@pytest.mark.slow
def test_ctrl_c_on_a_local_dask_cluster_prints_no_worker_tracebacks(tmp_path):
    pytest.importorskip("distributed")
    path, out = long_scenario(tmp_path), tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", str(path), "--trials", "3000", "--backend", "dask", "--jobs", "2"]
        + ["--out", str(out), "--quiet"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    wait_for_units(tmp_path / "out.checkpoint")
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the command and every worker
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err
    assert load_results(out).interrupted


def test_a_comparison_stopped_by_failures_saves_the_runs_so_far_and_exits_1(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runner, "simulate_trial", FailOn(2))
    early, late = write(tmp_path, "early", 15), write(tmp_path, "late", 40)
    out = tmp_path / "both"
    assert (
        main([str(early), str(late), "--jobs", "1", "--out", str(out), "--quiet", "--max-failures", "0"]) == 1
    )
    assert "more than the 0 tolerated" in capsys.readouterr().err
    info = json.loads((out / "comparison.json").read_text())
    assert info["interrupted"] is True
    assert [r["name"] for r in info["runs"]] == ["early"]


def test_the_checkpoint_of_another_run_exits_2_and_fresh_discards_it(tmp_path, capsys, monkeypatch):
    path, out = write(tmp_path), tmp_path / "out"
    monkeypatch.setattr(store, "write_series", lambda results, folder: (_ for _ in ()).throw(OSError("full")))
    assert main([str(path), "--jobs", "1", "--out", str(out), "--quiet"]) == 2  # leaves a checkpoint
    monkeypatch.undo()
    capsys.readouterr()
    assert main([str(path), "--jobs", "1", "--out", str(out), "--quiet", "--seed", "8"]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "holds the checkpoint of another job" in line
    assert "seed" in line
    assert "--fresh" in line
    assert main([str(path), "--jobs", "1", "--out", str(out), "--quiet", "--seed", "8", "--fresh"]) == 0
    assert load_results(out).seed == 8
    assert "resumed_trials" not in load_results(out).timings
