"""A small valid scenario shared by the scenario tests (not a test module)."""

from __future__ import annotations

import textwrap
from pathlib import Path

VALID = textwrap.dedent(
    """\
    name: tiny
    start: 2024-02-01
    horizon_days: 60
    bases:
      al_asad: {}
      erbil: {region: kurdistan}
    forces:
      us_asad:
        base: al_asad
        troops: 1500
        schedule:
          - {at: 20, troops: 500, ramp_days: 10}
          - {at: 2024-03-15, troops: 0}
      nato_erbil: {contingent: NATO, base: erbil, troops: 500}
    militia:
      branching_ratio: {dist: uniform, low: 0.2, high: 0.4}
      decay_days: 4
    rules:
      - action: redeploy
        on: collapse
        force: us_asad
        troops: 1000
    monte_carlo: {trials: 6, seed: 7}
    """
)


def write(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``folder/name`` and return the path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
