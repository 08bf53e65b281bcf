"""``python -m sim fit-attacks EVENTS.csv``: fit the militia's Hawkes process to an event list.

Reads the dates of a CSV export (:mod:`sim.calibrate.events`), fits the background
rate, branching ratio and decay by maximum likelihood (:mod:`sim.calibrate.hawkes`),
prints each estimate with its interval and writes the fitted values as a scenario
fragment (:mod:`sim.calibrate.fragment`). A bad file, column, date or window, or too
few events, prints one ``error:`` line and returns exit status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_USAGE = 0, 2
SHORT_DECAY_DAYS = 2.0
"""Below this fitted decay the day resolution of the dates blurs the excitation: a warning says so."""


def add_parser(commands: Any) -> None:
    """Register ``fit-attacks`` with the command line's sub-parsers."""
    parser = commands.add_parser(
        "fit-attacks",
        help="fit the militia's attack process (Hawkes) to a CSV list of events",
        description="Estimate the Hawkes background rate, branching ratio and decay of militia attacks "
        "by maximum likelihood from a CSV file with one row per event (a date column, optionally a "
        "place column), print them with 95%% intervals and write them as a scenario fragment.",
    )
    parser.add_argument("events", metavar="EVENTS.csv")
    parser.add_argument(
        "--date-column", metavar="NAME", help="column of the dates (default: event_date or date)"
    )
    parser.add_argument(
        "--place-column", metavar="NAME", help="column of the places (default with --place: country or place)"
    )
    parser.add_argument("--place", metavar="VALUE", help="fit only the rows of this place, e.g. --place Iraq")
    parser.add_argument(
        "--start", type=_date, metavar="DATE", help="first day of the window (default: first event)"
    )
    parser.add_argument(
        "--end", type=_date, metavar="DATE", help="last day of the window (default: last event)"
    )
    parser.add_argument(
        "--out", metavar="FRAGMENT.yaml", help="write the scenario fragment here (default: print it)"
    )
    parser.add_argument(
        "--extends",
        metavar="SCENARIO.yaml",
        help="make the fragment a complete scenario that extends this one (checked before it is written)",
    )
    parser.set_defaults(handler=main)


def _date(text: str) -> dt.date:
    from sim.calibrate.events import parse_date

    try:
        return parse_date(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2023-10-17, found {text!r}") from None


def main(args: argparse.Namespace) -> int:
    """Run the command; return its exit status."""
    from sim.calibrate.events import EventsError
    from sim.scenario.errors import printable
    from sim.scenario.loader import ScenarioError

    try:
        return _fit(args)
    except ScenarioError as error:  # the scenario that --extends names
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
    except (EventsError, ValueError) as error:
        print(f"error: {printable(str(error))}", file=sys.stderr)
    except BrokenPipeError:
        raise  # the reader went away (`... | head`): sim.cli handles it
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {printable(where + (error.strerror or str(error)))}", file=sys.stderr)
    return EXIT_USAGE


def _fit(args: argparse.Namespace) -> int:
    from sim.calibrate.events import EventsError, read_event_days
    from sim.calibrate.fragment import LABELS, METHOD_NAMES, interval, militia_fragment, number
    from sim.calibrate.hawkes import MIN_EVENTS, fit_event_days

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix not in (".yaml", ".yml"):
        raise EventsError(f"--out {args.out}: expected a file name ending in .yaml or .yml")
    if args.extends is not None and out is None:
        raise EventsError("--extends needs --out (the path is written relative to the fragment's folder)")
    events = read_event_days(args.events, args.date_column, args.place_column, args.place)
    chosen = f" with {events.place_column} = {args.place!r}" if args.place is not None else ""
    if not events.dates:
        raise EventsError(f"{args.events}: no events{chosen}")
    days, length = events.window(args.start, args.end)
    start = args.start or events.dates[0]
    end = start + dt.timedelta(days=length - 1)
    if len(days) < MIN_EVENTS:
        raise EventsError(
            f"{args.events}: {len(days)} events{chosen} between {start} and {end}; "
            f"at least {MIN_EVENTS} are needed to fit three parameters"
        )
    fit = fit_event_days(days, length)
    outside = len(events.dates) - len(days)
    about = (
        f"{args.events}, {len(days)} events{chosen} on {length} days, {start} to {end} "
        f"(dates from column {events.date_column!r}, each spread uniformly over its day)"
    )
    print(about)
    if outside:
        print(f"({outside} events outside the window left out)")
    width = max(len(label) for label in LABELS.values())
    print(f"{'':<{width}}  {'estimate':>9}  {fit.level:.0%} interval ({METHOD_NAMES[fit.method]})")
    for name, estimate in fit.estimates().items():
        print(
            f"{LABELS[name]:<{width}}  {number(estimate.value):>9}  {interval(estimate.low, estimate.high)}"
        )
    if fit.decay_days.value < SHORT_DECAY_DAYS:
        print(
            f"warning: the fitted decay ({number(fit.decay_days.value)} days) is short against the dates' "
            "resolution of a day: the branching ratio and decay are blurred (docs/fit-attacks.md)",
            file=sys.stderr,
        )
    if fit.decay_days.value > 0.99 * fit.window_days:
        print(
            f"warning: the fitted decay is the window's length ({length} days), the longest tried: the tempo "
            "changed over the whole window, which a constant background cannot follow (docs/fit-attacks.md)",
            file=sys.stderr,
        )
    if fit.branching_ratio.low == 0.0:
        print(
            "warning: the branching ratio's interval reaches 0: these data cannot tell self-excitation "
            "from none, and the decay means little",
            file=sys.stderr,
        )
    if out is None:
        print()
        print(militia_fragment(fit, about), end="")
        return EXIT_OK
    extends = None
    if args.extends is not None:
        parent = Path(args.extends)
        if not parent.is_file():
            raise EventsError(f"--extends {args.extends}: no such file")
        extends = os.path.relpath(parent.resolve(), out.resolve().parent)
    _write(out, militia_fragment(fit, about, extends), check=extends is not None)
    print(f"wrote {out}")
    return EXIT_OK


def _write(out: Path, text: str, check: bool) -> None:
    """Write ``text`` to ``out`` in one step (a temporary sibling renamed over it).

    With ``check``, load the written scenario first and keep nothing if it does not
    validate.
    """
    from sim.scenario.loader import load_scenario

    temporary = out.with_name(f".{out.stem}.{os.getpid()}.tmp{out.suffix}")
    try:
        temporary.write_text(text, encoding="utf-8")
        if check:
            load_scenario(temporary)
        os.replace(temporary, out)
    finally:
        temporary.unlink(missing_ok=True)
