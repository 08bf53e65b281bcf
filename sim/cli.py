"""The command line: parse arguments, call the library, print.

The commands::

    python -m sim [run] SCENARIO.yaml [MORE.yaml ...] [options]   run (several: compare)
    python -m sim validate SCENARIO.yaml [...]                    check files, report every error
    python -m sim schema                                           print the JSON Schema
    python -m sim trial RESULTS_FOLDER INDEX                       re-run one trial alone
    python -m sim backtest [--only REPLAY ...] [--set PATH=VALUE]  score the model on the record
    python -m sim calibrate [--population N] [--generations G]     fit the posterior (ABC-SMC)
    python -m sim fit-attacks EVENTS.csv [options]                 fit the attack process to events
    python -m sim report RESULTS_FOLDER [--out FILE.html]          one self-contained HTML report
    python -m sim show SCENARIO.yaml [--set PATH=VALUE]            every value and where it comes from
    python -m sim new [FILE.yaml]                                  a commented scenario to start from

``run`` is the default command, so ``python -m sim scenarios/fast_exit.yaml`` runs a
scenario with its own trial count and seed. Exit status: 0 on success, 2 on a user or
environment error (bad scenario, bad option, wrong or unwritable output folder, full
disk, a run too large, an unreachable scheduler), 1 on an internal error or too many
failed trials, 130 when interrupted by Ctrl-C and 143 by SIGTERM (the finished trials
are saved either way, and kept in a checkpoint from which the same command resumes).

Nothing here computes: every number printed comes from :mod:`sim.montecarlo` (or, for
``fit-attacks``, from :mod:`sim.calibrate` through :mod:`sim.commands.fit_attacks`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from sim.montecarlo import Comparison, Results

from sim.commands.common import UsageError, add_backend_options, add_set_option, check_backend

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143
COMMANDS = (
    "run",
    "validate",
    "schema",
    "trial",
    "backtest",
    "calibrate",
    "fit-attacks",
    "report",
    "show",
    "new",
    "explore",
    "search",
)
CHECKPOINT_SUFFIX = ".checkpoint"

# Outcomes printed in the summary table, in this order (others stay in summary.csv).
TABLE_OUTCOMES = (
    "militia_attacks",
    "interceptions",
    "wounded",
    "killed",
    "strikes",
    "isis_attacks",
    "peak_isis_strength",
    "collapse_within_12m",
    "collapse_within_24m",
    "collapse_within_36m",
    "months_exit_to_collapse",
    "collapse",
    "collapse_day",
    "peak_territory",
    "civilian_deaths",
    "final_capability",
    "min_capability",
    "exit_day",
    "federal_iraq_exit_day",
    "kurdistan_exit_day",
    "syria_exit_day",
    "federal_iraq_attacks_per_1000",
    "kurdistan_attacks_per_1000",
    "syria_attacks_per_1000",
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
    except Terminated:
        print("\nterminated", file=sys.stderr)
        return EXIT_TERMINATED
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
    from sim.montecarlo.ledger import LedgerMismatch
    from sim.montecarlo.preflight import RunRefused

    if isinstance(error, LedgerMismatch):
        hint = "; run with --fresh to discard it, or choose another --out"
        print(f"error: {_one_line(str(error))}{hint}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(error, (UsageError, RunRefused)):
        print(f"error: {_one_line(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(error, OSError):  # a full disk, no permission, an unreachable scheduler ...
        print(f"error: {_one_line(_os_message(error))}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(error, MemoryError):
        print("error: this machine ran out of memory; run fewer trials or fewer jobs", file=sys.stderr)
        return EXIT_USAGE
    from sim.montecarlo import TrialError

    if isinstance(error, TrialError):
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    traceback.print_exc()
    print(f"internal error: {error!r} (this is a bug in sim; please report it)", file=sys.stderr)
    return EXIT_INTERNAL


def _os_message(error: OSError) -> str:
    if error.strerror and error.filename:
        return f"{error.filename}: {error.strerror}"
    return str(error) or type(error).__name__


def _one_line(text: str) -> str:
    """Text safe to print as one line: control characters (terminal escapes, line breaks) escaped."""
    from sim.scenario.errors import printable

    return printable(text)


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an interruption so that a run stops as it does on Ctrl-C."""


