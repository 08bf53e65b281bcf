"""Results folders: written atomically, read back identically.

A results folder holds

- ``trials.parquet``: the trials table (index ``trial``);
- ``series.npz``: the daily series of every trial (float32; see :func:`write_series`);
- ``events.parquet``: the kept event logs (only when some trial's events were kept);
- ``summary.csv`` and ``collapse_curve.csv``: for reading without Python;
- ``run.json``: the scenario as run, seed, trials, versions, timings, whether interrupted.

A comparison folder holds one such folder per scenario (``1-<name>``, ``2-<name>`` ...),
``summary.csv``, ``differences.csv`` and ``comparison.json``.

Writing is atomic: everything goes into a hidden temporary sibling folder, which is
renamed into place only when complete. A crash or Ctrl-C part way leaves the earlier
folder (if any) as it was, and an existing folder is replaced only if it is a results
folder of the same sort (or empty), never an unrelated directory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import secrets
import shutil
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.montecarlo.events import normalise_events
from sim.montecarlo.results import Comparison, Results

FORMAT = 1
RUN_FILE = "run.json"
COMPARISON_FILE = "comparison.json"


def _versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0]}
    for package in ("sim", "numpy", "simpy", "pandas", "scipy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "unknown"
    return found


def _json_safe(value: Any) -> Any:
    """Plain JSON: numpy scalars as numbers, non-finite floats as null."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


# ----------------------------------------------------------------- atomic folders


