"""``extends: other.yaml``: a scenario inherits another and changes parts of it.

The parent (a path relative to the extending file) is read and its own ``extends``
resolved first; the child is then merged onto it:

- mappings merge key by key, recursively;
- a mapping with a ``dist`` key (a distribution) replaces what was there as a whole,
  while a mapping without one merges into an inherited distribution (so
  ``{high: 3}`` changes only the upper bound);
- lists and single values replace;
- a key set to ``null`` deletes the inherited key (a child can drop a force element,
  or return a parameter to its default).

Every value keeps the mark of the file it came from, so an error in an inherited
value points into the parent. Cycles, missing parents, chains longer than
:data:`MAX_CHAIN` and parents not named ``.yaml`` or ``.yml`` (a scenario must not be
able to make the tool read ``/etc/passwd`` and print its lines back as problems) are
errors naming the chain.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sim.scenario.errors import Problem, ScenarioError, show
from sim.scenario.yaml_source import Document, Path_, read_file

MAX_CHAIN = 16
"""Most files in one chain of ``extends``."""
YAML_SUFFIXES = (".yaml", ".yml")
"""What a file that is extended must be named (after following symbolic links too)."""


def resolve_extends(document: Document, base_dir: str | os.PathLike[str] | None) -> Document:
    """The document merged onto its chain of parents (itself if it extends nothing).

    ``base_dir`` is where a relative parent path starts from (the folder of the
    document's file; the working directory when ``None``).
    """
    folder = os.fspath(base_dir) if base_dir is not None else ""
    own = Path(document.source).resolve() if is_file_source(document.source) else None
    return _resolve(document, folder, [own] if own else [], [document.source])


def is_file_source(source: str) -> bool:
    """True for a document read from a file (not "<text>", "<dict>" ...)."""
    return not (source.startswith("<") and source.endswith(">"))


def _resolve(document: Document, folder: str, chain: list[Path], names: list[str]) -> Document:
    data = document.data
    reference = data.get("extends") if isinstance(data, dict) else None
    if reference is None:
        return document
    mark = document.mark(("extends",))

    def fail(message: str) -> ScenarioError:
        return ScenarioError([*document.problems, Problem.at(mark, "extends", message)])

    if not isinstance(reference, str) or not reference.strip() or "\x00" in reference:
        raise fail(f"expected the path of a scenario file to extend, found {show(reference)}")
    shown = os.path.normpath(os.path.join(folder, reference))
    try:
        real = Path(shown).resolve()
    except (OSError, RuntimeError) as error:  # a symlink loop, for one
        raise fail(f"expected a path that resolves, found {shown} ({error})") from None
    if real in chain:
        cycle = " -> ".join([*names, shown])
        raise fail(f"expected a chain of 'extends' without a cycle, found {cycle}")
    if len(names) >= MAX_CHAIN:
        raise fail(f"expected at most {MAX_CHAIN} files in a chain of 'extends', found more")
    if not _exists(real):
        raise fail(f"expected an existing scenario file to extend, found no file at {shown}")
    if not real.is_dir() and not (_is_yaml_name(Path(shown)) and _is_yaml_name(real)):
        # Reading any other file would print its lines back as "problems" (/etc/passwd ...).
        raise fail(f"expected a YAML scenario file (.yaml or .yml) to extend, found {shown}")
    try:
        parent = read_file(shown)
    except ScenarioError as error:
        note = Problem.at(
            mark, "extends", f"expected a readable scenario to extend, found problems in {shown}"
        )
        raise ScenarioError([*document.problems, note, *error.problems]) from None
    parent = _resolve(parent, os.path.dirname(shown), [*chain, real], [*names, shown])
    return merge(parent, document)


def _is_yaml_name(path: Path) -> bool:
    return path.suffix.lower() in YAML_SUFFIXES


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name too long for the file system, say
        return False


def merge(parent: Document, child: Document) -> Document:
    """The child document merged onto the parent, marks following the values."""
    data = merge_values(parent.data, child.data)
    merged = Document(child.source, data, problems=[*parent.problems, *child.problems])
    for path in _paths(data):
        for own, inherited, target in (
            (child.values, parent.values, merged.values),
            (child.keys, parent.keys, merged.keys),
        ):
            # A path the child writes holds the child's value; any other one is inherited.
            mark = own.get(path, inherited.get(path))
            if mark is not None:
                target[path] = mark
    merged.poisoned = set(child.poisoned) | {p for p in parent.poisoned if p not in child.values}
    merged.chain = [child.source, *(parent.chain or [parent.source])]
    return merged


def merge_values(parent: Any, child: Any) -> Any:
    """``child`` merged onto ``parent`` by the rules in this module's docstring."""
    if isinstance(parent, dict) and isinstance(child, dict) and "dist" not in child:
        result = dict(parent)
        for key, value in child.items():
            if value is None:
                result.pop(key, None)
            elif key in result:
                result[key] = merge_values(result[key], value)
            else:
                result[key] = value
        return result
    return child


def _paths(data: Any, prefix: Path_ = ()) -> list[Path_]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found
