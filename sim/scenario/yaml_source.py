"""Reading a scenario's YAML safely, remembering where every key and value came from.

The text is composed into a node graph by a :class:`yaml.SafeLoader` subclass that
limits depth and node count, then turned into plain Python data (dicts, lists,
text, numbers, booleans, dates, ``None``) by a walk that records the line and column
of every key and value by its path (``("forces", "us", "schedule", 0, "at")``).

What the walk refuses, and why:

- duplicate keys (plain PyYAML silently keeps the last one);
- any tag but the plain YAML types: ``!!python/object`` and friends are never
  constructed, and neither are ``!!binary``, ``!!set`` or a custom ``!tag``;
- alias expansion past :data:`MAX_NODES` values, so a "billion laughs" document is
  refused after a bounded amount of work; recursive aliases;
- nesting deeper than :data:`MAX_DEPTH`, files over :data:`MAX_BYTES`, binary or
  non-UTF-8 content, an empty file, a top level that is not a mapping.

Keys are always text, as written: ``on:`` is the key ``"on"`` (YAML 1.1 would read it
as ``True``), and ``1:`` is ``"1"``. Merge keys (``<<: *anchor``) work as in YAML 1.1.
Problems after which reading can go on (a duplicate key, a refused tag, an
impossible date) are collected in :attr:`Document.problems`; the others raise
:class:`~sim.scenario.errors.ScenarioError` at once.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.scenario.errors import Fatal, Mark, Problem, ScenarioError, printable, quoted, show

MAX_BYTES = 1 << 20
"""Largest scenario file or text read, in bytes (1 MiB)."""
MAX_NODES = 20_000
"""Most YAML nodes composed, and most values built after expanding aliases."""
MAX_DEPTH = 40
"""Deepest nesting of mappings and lists."""

Path_ = tuple[str | int, ...]
"""A path into the data: mapping keys and list indices."""

_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_MERGE_TAG = _YAML + "merge"
_KINDS = {"timestamp": "date", "int": "whole number", "float": "number"}


@dataclass
class Document:
    """Plain data read from one source, with the mark of every key and value by path.

    ``values[path]`` is where the value at ``path`` starts, ``keys[path]`` where its
    key is written. ``problems`` holds the problems that did not stop the reading;
    ``poisoned`` the paths whose values could not be read (they were set to ``None``,
    and validation errors at or under them are not worth reporting).
    """

    source: str
    data: Any
    values: dict[Path_, Mark] = field(default_factory=dict)
    keys: dict[Path_, Mark] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    poisoned: set[Path_] = field(default_factory=set)
    # The sources merged into this document by ``extends``, this one first, then its parent,
    # up to the root ([] for a document that extends nothing: only its own source).
    chain: list[str] = field(default_factory=list)
    # Values the loader wrote rather than the file: the element waypoints resolved from
    # region targets, by waypoint path, each with the target it came from (sim.scenario.regions).
    derived: dict[Path_, str] = field(default_factory=dict)

    def mark(self, path: Path_) -> Mark:
        """Where the value at ``path`` is written, or its nearest enclosing value.

        A mapping or list value is placed at its key (the line a reader looks at),
        a scalar at the value itself.
        """
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefix in self.values:
                if prefix in self.keys and isinstance(value_at(self.data, prefix), (dict, list)):
                    return self.keys[prefix]
                return self.values[prefix]
        return Mark(self.source)


def dotted(path: Path_) -> str:
    """``("forces", "us", 0)`` as ``"forces.us.0"``."""
    return ".".join(printable(str(p)) for p in path)


def value_at(data: Any, path: Path_ | list[str | int]) -> Any:
    """The value at ``path`` in nested mappings and lists, or ``None`` if there is none."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


# ------------------------------------------------------------------------ reading


def read_file(path: str | os.PathLike[str]) -> Document:
    """Read a scenario file as plain data with marks; :class:`ScenarioError` on a fatal problem."""
    name = os.fspath(path)
    raw = _read_bytes(Path(name), name)
    return read_text(_decode(raw, name), name, require_mapping=True)


def read_text(text: str, source: str, *, require_mapping: bool = True) -> Document:
    """Read YAML text as plain data with marks.

    With ``require_mapping`` the document must be a non-empty mapping (a scenario);
    otherwise any single YAML value is accepted (``--set`` values).
    """
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ScenarioError(
            [Problem(source, None, None, "", f"expected at most {_mib(MAX_BYTES)} of YAML, found more")]
        )
    document = Document(source, None)
    try:
        root = _compose(text, source)
        if root is not None:
            document.data = _Builder(document).build(root)
    except Fatal as fatal:
        raise ScenarioError([*document.problems, fatal.problem]) from None
    if require_mapping:
        _require_mapping(document, root)
    return document


