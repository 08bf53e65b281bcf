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


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """``--jobs``, ``--backend``, ``--scheduler``, ``--max-failures``, ``--seed``, ``--set``."""
    parser.add_argument("--seed", type=seed, help="seed of every point (default: the scenario's)")
    parser.add_argument("--jobs", type=positive_int, help="worker processes (default: all cores)")
    parser.add_argument(
        "--backend", choices=("processes", "dask"), default="processes", help="where trials run"
    )
    parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (with --backend dask)")
    parser.add_argument(
        "--max-failures",
        type=count,
        default=10,
        metavar="N",
        help="failed trials tolerated per point (default 10)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override one value of the scenario before exploring (repeatable)",
    )


def check_backend(args: argparse.Namespace) -> None:
    """Refuse ``--scheduler`` without Dask, and Dask when it is not installed."""
    from sim.explore.levers import ExploreError

    if args.scheduler and args.backend != "dask":
        raise ExploreError("--scheduler: expected it with --backend dask, found --backend processes")
    if args.backend == "dask" and importlib.util.find_spec("distributed") is None:
        raise ExploreError(
            "--backend dask: Dask distributed is not installed (pip install 'dask[distributed]')"
        )


def check_outcomes(names: list[str]) -> None:
    """Refuse unknown outcome names before anything runs."""
    from sim.engine.outcomes import describe
    from sim.explore.levers import ExploreError

    for name in names:
        try:
            describe(name)
        except KeyError:
            raise ExploreError(f"--outcome: unknown outcome {name!r}") from None


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
