"""The scenario reference and the JSON Schema, generated from the pydantic models.

``python -m sim.scenario.reference`` rewrites ``docs/scenarios.md`` and
``scenarios/scenario.schema.json``; ``--check`` only reports whether they are stale
(exit status 1 if so). Neither file is ever edited by hand: change the schema, then
regenerate.

The JSON Schema (draft 2020-12) serves editors: completion, hover text and checks
while a scenario is written. A file with ``extends`` only changes its parent, so it
is checked leniently (no field required, ``null`` allowed to delete an inherited
key); a file without one must be a complete scenario. Checks across fields
(schedules in time order, roles summing to at most 1 ...) are left to
``python -m sim validate``.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import json
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from annotated_types import MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.scenario.distributions import Distribution
from sim.scenario.fields import discriminator
from sim.scenario.ranges import param_range
from sim.scenario.schema import MAX_HORIZON_DAYS, MAX_TRIALS, Rule, Scenario
from sim.scenario.yaml_source import MAX_BYTES, MAX_DEPTH, MAX_NODES

ROOT = Path(__file__).resolve().parents[2]
MARKDOWN_PATH = ROOT / "docs" / "scenarios.md"
SCHEMA_PATH = ROOT / "scenarios" / "scenario.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

DISTRIBUTIONS: tuple[type[BaseModel], ...] = get_args(get_args(Distribution)[0])
RULES: tuple[type[BaseModel], ...] = get_args(get_args(Rule)[0])


# ---------------------------------------------------------------------- JSON Schema


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file, for editors and ``python -m sim schema``."""
    full = Scenario.model_json_schema(mode="validation")
    defs: dict[str, Any] = full.pop("$defs")
    defs["Scenario"] = full
    for name, schema in defs.items():
        model = _MODELS.get(name)
        if model is not None:
            _add_ranges(model, schema)
    patches: dict[str, Any] = {}
    lenient = _lenient_model(defs["Scenario"], defs, patches)
    return {
        "$schema": DRAFT,
        "title": "sim scenario",
        "description": (
            "A scenario of the sim withdrawal simulator. Without 'extends' the file must be a "
            "complete scenario; with it, the file only changes its parent (null deletes an "
            "inherited key). Reference: docs/scenarios.md."
        ),
        "type": "object",
        "properties": lenient["properties"],
        "additionalProperties": False,
        "if": {"required": ["extends"]},
        "then": True,
        "else": {"$ref": "#/$defs/Scenario"},
        "$defs": {**defs, **patches},
    }


def _all_models() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}

    def visit(model: type[BaseModel]) -> None:
        if model.__name__ in found:
            return
        found[model.__name__] = model
        for info in model.model_fields.values():
            for inner in _leaves(info.annotation):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    visit(inner)

    visit(Scenario)
    return found


def _leaves(annotation: Any) -> Iterator[Any]:
    origin = get_origin(annotation)
    if origin is Annotated or origin in (Union, types.UnionType, list, dict):
        for arg in get_args(annotation):
            yield from _leaves(arg)
    else:
        yield annotation


_MODELS = _all_models()


def _add_ranges(model: type[BaseModel], schema: dict[str, Any]) -> None:
    """Put a parameter's range on its plain-number branch, so editors can flag it."""
    for name, info in model.model_fields.items():
        bounds = param_range(info)
        prop = schema.get("properties", {}).get(info.alias or name)
        if bounds is None or prop is None:
            continue
        low, high, strict_low, strict_high = bounds.low, bounds.high, bounds.strict_low, bounds.strict_high
        for branch in _number_branches(prop):
            if low is not None:
                branch["exclusiveMinimum" if strict_low else "minimum"] = low
            if high is not None:
                branch["exclusiveMaximum" if strict_high else "maximum"] = high


