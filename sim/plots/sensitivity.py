"""Which drawn parameters drive an outcome: a tornado of Spearman rank correlations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.stats import spearmanr

from sim.plots.style import OKABE_ITO, new_figure, no_data, outcome_title, styled

if TYPE_CHECKING:
    from sim.montecarlo import Results

MAX_BARS = 15


def rank_correlations(results: Results, outcome: str) -> pd.DataFrame:
    """Spearman's rho between each varying ``param:*`` column and an outcome.

    Returns a DataFrame indexed by parameter path (``param:`` removed) with columns
    ``rho`` and ``p_value``, sorted by decreasing ``|rho|``; empty when no parameter
    varies or the outcome is constant. Trials where the outcome is ``nan`` are left out.
    """
    trials = results.trials
    y = trials[outcome].to_numpy(dtype=float)
    keep = np.isfinite(y)
    rows = []
    if keep.sum() > 2 and np.ptp(y[keep]) > 0:
        for column in trials.columns:
            if not column.startswith("param:"):
                continue
            x = trials[column].to_numpy(dtype=float)[keep]
            if np.ptp(x) == 0:
                continue
            rho, p_value = spearmanr(x, y[keep])
            if np.isfinite(rho):
                rows.append((column.removeprefix("param:"), float(rho), float(p_value)))
    table = pd.DataFrame(rows, columns=["parameter", "rho", "p_value"]).set_index("parameter")
    return table.reindex(table["rho"].abs().sort_values(ascending=False).index)


@styled
def plot_tornado(results: Results, outcome: str) -> Figure:
    """Spearman rank correlation of each varying parameter with an outcome, largest first.

    Bars right of zero: higher parameter values go with a higher outcome. At most the
    15 strongest are shown. With few trials, small |rho| are mostly noise: the
    dotted lines mark the size of correlation that chance alone reaches at p = 0.05.
    """
    table = rank_correlations(results, outcome).head(MAX_BARS)
    height = 1.6 + 0.32 * max(len(table), 3)
    figure, axes = new_figure(width=9.0, height=height)
    ax = axes[0, 0]
    ax.set_title(f"What drives {outcome_title(outcome)}: {results.name} ({results.n_trials} trials)")
    if table.empty:
        varying = [c for c in results.trials if c.startswith("param:") and results.trials[c].nunique() > 1]
        if varying:
            no_data(ax, f"{outcome_title(outcome)} does not vary across trials: nothing to correlate")
        else:
            no_data(ax, "no drawn parameter varies across trials:\ngive some parameters a distribution")
        return figure
    colours = [OKABE_ITO["vermillion"] if r > 0 else OKABE_ITO["blue"] for r in table["rho"]]
    ax.barh(range(len(table)), table["rho"], color=colours, height=0.7, gid="rho")
    ax.set_yticks(range(len(table)), table.index)
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.axvline(0, color="black", linewidth=1)
    chance = 1.96 / np.sqrt(max(results.n_trials - 1, 1))
    for side in (-chance, chance):
        ax.axvline(side, color="black", linewidth=0.8, linestyle=":")
    ax.set_xlim(-1, 1)
    ax.set_xlabel(f"Spearman rank correlation with {outcome_title(outcome)} (rho, -1 to 1)")
    ax.grid(axis="y", visible=False)
    for y, rho in enumerate(table["rho"]):
        end = max(abs(rho), chance)  # beyond the dotted chance line, so they do not cross
        ax.text(
            np.copysign(end + 0.02, rho),
            y,
            f"{rho:+.2f}",
            va="center",
            ha="left" if rho >= 0 else "right",
            fontsize=8,
        )
    ax.plot([], [], color="black", linewidth=0.8, linestyle=":", label="chance level (p = 0.05)")
    ax.legend(loc="lower right", framealpha=0.85)
    return figure