def _read_bytes(path: Path, name: str) -> bytes:
    problem = _unreadable(path)
    if problem is None:
        try:
            with path.open("rb") as stream:
                raw = stream.read(MAX_BYTES + 1)  # a file that grows while read is still capped
        except OSError as error:
            problem = f"expected a readable file, found {error.strerror or error}"
        else:
            if len(raw) <= MAX_BYTES:
                return raw
            problem = f"expected a scenario file of at most {_mib(MAX_BYTES)}, found more"
    raise ScenarioError([Problem(name, None, None, "", problem)])


def _unreadable(path: Path) -> str | None:
    """Why the file at ``path`` cannot be read as a scenario, or ``None`` if it can be tried."""
    if "\x00" in str(path):
        return "expected a file path, found one with a NUL character"
    try:
        status = path.stat()
    except FileNotFoundError:
        return "expected an existing file, found no file at this path"
    except PermissionError:
        return "expected a readable file, found no permission to read it"
    except OSError as error:
        return f"expected a readable file, found {error.strerror or error}"
    if stat.S_ISDIR(status.st_mode):
        return "expected a YAML file, found a directory"
    if not stat.S_ISREG(status.st_mode):
        # A pipe or a device could block or never end: only plain files are read.
        return "expected a regular file, found a device, pipe or socket"
    if status.st_size > MAX_BYTES:
        return f"expected a scenario file of at most {_mib(MAX_BYTES)}, found {status.st_size:,} bytes"
    return None


def _decode(raw: bytes, name: str) -> str:
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, column = _byte_position(raw, nul)
        hint = " (UTF-16? save the file as UTF-8)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise ScenarioError(
            [Problem(name, line, column, "", f"expected YAML text, found binary content (a NUL byte){hint}")]
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = _byte_position(raw, error.start)
        byte = raw[error.start]
        raise ScenarioError(
            [Problem(name, line, column, "", f"expected UTF-8 text, found the byte 0x{byte:02x}")]
        ) from None


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    return raw.count(b"\n", 0, offset) + 1, offset - line_start + 1


def _mib(size: int) -> str:
    return f"{size / (1 << 20):g} MiB"


def _require_mapping(document: Document, root: Node | None) -> None:
    if root is None:
        raise ScenarioError(
            [
                Problem(
                    document.source,
                    None,
                    None,
                    "",
                    "expected a scenario (a mapping of keys), found an empty file",
                )
            ]
        )
    if not isinstance(document.data, dict):
        kind = "a list" if isinstance(document.data, list) else f"the single value {show(document.data)}"
        mark = _mark(document.source, root.start_mark)
        raise ScenarioError(
            [
                *document.problems,
                Problem.at(mark, "", f"expected a mapping of keys (name, bases, forces ...), found {kind}"),
            ]
        )