def _number_branches(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "number":
            yield node
        for key in ("anyOf", "oneOf"):
            for member in node.get(key, []):
                yield from _number_branches(member)


def _lenient_model(schema: dict[str, Any], defs: dict[str, Any], patches: dict[str, Any]) -> dict[str, Any]:
    """A model's schema as a child file may write it: nothing required, null allowed."""
    lenient = {k: v for k, v in copy.deepcopy(schema).items() if k != "required"}
    lenient["properties"] = {
        key: {"anyOf": [_lenient_value(prop, defs, patches), {"type": "null"}]}
        for key, prop in lenient.get("properties", {}).items()
    }
    return lenient


def _lenient_value(node: dict[str, Any], defs: dict[str, Any], patches: dict[str, Any]) -> dict[str, Any]:
    node = copy.deepcopy(node)
    ref = node.get("$ref", "")
    name = ref.rsplit("/", 1)[-1]
    if name in defs and name not in {d.__name__ for d in DISTRIBUTIONS} and "properties" in defs[name]:
        patch = f"{name}Patch"
        if patch not in patches:
            patches[patch] = {}  # reserve the name first: models may refer to themselves
            patches[patch] = _lenient_model(defs[name], defs, patches)
        node["$ref"] = f"#/$defs/{patch}"
    if isinstance(node.get("additionalProperties"), dict):
        inner = _lenient_value(node["additionalProperties"], defs, patches)
        node["additionalProperties"] = {"anyOf": [inner, {"type": "null"}]}
    for key in ("anyOf", "oneOf"):
        if key in node:
            members = [_lenient_value(m, defs, patches) for m in node[key]]
            if any(
                "discriminator" in m and m["discriminator"].get("propertyName") == "dist" for m in members
            ):
                # A mapping without 'dist' changes only some parameters of an inherited distribution.
                members.append({"type": "object", "not": {"required": ["dist"]}})
            node[key] = members
    return node  # list items stay complete: a child's list replaces the parent's


# ------------------------------------------------------------------- field details


def type_text(annotation: Any) -> str:
    """How a field's type reads in the reference."""
    members = _flat(annotation)
    has = {_kind(m) for m in members} - {"null"}
    if {"date", "number", "distribution"} <= has:
        return "date, day or distribution"
    if {"number", "distribution"} <= has:
        return "number or distribution"
    members = [m for m in members if m is not type(None)]
    if len(members) == 1:
        member = members[0]
        if get_origin(member) is Literal:
            return "one of " + ", ".join(f"`{v}`" for v in get_args(member))
        if get_origin(member) is dict:
            return "mapping of named entries"
        if get_origin(member) is list:
            (item,) = get_args(member)
            item_kinds = {_kind(m) for m in _flat(item)}
            return "list of rules" if item_kinds == {"rule"} else "list"
    return " or ".join(sorted(has)) or "value"


def _flat(annotation: Any) -> list[Any]:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _flat(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _flat(arg)]
    return [annotation]


def _kind(member: Any) -> str:
    simple = {float: "number", int: "whole number", str: "text", bool: "true/false", dt.date: "date"}
    if member is type(None):
        return "null"
    if member in simple:
        return simple[member]
    if member in DISTRIBUTIONS:
        return "distribution"
    if member in RULES:
        return "rule"
    if isinstance(member, type) and issubclass(member, BaseModel):
        return "mapping"
    if get_origin(member) is Literal:
        return "one of " + ", ".join(f"`{v}`" for v in get_args(member))
    return "value"


def range_text(info: FieldInfo) -> str:
    """A field's allowed range or size, as the reference shows it."""
    bounds = param_range(info)
    parts: list[str] = []
    if bounds is not None:
        low, high, strict_low, strict_high = bounds.low, bounds.high, bounds.strict_low, bounds.strict_high
        if low is not None and high is not None and not (strict_low or strict_high):
            return f"{_number(low)} to {_number(high)}"
        if low is not None:
            parts.append(f"{'>' if strict_low else '>='} {_number(low)}")
        if high is not None:
            parts.append(f"{'<' if strict_high else '<='} {_number(high)}")
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            parts.append(f">= {_number(item.ge)}")
        elif isinstance(item, annotated_types.Gt):
            parts.append(f"> {_number(item.gt)}")
        elif isinstance(item, annotated_types.Le):
            parts.append(f"<= {_number(item.le)}")
        elif isinstance(item, annotated_types.Lt):
            parts.append(f"< {_number(item.lt)}")
    shortest = next((item.min_length for item in info.metadata if isinstance(item, MinLen)), None)
    longest = next((item.max_length for item in info.metadata if isinstance(item, MaxLen)), None)
    unit = "characters" if info.annotation is str else "items"
    if shortest is not None and longest is not None:
        parts.append(f"{shortest} to {longest} {unit}")
    elif shortest is not None:
        count = shortest
        parts.append(f"at least {count} {unit if count != 1 else unit[:-1]}")
    elif longest is not None:
        count = longest
        parts.append(f"at most {count} {unit if count != 1 else unit[:-1]}")
    return ", ".join(parts)


def default_text(value: Any) -> str:
    """A default value as the reference shows it."""
    if isinstance(value, BaseModel):
        return "see below"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, (int, float)):
        return f"`{_number(value)}`"
    if isinstance(value, dt.date):
        return f"`{value.isoformat()}`"
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    if isinstance(value, (list, dict)) and not value:
        return "`[]`" if isinstance(value, list) else "`{}`"
    return f"`{value}`"


