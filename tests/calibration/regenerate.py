"""Rewrite the regression test's expected outcomes of every shipped scenario.

Run from anywhere, after a change that is meant to move results (a new default, an
edited scenario, an engine change that draws random numbers differently)::

    python tests/calibration/regenerate.py            # every shipped scenario
    python tests/calibration/regenerate.py baseline   # only some, by name

Review the diff of ``tests/calibration/expected/`` before committing it.
"""

from __future__ import annotations

import sys

from shipped_outcomes import SCENARIOS, shipped_scenarios, write_expected


def main(names: list[str]) -> int:
    """Regenerate the expected files of the named scenarios (all when none are named)."""
    paths = [SCENARIOS / f"{name}.yaml" for name in names] if names else shipped_scenarios()
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        print(f"no such scenario: {', '.join(missing)}", file=sys.stderr)
        return 2
    for path in paths:
        print(f"wrote {write_expected(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
