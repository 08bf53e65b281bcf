"""Loading a scenario: read the YAML, resolve ``extends``, apply overrides, validate.

::

    scenario = load_scenario("scenarios/fast_exit.yaml")
    what_if = load_scenario("scenarios/fast_exit.yaml", militia__branching_ratio=0.5)
    problems = check_file("my_scenario.yaml")        # [] when the file is valid

Every user error, wherever it is found (an unreadable file, YAML syntax, a
duplicate key, a refused tag, a missing parent, an unknown override path, a value
the schema rejects), raises one :class:`ScenarioError` listing every
:class:`Problem` found, each with its file, line, column and dotted field. Nothing
else is raised for bad input.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.explain import explain
from sim.scenario.extends import is_file_source, resolve_extends
from sim.scenario.overrides import (
    SOURCE,
    apply_overrides,
    as_overrides,
    keyword_overrides,
    parse_assignments,
)
from sim.scenario.posterior import PosteriorFileError, read_posterior
from sim.scenario.regions import resolve_regions
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import Document, read_file, read_text

__all__ = [
    "Problem",
    "ScenarioError",
    "check_file",
    "load_scenario",
    "parse_assignments",
    "scenario_from_dict",
    "scenario_from_text",
]

Overrides = Mapping[str, Any] | Iterable[str] | None

MAX_PROBLEMS = 100
"""Most problems listed for one scenario; the rest are counted in a last line."""

FIRST_DAY = dt.date(1677, 9, 22)
LAST_DAY = dt.date(2262, 4, 11)
"""The whole days pandas timestamps (nanoseconds since 1970 in 64 bits) can hold: results
are indexed by date, so every day of a run must fall between them."""


def calendar_problem(scenario: Scenario) -> str | None:
    """Why the scenario's days cannot all be dated (the message of a problem at ``start``), or ``None``."""
    start, days = scenario.start, scenario.days
    if start >= FIRST_DAY and (LAST_DAY - start).days >= days:
        return None
    return (
        f"expected the run's {days:,} days to fall between {FIRST_DAY} and {LAST_DAY} "
        f"(the dates results are indexed by), found a start on {start}"
    )


def load_scenario(path: str | os.PathLike[str], overrides: Overrides = None, **kw: Any) -> Scenario:
    """Read, merge, override and validate the scenario file at ``path``.

    ``overrides`` is ``{"militia.branching_ratio": 0.5}`` (values used as given) or
    ``["militia.branching_ratio=0.5", ...]`` (values read as YAML, as ``--set`` does);
    keyword arguments add more, with ``__`` standing for ``.``
    (``militia__branching_ratio=0.5``). Raises :class:`ScenarioError` with every
    problem found.
    """
    return load_document(path, {**as_overrides(overrides), **keyword_overrides(kw)})[0]


def load_document(path: str | os.PathLike[str], overrides: Overrides = None) -> tuple[Scenario, Document]:
    """:func:`load_scenario`, also returning the merged document.

    The document knows the file and line of every value written (``--set`` for an
    override); a value it lacks is a default.
    """
    document = read_file(path)
    folder = os.path.dirname(os.fspath(path))
    document = resolve_extends(document, folder)
    return _finish(document, as_overrides(overrides), folder), document


def scenario_from_text(
    text: str,
    *,
    source: str = "<text>",
    base_dir: str | os.PathLike[str] | None = None,
    overrides: Overrides = None,
) -> Scenario:
    """A scenario from YAML text; ``extends`` paths start from ``base_dir`` (default: the working directory)."""
    document = read_text(text, source)
    document = resolve_extends(document, base_dir)
    return _finish(document, as_overrides(overrides), base_dir)


def scenario_from_dict(
    data: Mapping[str, Any],
    *,
    source: str = "<dict>",
    base_dir: str | os.PathLike[str] | None = None,
    overrides: Overrides = None,
) -> Scenario:
    """A scenario from plain data (as a YAML file would give); the data is not changed.

    Problems carry no line numbers. ``extends`` paths start from ``base_dir``
    (default: the working directory).
    """
    if not isinstance(data, Mapping):
        message = f"expected a mapping of keys (name, bases, forces ...), found {type(data).__name__}"
        raise ScenarioError([Problem(source, None, None, "", message)])
    document = resolve_extends(Document(source, _plain(data)), base_dir)
    return _finish(document, as_overrides(overrides), base_dir)


