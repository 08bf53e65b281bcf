"""A scenario's uncertain inputs as SciPy frozen distributions.

Every field of a scenario written as a distribution (``{dist: lognormal, median: 1.1,
spread: 1.4}``) is an uncertain input, named by its dotted path. :func:`uncertainties`
returns each as a ``scipy.stats`` frozen distribution, so its quantiles (``ppf``), bounds
(``support()``), mean and CDF are at hand without sampling::

    from sim.explore import uncertainties
    rate = uncertainties(scenario)["militia.attack_rate_per_day"]
    rate.ppf([0.05, 0.95]), rate.support()

The SciPy distribution has the same quantile function as the scenario's own
(``dist.ppf(u) == frozen.ppf(u)``), which is what the designs use to map the unit cube
onto an input. A parameter the scenario draws jointly from a posterior is given by its
prior (:func:`input_of`): methods for independent inputs analyse the independent priors.
Clipped normals and log-normals put the mass beyond a bound on the bound:
their CDF jumps there, and their ``pdf`` is that of the unclipped distribution inside
the bounds (the atoms have no density). ``fixed`` and ``choice`` are discrete.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from sim.scenario.distributions import Beta, Choice, Fixed, LogNormal, Normal, Triangular, Uniform, _Dist
from sim.scenario.posterior import FromPosterior
from sim.scenario.sampling import uncertain_parameters, value_at


def uncertainties(scenario: Any) -> dict[str, Any]:
    """Every uncertain input of ``scenario`` by dotted path, as a SciPy frozen distribution.

    Inputs tied by the scenario's ``correlations`` are given by their marginals: the
    joint draw (a Gaussian copula) is not a product of these, which matters to methods
    that assume independent inputs (Sobol, Morris); see :func:`correlated_paths`.
    """
    return {
        path: as_scipy(input_of(scenario, path, dist))
        for path, dist in uncertain_parameters(scenario).items()
    }


def input_of(scenario: Any, path: str, dist: Any) -> Any:
    """The distribution an analysis of independent inputs uses for one uncertain parameter.

    A parameter the scenario draws from a posterior (jointly with others) is analysed by
    the prior its files write for it, which the fit started from: Sobol indices and Morris
    screening assume independent inputs, and the priors are independent where the posterior
    is not. With no prior written (a number), the posterior's own marginal stands in
    (a discrete distribution over the particles' values, by weight).
    """
    if not isinstance(dist, FromPosterior):
        return dist
    written = value_at(scenario, path)
    if isinstance(written, _Dist):
        return written
    return dist


def correlated_paths(scenario: Any) -> set[str]:
    """The uncertain inputs that the scenario draws jointly (its active ``correlations``)."""
    found = uncertain_parameters(scenario)
    tied: set[str] = set()
    for pair in getattr(scenario, "correlations", ()) or ():
        if set(pair.between) <= found.keys():
            tied.update(pair.between)
    return tied


def as_scipy(dist: _Dist) -> Any:
    """One scenario distribution as a SciPy frozen distribution with the same quantiles."""
    low, high = dist.support()
    if isinstance(dist, Fixed) or low == high:
        return stats.rv_discrete(values=([low], [1.0]))
    if isinstance(dist, Choice):
        weights = np.ones(len(dist.values)) if dist.weights is None else np.asarray(dist.weights, float)
        values, index = np.unique(np.asarray(dist.values, float), return_inverse=True)
        merged = np.bincount(index, weights=weights)
        return stats.rv_discrete(values=(values, merged / merged.sum()))
    if isinstance(dist, Uniform):
        return stats.uniform(loc=dist.low, scale=dist.high - dist.low)
    if isinstance(dist, Triangular):
        width = dist.high - dist.low
        return stats.triang(c=(dist.mode - dist.low) / width, loc=dist.low, scale=width)
    if isinstance(dist, Beta):
        return stats.beta(dist.alpha, dist.beta, loc=dist.low, scale=dist.high - dist.low)
    if isinstance(dist, Normal):
        return _clipped(stats.norm(loc=dist.mean, scale=dist.sd), dist.low, dist.high)
    if isinstance(dist, LogNormal):
        return _clipped(stats.lognorm(s=math.log(dist.spread), scale=dist.median_), dist.low, dist.high)
    if isinstance(dist, FromPosterior):
        values, index = np.unique(dist.posterior.column(dist.path), return_inverse=True)
        merged = np.bincount(index, weights=np.asarray(dist.posterior.weights, float))
        return stats.rv_discrete(values=(values, merged / merged.sum()))
    raise TypeError(f"no SciPy form for a {type(dist).__name__} distribution")


def _clipped(base: Any, low: float | None, high: float | None) -> Any:
    if low is None and high is None:
        return base
    base_low, base_high = (float(v) for v in base.support())
    a = base_low if low is None else max(low, base_low)
    b = base_high if high is None else min(high, base_high)
    return _ClippedGen(base, a=a, b=b, name="clipped")()


class _ClippedGen(stats.rv_continuous):
    """A continuous distribution whose draws beyond [a, b] are moved onto the bound.

    SciPy rebuilds a generator from its constructor arguments when it freezes one, so
    the underlying frozen distribution is one of them.
    """

    def __init__(self, base: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.base = base

    def _updated_ctor_param(self) -> dict[str, Any]:
        return {**super()._updated_ctor_param(), "base": self.base}

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return np.where(x >= self.b, 1.0, self.base.cdf(x))

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        return self.base.pdf(x)

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        return np.clip(self.base.ppf(q), self.a, self.b)