_received: set[int] = set()  # signals turned into interruptions during this command


def _terminate(signum: int, frame: Any) -> None:
    _received.add(signum)
    raise Terminated


# --------------------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    from sim import __version__
    from sim.commands.arguments import count, positive_int, seed, trials

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
    run.add_argument("--trials", type=trials, help="trials per scenario (default: the scenario's)")
    run.add_argument("--out", metavar="FOLDER", help="results folder (default: outputs.folder/<name>)")
    run.add_argument("--quiet", action="store_true", help="no progress bar and no summary table")
    run.add_argument("--no-plots", action="store_true", help="do not save figures")
    run.add_argument(
        "--format", choices=("png", "svg", "pdf"), help="figure format (default: the scenario's)"
    )
    run.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    run.add_argument("--events", action="store_true", help="keep every trial's event log")
    add_backend_options(run)
    run.add_argument(
        "--precision",
        type=float,
        metavar="HALF_WIDTH",
        help="add trials in batches until each --precision-outcome's 95%% interval half-width is at most "
        "this (a fraction for a probability: 0.01 is one point of percent); --trials is the first batch",
    )
    run.add_argument(
        "--precision-outcome",
        action="append",
        metavar="NAME",
        help="outcome that --precision applies to (repeatable; default collapse_within_24m)",
    )
    run.add_argument(
        "--max-trials", type=trials, default=20_000, help="cap with --precision (default 20,000)"
    )
    run.add_argument(
        "--fresh",
        action="store_true",
        help="discard the checkpoint of an earlier interrupted run instead of resuming it",
    )
    run.add_argument(
        "--no-checkpoint",
        action="store_true",
        help="keep no checkpoint beside the results (saves disk space; a stopped run cannot resume)",
    )
    run.add_argument(
        "--report",
        action="store_true",
        help="also write report.html, one self-contained page, in the results folder",
    )
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

    trial = commands.add_parser(
        "trial",
        help="re-run one trial of a saved run alone (to see why it failed)",
        description="Re-run trial INDEX of the run saved in RESULTS_FOLDER in this process, with its "
        "seed and drawn parameters, and print its outcomes; an error shows its full traceback.",
    )
    trial.add_argument("folder", metavar="RESULTS_FOLDER")
    trial.add_argument("index", type=count, metavar="INDEX")

    backtest = commands.add_parser(
        "backtest",
        help="score the model against every validation fact of the record",
        description="Run the replays and score every fact kept for validation: the record, the "
        "model's percentiles, its rank (PIT), CRPS and interval score. Exit 1 when the model is "
        "rejected as a whole (more facts outside their 90%% intervals, records further out in "
        "their tails, or one record further out, than the model itself makes likely, at "
        "--level), 0 otherwise; an ordinary single miss does not reject it.",
    )
    backtest.add_argument(
        "--only", action="append", metavar="REPLAY", help="run only this replay (repeatable)"
    )
    backtest.add_argument("--trials", type=trials, help="trials per replay (default: each replay's)")
    backtest.add_argument("--jobs", type=positive_int, help="worker processes (default: all cores)")
    add_set_option(
        backtest, "override one value in every replay, e.g. --set retaliation.enabled=false (repeatable)"
    )
    backtest.add_argument(
        "--level", type=float, default=0.05, help="level at which the model is rejected (default: 0.05)"
    )
    backtest.add_argument("--json", action="store_true", help="print the scores as JSON")
    backtest.set_defaults(handler=_backtest)

    calibrate = commands.add_parser(
        "calibrate",
        help="fit the model's structural parameters to the fitting facts (ABC-SMC)",
        description="Fit the structural parameters the fitting facts can inform by approximate "
        "Bayesian computation (ABC-SMC, pyabc) on the replays, and write the posterior (weighted "
        "parameter sets with the facts, seed and version that made them). An interrupted fit "
        "resumes from its checkpoint when the same command is run again. Needs the calibrate "
        "extra (pip install -e '.[calibrate]').",
    )
    calibrate.add_argument(
        "--out",
        default="data/posteriors/model2.json",
        metavar="FILE",
        help="posterior file to write (default: data/posteriors/model2.json)",
    )
    calibrate.add_argument("--population", type=positive_int, default=200, help="particles (default: 200)")
    calibrate.add_argument(
        "--generations", type=positive_int, default=6, help="ABC-SMC generations (default: 6)"
    )
    calibrate.add_argument("--seed", type=seed, default=20240125, help="seed of the fit (default: 20240125)")
    calibrate.add_argument("--jobs", type=positive_int, help="worker processes (default: all cores)")
    calibrate.add_argument(
        "--only", action="append", metavar="REPLAY", help="fit on this replay only (repeatable)"
    )
    calibrate.add_argument(
        "--parameters",
        action="append",
        metavar="PATH",
        help="fit this parameter (or every parameter under this path; repeatable; default: "
        "those the fitting facts can inform)",
    )
    calibrate.add_argument(
        "--backend", choices=("processes", "dask"), default="processes", help="where simulations run"
    )
    calibrate.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler address (with --backend dask)"
    )
    calibrate.add_argument(
        "--fresh", action="store_true", help="discard the checkpoint of an earlier interrupted fit"
    )
    calibrate.set_defaults(handler=_calibrate)
    trial.set_defaults(handler=_trial)

    from sim.commands import fit_attacks

    fit_attacks.add_parser(commands)

    report = commands.add_parser(
        "report",
        help="write one self-contained HTML report of a saved run or comparison",
        description="Write one HTML file (figures embedded) of the results or comparison saved in "
        "RESULTS_FOLDER: the question, the scenarios, summary tables with intervals, the collapse "
        "table, every figure and the run's provenance.",
    )
    report.add_argument("folder", metavar="RESULTS_FOLDER")
    report.add_argument(
        "--out", metavar="FILE.html", help="where to write it (default: RESULTS_FOLDER/report.html)"
    )
    report.set_defaults(handler=_report)

    show = commands.add_parser(
        "show",
        help="print a scenario resolved, with where each value comes from",
        description="Print every value of the scenario in FILE as it would run (extends merged, "
        "--set applied, defaults filled), each with its source: file and line, --set, or default.",
    )
    show.add_argument("file", metavar="SCENARIO.yaml")
    add_set_option(show, "as for run")
    show.set_defaults(handler=_show)

    new = commands.add_parser(
        "new",
        help="write a commented scenario to start from",
        description="Write a small scenario that validates and runs as it is, with a comment on "
        "each part saying what to change (refuses to replace an existing file).",
    )
    new.add_argument("file", metavar="FILE.yaml", nargs="?", default="my_scenario.yaml")
    new.set_defaults(handler=_new)

    from sim.commands import explore, search

    explore.register(commands)
    search.register(commands)
    return parser


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


