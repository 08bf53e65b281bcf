"""Results folders: written atomically, read back checked.

A results folder holds

- ``trials.parquet``: the trials table (index ``trial``);
- ``series.npz``: the daily series of every trial (float32, kept exactly but stored
  compactly; see :func:`write_series`);
- ``events.parquet``: the kept event logs (only when some trial's events were kept);
- ``summary.csv`` and ``collapse_curve.csv``: for reading without Python;
- ``run.json``: the scenario as run, seed, trials, failures, versions, timings, whether
  interrupted, and the size and SHA-256 of every other file.

A comparison folder holds one such folder per scenario (``1-<name>``, ``2-<name>`` ...),
``summary.csv``, ``differences.csv`` and ``comparison.json``.

Writing is atomic: everything goes into a hidden temporary sibling folder, which
replaces the target in one step only when complete (on Linux the two folders are
exchanged by one ``renameat2`` call; elsewhere by two renames, undone on failure and
repaired by the next save if a kill fell between them). Saves beside each other take
a lock on the parent folder, so two saves to one folder follow each other, and each
save first removes what killed saves left there. An existing folder is replaced only
if it is a results folder of the same sort (or empty), never an unrelated directory,
and a complete result is never replaced by an interrupted one.

This module reads and writes files; :func:`sim.montecarlo.results.load_results`
assembles what :func:`read_results` returns into ``Results`` (this module imports
``Results`` only for type checking).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import sys
import zlib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.montecarlo.results import Comparison, Results

FORMAT = 3
READABLE_FORMATS = (1, 2, 3)  # 1: without checksums; 1 and 2: series stored raw
SERIES_CODEC = "xor-shuffle-zlib"
RUN_FILE = "run.json"
COMPARISON_FILE = "comparison.json"
INTERRUPTED_SUFFIX = ".interrupted"


def slug(name: str) -> str:
    r"""A scenario name as a folder name: letters, digits, ``_``, ``.``, ``-``; lower case.

    >>> slug("Late / slow"), slug(".."), slug("\x1b[31mred")
    ('late-slow', 'scenario', '31mred')
    """
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.").lower() or "scenario"


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


def holds_complete_result(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` holds a results or comparison folder that was not interrupted."""
    for marker in (RUN_FILE, COMPARISON_FILE):
        try:
            info = json.loads((Path(folder) / marker).read_text())
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and info.get("interrupted") is False:
            return True
    return False


def folder_kind(folder: str | os.PathLike[str]) -> str | None:
    """``"results"``, ``"comparison"``, ``"empty"``, ``None`` (absent), or ``"other"``."""
    target = Path(folder)
    if not target.exists():
        return None
    if not target.is_dir():
        return "other"
    if (target / RUN_FILE).is_file():
        return "results"
    if (target / COMPARISON_FILE).is_file():
        return "comparison"
    return "other" if any(target.iterdir()) else "empty"


@contextlib.contextmanager
def atomic_folder(folder: str | os.PathLike[str], marker: str, complete: bool = True) -> Iterator[Path]:
    """Yield an empty temporary folder that replaces ``folder`` when the block succeeds.

    ``marker`` is the file that identifies a folder of this sort: an existing ``folder``
    is replaced only if it holds ``marker`` or is empty, and, when ``complete`` is false
    (an interrupted run), only if it does not hold a complete result. On any error
    (Ctrl-C included) the temporary folder is removed and ``folder`` is left as it was.
    """
    target = Path(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.parent):
        _tidy(target)
        kind = folder_kind(target)
        wanted = "results" if marker == RUN_FILE else "comparison"
        if kind == "other" and not target.is_dir():
            raise FileExistsError(f"{target} exists and is not a folder; choose another output folder")
        if kind not in (None, "empty", wanted):
            raise FileExistsError(
                f"{target} exists and is not a {wanted} folder (no {marker}); "
                "it is left alone: choose another output folder"
            )
        if not complete and holds_complete_result(target):
            raise FileExistsError(
                f"{target} holds a complete result, which an interrupted run does not replace; "
                f"save it elsewhere (the command line uses {target.name}{INTERRUPTED_SUFFIX})"
            )
        temporary = _new_sibling(target, "partial")
        temporary.mkdir()  # unlike tempfile.mkdtemp, with the user's usual permissions (umask)
        try:
            yield temporary
            _sync_tree(temporary)
            _replace(temporary, target)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (where the system has ``flock``)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _tidy(target: Path) -> None:
    """Remove what killed saves left beside ``target``; put back a folder a kill left moved aside."""
    olds = sorted(target.parent.glob(f".{target.name}.old-*"))
    if not target.exists() and olds:
        os.rename(olds.pop(), target)
    for debris in [*olds, *target.parent.glob(f".{target.name}.partial-*")]:
        shutil.rmtree(debris, ignore_errors=True)


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
    if _exchange(new, target):  # one step: no moment without a complete folder at target
        _sync_entry(target.parent)
        shutil.rmtree(new, ignore_errors=True)  # now the old folder
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


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux's ``renameat2(RENAME_EXCHANGE)``; False where unsupported."""
    if sys.platform != "linux":
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a libc without it
        return False
    at_cwd, exchange = -100, 2
    if renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # a file system without it
        return False
    raise OSError(code, os.strerror(code), str(b))


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------------ writing


