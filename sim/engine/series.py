"""The daily series of a trial, recorded cheaply and assembled at the end.

A trial's cost must stay in SimPy's event handling rather than in bookkeeping, so
each kind of column is recorded in the cheapest way that keeps it exact:

- quantities that change every day (readiness, capability, mobilisation, ISIS strength,
  territory, tension, the militia's expected attack rate, pressure) are appended, day after
  day, to one flat list of floats, packed into C doubles now and then (:meth:`Recorder.pack`);
- troops (per element and the derived totals) change only while an element moves, so
  only the days on which they are set are kept, and the columns are filled forward;
- cumulative counts (militia attacks, coalition wounded and killed, strikes, ISIS
  attacks, and the civilians and ISF members ISIS kills) are not
  recorded at all: they are counted from the event log, so the two cannot disagree.
  Column ``d`` counts the events at times up to and including ``d``: militia attacks
  happen strictly between day steps, strikes at the day step of their day, and the
  ISIS attacks of the day ending at ``d`` at times in ``(d - 1, d]``.

Column ``d`` of every series is the state at the end of the day step of day ``d``.
"""

from __future__ import annotations

import struct

import numpy as np

from sim.engine.result import KIND, SERIES_TABLE

DAILY = tuple(s.name for s in SERIES_TABLE if s.recorded == "daily")
"""The series appended every day, in the order the day step appends them."""

TROOP_TOTALS = tuple(s.name for s in SERIES_TABLE if s.recorded == "troops")
"""The troop totals recorded, after the per-element troops, whenever troops are set
(coalition and bilateral troops alike)."""

COUNTS = tuple(s.name for s in SERIES_TABLE if s.recorded == "count")
"""The cumulative series counted from the event log."""

_COUNTED = tuple((KIND[s.counted[0]], s.counted[1]) for s in SERIES_TABLE if s.counted is not None)
"""Per count, in order: the code of the event kind counted and the field each such event
adds (``None``: one per event)."""


def floats(values: list[float]) -> np.ndarray:
    """A list of Python numbers as a float64 array.

    ``struct`` packs a list of floats several times faster than ``np.array`` converts
    it, which matters for the per-day and per-event lists of every trial.
    """
    return np.frombuffer(struct.pack(f"{len(values)}d", *values), dtype=np.float64)


class Recorder:
    """Collects a trial's daily series; :meth:`assemble` returns them as one array.

    Args:
        days: the horizon; there are ``days + 1`` columns (day 0 to ``days``).
        n_elements: the number of force elements.
    """

    __slots__ = ("days", "n_elements", "daily", "_packed", "_troop_days", "_troop_rows")

    PACK_AT = 1024
    """How many daily values the list holds before the day step packs them (:meth:`pack`)."""

    def __init__(self, days: int, n_elements: int):
        self.days = days
        self.n_elements = n_elements
        self.daily: list[float] = []  # len(DAILY) values per day, day after day, not yet packed
        self._packed: list[bytes] = []  # the values packed so far, as C doubles
        self._troop_days: list[int] = []
        self._troop_rows: list[tuple[float, ...]] = []

    def pack(self) -> None:
        """Pack the daily values recorded so far into C doubles, and empty the list.

        The day step calls it now and then (on a decision day once the list holds
        :data:`PACK_AT` values), while the values are still in the processor's caches and
        before their float objects are needed again: packing a trial's 20,000 values at its
        end, when they no longer are, took about 200 us of a 13 ms trial.
        """
        if self.daily:
            self._packed.append(struct.pack(f"{len(self.daily)}d", *self.daily))
            self.daily.clear()  # the same list: the day step holds its ``extend``

    def daily_values(self) -> np.ndarray:
        """Every daily value recorded, day after day (:data:`DAILY` per day), as one array."""
        self.pack()
        if len(self._packed) > 1:  # joined once: a second call reads the same bytes
            self._packed = [b"".join(self._packed)]
        return np.frombuffer(self._packed[0] if self._packed else b"", dtype=np.float64)

    def troops(self, day: int, row: tuple[float, ...]) -> None:
        """Troops per element, then :data:`TROOP_TOTALS`, as set at the day step of ``day``."""
        if self._troop_days and self._troop_days[-1] == day:
            self._troop_rows[-1] = row
        else:
            self._troop_days.append(day)
            self._troop_rows.append(row)

    def assemble(self, events: np.ndarray) -> np.ndarray:
        """Every series as rows, one column per day.

        Per-element troops, then :data:`TROOP_TOTALS`, then :data:`DAILY`, then :data:`COUNTS`.

        ``events`` is the trial's event log in time order.
        """
        columns = self.days + 1
        series = np.empty((self.n_elements + len(TROOP_TOTALS) + len(DAILY) + len(COUNTS), columns))
        troops = np.array(self._troop_rows, dtype=float)
        n_troops = self.n_elements + len(TROOP_TOTALS)
        if len(troops) == 1:  # troops never moved
            series[:n_troops] = troops[0][:, None]
        else:
            changes = np.array(self._troop_days + [columns])
            series[:n_troops] = np.repeat(troops, np.diff(changes), axis=0).T
        n_daily = n_troops + len(DAILY)
        series[n_troops:n_daily] = self.daily_values().reshape(columns, len(DAILY)).T

        # Column d counts the events at times t <= d, that is with ceil(t) <= d: per
        # count, what the events add on each day, then running totals over the days.
        kinds, day = events["kind"], np.ceil(events["day"]).astype(np.intp)
        of_kind: dict[int, np.ndarray] = {}  # each kind's events, found once
        for row, (code, field) in enumerate(_COUNTED, start=n_daily):
            if code not in of_kind:
                of_kind[code] = kinds == code
            added = of_kind[code] if field is None else np.where(of_kind[code], events[field], 0)
            np.cumsum(np.bincount(day, weights=added, minlength=columns), out=series[row])
        return series
