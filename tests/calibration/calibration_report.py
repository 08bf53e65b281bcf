"""Print the calibration tables of docs/calibration.md from fresh runs.

Usage (from the repository root; on two cores the first takes about a minute, the
second several minutes)::

    python tests/calibration/calibration_report.py               # record vs model, fact by fact
    python tests/calibration/calibration_report.py --sensitivity # what the fit depends on
    python tests/calibration/calibration_report.py --forward     # collapse risk after each exit
    python tests/calibration/calibration_report.py --discrimination  # the back test against wrong models
    python tests/calibration/calibration_report.py --posterior   # what the fit moved (from the file)

Add ``--write`` to put the tables into ``docs/calibration.md`` (between its
``<!-- begin ... -->`` and ``<!-- end ... -->`` markers) instead of printing them.

The first table runs each replay exactly as the back tests do (same trials, seed and
measures, :mod:`sim.calibrate.checks`). The sensitivity analysis has two parts:

- rank correlations (Spearman) between each parameter drawn from a distribution and
  each calibration measure, over the back-test runs (the parameters the fit's spread
  comes from);
- one-at-a-time sweeps of fixed defaults: each replay is rerun with one parameter
  halved and increased by half (same seed, so the trials share their random numbers),
  and the median of the measure and the record's percentile rank are printed. The
  default column is a run of the same size, so it differs slightly from the back test.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

import numpy as np
from scipy.stats import spearmanr

from sim.calibrate.checks import (
    CHECKS,
    ROOT,
    RUNS,
    SCENARIOS,
    collapse_day_or_never,
    evaluate,
    held_out,
    replay,
)
from sim.scenario.schema import Retaliation, WeaponCasualties

SWEEP_TRIALS = 300
DOC = ROOT / "docs" / "calibration.md"


def _at(path: str) -> Callable[[float], dict]:
    """Overrides setting one numeric parameter."""
    return lambda value: {path: value}


def _episode(which: str, field: str) -> Callable[[float], dict]:
    """Overrides of one field of a retaliation episode, the others at their defaults.

    The whole episode is written because a partial mapping would take the other fields
    from the ``Episode`` class, not from this episode's own defaults.
    """
    default = getattr(Retaliation(), which).model_dump()
    return lambda value: {f"retaliation.{which}": {**default, field: value}}


def _dispersion(value: float) -> dict:
    """Overrides of the casualty dispersion of every weapon, the means at their defaults."""
    weapons = WeaponCasualties().model_dump()
    return {f"militia.casualties.{w}": {**c, "dispersion": value} for w, c in weapons.items()}


# (replay, check measured, parameter shown, its default, overrides for a value).
SWEEPS: tuple[tuple[str, str, str, float, Callable[[float], dict]], ...] = (
    ("replay_2023", "attacks_by_24_jan_2024", "militia.decay_days", 3.0, _at("militia.decay_days")),
    (
        "replay_2023",
        "attacks_by_24_jan_2024",
        "retaliation.attacks_per_strike",
        15.0,
        _at("retaliation.attacks_per_strike"),
    ),
    (
        "replay_2023",
        "attacks_by_24_jan_2024",
        "retaliation.deterrence.probability",
        0.05,
        _episode("deterrence", "probability"),
    ),
    ("replay_2023", "no_attacks_in_gaza_truce", "militia.decay_days", 3.0, _at("militia.decay_days")),
    (
        "replay_2023",
        "wounded_by_4_feb_2024",
        "militia.casualties.drone.wounded_mean",
        5.5,
        _at("militia.casualties.drone.wounded_mean"),
    ),
    ("replay_2023", "wounded_by_4_feb_2024", "militia.casualties.*.dispersion", 0.1, _dispersion),
    (
        "replay_2023",
        "attacks_5_feb_to_16_jul_2024",
        "retaliation.escalation.probability",
        0.15,
        _episode("escalation", "probability"),
    ),
    ("replay_2011", "collapse_905_days_after_exit", "isf.readiness", 0.6, _at("isf.readiness")),
)


def _number(value: float) -> str:
    if math.isnan(value):
        return "-"
    if value != 0 and (abs(value) < 0.01 or abs(value) >= 10000):
        return f"{value:.3g}"
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"


def record_table() -> str:
    """The record against the model's median and central interval, check by check."""
    lines = [
        "| replay | fact | kept for | record | model median | model interval | record's rank | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for check in CHECKS:
        results = replay(check.scenario)
        verdict = evaluate(check, check.measure(results))
        if check.rule == "probability_at_most":
            model, interval = f"P = {verdict.median:.3f}", f"tolerance {check.tolerance}"
        else:
            shown = [_number(v) for v in (verdict.median, verdict.low, verdict.high)]
            if check.measure is collapse_day_or_never:  # the day after the horizon = none
                horizon = results.scenario.days
                shown = [
                    s if v <= horizon else "none"
                    for s, v in zip(shown, (verdict.median, verdict.low, verdict.high), strict=True)
                ]
            tail = (100 - check.band) / 2
            model, interval = shown[0], f"{shown[1]} - {shown[2]} ({tail:g}-{100 - tail:g}%)"
        status = "pass" if verdict.passed else "fail"
        if check.known_failure:
            status += " (known, structural)"
        rank = "-" if math.isnan(verdict.rank) else f"{verdict.rank:.0f}%"
        lines.append(
            f"| {check.scenario} | {check.what} | {held_out(check)} | {_number(check.record)}"
            f"{f' ({check.record_note})' if check.record_note else ''} "
            f"| {model} | {interval} | {rank} | {status} |"
        )
    return "\n".join(lines)


# The measures whose rank correlations with the drawn parameters are shown.
CORRELATED: dict[str, tuple[str, ...]] = {
    "replay_2023": (
        "attacks_by_21_nov_2023",
        "no_attacks_in_gaza_truce",
        "attacks_by_24_jan_2024",
        "attacks_5_feb_to_16_jul_2024",
        "quiet_days_after_deterrence",
        "syria_share_of_attacks",
        "strikes_by_25_jan_2024",
        "wounded_by_4_feb_2024",
    ),
    "replay_2011": (
        "isis_strength_end_2012",
        "collapse_905_days_after_exit",
        "territory_23_months_after_collapse",
    ),
    "replay_decline": ("isis_attacks_2024", "isis_strength_sep_2024"),
    "phased_2024": (),
}


def correlation_tables() -> str:
    """Spearman correlations of the drawn parameters with each replay's measures.

    Parameters whose correlation is under 0.1 in size for every measure are left out;
    conditional measures use only the trials that meet their condition.
    """
    by_name = {check.name: check for check in CHECKS}
    lines: list[str] = []
    for scenario in RUNS:
        if not CORRELATED[scenario]:
            continue
        results = replay(scenario)
        checks = [by_name[name] for name in CORRELATED[scenario]]
        measures = [np.asarray(check.measure(results), dtype=float) for check in checks]
        if lines:
            lines.append("")
        lines += [
            f"`{scenario}` ({results.n_trials} trials):",
            "",
            "| parameter | " + " | ".join(check.name for check in checks) + " |",
            "|---|" + "---|" * len(checks),
        ]
        for param in (c for c in results.trials.columns if c.startswith("param:")):
            drawn = results.trials[param].to_numpy(dtype=float)
            rhos = []
            for values in measures:
                keep = ~np.isnan(values)
                if np.ptp(drawn[keep]) == 0 or np.ptp(values[keep]) == 0:
                    rhos.append(math.nan)
                else:
                    rhos.append(float(spearmanr(drawn[keep], values[keep]).statistic))
            if all(math.isnan(rho) or abs(rho) < 0.1 for rho in rhos):
                continue
            cells = [
                "-" if math.isnan(r) else (f"**{r:+.2f}**" if abs(r) >= 0.3 else f"{r:+.2f}") for r in rhos
            ]
            lines.append(f"| `{param.removeprefix('param:')}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sweep_table() -> str:
    """One-at-a-time sweeps: each fixed default halved and raised by half."""
    from sim.montecarlo import run
    from sim.scenario.loader import load_scenario

    by_name = {check.name: check for check in CHECKS}
    lines = [
        "| replay | measure | parameter | x0.5: median (rank) | default: median (rank) | x1.5: median (rank) |",
        "|---|---|---|---|---|---|",
    ]
    for scenario, name, shown, default, overrides in SWEEPS:
        check = by_name[name]
        seed = RUNS[scenario][1]
        cells = []
        for factor in (0.5, 1.0, 1.5):
            value = default * factor
            if shown.endswith("probability") or shown == "isf.readiness":
                value = min(value, 1.0)
            loaded = load_scenario(SCENARIOS / f"{scenario}.yaml", overrides=overrides(value))
            results = run(loaded, trials=SWEEP_TRIALS, seed=seed, jobs=2, progress=False, keep_events=False)
            verdict = evaluate(check, check.measure(results))
            cells.append(f"{_number(verdict.median)} ({verdict.rank:.0f}%)")
        lines.append(f"| {scenario} | {name} | `{shown}` = {_number(default)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


FORWARD = ("fast_exit", "phased_2024", "bilateral", "conditions_based", "from_2026")
"""The shipped forward scenarios whose collapse risk after the exit is reported."""

FORWARD_TRIALS = 1000
NESTED = (40, 100)  # outer parameter draws, inner trials per draw


def forward_tables() -> dict[str, str]:
    """Collapse risk after each forward scenario's exit, what drives it, and how it varies
    across parameter draws (nested runs)."""
    from sim.montecarlo import run
    from sim.montecarlo.nested import nested
    from sim.scenario.loader import load_scenario

    risk = [
        "| scenario | median exit | P(collapse within 12 months) | within 24 months | within 36 months | "
        "P(within 24 months) across parameter draws: 5% / 50% / 95% |",
        "|---|---|---|---|---|---|",
    ]
    drivers = [
        "| scenario | strongest rank correlations with the peak imbalance in the 24 months after the exit |",
        "|---|---|",
    ]
    for name in FORWARD:
        scenario = load_scenario(SCENARIOS / f"{name}.yaml")
        results = run(scenario, trials=FORWARD_TRIALS, jobs=2, progress=False, keep_events=False)
        summary = results.summary()
        cells = []
        for months in (12, 24, 36):
            row = summary.loc[f"collapse_within_{months}m"]
            cells.append(
                f"{100 * row['mean']:.1f}% ({100 * row['ci_low']:.1f}-{100 * row['ci_high']:.1f}; n={int(row['n'])})"
            )
        exit_day = float(np.nanmedian(results.trials["exit_day"].to_numpy(dtype=float)))
        exit_date = (
            "none"
            if math.isnan(exit_day)
            else str(scenario.start + __import__("datetime").timedelta(days=exit_day))
        )
        _, spread = nested(scenario, "collapse_within_24m", outer=NESTED[0], inner=NESTED[1], jobs=1)
        across = f"{100 * spread['p5']:.1f}% / {100 * spread['p50']:.1f}% / {100 * spread['p95']:.1f}%"
        risk.append(f"| {name} | {exit_date} | " + " | ".join(cells) + f" | {across} |")
        imbalance = results.trials["peak_imbalance_24m"].to_numpy(dtype=float)
        keep = np.isfinite(imbalance)
        rhos = []
        for param in (c for c in results.trials.columns if c.startswith("param:")):
            drawn = results.trials[param].to_numpy(dtype=float)[keep]
            if np.ptp(drawn) > 0:
                rhos.append(
                    (float(spearmanr(drawn, imbalance[keep]).statistic), param.removeprefix("param:"))
                )
        top = sorted(rhos, key=lambda r: -abs(r[0]))[:6]
        drivers.append(f"| {name} | " + ", ".join(f"`{p}` {r:+.2f}" for r, p in top) + " |")
    return {"forward-risk": "\n".join(risk), "forward-drivers": "\n".join(drivers)}


def posterior_table() -> str:
    """What the fit moved: each fitted parameter's prior and its posterior in the shipped file."""
    import json

    from sim.calibrate.fit import build_problem, shrinkage

    document = json.loads((ROOT / "data" / "posteriors" / "model2.json").read_text())
    problem = build_problem(only=document["parameters"])
    particles = np.array(document["particles"])
    columns = [document["parameters"].index(path) for path in problem.paths]
    weights = np.array(document["weights"]) / np.sum(document["weights"])
    rows = {row["parameter"]: row for row in shrinkage(problem, particles[:, columns], weights)}
    lines = [
        "| parameter | prior 5% / 50% / 95% | posterior 5% / 50% / 95% | narrowed |",
        "|---|---|---|---|",
    ]
    for path in document["parameters"]:
        row = rows[path]
        lines.append(
            f"| `{path}` | {' / '.join(_number(v) for v in row['prior'])} "
            f"| {' / '.join(_number(v) for v in row['posterior'])} | {100 * row['narrowed']:.0f}% |"
        )
    return "\n".join(lines)


def discrimination_table() -> str:
    """The back test's verdict on the shipped model and on each deliberately wrong setting."""
    from sim.calibrate.backtest import WRONG_SETTINGS, run_backtest

    lines = [
        "| replay | setting | what it breaks | misses (p) | surprise T (p) | worst fact (p) | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    cases = [(name, "", "the shipped model") for name in ("replay_2023", "replay_2011")] + list(
        WRONG_SETTINGS
    )
    for replay_name, setting, what in cases:
        report = run_backtest([replay_name], overrides=[setting] if setting else None)
        verdict = "**rejected**" if report.rejected else "not rejected"
        lines.append(
            f"| {replay_name} | {f'`{setting}`' if setting else 'as shipped'} | {what} "
            f"| {report.misses} of {report.counted} ({report.p_value:.3f}) "
            f"| {report.surprise:.1f} ({report.p_surprise:.3f}) "
            f"| {report.worst:.1f} ({report.p_worst:.3f}) | {verdict} |"
        )
    return "\n".join(lines)


def replace_section(text: str, name: str, content: str) -> str:
    """``text`` with the lines between ``<!-- begin NAME -->`` and ``<!-- end NAME -->`` replaced."""
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    head, found, rest = text.partition(begin)
    _, found_end, tail = rest.partition(end)
    if not (found and found_end):
        raise ValueError(f"{DOC} has no section marked {begin} ... {end}")
    return f"{head}{begin}\n{content}\n{end}{tail}"


def main() -> None:
    """Parse the options; print the tables, or write them into docs/calibration.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sensitivity", action="store_true", help="the sensitivity tables instead")
    parser.add_argument(
        "--forward", action="store_true", help="collapse risk after the exit of the forward scenarios instead"
    )
    parser.add_argument(
        "--posterior",
        action="store_true",
        help="what the fit moved, from the shipped posterior file, instead",
    )
    parser.add_argument(
        "--discrimination",
        action="store_true",
        help="the back test's verdicts on the shipped model and on deliberately wrong ones instead",
    )
    parser.add_argument(
        "--write", action="store_true", help=f"replace the marked tables in {DOC.name} instead of printing"
    )
    args = parser.parse_args()
    if args.sensitivity:
        tables = {"correlations": correlation_tables(), "sweeps": sweep_table()}
    elif args.forward:
        tables = forward_tables()
    elif args.discrimination:
        tables = {"discrimination": discrimination_table()}
    elif args.posterior:
        tables = {"posterior": posterior_table()}
    else:
        tables = {"record-table": record_table()}
    if not args.write:
        print("\n\n".join(tables.values()))
        return
    text = DOC.read_text(encoding="utf-8")
    for name, content in tables.items():
        text = replace_section(text, name, content)
    DOC.write_text(text, encoding="utf-8")
    print(f"updated {', '.join(tables)} in {DOC}")


if __name__ == "__main__":
    main()
