"""The verdict rules of the back tests, on made-up distributions (fast)."""

from __future__ import annotations

import numpy as np

from sim.calibrate.checks import CHECKS, RUNS, Check, evaluate


def _check(record: float, **kw) -> Check:
    return Check("x", "replay_2023", ("x",), "x", record, lambda results: np.zeros(1), **kw)


def test_record_inside_the_central_interval_passes_and_outside_fails():
    values = np.arange(101.0)  # percentiles 5 and 95 are 5 and 95
    assert evaluate(_check(50), values).passed
    assert evaluate(_check(5), values).passed
    assert not evaluate(_check(4), values).passed
    assert not evaluate(_check(96), values).passed


def test_a_zero_record_passes_when_the_model_often_gives_zero():
    values = np.array([0.0] * 30 + [1.0] * 70)
    verdict = evaluate(_check(0), values)
    assert verdict.passed
    assert verdict.rank == 15.0  # mid-rank of the tie: half of the 30% at zero


def test_probability_rule_compares_the_share_of_trials_with_the_tolerance():
    check = _check(0, rule="probability_at_most", tolerance=0.1)
    assert evaluate(check, np.array([1.0] * 10 + [0.0] * 90)).passed
    assert not evaluate(check, np.array([1.0] * 11 + [0.0] * 89)).passed


def test_every_check_names_known_facts_and_a_run():
    import yaml

    from sim.calibrate.checks import ROOT

    ids = {row["id"] for row in yaml.safe_load((ROOT / "data" / "calibration_facts.yaml").read_text())}
    for check in CHECKS:
        assert check.scenario in RUNS, check.name
        assert set(check.facts) <= ids, (check.name, set(check.facts) - ids)
        assert (ROOT / "scenarios" / f"{check.scenario}.yaml").exists()


def test_median_month_is_the_median_of_a_trials_calendar_months():
    import datetime as dt
    from types import SimpleNamespace

    from sim.calibrate.checks import median_month

    # Column d holds the cumulative count once day start + d - 1 has ended. Trial 0 adds
    # 1 a day, so its months are their lengths (Jan 31, Feb 28, Mar 31: median 31);
    # trial 1 adds 10 on 15 Feb only (months 0, 10, 0: median 0).
    start = dt.date(2014, 1, 1)
    days = 120
    daily = np.zeros((2, days + 1))
    daily[0, 1:] = 1.0
    daily[1, (dt.date(2014, 2, 15) - start).days + 1] = 10.0
    results = SimpleNamespace(
        scenario=SimpleNamespace(start=start, days=days),
        series=lambda name: np.cumsum(daily, axis=1),
    )
    measure = median_month("isf_deaths", "2014-01-01", "2014-03-31")
    assert list(measure(results)) == [31.0, 0.0]
    # Only the February: the whole month, whatever day of it the dates name.
    assert list(median_month("isf_deaths", "2014-02-10", "2014-02-20")(results)) == [28.0, 10.0]
