"""The explore and search commands: one call, a table with intervals, files, clear errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from explore_support import exit_scenario

from sim.cli import main


@pytest.fixture
def scenario_file(tmp_path):
    data = exit_scenario().model_dump(mode="json", by_alias=True, exclude_defaults=True)
    path = tmp_path / "exit.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_explore_runs_a_date_sweep_in_one_command_and_saves_it(scenario_file, tmp_path, capsys):
    out = tmp_path / "sweep"
    status = main(
        [
            "explore",
            str(scenario_file),
            "--vary",
            "forces.us_asad.schedule.0.at=2024-01-15..2024-03-15/1m",
            "--trials",
            "6",
            "--jobs",
            "1",
            "--out",
            str(out),
            "--outcome",
            "collapse",
            "--outcome",
            "killed",
        ]
    )
    printed = capsys.readouterr()
    assert status == 0, printed.err
    assert "2024-02-15" in printed.out
    assert "collapse (95% CI)" in printed.out
    assert "%" in printed.out
    points = pd.read_csv(out / "points.csv")
    assert len(points) == 3
    assert {"collapse:low", "collapse:high", "killed:n"} <= set(points.columns)
    assert sorted(p.name for p in (out / "plots").iterdir()) == ["grid-collapse.png", "grid-killed.png"]
    assert not (tmp_path / "sweep.checkpoint").exists()  # removed once the experiment is saved


def test_explore_prints_json_on_request(scenario_file, tmp_path, capsys):
    args = ["explore", str(scenario_file), "--vary", "residual_scale=0,1", "--trials", "4", "--jobs", "1"]
    status = main([*args, "--out", str(tmp_path / "s"), "--json", "--no-plots"])
    assert status == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["residual_scale"] for r in records] == [0.0, 1.0]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--vary", "militia.brnching=0..1"], "did you mean 'branching_ratio'"),
        (["--vary", "militia.branching_ratio=0..0.5", "--design", "sobol", "--points", "6"], "power of 2"),
        (["--vary", "militia.branching_ratio=0..0.5", "--outcome", "nothing"], "unknown outcome"),
        (
            ["--vary", "exit_shift_months=-2..0"],
            "--vary: forces.us_erbil.schedule.1.at: expected a value >= 0",
        ),
    ],
)
def test_explore_refuses_bad_input_with_one_clear_message_and_status_2(
    scenario_file, tmp_path, capsys, arguments, message
):
    status = main(["explore", str(scenario_file), "--out", str(tmp_path / "x"), "--trials", "2", *arguments])
    error = capsys.readouterr().err
    assert status == 2
    assert message in error
    assert "Traceback" not in error


def test_search_prints_its_probes_and_answer(scenario_file, capsys):
    status = main(
        [
            "search",
            str(scenario_file),
            "--lever",
            "forces.us_asad.schedule.0.ramp_days=0..40/20",
            "--goal",
            "collapse <= 1",
            "--trials",
            "4",
            "--jobs",
            "1",
        ]
    )
    printed = capsys.readouterr().out
    assert status == 0
    assert "first value meeting collapse <= 100% with 95% confidence" in printed


def test_search_refuses_a_malformed_goal(scenario_file, capsys):
    status = main(["search", str(scenario_file), "--lever", "residual_scale=0..1", "--goal", "collapse == 1"])
    assert status == 2
    assert "expected OUTCOME OP VALUE" in capsys.readouterr().err
