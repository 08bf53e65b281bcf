"""Event lists from a CSV file: one row per event, a date column and optionally a place column.

This is the shape of common conflict-event exports (ACLED's ``event_date`` and
``country``, for example). Only the dates are read, as days: exports rarely give a time
of day, and :func:`sim.calibrate.hawkes.fit_event_days` says how the fit treats them.

Every problem is an :class:`EventsError` with one message naming the file and, for a
bad value, its line and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATE_COLUMNS = ("event_date", "date")
"""Date columns looked for, in this order and ignoring case, when none is named."""
PLACE_COLUMNS = ("country", "place")
"""Place columns looked for, in this order and ignoring case, when a place is asked for and no column is named."""
MAX_BYTES = 256 * 2**20
"""Largest file read (256 MiB)."""
DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%Y/%m/%d")
"""Date formats understood besides ISO dates with a time (``2023-10-17T14:05``): no format
that could read a day as a month (``03/04/2023``)."""


class EventsError(ValueError):
    """An event file that cannot be read: the message names the file, and the line of a bad value."""


@dataclass(frozen=True)
class EventDays:
    """The events of a file, as dates, with the columns they came from.

    Attributes:
        dates: one date per event kept, sorted (several events may share a date).
        date_column: the column the dates were read from.
        place_column: the column a place was matched in (``None`` when all rows were kept).
        rows: data rows in the file.
    """

    dates: tuple[dt.date, ...]
    date_column: str
    place_column: str | None
    rows: int

    def window(self, start: dt.date | None = None, end: dt.date | None = None) -> tuple[np.ndarray, int]:
        """Days of the events inside ``[start, end]`` (0 = ``start``) and the window's length in days.

        ``start`` and ``end`` default to the first and the last event's date; both days
        count in full. A window longer than the events' span is allowed, and matters:
        days without events are evidence too.
        """
        if not self.dates and (start is None or end is None):
            raise EventsError("no events to set the window from; give --start and --end")
        start = self.dates[0] if start is None else start
        end = self.dates[-1] if end is None else end
        if end < start:
            raise EventsError(f"the window ends ({end}) before it starts ({start})")
        ordinals = np.array([d.toordinal() for d in self.dates], dtype=np.int64)
        days = ordinals - start.toordinal()
        length = end.toordinal() - start.toordinal() + 1
        return days[(days >= 0) & (days < length)], length


def parse_date(text: str) -> dt.date:
    """A date from one of the common ways of writing it; ``ValueError`` otherwise.

    ``2023-10-17`` (a time after it is ignored), ``17 October 2023``, ``17 Oct 2023``,
    ``October 17, 2023`` or ``2023/10/17``.
    """
    text = text.strip()
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    for form in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise ValueError(text)


def _find(header: list[str], wanted: str | None, defaults: tuple[str, ...], what: str, path: str) -> int:
    folded = [name.strip().casefold() for name in header]
    names = [wanted] if wanted is not None else list(defaults)
    for name in names:
        if name.strip().casefold() in folded:
            return folded.index(name.strip().casefold())
    shown = ", ".join(repr(h) for h in header) or "none"
    if wanted is not None:
        raise EventsError(f"{path}: no column {wanted!r}; the columns are {shown}")
    option = "--date-column" if what == "date" else "--place-column"
    raise EventsError(
        f"{path}: no {what} column ({' or '.join(repr(d) for d in defaults)}); the columns are {shown}; "
        f"name one with {option}"
    )


def read_event_days(
    path: str | os.PathLike[str],
    date_column: str | None = None,
    place_column: str | None = None,
    place: str | None = None,
) -> EventDays:
    """Read the dates of the events in a CSV file.

    Args:
        path: a CSV file with a header row (UTF-8, a byte-order mark allowed); lines
            starting with ``#`` before the header are comments.
        date_column: the column of dates (default: ``event_date`` or ``date``, ignoring case).
        place_column: the column of places (default, when ``place`` is given: ``country``
            or ``place``).
        place: keep only the rows whose place is this (ignoring case and surrounding
            spaces); ``None`` keeps every row.

    Raises:
        EventsError: a missing or unreadable file, no header, no such column, a date
            that cannot be read (with its line), or a file over :data:`MAX_BYTES`.

    Example:
        >>> events = read_event_days("data/examples/militia_attacks_2023.csv")
        >>> len(events.dates), events.dates[0]
        (102, datetime.date(2023, 10, 17))
    """
    name = os.fspath(path)
    file = Path(name)
    try:
        if file.stat().st_size > MAX_BYTES:
            raise EventsError(f"{name}: larger than {MAX_BYTES // 2**20} MiB")
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise EventsError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise EventsError(f"{name}: a folder, not a CSV file") from None
    except UnicodeDecodeError as error:
        raise EventsError(f"{name}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise EventsError(f"{name}: {error.strerror or error}") from None
    lines = text.splitlines()
    # Lines starting with "#" before the header are comments (what the file is, its source).
    skipped = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    reader = csv.reader(lines[skipped:])
    try:
        header = next(reader)
    except StopIteration:
        raise EventsError(f"{name}: empty; expected a header row and one row per event") from None
    except csv.Error as error:
        raise EventsError(f"{name}:{skipped + 1}: {error}") from None
    date_index = _find(header, date_column, DATE_COLUMNS, "date", name)
    place_index = None
    if place is not None or place_column is not None:
        place_index = _find(header, place_column, PLACE_COLUMNS, "place", name)
    wanted_place = place.strip().casefold() if place is not None else None
    dates = []
    rows = 0
    try:
        for row in reader:
            line = skipped + reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # a blank line
            rows += 1
            if wanted_place is not None and place_index is not None:
                value = row[place_index] if place_index < len(row) else ""
                if value.strip().casefold() != wanted_place:
                    continue
            value = row[date_index] if date_index < len(row) else ""
            try:
                dates.append(parse_date(value))
            except ValueError:
                raise EventsError(
                    f"{name}:{line}: column {header[date_index]!r}: expected a date such as 2023-10-17 "
                    f"or 17 October 2023, found {value!r}"
                ) from None
    except csv.Error as error:
        raise EventsError(f"{name}:{skipped + reader.line_num}: {error}") from None
    return EventDays(
        dates=tuple(sorted(dates)),
        date_column=header[date_index].strip(),
        place_column=header[place_index].strip() if place_index is not None else None,
        rows=rows,
    )
