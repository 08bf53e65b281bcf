"""What the commands in this package share: argument types, outcome checks, signals."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import signal
from collections.abc import Iterator
from typing import Any

from sim.commands.arguments import count, positive_int, positive_number, seed

__all__ = ["count", "positive_int", "positive_number", "seed"]  # the argument types, for the commands


class UsageError(Exception):
    """A user error found by the command line itself (for example an unwritable folder)."""


def add_backend_options(parser: argparse.ArgumentParser, per: str = "") -> None:
    """``--seed``, ``--jobs``, ``--backend``, ``--scheduler``, ``--max-failures``, ``--set``.

    ``per`` names what the seed and the failure limit apply to in a command that runs
    many (``"point"``, ``"probe"``); empty for a plain run.
    """
    each = f" per {per}" if per else ""
    parser.add_argument("--seed", type=seed, help=f"seed of the run{each} (default: the scenario's)")
    parser.add_argument("--jobs", type=positive_int, help="worker processes (default: all cores)")
    parser.add_argument(
        "--backend",
        choices=("processes", "dask"),
        default="processes",
        help="where trials run: local processes, or a Dask cluster (needs the dask extra)",
    )
    parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (with --backend dask)")
    parser.add_argument(
        "--max-failures",
        type=count,
        default=10,
        metavar="N",
        help=f"failed trials tolerated{each} (recorded and left out) before the run stops (default: 10)",
    )
    add_set_option(parser, "override one value, e.g. --set militia.branching_ratio=0.5 (repeatable)")


def add_set_option(parser: argparse.ArgumentParser, text: str) -> None:
    """``--set PATH=VALUE`` (repeatable), collected in ``args.overrides``."""
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE", help=text
    )


def check_backend(args: argparse.Namespace) -> None:
    """Refuse ``--scheduler`` without Dask, and Dask when it is not installed."""
    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler: expected it with --backend dask, found --backend processes")
    if args.backend == "dask" and importlib.util.find_spec("distributed") is None:
        raise UsageError(
            "--backend dask: Dask distributed is not installed (pip install 'dask[distributed]')"
        )


def check_outcomes(names: list[str]) -> None:
    """Refuse unknown outcome names before anything runs."""
    from sim.engine.outcomes import describe

    for name in names:
        try:
            describe(name)
        except KeyError:
            raise UsageError(f"--outcome: unknown outcome {name!r}") from None


def percent_or_number(value: float, binary: bool) -> str:
    """A probability in percent (readers see percent), another value with 4 digits."""
    if value != value:  # nan
        return "-"
    return f"{100 * value:.1f}%" if binary else f"{value:.4g}"


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an interruption so that a command stops as on Ctrl-C."""


@contextlib.contextmanager
def sigterm_interrupts(received: set[int]) -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` and is noted in ``received``."""

    def handler(signum: int, frame: Any) -> None:
        received.add(signum)
        raise Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
