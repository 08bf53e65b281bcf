"""Independent random streams, one per mechanism, spawned from a trial's seed.

Each stream is a NumPy ``Generator`` whose ``SeedSequence`` extends the trial's own
spawn key with a stable code for the stream's name. Changing how one mechanism draws
(its parameters, or how many numbers it takes) therefore never moves another
mechanism's numbers, and adding a new stream leaves the old ones as they were.

Draws that happen per event are taken from blocks drawn in advance
(:class:`Buffered`), which keeps NumPy's per-call overhead out of the event loop.
"""

from __future__ import annotations

import zlib

import numpy as np

SeedLike = int | np.random.SeedSequence


def seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """A trial's seed as a ``SeedSequence`` (an int becomes ``SeedSequence(int)``)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (bool, float)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"expected a non-negative integer seed or a SeedSequence, found {seed!r}")
    return np.random.SeedSequence(int(seed))


def stream(seed: SeedLike, name: str) -> np.random.Generator:
    """The generator of the named stream of the trial with this seed."""
    parent = seed_sequence(seed)
    child = np.random.SeedSequence(parent.entropy, spawn_key=(*parent.spawn_key, zlib.crc32(name.encode())))
    return np.random.Generator(np.random.PCG64(child))


class Buffered:
    """Uniform [0, 1) and standard exponential draws, taken from pre-drawn blocks.

    One instance per stream and per kind of draw keeps the sequence of each kind
    independent of how many draws of the other kind were taken.
    """

    __slots__ = ("_rng", "_exponential", "_block", "_buffer", "_next")

    def __init__(self, rng: np.random.Generator, *, exponential: bool = False, block: int = 1024):
        self._rng = rng
        self._exponential = exponential
        self._block = block
        self._buffer: list[float] = []
        self._next = 0

    @property
    def rng(self) -> np.random.Generator:
        """The underlying generator (for the rare draw that is not uniform or exponential)."""
        return self._rng

    def __call__(self) -> float:
        i = self._next
        if i == len(self._buffer):
            draws = (
                self._rng.standard_exponential(self._block)
                if self._exponential
                else self._rng.random(self._block)
            )
            self._buffer = draws.tolist()
            i = 0
        self._next = i + 1
        return self._buffer[i]
