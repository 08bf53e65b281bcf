"""Results folders on disk: how large the daily series are, and how long saving and loading take.

Run from the repository root on a saved results folder::

    python -m sim scenarios/fast_exit.yaml --no-plots --quiet --out /tmp/fast_exit
    python benchmarks/storage.py /tmp/fast_exit [--rounds 3]

Prints, for the series that vary between trials, their size in memory (float32) and
in ``series.npz``, the bytes per trial-day (all such series together, and per series),
the best time over ``--rounds`` to pack them (what a save adds) and to load the whole
folder (``load_results``: checksums, tables, unpacking), and the size of every file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.montecarlo import load_results  # noqa: E402
from sim.montecarlo.store import encode_series  # noqa: E402

MB = 1e6


def best_of(rounds: int, action) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    results = load_results(args.folder)
    varying = [n for n in results.series_names if not results.is_constant(n)]
    trial_days = results.n_trials * len(results.dates)
    raw = sum(results.series(n).nbytes for n in varying)
    stored = (args.folder / "series.npz").stat().st_size
    print(
        f"{results.name}: {results.n_trials} trials x {len(results.dates)} days, {len(varying)} varying series"
    )
    print(
        f"series in memory: {raw / MB:.1f} MB; series.npz: {stored / MB:.2f} MB ({raw / stored:.1f}x smaller)"
    )
    print(
        f"bytes per trial-day: {stored / trial_days:.2f} (all series), {stored / trial_days / len(varying):.3f} per series"
    )

    pack = best_of(args.rounds, lambda: [encode_series(results.series(n)) for n in varying])
    load = best_of(args.rounds, lambda: load_results(args.folder))
    with tempfile.TemporaryDirectory() as scratch:
        save = best_of(args.rounds, lambda: results.save(Path(scratch) / "copy"))
    print(f"pack the series: {pack:.2f} s; save the folder: {save:.2f} s; load the folder: {load:.2f} s")
    print(f"load per million trial-days: {load / trial_days * 1e6:.2f} s")
    for name in varying:
        size = encode_series(results.series(name)).nbytes
        print(f"  {name:<18} {size / trial_days:6.3f} bytes per trial-day")
    for path in sorted(args.folder.iterdir()):
        if path.is_file():
            print(f"  file {path.name:<20} {path.stat().st_size / MB:8.2f} MB")


if __name__ == "__main__":
    main()
