"""The event logs of kept trials as one tidy DataFrame, with names instead of codes.

The engine logs events as small integers (:data:`sim.engine.result.EVENT_DTYPE`); here
they become one row per event with the trial, the day and calendar date, and names:
``kind`` (see :data:`sim.engine.result.EVENT_KINDS`), ``base`` (the base attacked, or
whose attack a strike answers), ``weapon``, ``force`` (the element a waypoint moves)
and ``rule`` (the rule that fired). A name that does not apply is missing (NaN). Name
columns are categoricals, so a log of millions of events stays small.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.engine.result import EVENT_DTYPE, EVENT_KINDS, KIND, WEAPONS

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

EVENT_COLUMNS = (
    "trial",
    "day",
    "date",
    "kind",
    "base",
    "weapon",
    "intercepted",
    "wounded",
    "killed",
    "value",
    "force",
    "rule",
)


def rule_names(scenario: Scenario) -> list[str]:
    """Distinct rule names in the order the engine numbers them."""
    return list(dict.fromkeys(rule.name for rule in scenario.rules))


def _categories(scenario: Scenario) -> dict[str, list[str]]:
    return {
        "kind": list(EVENT_KINDS),
        "base": list(scenario.bases),
        "weapon": list(WEAPONS),
        "force": list(scenario.forces),
        "rule": rule_names(scenario),
    }


def events_frame(logs: Mapping[int, np.ndarray], scenario: Scenario) -> pd.DataFrame:
    """One row per event of the given trials' logs, in trial order then time order.

    Args:
        logs: structured arrays of :data:`EVENT_DTYPE` by trial index.
        scenario: the run's scenario (for base, force and rule names and the start date).
    """
    order = sorted(logs)
    arrays = [logs[i] for i in order]
    log = np.concatenate(arrays) if arrays else np.empty(0, dtype=EVENT_DTYPE)
    trial = np.repeat(np.asarray(order, dtype=np.int64), [len(a) for a in arrays])
    kind = log["kind"].astype(np.int64)
    target = log["base"].astype(np.int64)
    is_waypoint = kind == KIND["waypoint"]
    is_rule = kind == KIND["rule"]
    codes = {
        "kind": kind,
        "base": np.where(is_waypoint | is_rule, -1, target),
        "weapon": log["weapon"].astype(np.int64),
        "force": np.where(is_waypoint, target, -1),
        "rule": np.where(is_rule, target, -1),
    }
    categories = _categories(scenario)
    names = {
        column: pd.Categorical.from_codes(
            np.where(code < len(categories[column]), code, -1), categories=categories[column]
        )
        for column, code in codes.items()
    }
    day = log["day"].astype(np.float64)
    frame = pd.DataFrame(
        {
            "trial": trial,
            "day": day,
            "date": _dates(scenario, day),
            "kind": names["kind"],
            "base": names["base"],
            "weapon": names["weapon"],
            "intercepted": log["intercepted"].astype(bool),
            "wounded": log["wounded"].astype(np.int64),
            "killed": log["killed"].astype(np.int64),
            "value": log["value"].astype(np.float64),
            "force": names["force"],
            "rule": names["rule"],
        }
    )
    return frame


def _dates(scenario: Scenario, day: np.ndarray) -> pd.Series:
    dates = pd.Timestamp(scenario.start) + pd.to_timedelta(day, unit="D")
    return pd.Series(dates).astype("datetime64[ns]")


def normalise_events(frame: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """An events frame read back from a file, with the dtypes :func:`events_frame` gives."""
    frame = frame.reset_index(drop=True)
    categories = _categories(scenario)
    columns = {}
    for column in EVENT_COLUMNS:
        values = frame[column]
        if column in categories:
            columns[column] = pd.Categorical(values.astype(object), categories=categories[column])
        elif column == "date":
            columns[column] = values.astype("datetime64[ns]")
        elif column in ("trial", "wounded", "killed"):
            columns[column] = values.astype(np.int64)
        elif column == "intercepted":
            columns[column] = values.astype(bool)
        else:
            columns[column] = values.astype(np.float64)
    return pd.DataFrame(columns)