# --------------------------------------------------------------------- composing


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that stops composing past :data:`MAX_DEPTH` or :data:`MAX_NODES`.

    Only composition is used: nodes are turned into data by :class:`_Builder`, so no
    constructor ever sees a tag.
    """

    def __init__(self, stream: str, source: str) -> None:
        super().__init__(stream)
        self.source = source
        self.depth = 0
        self.nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        mark = self.peek_event().start_mark
        self.depth += 1
        self.nodes += 1
        try:
            if self.depth > MAX_DEPTH:
                raise Fatal(
                    _mark(self.source, mark), f"expected nesting at most {MAX_DEPTH} deep, found deeper"
                )
            if self.nodes > MAX_NODES:
                raise Fatal(
                    _mark(self.source, mark), f"expected at most {MAX_NODES:,} YAML nodes, found more"
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _compose(text: str, source: str) -> Node | None:
    loader = None
    try:
        loader = _BoundedLoader(text, source)
        return loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        if error.context and "single document" in error.context:
            message = "expected a single YAML document, found another one after '---'"
        else:
            context = f" ({error.context})" if error.context else ""
            message = f"expected valid YAML, found a syntax error: {error.problem}{context}"
        raise ScenarioError([Problem.at(_mark(source, mark), "", message)]) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        character = f"#x{error.character:04x}" if isinstance(error.character, int) else repr(error.character)
        message = f"expected printable text, found the character {character} ({error.reason})"
        raise ScenarioError([Problem(source, line, column, "", message)]) from None
    except Fatal as fatal:
        raise ScenarioError([fatal.problem]) from None
    except yaml.YAMLError as error:  # any other complaint of the parser
        raise ScenarioError(
            [Problem(source, None, None, "", f"expected valid YAML, found: {error}")]
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


def _mark(source: str, mark: Any) -> Mark:
    if mark is None:
        return Mark(source)
    return Mark(source, mark.line + 1, mark.column + 1)


# ---------------------------------------------------------------------- building


class _Builder:
    """Turns a node graph into plain data, recording marks and refusing what is unsafe."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.constructor = yaml.SafeLoader("")  # only its scalar constructors are used
        self.built = 0
        self.open: set[int] = set()  # nodes being built: seeing one again is a recursive alias

    def build(self, node: Node, path: Path_ = ()) -> Any:
        self.built += 1
        if self.built > MAX_NODES:
            # Name the top-level key whose value exploded, not a path deep inside the expansion.
            top = path[:1]
            raise Fatal(
                self.document.keys.get(top, self.mark(node)),
                f"expected at most {MAX_NODES:,} values after expanding aliases, found more (an alias bomb?)",
                dotted(top),
            )
        self.document.values[path] = self.mark(node)
        if id(node) in self.open:
            raise Fatal(self.mark(node), "expected data without recursive aliases, found one", dotted(path))
        if not self._allowed(node):
            return self.poison(path, node, f"expected plain YAML data, found the tag {_short_tag(node.tag)}")
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        self.open.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            return self.mapping(node, path)
        finally:
            self.open.discard(id(node))

    def scalar(self, node: ScalarNode, path: Path_) -> Any:
        try:
            return self.constructor.yaml_constructors[node.tag](self.constructor, node)
        except Exception as error:  # noqa: BLE001 - e.g. month 13, or an int over Python's digit limit
            kind = _KINDS.get(node.tag.removeprefix(_YAML), "value")
            reason = str(error).split("\n")[0]
            return self.poison(path, node, f"expected a valid {kind}, found {show(node.value)} ({reason})")

    def mapping(self, node: MappingNode, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, Mark] = {}
        merged: dict[str, Any] = {}
        # Merged keys first, so that the marks of keys written here overwrite theirs.
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.update(self.merge_sources(value_node, path))
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            key_mark = self.mark(key_node)
            if key in first_seen:
                first = first_seen[key]
                self.document.problems.append(
                    Problem.at(
                        key_mark,
                        dotted((*path, key)),
                        f"expected each key once in a mapping, found {quoted(key)} again (first on line {first.line})",
                    )
                )
                continue
            first_seen[key] = key_mark
            self.document.keys[(*path, key)] = key_mark
            result[key] = self.build(value_node, (*path, key))
        # Keys written in the mapping win over keys merged in with '<<'.
        return {**{k: v for k, v in merged.items() if k not in result}, **result}

    def merge_sources(self, node: Node, path: Path_) -> dict[str, Any]:
        """The mappings named by a merge key ``<<``, the first one winning on shared keys."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):
            if not isinstance(source, MappingNode) or not self._allowed(source):
                self.document.problems.append(
                    Problem.at(
                        self.mark(source),
                        dotted(path),
                        "expected a mapping or a list of mappings after '<<', found something else",
                    )
                )
                continue
            own_mark = self.document.values[path]
            merged.update(self.build(source, path))
            self.document.values[path] = own_mark  # the mapping starts here, not at the anchor
        return merged

    def key(self, node: Node, path: Path_) -> str | None:
        if isinstance(node, ScalarNode) and self._allowed(node):
            self.built += 1
            return str(node.value)
        kind = "a tagged key" if isinstance(node, ScalarNode) else "a mapping or list as a key"
        self.document.problems.append(
            Problem.at(self.mark(node), dotted(path), f"expected a plain text key, found {kind}")
        )
        return None

    def poison(self, path: Path_, node: Node, message: str) -> None:
        self.document.problems.append(Problem.at(self.mark(node), dotted(path), message))
        self.document.poisoned.add(path)
        return None

    def mark(self, node: Node) -> Mark:
        return _mark(self.document.source, node.start_mark)

    @staticmethod
    def _allowed(node: Node) -> bool:
        if isinstance(node, ScalarNode):
            return node.tag in _SCALAR_TAGS
        if isinstance(node, SequenceNode):
            return node.tag == _YAML + "seq"
        return node.tag == _YAML + "map"


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML) if tag.startswith(_YAML) else tag