def _backtest(args: argparse.Namespace) -> int:
    from sim.calibrate.backtest import run_backtest
    from sim.calibrate.checks import RUNS

    unknown = sorted(set(args.only or ()) - set(RUNS))
    if unknown:
        print(
            f"error: --only: expected one of {', '.join(RUNS)}, found {', '.join(unknown)}", file=sys.stderr
        )
        return EXIT_USAGE
    if not 0.0 < args.level < 1.0:
        print(f"error: --level: expected a probability between 0 and 1, found {args.level}", file=sys.stderr)
        return EXIT_USAGE
    report = run_backtest(
        args.only, trials=args.trials, jobs=args.jobs, overrides=args.overrides, level=args.level
    )
    if args.json:
        rows = [
            {
                "fact": s.check.name,
                "replay": s.check.scenario,
                "facts": list(s.check.facts),
                "kept_for": s.kept_for,
                "counted": s.counted,
                "known_failure": s.check.known_failure,
                "record": s.check.record,
                "percentiles": dict(zip(("5", "25", "50", "75", "95"), s.percentiles, strict=True)),
                "pit": s.pit,
                "crps": s.crps,
                "interval_score": s.interval_score,
                "inside_90": s.inside,
                "trials": s.trials,
            }
            for s in report.scores
        ]
        verdict = {
            "misses": report.misses,
            "counted": report.counted,
            "p_value": report.p_value,
            "p_binomial": report.p_binomial,
            "surprise": report.surprise,
            "p_surprise": report.p_surprise,
            "worst": report.worst,
            "p_worst": report.p_worst,
            "level": report.level,
            "rejected": report.rejected,
        }
        json.dump({"facts": rows, "verdict": verdict}, sys.stdout, indent=2)
        print()
    else:
        _print_backtest(report, sys.stdout)
    return EXIT_INTERNAL if report.rejected else EXIT_OK


