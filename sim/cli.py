"""The command line: parse arguments, call the library, print.

Three commands::

    python -m sim [run] SCENARIO.yaml [MORE.yaml ...] [options]   run (several: compare)
    python -m sim validate SCENARIO.yaml [...]                    check files, report every error
    python -m sim schema                                           print the JSON Schema

``run`` is the default command, so ``python -m sim scenarios/fast_exit.yaml`` runs a
scenario with its own trial count and seed. Exit status: 0 on success, 2 on a user
error (bad scenario, bad option, unwritable output folder), 1 on an internal error,
130 when interrupted (the finished trials are still saved).

Nothing here computes: every number printed comes from :mod:`sim.montecarlo`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
COMMANDS = ("run", "validate", "schema")

# Outcomes printed in the summary table, in this order (others stay in summary.csv).
TABLE_OUTCOMES = (
    "militia_attacks",
    "interceptions",
    "wounded",
    "killed",
    "strikes",
    "isis_attacks",
    "peak_isis_strength",
    "collapse",
    "collapse_day",
    "peak_territory",
    "final_capability",
    "min_capability",
    "exit_day",
    "troop_days",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        argv.insert(0, "run")
    parser = _parser()
    if not argv:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed its message
        return int(stop.code or 0) and EXIT_USAGE
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`python -m sim schema | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the last line of defence
        return _user_or_internal(error)


def _user_or_internal(error: Exception) -> int:
    from sim.scenario.loader import ScenarioError

    if isinstance(error, ScenarioError):
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(error, UsageError):
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    from sim.montecarlo import TrialError

    if isinstance(error, TrialError):
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    traceback.print_exc()
    print(f"internal error: {error!r} (this is a bug in sim; please report it)", file=sys.stderr)
    return EXIT_INTERNAL


class UsageError(Exception):
    """A user error found by the command line itself (for example an unwritable folder)."""


# --------------------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    from sim import __version__

    parser = argparse.ArgumentParser(
        prog="python -m sim",
        description="Monte Carlo simulation of military withdrawal timelines.",
        epilog="Run `python -m sim COMMAND --help` for a command's options; `run` is the default command.",
    )
    parser.add_argument("--version", action="version", version=f"sim {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run scenarios (the default command); several files are compared",
        description="Run each scenario's Monte Carlo trials, print a summary, save results and plots. "
        "With several files, run them with the same seed and compare them against the first.",
    )
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO.yaml")
    run.add_argument("--trials", type=_trials, help="trials per scenario (default: the scenario's)")
    run.add_argument("--seed", type=_seed, help="seed of the run (default: the scenario's)")
    run.add_argument("--jobs", type=_positive_int, help="worker processes (default: all cores)")
    run.add_argument("--out", metavar="FOLDER", help="results folder (default: outputs.folder/<name>)")
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override one value, e.g. --set militia.branching_ratio=0.5 (repeatable)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar and no summary table")
    run.add_argument("--no-plots", action="store_true", help="do not save figures")
    run.add_argument(
        "--format", choices=("png", "svg", "pdf"), help="figure format (default: the scenario's)"
    )
    run.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    run.add_argument("--events", action="store_true", help="keep every trial's event log")
    run.add_argument(
        "--backend",
        choices=("processes", "dask"),
        default="processes",
        help="where trials run: local processes, or a Dask cluster (needs the dask extra)",
    )
    run.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (with --backend dask)")
    run.set_defaults(handler=_run)

    validate = commands.add_parser(
        "validate",
        help="check scenario files and report every error",
        description="Check scenario files; print every problem in each; exit 2 if any.",
    )
    validate.add_argument("files", nargs="+", metavar="SCENARIO.yaml")
    validate.set_defaults(handler=_validate)

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files (for editors' completion and checks).",
    )
    schema.set_defaults(handler=_schema)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, found {value}")
    return value


def _trials(text: str) -> int:
    from sim.scenario.schema import MAX_TRIALS

    value = _positive_int(text)
    if value > MAX_TRIALS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_TRIALS:,} trials, found {value:,}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"expected a seed between 0 and 2**63 - 1, found {value}")
    return value


# ------------------------------------------------------------------------ commands


def _validate(args: argparse.Namespace) -> int:
    from sim.scenario.loader import check_file

    failed = 0
    for path in args.files:
        problems = check_file(path)
        if problems:
            failed += 1
            for problem in problems:
                print(f"error: {problem}", file=sys.stderr)
        else:
            print(f"ok: {path}")
    if failed:
        print(f"{failed} of {len(args.files)} file(s) have errors", file=sys.stderr)
    return EXIT_USAGE if failed else EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    from sim.scenario.reference import json_schema

    json.dump(json_schema(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from sim.montecarlo import compare, run
    from sim.scenario.loader import load_scenario, parse_assignments

    overrides = parse_assignments(args.overrides)
    scenarios = [load_scenario(path, overrides) for path in args.scenarios]
    names = [s.name for s in scenarios]
    if len(set(names)) < len(names):
        raise UsageError(f"expected scenarios with distinct names, found {', '.join(names)}")
    first = scenarios[0]
    out = Path(args.out) if args.out else Path(first.outputs.folder) / _folder_name(names)
    _check_writable(out)
    progress = None if not args.quiet else False
    options = dict(
        trials=args.trials,
        seed=args.seed,
        jobs=args.jobs,
        progress=progress,
        keep_events=True if args.events else None,
        backend=args.backend,
        client=args.scheduler,
    )
    fmt = args.format or first.outputs.plot_format
    plots = not args.no_plots and first.outputs.plots

    if len(scenarios) == 1:
        results = run(first, **options)
        results.save(out)
        written = _save_plots("save_all", results, out, fmt) if plots else []
        interrupted = results.interrupted
        summary = results.summary()
        if args.json:
            _print_json({first.name: summary}, results, None, out)
        elif not args.quiet:
            _print_table(summary, results, sys.stdout)
    else:
        comparison = compare(scenarios, **options)
        comparison.save(out)
        written = _save_plots("save_comparison", comparison, out, fmt) if plots else []
        interrupted = any(r.interrupted for r in comparison.results)
        if args.json:
            _print_json({r.name: r.summary() for r in comparison.results}, None, comparison, out)
        elif not args.quiet:
            for results in comparison.results:
                _print_table(results.summary(), results, sys.stdout)
                print()
            _print_differences(comparison, sys.stdout)
    where = f"results in {out}" + (f" ({len(written)} figures in {out / 'plots'})" if written else "")
    print(where, file=sys.stderr)
    if interrupted:
        print("interrupted: the results hold the trials that finished", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


def _save_plots(function: str, what: Any, out: Path, fmt: str) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # no display needed, and none is wanted from a command line
    import sim.plots

    return getattr(sim.plots, function)(what, out, fmt=fmt)


def _folder_name(names: list[str]) -> str:
    slugs = [re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-").lower() or "scenario" for name in names]
    return slugs[0] if len(slugs) == 1 else "compare-" + "-vs-".join(slugs)


def _check_writable(out: Path) -> None:
    """Fail before any trial runs if the results folder cannot be written."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: expected a folder, found a file at {out}")
    earlier = (out / "run.json").is_file() or (out / "comparison.json").is_file()
    if out.is_dir() and any(out.iterdir()) and not earlier:
        # Only an earlier results folder is replaced; anything else is the user's.
        raise UsageError(
            f"--out: expected a new folder or an earlier results folder, found other files in {out}"
        )
    parent = out.parent if str(out.parent) else Path(".")
    existing = next((p for p in (parent, *parent.parents) if p.exists()), Path("."))
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out: expected a folder this user can write, found {existing} is not writable")


