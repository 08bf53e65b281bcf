"""A hash of what the shipped scenarios produce, to show a refactor changed nothing.

Not a timing: a check for changes meant to be bit-identical. Run it before and after
and compare the lines (one per scenario, then one for everything)::

    python benchmarks/fingerprint.py > before.txt
    ... change the code ...
    python benchmarks/fingerprint.py | diff before.txt -

Each scenario in ``scenarios/`` runs ``--trials`` trials in this process (parameters
drawn as a Monte Carlo run draws them, posterior included) and every trial's outcomes,
drawn parameters, daily series and event log go into the hash, by name and in bytes.
Hashes are comparable on one machine and Python; across platforms the last bits of
floating point may differ.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

import sim

ROOT = Path(__file__).resolve().parent.parent


def fingerprint(path: Path, trials: int, seed: int | None) -> str:
    """The hex digest of one scenario's run of ``trials`` trials."""
    results = sim.run(path, trials=trials, seed=seed, jobs=1, progress=False, keep_events=True)
    digest = hashlib.sha256()
    frame = results.trials
    for column in sorted(frame.columns):
        digest.update(column.encode())
        digest.update(np.ascontiguousarray(frame[column].to_numpy(dtype=float)).tobytes())
    for name in sorted(results.series_names):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(results.series(name), dtype=float).tobytes())
    events = results.events
    for column in sorted(events.columns):
        digest.update(str(column).encode())
        digest.update(events[column].astype(str).str.cat(sep="|").encode())
    return digest.hexdigest()[:16]


def main(argv: list[str] | None = None) -> None:
    """Print one line per shipped scenario and a total."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", type=Path, help="default: every file in scenarios/")
    parser.add_argument("--trials", type=int, default=25)
    parser.add_argument("--seed", type=int, default=None, help="default: each scenario's own")
    args = parser.parse_args(argv)
    paths = args.scenarios or sorted((ROOT / "scenarios").glob("*.yaml"))
    total = hashlib.sha256()
    for path in paths:
        line = f"{path.stem:<20} {fingerprint(path, args.trials, args.seed)}"
        total.update(line.encode())
        print(line, flush=True)
    print(f"{'all':<20} {total.hexdigest()[:16]}")


if __name__ == "__main__":
    main()
