"""The documentation is true to the code: its examples run and its commands work.

- ``docs/architecture.md`` names every module of the package; ``docs/stress.md`` has every
  item of the STRESS-DES checklist and lists the baseline's uncertain parameters as drawn.
- ``docs/api.md``: every example runs as a doctest (from the repository root), and every
  public name of ``sim`` and ``sim.plots`` is documented.
- ``docs/cli.md``: every option of every command is documented; every ``python -m sim``
  command in its ``sh`` blocks is parsed by the real parser, and the cheap ones (``validate``,
  ``schema``, ``--help``, ``--version``, serial runs of at most 10 trials without figures) are
  run, checking the exit status (0, or the status named by a ``# exits N`` comment) and the
  ``error:``/``ok:``/``results in`` lines of an output block shown right after the command.
  A ``yaml`` block whose first line is ``# file: NAME`` is written to ``NAME`` first.
"""

from __future__ import annotations

import argparse
import doctest
import glob
import json
import re
import shlex
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import sim
import sim.plots
from sim import cli

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "docs" / "api.md"
CLI = ROOT / "docs" / "cli.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
STRESS = ROOT / "docs" / "stress.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SHOWN_PREFIXES = ("error:", "ok:", "results in")
CHEAP_TRIALS = 10


# ------------------------------------------------------------------------- api.md


@pytest.mark.slow
def test_api_examples_pass_as_doctests(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)  # the examples name files relative to the repository root
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the examples save results
    failed, attempted = doctest.testfile(
        str(API),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        report=True,
    )
    assert attempted > 50, "docs/api.md should hold the examples of every public name"
    assert failed == 0, f"{failed} of {attempted} examples in docs/api.md failed (see the output above)"


@pytest.mark.parametrize("name", sorted(set(sim.__all__) - {"__version__", "plots"}))
def test_api_documents_every_public_name_of_sim(name):
    assert f"### `sim.{name}`" in API.read_text(), f"docs/api.md has no section for sim.{name}"


@pytest.mark.parametrize("name", sorted(sim.plots.__all__))
def test_api_documents_every_public_name_of_sim_plots(name):
    assert f"`{name}" in API.read_text(), f"docs/api.md does not mention sim.plots.{name}"


# ------------------------------------------------------------------------- cli.md


@dataclass
class Command:
    """One ``python -m sim`` line of an ``sh`` block of docs/cli.md."""

    line: str
    argv: list[str]
    status: int
    shown: list[str] = field(default_factory=list)  # output lines the docs show for it

    def is_cheap(self) -> bool:
        """Quick to run: no trials, or a few trials serially without figures."""
        if not self.argv or self.argv[0] in ("validate", "schema", "--version", "--help"):
            return True
        if "--help" in self.argv:
            return True
        argv = self.argv
        trials = int(argv[argv.index("--trials") + 1]) if "--trials" in argv else None
        serial = "--jobs" in argv and argv[argv.index("--jobs") + 1] == "1"
        return (
            trials is not None
            and trials <= CHEAP_TRIALS
            and serial
            and "--no-plots" in argv
            and "dask" not in argv
        )


def _blocks(text: str) -> list[tuple[str, str]]:
    return [(match.group(1), match.group(2)) for match in FENCE.finditer(text)]


def _argv(line: str) -> list[str]:
    """The arguments after ``python -m sim``, up to a redirection, with globs expanded."""
    words = shlex.split(line, comments=True)
    assert words[:3] == ["python", "-m", "sim"], line
    argv = []
    for word in words[3:]:
        if word in (">", ">>", "|", "&&", ";"):
            break
        if "*" in word:
            argv += sorted(str(Path(p).relative_to(ROOT)) for p in glob.glob(str(ROOT / word)))
        else:
            argv.append(word)
    return argv


def documented_commands() -> list[Command]:
    """Every command of the sh blocks, with the output lines of a text block right after."""
    commands: list[Command] = []
    previous: list[Command] = []
    for language, body in _blocks(CLI.read_text()):
        if language == "sh":
            previous = []
            for line in body.splitlines():
                if line.strip().startswith("python -m sim"):
                    found = re.search(r"#\s*exits (\d+)", line)
                    command = Command(line.strip(), _argv(line), int(found.group(1)) if found else 0)
                    commands.append(command)
                    previous.append(command)
        elif language == "text" and previous:
            shown = [s.strip() for s in body.splitlines() if s.strip().startswith(SHOWN_PREFIXES)]
            for command in previous:
                command.shown += shown
            previous = []
        else:
            previous = []
    return commands


