"""The linter and the formatter keep the code uniform; CI runs them through the tests."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def ruff(*args: str) -> subprocess.CompletedProcess:
    executable = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if executable is None:
        pytest.fail("ruff is not installed: install the test extra, pip install -e '.[test]'")
    return subprocess.run([executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_ruff_finds_no_lint_errors():
    done = ruff("check", "sim", "tests", "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr


def test_code_is_formatted_with_ruff_format():
    done = ruff("format", "--check", "sim", "tests", "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_no_type_errors_in_sim():
    # The settings are pyproject.toml's [tool.mypy]: every module of sim, the schema and
    # the Monte Carlo layer with every function typed.
    if importlib.util.find_spec("mypy") is None:
        pytest.fail("mypy is not installed: install the test extra, pip install -e '.[test]'")
    done = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
