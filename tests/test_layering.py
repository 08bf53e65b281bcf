"""The layering of docs/architecture.md, checked over the imports of every module of ``sim``.

The packages form one chain, and a module may import only from its own package or from
a package further down (docs/architecture.md, "Each arrow is one package's job")::

    sim.__main__ -> sim.cli -> sim.commands -> sim (the lazy re-exports) -> sim.report -> sim.plots
        -> sim.explore, sim.calibrate -> sim.montecarlo -> sim.engine -> sim.scenario

Every import counts, wherever it stands (at the top, inside a function, or as
``importlib.import_module("sim....")`` with a literal name), except those under
``if TYPE_CHECKING:``, which never run. Modules are read with :mod:`ast`, not imported.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[1] / "sim"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("sim.__main__",),
    ("sim.cli",),
    ("sim.commands",),  # commands in their own modules (fit-attacks, explore, search), registered by sim.cli
    ("sim",),  # the package root: public names, imported on first use
    ("sim.report",),
    ("sim.plots",),
    ("sim.explore", "sim.calibrate"),  # side by side: neither imports the other
    ("sim.montecarlo",),
    ("sim.engine",),
    ("sim.scenario",),
    ("sim._lazy",),  # the packages' import-on-first-use hooks; imports nothing of ours
)
"""Packages from the top of the chain to the bottom; packages not written yet hold their place."""

NARROWER: dict[str, frozenset[str]] = {
    # the plots read Results and Comparison by their attributes (docs/architecture.md)
    "sim.plots": frozenset({"sim.engine"}),
}
"""Packages that may import from fewer packages than all those below them."""

KNOWN_CYCLES: list[frozenset[str]] = []
"""Import cycles tolerated for now (none: results.py assembles what store.py reads)."""


class Import(NamedTuple):
    """One import of a ``sim`` module by another."""

    importer: str
    line: int
    imported: str


def module_name(path: Path, root: Path = ROOT) -> str:
    """``sim/plots/style.py`` -> ``sim.plots.style``; a package's ``__init__.py`` -> the package."""
    parts = (root.name, *path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(module: str) -> str:
    """The package of the chain a module belongs to: ``sim.plots.style`` -> ``sim.plots``."""
    return ".".join(module.split(".")[:2])


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(source: str, module: str, is_package: bool, modules: set[str]) -> list[Import]:
    """The ``sim`` modules that ``module`` imports (``from a import b`` names ``a.b`` if it is a module)."""
    found: list[Import] = []
    package = module if is_package else module.rpartition(".")[0]

    def add(line: int, name: str) -> None:
        if name == "sim" or name.startswith("sim."):
            found.append(Import(module, line, name))

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            if _is_type_checking(node.test):
                for statement in node.orelse:
                    self.visit(statement)
            else:
                self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            for alias in node.names:
                add(node.lineno, alias.name)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            base = node.module or ""
            if node.level:  # relative: one dot is this package, each further dot one up
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                add(node.lineno, candidate if candidate in modules else base)

        def visit_Call(self, node: ast.Call) -> None:
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
            first = node.args[0] if node.args else None
            if name == "import_module" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                add(node.lineno, first.value)
            self.generic_visit(node)

    Visitor().visit(ast.parse(source))
    return found


def all_imports(root: Path = ROOT) -> tuple[set[str], list[Import]]:
    """Every module under ``root`` and every import between them."""
    paths = sorted(root.rglob("*.py"))
    modules = {module_name(p, root) for p in paths}
    found = []
    for path in paths:
        module = module_name(path, root)
        found += imports_of(path.read_text(encoding="utf-8"), module, path.name == "__init__.py", modules)
    return modules, found


def rank(package: str) -> int | None:
    """Position of a package in :data:`LAYERS` (0 at the top), ``None`` if it has none."""
    return next((i for i, layer in enumerate(LAYERS) if package in layer), None)


def may_import(importer: str, imported: str) -> bool:
    """Whether a module of package ``importer`` may import one of package ``imported``."""
    if importer == imported:
        return True
    top, bottom = rank(importer), rank(imported)
    if top is None or bottom is None or bottom <= top:
        return False
    return importer not in NARROWER or imported in NARROWER[importer]


def layering_violations(found: list[Import]) -> list[str]:
    """One message per import that points up the chain, or sideways, or beyond what is allowed."""
    messages = []
    for item in found:
        importer, imported = package_of(item.importer), package_of(item.imported)
        if not may_import(importer, imported):
            allowed = sorted(
                p for layer in LAYERS for p in layer if may_import(importer, p) and p != importer
            )
            messages.append(
                f"{item.importer} (line {item.line}) imports {item.imported}: {importer} may import only "
                f"from {', '.join(allowed) or 'nothing outside itself'} (docs/architecture.md)"
            )
    return messages


def cycles(found: list[Import]) -> list[frozenset[str]]:
    """Groups of modules that import one another, directly or through others (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for item in found:
        if item.imported != item.importer:
            graph.setdefault(item.importer, set()).add(item.imported)
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    groups: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = lowest[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                lowest[node] = min(lowest[node], lowest[target])
            elif target in stack:
                lowest[node] = min(lowest[node], index[target])
        if lowest[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(frozenset(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def describe_cycle(group: frozenset[str], found: list[Import]) -> str:
    """The imports that tie a group of modules together, each with its line."""
    edges = sorted(
        {(i.importer, i.line, i.imported) for i in found if i.importer in group and i.imported in group}
    )
    return "import cycle: " + "; ".join(f"{a} (line {line}) imports {b}" for a, line, b in edges)


# ------------------------------------------------------------------------- the rules


@pytest.fixture(scope="module")
def package():
    return all_imports()


def test_every_module_of_sim_belongs_to_a_layer(package):
    modules, _ = package
    assert "sim.plots.style" in modules
    assert "sim" in modules
    lost = sorted(m for m in modules if rank(package_of(m)) is None)
    assert not lost, (
        f"{', '.join(lost)}: in no layer; place the package in LAYERS (tests/test_layering.py) "
        "and in docs/architecture.md"
    )


def test_imports_point_only_down_the_chain(package):
    _, found = package
    # the walk sees the imports between packages (the Monte Carlo layer runs the engine)
    assert any(
        package_of(i.importer) == "sim.montecarlo" and package_of(i.imported) == "sim.engine" for i in found
    )
    problems = layering_violations(found)
    assert not problems, "imports against the layering:\n" + "\n".join(problems)


def test_no_module_imports_itself_back_through_others(package):
    _, found = package
    unknown = [describe_cycle(g, found) for g in cycles(found) if g not in KNOWN_CYCLES]
    assert not unknown, "\n".join(unknown)


def test_the_chain_allows_only_downward_imports():
    for importer in (p for layer in LAYERS for p in layer):
        for imported in (p for layer in LAYERS for p in layer):
            if imported != importer and may_import(importer, imported):
                assert rank(imported) > rank(importer), (
                    f"{importer} may import {imported}, above or beside it"
                )
    assert all(rank(p) > rank(importer) for importer, allowed in NARROWER.items() for p in allowed)


# ------------------------------------------------------------------- the checker


MODULES = {
    "sim",
    "sim.cli",
    "sim.plots",
    "sim.plots.style",
    "sim.montecarlo",
    "sim.montecarlo.stats",
    "sim.engine",
}


def test_checker_reads_imports_anywhere_but_under_type_checking():
    source = """
import importlib
from typing import TYPE_CHECKING
from sim.montecarlo import stats
if TYPE_CHECKING:
    from sim.cli import main
else:
    import sim.engine
def later():
    from sim import cli
    return importlib.import_module("sim.plots")
"""
    found = imports_of(source, "sim.plots.style", False, MODULES)
    assert [(i.line, i.imported) for i in found] == [
        (4, "sim.montecarlo.stats"),
        (8, "sim.engine"),
        (10, "sim.cli"),
        (11, "sim.plots"),
    ]


def test_checker_resolves_relative_imports():
    found = imports_of("from . import stats\nfrom .. import engine\n", "sim.montecarlo", True, MODULES)
    assert [i.imported for i in found] == ["sim.montecarlo.stats", "sim.engine"]
    found = imports_of("from .style import x\n", "sim.plots.fans", False, MODULES)
    assert [i.imported for i in found] == ["sim.plots.style"]


def test_checker_names_the_importer_and_the_imported_module():
    upward = [
        Import("sim.engine.trial", 3, "sim.montecarlo.stats"),
        Import("sim.plots.style", 7, "sim.montecarlo"),
    ]
    problems = layering_violations(upward)
    assert problems[0].startswith(
        "sim.engine.trial (line 3) imports sim.montecarlo.stats: sim.engine may import"
    )
    assert problems[1].startswith(
        "sim.plots.style (line 7) imports sim.montecarlo: sim.plots may import only from sim.engine"
    )
    assert layering_violations([Import("sim.cli", 1, "sim.plots.save")]) == []


def test_checker_finds_a_cycle_through_a_third_module():
    ring = [
        Import("sim.a", 1, "sim.b"),
        Import("sim.b", 2, "sim.c"),
        Import("sim.c", 3, "sim.a"),
        Import("sim.c", 4, "sim.d"),
    ]
    assert cycles(ring) == [frozenset({"sim.a", "sim.b", "sim.c"})]
    assert describe_cycle(cycles(ring)[0], ring) == (
        "import cycle: sim.a (line 1) imports sim.b; sim.b (line 2) imports sim.c; sim.c (line 3) imports sim.a"
    )
