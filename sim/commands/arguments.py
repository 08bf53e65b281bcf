"""The command line's argument types, shared by ``sim.cli`` and the command modules.

Each turns one option's text into a value or raises ``argparse.ArgumentTypeError`` with
what was expected and what was found, which argparse prints as the one-line usage error
(exit status 2).
"""

from __future__ import annotations

import argparse


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None


def positive_int(text: str) -> int:
    """A whole number of at least 1 (workers, particles, generations)."""
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, found {value}")
    return value


def count(text: str) -> int:
    """A whole number of at least 0 (a trial index, failures tolerated)."""
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, found {value}")
    return value


def seed(text: str) -> int:
    """A seed: a whole number from 0 to 2**63 - 1."""
    value = _whole(text)
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"expected a seed between 0 and 2**63 - 1, found {value}")
    return value


def trials(text: str) -> int:
    """A trial count: at least 1, at most the schema's limit."""
    from sim.scenario.schema import MAX_TRIALS

    value = positive_int(text)
    if value > MAX_TRIALS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_TRIALS:,} trials, found {value:,}")
    return value


def positive_number(text: str) -> float:
    """A finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, found {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, found {text}")
    return value
