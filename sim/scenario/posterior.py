"""Posterior files: the particles of a fit, read once and drawn jointly.

A posterior file is JSON (UTF-8), conventionally ``data/posteriors/NAME.json``::

    {
      "format": 1,
      "kind": "sim posterior",
      "parameters": ["militia.attack_rate_per_day", "militia.branching_ratio"],
      "particles": [[1.71, 0.28], [1.93, 0.35]],
      "weights": [0.6, 0.4],
      "method": "...", "facts": [...], "seed": 1, "created": "...", "notes": "..."
    }

``parameters`` are dotted scenario paths; ``particles`` hold one row per particle
with one value per parameter; ``weights`` are non-negative, at least one positive,
and are normalised on reading. Every other key is provenance, kept as read. The
file is parsed as JSON data only (never evaluated), and a file read once is kept
in memory by its real path, modification time and size, so that the scenarios of a
comparison and the outer draws of a nested run read it once.

A scenario's ``posterior`` section picks one particle per trial, with probability
proportional to its weight, and sets every parameter it names to that particle's
values, so the correlations of the fit are kept exactly (see
:func:`pick_particles`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.scenario.errors import quoted, show

FORMAT = 1
"""The posterior file format this version reads."""
KIND = "sim posterior"
"""The ``kind`` every posterior file declares."""
SUFFIX = ".json"
"""What a posterior file must be named: no other file is ever read (and echoed in messages)."""
MAX_BYTES = 256 * 2**20
MAX_PARTICLES = 1_000_000
MAX_PARAMETERS = 1000
REQUIRED = ("format", "kind", "parameters", "particles", "weights")


class PosteriorFileError(ValueError):
    """A posterior file that cannot be used; ``str()`` is "expected ..., found ..."."""


@dataclass(frozen=True, eq=False)
class PosteriorFile:
    """A posterior file as read: its parameters, particles and normalised weights.

    ``particles`` is a read-only float64 array of shape (particles, parameters);
    ``weights`` sum to 1 and ``cumulative`` are their running sums, ending at exactly 1
    (what :func:`pick_particles` inverts); ``provenance`` holds every key of the file other than the
    particles and weights (``method``, ``facts``, ``seed``, ``created`` ...).
    Two files with the same bytes compare equal.
    """

    path: str
    sha256: str
    parameters: tuple[str, ...]
    particles: np.ndarray
    weights: np.ndarray
    cumulative: np.ndarray = field(repr=False)
    provenance: dict[str, Any] = field(repr=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PosteriorFile) and other.sha256 == self.sha256

    def __hash__(self) -> int:
        return hash(self.sha256)

    def column(self, path: str) -> np.ndarray:
        """The values of one parameter, particle by particle."""
        return self.particles[:, self.parameters.index(path)]

    def weighted_range(self, path: str) -> tuple[float, float]:
        """The smallest and largest value of a parameter among particles that can be picked."""
        values = self.column(path)[self.weights > 0]
        return float(values.min()), float(values.max())


_CACHE: dict[tuple[str, int, int], PosteriorFile] = {}
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 8
"""Posterior files kept in memory at once (the oldest read is dropped first)."""


def read_posterior(path: str | os.PathLike[str]) -> PosteriorFile:
    """The posterior file at ``path``, checked; from memory if it has not changed since.

    Raises :class:`PosteriorFileError` naming what was expected and what was found: no
    such file, a name not ending in ``.json``, text that is not JSON, a wrong ``format``
    or ``kind``, a missing key, parameters that are not distinct dotted paths, ragged
    or non-finite particles, weights of the wrong count, negative, not finite or all
    zero.
    """
    shown = shown_path(path)
    if not shown.lower().endswith(SUFFIX):
        # Reading any other file could echo its contents back in messages (/etc/passwd ...).
        raise PosteriorFileError(f"expected a posterior file named *.json, found {shown}")
    try:
        real = os.path.realpath(os.fspath(path))
        status = os.stat(real)
    except (OSError, ValueError):
        raise PosteriorFileError(f"expected an existing posterior file, found no file at {shown}") from None
    if not os.path.isfile(real):
        raise PosteriorFileError(f"expected a posterior file, found a folder at {shown}")
    key = (real, status.st_mtime_ns, status.st_size)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    if status.st_size > MAX_BYTES:
        raise PosteriorFileError(
            f"expected a posterior file of at most {MAX_BYTES // 2**20} MiB, found {status.st_size:,} bytes"
        )
    try:
        with open(real, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise PosteriorFileError(
            f"expected a readable posterior file, found {shown} ({error.strerror})"
        ) from None
    posterior = _parse(raw, shown, os.fspath(path))
    with _CACHE_LOCK:
        _CACHE[key] = posterior
        while len(_CACHE) > CACHE_SIZE:
            del _CACHE[next(iter(_CACHE))]
    return posterior


def _parse(raw: bytes, shown: str, path: str) -> PosteriorFile:
    try:
        text = raw.decode("utf-8")
        data = json.loads(text, parse_constant=_refuse_constant)
    except UnicodeDecodeError as error:
        raise PosteriorFileError(
            f"expected UTF-8 text in {shown}, found a byte that is not ({error.reason})"
        ) from None
    except json.JSONDecodeError as error:
        raise PosteriorFileError(
            f"expected JSON in {shown}, found text that is not (line {error.lineno}, column {error.colno}: "
            f"{error.msg})"
        ) from None
    except ValueError as error:  # NaN or Infinity, which JSON does not have
        raise PosteriorFileError(f"expected JSON numbers in {shown}, found {error}") from None
    except RecursionError:
        raise PosteriorFileError(f"expected JSON in {shown}, found nesting too deep to read") from None
    if not isinstance(data, dict):
        raise PosteriorFileError(f"expected a JSON object in {shown}, found {show(data)}")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise PosteriorFileError(
            f"expected the keys {', '.join(REQUIRED)} in {shown}, found no {missing[0]!r}"
        )
    if data["format"] != FORMAT or isinstance(data["format"], bool):
        raise PosteriorFileError(f"expected 'format': {FORMAT} in {shown}, found {show(data['format'])}")
    if data["kind"] != KIND:
        raise PosteriorFileError(f"expected 'kind': {KIND!r} in {shown}, found {show(data['kind'])}")
    parameters = _parameters(data["parameters"], shown)
    particles = _particles(data["particles"], len(parameters), shown)
    weights = _weights(data["weights"], len(particles), shown)
    cumulative = np.cumsum(weights)
    cumulative /= cumulative[-1]
    for array in (particles, weights, cumulative):
        array.flags.writeable = False
    provenance = {key: value for key, value in data.items() if key not in ("particles", "weights")}
    return PosteriorFile(
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        parameters=parameters,
        particles=particles,
        weights=weights,
        cumulative=cumulative,
        provenance=provenance,
    )


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def _parameters(value: Any, shown: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_PARAMETERS:
        raise PosteriorFileError(
            f"expected 'parameters' in {shown} to be a list of 1 to {MAX_PARAMETERS} dotted paths, "
            f"found {show(value)}"
        )
    for item in value:
        if not isinstance(item, str) or not item or any(not part for part in item.split(".")):
            raise PosteriorFileError(
                f"expected 'parameters' in {shown} to be dotted paths (militia.branching_ratio ...), "
                f"found {show(item)}"
            )
    repeated = [item for i, item in enumerate(value) if item in value[:i]]
    if repeated:
        raise PosteriorFileError(
            f"expected each parameter once in {shown}, found {quoted(repeated[0])} twice"
        )
    return tuple(value)


def _particles(value: Any, width: int, shown: str) -> np.ndarray:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_PARTICLES:
        raise PosteriorFileError(
            f"expected 'particles' in {shown} to be a list of 1 to {MAX_PARTICLES:,} rows, found {show(value)}"
        )
    for i, row in enumerate(value):
        if not isinstance(row, list) or len(row) != width:
            found = f"{len(row)} values" if isinstance(row, list) else show(row)
            raise PosteriorFileError(
                f"expected every particle in {shown} to hold {width} values (one per parameter), "
                f"found particle {i} with {found}"
            )
    # bool is an int to Python, and numpy would turn "1.5" into a number: refuse both. The
    # set of types is quick to build; only a file with another type is searched value by value.
    if not set(map(type, itertools.chain.from_iterable(value))) <= {float, int}:
        for i, row in enumerate(value):
            for j, number in enumerate(row):
                if type(number) is not float and type(number) is not int:
                    raise PosteriorFileError(
                        f"expected numbers in the particles of {shown}, found {show(number)} in particle "
                        f"{i}, value {j}"
                    )
    with np.errstate(over="ignore"):
        particles = np.array(value, dtype=float)
    bad = ~np.isfinite(particles)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise PosteriorFileError(
            f"expected finite numbers in the particles of {shown}, found {value[i][j]} in particle {i}, value {j}"
        )
    return particles


def _weights(value: Any, count: int, shown: str) -> np.ndarray:
    if not isinstance(value, list) or len(value) != count:
        found = f"{len(value)}" if isinstance(value, list) else show(value)
        raise PosteriorFileError(f"expected {count} weights in {shown} (one per particle), found {found}")
    for i, weight in enumerate(value):
        if type(weight) is not float and type(weight) is not int:
            raise PosteriorFileError(f"expected numbers as weights in {shown}, found {show(weight)} at {i}")
    weights = np.array(value, dtype=float)
    bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    if len(bad):
        raise PosteriorFileError(
            f"expected finite weights >= 0 in {shown}, found {value[bad[0]]} for particle {bad[0]}"
        )
    total = math.fsum(weights)
    if not total > 0 or not math.isfinite(total):
        raise PosteriorFileError(
            f"expected weights with a positive, finite sum in {shown}, found a sum of {total}"
        )
    return weights / total


def pick_particles(posterior: PosteriorFile, uniforms: np.ndarray) -> np.ndarray:
    """The particle each uniform in [0, 1) picks: index ``i`` with probability ``weights[i]``.

    The cumulative weights are inverted (the smallest ``i`` whose cumulative weight
    exceeds ``u``), so one uniform gives one particle, a particle of weight 0 is never
    picked, and two scenarios that read the same file and the same uniforms pick the
    same particles.
    """
    index = np.searchsorted(posterior.cumulative, uniforms, side="right")
    return np.minimum(index, len(posterior.weights) - 1)


class FromPosterior:
    """A parameter drawn from a posterior file (``dist`` is ``"posterior"``).

    As :func:`sim.scenario.sampling.uncertain_parameters` reports it.

    It describes the parameter's marginal in the file: its ``support`` (the values of
    the particles that can be picked), ``ppf`` and ``median`` of the weighted
    particles. Runs never draw it alone: every parameter of a posterior is drawn
    together, one particle per trial (:func:`sim.scenario.sampling.draw_parameters`).
    """

    dist = "posterior"

    def __init__(self, posterior: PosteriorFile, path: str) -> None:
        self.posterior = posterior
        self.path = path

    def __repr__(self) -> str:
        return f"FromPosterior({self.posterior.path!r}, {self.path!r})"

    def __str__(self) -> str:
        """As a scenario's display shows it.

        For example ``posterior(model2.json, 200 particles): 5-95% 1.38 to 2.17``.
        """
        from sim.scenario.distributions import brief

        low, high = self.ppf(np.array([0.05, 0.95]))
        name = os.path.basename(os.fspath(self.posterior.path))
        count = len(self.posterior.weights)
        return f"posterior({name}, {count:,} particles): 5-95% {brief(float(low))} to {brief(float(high))}"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, FromPosterior) and other.posterior == self.posterior and other.path == self.path
        )

    def __hash__(self) -> int:
        return hash((self.posterior, self.path))

    def support(self) -> tuple[float, float]:
        """The smallest and largest value among the particles of positive weight."""
        return self.posterior.weighted_range(self.path)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The weighted particles' quantiles of this parameter at probabilities ``u``."""
        values = self.posterior.column(self.path)
        order = np.argsort(values, kind="stable")
        cumulative = np.cumsum(self.posterior.weights[order])
        cumulative /= cumulative[-1]
        index = np.searchsorted(cumulative, np.asarray(u, dtype=float), side="left")
        return values[order][np.minimum(index, len(values) - 1)]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws of this parameter alone (its marginal; the joint draw is elsewhere)."""
        return self.posterior.column(self.path)[pick_particles(self.posterior, rng.random(n))]

    def median(self) -> float:
        """The weighted median of the particles' values."""
        return float(self.ppf(np.array([0.5]))[0])


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path as messages show it: relative to the working directory when inside it."""
    path = os.fspath(path)
    try:
        relative = os.path.relpath(path) if os.path.isabs(path) else path
    except ValueError:  # another drive, on Windows
        return path
    return path if relative.startswith("..") else relative
