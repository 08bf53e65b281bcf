"""Names a package exports but imports only on first use (module ``__getattr__``, PEP 562).

A package lists where each public name lives and gets the two module hooks::

    _WHERE = {"run": "sim.montecarlo.runner", ...}
    __getattr__, __dir__ = exports(__name__, _WHERE, globals())

so that importing the package costs nothing until a name is used (a worker that needs
one module does not import pandas and SciPy), while ``from package import name``, tab
completion and ``dir()`` work as for names imported eagerly.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def exports(
    package: str,
    where: Mapping[str, str],
    namespace: dict[str, Any],
    subpackages: tuple[str, ...] = (),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``.

    Args:
        package: the package's name (its ``__name__``).
        where: each exported name and the module that defines it.
        namespace: the package's ``globals()``: a name, once imported, is kept there, so
            the hook runs once per name.
        subpackages: sub-packages exported as themselves (``sim.plots``), imported on
            first use too.
    """

    def __getattr__(name: str) -> Any:
        if name in subpackages:
            return importlib.import_module(f"{package}.{name}")
        if name in where:
            value = getattr(importlib.import_module(where[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*namespace, *where, *subpackages})

    return __getattr__, __dir__