def _print_backtest(report: Any, stream: TextIO) -> None:
    from sim.montecarlo.results import format_number as _number

    header = ("fact", "kept for", "record", "5%", "25%", "median", "75%", "95%", "rank", "CRPS", "in 90%")
    rows = []
    for s in report.scores:
        status = "yes" if s.inside else "NO"
        if s.check.known_failure:
            status += " (known)"
        elif not s.counted:
            status += " (not counted)"
        rows.append(
            (
                s.check.name,
                s.kept_for,
                _number(s.check.record),
                *(_number(v) for v in s.percentiles),
                f"{100 * s.pit:.0f}%",
                _number(s.crps),
                status,
            )
        )
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, tuple("-" * w for w in widths), *rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(row[2:], widths[2:], strict=True)]
        print("  ".join(cells), file=stream)
    print(
        f"\n{report.misses} of {report.counted} validation facts outside the model's 90% interval; "
        f"the model's own chance of that many or more: {report.p_value:.3f} "
        f"(independent facts: {report.p_binomial:.3f}).",
        file=stream,
    )
    print(
        f"Surprise T = {report.surprise:.1f} (summed -log two-sided tail probabilities); the "
        f"model's own chance of that much or more: {report.p_surprise:.3f}.",
        file=stream,
    )
    print(
        f"Worst single fact: surprise {report.worst:.1f} (tail probability {math.exp(-report.worst):.4f}); "
        f"the model's own chance of one as bad or worse: {report.p_worst:.3f}.",
        file=stream,
    )
    known = [s.check.name for s in report.scores if s.check.known_failure]
    if known:
        print(f"Known structural misses, scored but not counted: {', '.join(known)}.", file=stream)
    verdict = "REJECTED" if report.rejected else "not rejected"
    print(
        f"Verdict at level {report.level:g} (any of the three p-values below {report.level / 3:.3g}): "
        f"the model is {verdict}.",
        file=stream,
    )


