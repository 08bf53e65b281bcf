"""Scenarios and distributions as people read them: short text and HTML tables for Jupyter.

Used by ``Scenario._repr_html_`` and the distributions' ``__str__`` and ``_repr_html_``, and
by the HTML report. Plain string building: nothing here imports pandas, so that ``python -m
sim validate`` stays light; everything a scenario says is escaped.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING, Any

from sim.scenario.distributions import brief

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario


def distribution_text(dist: Any) -> str:
    """A distribution in one line: its kind, its parameters and the middle 90% of its draws.

    >>> from sim.scenario.distributions import LogNormal
    >>> distribution_text(LogNormal(dist="lognormal", median=500, spread=1.5))
    'lognormal(median 500, spread 1.5): 5-95% 257 to 974'
    """
    return str(dist)


def value_text(value: Any) -> str:
    """A plain number or a distribution, as :func:`distribution_text` writes it."""
    if hasattr(value, "dist"):
        return distribution_text(value)
    if isinstance(value, (int, float)):
        return brief(float(value))
    return str(value)


def waypoint_text(waypoint: Any) -> str:
    """One schedule step: when it starts, the level it moves to, over how long.

    For a calendar date and a fixed ramp, also the date the level is reached.

    >>> import datetime as dt
    >>> from sim.scenario.schema import Waypoint
    >>> waypoint_text(Waypoint(at=dt.date(2024, 10, 1), troops=0, ramp_days=360))
    'from 2024-10-01 to 0 troops over 360 days (reached 2025-09-26)'
    """
    when = f"from {value_text(waypoint.at)}" if waypoint.at is not None else "once its conditions hold"
    text = f"{when} to {value_text(waypoint.troops)} troops over {value_text(waypoint.ramp_days)} days"
    if isinstance(waypoint.at, dt.date) and isinstance(waypoint.ramp_days, (int, float)):
        text += f" (reached {waypoint.at + dt.timedelta(days=round(waypoint.ramp_days)):%Y-%m-%d})"
    return text


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table border="0"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def scenario_html(scenario: Scenario) -> str:
    """The scenario as a reader wants it, in HTML.

    What it asks, its dates, its bases, its forces and their schedules, and every
    uncertain input with its distribution.
    """
    from sim.scenario.sampling import uncertain_parameters

    s = scenario
    bases = [[key, base.region, value_text(base.hardening)] for key, base in s.bases.items()]
    forces = [
        [
            key,
            element.contingent,
            element.base,
            value_text(element.troops),
            "; ".join(waypoint_text(w) for w in element.schedule) or "stays",
        ]
        for key, element in s.forces.items()
    ]
    uncertain = [[path, distribution_text(d)] for path, d in uncertain_parameters(s).items()]
    runs = f"{s.monte_carlo.trials:,} trials, seed {s.monte_carlo.seed}"
    return (
        f"<div><h4>Scenario: {html.escape(s.name)}</h4>"
        f"<p>{html.escape(s.description or '')}</p>"
        f"<p>From {s.start:%d %b %Y}, {s.days:,} days; {html.escape(runs)}; {len(s.rules)} rules.</p>"
        f"<h5>Bases</h5>{_table(['base', 'region', 'hardening'], bases)}"
        f"<h5>Forces and schedules</h5>{_table(['element', 'contingent', 'base', 'troops', 'schedule'], forces)}"
        f"<h5>Uncertain inputs</h5>"
        f"{_table(['parameter', 'distribution'], uncertain) if uncertain else '<p>none: every input is fixed</p>'}"
        "</div>"
    )