def documented_files() -> dict[str, str]:
    """The yaml blocks that begin with ``# file: NAME``, by name."""
    files = {}
    for language, body in _blocks(CLI.read_text()):
        first = body.splitlines()[0] if body else ""
        if language == "yaml" and first.startswith("# file:"):
            files[first.removeprefix("# file:").strip()] = body
    return files


COMMANDS = documented_commands()


def _with_command(argv: list[str]) -> list[str]:
    """As :func:`sim.cli.main` does: ``run`` is the default command."""
    if argv and argv[0] not in cli.COMMANDS and not argv[0].startswith("-"):
        return ["run", *argv]
    return argv


def test_cli_docs_show_every_command_and_cheap_examples_of_each():
    assert len(COMMANDS) >= 15
    used = {c.argv[0] if c.argv[0] in cli.COMMANDS else "run" for c in COMMANDS if c.argv}
    assert used == set(cli.COMMANDS)
    assert any(c.is_cheap() and _with_command(c.argv)[0] == "run" for c in COMMANDS)
    assert any(c.status == 2 for c in COMMANDS), "the docs should show a failing command"


def _options(parser: argparse.ArgumentParser) -> set[str]:
    found = set()
    for action in parser._actions:  # argparse has no public way to list them
        found.update(s for s in action.option_strings if s.startswith("--"))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _options(sub)
    return found


def test_cli_docs_describe_every_option():
    text = CLI.read_text()
    missing = sorted(o for o in _options(cli._parser()) if f"`{o}" not in text)
    assert not missing, f"docs/cli.md does not describe {', '.join(missing)}"


def test_cli_docs_describe_every_exit_status():
    text = CLI.read_text()
    for status in (cli.EXIT_OK, cli.EXIT_INTERNAL, cli.EXIT_USAGE, cli.EXIT_INTERRUPTED):
        assert f"\n| {status} |" in text


@pytest.mark.parametrize("command", COMMANDS, ids=[c.line for c in COMMANDS])
def test_cli_docs_command_is_accepted_by_the_parser(command, capsys):
    try:
        args = cli._parser().parse_args(_with_command(command.argv))
    except SystemExit as stop:  # --help and --version stop the parser with status 0
        code = stop.code
    else:
        assert callable(args.handler)
        return
    assert code == 0, f"{command.line}: {capsys.readouterr().err}"


@pytest.mark.parametrize(
    "command", [c for c in COMMANDS if c.is_cheap()], ids=[c.line for c in COMMANDS if c.is_cheap()]
)
def test_cli_docs_cheap_command_runs_with_the_documented_exit_status(command, tmp_path, monkeypatch, capsys):
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    (tmp_path / "data").symlink_to(ROOT / "data", target_is_directory=True)  # the posterior
    for name, body in documented_files().items():
        (tmp_path / name).write_text(body)
    monkeypatch.chdir(tmp_path)
    status = cli.main(command.argv)
    out, err = capsys.readouterr()
    assert status == command.status, f"{command.line}\nstdout:\n{out}\nstderr:\n{err}"
    for line in command.shown:
        assert line in out + err, f"{command.line}: docs show {line!r}, the command printed:\n{out}{err}"
    if "--json" in command.argv:
        assert "results_folder" in json.loads(out)
    if command.argv and command.argv[0] == "schema":
        assert json.loads(out)["type"] == "object"


# ------------------------------------------------ architecture.md and stress.md


@pytest.mark.parametrize(
    "module",
    sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "sim").rglob("*.py") if p.name != "__init__.py"),
)
def test_architecture_names_every_module(module):
    assert (
        f"`{Path(module).name}`" in ARCHITECTURE.read_text() or f"`{module}`" in ARCHITECTURE.read_text()
    ), f"docs/architecture.md does not describe {module}"


def test_stress_report_answers_every_item_of_the_checklist():
    text = STRESS.read_text()
    sections = [
        "1. Objectives",
        "2. Logic",
        "3. Data",
        "4. Experimentation",
        "5. Implementation",
        "6. Code access",
    ]
    items = ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "2.5.1", "2.5.2", "2.5.3", "2.5.4", "2.5.5"]
    items += ["3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "5.1", "5.2", "5.3", "5.4"]
    for section in sections:
        assert f"\n## {section}\n" in text, section
    for item in items:
        assert re.search(rf"^#+ {re.escape(item)} ", text, re.MULTILINE), item


def test_stress_report_lists_the_uncertain_parameters_of_the_baseline():
    from sim.scenario.sampling import uncertain_parameters

    baseline = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    drawn = {path: dist.dist for path, dist in uncertain_parameters(baseline).items()}
    table = STRESS.read_text().split("### 3.3")[1].split("### 3.4")[0]
    listed = dict(re.findall(r"^\| `([\w.]+)` \| (\w+) \|", table, re.MULTILINE))
    assert listed == drawn
