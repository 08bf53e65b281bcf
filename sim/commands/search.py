"""``python -m sim search FILE --lever PATH=LOW..HIGH[/STEP] --goal "collapse_within_24m <= 0.05"``.

Runs :func:`sim.explore.search` and prints each probe (the lever's value, its trials,
each goal's estimate with its one-sided bounds, the decision) and the answer in one
sentence. Goals are written with fractions (0.05); probabilities print in percent.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from typing import Any

from sim.commands.common import (
    UsageError,
    add_backend_options,
    check_backend,
    check_outcomes,
    percent_or_number,
    positive_int,
    sigterm_interrupts,
)

EXIT_OK, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 130, 143


def register(commands: Any) -> None:
    """Add the ``search`` command to the command line's sub-parsers."""
    parser = commands.add_parser(
        "search",
        help="find the first lever value meeting goals (the fastest safe exit)",
        description="Bisect along one lever for the first value at which every goal holds with the stated "
        "confidence, with the same trials at every probe (common random numbers) and more trials only "
        "where a probe cannot decide. Assumes the goals, once met, stay met further along the lever.",
        epilog="Example: python -m sim search scenarios/fast_exit.yaml --lever exit_start=2024-06-01..2026-12-01/1m "
        '--goal "collapse_within_24m <= 0.05"',
    )
    parser.add_argument("scenario", metavar="SCENARIO.yaml")
    parser.add_argument("--lever", required=True, metavar="PATH=LOW..HIGH[/STEP]", help="the lever searched")
    parser.add_argument(
        "--goal",
        action="append",
        required=True,
        metavar='"OUTCOME OP VALUE"',
        help="a goal such as 'collapse_within_24m <= 0.05' (a fraction; repeatable: all must hold)",
    )
    parser.add_argument(
        "--trials", type=positive_int, default=200, help="first trials of a probe (default 200)"
    )
    parser.add_argument(
        "--max-trials", type=positive_int, default=3200, help="most trials of a probe (default 3200)"
    )
    parser.add_argument(
        "--confidence", type=float, default=0.95, help="one-sided confidence of each decision (default 0.95)"
    )
    parser.add_argument("--points", type=positive_int, default=21, help="values of a lever without a step")
    parser.add_argument(
        "--prefer", choices=("low", "high"), default="low", help="smallest (low) or largest value"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the answer")
    parser.add_argument("--json", action="store_true", help="print the answer and probes as JSON")
    add_backend_options(parser, per="probe")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run ``python -m sim search``: the smallest (or largest) value of a lever that meets the goals; the exit status."""
    from sim.explore import search
    from sim.explore.goals import parse_goal
    from sim.scenario.loader import load_scenario, parse_assignments

    check_backend(args)
    goals = [parse_goal(g) for g in args.goal]
    check_outcomes([g.outcome for g in goals])
    if args.max_trials < args.trials:
        raise UsageError(f"--max-trials: expected at least --trials ({args.trials}), found {args.max_trials}")
    scenario = load_scenario(args.scenario, parse_assignments(args.overrides))
    received: set[int] = set()
    try:
        with sigterm_interrupts(received):
            found = search(
                scenario,
                args.lever,
                goals,
                trials=args.trials,
                max_trials=args.max_trials,
                confidence=args.confidence,
                points=args.points,
                prefer=args.prefer,
                seed=args.seed,
                jobs=args.jobs,
                backend=args.backend,
                client=args.scheduler,
                max_failures=args.max_failures,
                progress=False,
            )
    except KeyboardInterrupt:
        how = "terminated" if signal.SIGTERM in received else "interrupted"
        print(f"{how}: the search stopped before it could answer", file=sys.stderr)
        return EXIT_TERMINATED if signal.SIGTERM in received else EXIT_INTERRUPTED
    if args.json:
        payload = {
            "answer": None if found.answer is None else str(found.answer_shown),
            "status": found.status,
            "goals": [g.text() for g in found.goals],
            "confidence": found.confidence,
            "seed": found.seed,
            "trials_run": found.trials_run,
            "probes": json.loads(found.probes.to_json(orient="records", date_format="iso")),
        }
        json.dump(payload, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if not args.quiet:
        _print_probes(found, sys.stdout)
    print(found.describe(), file=sys.stdout)
    return EXIT_OK


def _print_probes(found: Any, stream: Any) -> None:
    from sim.engine.outcomes import describe

    print(
        f"{found.lever.path}: {len(found.probes)} probes, {found.trials_run:,} trials, seed {found.seed} "
        f"(common random numbers), one-sided {100 * found.confidence:g}% bounds",
        file=stream,
    )
    for _, row in found.probes.iterrows():
        value = row["value"].date().isoformat() if hasattr(row["value"], "date") else f"{row['value']:g}"
        parts = []
        for goal in found.goals:
            binary = describe(goal.outcome).kind == "binary"
            estimate, low, high = (
                percent_or_number(row[f"{goal.outcome}{k}"], binary) for k in ("", ":low", ":high")
            )
            parts.append(f"{goal.outcome} {estimate} ({low} to {high})")
        print(
            f"  {value}  {int(row['trials']):>6} trials  {'; '.join(parts)}  {row['decision']}", file=stream
        )
