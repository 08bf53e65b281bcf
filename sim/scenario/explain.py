"""pydantic's validation errors, explained as :class:`~sim.scenario.errors.Problem` s.

Each error is placed at its key or value in the file it came from, its location is
turned into the dotted path of the data (dropping pydantic's names for union
branches such as ``float`` or ``tagged-union[...]``), and its message is rewritten as
"expected ..., found ...". Where a value could be one of several things (a number
or a distribution; a date, a day or a distribution) the failures of all branches are
folded into one message about what the value looks like it meant:

- a mapping with an unknown ``dist`` or ``action``: the allowed ones, and the
  closest;
- a mapping: only the errors inside it (not "expected a number");
- a single value: one line listing what would have been accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple, get_args

from pydantic import ValidationError

from sim.scenario.distributions import DISTRIBUTION_KINDS
from sim.scenario.errors import Problem, quoted, show
from sim.scenario.fields import field_names, model_at, suggestion
from sim.scenario.schema import FORMAT, RENAMED_IN_FORMAT_2, Rule
from sim.scenario.yaml_source import Document, Path_, dotted, value_at

TAGS = {
    "dist": DISTRIBUTION_KINDS,
    "action": tuple(get_args(m.model_fields["action"].annotation)[0] for m in get_args(get_args(Rule)[0])),
}
"""The values each discriminator key can take."""

# Errors that only say "this branch wants another kind of value".
_MISMATCH = {
    "float_type",
    "float_parsing",
    "int_type",
    "int_parsing",
    "int_from_float",
    "string_type",
    "bool_type",
    "bool_parsing",
    "date_type",
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
    "list_type",
    "dict_type",
    "model_type",
    "model_attributes_type",
}
_KIND = {
    "float": "a number",
    "int": "a whole number",
    "str": "text",
    "bool": "true or false",
    "date": "a date",
    "tagged-union": "a distribution",
}
_EXPECTED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date without a time of day",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "finite_number": "a finite number",
}
_PATH_PREFIX = re.compile(r"^([A-Za-z_][\w]*(?:\.[\w-]+)+): (.*)$", re.S)
_POINT = re.compile(r"point (\d+) comes before")


class _Error(NamedTuple):
    path: Path_  # where in the data
    labels: tuple[str, ...]  # pydantic's names of the union branches taken
    union_at: Path_ | None  # where the first union branch was taken
    type: str
    message: str
    input: Any
    context: dict[str, Any]


def explain(error: ValidationError, document: Document) -> list[Problem]:
    """Every error of a failed validation of ``document.data`` as a Problem."""
    errors = [_locate(e, document.data) for e in error.errors(include_url=False)]
    grouped: dict[Path_, list[_Error]] = {}
    singles: list[_Error] = []
    for item in errors:
        if item.union_at is None:
            singles.append(item)
        else:
            grouped.setdefault(item.union_at, []).append(item)
    problems: list[tuple[Path_, bool, str]] = [_single(e, document) for e in singles]
    for where, group in grouped.items():
        problems += _fold(where, group, document)
    found: dict[Problem, None] = {}  # ordered, without repeats
    for path, at_key, message in problems:
        if any(path[: len(p)] == p or path == p[:-1] for p in document.poisoned):
            continue  # the reader already reported this value (its mapping's checks saw a null)
        mark = document.keys[path] if at_key and path in document.keys else document.mark(path)
        found[Problem.at(mark, dotted(path), message)] = None
    return list(found)


def _locate(error: Mapping[str, Any], data: Any) -> _Error:
    """Split pydantic's location into the data path and the union branch labels."""
    loc = tuple(error["loc"])
    kind = error["type"]
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    path: list[str | int] = []
    labels: list[str] = []
    union_at: Path_ | None = None
    value = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        in_mapping = isinstance(value, Mapping) and part in value
        in_list = isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
        if in_mapping or in_list:
            path.append(part)
            value = value[part]
        elif last and kind == "missing":
            path.append(part)
        else:
            if union_at is None:
                union_at = tuple(path)
            labels.append(str(part))
    if not loc and kind == "value_error":
        # A cross-field check names its field at the start of its message.
        match = _PATH_PREFIX.match(message)
        if match and (named := _data_path(match.group(1), data)) is not None:
            path, message = list(named), match.group(2)
            point = _POINT.search(message)
            if point and isinstance(value_at(data, path), list):
                path.append(int(point.group(1)))
    return _Error(
        tuple(path), tuple(labels), union_at, kind, message, error.get("input"), error.get("ctx") or {}
    )


