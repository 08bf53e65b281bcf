"""Monte Carlo runs: reproducibility across workers, seeds, prefixes, and what Results hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from montecarlo_support import small_scenario

from sim.engine import simulate_trial
from sim.montecarlo import Comparison, Results, compare, run
from sim.montecarlo.executors import chunk_size, plan_chunks
from sim.scenario.sampling import draw_parameters, fix

TRIALS = 24


@pytest.fixture(scope="module")
def scenario():
    return small_scenario()


@pytest.fixture(scope="module")
def serial(scenario) -> Results:
    return run(scenario, trials=TRIALS, jobs=1, progress=False)


@pytest.fixture(scope="module")
def parallel(scenario) -> Results:
    return run(scenario, trials=TRIALS, jobs=2, progress=False)


def assert_same_trials(a: Results, b: Results) -> None:
    pd.testing.assert_frame_equal(a.trials, b.trials)
    for name in a.series_names:
        np.testing.assert_array_equal(a.series(name), b.series(name))
    pd.testing.assert_frame_equal(a.events, b.events)


# ------------------------------------------------------------------ reproducibility


def test_jobs_1_and_jobs_2_give_identical_trials_series_and_events(serial, parallel):
    assert serial.timings["backend"] == "serial"
    assert parallel.timings["backend"] == "processes"
    assert parallel.timings["jobs"] == 2
    assert_same_trials(serial, parallel)


@pytest.mark.slow
def test_the_same_seed_twice_gives_the_same_run(scenario, serial):
    assert_same_trials(serial, run(scenario, trials=TRIALS, jobs=1, progress=False))


def test_different_seeds_give_different_trials(scenario, serial):
    other = run(scenario, trials=TRIALS, seed=12, jobs=1, progress=False)
    assert not np.array_equal(serial.trials["militia_attacks"], other.trials["militia_attacks"])
    assert not np.array_equal(
        serial.trials["param:militia.attack_rate_per_day"],
        other.trials["param:militia.attack_rate_per_day"],
    )


def test_the_first_ten_trials_of_a_twenty_trial_run_equal_a_ten_trial_run(scenario):
    twenty = run(scenario, trials=20, jobs=2, progress=False)
    ten = run(scenario, trials=10, jobs=1, progress=False)
    pd.testing.assert_frame_equal(twenty.trials.iloc[:10], ten.trials)
    for name in ten.series_names:
        np.testing.assert_array_equal(twenty.series(name)[:10], ten.series(name))


def test_a_trial_re_run_alone_from_its_seed_and_draws_gives_its_row(scenario, serial):
    index = 17
    draws = draw_parameters(scenario, index + 1, serial.seed)
    alone = simulate_trial(
        fix(scenario, {path: values[index] for path, values in draws.items()}),
        np.random.SeedSequence(serial.seed, spawn_key=(index,)),
    )
    row = serial.trials.loc[index]
    for name, value in alone.outcomes.items():
        np.testing.assert_equal(row[name], value)
    assert row["n_events"] == alone.n_events
    for name in serial.series_names:
        np.testing.assert_array_equal(serial.series(name)[index], alone.series_of(name).astype(np.float32))


def test_chunks_cover_every_trial_once_and_stay_small():
    for trials, workers in [(1, 2), (7, 2), (400, 2), (10_000, 8)]:
        size = chunk_size(trials, workers)
        chunks = plan_chunks(trials, size)
        covered = np.concatenate([np.arange(a, b) for a, b in chunks])
        np.testing.assert_array_equal(covered, np.arange(trials))
        assert 1 <= size <= 64


# ------------------------------------------------------------ common random numbers


def test_two_identical_scenarios_have_paired_differences_of_exactly_zero(scenario):
    comparison = compare([scenario, scenario], trials=12, jobs=1, progress=False)
    differences = comparison.differences()
    assert len(differences) == len(comparison.results[0].outcome_names)
    assert (differences["n"] > 0).any()
    used = differences[differences["n"] > 0]
    assert (used[["mean_diff", "ci_low", "ci_high"]].to_numpy() == 0).all()
    assert comparison.names == ["small", "small (2)"]


def test_common_random_numbers_make_paired_intervals_narrower_than_independent_ones():
    early = small_scenario("early", exit_low=20, exit_high=30)
    late = small_scenario("late", exit_low=60, exit_high=70)
    comparison = compare([early, late], trials=TRIALS, jobs=1, progress=False)
    paired = comparison.differences().set_index("outcome").loc["militia_attacks"]
    a, b = (r.trials["militia_attacks"].to_numpy() for r in comparison.results)
    independent_sd = np.sqrt(a.var(ddof=1) + b.var(ddof=1))
    paired_sd = np.std(b - a, ddof=1)
    assert paired_sd < 0.5 * independent_sd
    assert paired["ci_high"] - paired["ci_low"] < 0.5 * 2 * 2.07 * independent_sd / np.sqrt(TRIALS)
    assert paired["mean_diff"] > 0  # staying longer means more troops to attack


def test_compare_takes_trials_and_seed_from_the_first_scenario():
    first = small_scenario("first", monte_carlo={"trials": 5, "seed": 3})
    second = small_scenario("second", monte_carlo={"trials": 9, "seed": 4})
    comparison = compare([first, second], jobs=1, progress=False)
    assert [r.n_trials for r in comparison.results] == [5, 5]
    assert [r.seed for r in comparison.results] == [3, 3]
    summary = comparison.means()
    assert list(summary.columns) == ["first", "second", "kind", "unit"]
    assert summary.loc["collapse", "kind"] == "binary"
    assert comparison.summary().loc[("collapse", "second"), "kind"] == "binary"
    assert "Comparison" in comparison._repr_html_()
    assert "first" in comparison._repr_html_()


def test_compare_rejects_a_single_scenario_not_in_a_list(scenario):
    with pytest.raises(ValueError, match="list"):
        compare(scenario)
    assert isinstance(compare([scenario], trials=2, jobs=1, progress=False), Comparison)


# ---------------------------------------------------------------------- Results


def test_defaults_come_from_the_scenarios_monte_carlo_settings():
    results = run(small_scenario(monte_carlo={"trials": 6, "seed": 5}), jobs=1, progress=False)
    assert (results.n_trials, results.seed) == (6, 5)
    assert results.scenario.monte_carlo.trials == 6


def test_the_run_records_the_trials_and_seed_it_used_in_its_scenario(scenario):
    results = run(scenario, trials=3, seed=99, jobs=1, progress=False)
    assert (results.scenario.monte_carlo.trials, results.scenario.monte_carlo.seed) == (3, 99)
    assert scenario.monte_carlo.trials == 24  # the caller's scenario is unchanged


def test_trials_table_holds_drawn_parameters_every_outcome_and_events_processed(serial):
    trials = serial.trials
    assert trials.index.name == "trial"
    np.testing.assert_array_equal(trials.index, np.arange(TRIALS))
    params = [c for c in trials.columns if c.startswith("param:")]
    assert params == [
        "param:forces.us_asad.schedule.0.at",
        "param:militia.attack_rate_per_day",
        "param:isis.strength",
    ]
    assert trials["param:isis.strength"].between(1000, 9000).all()
    for name in ("militia_attacks", "collapse", "collapse_day", "attacks_at:erbil", "rule:redeploy"):
        assert trials[name].dtype == np.float64
    assert trials["n_events"].dtype == np.int64
    assert (trials["n_events"] > 0).all()
    assert trials.columns[-1] == "n_events"


def test_series_are_compact_per_trial_arrays_over_the_dates(serial):
    assert serial.series_names[:2] == ("troops:us_asad", "troops:nato_erbil")
    assert serial.elements == ["us_asad", "nato_erbil"]
    assert len(serial.dates) == 91
    assert serial.dates[0] == pd.Timestamp("2024-01-01")
    troops = serial.series("troops")
    assert troops.shape == (TRIALS, 91)
    assert troops.dtype == np.float32
    assert not troops.flags.writeable
    np.testing.assert_allclose(troops[:, 0], 2000)
    with pytest.raises(KeyError, match="unknown series"):
        serial.series("morale")


def test_a_series_the_same_in_every_trial_is_stored_once(serial):
    assert serial.is_constant("troops:nato_erbil")  # no schedule, no rule moves it
    assert not serial.is_constant("troops:us_asad")  # its exit day is drawn
    np.testing.assert_array_equal(serial.series("troops:nato_erbil"), np.full((TRIALS, 91), 500.0))
    varying = sum(not serial.is_constant(n) for n in serial.series_names)
    assert serial.series_nbytes == (varying * TRIALS + len(serial.series_names) - varying) * 91 * 4


def test_bands_are_daily_percentiles_of_the_series(serial):
    bands = serial.bands("isis_strength")
    assert list(bands.columns) == ["p5", "p25", "p50", "p75", "p95", "day"]
    assert bands.index.equals(serial.dates)
    np.testing.assert_allclose(bands["p50"], np.median(serial.series("isis_strength"), axis=0), rtol=1e-6)
    assert list(serial.bands("troops", (10, 90)).columns) == ["p10", "p90", "day"]


def test_summary_gives_wilson_intervals_for_probabilities_and_t_intervals_for_counts(serial):
    summary = serial.summary()
    assert list(summary.columns) == ["mean", "ci_low", "ci_high", "median", "p5", "p95", "n", "kind", "unit"]
    assert summary.index.name == "outcome"
    assert "n_events" not in summary.index
    assert not any(i.startswith("param:") for i in summary.index)
    collapse = summary.loc["collapse"]
    assert collapse["kind"] == "binary"
    assert 0 <= collapse["ci_low"] <= collapse["mean"] <= collapse["ci_high"] <= 1
    attacks = serial.trials["militia_attacks"]
    half = 2.068658 * attacks.std(ddof=1) / np.sqrt(TRIALS)  # t(0.975, 23)
    assert summary.loc["militia_attacks", "ci_high"] == pytest.approx(attacks.mean() + half)
    happened = serial.trials["collapse_day"].notna().sum()
    assert summary.loc["collapse_day", "n"] == happened
    assert summary.loc["militia_attacks", "n"] == TRIALS


def test_collapse_curve_is_the_share_collapsed_by_each_day_when_censored_only_at_the_horizon(serial):
    curve = serial.collapse_curve()
    assert list(curve.columns) == ["day", "probability", "low", "high"]
    assert curve.index.equals(serial.dates)
    days = serial.trials["collapse_day"].to_numpy()
    by_day = [(days <= d).sum() / TRIALS for d in range(91)]  # nan <= d is False
    np.testing.assert_allclose(curve["probability"], by_day)
    assert (curve["low"] <= curve["probability"]).all()
    assert (curve["probability"] <= curve["high"]).all()
    assert curve["probability"].is_monotonic_increasing


def test_keep_events_keeps_all_none_or_the_first_k_trials(scenario):
    def kept(option, **changes):
        results = run(small_scenario(**changes), trials=6, jobs=1, progress=False, keep_events=option)
        assert sorted(set(results.events["trial"])) == results.events_kept_for or results.events.empty
        return results.events_kept_for

    assert kept(True) == list(range(6))
    assert kept(False) == []
    assert kept(2) == [0, 1]
    assert kept(None) == list(range(6))  # fewer trials than the default 20
    assert kept(None, outputs={"keep_events": True}) == list(range(6))
    results = run(scenario, trials=25, jobs=1, progress=False)
    assert results.events_kept_for == list(range(20))


def test_events_have_names_dates_and_the_columns_the_plots_read(serial):
    events = serial.events
    assert list(events.columns) == [
        "trial",
        "day",
        "date",
        "kind",
        "base",
        "weapon",
        "intercepted",
        "wounded",
        "killed",
        "value",
        "force",
        "rule",
    ]
    attacks = events[events["kind"] == "attack"]
    assert len(attacks) == serial.trials.loc[serial.events_kept_for, "militia_attacks"].sum()
    assert set(attacks["base"]) <= {"al_asad", "erbil"}
    assert attacks["weapon"].notna().all()
    rules = events[events["kind"] == "rule"]
    assert set(rules["rule"]) <= {"redeploy"}
    assert rules["base"].isna().all()
    waypoints = events[events["kind"] == "waypoint"]
    assert set(waypoints["force"]) <= {"us_asad", "nato_erbil"}
    offsets = (events["date"] - pd.Timestamp("2024-01-01")) / pd.Timedelta(days=1)
    np.testing.assert_allclose(offsets, events["day"], atol=1e-6)


def test_timings_say_how_long_and_how(serial):
    timings = serial.timings
    assert timings["wall_seconds"] > 0
    assert timings["trials_per_second"] == pytest.approx(TRIALS / timings["wall_seconds"])
    assert {"backend", "jobs", "chunk_size"} <= set(timings)
    assert serial.interrupted is False


def test_html_view_shows_title_trials_seed_and_summary(serial):
    text = serial._repr_html_()
    assert "Results: small" in text
    assert "24 trials" in text
    assert "seed 11" in text
    assert "militia_attacks" in text
    assert "<table" in text


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"trials": 0}, "trials"),
        ({"trials": 2.5}, "trials"),
        ({"seed": -1}, "seed"),
        ({"jobs": 0}, "jobs"),
        ({"backend": "threads"}, "backend"),
        ({"keep_events": -3}, "keep_events"),
    ],
)
def test_bad_arguments_are_refused_with_a_message_naming_them(scenario, arguments, message):
    with pytest.raises((ValueError, TypeError), match=message):
        run(scenario, progress=False, **{"jobs": 1, **arguments})


def test_a_run_too_large_for_memory_is_refused_before_it_starts(monkeypatch):
    monkeypatch.setattr("os.sysconf", lambda name: {"SC_PHYS_PAGES": 1000, "SC_PAGE_SIZE": 4096}[name])
    with pytest.raises(ValueError, match="fewer trials"):
        run(small_scenario(), trials=1000, jobs=1, progress=False)  # 6.2 MB of series > 80% of 4.1 MB


def test_a_non_scenario_is_refused():
    with pytest.raises(TypeError, match="Scenario"):
        run({"name": "dict"}, progress=False)


def test_a_path_is_loaded_with_the_scenario_loader(tmp_path):
    pytest.importorskip("sim.scenario.loader")
    path = tmp_path / "tiny.yaml"
    path.write_text(
        "name: tiny\nhorizon_days: 30\nbases: {al_asad: {}}\n"
        "forces: {us: {base: al_asad, troops: 1000}}\nmonte_carlo: {trials: 3, seed: 2}\n"
    )
    results = run(path, jobs=1, progress=False)
    assert (results.name, results.n_trials, results.seed) == ("tiny", 3, 2)


def test_progress_bar_goes_to_stderr_and_none_means_only_on_a_terminal(scenario, capsys):
    run(scenario, trials=3, jobs=1, progress=True)
    assert "3/3" in capsys.readouterr().err
    run(scenario, trials=3, jobs=1, progress=None)  # pytest's stderr is not a terminal
    assert capsys.readouterr().err == ""
