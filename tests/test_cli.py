"""The command line: exit statuses, messages, what it writes, and what it prints."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]

TINY = textwrap.dedent(
    """\
    name: {name}
    start: 2024-02-01
    horizon_days: 60
    bases:
      al_asad: {{}}
      erbil: {{region: kurdistan}}
    forces:
      us_asad:
        base: al_asad
        troops: 1500
        schedule:
          - {{at: {exit_day}, troops: 0, ramp_days: 10}}
      nato_erbil: {{contingent: NATO, base: erbil, troops: 500}}
    militia:
      attack_rate_per_day: {{dist: uniform, low: 0.5, high: 3.0}}
    monte_carlo: {{trials: 6, seed: 7}}
    outputs: {{plots: false}}
    """
)


def write(folder: Path, name: str = "tiny", exit_day: int = 20) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(TINY.format(name=name, exit_day=exit_day))
    return path


def run_module(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def test_no_arguments_prints_usage_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err.lower()


def test_help_exits_0(capsys):
    assert main(["run", "--help"]) == 0
    assert "--trials" in capsys.readouterr().out


def test_a_bad_option_value_exits_2(tmp_path, capsys):
    assert main([str(write(tmp_path)), "--trials", "zero"]) == 2
    assert "--trials" in capsys.readouterr().err


def test_a_missing_file_is_one_clear_message_and_exit_2(tmp_path):
    done = run_module("does_not_exist.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "does_not_exist.yaml" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_scenario_names_file_line_and_field_and_exits_2(tmp_path, capsys):
    path = write(tmp_path)
    path.write_text(path.read_text().replace("troops: 1500", "troops: -5"))
    assert main([str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "troops: -5" in text)
    assert f"{path}:{line}:" in err
    assert "forces.us_asad.troops" in err
    assert "-5" in err
    assert not (tmp_path / "results").exists()


def test_validate_reports_every_error_in_every_file(tmp_path, capsys):
    good = write(tmp_path, "good")
    bad = write(tmp_path, "bad")
    bad.write_text(
        bad.read_text().replace("troops: 1500", "troops: -5").replace("horizon_days: 60", "horizon: 60")
    )
    assert main(["validate", str(good), str(bad)]) == 2
    captured = capsys.readouterr()
    assert f"ok: {good}" in captured.out
    assert "forces.us_asad.troops" in captured.err
    assert "horizon" in captured.err
    assert "did you mean" in captured.err
    assert main(["validate", str(good)]) == 0


def test_schema_prints_a_json_schema_of_scenarios(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"name", "bases", "forces", "militia", "monte_carlo"} <= set(schema["properties"])


def test_a_run_writes_its_results_folder_and_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "out"
    assert main([str(write(tmp_path)), "--jobs", "1", "--out", str(out), "--no-plots"]) == 0
    captured = capsys.readouterr()
    assert "tiny: 6 trials, seed 7" in captured.out
    assert "militia_attacks" in captured.out
    assert "95% CI" in captured.out
    assert str(out) in captured.err
    trials = pd.read_parquet(out / "trials.parquet")
    assert len(trials) == 6
    assert json.loads((out / "run.json").read_text())["seed"] == 7


def test_options_override_trials_seed_and_values(tmp_path, capsys):
    out = tmp_path / "out"
    args = [str(write(tmp_path)), "--jobs", "1", "--out", str(out), "--quiet", "--no-plots"]
    assert main([*args, "--trials", "3", "--seed", "11", "--set", "militia.branching_ratio=0.5"]) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 11
    assert len(pd.read_parquet(out / "trials.parquet")) == 3
    assert run["scenario"]["militia"]["branching_ratio"] == 0.5
    assert capsys.readouterr().out == ""  # --quiet: no table


def test_set_with_an_unknown_path_exits_2(tmp_path, capsys):
    assert main([str(write(tmp_path)), "--set", "militia.branchin_ratio=0.5", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--set" in err
    assert "branching_ratio" in err


def test_json_prints_a_machine_readable_summary(tmp_path, capsys):
    out = tmp_path / "out"
    assert main([str(write(tmp_path)), "--jobs", "1", "--out", str(out), "--json", "--no-plots"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["results_folder"] == str(out)
    row = payload["scenarios"]["tiny"]["militia_attacks"]
    assert row["ci_low"] <= row["mean"] <= row["ci_high"]


def test_an_output_folder_holding_other_files_is_refused_before_running(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    assert main([str(write(tmp_path)), "--out", str(mine), "--quiet"]) == 2
    assert "other files" in capsys.readouterr().err
    assert (mine / "notes.txt").read_text() == "keep me"


def test_more_trials_than_the_limit_exit_2(tmp_path, capsys):
    assert main([str(write(tmp_path)), "--trials", "200000"]) == 2
    assert "at most 100,000" in capsys.readouterr().err


def test_a_closed_pipe_is_not_an_error(tmp_path):
    # The schema is larger than a pipe's buffer, so the writer does meet the closed pipe.
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{sys.executable} -m sim schema | head -c 10"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert "Traceback" not in done.stderr
    assert "internal error" not in done.stderr


def test_an_output_path_that_is_a_file_exits_2_before_running(tmp_path, capsys):
    blocker = tmp_path / "taken"
    blocker.write_text("keep me")
    assert main([str(write(tmp_path)), "--out", str(blocker), "--quiet"]) == 2
    assert "--out" in capsys.readouterr().err
    assert blocker.read_text() == "keep me"


def test_several_files_are_compared_against_the_first(tmp_path, capsys):
    early, late = write(tmp_path, "early", 15), write(tmp_path, "late", 40)
    out = tmp_path / "both"
    assert main([str(early), str(late), "--jobs", "1", "--out", str(out), "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert "Paired differences against early" in text
    assert "late" in text
    runs = json.loads((out / "comparison.json").read_text())["runs"]
    assert [r["name"] for r in runs] == ["early", "late"]
    assert pd.read_csv(out / "differences.csv")["scenario"].eq("late").all()


def test_two_files_with_the_same_name_exit_2(tmp_path, capsys):
    one = write(tmp_path, "same")
    other = tmp_path / "other.yaml"
    other.write_text(one.read_text())
    assert main([str(one), str(other), "--quiet"]) == 2
    assert "distinct names" in capsys.readouterr().err


@pytest.mark.slow
def test_plots_are_saved_with_the_results(tmp_path):
    out = tmp_path / "out"
    path = write(tmp_path, "plotted")
    path.write_text(path.read_text().replace("outputs: {plots: false}", "outputs: {plots: true}"))
    assert main([str(path), "--jobs", "1", "--out", str(out), "--quiet", "--format", "svg"]) == 0
    figures = sorted(p.name for p in (out / "plots").iterdir())
    assert "dashboard.svg" in figures
    assert "collapse_risk.svg" in figures


@pytest.mark.slow
def test_ctrl_c_keeps_the_finished_trials_and_exits_130(tmp_path):
    path = write(tmp_path, "long")
    path.write_text(path.read_text().replace("horizon_days: 60", "horizon_days: 3000"))
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", str(path), "--trials", "5000", "--jobs", "1", "--out", str(out)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(6)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    trials = pd.read_parquet(out / "trials.parquet")
    assert 0 < len(trials) < 5000
    assert json.loads((out / "run.json").read_text())["interrupted"] is True


def test_the_summary_table_gives_days_as_dates_and_probabilities_in_percent(tmp_path, capsys):
    text = (
        write(tmp_path)
        .read_text()
        .replace("troops: 500}", "troops: 500, schedule: [{at: 15, troops: 0, ramp_days: 5}]}")
    )
    (tmp_path / "leaving.yaml").write_text(text)
    out = tmp_path / "out"
    assert main([str(tmp_path / "leaving.yaml"), "--jobs", "1", "--out", str(out), "--no-plots"]) == 0
    printed = capsys.readouterr().out
    exit_line = next(line for line in printed.splitlines() if line.startswith("exit date [6 trials]"))
    assert exit_line.split()[4] == "2024-03-02"
    assert exit_line.endswith("date")
    assert "exit_day" not in printed
    assert "tiny: 6 trials, seed 7, 2024-02-01 to 2024-04-01" in printed
    assert re.search(r"^P\(collapse\) +\d+\.\d%", printed, re.MULTILINE)


def test_json_gives_day_outcomes_as_dates_too(tmp_path, capsys):
    out = tmp_path / "out"
    text = (
        write(tmp_path)
        .read_text()
        .replace("troops: 500}", "troops: 500, schedule: [{at: 15, troops: 0, ramp_days: 5}]}")
    )
    (tmp_path / "leaving.yaml").write_text(text)
    assert (
        main([str(tmp_path / "leaving.yaml"), "--jobs", "1", "--out", str(out), "--json", "--no-plots"]) == 0
    )
    row = json.loads(capsys.readouterr().out)["scenarios"]["tiny"]["exit_day"]
    assert (row["median"], row["median_date"]) == (30.0, "2024-03-02")
    assert row["ci_low_date"] == row["ci_high_date"] == "2024-03-02"


def test_new_writes_a_scenario_that_validates_and_never_replaces_a_file(tmp_path, capsys):
    path = tmp_path / "mine.yaml"
    assert main(["new", str(path)]) == 0
    assert main(["validate", str(path)]) == 0
    text = path.read_text()
    assert main(["new", str(path)]) == 2
    assert path.read_text() == text
    assert "exists" in capsys.readouterr().err


def test_show_prints_every_value_with_its_file_line_set_or_default(tmp_path, capsys):
    path = tmp_path / "mine.yaml"
    assert main(["new", str(path)]) == 0
    capsys.readouterr()
    assert main(["show", str(path), "--set", "isis.growth_per_day=0.001"]) == 0
    lines = {line.split(" = ")[0]: line for line in capsys.readouterr().out.splitlines()}
    assert lines["name"].endswith(f"# {path}:6")
    assert lines["isis.growth_per_day"].split("#")[1].strip() == "--set"
    assert lines["collapse.hazard_at_parity_per_day"].endswith("# default")
    start = lines["forces.us_al_asad.schedule.0.at"]  # from the region target: 1 Sep 2025 less 90 days
    assert "2025-06-03" in start
    assert "from region_schedules.federal_iraq.0, " in start


def test_show_names_the_parent_file_a_value_comes_from(tmp_path, capsys):
    (tmp_path / "child.yaml").write_text(
        f"extends: {ROOT / 'scenarios' / 'baseline.yaml'}\nname: child\nmilitia: {{branching_ratio: 0.4}}\n"
    )
    assert main(["show", str(tmp_path / "child.yaml")]) == 0
    lines = {line.split(" = ")[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "child.yaml:3" in lines["militia.branching_ratio"]
    assert "baseline.yaml:" in lines["forces.us_al_asad.troops"]


def test_show_of_a_bad_file_is_one_clear_error(tmp_path, capsys):
    (tmp_path / "bad.yaml").write_text("name: x\nbases: {a: {}}\nforces: {f: {base: b, troops: 1}}\n")
    assert main(["show", str(tmp_path / "bad.yaml")]) == 2
    assert "bad.yaml:3" in capsys.readouterr().err
