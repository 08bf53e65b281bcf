"""A fitted Hawkes process written as a scenario fragment: a YAML ``militia:`` section.

The point estimates are the section's values; the intervals, and what the data were,
are comments above it (YAML has no place for an interval in a parameter's value, and
a scenario must stay loadable as it is). The fragment loads as part of a scenario: a
scenario that ``extends`` it (and gives the rest), or, written with ``extends`` itself,
as a complete scenario built on another one (see docs/fit-attacks.md).
"""

from __future__ import annotations

import math

from sim.calibrate.hawkes import HawkesFit

SCHEMA_RANGES = {
    "attack_rate_per_day": (0.0, 100.0),
    "branching_ratio": (0.0, 0.95),
    "decay_days": (0.0, math.inf),
}
"""The ranges the scenario schema allows (``sim.scenario.schema.Militia``; a decay must be
above 0); a fit outside one is refused (:class:`OutsideSchema`)."""

LABELS = {
    "attack_rate_per_day": "long-run rate mu / (1 - n), attacks a day",
    "background_per_day": "background mu, attacks a day (the engine derives it)",
    "branching_ratio": "branching ratio n, follow-on attacks per attack",
    "decay_days": "decay tau, days",
}
"""What each estimate is, in words, for the table and the fragment's comments."""


METHOD_NAMES = {
    "profile": "profile likelihood",
    "wald": "observed information on the log / logit scale",
}
"""How each method of intervals is named in the table and the fragment."""


def number(value: float) -> str:
    """A value with four significant digits, written so that YAML reads it as a number.

    ``1.0e+05``, never ``1e+05``, which YAML 1.1 reads as text.
    """
    if not math.isfinite(value):
        return "inf" if value > 0 else "nan"
    text = f"{value:.4g}"
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"
    return text


def interval(low: float, high: float) -> str:
    """``low to high`` (a bound may be ``inf``), or ``not identified`` when there is none."""
    if math.isnan(low) or math.isnan(high):
        return "not identified"
    return f"{number(low)} to {number(high)}"


class OutsideSchema(ValueError):
    """A fitted value the scenario schema does not allow (a branching ratio above 0.95 ...)."""


def fitted_values(fit: HawkesFit) -> dict[str, float]:
    """The scenario's three militia values from a fit, rounded as the fragment writes them.

    Raises:
        OutsideSchema: when a value is outside the schema's range, naming each such
            value: a scenario could not hold the fit, and a value moved to the range's
            edge would misstate it.
    """
    values, problems = {}, []
    for name, (low, high) in SCHEMA_RANGES.items():
        value = float(number(fit.estimates()[name].value))
        if not low <= value <= high or (name == "decay_days" and value <= low):
            problems.append(f"{name} {number(value)} (the schema allows {number(low)} to {number(high)})")
        values[name] = value
    if problems:
        raise OutsideSchema(
            "the fit is outside what a scenario can hold: " + "; ".join(problems) + "; no fragment written "
            "(a branching ratio near 1 means the tempo grew over the window as a process near explosion "
            "would: try a longer window, or one without a trend)"
        )
    return values


def militia_fragment(fit: HawkesFit, about: str, extends: str | None = None) -> str:
    """The YAML text of the fragment.

    Args:
        fit: the fit to write.
        about: one line saying what was fitted (file, events, window), put in a comment.
        extends: a scenario path (relative to the fragment's folder) to build on; the
            fragment then starts with ``extends:`` and is a complete scenario.
    """
    values = fitted_values(fit)
    width = max(len(name) for name in LABELS)
    lines = [
        "# Militia attack process fitted by `python -m sim fit-attacks` (maximum likelihood;",
        "# docs/fit-attacks.md).",
        f"# Data: {about}",
        f"# Log-likelihood {fit.log_likelihood:.2f}. Estimates with {fit.level:.0%} intervals "
        f"({METHOD_NAMES[fit.method]}):",
    ]
    for name, estimate in fit.estimates().items():
        lines.append(
            f"#   {name:<{width}}  {number(estimate.value):>8}  "
            f"({interval(estimate.low, estimate.high)}): {LABELS[name]}"
        )
    lines += [
        "# The rate is the tempo at the window's troops and tension: the engine applies",
        "# attack_rate_per_day at militia.reference_troops and tension 1.",
    ]
    if extends is not None:
        lines.append(f"extends: {_quoted(extends)}")
    lines.append("militia:")
    lines += [f"  {name}: {number(value)}" for name, value in values.items()]
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (a path may hold ``:`` or ``#``)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
