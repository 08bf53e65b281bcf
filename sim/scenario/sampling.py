"""Finding a scenario's uncertain parameters, drawing them, and fixing drawn values.

A scenario's uncertain parameters are the fields written as distributions; each is
named by its dotted path (``militia.attack_rate_per_day``,
``forces.us_erbil.schedule.0.at``). Each path has its own random stream seeded from
the run seed and the path's name, so adding or changing one distribution never moves
the draws of another, and draw ``i`` is the same whatever the number of draws.

Parameters named by a scenario's ``posterior`` section are uncertain too (reported as
:class:`~sim.scenario.posterior.FromPosterior`), but drawn together: one particle per
draw, picked by the uniforms of the stream named ``posterior``
(:data:`POSTERIOR_STREAM`), so every scenario that reads the same file with the same
seed picks the same particles.
"""

from __future__ import annotations

import weakref
import zlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel

from sim.scenario.distributions import _Dist
from sim.scenario.posterior import FromPosterior, pick_particles

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

STREAM_PARAMETERS = 0x5041524D  # "PARM": keeps parameter streams apart from trial streams
POSTERIOR_STREAM = "posterior"
"""The name of the stream whose uniforms pick the posterior's particles (no parameter
path can be named so: it is a section, not a number)."""


def uncertain_parameters(scenario: BaseModel) -> dict[str, _Dist | FromPosterior]:
    """Every field written as a distribution or drawn from the posterior, by dotted path.

    In document order.

    A field named by the ``posterior`` section is reported as a
    :class:`~sim.scenario.posterior.FromPosterior` (``dist`` is ``"posterior"``)
    whatever the scenario writes for it.
    """
    found: dict[str, _Dist | FromPosterior] = {}
    _walk(scenario, "", found, posterior_markers(scenario))
    return found


def posterior_markers(scenario: Any) -> dict[str, FromPosterior]:
    """The parameters a scenario takes from its posterior file, by dotted path."""
    section = getattr(scenario, "posterior", None)
    if section is None or section.data is None:
        return {}
    return {path: FromPosterior(section.data, path) for path in section.paths}


def _walk(node: Any, path: str, found: dict, markers: dict[str, FromPosterior]) -> None:
    if path in markers:
        found[path] = markers[path]
    elif isinstance(node, _Dist):
        found[path] = node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            _walk(getattr(node, name), f"{path}.{name}" if path else name, found, markers)
    elif isinstance(node, Mapping):
        for key, value in node.items():
            _walk(value, f"{path}.{key}" if path else str(key), found, markers)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            _walk(value, f"{path}.{i}", found, markers)


def value_at(node: Any, path: str) -> Any:
    """The value at a dotted path of a scenario, or ``None`` if there is none.

    The path walks fields, mapping keys and list indices.
    """
    for part in path.split("."):
        if isinstance(node, BaseModel):
            node = getattr(node, part, None) if part in type(node).model_fields else None
        elif isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


_PLAIN = (float, int, str, bool, type(None))

_FIXED: weakref.WeakValueDictionary[int, BaseModel] = weakref.WeakValueDictionary()
"""Scenarios known to hold no distribution, by id (an entry goes when its scenario does)."""


def has_distribution(scenario: BaseModel) -> bool:
    """True if any parameter of the scenario is still written as a distribution.

    The same question as ``bool(uncertain_parameters(scenario))``, asked once per
    trial by the engine, so it is answered without building paths, and at once for a
    scenario already known to be fixed: one made by :func:`fix`, or one checked
    before (scenario models are frozen, so the answer cannot change). A scenario with a
    ``posterior`` section has parameters still to draw.
    """
    if _FIXED.get(id(scenario)) is scenario:
        return False
    if getattr(scenario, "posterior", None) is not None or _holds_distribution(scenario):
        return True
    _remember_fixed(scenario)
    return False


def _remember_fixed(scenario: Any) -> None:
    if isinstance(scenario, BaseModel):
        _FIXED[id(scenario)] = scenario


def _holds_distribution(node: Any) -> bool:
    if isinstance(node, _PLAIN):
        return False
    if isinstance(node, _Dist):
        return True
    values: Iterable[Any]
    if isinstance(node, BaseModel):
        values = node.__dict__.values()
    elif isinstance(node, Mapping):
        values = node.values()
    elif isinstance(node, (list, tuple)):
        values = node
    else:
        return False
    return any(not isinstance(value, _PLAIN) and _holds_distribution(value) for value in values)


def parameter_stream(seed: int, path: str) -> np.random.Generator:
    """The random stream of one uncertain parameter in a run with this seed."""
    sequence = np.random.SeedSequence([seed, STREAM_PARAMETERS, zlib.crc32(path.encode())])
    return np.random.Generator(np.random.PCG64(sequence))


