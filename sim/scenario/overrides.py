"""Overriding single values for quick what-ifs: ``--set militia.branching_ratio=0.5``.

An override names a value by its dotted path (list items by index:
``forces.us_erbil.schedule.0.at``) and is applied after ``extends`` is merged and
before validation, so the overridden value is checked like any other. A path that
does not exist in the schema is an error with the closest known key; an error in an
overridden value names the source ``--set``. Setting ``null`` (``--set
isf.readiness=``) deletes the key, which restores its default.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from sim.scenario.errors import Mark, Problem, ScenarioError, quoted
from sim.scenario.fields import PathError, resolve_path
from sim.scenario.yaml_source import Document, Path_, read_text

SOURCE = "--set"
"""The source named by problems in an overridden value."""


def parse_assignments(items: Iterable[str]) -> dict[str, Any]:
    """``["a.b=value", ...]`` as ``{"a.b": value, ...}``, each value read as safe YAML.

    ``"0.5"`` gives 0.5, ``"2024-06-01"`` a date, ``"{dist: uniform, low: 1, high: 2}"``
    a mapping, ``"text"`` the text, an empty value ``None``. Raises
    :class:`ScenarioError` (source ``--set``) listing every malformed item. A later
    item for the same path wins.
    """
    if isinstance(items, str):
        items = [items]
    parsed: dict[str, Any] = {}
    problems: list[Problem] = []
    for item in items:
        path, equals, text = str(item).partition("=")
        path = path.strip()
        if not equals or not path:
            message = f"expected PATH=VALUE (e.g. militia.branching_ratio=0.5), found {item!r}"
            problems.append(Problem(SOURCE, None, None, "", message))
            continue
        try:
            document = read_text(text, SOURCE, require_mapping=False)
        except ScenarioError as error:
            problems += [_about(path, p) for p in error.problems]
            continue
        if document.problems:
            problems += [_about(path, p) for p in document.problems]
            continue
        parsed[path] = document.data
    if problems:
        raise ScenarioError(problems)
    return parsed


def keyword_overrides(keywords: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments as overrides: ``militia__branching_ratio=0.5`` sets ``militia.branching_ratio``."""
    return {name.replace("__", "."): value for name, value in keywords.items()}


def as_overrides(overrides: Mapping[str, Any] | Iterable[str] | None) -> dict[str, Any]:
    """Overrides given as a mapping (values used as they are) or as ``PATH=VALUE`` strings."""
    if overrides is None:
        return {}
    if isinstance(overrides, Mapping):
        return {str(path): value for path, value in overrides.items()}
    return parse_assignments(overrides)


def apply_overrides(document: Document, overrides: Mapping[str, Any]) -> list[Problem]:
    """Set each overridden value in the document's data; return the problems with paths.

    Values are copied, so the caller's objects are never changed. Marks under an
    overridden path are replaced by the ``--set`` source.
    """
    problems: list[Problem] = []
    for dotted_path, value in overrides.items():
        parts = dotted_path.split(".")
        if any(not p for p in parts):
            message = f"expected a dotted path such as militia.branching_ratio, found {quoted(dotted_path)}"
            problems.append(Problem(SOURCE, None, None, dotted_path, message))
            continue
        if parts[0] == "extends":
            message = (
                "expected a field that can be overridden, found 'extends' (it is resolved before overrides)"
            )
            problems.append(Problem(SOURCE, None, None, dotted_path, message))
            continue
        try:
            path = resolve_path(parts, document.data)
        except PathError as error:
            problems.append(Problem(SOURCE, None, None, dotted_path, str(error)))
            continue
        if value is None and isinstance(path[-1], int):
            message = "expected a value for a list item, found null (set the whole list to remove items)"
            problems.append(Problem(SOURCE, None, None, dotted_path, message))
            continue
        _set(document, path, copy.deepcopy(value))
    return problems


def _set(document: Document, path: Path_, value: Any) -> None:
    here = Mark(SOURCE)
    container = document.data
    for depth, part in enumerate(path[:-1]):
        child = container[int(part)] if isinstance(container, list) else container.get(part)
        if not isinstance(child, (dict, list)):
            # Nothing (or a single value) where the schema has a mapping: start one here.
            child = {}
            container[part] = child
            document.values[path[: depth + 1]] = here
        container = child
    for marks in (document.values, document.keys):
        for stale in [p for p in marks if p[: len(path)] == path]:
            del marks[stale]
    document.poisoned = {p for p in document.poisoned if p[: len(path)] != path}
    if value is None:
        container.pop(path[-1], None)
        return
    container[path[-1]] = value
    document.values[path] = document.keys[path] = here


def _about(path: str, problem: Problem) -> Problem:
    return Problem(SOURCE, None, None, path, problem.message)
