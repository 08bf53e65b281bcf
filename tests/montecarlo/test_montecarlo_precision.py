"""--precision: trials added in batches until the intervals are narrow enough, same bits as one run."""

from __future__ import annotations

import pandas as pd
import pytest
from montecarlo_support import small_scenario

from sim.cli import main
from sim.montecarlo import compare, run


def test_a_precise_run_stops_when_the_interval_is_narrow_enough_and_says_how_many_trials():
    results = run(
        small_scenario(), trials=16, jobs=1, progress=False, precision=0.12, precision_outcomes=["collapse"]
    )
    precise = results.timings["precision"]
    assert precise["reached"]
    assert precise["half_widths"]["collapse"] <= 0.12
    assert results.n_trials == precise["trials_needed"] in (16, 32, 64, 128, 256)
    # the batch before was not precise enough (else the run would have stopped there)
    fewer = run(small_scenario(), trials=results.n_trials // 2, jobs=1, progress=False)
    half = fewer.summary().loc["collapse"]
    assert (half["ci_high"] - half["ci_low"]) / 2 > 0.12


def test_a_precise_run_has_the_same_trials_as_one_run_of_its_length():
    results = run(
        small_scenario(), trials=16, jobs=1, progress=False, precision=0.15, precision_outcomes=["collapse"]
    )
    alone = run(small_scenario(), trials=results.n_trials, jobs=1, progress=False)
    pd.testing.assert_frame_equal(results.trials, alone.trials)
    assert (results.series("troops") == alone.series("troops")).all()


def test_a_precise_run_stops_at_the_cap_and_says_it_did_not_reach_the_target():
    results = run(
        small_scenario(),
        trials=8,
        jobs=1,
        progress=False,
        precision=0.001,
        precision_outcomes=["collapse"],
        max_trials=32,
    )
    assert results.n_trials == 32
    assert not results.timings["precision"]["reached"]


def test_a_precise_comparison_keeps_its_scenarios_paired():
    comparison = compare(
        [small_scenario("a"), small_scenario("b", exit_low=60.0, exit_high=80.0)],
        trials=16,
        jobs=1,
        progress=False,
        precision=0.12,
        precision_outcomes=["collapse"],
    )
    first, second = comparison.results
    assert list(first.trials.index) == list(second.trials.index)
    assert comparison.differences().set_index("outcome").loc["collapse", "n"] == first.n_trials


def test_precision_on_the_command_line_reports_the_trials_needed(tmp_path, capsys):
    import yaml

    path = tmp_path / "small.yaml"
    path.write_text(
        yaml.safe_dump(small_scenario().model_dump(mode="json", by_alias=True, exclude_defaults=True))
    )
    status = main(
        [str(path), "--trials", "16", "--precision", "0.12", "--precision-outcome", "collapse", "--jobs", "1"]
        + ["--out", str(tmp_path / "out"), "--no-plots", "--quiet"]
    )
    assert status == 0
    assert "precision 0.12 reached with" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_precision_that_is_not_positive_is_refused(tmp_path, capsys, value):
    status = main(["scenarios/fast_exit.yaml", "--precision", value, "--out", str(tmp_path / "o")])
    assert status == 2
    assert "--precision" in capsys.readouterr().err
