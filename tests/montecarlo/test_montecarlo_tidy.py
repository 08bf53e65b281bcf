"""Results as tidy tables and labelled arrays; comparisons read back and tabulated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from montecarlo_support import small_scenario

from sim.engine.outcomes import MONTH_DAYS
from sim.montecarlo import compare, load_comparison, load_results, run
from sim.montecarlo.tidy import identifier


def leaving(name: str, low: float, high: float, horizon_days: int = 90):
    """The small scenario with both elements leaving, so that every trial has an exit."""
    scenario = small_scenario(name, exit_low=low, exit_high=high, horizon_days=horizon_days)
    forces = scenario.model_dump(mode="json", by_alias=True)["forces"]
    forces["nato_erbil"]["schedule"] = [{"at": 10, "troops": 0, "ramp_days": 5}]
    return small_scenario(name, exit_low=low, exit_high=high, horizon_days=horizon_days, forces=forces)


@pytest.fixture(scope="module")
def results():
    return run(small_scenario(), trials=30, jobs=1, progress=False)


@pytest.fixture(scope="module")
def comparison():
    early = leaving("early", 20, 30)
    late = leaving("late", 50, 60)
    return compare([early, late], trials=30, jobs=1, progress=False)


def test_identifier_names_work_in_query_and_are_unique(results):
    names = [identifier(c) for c in results.trials.columns]
    assert all(n.isidentifier() for n in names)
    assert len(set(names)) == len(names)
    assert identifier("param:militia.attack_rate_per_day") == "militia__attack_rate_per_day"
    frame = results.params.join(results.outcomes)
    assert (
        len(frame.query("militia__attack_rate_per_day > 1.5 and collapse == False"))
        == (
            (results.trials["param:militia.attack_rate_per_day"] > 1.5) & (results.trials["collapse"] == 0)
        ).sum()
    )


def test_params_and_outcomes_are_apart_and_keep_the_values(results):
    params, outcomes = results.params, results.outcomes
    assert set(params.attrs["paths"].values()) == {
        c.removeprefix("param:") for c in results.trials.columns if c.startswith("param:")
    }
    for column, path in params.attrs["paths"].items():
        np.testing.assert_array_equal(params[column], results.trials[f"param:{path}"])
    assert not any(c.startswith("param") for c in outcomes.columns)
    assert outcomes.index.equals(results.trials.index)
    np.testing.assert_array_equal(outcomes["militia_attacks"], results.trials["militia_attacks"])


def test_outcomes_have_the_dtype_their_kind_calls_for(results):
    outcomes = results.outcomes
    assert outcomes["collapse"].dtype == bool
    assert outcomes["militia_attacks"].dtype == np.int64
    assert outcomes["attacks_at__erbil"].dtype == np.int64
    assert outcomes["peak_territory"].dtype == np.float64
    assert outcomes.attrs["units"]["militia_attacks"] == "attacks"


def test_a_binary_outcome_some_trials_cannot_tell_is_a_nullable_boolean(results):
    # 90-day runs cannot see 12 months past an exit: every trial without a collapse is censored.
    column = results.outcomes["collapse_within_12m"]
    assert str(column.dtype) == "boolean"
    assert column.isna().sum() == results.trials["collapse_within_12m"].isna().sum() > 0


def test_day_outcomes_come_with_their_calendar_dates(results):
    outcomes = results.outcomes
    start = pd.Timestamp(results.scenario.start)
    for day, date in (("exit_day", "exit_date"), ("collapse_day", "collapse_date")):
        assert list(outcomes.columns).index(date) == list(outcomes.columns).index(day) + 1
        happened = outcomes[day].notna()
        assert (outcomes.loc[~happened, date].isna()).all()
        expected = start + pd.to_timedelta(np.floor(outcomes.loc[happened, day]), unit="D")
        assert (outcomes.loc[happened, date] == expected).all()
    assert results.date_of(0) == start
    assert results.date_of(1.9) == start + pd.Timedelta(days=1)
    assert pd.isna(results.date_of(float("nan")))


def test_the_long_series_table_holds_every_value_once(results):
    frame = results.series_frame(["territory", "troops"])
    assert list(frame.columns) == ["trial", "date", "series", "value"]
    assert len(frame) == results.n_trials * len(results.dates) * 2
    assert frame["value"].dtype == np.float32
    assert isinstance(frame["series"].dtype, pd.CategoricalDtype)
    wide = frame[frame["series"] == "territory"].pivot(index="trial", columns="date", values="value")
    np.testing.assert_array_equal(wide.to_numpy(), results.series("territory"))
    assert frame.attrs["units"] == {"territory": "share", "troops": "troops"}


def test_to_xarray_labels_dimensions_units_and_roles(results):
    xr = pytest.importorskip("xarray")
    data = results.to_xarray()
    assert isinstance(data, xr.Dataset)
    assert data.sizes["trial"] == results.n_trials
    assert data.sizes["date"] == len(results.dates)
    np.testing.assert_array_equal(data["territory"].to_numpy(), results.series("territory"))
    assert data["territory"].dims == ("trial", "date")
    assert data["territory"].attrs["units"] == "share"
    assert data["troops__nato_erbil"].dims == ("date",)  # the same in every trial: stored once
    assert data["militia_attacks"].attrs["role"] == "outcome"
    assert data["militia__attack_rate_per_day"].attrs["path"] == "militia.attack_rate_per_day"
    assert data["exit_date"].dtype.kind == "M"


def test_comparison_to_xarray_stacks_scenarios(comparison):
    pytest.importorskip("xarray")
    data = comparison.to_xarray()
    assert list(data["scenario"].to_numpy()) == ["early", "late"]
    np.testing.assert_array_equal(
        data["militia_attacks"].sel(scenario="late").to_numpy(),
        comparison.results[1].trials["militia_attacks"].to_numpy(),
    )


def test_comparison_trials_have_a_scenario_level(comparison):
    trials = comparison.trials
    assert trials.index.names == ["scenario", "trial"]
    pd.testing.assert_frame_equal(trials.loc["late"], comparison.results[1].trials)
    assert comparison.outcomes.index.names == ["scenario", "trial"]
    assert comparison.params.index.names == ["scenario", "trial"]


def test_comparison_summary_gives_every_scenario_its_interval(comparison):
    summary = comparison.summary()
    assert summary.index.names == ["outcome", "scenario"]
    row = summary.loc[("militia_attacks", "late")]
    pd.testing.assert_series_equal(
        row, comparison.results[1].summary().loc["militia_attacks"], check_names=False
    )
    assert list(summary.loc["collapse"].index) == ["early", "late"]
    assert list(comparison.means().columns) == ["early", "late", "kind", "unit"]


def test_collapse_table_by_dates_reads_the_collapse_curve(comparison):
    date = pd.Timestamp("2024-03-01")
    table = comparison.collapse_table(dates=[date, "2031-01-01"])
    assert list(table.columns) == ["scenario", "date", "probability", "low", "high", "n"]
    row = table[(table["scenario"] == "late") & (table["date"] == date)].iloc[0]
    curve = comparison.results[1].collapse_curve().loc[date]
    assert (row["probability"], row["low"], row["high"]) == (
        curve["probability"],
        curve["low"],
        curve["high"],
    )
    assert table[table["date"] == pd.Timestamp("2031-01-01")]["probability"].isna().all()  # past the run


def test_collapse_table_after_the_exit_counts_only_trials_that_can_tell(comparison):
    table = comparison.collapse_table(months_after_exit=[1])
    for r in comparison.results:
        row = table[table["scenario"] == r.name].iloc[0]
        exit_day, collapse_day = (r.trials[c].to_numpy(dtype=float) for c in ("exit_day", "collapse_day"))
        end = exit_day + MONTH_DAYS
        collapsed = collapse_day <= end
        can_tell = collapsed | (r.scenario.days >= end)
        assert 0 < can_tell.sum() < len(can_tell)  # some censored, some not
        assert row["n"] == can_tell.sum()
        assert row["probability"] == collapsed.sum() / can_tell.sum()
        assert row["low"] <= row["probability"] <= row["high"]
    with pytest.raises(ValueError, match="not both"):
        comparison.collapse_table(dates=["2024-02-01"], months_after_exit=[12])


def test_collapse_table_agrees_with_the_outcome_of_the_same_window():
    scenario = leaving("long", 20, 50, horizon_days=500)
    both = compare([scenario], trials=30, jobs=1, progress=False)
    row = both.collapse_table(months_after_exit=[12]).iloc[0]
    outcome = both.results[0].trials["collapse_within_12m"].dropna()
    assert len(outcome) > 0
    assert 0 < outcome.mean() < 1
    assert row["n"] == len(outcome)
    assert row["probability"] == outcome.mean()


def test_load_comparison_gives_back_the_comparison(comparison, tmp_path):
    folder = comparison.save(tmp_path / "cmp")
    loaded = load_comparison(folder)
    assert loaded.names == comparison.names
    pd.testing.assert_frame_equal(loaded.trials, comparison.trials)
    with pytest.raises(FileNotFoundError, match="load_comparison"):
        load_results(folder)
    with pytest.raises(FileNotFoundError, match="not a comparison folder"):
        load_comparison(folder / "1-early")


def test_day_differences_compare_dates_when_runs_start_apart():
    early = leaving("early", 20, 30)
    late_start = leaving("late", 20, 30).model_copy(update={"start": pd.Timestamp("2024-01-11").date()})
    both = compare([early, late_start], trials=10, jobs=1, progress=False)
    row = both.differences().set_index("outcome").loc["exit_day"]
    # The same schedule in days, ten days later on the calendar: exits ten days later.
    assert row["mean_diff"] == pytest.approx(10.0)
    assert row["ci_low"] == pytest.approx(10.0)
