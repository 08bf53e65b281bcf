"""A run that ends too soon after the exit says so (Results and the command line)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from montecarlo_support import small_scenario

from sim.montecarlo import run

ROOT = Path(__file__).resolve().parents[2]


def leaving(**changes):
    """The small scenario with its NATO element bilateral, so the coalition exits on day 30-60."""
    scenario = small_scenario(**changes)
    forces = scenario.model_dump(mode="json", by_alias=True)["forces"]
    forces["nato_erbil"]["bilateral"] = True
    return small_scenario(forces=forces, **changes)


def test_results_warn_when_the_run_ends_less_than_24_months_after_the_exit():
    short = run(leaving(), trials=6, jobs=1, progress=False)  # 90 days
    exits = int(short.trials["exit_day"].notna().sum())
    assert exits > 0
    assert len(short.warnings) == 1
    assert f"less than 24 months after the exit in {exits} of {exits} trials" in short.warnings[0]
    assert "Warning:" in short._repr_html_()
    long = run(leaving(horizon_days=1000), trials=6, jobs=1, progress=False)
    assert long.trials["exit_day"].notna().any()
    assert long.warnings == []


def test_no_exit_gives_no_warning():
    forces = {"nato_erbil": {"contingent": "NATO", "base": "erbil", "troops": 500}}
    never = run(small_scenario(forces=forces, rules=[]), trials=4, jobs=1, progress=False)
    assert never.warnings == []


@pytest.mark.slow
def test_the_command_line_prints_the_warning_and_no_interval_for_a_constant(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "scenarios/fast_exit.yaml",
            "--trials",
            "8",
            "--jobs",
            "1",
            "--no-plots",
            "--no-checkpoint",
            "--out",
            str(tmp_path / "out"),
            "--set",
            "end=2025-06-01",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "warning: fast_exit: the run ends less than 24 months after the exit" in done.stderr
    exit_row = next(line for line in done.stdout.splitlines() if line.startswith("exit date"))
    assert " to " not in exit_row  # every trial leaves on the same day: one value, no interval
    assert "2024-07-29" in exit_row  # as a date
