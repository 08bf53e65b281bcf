"""Figures from results: what can be checked without looking at them.

Most tests run on fakes with the Results interface (``plots_fakes``); one renders
every figure from a tiny real run once :mod:`sim.montecarlo` is available.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import importlib.util  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402

import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from plots_fakes import FakeComparison, FakeResults, fake_comparison  # noqa: E402

import sim.plots as plots  # noqa: E402
from sim.plots.attacks import typical_trial  # noqa: E402
from sim.plots.style import GREY, PALETTE, scenario_colours  # noqa: E402


@pytest.fixture(scope="module")
def results() -> FakeResults:
    return FakeResults()


@pytest.fixture(scope="module")
def comparison():
    return fake_comparison()


def visible_axes(figure: Figure) -> list:
    return [ax for ax in figure.axes if ax.get_visible()]


def all_text(figure: Figure) -> str:
    parts = [figure.get_suptitle()] + [t.get_text() for t in figure.texts]
    for ax in figure.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
    return " ".join(parts)


def line_by_gid(ax, gid: str):
    lines = [line for line in ax.get_lines() if line.get_gid() == gid]
    assert lines, f"no line with gid {gid!r}"
    return lines[0]


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


# ----------------------------------------------------------------------- outcomes


def test_plot_outcome_marks_median_and_states_mean_with_ci(results):
    figure = plots.plot_outcome(results, "militia_attacks")
    (ax,) = figure.axes
    assert results.name in ax.get_title()
    assert ax.get_xlabel() == "militia attacks (attacks)"
    assert "%" in ax.get_ylabel()
    median = results.summary().loc["militia_attacks", "median"]
    vertical = [line.get_xdata()[0] for line in ax.get_lines()]
    assert median in vertical
    box = " ".join(t.get_text() for t in ax.texts)
    assert "95% CI" in box
    assert "median" in box
    assert {"median", "mean", "5-95% of trials"} <= set(legend_texts(ax))


def test_plot_outcome_shows_a_binary_outcome_as_a_percentage_with_wilson_interval(results):
    figure = plots.plot_outcome(results, "collapse")
    (ax,) = figure.axes
    probability = results.trials["collapse"].mean()
    (bar,) = ax.patches
    assert bar.get_width() == pytest.approx(100 * probability)
    assert ax.get_xlim() == (0, 100)
    assert f"P = {100 * probability:.1f}% (95% CI" in ax.texts[0].get_text()
    assert ax.xaxis.get_major_formatter()(50, 0) == "50%"


def test_plot_outcome_says_when_a_day_outcome_never_happened():
    results = FakeResults(days=40, exit_day=60)  # the exit lies beyond the horizon
    figure = plots.plot_outcome(results, "exit_day")
    assert "never happened" in figure.axes[0].texts[0].get_text()


def test_plot_outcomes_draws_one_panel_per_key_outcome(results):
    figure = plots.plot_outcomes(results)
    assert len(visible_axes(figure)) == len(plots.KEY_OUTCOMES)
    assert results.name in figure.get_suptitle()
    assert figure.legends, "a shared legend"


def test_plot_outcomes_accepts_chosen_and_per_scenario_outcomes(results):
    figure = plots.plot_outcomes(results, ["militia_attacks", "attacks_at:erbil", "collapse"])
    assert len(visible_axes(figure)) == 3
    assert "Attacks at erbil" in [ax.get_title() for ax in figure.axes]


class SummaryOfItsOwn(FakeResults):
    """Fake results whose summary says what no statistic of their trials gives.

    A figure that draws these numbers read them from the summary; one that computed its
    own from the trials would draw others.
    """

    STATS = {
        "collapse": {"mean": 0.5, "ci_low": 0.3, "ci_high": 0.8},
        "militia_attacks": {
            "mean": 120.0,
            "ci_low": 111.0,
            "ci_high": 133.0,
            "median": 125.0,
            "p5": 80.0,
            "p95": 170.0,
        },
    }

    def summary(self):
        frame = super().summary()
        for name, row in self.STATS.items():
            for column, value in row.items():
                frame.loc[name, column] = value
        return frame


class SummaryWithout(FakeResults):
    """Fake results whose summary lacks one outcome that is among the trials."""

    def __init__(self, missing: str):
        super().__init__()
        self.missing = missing

    def summary(self):
        return super().summary().drop(index=self.missing)


def test_plot_outcome_draws_the_summarys_mean_interval_and_percentiles():
    results = SummaryOfItsOwn()
    ax = plots.plot_outcome(results, "militia_attacks").axes[0]
    vertical = {line.get_label(): line.get_xdata()[0] for line in ax.get_lines()}
    assert (vertical["median"], vertical["mean"]) == (125.0, 120.0)
    (span,) = [p for p in ax.patches if p.get_label() == "5-95% of trials"]
    assert (span.get_x(), span.get_x() + span.get_width()) == (80.0, 170.0)
    box = ax.texts[0].get_text()
    assert "mean 120 (95% CI 111 to 133)" in box
    assert "5-95% of trials: 80 to 170" in box


def test_plot_outcome_draws_the_summarys_probability_and_wilson_interval():
    results = SummaryOfItsOwn()
    ax = plots.plot_outcome(results, "collapse").axes[0]
    (bar,) = ax.patches
    assert bar.get_width() == 50.0  # percent
    assert ax.texts[0].get_text().startswith("P = 50.0% (95% CI 30.0% to 80.0%)")
    (whisker,) = ax.collections
    ((low, _), (high, _)) = whisker.get_segments()[0]
    assert (low, high) == pytest.approx((30.0, 80.0))


def test_plot_compare_outcomes_draws_each_runs_summary():
    comparison = FakeComparison([SummaryOfItsOwn("first"), SummaryOfItsOwn("second", seed=2)])
    ax = plots.plot_compare_outcomes(comparison, ["militia_attacks"]).axes[0]
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [d.get_xdata()[0] for d in dots] == [120.0, 120.0]
    ranges = [
        list(line.get_xdata())
        for line in ax.get_lines()
        if line.get_marker() != "o" and len(line.get_xdata()) == 2
    ]
    assert ranges == [[80.0, 170.0], [80.0, 170.0]]


@pytest.mark.parametrize("name", ["militia_attacks", "collapse"])
def test_outcome_figures_refuse_an_outcome_the_summary_lacks(name):
    results = SummaryWithout(name)
    with pytest.raises(KeyError, match=f"{name}.*not an outcome in the summary"):
        plots.plot_outcome(results, name)


# --------------------------------------------------------------------------- fans


def test_plot_fan_median_line_is_the_median_band(results):
    figure = plots.plot_fan(results, "capability")
    (ax,) = figure.axes
    median = line_by_gid(ax, "median")
    np.testing.assert_allclose(median.get_ydata(), results.bands("capability")["p50"])
    assert results.name in ax.get_title()
    assert ax.get_ylabel() == "ISF capability (0-1)"
    thin = [line for line in ax.get_lines() if line.get_label() == "_trial"]
    assert len(thin) == 5
    assert {"median", "5-95% of trials", "25-75% of trials", "single trials"} <= set(legend_texts(ax))


def test_plot_fan_draws_into_a_given_axes(results):
    figure = Figure()
    ax = figure.subplots()
    assert plots.plot_fan(results, "isis_strength", ax=ax) is figure
    assert ax.get_ylabel() == "ISIS strength (fighters)"


def test_plot_troops_stacks_contingents_and_dashes_the_plan(results):
    figure = plots.plot_troops(results)
    (ax,) = figure.axes
    labels = legend_texts(ax)
    assert labels[:2] == ["US (median)", "NATO (median)"]
    assert "planned schedule" in labels
    plan = [line for line in ax.get_lines() if line.get_label() == "planned schedule"][0]
    assert plan.get_linestyle() == "--"
    assert plan.get_ydata()[0] == pytest.approx(3000)
    assert ax.get_ylabel() == "troops in theatre"
    assert results.name in ax.get_title()


def test_plot_dashboard_has_eight_panels_with_units(results):
    figure = plots.plot_dashboard(results)
    axes = visible_axes(figure)
    assert len(axes) == 8
    assert results.name in figure.get_suptitle()
    for ax in axes:
        assert ax.get_ylabel(), ax.get_title()
        assert ax.get_title()


def test_dashboard_panels_of_quantities_never_negative_start_at_zero(results):
    figure = plots.plot_dashboard(results)
    troops = visible_axes(figure)[0]
    assert troops.get_ylim()[0] == 0  # a drawdown to half must not look like one to zero
    for ax in visible_axes(figure):
        if ax.dataLim.y0 >= 0:
            assert ax.get_ylim()[0] == 0, ax.get_title()
        assert ax.get_ylim()[1] >= ax.dataLim.y1, ax.get_title()  # nothing cut off at the top


def test_a_series_too_small_to_see_beside_its_pair_is_written_out():
    from sim.plots.fans import _say_what_is_too_small

    class Pair:
        def bands(self, name):
            scale = {"wounded": 1600.0, "killed": 9.0}[name]
            return pd.DataFrame({"p5": [0.0, 0.1 * scale], "p50": [0.0, scale], "p95": [0.0, 1.9 * scale]})

    figure = Figure()
    ax = figure.add_subplot()
    _say_what_is_too_small(ax, Pair(), ("wounded", "killed"))
    (note,) = [t.get_text() for t in ax.texts if t.get_gid() == "too_small"]
    assert note.startswith("coalition killed at the end: median 9 (5-95% 0.9 to 17.1)"), note


def test_a_fan_of_a_series_at_zero_is_drawn_over_the_axis_not_below_it(results):
    ax = plots.plot_fan(results, "troops").axes[0]
    assert ax.get_ylim()[0] == 0
    assert line_by_gid(ax, "median").get_zorder() > ax.spines["bottom"].get_zorder()


# --------------------------------------------------------------------------- risk


def test_plot_collapse_risk_draws_the_curve_and_milestones(results):
    figure = plots.plot_collapse_risk(results)
    (ax,) = figure.axes
    curve = line_by_gid(ax, "collapse")
    np.testing.assert_allclose(curve.get_ydata(), results.collapse_curve()["probability"])
    waypoints = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert len(waypoints) == 1 + 4  # the legend entry and four distinct waypoint dates
    assert "exit" in legend_texts(ax)
    assert results.name in ax.get_title()
    assert ax.yaxis.get_major_formatter()(0.25, 0) == "25%"  # fractions drawn, percent read


def test_a_collapse_curve_at_zero_is_visible_and_says_no_trial_collapsed():
    calm = FakeResults(seed=5)
    calm.trials["collapse_day"] = np.nan
    ax = plots.plot_collapse_risk(calm).axes[0]
    curve = line_by_gid(ax, "collapse")
    assert not np.any(curve.get_ydata())
    assert curve.get_zorder() > ax.spines["bottom"].get_zorder()
    notes = [t.get_text() for t in ax.texts if t.get_gid() == "no_collapse"]
    assert notes == [
        f"no collapse in any of the {calm.n_trials} trials\n(the band is the 95% interval: "
        "risks this low cannot be ruled out)"
    ]


def test_plot_collapse_risk_labels_waypoints_by_count_not_by_a_list_of_ids(results):
    ax = plots.plot_collapse_risk(results).axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert all(len(label) < 60 for label in labels), labels
    exit_label = next(label for label in labels if "exit" in label)
    assert any(month in exit_label for month in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul")), exit_label


def test_plot_collapse_risk_of_a_comparison_gives_each_scenario_its_own_panel(comparison):
    figure = plots.plot_collapse_risk(comparison)
    assert [ax.get_title() for ax in figure.axes] == comparison.names
    for ax, colour in zip(figure.axes, PALETTE[:3], strict=True):
        (curve,) = [line for line in ax.get_lines() if line.get_gid() == "collapse"]
        assert curve.get_color() == colour
        others = [line for line in ax.get_lines() if line.get_color() == GREY and len(line.get_xdata()) > 2]
        assert len(others) >= len(comparison.names) - 1  # the other scenarios, for reference
        assert any("exit" in t.get_text() for t in ax.texts)  # each scenario's own exit marked
    assert len({ax.get_ylim() for ax in figure.axes}) == 1  # one scale for all


# ------------------------------------------------------------------------ attacks


def test_typical_trial_is_the_kept_trial_closest_to_the_median(results):
    trial = typical_trial(results)
    attacks = results.trials["militia_attacks"]
    kept = attacks.loc[results.events_kept_for]
    assert abs(attacks[trial] - attacks.median()) == (kept - attacks.median()).abs().min()


def test_plot_attack_timeline_stacks_one_trial_and_bands_all(results):
    figure = plots.plot_attack_timeline(results, trial=3)
    axes = figure.axes
    assert len(axes) == 3
    attacks = results.events.query("trial == 3 and kind == 'attack'")
    bars = sum(patch.get_height() for patch in axes[0].patches)
    assert bars == len(attacks)
    strikes = results.events.query("trial == 3 and kind == 'strike'")
    assert f"retaliation strike ({len(strikes)})" in legend_texts(axes[0])
    assert {"rocket", "drone"} <= set(legend_texts(axes[0]))
    assert {"al asad", "erbil", "baghdad"} <= set(legend_texts(axes[1]))
    weekly = np.diff(results.series("attacks")[:, ::7], axis=1)
    np.testing.assert_allclose(line_by_gid(axes[2], "median").get_ydata()[:-1], np.median(weekly, axis=0))
    assert all(ax.get_ylabel() == "attacks per week" for ax in axes)
    assert results.name in figure.get_suptitle()


# -------------------------------------------------------------------- comparisons


def test_plot_compare_outcomes_gives_each_scenario_its_colour(comparison):
    figure = plots.plot_compare_outcomes(comparison)
    axes = visible_axes(figure)
    assert len(axes) == len(plots.KEY_OUTCOMES)
    assert [t.get_text() for t in axes[0].get_yticklabels()] == comparison.names
    assert all(name in figure.get_suptitle() for name in comparison.names)
    colours = scenario_colours(comparison.names)
    dots = [line for line in axes[0].get_lines() if line.get_marker() == "o"]
    assert [d.get_color() for d in dots] == [colours[n] for n in comparison.names]


def test_plot_compare_fan_draws_each_scenarios_median(comparison):
    figure = plots.plot_compare_fan(comparison, "troops")
    (ax,) = figure.axes
    medians = [line for line in ax.get_lines() if line.get_gid() == "median"]
    assert [m.get_label() for m in medians] == comparison.names
    for line, results in zip(medians, comparison.results, strict=True):
        np.testing.assert_allclose(line.get_ydata(), results.bands("troops")["p50"])
    assert ax.get_ylabel() == "troops in theatre"


def test_plot_differences_puts_paired_differences_around_zero(comparison):
    figure = plots.plot_differences(comparison)
    axes = visible_axes(figure)
    assert len(axes) == len(plots.KEY_OUTCOMES)
    table = comparison.differences().set_index(["scenario", "outcome"])
    ax = axes[0]
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    expected = [table.loc[(name, "militia_attacks"), "mean_diff"] for name in comparison.names[1:]]
    np.testing.assert_allclose([d.get_xdata()[0] for d in dots], expected)
    assert any(list(line.get_xdata()) == [0, 0] for line in ax.get_lines())
    low, high = ax.get_xlim()
    assert low == pytest.approx(-high)
    assert comparison.names[0] in figure.get_suptitle()


# --------------------------------------------------------------------- sensitivity


def test_plot_tornado_sorts_parameters_by_absolute_rho(results):
    figure = plots.plot_tornado(results, "militia_attacks")
    (ax,) = figure.axes
    rhos = [patch.get_width() for patch in ax.patches]
    assert len(rhos) == 2  # param:isf.readiness does not vary
    assert np.all(np.diff(np.abs(rhos)) <= 0)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "militia.attack_rate_per_day"
    table = plots.rank_correlations(results, "militia_attacks")
    np.testing.assert_allclose(rhos, table["rho"])
    assert results.name in ax.get_title()


def test_tornado_values_are_written_clear_of_the_chance_lines(results):
    ax = plots.plot_tornado(results, "militia_attacks").axes[0]
    chance = 1.96 / np.sqrt(results.n_trials - 1)
    for text in ax.texts:
        assert abs(text.get_position()[0]) > chance, text.get_text()


def test_plot_tornado_says_so_when_no_parameter_varies():
    figure = plots.plot_tornado(FakeResults(vary=False), "militia_attacks")
    assert "no drawn parameter varies" in figure.axes[0].texts[0].get_text()


# -------------------------------------------------------------------------- style


def test_plotting_leaves_global_matplotlib_state_alone(results):
    before = dict(matplotlib.rcParams)
    figures_before = plt.get_fignums()
    plots.plot_dashboard(results)
    assert dict(matplotlib.rcParams) == before
    assert plt.get_fignums() == figures_before


# ------------------------------------------------------------------------- saving


def assert_valid(path, fmt: str) -> None:
    data = path.read_bytes()
    if fmt == "png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert mpimg.imread(path).shape[0] > 100
    elif fmt == "svg":
        assert ET.fromstring(data).tag.endswith("svg")
    else:
        assert data.startswith(b"%PDF")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_save_all_writes_every_single_run_figure(results, tmp_path, fmt):
    paths = plots.save_all(results, tmp_path, fmt=fmt)
    names = {p.stem for p in paths}
    assert names == {
        "outcomes",
        "dashboard",
        "troops",
        "collapse_risk",
        "attack_timeline",
        "tornado_militia_attacks",
        "tornado_collapse",
    }
    for path in paths:
        assert path.parent == tmp_path / "plots"
        assert_valid(path, fmt)
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == sorted(p.name for p in paths)


@pytest.mark.slow
def test_save_comparison_writes_the_comparison_figures(comparison, tmp_path):
    paths = plots.save_comparison(comparison, tmp_path)
    assert {"compare_outcomes", "compare_differences", "compare_collapse_risk", "compare_troops"} <= {
        p.stem for p in paths
    }
    for path in paths:
        assert_valid(path, "png")


def test_save_rejects_an_unknown_format(results, tmp_path):
    with pytest.raises(ValueError, match="format"):
        plots.save_all(results, tmp_path, fmt="jpg")


# ------------------------------------------------------------------------ real run

needs_montecarlo = pytest.mark.skipif(
    importlib.util.find_spec("sim.montecarlo.results") is None, reason="sim.montecarlo not there yet"
)


def tiny_scenario(name: str, exit_day: int):
    from sim.scenario.schema import Scenario

    return Scenario.model_validate(
        {
            "name": name,
            "horizon_days": 60,
            "bases": {"al_asad": {}, "erbil": {"region": "kurdistan"}},
            "forces": {
                "us_asad": {
                    "base": "al_asad",
                    "troops": 1500,
                    "schedule": [{"at": exit_day, "troops": 0, "ramp_days": 10}],
                },
                "nato_erbil": {"contingent": "NATO", "base": "erbil", "troops": 500},
            },
            "militia": {"attack_rate_per_day": {"dist": "uniform", "low": 0.5, "high": 3.0}},
            "monte_carlo": {"trials": 6, "seed": 7},
        }
    )


@needs_montecarlo
@pytest.mark.slow
def test_every_figure_renders_from_a_tiny_real_run(tmp_path):
    from sim.montecarlo import compare, run

    early = run(tiny_scenario("leave-early", 20), trials=6, jobs=1, progress=False)
    late = run(tiny_scenario("leave-late", 40), trials=6, jobs=1, progress=False)
    for figure in (
        plots.plot_outcome(early, "militia_attacks"),
        plots.plot_outcome(early, "collapse"),
        plots.plot_outcomes(early),
        plots.plot_fan(early, "troops"),
        plots.plot_troops(early),
        plots.plot_dashboard(early),
        plots.plot_collapse_risk(early),
        plots.plot_attack_timeline(early),
        plots.plot_tornado(early, "militia_attacks"),
    ):
        assert isinstance(figure, Figure)
        assert "leave-early" in all_text(figure)
    assert plots.save_all(early, tmp_path / "one")
    comparison = compare([early.scenario, late.scenario], trials=6, jobs=1, progress=False)
    for figure in (
        plots.plot_compare_outcomes(comparison),
        plots.plot_compare_fan(comparison, "troops"),
        plots.plot_differences(comparison),
        plots.plot_collapse_risk(comparison),
    ):
        assert "leave-early" in all_text(figure)
    assert plots.save_comparison(comparison, tmp_path / "two")


def test_attack_timeline_axis_ends_soon_after_attacks_stop_well_before_the_horizon():
    from sim.plots.attacks import _attacks_end

    stops = np.zeros((50, 366))
    stops[:, 1:31] = np.cumsum(np.ones((50, 30)), axis=1)
    stops[:, 31:] = 30.0  # every trial's last attack is on day 30
    assert _attacks_end(stops) == 30 + 56
    goes_on = np.cumsum(np.ones((50, 366)), axis=1)
    assert _attacks_end(goes_on) is None


# ------------------------------------------------------------- what a reader sees


def test_an_outcome_the_same_in_every_trial_is_stated_not_drawn_as_one_bar():
    results = FakeResults(days=120, exit_day=60)
    results.trials["exit_day"] = 60.0
    ax = plots.plot_outcome(results, "exit_day").axes[0]
    assert not ax.patches
    text = ax.texts[0].get_text()
    expected = pd.Timestamp(results.scenario.start) + pd.Timedelta(days=60)
    assert f"{expected:%d %b %Y}" in text
    assert "every trial" in text


def test_a_day_outcome_is_read_in_dates():
    results = FakeResults(days=400, exit_day=60)
    results.trials["exit_day"] = np.linspace(50, 300, len(results.trials))
    ax = plots.plot_outcome(results, "exit_day").axes[0]
    start = pd.Timestamp(results.scenario.start)
    assert ax.xaxis.get_major_formatter()(100, 0) == f"{start + pd.Timedelta(days=100):%b %Y}"
    assert "date" in ax.get_xlabel()
    box = ax.texts[0].get_text()
    assert str((start + pd.Timedelta(days=50)).year) in box


def test_troops_of_a_schedule_the_same_in_every_trial_list_no_band_in_the_legend(results):
    fixed = FakeResults(days=120, exit_day=60)
    for name in list(fixed._series):
        if name.startswith("troops"):
            fixed._series[name] = np.broadcast_to(fixed._series[name][0], fixed._series[name].shape)
    ax = plots.plot_troops(fixed).axes[0]
    assert not any("5-95%" in label for label in legend_texts(ax))
    assert not any("(median)" in label for label in legend_texts(ax))


def test_compare_outcomes_draws_probabilities_in_percent_without_a_range_of_trials(comparison):
    figure = plots.plot_compare_outcomes(comparison, ["collapse"])
    ax = figure.axes[0]
    assert ax.get_xlim() == (0, 100)
    ranges = [line for line in ax.get_lines() if line.get_marker() in ("None", "", None) and line.get_alpha()]
    assert not ranges  # a binary outcome's trials are 0 or 1: no 5-95% line from 0 to 1
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    expected = [100 * r.summary().loc["collapse", "mean"] for r in comparison.results]
    assert [float(d.get_xdata()[0]) for d in dots] == pytest.approx(expected)


def test_figures_show_themselves_in_jupyter_as_png_without_a_backend(results):
    figure = plots.plot_collapse_risk(results)
    assert figure._repr_png_().startswith(b"\x89PNG\r\n\x1a\n")


def test_comparison_fans_of_quantities_that_cannot_be_negative_start_at_zero(comparison):
    ax = plots.plot_compare_fan(comparison, "troops").axes[0]
    assert ax.get_ylim()[0] == 0


def test_a_compared_series_that_is_zero_in_many_trials_is_drawn_as_means():
    runs = [FakeResults("a", exit_day=60), FakeResults("b", exit_day=80, shift=0.1)]
    for k, results in enumerate(runs):
        territory = np.zeros_like(results.series("territory"))
        territory[: len(territory) // 2 + k, 10:] = 0.3  # half the trials lose a third of Iraq
        results._series["territory"] = territory
    figure = plots.plot_compare_fan(FakeComparison(runs), "territory")
    ax = figure.axes[0]
    means = [line for line in ax.get_lines() if line.get_gid() == "mean"]
    assert len(means) == 2
    assert "mean across trials" in ax.get_title()
    np.testing.assert_allclose(means[0].get_ydata(), runs[0].series("territory").mean(axis=0))
    assert not ax.collections  # no band: it would say little here
