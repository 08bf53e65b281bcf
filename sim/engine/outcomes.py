"""The scalar outcomes of a trial: names, meanings, units and kinds.

Kinds tell the statistics and the plots how to treat an outcome:
``count`` (a non-negative integer), ``binary`` (0 or 1: summarised as a probability
with a Wilson interval), ``day`` (a day number, ``nan`` when it never happened) and
``level`` (a continuous quantity).

Besides the fixed outcomes below, every trial reports per-scenario ones:
``attacks_at:<base>`` (count), ``attacks_by:<weapon>`` (count) and ``rule:<name>``
(binary: the rule fired at least once).
"""

from __future__ import annotations

from typing import NamedTuple


class Outcome(NamedTuple):
    name: str
    kind: str  # count | binary | day | level
    unit: str
    meaning: str


OUTCOMES = (
    Outcome("militia_attacks", "count", "attacks", "Militia attacks on coalition bases."),
    Outcome("interceptions", "count", "attacks", "Militia attacks intercepted by air defence."),
    Outcome("wounded", "count", "people", "Coalition wounded."),
    Outcome("killed", "count", "people", "Coalition killed."),
    Outcome("strikes", "count", "strikes", "Coalition retaliation strikes."),
    Outcome("deterrence_episodes", "count", "episodes", "Strikes that deterred the militias."),
    Outcome("escalation_episodes", "count", "episodes", "Strikes that escalated tension."),
    Outcome("isis_attacks", "count", "attacks", "ISIS attacks in Iraq."),
    Outcome("breakouts", "count", "events", "Prison or camp breaks."),
    Outcome("peak_isis_strength", "level", "fighters", "Largest ISIS strength reached."),
    Outcome("final_isis_strength", "level", "fighters", "ISIS strength on the last day."),
    Outcome("collapse", "binary", "yes/no", "A 2014-style collapse happened."),
    Outcome("collapse_day", "day", "day", "Day of the collapse (nan if none)."),
    Outcome("peak_territory", "level", "share", "Largest share of Iraq held by ISIS."),
    Outcome("final_territory", "level", "share", "Share of Iraq held by ISIS on the last day."),
    Outcome("final_readiness", "level", "0-1", "ISF readiness on the last day."),
    Outcome("final_capability", "level", "0-1", "ISF capability on the last day."),
    Outcome("min_capability", "level", "0-1", "Lowest ISF capability reached."),
    Outcome(
        "exit_day",
        "day",
        "day",
        "First day with no coalition (non-bilateral) troops in Iraq (nan if never).",
    ),
    Outcome("troop_days", "level", "troop-days", "Troops in theatre summed over days (exposure)."),
)

OUTCOME_BY_NAME = {o.name: o for o in OUTCOMES}


def describe(name: str) -> Outcome:
    """The description of an outcome, including the per-scenario ones."""
    if name in OUTCOME_BY_NAME:
        return OUTCOME_BY_NAME[name]
    prefix, _, rest = name.partition(":")
    if prefix == "attacks_at":
        return Outcome(name, "count", "attacks", f"Militia attacks on base {rest}.")
    if prefix == "attacks_by":
        return Outcome(name, "count", "attacks", f"Militia attacks with {rest.replace('_', ' ')}s.")
    if prefix == "rule":
        return Outcome(name, "binary", "yes/no", f"Rule {rest!r} fired.")
    raise KeyError(f"unknown outcome {name!r}")
