"""docs/calibration.md shows what the fit moved as the shipped posterior file says it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _report():
    spec = importlib.util.spec_from_file_location("calibration_report", HERE / "calibration_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_posterior_table_in_the_docs_matches_the_shipped_file():
    report = _report()
    text = report.DOC.read_text(encoding="utf-8")
    begin, end = "<!-- begin posterior -->\n", "\n<!-- end posterior -->"
    shown = text[text.index(begin) + len(begin) : text.index(end)]
    assert shown == report.posterior_table(), (
        "run: python tests/calibration/calibration_report.py --posterior --write"
    )
