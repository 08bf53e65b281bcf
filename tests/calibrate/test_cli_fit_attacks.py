"""``python -m sim fit-attacks``: the table, the fragment, and one clear error for each bad input."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hawkes_data import attack_times

from sim import cli
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "examples" / "militia_attacks_2023.csv"


def engine_csv(path: Path, days: int = 200, seed: int = 7) -> Path:
    """An engine trial's attacks as an export would give them: one row per attack, its date."""
    start = dt.date(2024, 1, 1)
    rows = [
        f"{i},{start + dt.timedelta(days=int(t))},{'Iraq' if i % 2 else 'Syria'}"
        for i, t in enumerate(attack_times(1.75, 0.5, 3.0, days, seed))
    ]
    path.write_text("event_id,event_date,country\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def run(argv, capsys):
    status = cli.main(["fit-attacks", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def test_prints_the_table_and_writes_a_fragment_a_scenario_can_extend(tmp_path, capsys):
    events = engine_csv(tmp_path / "events.csv")
    out_file = tmp_path / "fitted.yaml"
    status, out, err = run([events, "--out", out_file], capsys)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"{events}, ")
    assert "on 200 days, 2024-01-01 to 2024-07-18" in lines[0]
    assert "95% interval (profile likelihood)" in lines[1]
    for label in ("long-run rate", "background", "branching ratio", "decay"):
        assert any(line.startswith(label) for line in lines), label
    assert lines[-1] == f"wrote {out_file}"
    fitted = yaml.safe_load(out_file.read_text())["militia"]
    assert set(fitted) == {"attack_rate_per_day", "branching_ratio", "decay_days"}
    assert 1.0 < fitted["attack_rate_per_day"] < 3.0
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        "format: 2\nname: fitted\nextends: fitted.yaml\nbases: {a: {region: federal_iraq}}\n"
        "forces: {f: {base: a, troops: 1000}}\n"
    )
    assert load_scenario(scenario).militia.branching_ratio == fitted["branching_ratio"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_extends_makes_the_fragment_a_complete_scenario(tmp_path, capsys):
    events = engine_csv(tmp_path / "events.csv")
    out_file = tmp_path / "out" / "fitted.yaml"
    out_file.parent.mkdir()
    status, _, err = run(
        [events, "--out", out_file, "--extends", ROOT / "scenarios" / "baseline.yaml"], capsys
    )
    assert status == 0, err
    scenario = load_scenario(out_file)
    assert scenario.militia.decay_days == yaml.safe_load(out_file.read_text())["militia"]["decay_days"]
    assert scenario.name == load_scenario(ROOT / "scenarios" / "baseline.yaml").name


def test_without_out_the_fragment_is_printed_after_the_table(tmp_path, capsys):
    status, out, _ = run([engine_csv(tmp_path / "e.csv"), "--place", "Iraq", "--start", "2023-12-01"], capsys)
    assert status == 0
    assert "with country = 'Iraq' on 231 days, 2023-12-01 to 2024-07-18" in out.splitlines()[0]
    assert yaml.safe_load(out.split("\n\n", 1)[1])["militia"]["branching_ratio"] >= 0


def test_the_public_record_example_fits(capsys):
    status, out, err = run([EXAMPLE], capsys)
    assert status == 0, err
    assert out.startswith(f"{EXAMPLE}, 102 events on 66 days, 2023-10-17 to 2023-12-21")


@pytest.mark.slow
def test_the_command_runs_as_a_module_without_a_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sim", "fit-attacks", str(tmp_path / "absent.csv")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == f"error: {tmp_path / 'absent.csv'}: no such file\n"


def bad_date_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text("date\n2024-01-01\n2024-01-02\nthe 3rd\n")
    return path


def few_events_file(tmp_path: Path) -> Path:
    path = tmp_path / "few.csv"
    path.write_text("date\n" + "".join(f"2024-01-{d:02d}\n" for d in range(1, 11)))
    return path


@pytest.mark.parametrize(
    ("make", "options", "message"),
    [
        (lambda p: p / "absent.csv", [], "absent.csv: no such file"),
        (lambda p: p, [], ": a folder, not a CSV file"),
        (
            engine_csv,
            ["--date-column", "when"],
            "no column 'when'; the columns are 'event_id', 'event_date', 'country'",
        ),
        (engine_csv, ["--place", "Iraq", "--place-column", "region"], "no column 'region'"),
        (
            bad_date_file,
            [],
            "bad.csv:4: column 'date': expected a date such as 2023-10-17 or 17 October 2023, found 'the 3rd'",
        ),
        (few_events_file, [], "10 events between 2024-01-01 and 2024-01-10; at least 20 are needed"),
        (engine_csv, ["--place", "Jordan"], "events.csv: no events with country = 'Jordan'"),
        (
            engine_csv,
            ["--start", "2024-03-01", "--end", "2024-02-01"],
            "the window ends (2024-02-01) before it starts",
        ),
        (
            engine_csv,
            ["--out", "fitted.txt"],
            "--out fitted.txt: expected a file name ending in .yaml or .yml",
        ),
        (engine_csv, ["--extends", "baseline.yaml"], "--extends needs --out"),
    ],
    ids=[
        "missing file",
        "a folder",
        "no such date column",
        "no such place column",
        "unparseable date",
        "too few events",
        "no events of the place",
        "window ends before it starts",
        "out not yaml",
        "extends without out",
    ],
)
def test_bad_input_gives_one_error_line_and_status_2(tmp_path, capsys, make, options, message):
    source = make(tmp_path) if make is not engine_csv else engine_csv(tmp_path / "events.csv")
    status, _, err = run([source, *options], capsys)
    assert status == 2
    assert err.count("\n") == 1, err
    assert err.startswith("error: "), err
    assert message in err, err
    assert "Traceback" not in err


def test_an_unparseable_window_date_is_refused_by_the_parser(tmp_path, capsys):
    status, _, err = run([engine_csv(tmp_path / "e.csv"), "--end", "soon"], capsys)
    assert status == 2
    assert "expected a date such as 2023-10-17, found 'soon'" in err


def test_a_bad_scenario_to_extend_writes_nothing(tmp_path, capsys):
    parent = tmp_path / "parent.yaml"
    parent.write_text("format: 2\nname: broken\nbases: {}\nforces: {}\n")
    out_file = tmp_path / "fitted.yaml"
    status, _, err = run([engine_csv(tmp_path / "e.csv"), "--out", out_file, "--extends", parent], capsys)
    assert status == 2
    assert err.startswith("error: ")
    assert "bases" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.csv", "parent.yaml"]


def test_a_fit_outside_the_schema_is_refused_after_the_table(tmp_path, capsys):
    # Attacks that only speed up over the window: the fit takes them for a process near explosion.
    days = np.concatenate([np.full(k, k) for k in range(1, 12)])
    path = tmp_path / "growing.csv"
    start = dt.date(2024, 1, 1)
    path.write_text("date\n" + "".join(f"{start + dt.timedelta(days=int(d))}\n" for d in days))
    status, out, err = run([path], capsys)
    assert status == 2
    assert "branching ratio" in out  # the table was printed
    assert "error: the fit is outside what a scenario can hold" in err
