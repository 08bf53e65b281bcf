"""What one trial returns: scalar outcomes, daily series and the event log.

Everything is plain NumPy so that a trial result is cheap to pickle between worker
processes and to stack across trials.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WEAPONS = ("rocket", "drone", "ballistic_missile")

# Event kinds, stored as small integers in the event log.
EVENT_KINDS = (
    "attack",  # a militia attack (intercepted or not)
    "strike",  # a coalition retaliation strike
    "deterrence",  # a strike deterred: tension falls for a while
    "escalation",  # a strike escalated: tension rises for a while
    "isis_attack",  # an ISIS attack
    "breakout",  # a prison or camp break adds fighters
    "collapse",  # a 2014-style collapse
    "waypoint",  # a force element starts moving to a new level
    "rule",  # a policy rule fired
    "tension",  # a scheduled tension change
)
KIND = {name: code for code, name in enumerate(EVENT_KINDS)}

EVENT_DTYPE = np.dtype(
    [
        ("day", "f8"),  # time of the event in days since the start
        ("kind", "u1"),  # index into EVENT_KINDS
        ("base", "i2"),  # base index, or force element index for waypoints, or -1
        ("weapon", "i1"),  # index into WEAPONS, or -1
        ("intercepted", "?"),
        ("wounded", "i4"),
        ("killed", "i4"),
        ("value", "f8"),  # kind-specific: troops for a waypoint, fighters for a breakout, ISF
        # members killed for an ISIS attack (whose ``killed`` counts civilians), ...
    ]
)

# Daily series recorded by every trial (per-element troop rows come first,
# named "troops:<element key>").
SERIES = (
    "troops",  # all troops in theatre (coalition and bilateral, Iraq and Syria)
    "troops_iraq",  # troops at bases in federal Iraq and Kurdistan
    "trainers",  # trainers in Iraq
    "enablers",  # enablers in Iraq
    "troops_federal_iraq",  # troops at bases in federal Iraq
    "troops_kurdistan",  # troops at bases in the Kurdistan Region
    "troops_syria",  # troops at bases in Syria
    "readiness",  # federal ISF readiness (0-1)
    "capability",  # ISF capability: readiness less the support missed (0-1)
    "mobilisation",  # forces mobilised after a collapse, in capability units
    "isis_strength",
    "territory",
    "tension",  # militia tension (the groups' motivation, with or without targets)
    "militia_rate",  # the militia's long-run attack rate today (0 with no troops to attack)
    "pressure",
    "attacks",  # cumulative militia attacks
    "wounded",  # cumulative coalition wounded
    "killed",  # cumulative coalition killed
    "strikes",  # cumulative retaliation strikes
    "isis_attacks",  # cumulative ISIS attacks
    "civilian_deaths",  # cumulative civilians killed by ISIS
    "isf_deaths",  # cumulative ISF members killed by ISIS
)


SERIES_UNITS: dict[str, tuple[str, str]] = {  # name: (unit, meaning)
    "troops": ("troops", "All troops in theatre (coalition and bilateral, Iraq and Syria)."),
    "troops_iraq": ("troops", "Troops at bases in federal Iraq and Kurdistan."),
    "trainers": ("troops", "Trainers in Iraq."),
    "enablers": ("troops", "Enablers in Iraq."),
    "readiness": ("0-1", "Federal ISF readiness."),
    "capability": ("0-1", "ISF capability: readiness less the support missed."),
    "mobilisation": ("capability", "Forces mobilised after a collapse, in ISF capability units."),
    "isis_strength": ("fighters", "ISIS strength."),
    "territory": ("share", "Share of Iraq held by ISIS."),
    "tension": ("x late-2023 tempo", "Militia tension: attack tempo relative to late 2023."),
    "pressure": ("index", "Political pressure on the coalition to leave."),
    "attacks": ("attacks", "Militia attacks so far (cumulative)."),
    "wounded": ("people", "Coalition wounded so far (cumulative)."),
    "killed": ("people", "Coalition killed so far (cumulative)."),
    "strikes": ("strikes", "Retaliation strikes so far (cumulative)."),
    "isis_attacks": ("attacks", "ISIS attacks so far (cumulative)."),
    "civilian_deaths": ("people", "Civilians killed by ISIS so far (cumulative)."),
    "isf_deaths": ("people", "ISF members killed by ISIS so far (cumulative)."),
}


def describe_series(name: str) -> tuple[str, str]:
    """Unit and meaning of a daily series (``troops:<element>`` included).

    >>> describe_series("territory")
    ('share', 'Share of Iraq held by ISIS.')
    >>> describe_series("troops:us_erbil")
    ('troops', 'Troops of force element us_erbil.')
    """
    if name.startswith("troops:"):
        return "troops", f"Troops of force element {name.partition(':')[2]}."
    return SERIES_UNITS.get(name, ("", name))


@dataclass(slots=True)
class TrialResult:
    """The result of :func:`sim.simulate_trial`.

    Attributes:
        outcomes: scalar outcomes by name (see :data:`sim.engine.outcomes.OUTCOMES` for
            their meaning); ``nan`` where an outcome did not happen (e.g. ``collapse_day``).
        series: daily values, shape ``(len(series_names), days + 1)``; column ``d`` is the
            state at the end of day ``d`` (column 0 is the start).
        series_names: the row names of ``series``.
        events: the event log, a structured array of :data:`EVENT_DTYPE` in time order.
        n_events: SimPy events processed by the trial.
    """

    outcomes: dict[str, float]
    series: np.ndarray
    series_names: tuple[str, ...]
    events: np.ndarray
    n_events: int

    def series_of(self, name: str) -> np.ndarray:
        """One daily series by name."""
        return self.series[self.series_names.index(name)]

    def events_of(self, kind: str) -> np.ndarray:
        """The events of one kind (see :data:`EVENT_KINDS`)."""
        return self.events[self.events["kind"] == KIND[kind]]