def correlation_matrix(correlations: list) -> list[tuple[list[str], np.ndarray]]:
    """The groups of parameters tied by ``correlations``.

    ``correlations`` are pairs with ``between`` and ``rho``; per group, its paths in order
    of first mention and their correlation matrix.
    """
    groups: list[list[str]] = []
    for pair in correlations:
        a, b = pair.between
        joined = [g for g in groups if a in g or b in g]
        merged = [p for g in joined for p in g]
        for path in (a, b):
            if path not in merged:
                merged.append(path)
        groups = [g for g in groups if g not in joined] + [merged]
    result = []
    for paths in groups:
        matrix = np.eye(len(paths))
        for pair in correlations:
            a, b = pair.between
            if a in paths:
                i, j = paths.index(a), paths.index(b)
                matrix[i, j] = matrix[j, i] = pair.rho
        result.append((paths, matrix))
    return result


def draw_parameters(scenario: Scenario, n: int, seed: int) -> dict[str, np.ndarray]:
    """``n`` draws of every uncertain parameter: a float array of length ``n`` per path.

    Draw ``i`` does not depend on ``n``, and two scenarios that share a distribution
    at the same path draw the same values (common random numbers). Parameters tied by
    the scenario's ``correlations`` are drawn through a Gaussian copula: each path's
    own stream gives uniforms, their normal scores are mixed by the Cholesky factor of
    the group's correlation matrix, and each parameter takes the quantile of its own
    distribution at the mixed score (so each keeps its distribution).

    The parameters of the ``posterior`` section take the values of one particle per
    draw: draw ``i`` picks particle :func:`~sim.scenario.posterior.pick_particles` of
    uniform ``i`` of the stream :data:`POSTERIOR_STREAM`, with probability proportional
    to its weight, so they keep the correlations of the fit exactly.
    """
    found = uncertain_parameters(scenario)
    joint = {path: dist for path, dist in found.items() if isinstance(dist, FromPosterior)}
    drawn = {path: dist for path, dist in found.items() if path not in joint}
    # Pairs whose parameters are still distributions (a fixed copy has none left to tie).
    pairs = [
        pair for pair in getattr(scenario, "correlations", ()) or () if set(pair.between) <= drawn.keys()
    ]
    groups = correlation_matrix(pairs)
    tied = {path for paths, _ in groups for path in paths}
    draws = {
        path: dist.sample(parameter_stream(seed, path), n) for path, dist in drawn.items() if path not in tied
    }
    if joint:
        posterior = next(iter(joint.values())).posterior  # the scenario's one posterior file
        picked = pick_particles(posterior, parameter_stream(seed, POSTERIOR_STREAM).random(n))
        for path in joint:
            draws[path] = posterior.column(path)[picked]
    if groups:
        from scipy.special import ndtr, ndtri

        for paths, matrix in groups:
            uniforms = np.stack([parameter_stream(seed, path).random(n) for path in paths])
            scores = ndtri(np.clip(uniforms, 1e-16, 1.0 - 1e-16))
            mixed = ndtr(np.linalg.cholesky(matrix) @ scores)
            for path, u in zip(paths, mixed, strict=True):
                draws[path] = found[path].ppf(u)
    return {path: draws[path] for path in found}


def fix(scenario: Scenario, values: Mapping[str, float]) -> Scenario:
    """A copy of the scenario with each distribution replaced by its drawn value.

    ``values`` maps dotted paths to numbers; every distribution in the scenario must
    have a value, and a number at a path in ``values`` (a parameter drawn from the
    posterior) is replaced too. The copy has no ``posterior`` section left: its
    values are in place. It is built without re-validation (the values were drawn from
    distributions and particles whose range the schema already checked), so it is
    cheap enough to do once per trial.
    """
    fixed = _fix(scenario, "", values)
    if getattr(fixed, "posterior", None) is not None:
        fixed = fixed.model_copy(update={"posterior": None})
    _remember_fixed(fixed)  # _fix leaves no distribution: one without a value is a KeyError
    return fixed


def _fix(node: Any, path: str, values: Mapping[str, float]) -> Any:
    if isinstance(node, _Dist) or (isinstance(node, float) and path in values):
        return float(values[path])
    if isinstance(node, BaseModel):
        fields = {}
        changed = False
        for name in type(node).model_fields:
            old = getattr(node, name)
            new = _fix(old, f"{path}.{name}" if path else name, values)
            changed = changed or new is not old
            fields[name] = new
        if not changed:
            return node
        return type(node).model_construct(_fields_set=node.model_fields_set, **fields)
    if isinstance(node, Mapping):
        entries = {k: _fix(v, f"{path}.{k}" if path else str(k), values) for k, v in node.items()}
        return node if all(entries[k] is node[k] for k in node) else entries
    if isinstance(node, list):
        items = [_fix(v, f"{path}.{i}", values) for i, v in enumerate(node)]
        return node if all(a is b for a, b in zip(items, node, strict=True)) else items
    return node