def write_results(results: Results, folder: Path) -> None:
    """Write the files of a results folder into an existing, empty ``folder``."""
    results.trials.to_parquet(folder / "trials.parquet")
    write_series(results, folder / "series.npz")
    if results.events_kept_for:
        results.events.to_parquet(folder / "events.parquet", index=False)
    results.summary().to_csv(folder / "summary.csv")
    results.collapse_curve().rename_axis("date").to_csv(folder / "collapse_curve.csv")
    files = {
        path.name: {"bytes": path.stat().st_size, "sha256": _sha256(path)}
        for path in sorted(folder.iterdir())
        if path.is_file()
    }
    run = {
        "format": FORMAT,
        "kind": "results",
        "name": results.name,
        "seed": results.seed,
        "trials": results.n_trials,
        "trials_requested": results.scenario.monte_carlo.trials,
        "interrupted": results.interrupted,
        "failed": len(results.failures),
        "failures": results.failures,
        "events_kept_for": results.events_kept_for,
        "files": files,
        "timings": results.timings,
        "versions": _versions(),
        "saved": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario": results.scenario.model_dump(mode="json", by_alias=True),
    }
    (folder / RUN_FILE).write_text(json.dumps(_json_safe(run), indent=2, allow_nan=False) + "\n")


def encode_series(values: np.ndarray) -> np.ndarray:
    """Float32 daily values, shape (rows, days), packed losslessly into bytes.

    Three steps, each undone exactly by :func:`decode_series`: every day's bits are
    XORed with the day before (a quantity that holds still, or moves slowly, leaves
    mostly zero bits), the four bytes of each value are gathered into four planes
    (sign and exponent bytes, which vary little, end up side by side), and zlib packs
    the result. A daily series of a run shrinks to a fifth to a tenth of its raw size
    (docs/performance.md).
    """
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    delta = bits.copy()
    delta[:, 1:] ^= bits[:, :-1]
    planes = delta.view(np.uint8).reshape(*delta.shape, 4).transpose(2, 0, 1)
    return np.frombuffer(zlib.compress(np.ascontiguousarray(planes).tobytes(), 6), dtype=np.uint8)


