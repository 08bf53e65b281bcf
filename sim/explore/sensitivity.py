"""Global sensitivity of an outcome to the levers of an experiment (SALib).

- :func:`sobol`: first-order (``S1``) and total (``ST``) Sobol indices with bootstrap
  95% intervals, from an experiment with a ``sobol`` design;
- :func:`morris`: Morris elementary effects (``mu_star`` with its bootstrap interval,
  ``sigma``) from a ``morris`` design, a cheap screening of many levers.

The analysed quantity is the outcome's mean at each design point over that point's
trials (for a yes/no outcome, its probability). Monte Carlo error in those means adds
variance that no lever explains: it lowers every ``S1`` and raises every ``ST`` a
little. :func:`sobol` reports its share of the variance as ``noise_share`` (the mean
squared standard error of the point means over their variance); keep it small with
more trials per point. Common random numbers help: every point uses the same trials.

Censoring: ``collapse_within_24m`` has no value in a trial whose run ends too soon
after its exit. A point's probability is over the trials that have a value; a point
where none has one has no mean, and the analysis is refused, naming such points (set
the scenario's end later, or vary the exit over a range that leaves 24 months).

Both methods assume **independent inputs**. Levers set with ``prior`` take the
scenario's distribution of that input as its marginal; where the scenario draws
inputs jointly (its ``correlations``), the analysis treats them as independent with
those marginals, and says so in ``notes``. Inputs not varied keep their joint draws
inside each point's trials.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.explore.experiment import Exploration
from sim.explore.inputs import correlated_paths
from sim.explore.levers import ExploreError, needs

LEVEL = 0.95
RESAMPLES = 1000


def sobol(exploration: Exploration, outcome: str, resamples: int = RESAMPLES, seed: int = 0) -> pd.DataFrame:
    """Sobol first-order and total indices of ``outcome`` for each lever.

    Returns a DataFrame indexed by lever with ``S1``, ``S1_low``, ``S1_high``, ``ST``,
    ``ST_low``, ``ST_high`` (bootstrap 95% intervals, ``resamples`` resamples); its
    ``attrs`` hold ``outcome``, ``noise_share`` and ``notes``.
    """
    salib_sobol = needs("SALib.analyze.sobol", "Sobol indices")
    y = _outputs(exploration, outcome, "sobol")
    design = exploration.design
    result = salib_sobol.analyze(
        design.problem(),
        y,
        calc_second_order=False,
        num_resamples=resamples,
        conf_level=LEVEL,
        print_to_console=False,
        seed=_salib_seed(seed),
    )
    frame = pd.DataFrame(
        {
            "S1": result["S1"],
            "S1_low": result["S1"] - result["S1_conf"],
            "S1_high": result["S1"] + result["S1_conf"],
            "ST": result["ST"],
            "ST_low": result["ST"] - result["ST_conf"],
            "ST_high": result["ST"] + result["ST_conf"],
        },
        index=pd.Index(exploration.lever_names, name="lever"),
    )
    frame.attrs.update(
        outcome=outcome,
        noise_share=noise_share(exploration, outcome),
        notes=_notes(exploration),
        method="sobol",
    )
    return frame


def morris(exploration: Exploration, outcome: str, resamples: int = RESAMPLES, seed: int = 0) -> pd.DataFrame:
    """Morris screening of ``outcome``, one row per lever.

    Columns ``mu``, ``mu_star`` (mean absolute elementary effect, in outcome units per the
    lever's whole range), ``mu_star_low``, ``mu_star_high`` (bootstrap 95% interval) and
    ``sigma`` (spread of the effects: interactions or curvature).
    """
    from sim.explore.designs import MORRIS_LEVELS

    salib_morris = needs("SALib.analyze.morris", "Morris screening")

    y = _outputs(exploration, outcome, "morris")
    design = exploration.design
    result = salib_morris.analyze(
        design.problem(),
        design.unit,
        y,
        num_resamples=resamples,
        conf_level=LEVEL,
        num_levels=MORRIS_LEVELS,
        print_to_console=False,
        seed=_salib_seed(seed),
    )
    frame = pd.DataFrame(
        {
            "mu": result["mu"],
            "mu_star": result["mu_star"],
            "mu_star_low": np.asarray(result["mu_star"]) - np.asarray(result["mu_star_conf"]),
            "mu_star_high": np.asarray(result["mu_star"]) + np.asarray(result["mu_star_conf"]),
            "sigma": result["sigma"],
        },
        index=pd.Index(exploration.lever_names, name="lever"),
    )
    frame.attrs.update(outcome=outcome, notes=_notes(exploration), method="morris")
    return frame


def _salib_seed(seed: int) -> int:
    # SALib seeds its bootstrap only for a seed that is truthy: 0 would mean "unseeded".
    return int(seed) + 1


def noise_share(exploration: Exploration, outcome: str) -> float:
    """Share of the variance of the point means that is Monte Carlo error (0 for a function)."""
    table = exploration.outcome(outcome)
    variance = float(np.var(table["mean"].to_numpy(float), ddof=1))
    if not variance > 0:
        return float("nan")
    # A 95% interval spans about 2 x 1.96 standard errors.
    se = (table["high"] - table["low"]).to_numpy(float) / (2 * 1.959964)
    se = np.nan_to_num(se, nan=0.0)
    return float(np.mean(se**2) / variance)


def _outputs(exploration: Exploration, outcome: str, kind: str) -> np.ndarray:
    if exploration.design.kind != kind:
        raise ExploreError(
            f"{kind} indices need an experiment with design '{kind}', found '{exploration.design.kind}'"
        )
    if exploration.interrupted or len(exploration.points) != exploration.design.points:
        raise ExploreError(
            f"{kind} indices need every design point; the experiment has {len(exploration.points)} of "
            f"{exploration.design.points} (resume it from its checkpoint first)"
        )
    try:
        table = exploration.outcome(outcome)
    except KeyError as error:
        raise ExploreError(str(error.args[0])) from None
    y = table["mean"].to_numpy(float)
    missing = np.flatnonzero(~np.isfinite(y))
    if len(missing):
        shown = ", ".join(str(p) for p in missing[:10])
        raise ExploreError(
            f"{outcome} has no value at {len(missing)} design point(s) ({shown}{' ...' if len(missing) > 10 else ''}):"
            " every trial there is censored (the run ends too soon after the exit) or failed; "
            "set the scenario's end later or narrow the levers' ranges"
        )
    return y


def _notes(exploration: Exploration) -> list[str]:
    notes = []
    scenario: Any = exploration.scenario
    if scenario is not None:
        tied = correlated_paths(scenario)
        varied = [lv.name for lv in exploration.levers if lv.name in tied]
        if varied:
            one = len(varied) == 1
            notes.append(
                f"{', '.join(varied)} {'is' if one else 'are'} drawn jointly with other inputs in {scenario.name} "
                f"(its correlations); the indices treat {'it' if one else 'them'} as independent, with the "
                "scenario's marginal distribution"
            )
        if exploration.trials_per_point > 1:
            notes.append(
                f"each point's mean is over {exploration.trials_per_point} trials with common random numbers"
            )
    return notes
