"""A job's finished work, kept on disk as it finishes: the one checkpoint mechanism.

A long job (a Monte Carlo run, a parameter sweep, the populations of a calibration
fit) is cut into *work units*, each named by a stable id that says what it covers
(``trials-000064-000128``, ``p0003-trials-000000-000064``, ``gen02-batch0007``). A
:class:`Ledger` is a folder that remembers, for one job:

- ``manifest.json``: the job's fingerprint (whatever makes its results what they are:
  scenario hash, seed, trial count, and the code and file format versions); a ledger
  opened with another fingerprint is refused, so finished units are reused only by the
  job that made them;
- ``units/<id>.npz``: each finished unit's arrays, written atomically (a temporary
  file, flushed, renamed into place): a unit is either complete on disk or absent;
- ``failures.jsonl``: one JSON line per failed piece of work (for a run: the trial's
  index, seed, drawn parameters and traceback), appended and flushed as it happens.

The user of a ledger decides what a unit holds and how finished units are put back
together; resuming is "skip the units the ledger has, and the work it records as
failed". Because every unit is computed from its id and the job alone (seeds come
from indexes, never from the order of work), a resumed job gives bit for bit what an
uninterrupted one gives.

Example::

    ledger = Ledger.open("results/run.checkpoint", {"seed": 7, "trials": 1000})
    if not ledger.has("trials-000000-000064"):
        ledger.write("trials-000000-000064", {"index": np.arange(64), "x": values})
    ledger.failed(index=13, reason="ValueError: negative troops")
    ledger.remove()  # once the job's results are safely saved elsewhere
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = 1
MANIFEST = "manifest.json"
FAILURES = "failures.jsonl"
UNITS = "units"
_UNIT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}")

# The modules whose code decides what a trial computes: a change to any of them makes
# earlier units unusable. Plots, statistics and file writing do not change a unit.
_CODE = ("engine", "scenario", "montecarlo/seeding.py", "montecarlo/worker.py", "montecarlo/ledger.py")


class LedgerMismatch(ValueError):
    """The folder holds a ledger of another job (a different fingerprint)."""


def code_version() -> str:
    """A hash of the source of the modules that decide what a work unit computes."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for part in _CODE:
        path = package / part
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(package).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


class Ledger:
    """The checkpoint folder of one job; see the module notes.

    Attributes:
        folder: where the ledger lives.
        job: the fingerprint it was opened with (plain JSON values).
        resumed: True when the folder already held this job's ledger.
    """

    def __init__(self, folder: Path, job: dict[str, Any], resumed: bool):
        self.folder = folder
        self.job = job
        self.resumed = resumed

    @classmethod
    def open(cls, folder: str | os.PathLike[str], job: Mapping[str, Any]) -> Ledger:
        """Open the ledger of ``job`` in ``folder``, creating it if there is none.

        ``job`` is the fingerprint: plain JSON values; ``code`` and ``format`` are added.

        Raises:
            LedgerMismatch: ``folder`` holds the ledger of another job, or is not a ledger.
        """
        folder = Path(folder)
        fingerprint = json.loads(json.dumps({**job, "code": code_version(), "format": FORMAT}))
        manifest = folder / MANIFEST
        if manifest.is_file():
            try:
                found = json.loads(manifest.read_text())["job"]
            except (ValueError, KeyError, TypeError, OSError) as error:
                raise LedgerMismatch(f"{manifest} is not a readable checkpoint manifest ({error})") from None
            if found != fingerprint:
                keys = sorted(k for k in {*found, *fingerprint} if found.get(k) != fingerprint.get(k))
                raise LedgerMismatch(
                    f"{folder} holds the checkpoint of another job (it differs in {', '.join(keys)})"
                )
            (folder / UNITS).mkdir(exist_ok=True)
            return cls(folder, fingerprint, resumed=True)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise LedgerMismatch(f"{folder} exists and is not a checkpoint folder (no {MANIFEST})")
        (folder / UNITS).mkdir(parents=True, exist_ok=True)
        _write_atomically(manifest, (json.dumps({"job": fingerprint}, indent=2) + "\n").encode())
        return cls(folder, fingerprint, resumed=False)

    # -------------------------------------------------------------------- units

    def _path(self, unit: str) -> Path:
        if not _UNIT_ID.fullmatch(unit):
            raise ValueError(f"expected a unit id of letters, digits, '_', '.' and '-', found {unit!r}")
        return self.folder / UNITS / f"{unit}.npz"

    def units(self) -> list[str]:
        """Ids of the finished units, sorted."""
        return sorted(p.name[: -len(".npz")] for p in (self.folder / UNITS).glob("*.npz"))

    def has(self, unit: str) -> bool:
        """True when ``unit`` is finished."""
        return self._path(unit).is_file()

    def write(self, unit: str, arrays: Mapping[str, np.ndarray]) -> None:
        """Record ``unit`` as finished with its arrays (numbers, text or structured; no objects)."""
        path = self._path(unit)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            with open(temporary, "wb") as handle:
                np.savez(handle, **arrays)  # type: ignore[arg-type]  # numpy's stub: a key could be allow_pickle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        _sync_folder(path.parent)

    def read(self, unit: str) -> dict[str, np.ndarray]:
        """The arrays of a finished unit."""
        with np.load(self._path(unit), allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}

    def __iter__(self) -> Iterator[tuple[str, dict[str, np.ndarray]]]:
        """``(id, arrays)`` of every finished unit, in id order."""
        for unit in self.units():
            yield unit, self.read(unit)

    # ----------------------------------------------------------------- failures

    def failed(self, **record: Any) -> None:
        """Append one failure record (plain JSON values) and flush it to disk."""
        line = json.dumps(record, allow_nan=True, default=_plain) + "\n"
        with open(self.folder / FAILURES, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def failures(self) -> list[dict[str, Any]]:
        """Every failure recorded, oldest first (a line cut short by a kill is skipped)."""
        path = self.folder / FAILURES
        if not path.is_file():
            return []
        records = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
        return records

    def remove(self) -> None:
        """Delete the ledger (once the job's results are saved)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