def decode_series(packed: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The float32 array of ``shape`` that :func:`encode_series` packed into ``packed``."""
    raw = np.frombuffer(zlib.decompress(packed.tobytes()), dtype=np.uint8)
    if raw.size != 4 * shape[0] * shape[1]:
        raise ValueError(f"expected {4 * shape[0] * shape[1]} bytes, found {raw.size}")
    delta = np.ascontiguousarray(raw.reshape(4, *shape).transpose(1, 2, 0)).view(np.uint32)[..., 0]
    return np.bitwise_xor.accumulate(delta, axis=1).view(np.float32)


def write_series(results: Results, path: Path) -> None:
    """Write the series to an ``.npz``.

    Arrays ``names``, ``trial``, ``shared`` (one flag per series), ``codec`` and ``s<k>``,
    the values of series ``k`` packed by :func:`encode_series`: shape (trials, days + 1),
    or (1, days + 1) for a series the same in every trial.
    """
    arrays: dict[str, np.ndarray] = {
        "names": np.asarray(results.series_names, dtype=str),
        "trial": results.trials.index.to_numpy(dtype=np.int64),
        "shared": np.asarray(
            [results.n_trials > 0 and results.is_constant(n) for n in results.series_names], dtype=bool
        ),
        "codec": np.asarray(SERIES_CODEC),
    }
    for k, name in enumerate(results.series_names):
        values = results.series(name)
        arrays[f"s{k}"] = encode_series(values[:1] if arrays["shared"][k] else values)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)  # type: ignore[arg-type]  # numpy's stub: a key could be allow_pickle


def read_series(path: Path, trials: np.ndarray, days: int) -> dict[str, np.ndarray]:
    """The series written by :func:`write_series`, checked against the trials table's index.

    Formats 1 and 2 stored them raw.
    """
    with np.load(path, allow_pickle=False) as stored:
        names = [str(n) for n in stored["names"]]
        if not np.array_equal(stored["trial"], trials):
            raise ValueError(f"{path} and trials.parquet hold different trials")
        shared = stored["shared"]
        if shared.dtype != bool or shared.shape != (len(names),):
            raise ValueError(f"{path}: expected one shared flag per series")
        codec = str(stored["codec"]) if "codec" in stored.files else None
        if codec not in (None, SERIES_CODEC):
            raise ValueError(f"{path}: expected series stored as {SERIES_CODEC}, found {codec!r}")
        series = {}
        for k, name in enumerate(names):
            rows = 1 if shared[k] else len(trials)
            values = stored[f"s{k}"]
            if codec is not None:
                try:
                    values = decode_series(values, (rows, days + 1))
                except ValueError as error:
                    raise ValueError(
                        f"{path}: series {name!r}: expected float32 of shape {(rows, days + 1)}, "
                        f"found packed values that do not fit ({error})"
                    ) from None
            if values.dtype != np.float32 or values.shape != (rows, days + 1):
                raise ValueError(
                    f"{path}: series {name!r}: expected float32 of shape {(rows, days + 1)}, "
                    f"found {values.dtype} of shape {values.shape}"
                )
            series[name] = np.broadcast_to(values[0], (len(trials), days + 1)) if shared[k] else values
    return series


def save_results(results: Results, folder: str | os.PathLike[str]) -> Path:
    """Write ``results`` to ``folder`` atomically (see the module notes); return its path."""
    with atomic_folder(folder, RUN_FILE, complete=not results.interrupted) as temporary:
        write_results(results, temporary)
    return Path(folder)


def save_comparison(comparison: Comparison, folder: str | os.PathLike[str]) -> Path:
    """Write every run of a comparison and its tables to ``folder`` atomically."""
    with atomic_folder(folder, COMPARISON_FILE, complete=not comparison.interrupted) as temporary:
        runs = []
        for position, results in enumerate(comparison.results, start=1):
            sub = f"{position}-{slug(results.name)}"
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


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_RUN_FACTS: dict[str, tuple[Any, Any, str]] = {  # key: (default, check, what is expected)
    "seed": (None, lambda v: _is_int(v) and 0 <= v < 2**63, "a seed from 0 to 2**63 - 1"),
    "trials": (None, lambda v: _is_int(v) and v >= 0, "a count of trials"),
    "interrupted": (False, lambda v: isinstance(v, bool), "true or false"),
    "events_kept_for": ([], lambda v: isinstance(v, list) and all(map(_is_int, v)), "a list of trials"),
    "failures": ([], lambda v: isinstance(v, list) and all(isinstance(f, dict) for f in v), "records"),
    "timings": ({}, lambda v: isinstance(v, dict), "a mapping"),
}


def read_run(folder: str | os.PathLike[str]) -> tuple[dict[str, Any], Any]:
    """``run.json`` of a results folder, checked, and the scenario it holds (validated).

    Raises:
        FileNotFoundError: no folder, or no ``run.json`` in it.
        ValueError: not a results folder this version can read.
    """
    from sim.scenario.schema import Scenario

    folder = Path(folder)
    run_file = folder / RUN_FILE
    run = _info(
        folder,
        "results",
        f"it is a comparison folder: read it with sim.load_comparison({str(folder)!r}), "
        "or one run with load_results on one of its numbered sub-folders",
    )
    if not isinstance(run, dict) or run.get("kind") != "results" or run.get("format") not in READABLE_FORMATS:
        found = (run.get("kind"), run.get("format")) if isinstance(run, dict) else (type(run).__name__, None)
        raise ValueError(
            f"{run_file}: expected a results folder of format {FORMAT}, found kind {found[0]!r}, format {found[1]!r}"
        )
    for key, (default, ok, what) in _RUN_FACTS.items():
        value = run.setdefault(key, default)
        if not ok(value):
            raise ValueError(f"{run_file}: {key}: expected {what}, found {value!r}")
    try:
        scenario = Scenario.model_validate(run.get("scenario"))
    except (ValueError, TypeError, RecursionError) as error:
        raise ValueError(
            f"{run_file}: the scenario does not validate: {str(error).splitlines()[0]}"
        ) from None
    return run, scenario


def read_results(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The checked parts of a results folder.

    ``scenario``, ``seed``, ``trials`` (the table), ``series``, ``events`` (a frame or
    ``None``), ``events_kept_for``, ``interrupted``, ``timings``, ``failures``.

    Raises:
        FileNotFoundError: the folder, ``run.json`` or a file it lists is missing.
        ValueError: anything else wrong: a file changed since it was saved (checksum),
            counts, seed or flags that do not agree, a damaged file.
    """
    folder = Path(folder)
    run, scenario = read_run(folder)
    files = run.get("files")
    if run["format"] >= 2:
        if not isinstance(files, dict) or "trials.parquet" not in files or "series.npz" not in files:
            raise ValueError(f"{folder / RUN_FILE}: files: expected the list of files saved, found {files!r}")
        for name, facts in files.items():
            path = folder / str(name)
            if "/" in str(name) or not path.is_file():
                raise FileNotFoundError(f"{folder}: {name} is missing (it was saved with the results)")
            if not isinstance(facts, dict) or facts.get("sha256") != _sha256(path):
                raise ValueError(
                    f"{folder}: {name} was changed or damaged after it was saved (checksum differs)"
                )
    events_file = folder / "events.parquet"
    if bool(run["events_kept_for"]) != events_file.is_file():
        raise ValueError(f"{folder}: events.parquet should be present exactly when event logs were kept")
    try:
        trials = pd.read_parquet(folder / "trials.parquet")
        if len(trials) != run["trials"] or trials.index.name != "trial" or not trials.index.is_unique:
            raise ValueError(f"trials.parquet holds {len(trials)} trials, run.json says {run['trials']}")
        series = read_series(folder / "series.npz", trials.index.to_numpy(), scenario.days)
        events = pd.read_parquet(events_file) if events_file.is_file() else None
    except FileNotFoundError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever a damaged file makes a reader raise
        raise ValueError(
            f"{folder}: not a readable results folder ({type(error).__name__}: {error})"
        ) from None
    return {
        "scenario": scenario,
        "seed": run["seed"],
        "trials": trials,
        "series": series,
        "events": events,
        "events_kept_for": run["events_kept_for"],
        "interrupted": run["interrupted"],
        "timings": run["timings"],
        "failures": run["failures"],
    }


def read_comparison(folder: str | os.PathLike[str]) -> list[Path]:
    """The run folders of a comparison folder, in the order compared, from its ``comparison.json``.

    Raises:
        FileNotFoundError: no folder, no ``comparison.json`` or a run folder it lists is missing.
        ValueError: not a comparison folder this version can read.
    """
    folder = Path(folder)
    info_file = folder / COMPARISON_FILE
    info = _info(folder, "comparison", "it is a results folder: read it with sim.load_results")
    runs = info.get("runs") if isinstance(info, dict) else None
    if (
        not isinstance(info, dict)
        or info.get("kind") != "comparison"
        or info.get("format") not in READABLE_FORMATS
        or not isinstance(runs, list)
        or not runs
        or not all(isinstance(r, dict) and isinstance(r.get("folder"), str) for r in runs)
    ):
        raise ValueError(f"{info_file}: expected a comparison of format {FORMAT} listing its runs")
    paths = []
    for entry in runs:
        name = entry["folder"]
        if "/" in name or "\\" in name or name in ("", ".", ".."):
            raise ValueError(f"{info_file}: runs: expected a sub-folder name, found {name!r}")
        paths.append(folder / name)
    return paths


def _info(folder: Path, kind: str, hint: str) -> Any:
    """Read the JSON file that marks ``folder`` as a ``kind`` (results or comparison) folder.

    ``hint`` is added to the error when the folder is of the other kind.
    """
    own, other = (RUN_FILE, COMPARISON_FILE) if kind == "results" else (COMPARISON_FILE, RUN_FILE)
    path = folder / own
    if not path.is_file():
        said = f" ({hint})" if (folder / other).is_file() else ""
        raise FileNotFoundError(f"{folder} is not a {kind} folder: no {own}{said}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError, RecursionError) as error:
        raise ValueError(f"{path}: expected JSON, found {type(error).__name__}: {error}") from None
