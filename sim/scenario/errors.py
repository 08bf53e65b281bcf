"""What goes wrong in a scenario file, said so that its author can fix it.

Every user error found while reading, merging, overriding or validating a scenario
becomes a :class:`Problem` naming the file, the line and column (1-based), the dotted
field path and a message of the form "expected ..., found ...". A
:class:`ScenarioError` carries every problem found, not just the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

SHOWN_CHARS = 40
"""Longest rendering of a found value in a message; longer ones are cut with '...'."""


class Mark(NamedTuple):
    """Where something is: a file (or "<text>", "--set" ...) and a 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None


class Problem(NamedTuple):
    """One user error in a scenario.

    ``file`` is the path as given (or "<text>", "<dict>", "--set"); ``line`` and
    ``column`` are 1-based and ``None`` when unknown; ``field`` is the dotted path
    of the value (``""`` for the whole file); ``message`` says what was expected
    and what was found.
    """

    file: str
    line: int | None
    column: int | None
    field: str
    message: str

    def __str__(self) -> str:
        """``file:line:column: field: message``, leaving out the parts that are unknown."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        parts = [where, self.field, self.message] if self.field else [where, self.message]
        return ": ".join(parts)

    @classmethod
    def at(cls, mark: Mark, field: str, message: str) -> Problem:
        """A problem at a mark."""
        return cls(mark.file, mark.line, mark.column, field, message)


class ScenarioError(ValueError):
    """A scenario that cannot be used, with every problem found in it.

    ``str(error)`` is one line per problem. Raised for user errors only: a
    traceback from the loader is a bug.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        # One line per problem, whatever text a file put into a key or a message.
        self.problems: list[Problem] = [
            p._replace(file=printable(p.file), field=printable(p.field), message=printable(p.message))
            for p in problems
        ]
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[Any, ...]:
        # The default would rebuild the error from its text; keep the problems instead.
        return (type(self), (self.problems,))


class Fatal(Exception):
    """Internal: a problem after which the reader cannot go on (the caller reports it)."""

    def __init__(self, mark: Mark, message: str, field: str = "") -> None:
        super().__init__(message)
        self.problem = Problem.at(mark, field, message)


def show(value: Any) -> str:
    """A short rendering of a value found in a file, for messages.

    Text is quoted, mappings and lists shown in flow style, dates in ISO form,
    ``None`` as ``null``; anything longer than :data:`SHOWN_CHARS` is cut.
    """
    if isinstance(value, Mapping):
        return "a mapping " + _cut(_flow(value))
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item{'s' * (len(value) != 1)} " + _cut(_flow(value))
    return _cut(_flow(value))


def printable(text: str) -> str:
    """Text with line breaks and other control characters escaped, so a message stays one line."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def quoted(text: Any) -> str:
    """A key or name from a file in single quotes, escaped and cut like :func:`show`."""
    return "'" + _cut(printable(str(text))).replace("'", "\\'") + "'"


def _flow(value: Any, depth: int = 0) -> str:
    if depth > 3:
        return "..."
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value[: SHOWN_CHARS + 1])
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        items = list(value.items())[:6]
        return "{" + ", ".join(f"{k}: {_flow(v, depth + 1)}" for k, v in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v, depth + 1) for v in list(value)[:6]) + "]"
    return repr(value)[: SHOWN_CHARS + 1]


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."
