"""The shape of the schema along a dotted path: which keys exist where.

Used to check ``--set`` paths before any value is set, and to suggest the closest
known key when a file has an unknown one. The walk follows the pydantic models'
annotations and, where the schema offers a choice (a number or a distribution; one
rule or another), picks the branch the data at hand takes: a mapping with
``dist: uniform`` is a :class:`~sim.scenario.distributions.Uniform`, a rule with
``action: pause`` a :class:`~sim.scenario.schema.Pause`.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from sim.scenario.errors import printable, quoted, show
from sim.scenario.schema import Scenario


class PathError(Exception):
    """A dotted path that does not lead anywhere in the schema; ``str()`` says why."""


def field_names(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts, as written in a file (aliases where a field has one)."""
    return [info.alias or name for name, info in model.model_fields.items()]


def suggestion(word: str, choices: Sequence[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""`` when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def resolve_path(parts: Sequence[str | int], data: Any) -> tuple[str | int, ...]:
    """Check that a path exists in the schema, given the data it will apply to.

    Returns the path with list indices as ``int``. Raises :class:`PathError` for an
    unknown field (with the closest known one), a key missing from a mapping of
    named entries (``forces.<key>``; only the last part may name a new entry), a
    list index that is not a number or is out of range, or a path that goes past a
    single value.
    """
    return _walk(parts, data)[0]


def model_at(path: Sequence[str | int], data: Any) -> type[BaseModel] | None:
    """The model that the mapping at ``path`` is validated as, or ``None``."""
    try:
        _, annotation, value = _walk(path, data)
    except PathError:
        return None
    shape = branch(annotation, value)
    return shape if _is_model(shape) else None


def _walk(parts: Sequence[str | int], data: Any) -> tuple[tuple[str | int, ...], Any, Any]:
    annotation: Any = Scenario
    value = data
    resolved: list[str | int] = []
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(printable(str(p)) for p in resolved) or "the top level"
        shape = branch(annotation, value)
        if _is_model(shape):
            names = {(info.alias or name): name for name, info in shape.model_fields.items()}
            if str(part) not in names:
                raise PathError(
                    f"expected a field of {where} ({', '.join(names)}), found {quoted(part)}"
                    + suggestion(str(part), list(names))
                )
            annotation = shape.model_fields[names[str(part)]].annotation
            part = str(part)
        elif get_origin(shape) is dict:
            keys = [str(k) for k in value] if isinstance(value, Mapping) else []
            if str(part) not in keys and not last:
                listed = ", ".join(printable(k) for k in keys) if keys else "none yet"
                raise PathError(
                    f"expected one of the keys of {where} ({listed}), found {quoted(part)}"
                    + suggestion(str(part), keys)
                )
            annotation = get_args(shape)[1]
            part = str(part)
        elif get_origin(shape) is list:
            length = len(value) if isinstance(value, list) else 0
            if not (isinstance(part, int) or str(part).isdigit()):
                raise PathError(f"expected a list index (0, 1, ...) after {where}, found {quoted(part)}")
            part = int(part)
            if part >= length:
                has = f"has {length} item{'s' * (length != 1)}" if length else "is empty"
                raise PathError(f"expected the index of an existing item ({where} {has}), found {part}")
            annotation = get_args(shape)[0]
        else:
            found = "nothing" if value is None else show(value)
            raise PathError(
                f"expected {where} to be a mapping with a field {quoted(part)}, found {found}; "
                f"set {where} as a whole instead"
            )
        resolved.append(part)
        value = _child(value, part)
    return tuple(resolved), annotation, value


def branch(annotation: Any, value: Any) -> Any:
    """The annotation with wrappers removed and any union resolved by ``value``.

    A union the value does not decide (a number where a number or a distribution is
    allowed) comes back as the union itself.
    """
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [m for m in _members(annotation) if m is not type(None)]
            chosen = _choose(members, value)
            if chosen is None:
                return annotation
            annotation = chosen
        else:
            return annotation


def _members(annotation: Any) -> list[Any]:
    found: list[Any] = []
    for member in get_args(annotation):
        while get_origin(member) is Annotated:
            member = get_args(member)[0]
        if get_origin(member) in (Union, types.UnionType):
            found.extend(_members(member))
        else:
            found.append(member)
    return found


def _choose(members: list[Any], value: Any) -> Any:
    if len(members) == 1:
        return members[0]
    models = [m for m in members if _is_model(m)]
    if isinstance(value, Mapping):
        for model in models:
            tag_field = discriminator(model)
            if tag_field and value.get(tag_field) in get_args(model.model_fields[tag_field].annotation):
                return model
        untagged = [m for m in models if not discriminator(m)]
        mappings = [m for m in members if get_origin(m) is dict]
        candidates = untagged + mappings
        return candidates[0] if len(candidates) == 1 else None
    if isinstance(value, list):
        lists = [m for m in members if get_origin(m) is list]
        return lists[0] if len(lists) == 1 else None
    return None


def discriminator(model: type[BaseModel]) -> str | None:
    """The field that tells a union's members apart (``dist``, ``action``), if the model has one."""
    for name in ("dist", "action"):
        info = model.model_fields.get(name)
        if info is not None and get_origin(info.annotation) is Literal:
            return name
    return None


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _child(value: Any, part: str | int) -> Any:
    if isinstance(value, Mapping):
        return value.get(part)
    if isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
        return value[part]
    return None
