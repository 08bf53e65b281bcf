"""Figures of experiments: readable with a few points or hundreds, intervals drawn, nothing computed."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from explore_support import ThresholdTrial, exit_scenario

from sim.explore import evaluate, explore, morris, prim, sobol
from sim.explore.discovery import cases
from sim.explore.levers import Lever
from sim.plots import plot_heatmap, plot_indices, plot_prim_box, plot_prim_tradeoff, plot_sweep


def date_sweep(points: int):
    start = dt.date(2024, 1, 1)
    lever = Lever("exit_start", low=0.0, high=900.0, is_date=True, start=start)

    def risk(exit_start: float) -> dict:
        return {"collapse_within_24m": 0.3 * math.exp(-exit_start / 300)}

    return evaluate(risk, [lever], "grid", points)


@pytest.mark.parametrize("points", [31, 300])
def test_a_sweep_figure_keeps_its_size_and_a_short_title_with_31_or_300_points(points):
    figure = plot_sweep(date_sweep(points), "collapse_within_24m")
    assert tuple(figure.get_size_inches()) == (9.0, 4.8)
    ax = figure.axes[0]
    assert len(ax.get_title(loc="left")) < 120
    (line,) = [a for a in ax.lines if a.get_gid() == "mean0"]
    assert len(line.get_xdata()) == points
    assert (line.get_marker() == "o") == (points <= 40)
    assert "%" in ax.yaxis.get_major_formatter().format_ticks([0.1])[0]


def test_the_sweep_band_is_each_points_interval():
    exploration = explore(
        exit_scenario(),
        ["forces.us_asad.schedule.0.at=2024-01-10..2024-04-10/1m"],
        trials=40,
        jobs=1,
        progress=False,
        simulate=ThresholdTrial(dt.date(2024, 3, 1)),
    )
    figure = plot_sweep(exploration, "collapse_within_24m")
    band = [c for c in figure.axes[0].collections if c.get_gid() == "band0"][0]
    table = exploration.outcome("collapse_within_24m")
    highs = band.get_paths()[0].vertices[:, 1]
    assert np.isclose(highs.max(), table["high"].max())


def test_index_bars_carry_their_intervals():
    f = evaluate(lambda a, b: a + 2 * b, {"a": (0, 1), "b": (0, 1)}, "sobol", 256)
    indices = sobol(f, "y")
    figure = plot_indices(indices)
    bars = [c for c in figure.axes[0].containers if type(c).__name__ == "BarContainer"]
    errors = [c for c in figure.axes[0].containers if type(c).__name__ == "ErrorbarContainer"]
    assert len(bars) == len(errors) == 2
    # the whiskers of the total index of the larger lever (b, drawn first) span its interval
    whiskers = errors[1].lines[2][0].get_segments()[0]
    assert whiskers[:, 0] == pytest.approx([indices.loc["b", "ST_low"], indices.loc["b", "ST_high"]])
    m = evaluate(lambda a, b: a + 2 * b, {"a": (0, 1), "b": (0, 1)}, "morris", 8)
    assert plot_indices(morris(m, "y")).axes[0].get_title(loc="left").startswith("Morris")


def test_prim_figures_show_the_trajectory_and_the_box():
    rng = np.random.default_rng(1)
    f = evaluate(
        lambda a, b: float(0.2 < a < 0.5 and b > 0.6), {"a": (0, 1), "b": (0, 1)}, "lhs", 400, seed=2
    )
    inputs, bad = cases(f, "y > 0.5")
    result = prim(inputs, bad)
    tradeoff = plot_prim_tradeoff(result)
    assert len(tradeoff.axes[0].collections[0].get_offsets()) == len(result.trajectory)
    box = plot_prim_box(result, levers=f.levers)
    assert {p.get_gid() for p in box.axes[0].patches} >= {"box:a", "box:b"}
    del rng


def test_a_heat_map_has_one_cell_per_grid_point():
    f = evaluate(lambda a, b: a * b, {"a": (0, 1), "b": (0, 2)}, "grid", 5)
    figure = plot_heatmap(f, "y", "a", "b")
    (mesh,) = [c for c in figure.axes[0].collections if c.get_gid() == "cells"]
    assert mesh.get_array().size == 25