def _calibrate(args: argparse.Namespace) -> int:
    try:
        import pyabc  # noqa: F401
    except ImportError:
        print("error: python -m sim calibrate needs pyabc: pip install -e '.[calibrate]'", file=sys.stderr)
        return EXIT_USAGE
    from sim.calibrate import fit
    from sim.calibrate.checks import RUNS
    from sim.montecarlo.results import format_number as _number

    replays = args.only or list(fit.REPLAYS)
    unknown = sorted(set(replays) - set(RUNS))
    if unknown:
        print(
            f"error: --only: expected one of {', '.join(fit.REPLAYS)}, found {', '.join(unknown)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    out = Path(args.out)
    checkpoint = out.with_name(out.name + CHECKPOINT_SUFFIX)
    if args.fresh and checkpoint.exists():
        shutil.rmtree(checkpoint)

    def report(replay: str, generation: Any) -> None:
        print(
            f"{replay}, generation {generation.t + 1}/{args.generations}: epsilon {generation.epsilon:.3g}, "
            f"{generation.particles} accepted of {generation.evaluations} simulated "
            f"({100 * generation.acceptance:.0f}%), effective sample size {generation.ess:.0f}",
            file=sys.stderr,
            flush=True,
        )

    try:
        blocks = fit.fit_blocks(
            checkpoint,
            replays,
            population=args.population,
            generations=args.generations,
            seed=args.seed,
            jobs=args.jobs,
            only=args.parameters,
            backend=args.backend,
            scheduler=args.scheduler,
            report=report,
        )
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: finished generations kept in {checkpoint}; run the same command to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if not blocks:
        print("error: --parameters: none of the named parameters is fitted on these replays", file=sys.stderr)
        return EXIT_USAGE
    path = fit.write_posterior(out, blocks, args.seed, args.population)
    print(f"{'parameter':52s} {'prior 5% / median / 95%':>32s} {'posterior 5% / median / 95%':>32s} narrowed")
    for problem, history in blocks:
        values, weights = fit.posterior_of(problem, history)
        for row in fit.shrinkage(problem, values, weights):
            prior = " / ".join(_number(v) for v in row["prior"])
            posterior = " / ".join(_number(v) for v in row["posterior"])
            print(f"{row['parameter']:52s} {prior:>32s} {posterior:>32s} {100 * row['narrowed']:7.0f}%")
    failures = [f for f in checkpoint.glob("*/failures.jsonl") if f.read_text().strip()]
    failed = sum(len(f.read_text().splitlines()) for f in failures)
    if failed:
        print(
            f"{failed} simulation(s) failed and were rejected; see {', '.join(map(str, failures))}",
            file=sys.stderr,
        )
    else:
        shutil.rmtree(checkpoint, ignore_errors=True)
    print(f"posterior written to {path}")
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    from sim.scenario.reference import json_schema

    json.dump(json_schema(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from sim.montecarlo.store import folder_kind, slug
    from sim.scenario.loader import load_scenario, parse_assignments

    check_backend(args)
    overrides = parse_assignments(args.overrides)
    scenarios = [load_scenario(path, overrides) for path in args.scenarios]
    names = [s.name for s in scenarios]
    if len(set(names)) < len(names):
        raise UsageError(f"expected scenarios with distinct names, found {', '.join(map(_one_line, names))}")
    first = scenarios[0]
    slugs = [slug(name) for name in names]
    default = slugs[0] if len(slugs) == 1 else "compare-" + "-vs-".join(slugs)
    out = Path(args.out) if args.out else Path(first.outputs.folder) / default
    wanted = "results" if len(scenarios) == 1 else "comparison"
    _check_writable(out, wanted, folder_kind)
    checkpoint = out.with_name(out.name + CHECKPOINT_SUFFIX)
    if args.fresh:
        _discard_checkpoint(checkpoint)
    options = dict(
        trials=args.trials,
        seed=args.seed,
        jobs=args.jobs,
        progress=None if not args.quiet else False,
        keep_events=True if args.events else None,
        backend=args.backend,
        client=args.scheduler,
        checkpoint=None if args.no_checkpoint else checkpoint,
        max_failures=args.max_failures,
    )
    if args.precision is not None:
        if not args.precision > 0:
            raise UsageError(f"--precision: expected a positive half-width, found {args.precision}")
        options.update(
            precision=args.precision,
            precision_outcomes=args.precision_outcome or ["collapse_within_24m"],
            max_trials=args.max_trials,
        )
    _received.clear()
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _run_and_save(args, scenarios, out, checkpoint, options)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_and_save(
    args: argparse.Namespace, scenarios: list, out: Path, checkpoint: Path, options: dict
) -> int:
    from sim.montecarlo import Comparison, TooManyFailures, compare, run

    failed: TooManyFailures | None = None
    done: Results | Comparison
    try:
        done = run(scenarios[0], **options) if len(scenarios) == 1 else compare(scenarios, **options)
    except TooManyFailures as error:
        # compare() gives the runs so far as a comparison; run() only its own results
        failed, done = error, error.results if error.comparison is None else error.comparison
    except OSError as error:  # a full disk under the checkpoint, an unreachable scheduler ...
        kept = any(checkpoint.rglob("*.npz")) if checkpoint.is_dir() else False
        where_kept = f"; the trials finished so far are kept in {checkpoint}" if kept else ""
        raise OSError(f"{_os_message(error)}{where_kept}") from None
    every = done.results if isinstance(done, Comparison) else [done]
    interrupted = done.interrupted
    where = _save(done, out, checkpoint)
    print(f"results in {where}", file=sys.stderr)
    for results in every:
        _report_failures(results, where if len(scenarios) == 1 else None)
        precise = results.timings.get("precision")
        if precise:
            widths = ", ".join(f"{k} +-{v:.3g}" for k, v in precise["half_widths"].items())
            reached = (
                "reached" if precise["reached"] else f"not reached within {precise['max_trials']:,} trials"
            )
            print(
                f"{_one_line(results.name)}: precision {precise['target']:g} {reached} with "
                f"{precise['trials_needed']:,} trials ({widths})",
                file=sys.stderr,
            )
    if failed is not None:
        print(f"error: {failed}", file=sys.stderr)
        return EXIT_INTERNAL
    first = scenarios[0]
    fmt = args.format or first.outputs.plot_format
    if not args.no_plots and first.outputs.plots:
        function = "save_all" if len(scenarios) == 1 else "save_comparison"
        written = _save_plots(function, done, where, fmt)
        print(f"{len(written)} figures in {where / 'plots'}", file=sys.stderr)
    if args.report:
        print(f"report in {_write_report(done, where / 'report.html')}", file=sys.stderr)
    if args.json:
        _print_json(every, done if isinstance(done, Comparison) else None, where)
    elif not args.quiet:
        for results in every:
            _print_table(results, sys.stdout)
            if len(scenarios) > 1:
                print()
        if isinstance(done, Comparison):
            _print_differences(done, sys.stdout)
    if interrupted:
        finished = sum(r.n_trials for r in every)
        how = "terminated" if signal.SIGTERM in _received else "interrupted"
        resume = f"; run the same command again to resume from {checkpoint}" if checkpoint.exists() else ""
        print(f"{how}: the results hold the {finished:,} trials that finished{resume}", file=sys.stderr)
        return EXIT_TERMINATED if signal.SIGTERM in _received else EXIT_INTERRUPTED
    return EXIT_OK


def _save(done: Any, out: Path, checkpoint: Path) -> Path:
    """Save the results and return the folder written.

    To ``out``, or beside it when ``out`` holds a complete result and these are not; a
    complete save removes the checkpoint.
    """
    from sim.montecarlo.store import INTERRUPTED_SUFFIX, holds_complete_result

    where = out
    if done.interrupted and holds_complete_result(out):
        where = out.with_name(out.name + INTERRUPTED_SUFFIX)
    try:
        done.save(where)
    except OSError as error:
        kept = (
            f"; the finished trials are kept in {checkpoint}: once the cause is fixed, the same command "
            "saves them without running them again"
            if checkpoint.is_dir()
            else "; the finished trials are lost (no checkpoint was kept)"
        )
        raise OSError(f"could not save the results to {where}: {_os_message(error)}{kept}") from None
    if not done.interrupted:
        shutil.rmtree(checkpoint, ignore_errors=True)
    return where


def _discard_checkpoint(checkpoint: Path) -> None:
    from sim.montecarlo.ledger import MANIFEST

    if not checkpoint.exists():
        return
    ledgers = [checkpoint, *(p for p in checkpoint.iterdir() if p.is_dir())] if checkpoint.is_dir() else []
    if not any((p / MANIFEST).is_file() for p in ledgers):
        raise UsageError(f"--fresh: expected {checkpoint} to be a checkpoint folder, found something else")
    shutil.rmtree(checkpoint)


def _report_failures(results: Results, folder: Path | None) -> None:
    if not results.failures:
        return
    shown = ", ".join(str(f["index"]) for f in results.failures[:10])
    more = " ..." if len(results.failures) > 10 else ""
    print(
        f"warning: {_one_line(results.name)}: {len(results.failures)} trial(s) failed and are left out "
        f"(trials {shown}{more}; each with its reason and traceback in run.json)",
        file=sys.stderr,
    )
    if folder is not None:
        index = results.failures[0]["index"]
        print(f"re-run one alone with: python -m sim trial {folder} {index}", file=sys.stderr)


def _trial(args: argparse.Namespace) -> int:
    from sim.engine import simulate_trial
    from sim.montecarlo.seeding import draw_run_parameters, trial_scenario, trial_seed
    from sim.montecarlo.store import read_run

    try:
        run_info, scenario = read_run(args.folder)
    except ValueError as error:
        raise UsageError(str(error)) from None
    seed, trials = run_info["seed"], scenario.monte_carlo.trials
    if args.index >= trials:
        raise UsageError(f"INDEX: expected a trial from 0 to {trials - 1}, found {args.index}")
    draws = draw_run_parameters(scenario, args.index + 1, seed)
    result = simulate_trial(
        trial_scenario(scenario, draws.paths, draws.values[args.index]), trial_seed(seed, args.index)
    )
    print(f"trial {args.index} of {_one_line(scenario.name)} (seed {seed}):")
    for path, value in zip(draws.paths, draws.values[args.index], strict=True):
        print(f"  param:{path} = {value:.6g}")
    for name, value in result.outcomes.items():
        print(f"  {name} = {float(value):.6g}")
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from sim.montecarlo.results import load_comparison, load_results
    from sim.montecarlo.store import folder_kind

    kind = folder_kind(args.folder)
    if kind not in ("results", "comparison"):
        found = "nothing" if kind is None else "no run.json or comparison.json"
        raise UsageError(
            f"RESULTS_FOLDER: expected a results or comparison folder, found {found} at {args.folder}"
        )
    try:
        done = load_results(args.folder) if kind == "results" else load_comparison(args.folder)
    except ValueError as error:
        raise UsageError(str(error)) from None
    written = _write_report(done, Path(args.out) if args.out else Path(args.folder) / "report.html")
    print(f"report in {written}", file=sys.stderr)
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from sim.scenario.loader import parse_assignments
    from sim.scenario.provenance import value_sources

    found = value_sources(args.file, parse_assignments(args.overrides))
    width = min(60, max(len(f"{s.path} = {s.value}") for s in found))
    for source in found:
        print(_one_line(f"{f'{source.path} = {source.value}':<{width}}  # {source.source}"))
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    from sim.scenario.provenance import TEMPLATE

    path = Path(args.file)
    try:
        with open(path, "x", encoding="utf-8") as stream:  # never replaces the user's file
            stream.write(TEMPLATE)
    except FileExistsError:
        raise UsageError(f"FILE: {path} exists; choose another name (new never replaces a file)") from None
    print(
        f"wrote {path}: edit it, then `python -m sim show {path}` and `python -m sim {path}`", file=sys.stderr
    )
    return EXIT_OK


def _write_report(done: Any, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from sim.report import write_report

    return write_report(done, path)


def _save_plots(function: str, what: Any, out: Path, fmt: str) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # no display needed, and none is wanted from a command line
    import sim.plots

    return getattr(sim.plots, function)(what, out, fmt=fmt)


def _check_writable(out: Path, wanted: str, folder_kind: Any) -> None:
    """Fail before any trial runs if the results folder cannot be written."""
    kind = folder_kind(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: expected a folder, found a file at {out}")
    if kind == "other":
        # Only an earlier results folder is replaced; anything else is the user's.
        raise UsageError(
            f"--out: expected a new folder or an earlier results folder, found other files in {out}"
        )
    if kind in ("results", "comparison") and kind != wanted:
        what = "a single run" if wanted == "results" else "a comparison"
        raise UsageError(
            f"--out: {out} holds a {kind} folder, which {what} does not replace; choose another folder"
        )
    parent = out.parent if str(out.parent) else Path(".")
    existing = next((p for p in (parent, *parent.parents) if p.exists()), Path("."))
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out: expected a folder this user can write, found {existing} is not writable")


# --------------------------------------------------------------------------- output


def _rows(results: Results) -> list[tuple[str, ...]]:
    from sim.montecarlo.results import readable_summary

    names = [n for n in TABLE_OUTCOMES if n in results.summary().index]
    names += [n for n in results.summary().index if n.startswith("rule:")]
    table = readable_summary(results, names)
    return [(label, *cells) for label, cells in zip(table.index, table.to_numpy().tolist(), strict=True)]


def _print_table(results: Results, stream: TextIO) -> None:
    header = ("outcome", "mean", "95% CI of mean", "median", "5% to 95%", "unit")
    rows = _rows(results)
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    seconds = results.timings.get("wall_seconds", float("nan"))
    failed = f" ({len(results.failures)} failed, left out)" if results.failures else ""
    print(
        f"{_one_line(results.name)}: {results.n_trials} trials{failed}, seed {results.seed}, "
        f"{results.dates[0]:%Y-%m-%d} to {results.dates[-1]:%Y-%m-%d} ({seconds:.1f} s)",
        file=stream,
    )
    for i, row in enumerate((header, *rows)):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:-1], widths[1:-1], strict=True)]
        print("  ".join([*cells, row[-1]]).rstrip(), file=stream)
        if i == 0:
            print("  ".join("-" * w for w in widths).rstrip(), file=stream)
    for text in results.warnings:
        print(f"warning: {_one_line(results.name)}: {text}", file=sys.stderr)


def _print_differences(comparison: Comparison, stream: TextIO) -> None:
    from sim.montecarlo.results import format_number as _number

    table = comparison.differences()
    keep = table[table["outcome"].isin(TABLE_OUTCOMES) & table["mean_diff"].notna()]
    base = _one_line(comparison.names[0])
    print(f"Paired differences against {base} (same seed, same trials):", file=stream)
    width = max(len(_one_line(s)) for s in keep["scenario"]) if len(keep) else 8
    for _, row in keep.iterrows():
        # A difference of probabilities in percentage points, of dates in days.
        scale, unit = {"binary": (100, "points"), "day": (1, "days")}.get(row["kind"], (1, row["unit"]))
        print(
            f"  {_one_line(row['scenario']):<{width}}  {row['outcome']:<24} {_number(scale * row['mean_diff']):>10}"
            f"  ({_number(scale * row['ci_low'])} to {_number(scale * row['ci_high'])}) {unit}",
            file=stream,
        )


def _print_json(every: list[Results], comparison: Comparison | None, out: Path) -> None:
    payload: dict[str, Any] = {
        "results_folder": str(out),
        "scenarios": {r.name: _records(r) for r in every},
        "failed_trials": {r.name: [f["index"] for f in r.failures] for r in every},
    }
    if comparison is not None:
        payload["differences"] = json.loads(comparison.differences().to_json(orient="records"))
    json.dump(payload, sys.stdout, indent=2, allow_nan=False, default=str)
    sys.stdout.write("\n")


def _records(results: Results) -> dict[str, dict[str, Any]]:
    """A summary table as plain JSON values (NaN becomes null).

    A day outcome also gets its statistics as ISO dates (``mean_date``, ``median_date`` ...).
    """
    import pandas as pd

    summary = results.summary()
    records = json.loads(summary.to_json(orient="index"))
    for name in summary.index[summary["kind"] == "day"]:
        for column in ("mean", "ci_low", "ci_high", "median", "p5", "p95"):
            date = results.date_of(float(summary.loc[name, column]))
            records[name][f"{column}_date"] = None if pd.isna(date) else f"{date:%Y-%m-%d}"
    return records
