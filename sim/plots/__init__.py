"""Figures from Monte Carlo results.

Each function takes a ``Results`` (or a ``Comparison``) and returns a
:class:`matplotlib.figure.Figure`.

Figures are not registered with pyplot, so they never pop up or pile up: a notebook
displays the returned figure, a script saves it (see :func:`save_all`). Styling is
applied per call, leaving global matplotlib settings untouched.

Example::

    from sim.plots import plot_dashboard, save_all
    fig = plot_dashboard(results)
    save_all(results, "results/six-months")
"""

from sim.plots.attacks import plot_attack_timeline
from sim.plots.compare import plot_compare_fan, plot_compare_outcomes, plot_differences
from sim.plots.explore import plot_heatmap, plot_indices, plot_prim_box, plot_prim_tradeoff, plot_sweep
from sim.plots.fans import plot_dashboard, plot_fan, plot_troops
from sim.plots.outcomes import KEY_OUTCOMES, plot_outcome, plot_outcomes
from sim.plots.risk import plot_collapse_risk
from sim.plots.save import save_all, save_comparison, save_figure
from sim.plots.sensitivity import plot_tornado, rank_correlations
from sim.plots.style import PALETTE, scenario_colours

__all__ = [
    "KEY_OUTCOMES",
    "PALETTE",
    "plot_attack_timeline",
    "plot_collapse_risk",
    "plot_compare_fan",
    "plot_compare_outcomes",
    "plot_dashboard",
    "plot_differences",
    "plot_fan",
    "plot_heatmap",
    "plot_indices",
    "plot_outcome",
    "plot_outcomes",
    "plot_prim_box",
    "plot_prim_tradeoff",
    "plot_sweep",
    "plot_tornado",
    "plot_troops",
    "rank_correlations",
    "save_all",
    "save_comparison",
    "save_figure",
    "scenario_colours",
]