def _single(error: _Error, document: Document) -> tuple[Path_, bool, str]:
    """One error as (path, placed at the key?, message)."""
    kind, found = error.type, show(error.input)
    if kind == "missing":
        return error.path, False, "expected a value (this field is required), found none"
    if kind == "extra_forbidden":
        key = str(error.path[-1]) if error.path else "?"
        field = ".".join(str(part) for part in error.path)
        if field in RENAMED_IN_FORMAT_2:
            return (
                error.path,
                True,
                f"expected a key of format {FORMAT}, found {quoted(key)}, a key of the first model: "
                f"use {RENAMED_IN_FORMAT_2[field]}",
            )
        model = model_at(error.path[:-1], document.data)
        known = field_names(model) if model is not None else []
        hint = suggestion(key, known)
        if hint or not known:
            return error.path, True, f"expected a known key, found unknown key {quoted(key)}{hint}"
        return error.path, True, f"expected one of {', '.join(known)}, found unknown key {quoted(key)}"
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(error.context.get("expected", "")))
        hint = suggestion(error.input, allowed) if isinstance(error.input, str) else ""
        return error.path, False, f"expected one of {', '.join(allowed)}, found {found}{hint}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _tag_problem(error, error.path, number_too=False)
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        symbol = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}[
            kind
        ]
        bound = next(iter(error.context.values()), "?")
        return error.path, False, f"expected a value {symbol} {bound}, found {found}"
    if kind in ("too_short", "too_long"):
        side = "least" if kind == "too_short" else "most"
        limit = error.context.get("min_length" if kind == "too_short" else "max_length")
        return (
            error.path,
            False,
            f"expected at {side} {limit} items, found {error.context.get('actual_length')}",
        )
    if kind in ("string_too_short", "string_too_long"):
        side = "least" if kind == "string_too_short" else "most"
        limit = error.context.get("min_length" if kind == "string_too_short" else "max_length")
        return error.path, False, f"expected at {side} {limit} characters, found {found}"
    if kind in _EXPECTED:
        looks_like_date = isinstance(error.input, str) and re.match(r"^\d{4}-", error.input)
        reason = error.context.get("error") if looks_like_date else None
        tail = f" ({reason})" if reason else ""
        if error.labels == ("[key]",):
            return error.path, True, f"expected a text key, found {found}"
        return error.path, False, f"expected {_EXPECTED[kind]}, found {found}{tail}"
    if kind == "cross_field":  # the scenario's own cross-field checks say what they found
        return error.path, False, error.message
    if kind in ("value_error", "assertion_error"):
        single = not isinstance(error.input, (Mapping, list))
        tail = f", found {found}" if single and "found" not in error.message else ""
        return error.path, False, error.message + tail
    # Anything else: pydantic's own words, in our form.
    text = re.sub(r"^Input should be ", "expected ", error.message)
    return error.path, False, f"{text}, found {found}"


def _fold(where: Path_, group: list[_Error], document: Document) -> list[tuple[Path_, bool, str]]:
    """The errors of one union's branches as the few problems worth reading."""
    tagged = [e for e in group if e.type in ("union_tag_invalid", "union_tag_not_found")]
    number_too = any(e.labels and e.labels[-1] == "float" for e in group)
    if tagged:
        return [_tag_problem(tagged[0], where, number_too)]
    if len({e.labels for e in group}) == 1:
        return [_single(e, document) for e in group]
    value = value_at(document.data, where)
    specific = [e for e in group if not (e.path == where and e.type in _MISMATCH)]
    if specific:
        return [_single(e, document) for e in specific]
    dates = [e for e in group if e.type.startswith("date") and isinstance(e.input, str)]
    if dates and re.match(r"^\d{4}-", dates[0].input):
        return [_single(dates[0], document)]
    kinds: list[str] = []
    for e in group:
        label = e.labels[-1].split("[")[0] if e.labels else ""
        kind = _KIND.get(label)
        if kind and kind not in kinds:
            kinds.append(kind)
    expected = " or ".join([", ".join(kinds[:-1]), kinds[-1]] if len(kinds) > 1 else kinds) or "another value"
    return [(where, False, f"expected {expected}, found {show(value)}")]


def _tag_problem(error: _Error, where: Path_, number_too: bool) -> tuple[Path_, bool, str]:
    key = str(error.context.get("discriminator", "")).strip("'") or "dist"
    allowed = TAGS.get(key, ())
    if error.type == "union_tag_invalid":
        tag = str(error.context.get("tag"))
        message = f"expected one of {', '.join(allowed)}, found {quoted(tag)}{suggestion(tag, allowed)}"
        return (*where, key), False, message
    what = "a distribution" if key == "dist" else "a rule"
    prefix = "a number or " if number_too else ""
    message = (
        f"expected {prefix}{what} (a mapping with '{key}': one of {', '.join(allowed)}), "
        f"found {show(error.input)}"
    )
    return where, False, message


def _data_path(text: str, data: Any) -> Path_ | None:
    path: list[str | int] = []
    value = data
    for part in text.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            path.append(int(part))
            value = value[int(part)]
        elif isinstance(value, Mapping) and part in value:
            path.append(part)
            value = value[part]
        else:
            return None
    return tuple(path)