def check_file(path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem in one scenario file (``[]`` if it is valid); never raises for user error."""
    try:
        load_scenario(path)
    except ScenarioError as error:
        return error.problems
    return []


def _finish(
    document: Document, overrides: Mapping[str, Any], base_dir: str | os.PathLike[str] | None
) -> Scenario:
    problems = [*document.problems, *apply_overrides(document, overrides)]
    _resolve_posterior_file(document, base_dir)
    _explicit_values_win(document, overrides)
    scenario = None
    try:
        scenario = Scenario.model_validate(document.data)
    except ValidationError as error:
        problems += explain(error, document)
    if scenario is not None:
        reason = calendar_problem(scenario)
        if reason is not None:
            problems.append(Problem.at(document.mark(("start",)), "start", reason))
    if scenario is not None and scenario.region_schedules and not problems:
        problems += resolve_regions(scenario, document)
        if not problems:
            scenario = _validate_resolved(document, problems)
    if problems or scenario is None:
        raise ScenarioError(_in_reading_order(problems, document.source))
    return scenario


def _validate_resolved(document: Document, problems: list[Problem]) -> Scenario | None:
    """The scenario once its region targets are element waypoints, validated again.

    An element's schedule can only now exceed its length limit.
    """
    try:
        return Scenario.model_validate(document.data)
    except ValidationError as error:
        problems += explain(error, document)
        return None


def _explicit_values_win(document: Document, overrides: Mapping[str, Any]) -> None:
    """Add the posterior parameters written explicitly to ``posterior.exclude``.

    A value written explicitly is not taken from the posterior: a path set with ``--set``
    (or a load's overrides), and a posterior parameter written by a file that extends the
    one holding the ``posterior`` section (a child scenario's own value), join
    ``posterior.exclude``. Values written in the posterior's own file, or in its parents
    (the priors the fit started from), are the ones the posterior replaces.
    """
    section = document.data.get("posterior") if isinstance(document.data, dict) else None
    if not isinstance(section, dict):
        return
    aside = [path for path in overrides if path != "posterior" and not path.startswith("posterior.")]
    owner = document.mark(("posterior",)).file
    chain = document.chain or [document.source]
    later = set(chain[: chain.index(owner)]) if owner in chain else set()
    if later and isinstance(section.get("file"), str):
        try:
            parameters = read_posterior(section["file"]).parameters
        except PosteriorFileError:
            parameters = ()  # the section's own check reports the file
        for path in parameters:
            written = document.values.get(tuple(path.split(".")))
            if written is not None and written.file in later and path not in aside:
                aside.append(path)
    if aside:
        before = section.get("exclude")
        document.data["posterior"] = {
            **section,
            "exclude": [*(before if isinstance(before, list) else []), *aside],
        }


def _resolve_posterior_file(document: Document, base_dir: str | os.PathLike[str] | None) -> None:
    """Make ``posterior.file`` absolute, from the folder of the file that wrote it.

    A path from a parent scenario starts from the parent's folder; one from text or a
    dict from ``base_dir``; one from ``--set`` (or a keyword override) from the working
    directory, like any other path given on the command line.
    """
    section = document.data.get("posterior") if isinstance(document.data, dict) else None
    if not isinstance(section, dict):
        return  # validation says what is wrong with it
    written = section.get("file")
    if not isinstance(written, str) or not written.strip() or "\x00" in written:
        return  # validation says what is wrong with it
    source = document.mark(("posterior", "file")).file
    if source == SOURCE:
        folder = ""
    elif is_file_source(source):
        folder = os.path.dirname(source)
    else:
        folder = os.fspath(base_dir) if base_dir is not None else ""
    document.data["posterior"] = {**section, "file": os.path.abspath(os.path.join(folder, written))}


def _in_reading_order(problems: list[Problem], main: str) -> list[Problem]:
    """Problems without repeats, by file (the one loaded first, ``--set`` last), line and column."""
    unique = list(dict.fromkeys(problems))

    def key(problem: Problem) -> tuple[int, str, int, int, str]:
        rank = 0 if problem.file == main else 2 if problem.file == SOURCE else 1
        return (rank, problem.file, problem.line or 0, problem.column or 0, problem.field)

    ordered = sorted(unique, key=key)
    if len(ordered) > MAX_PROBLEMS:
        rest = len(ordered) - MAX_PROBLEMS
        ordered = [*ordered[:MAX_PROBLEMS], Problem(main, None, None, "", f"... and {rest} more problems")]
    return ordered


def _plain(data: Any) -> Any:
    """A copy of nested mappings and lists as plain dicts and lists."""
    if isinstance(data, Mapping):
        return {key: _plain(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_plain(value) for value in data]
    return data
