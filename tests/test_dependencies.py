"""portkit's runtime dependencies are exactly what `src/portkit` imports (plus what templates
import at render time); generated projects declare and install their own (mlflow, pre-commit)."""

from __future__ import annotations

import ast
import importlib.metadata
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]

#: Not imported by portkit but by the templates it renders, in portkit's own process.
RENDER_TIME = {
    "copier-template-extensions": "copier templates load it as a Jinja extension",
    "copier-templates-extensions": "its former name, still named by many copier templates",
}


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {canonicalize_name(Requirement(line).name) for line in project["dependencies"]}


def imported_modules() -> set[str]:
    """Top-level names of every import in src/portkit, lazy ones inside functions included."""
    names: set[str] = set()
    for path in (ROOT / "src" / "portkit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"__future__", "portkit"}


def distributions(modules: set[str]) -> set[str]:
    owners = importlib.metadata.packages_distributions()
    missing = sorted(module for module in modules if module not in owners)
    assert not missing, f"imported by src/portkit but not installed: {missing}"
    return {canonicalize_name(owners[module][0]) for module in modules}


def test_runtime_dependencies_are_what_portkit_imports() -> None:
    needed = distributions(imported_modules()) | set(RENDER_TIME)
    assert declared() == needed


def test_the_imports_behind_the_light_dependencies_are_real() -> None:
    # pyyaml, packaging and jinja2 are declared because portkit imports them itself
    assert {"yaml", "packaging", "jinja2"} <= imported_modules()
    assert {"mlflow", "pre_commit"}.isdisjoint(imported_modules())
