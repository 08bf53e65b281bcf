"""Independent random streams, one per mechanism, all seeded from a trial's seed.

A trial's seed is a NumPy ``SeedSequence`` (the Monte Carlo layer passes
``SeedSequence(run_seed, spawn_key=(trial,))``). The engine asks it once for a block
of well-mixed 64-bit words and gives each stream of :data:`STREAMS` its own four
words as the state and increment of a PCG64 generator. The words of stream ``j`` are
always the same positions of the block (SeedSequence output is prefix-stable), so:

- the same seed gives the same streams, bit for bit, on any machine;
- each mechanism's draws are independent of every other mechanism's: changing how
  one mechanism draws (its parameters, or how many numbers it takes) never moves
  another mechanism's numbers;
- a new stream appended to :data:`STREAMS` leaves the existing ones as they were.

Seeding every stream from one block costs a fraction of building one ``SeedSequence``
per stream, which matters because it happens once per trial.

Draws that happen one at a time in the event loop come from :func:`uniforms` and
:func:`exponentials`, iterators over blocks drawn in advance, so that taking a number is
a C-level ``next()`` rather than a NumPy call (whose overhead would dwarf the number).
The values are exactly those of drawing the blocks one after another.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

import numpy as np
from numpy.random.bit_generator import ISeedSequence

SeedLike = int | np.random.SeedSequence

STREAMS = (
    "parameters",  # uncertain parameters of a scenario passed to simulate_trial unfixed
    "militia.timing",  # candidate times and thinning of the Hawkes process
    "militia.attacks",  # base, weapon, interception, wounded and killed of each attack
    "retaliation",  # where a strike lands, deterrence, escalation
    "isis",  # ISIS attack times
    "isis.breakouts",  # prison and camp breaks
    "collapse",  # when the summed collapse hazard runs out
    "isis.deaths",  # civilians and ISF members killed in each ISIS attack
)
"""The streams of a trial, in the order their seeds are taken (append only)."""

_WORDS = 4  # 64-bit words per PCG64 seed: 128-bit state and 128-bit increment


def seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """A trial's seed as a ``SeedSequence`` (an int becomes ``SeedSequence(int)``).

    Raises:
        ValueError: for a negative, boolean, float or non-integer seed.
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (bool, float)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"expected a non-negative integer seed or a SeedSequence, found {seed!r}")
    return np.random.SeedSequence(int(seed))


def trial_streams(seed: SeedLike) -> dict[str, np.random.Generator]:
    """Every stream of :data:`STREAMS` of the trial with this seed, by name."""
    words = seed_sequence(seed).generate_state(_WORDS * len(STREAMS), np.uint64)
    # numpy's stub names SeedSequence; PCG64 accepts any ISeedSequence, as _Words is.
    return {
        name: np.random.Generator(np.random.PCG64(_Words(words[_WORDS * i : _WORDS * (i + 1)])))  # type: ignore[arg-type]
        for i, name in enumerate(STREAMS)
    }


def stream(seed: SeedLike, name: str) -> np.random.Generator:
    """The named stream of the trial with this seed (one of :data:`STREAMS`).

    Raises:
        ValueError: for a name not in :data:`STREAMS`.
    """
    if name not in STREAMS:
        raise ValueError(f"expected a stream name among {', '.join(STREAMS)}, found {name!r}")
    i = STREAMS.index(name)
    words = seed_sequence(seed).generate_state(_WORDS * (i + 1), np.uint64)
    # numpy's stub names SeedSequence; PCG64 accepts any ISeedSequence, as _Words is.
    return np.random.Generator(np.random.PCG64(_Words(words[_WORDS * i :])))  # type: ignore[arg-type]


class _Words(ISeedSequence):
    """Seed words already drawn from a ``SeedSequence``, handed to a bit generator."""

    def __init__(self, words: np.ndarray):
        self._words = words

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        words = self._words if np.dtype(dtype) == np.uint64 else self._words.view(np.uint32)
        if n_words > len(words):
            raise ValueError(f"expected at most {len(words)} words to be asked for, found {n_words}")
        return words[:n_words]


def uniforms(rng: np.random.Generator, block: int = 1024) -> Iterator[float]:
    """Uniform [0, 1) draws of ``rng`` as an endless iterator (take one with ``next``)."""
    return chain.from_iterable(_blocks(rng.random, block))


def exponentials(rng: np.random.Generator, block: int = 1024) -> Iterator[float]:
    """Standard exponential draws (mean 1) of ``rng`` as an endless iterator."""
    return chain.from_iterable(_blocks(rng.standard_exponential, block))


def _blocks(draw, block: int) -> Iterator[list]:
    while True:
        yield draw(block).tolist()
