"""One self-contained HTML file that tells a run's or a comparison's story to a reader.

``write_report(results_or_comparison, path)`` writes the question the scenarios ask, the
scenarios in a readable form, the summary tables with intervals, the collapse table,
every figure the command line saves (embedded as PNG, so the file needs nothing beside
it) and the run's provenance. ``python -m sim report FOLDER`` does the same for a saved
results or comparison folder. :mod:`sim.report.explorer` makes the same story interactive
in Jupyter: move the exits or keep a residual force, and see a few hundred trials update.
"""

from __future__ import annotations

from sim.report.html import report_html, write_report

__all__ = ["report_html", "write_report"]
