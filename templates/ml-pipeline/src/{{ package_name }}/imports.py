"""Which of the package's own files a stage runs: its module and everything it imports, found by
reading the import statements (standard library `ast`), so no list kept by hand can go stale.

Every `import` counts, including those inside functions (lazy imports) and under TYPE_CHECKING,
plus the `__init__.py` of each package on the way. Third-party and standard-library modules are
not followed: the cache keys on this project's code, not on installed versions. Imports built at
run time (`importlib.import_module(name)` with a computed name) are not seen: a step that loads
this package's code that way must import it statically too.
"""

from __future__ import annotations

import ast
from importlib.util import resolve_name
from pathlib import Path


class ImportClosure:
    """The import closure of modules of one package whose sources are in one folder."""

    def __init__(self, package_dir: Path, package: str) -> None:
        self.package_dir = package_dir
        self.package = package
        self._imports: dict[str, set[str]] = {}

    def files(self, module: str) -> list[Path]:
        """MODULE's source and the sources of every package module it reaches, sorted."""
        seen: set[str] = set()
        pending = [module]
        while pending:
            name = pending.pop()
            if name in seen or self.source(name) is None:
                continue
            seen.add(name)
            pending.extend(self._parents(name))
            pending.extend(self._imported_by(name))
        return sorted(path for name in seen if (path := self.source(name)) is not None)

    def source(self, module: str) -> Path | None:
        """The file defining MODULE when it belongs to the package, else None."""
        if module != self.package and not module.startswith(self.package + "."):
            return None
        base = self.package_dir.joinpath(*module.split(".")[1:])
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                return candidate
        return None

    def _parents(self, module: str) -> list[str]:
        parts = module.split(".")
        return [".".join(parts[:end]) for end in range(1, len(parts))]

    def _imported_by(self, module: str) -> set[str]:
        if module not in self._imports:
            self._imports[module] = self._scan(module)
        return self._imports[module]

    def _scan(self, module: str) -> set[str]:
        """Every module named by an import statement in MODULE (absolute names)."""
        path = self.source(module)
        assert path is not None
        here = module if path.name == "__init__.py" else module.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = resolve_name("." * node.level + (node.module or ""), here)
                found.add(base)
                # `from . import registry` names a module; `from .dag import Outcome` does not,
                # and a name that is not a module is simply not found by source().
                found.update(f"{base}.{alias.name}" for alias in node.names)
        return found