def _number(value: object) -> str:
    if isinstance(value, int) and value >= 2**53 and value & (value - 1) == 0:
        return f"2^{value.bit_length() - 1}"  # a power of two is clearer so (the seed's bound)
    return f"{value:.10g}" if isinstance(value, float) else str(value)


# ------------------------------------------------------------------------ Markdown


@dataclass
class _Row:
    path: str
    type: str
    default: str
    unit: str
    range: str
    meaning: str


def markdown_reference() -> str:
    """The text of ``docs/scenarios.md``: every field, the distributions, the rules, the rules of loading."""
    shared = _shared_models()
    out: list[str] = [_INTRO.format(**_limits())]
    out += ["## Top level", "", _doc(Scenario), ""]
    out += _table([r for r in _rows(Scenario, "", None, shared) if "." not in r.path])
    for name, info in Scenario.model_fields.items():
        model_like = _first_model(info.annotation)
        if model_like is None or model_like in RULES:
            continue
        out += [f"## `{name}`", "", _doc(model_like), ""]
        rows = _rows(Scenario, "", None, shared, only=name)
        out += _table(rows)
    out += ["## Conditions (`when`)", ""]
    for model in shared:
        out += [_doc(model), ""]
        out += _table(_rows(model, "when.", None, shared))
    out += [_RULES_INTRO]
    for model in RULES:
        tag = get_args(model.model_fields["action"].annotation)[0]
        out += [f"### `action: {tag}`", "", _doc(model), ""]
        out += _table(_rows(model, "rules.<i>.", None, shared))
    out += [_DISTRIBUTIONS_INTRO]
    out += ["| `dist` | parameters | meaning |", "| --- | --- | --- |"]
    for model in DISTRIBUTIONS:
        tag = get_args(model.model_fields["dist"].annotation)[0]
        params = []
        for name, info in model.model_fields.items():
            if name == "dist":
                continue
            text = f"`{info.alias or name}`"
            limits = range_text(info)
            if limits:
                text += f" ({limits})"
            if not info.is_required():
                text += f", default {default_text(info.default)}"
            params.append(text)
        out.append(f"| `{tag}` | {'; '.join(params)} | {_cell(_doc(model))} |")
    out += ["", _OUTRO]
    return "\n".join(out).rstrip() + "\n"


