"""Write militia_attacks_2023.csv: a RECONSTRUCTED day-by-day list of militia attacks on US
forces in Iraq and Syria, 17 Oct - 21 Dec 2023, built only from the cumulative counts of
data/calibration_facts.yaml (the Pentagon series, rows used to calibrate).

No daily event log of the campaign is in the record; only cumulative counts on a dozen
dates. Between two counts, the attacks are spread as evenly as whole days allow, so the
file adds no clustering of its own: any excitation a fit finds comes from how the tempo
changed between the stated dates. The Iraq/Syria split follows the stated Iraq counts,
interleaved evenly where the record gives a total without a split.

Run from the repository root: python data/examples/reconstruct_militia_attacks_2023.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

START = dt.date(2023, 10, 17)

# (last day, attacks since 17 Oct by that day, fact id or derivation)
TOTALS = [
    (dt.date(2023, 10, 24), 13, "militia_attacks_cum_2023_10_24"),
    (dt.date(2023, 10, 26), 16, "militia_attacks_cum_2023_10_24 (note: 16 by 26 Oct)"),
    (dt.date(2023, 10, 30), 23, "militia_attacks_cum_2023_10_30"),
    (dt.date(2023, 11, 6), 38, "militia_attacks_cum_2023_11_06"),
    (dt.date(2023, 11, 14), 55, "militia_attacks_cum_2023_11_14"),
    (dt.date(2023, 11, 17), 61, "militia_attacks_cum_2023_11_17"),
    (dt.date(2023, 11, 21), 66, "militia_attacks_cum_2023_11_21"),
    (dt.date(2023, 11, 23), 74, "76 by 4 Dec less the two after the truce (militia_attacks_cum_2023_12_04)"),
    (dt.date(2023, 11, 30), 74, "none during the truce (militia_attacks_truce_pause_2023_11)"),
    (dt.date(2023, 12, 4), 76, "militia_attacks_cum_2023_12_04"),
    (dt.date(2023, 12, 7), 78, "militia_attacks_cum_2023_12_04 (note: about 78 on 7 Dec)"),
    (dt.date(2023, 12, 21), 102, "militia_attacks_cum_2023_12_21"),
]

# (last day, attacks in Iraq since 17 Oct by that day, fact id)
IRAQ = [
    (dt.date(2023, 10, 24), 10, "militia_attacks_cum_2023_10_24 (note: 10 in Iraq)"),
    (dt.date(2023, 10, 26), 12, "militia_attacks_cum_2023_10_24 (note: AFP, 12 in Iraq)"),
    (dt.date(2023, 10, 30), 14, "militia_attacks_iraq_cum_2023_10_30"),
    (dt.date(2023, 11, 14), 27, "militia_attacks_iraq_cum_2023_11_14"),
    (dt.date(2023, 11, 17), 29, "militia_attacks_cum_2023_11_17 (note: 29 in Iraq)"),
    (dt.date(2023, 11, 21), 30, "militia_attacks_cum_2023_11_21 (note: 30 in Iraq of 64)"),
    (dt.date(2023, 12, 21), 47, "militia_attacks_iraq_cum_2023_12_21"),
]


def even_days(first: dt.date, last: dt.date, count: int) -> list[dt.date]:
    """``count`` dates spread as evenly as whole days allow over ``first`` to ``last``."""
    days = (last - first).days + 1
    return [first + dt.timedelta(days=int((k + 0.5) * days / count)) for k in range(count)]


def dates() -> list[dt.date]:
    found, first, before = [], START, 0
    for last, total, _ in TOTALS:
        found += even_days(first, last, total - before)
        first, before = last + dt.timedelta(days=1), total
    return found


def countries(every: list[dt.date]) -> list[str]:
    """Iraq or Syria per attack: each span between stated Iraq counts gets its stated
    number of Iraq attacks, interleaved evenly among the span's attacks."""
    names, done, before = [], 0, 0
    for last, iraq, _ in IRAQ:
        span = [d for d in every[done:] if d <= last]
        share = iraq - before
        names += [
            "Iraq" if (k + 1) * share // len(span) > k * share // len(span) else "Syria"
            for k in range(len(span))
        ]
        done, before = done + len(span), iraq
    return names


def main() -> None:
    every = dates()
    lines = [
        "# RECONSTRUCTION, NOT AN EVENT LOG. Militia attacks on US forces in Iraq and Syria, 17 Oct - 21 Dec 2023,",
        "# rebuilt by data/examples/reconstruct_militia_attacks_2023.py from the cumulative counts of",
        "# data/calibration_facts.yaml (Pentagon series). Between two stated counts the attacks are spread",
        "# evenly over the days; the Iraq/Syria split follows the stated Iraq counts. The dates within each span",
        "# and the split within a span are the reconstruction's, not the record's. Counts used:",
        *(f"#   {total} by {last} ({source})" for last, total, source in TOTALS),
        *(f"#   {iraq} in Iraq by {last} ({source})" for last, iraq, source in IRAQ),
        "event_date,country",
        *(f"{d.isoformat()},{c}" for d, c in zip(every, countries(every), strict=True)),
    ]
    path = Path(__file__).with_name("militia_attacks_2023.csv")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {path} ({len(every)} attacks)")


if __name__ == "__main__":
    main()