# --------------------------------------------------------------------------- output


def _number(value: float, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "probability":
        return f"{100 * value:.1f}%"
    magnitude = abs(value)
    if magnitude >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _rows(summary: Any) -> list[tuple[str, ...]]:
    from sim.engine.outcomes import describe

    names = [n for n in TABLE_OUTCOMES if n in summary.index]
    names += [n for n in summary.index if n.startswith("rule:")]
    rows = []
    for name in names:
        row = summary.loc[name]
        outcome = describe(name)
        unit = "probability" if outcome.kind == "binary" else outcome.unit
        label = name if outcome.kind != "binary" else f"P({name})"
        if outcome.kind == "day":
            label += f" [{int(row['n'])} trials]"
        rows.append(
            (
                label,
                _number(row["mean"], unit),
                f"{_number(row['ci_low'], unit)} to {_number(row['ci_high'], unit)}",
                _number(row["median"], unit) if outcome.kind != "binary" else "",
                f"{_number(row['p5'], unit)} to {_number(row['p95'], unit)}"
                if outcome.kind != "binary"
                else "",
                outcome.unit if outcome.kind != "binary" else "",
            )
        )
    return rows


def _print_table(summary: Any, results: Any, stream: TextIO) -> None:
    header = ("outcome", "mean", "95% CI of mean", "median", "5% to 95%", "unit")
    rows = _rows(summary)
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    seconds = results.timings.get("wall_seconds", float("nan"))
    print(
        f"{results.name}: {results.n_trials} trials, seed {results.seed}, "
        f"{results.scenario.days} days from {results.scenario.start} ({seconds:.1f} s)",
        file=stream,
    )
    for i, row in enumerate((header, *rows)):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:-1], widths[1:-1], strict=True)]
        print("  ".join([*cells, row[-1]]).rstrip(), file=stream)
        if i == 0:
            print("  ".join("-" * w for w in widths).rstrip(), file=stream)


def _print_differences(comparison: Any, stream: TextIO) -> None:
    table = comparison.differences()
    keep = table[table["outcome"].isin(TABLE_OUTCOMES) & table["mean_diff"].notna()]
    base = comparison.names[0]
    print(f"Paired differences against {base} (same seed, same trials):", file=stream)
    width = max(len(s) for s in keep["scenario"]) if len(keep) else 8
    for _, row in keep.iterrows():
        print(
            f"  {row['scenario']:<{width}}  {row['outcome']:<20} {_number(row['mean_diff']):>10}"
            f"  ({_number(row['ci_low'])} to {_number(row['ci_high'])})",
            file=stream,
        )


def _print_json(summaries: dict[str, Any], results: Any, comparison: Any, out: Path) -> None:
    payload: dict[str, Any] = {
        "results_folder": str(out),
        "scenarios": {name: _records(summary) for name, summary in summaries.items()},
    }
    if comparison is not None:
        payload["differences"] = json.loads(comparison.differences().to_json(orient="records"))
    json.dump(payload, sys.stdout, indent=2, allow_nan=False, default=str)
    sys.stdout.write("\n")


def _records(summary: Any) -> dict[str, dict[str, Any]]:
    """A summary table as plain JSON values (NaN becomes null)."""
    return json.loads(summary.to_json(orient="index"))