def _rows(
    model: type[BaseModel],
    prefix: str,
    instance: BaseModel | None,
    shared: list[type[BaseModel]],
    only: str | None = None,
) -> list[_Row]:
    rows: list[_Row] = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        if only is not None and key != only:
            continue
        if discriminator(model) == name:
            continue  # the tag heads the section instead
        path = prefix + key
        value = getattr(instance, name) if instance is not None else info.default
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        unit = str(extra.get("unit", ""))
        rows.append(
            _Row(
                path=path,
                type=type_text(info.annotation),
                default="required" if info.is_required() else default_text(value),
                unit="" if unit == "-" else unit,
                range=range_text(info),
                meaning=(info.description or "").strip(),
            )
        )
        inner = _first_model(info.annotation)
        origin = get_origin(_flat(info.annotation)[0])
        if inner is None or inner in RULES or inner in DISTRIBUTIONS:
            continue
        if inner in shared:
            rows[-1].meaning += " See [Conditions](#conditions-when)."
            continue
        if origin in (dict, list):
            rows += _rows(inner, f"{path}.{_item_path(info.annotation)}", None, shared)
        else:
            rows += _rows(inner, f"{path}.", value if isinstance(value, BaseModel) else None, shared)
    return rows


def _first_model(annotation: Any) -> type[BaseModel] | None:
    for member in _flat(annotation):
        while get_origin(member) in (dict, list):  # a mapping of lists reaches its items
            member = get_args(member)[-1]
            inner = _flat(member)
            member = inner[0] if len(inner) == 1 else (RULES[0] if set(inner) <= set(RULES) else None)
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member
    return None


def _item_path(annotation: Any) -> str:
    """How a path reaches the items of a mapping or list field: ``<key>.``, ``<i>.``, ``<key>.<i>.``."""
    member, path = _flat(annotation)[0], ""
    while get_origin(member) in (dict, list):
        path += "<key>." if get_origin(member) is dict else "<i>."
        member = _flat(get_args(member)[-1])[0]
    return path


def _shared_models() -> list[type[BaseModel]]:
    """Models used by several fields, never with a default of their own: documented once.

    A model used only inside such a shared model is documented with it, not apart.
    """
    users: dict[type[BaseModel], list[tuple[type[BaseModel], bool]]] = {}
    for model in _MODELS.values():
        for info in model.model_fields.values():
            inner = _first_model(info.annotation)
            if inner is not None and inner not in RULES and inner not in DISTRIBUTIONS:
                users.setdefault(inner, []).append((model, isinstance(info.default, BaseModel)))
    shared = [m for m, uses in users.items() if len(uses) > 1 and not any(d for _, d in uses)]
    return [m for m in shared if not all(user in shared for user, _ in users[m])]


def _doc(model: type[BaseModel]) -> str:
    text = inspect.cleandoc(model.__doc__ or "")
    return text.replace("``", "`")