@contextlib.contextmanager
def atomic_folder(folder: str | os.PathLike[str], marker: str) -> Iterator[Path]:
    """Yield an empty temporary folder that replaces ``folder`` when the block succeeds.

    ``marker`` is the file that identifies a folder of this sort: an existing ``folder``
    is replaced only if it holds ``marker`` or is empty. On any error (Ctrl-C included)
    the temporary folder is removed and ``folder`` is left as it was.
    """
    target = Path(folder)
    if target.exists():
        if not target.is_dir():
            raise FileExistsError(f"{target} exists and is not a folder; choose another output folder")
        if any(target.iterdir()) and not (target / marker).is_file():
            raise FileExistsError(
                f"{target} exists and is not a results folder (no {marker}); "
                "it is left alone: choose another output folder"
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _new_sibling(target, "partial")
    temporary.mkdir()  # unlike tempfile.mkdtemp, with the user's usual permissions (umask)
    try:
        yield temporary
        _sync_tree(temporary)
        _replace(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _new_sibling(target: Path, what: str) -> Path:
    """An unused hidden name beside ``target``, such as ``.run.partial-1f2e3d4c``."""
    while True:
        candidate = target.parent / f".{target.name}.{what}-{secrets.token_hex(4)}"
        if not candidate.exists():
            return candidate


def _replace(new: Path, target: Path) -> None:
    """Put ``new`` at ``target``; an old ``target`` is removed only once ``new`` is in place."""
    if not target.exists():
        os.rename(new, target)
        _sync_entry(target.parent)
        return
    old = _new_sibling(target, "old")
    try:
        os.rename(target, old)
        os.rename(new, target)
    except BaseException:  # Ctrl-C included: put the old folder back if it was moved
        if old.exists() and not target.exists():
            os.rename(old, target)
        raise
    _sync_entry(target.parent)
    shutil.rmtree(old, ignore_errors=True)


def _sync_tree(folder: Path) -> None:
    """Flush the files we wrote and their folders to disk (so a power cut cannot leave them empty)."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            _fsync(path, os.O_RDONLY)
    _sync_entry(folder)


def _sync_entry(folder: Path) -> None:
    """Flush a folder's own entries (a rename into it) to disk, where the system allows it."""
    if hasattr(os, "O_DIRECTORY"):
        _fsync(folder, os.O_RDONLY | os.O_DIRECTORY)


def _fsync(path: Path, flags: int) -> None:
    handle = os.open(path, flags)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


# ------------------------------------------------------------------------ writing


def write_results(results: Results, folder: Path) -> None:
    """Write the files of a results folder into an existing, empty ``folder``."""
    results.trials.to_parquet(folder / "trials.parquet")
    write_series(results, folder / "series.npz")
    if results.events_kept_for:
        results.events.to_parquet(folder / "events.parquet", index=False)
    results.summary().to_csv(folder / "summary.csv")
    results.collapse_curve().rename_axis("date").to_csv(folder / "collapse_curve.csv")
    run = {
        "format": FORMAT,
        "kind": "results",
        "name": results.name,
        "seed": results.seed,
        "trials": results.n_trials,
        "trials_requested": results.scenario.monte_carlo.trials,
        "interrupted": results.interrupted,
        "events_kept_for": results.events_kept_for,
        "timings": results.timings,
        "versions": _versions(),
        "saved": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario": results.scenario.model_dump(mode="json", by_alias=True),
    }
    (folder / RUN_FILE).write_text(json.dumps(_json_safe(run), indent=2, allow_nan=False) + "\n")


def write_series(results: Results, path: Path) -> None:
    """Write the series to an ``.npz``: ``names``, ``trial``, ``shared`` (one flag per
    series) and ``s<k>``, the values of series ``k``: shape (trials, days + 1), or
    (1, days + 1) for a series the same in every trial."""
    arrays: dict[str, np.ndarray] = {
        "names": np.asarray(results.series_names, dtype=str),
        "trial": results.trials.index.to_numpy(dtype=np.int64),
        "shared": np.asarray(
            [results.n_trials > 0 and results.is_constant(n) for n in results.series_names], dtype=bool
        ),
    }
    for k, name in enumerate(results.series_names):
        values = results.series(name)
        arrays[f"s{k}"] = values[:1] if arrays["shared"][k] else values
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def read_series(path: Path, trials: np.ndarray) -> dict[str, np.ndarray]:
    """The series written by :func:`write_series`, checked against the trials table's index."""
    with np.load(path, allow_pickle=False) as stored:
        names = [str(n) for n in stored["names"]]
        if not np.array_equal(stored["trial"], trials):
            raise ValueError(f"{path} and trials.parquet hold different trials")
        shared = stored["shared"]
        series = {}
        for k, name in enumerate(names):
            values = stored[f"s{k}"]
            series[name] = np.broadcast_to(values[0], (len(trials), values.shape[1])) if shared[k] else values
    return series


def save_results(results: Results, folder: str | os.PathLike[str]) -> Path:
    """Write ``results`` to ``folder`` atomically (see the module notes); return its path."""
    with atomic_folder(folder, RUN_FILE) as temporary:
        write_results(results, temporary)
    return Path(folder)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "scenario"


def save_comparison(comparison: Comparison, folder: str | os.PathLike[str]) -> Path:
    """Write every run of a comparison and its tables to ``folder`` atomically."""
    with atomic_folder(folder, COMPARISON_FILE) as temporary:
        runs = []
        for position, results in enumerate(comparison.results, start=1):
            sub = f"{position}-{_slug(results.name)}"
            (temporary / sub).mkdir()
            write_results(results, temporary / sub)
            runs.append({"name": results.name, "folder": sub})
        comparison.summary().to_csv(temporary / "summary.csv")
        comparison.differences().to_csv(temporary / "differences.csv", index=False)
        info = {
            "format": FORMAT,
            "kind": "comparison",
            "runs": runs,
            "seed": comparison.results[0].seed,
            "interrupted": comparison.interrupted,
            "versions": _versions(),
            "saved": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        (temporary / COMPARISON_FILE).write_text(
            json.dumps(_json_safe(info), indent=2, allow_nan=False) + "\n"
        )
    return Path(folder)


# ------------------------------------------------------------------------ reading


def load_results(folder: str | os.PathLike[str]) -> Results:
    """Read a results folder written by :meth:`Results.save` back into :class:`Results`.

    The trials table, the series arrays and the summary equal those saved. The
    scenario is rebuilt (and validated again) from ``run.json``.

    Raises:
        FileNotFoundError: ``folder`` or one of its files is missing.
        ValueError: ``folder`` is not a results folder this version can read.
    """
    from sim.scenario.schema import Scenario

    folder = Path(folder)
    run_file = folder / RUN_FILE
    if not run_file.is_file():
        hint = (
            " (a comparison folder: load its numbered sub-folders)"
            if (folder / COMPARISON_FILE).is_file()
            else ""
        )
        raise FileNotFoundError(f"{folder} is not a results folder: no {RUN_FILE}{hint}")
    run = json.loads(run_file.read_text())
    if run.get("kind") != "results" or run.get("format") != FORMAT:
        raise ValueError(
            f"{run_file}: expected a results folder of format {FORMAT}, "
            f"found kind {run.get('kind')!r}, format {run.get('format')!r}"
        )
    scenario = Scenario.model_validate(run["scenario"])
    trials = pd.read_parquet(folder / "trials.parquet")
    series = read_series(folder / "series.npz", trials.index.to_numpy())
    events_file = folder / "events.parquet"
    events = normalise_events(pd.read_parquet(events_file), scenario) if events_file.is_file() else None
    return Results(
        scenario,
        run["seed"],
        trials,
        series,
        events=events,
        events_kept_for=run.get("events_kept_for", []),
        interrupted=run.get("interrupted", False),
        timings=run.get("timings", {}),
    )
