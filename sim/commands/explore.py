"""``python -m sim explore FILE --vary PATH=LOW..HIGH ... --design grid|lhs|sobol|morris``.

Runs :func:`sim.explore.explore`, prints one row per point (the levers and each named
outcome's mean with its 95% interval, probabilities in percent), saves the experiment
(``points.parquet``, ``points.csv``, ``trials.parquet``, ``bands.npz``,
``exploration.json``) and its figures, and keeps a checkpoint beside the output folder
(``<out>.checkpoint``) from which the same command resumes after an interruption.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

from sim.commands.common import (
    UsageError,
    add_backend_options,
    check_backend,
    check_outcomes,
    percent_or_number,
    positive_int,
    positive_number,
    sigterm_interrupts,
)
from sim.explore.kinds import DESIGNS

CHECKPOINT_SUFFIX = ".checkpoint"
PRINTED_POINTS = 40  # more points: the first and last 20, and the whole table in points.csv
EXIT_OK, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 130, 143


def register(commands: Any) -> None:
    """Add the ``explore`` command to the command line's sub-parsers."""
    parser = commands.add_parser(
        "explore",
        help="run a scenario over a design of levers (sweeps, Sobol, Morris)",
        description="Run a scenario at every point of a design over its levers, with the same trials "
        "(common random numbers) at every point; print each point's outcomes with 95%% intervals, "
        "save the experiment and its figures. The same command resumes an interrupted experiment.",
        epilog="Levers: PATH=LOW..HIGH[/STEP] (dates: /1m a month, /30d days), PATH=a,b,c, PATH=prior "
        "(the scenario's own distribution); shorthands exit_start (a date), exit_shift_months, "
        "residual_scale. Example: python -m sim explore scenarios/fast_exit.yaml "
        "--vary exit_start=2024-06-01..2026-12-01/1m --trials 200",
    )
    parser.add_argument("scenario", metavar="SCENARIO.yaml")
    parser.add_argument(
        "--vary", action="append", required=True, metavar="PATH=LOW..HIGH", help="a lever (repeatable)"
    )
    parser.add_argument(
        "--design", choices=DESIGNS, default="grid", help="design of the experiment (default grid)"
    )
    parser.add_argument(
        "--points",
        type=positive_int,
        help="values per lever on a grid (default 11, unless a step or list is given), "
        "samples of lhs (64), base samples of sobol (a power of 2, 64), trajectories of morris (10)",
    )
    parser.add_argument("--trials", type=positive_int, help="trials per point (default 200)")
    parser.add_argument(
        "--precision",
        type=positive_number,
        metavar="HALF_WIDTH",
        help="add trials per point until each --outcome's 95%% interval half-width is at most this "
        "(a fraction for a probability: 0.01 is 1 point of percent)",
    )
    parser.add_argument(
        "--max-trials", type=positive_int, default=20_000, help="cap per point with --precision"
    )
    parser.add_argument(
        "--outcome",
        action="append",
        metavar="NAME",
        help="outcome to print, plot and make precise (repeatable; default collapse_within_24m)",
    )
    parser.add_argument(
        "--out", metavar="FOLDER", help="output folder (default outputs.folder/explore-<name>)"
    )
    parser.add_argument("--fresh", action="store_true", help="discard the checkpoint of an earlier run of it")
    parser.add_argument("--no-checkpoint", action="store_true", help="keep no checkpoint (cannot resume)")
    parser.add_argument(
        "--no-trials", action="store_true", help="keep only the points table, not every trial"
    )
    parser.add_argument("--no-plots", action="store_true", help="do not save figures")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    parser.add_argument("--json", action="store_true", help="print the points table as JSON on stdout")
    add_backend_options(parser, per="point")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run ``python -m sim explore``: the exploration, its tables and figures; the exit status."""
    from sim.explore import explore
    from sim.montecarlo.store import slug
    from sim.scenario.loader import load_scenario, parse_assignments

    check_backend(args)
    outcomes = args.outcome or ["collapse_within_24m"]
    check_outcomes(outcomes)
    scenario = load_scenario(args.scenario, parse_assignments(args.overrides))
    out = Path(args.out) if args.out else Path(scenario.outputs.folder) / f"explore-{slug(scenario.name)}"
    _check_out(out)
    checkpoint = out.with_name(out.name + CHECKPOINT_SUFFIX)
    if args.fresh and checkpoint.exists():
        if not (checkpoint / "manifest.json").is_file():
            raise UsageError(
                f"--fresh: expected {checkpoint} to be a checkpoint folder, found something else"
            )
        shutil.rmtree(checkpoint)
    received: set[int] = set()
    with sigterm_interrupts(received):
        exploration = explore(
            scenario,
            args.vary,
            design=args.design,
            points=args.points,
            trials=args.trials,
            seed=args.seed,
            jobs=args.jobs,
            backend=args.backend,
            client=args.scheduler,
            checkpoint=None if args.no_checkpoint else checkpoint,
            precision=args.precision,
            precision_outcomes=outcomes,
            max_trials=args.max_trials,
            keep_trials=not args.no_trials,
            progress=None if not args.quiet else False,
            max_failures=args.max_failures,
        )
    if exploration.interrupted:
        how = "terminated" if signal.SIGTERM in received else "interrupted"
        resume = f"; run the same command again to resume from {checkpoint}" if checkpoint.exists() else ""
        print(
            f"{how}: {len(exploration.points)} of {exploration.design.points} points finished{resume}",
            file=sys.stderr,
        )
        return EXIT_TERMINATED if signal.SIGTERM in received else EXIT_INTERRUPTED
    where = exploration.save(out)
    exploration.points.to_csv(where / "points.csv")
    shutil.rmtree(checkpoint, ignore_errors=True)
    print(f"experiment in {where}", file=sys.stderr)
    _report_failures(exploration)
    if not args.no_plots and scenario.outputs.plots:
        written = _figures(exploration, outcomes, where / "plots", scenario.outputs.plot_format)
        print(f"{len(written)} figures in {where / 'plots'}", file=sys.stderr)
    if args.json:
        json.dump(
            json.loads(exploration.points.to_json(orient="records", date_format="iso")), sys.stdout, indent=2
        )
        sys.stdout.write("\n")
    elif not args.quiet:
        print_points(exploration, outcomes, sys.stdout)
    return EXIT_OK


def _check_out(out: Path) -> None:

    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: expected a folder, found a file at {out}")
    if out.is_dir() and any(out.iterdir()) and not (out / "exploration.json").is_file():
        raise UsageError(f"--out: expected a new folder or an earlier experiment, found other files in {out}")


def _report_failures(exploration: Any) -> None:
    if not exploration.failures:
        return
    shown = ", ".join(f"point {f['point']} trial {f['index']}" for f in exploration.failures[:5])
    more = " ..." if len(exploration.failures) > 5 else ""
    print(
        f"warning: {len(exploration.failures)} trial(s) failed and are left out ({shown}{more}; each with its "
        "seed, parameters and reason in exploration.json)",
        file=sys.stderr,
    )


def print_points(exploration: Any, outcomes: list[str], stream: Any) -> None:
    """The points table as text: levers, then each outcome's mean and 95% interval."""
    from sim.engine.outcomes import describe

    points = exploration.points
    levers = exploration.lever_names
    header = [*levers, "trials", *(f"{o} (95% CI)" for o in outcomes)]
    rows = []
    for _, row in points.iterrows():
        cells = [_lever_cell(row[name]) for name in levers] + [str(int(row["trials"]))]
        for outcome in outcomes:
            binary = describe(outcome).kind == "binary"
            mean = percent_or_number(row[outcome], binary)
            low, high = (percent_or_number(row[f"{outcome}:{k}"], binary) for k in ("low", "high"))
            cells.append(f"{mean} ({low} to {high})" if low != "-" else mean)
        rows.append(cells)
    if len(rows) > PRINTED_POINTS:
        half = PRINTED_POINTS // 2
        rows = [*rows[:half], ["..."] * len(header), *rows[-half:]]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    print(
        f"{exploration.name}: {exploration.design.kind} design, {len(points)} points, seed {exploration.seed} "
        f"(common random numbers), {exploration.timings.get('wall_seconds', float('nan')):.1f} s",
        file=stream,
    )
    for i, cells in enumerate((header, *rows)):
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip(), file=stream)
        if i == 0:
            print("  ".join("-" * w for w in widths), file=stream)


def _lever_cell(value: Any) -> str:
    if hasattr(value, "date"):
        return value.date().isoformat()
    return f"{value:.6g}"


def _figures(exploration: Any, outcomes: list[str], folder: Path, fmt: str) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    from sim.explore import morris, sobol
    from sim.plots import plot_heatmap, plot_indices, plot_sweep, save_figure

    written = []
    kind = exploration.design.kind
    levers = exploration.lever_names
    for outcome in outcomes:
        try:
            if kind in ("sobol", "morris"):
                indices = (sobol if kind == "sobol" else morris)(exploration, outcome)
                indices.to_csv(folder.parent / f"{kind}-{outcome}.csv")
                figure = plot_indices(indices)
            elif len(levers) == 2 and kind == "grid":
                figure = plot_heatmap(exploration, outcome, levers[0], levers[1])
            else:
                figure = plot_sweep(exploration, outcome, levers[0])
        except ValueError as error:  # an ExploreError is one
            print(f"warning: no figure of {outcome}: {error}", file=sys.stderr)
            continue
        written.append(save_figure(figure, folder / f"{kind}-{outcome}.{fmt}"))
    return written