def _table(rows: list[_Row]) -> list[str]:
    lines = [
        "| field | type | default | unit | range | meaning |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        cells = (f"`{row.path}`", row.type, row.default, row.unit, row.range, row.meaning)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return [*lines, ""]


def _cell(text: str) -> str:
    return " ".join(text.replace("``", "`").replace("|", "\\|").split())


def _limits() -> dict[str, Any]:
    return {
        "max_bytes": f"{MAX_BYTES / (1 << 20):g} MiB",
        "max_nodes": f"{MAX_NODES:,}",
        "max_depth": MAX_DEPTH,
        "max_horizon": f"{MAX_HORIZON_DAYS:,}",
        "max_trials": f"{MAX_TRIALS:,}",
    }


_INTRO = """\
# Scenario reference

<!-- Generated by `python -m sim.scenario.reference` from the schema in sim/scenario/schema.py.
     Do not edit by hand: change the schema and regenerate. -->

A scenario file is YAML describing one scenario completely. Every field below has a
default unless it says *required*; a file only writes what it changes. Paths are dotted
as `--set` takes them: `<key>` is a name you choose (a base, a force element), `<i>` a
list index counted from 0.

```yaml
# yaml-language-server: $schema=scenario.schema.json
name: my_scenario
start: 2024-01-25
horizon_days: 730
bases:
  al_asad: {{region: federal_iraq}}
forces:
  us_al_asad:
    base: al_asad
    troops: 1000
    schedule:
      - {{at: 2024-09-01, troops: 500, ramp_days: 60}}   # a calendar waypoint
      - when: {{all: [{{metric: capability, op: ">=", value: 0.6, for_days: 90}}]}}
        deadline: 2026-01-01                          # a conditions-based waypoint
        troops: 0
militia:
  branching_ratio: {{dist: uniform, low: 0.2, high: 0.4}}   # any number may be a distribution
```

The first line lets editors that use the YAML language server complete and check the
file against `scenarios/scenario.schema.json` (`python -m sim schema` prints it).
`python -m sim validate FILE...` checks files and reports every problem in each.

## Reading, inheriting, overriding

- **Plain data only.** Mappings, lists, text, numbers, `true`/`false`, dates
  (`2024-06-01`) and `null`. Tags (`!!python/...`, `!!binary`, `!custom`) are refused and
  never constructed; keys are always text as written (`on:` is the key `on`). A key
  written twice in one mapping is an error. Anchors, aliases and merge keys (`<<`) work.
- **Limits.** A file of at most {max_bytes}, at most {max_nodes} YAML nodes (after expanding
  aliases), nesting at most {max_depth} deep; a horizon of at most {max_horizon} days; at most
  {max_trials} trials.
- **`extends: parent.yaml`** (relative to the file) inherits the parent, itself possibly
  extending another. The child is merged onto the parent: mappings merge key by key; a
  mapping with a `dist` key replaces what was there, while one without `dist` changes only
  the parameters it names in an inherited distribution; lists and single values replace;
  a key set to `null` deletes the inherited key (dropping a force element, or returning a
  parameter to its default). Cycles and missing parents are errors naming the chain.
- **Overrides** change single values after the merge and before validation:
  `python -m sim run FILE --set militia.branching_ratio=0.5 --set forces.us_al_asad.schedule.0.at=2024-06-01`,
  or in Python `load_scenario(path, militia__branching_ratio=0.5)` (`__` for `.`) or
  `load_scenario(path, {{"militia.branching_ratio": 0.5}})`. A `--set` value is read as
  YAML (`0.5`, `2024-06-01`, `{{dist: uniform, low: 1, high: 2}}`; empty for `null`). A path
  that does not exist is an error with the closest known one.
- **Errors** name the file, line and column, the dotted field, what was expected and what
  was found, e.g. `my_scenario.yaml:9:5: forces.us.troop: expected a known key, found
  unknown key 'troop'; did you mean 'troops'?`. An error in an inherited value points into the
  parent file; one in an overridden value names `--set`.
- **Numbers or distributions.** A field typed *number or distribution* takes a number or
  any distribution below; its range holds for every value the distribution can draw. A
  *date, day or distribution* is a calendar date or a day offset from `start`.
"""

_RULES_INTRO = """\
## `rules`

Policy rules react to the state of the world; each is a mapping chosen by its `action`.
Rules are listed under `rules:` and fire as described; conditions are data (see
[Conditions](#conditions-when)), never expressions.
"""

_DISTRIBUTIONS_INTRO = """\
## Distributions

Any field typed *number or distribution* may be written as a mapping selected by its
`dist` key. Each Monte Carlo trial draws its own value; the trials table keeps it.
"""

_OUTRO = """\
Writing `{dist: fixed, value: 3}` is the same as writing `3`. A distribution's whole
support must lie in its field's range: `{dist: normal, mean: 0.5, sd: 0.1}` is refused for a
probability (it can fall outside 0 to 1) unless clipped with `low: 0, high: 1`.
"""


# ---------------------------------------------------------------------------- files


def generated_files() -> dict[Path, str]:
    """Each generated file's path and its up-to-date text."""
    return {
        MARKDOWN_PATH: markdown_reference(),
        SCHEMA_PATH: json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n",
    }


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated files (or, with ``--check``, report which are stale)."""
    args = sys.argv[1:] if argv is None else argv
    stale = [p for p, text in generated_files().items() if not p.exists() or p.read_text() != text]
    if "--check" in args:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run python -m sim.scenario.reference)", file=sys.stderr)
        return 1 if stale else 0
    for path, text in generated_files().items():
        if path in stale:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
