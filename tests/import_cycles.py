"""Find import cycles among the modules under a source folder, with the standard library only.

Every `import` counts, also those inside functions (a lazy import that closes a circle is still
a circle in the design); only imports under `if TYPE_CHECKING:` are left out, as they never run.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every `.py` file under ROOT (a `src/`-like folder)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            found[".".join(parts)] = path
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules under ROOT it imports."""
    known = modules(root)
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        visitor = _Imports(name, path.name == "__init__.py", known)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        graph[name] = visitor.targets - {name}
    return graph


def import_cycles(root: Path) -> list[list[str]]:
    """Each cycle as `[a, b, ..., a]` where each module imports the one before it; [] if none.

    One edge of each cycle found is dropped and the search repeated, so every circle is listed.
    """
    graph = import_graph(root)
    cycles = []
    while True:
        try:
            TopologicalSorter(graph).prepare()
        except CycleError as error:
            cycle: list[str] = error.args[1]
            cycles.append(cycle)
            graph[cycle[1]].discard(cycle[0])
        else:
            return cycles


def import_cycle_groups(root: Path) -> list[set[str]]:
    """The modules caught in cycles, one set per group of intertwined cycles (sorted)."""
    groups: list[set[str]] = []
    for cycle in import_cycles(root):
        members = set(cycle)
        for group in [g for g in groups if g & members]:
            groups.remove(group)
            members |= group
        groups.append(members)
    return sorted(groups, key=sorted)


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, known: dict[str, Path]) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.targets: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
        if name != "TYPE_CHECKING":
            self.generic_visit(node)
            return
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.package.split(".")
            anchor = ".".join(package[: len(package) - (node.level - 1)])
            base = f"{anchor}.{base}" if base else anchor
        for alias in node.names:
            if f"{base}.{alias.name}" in self.known:
                self.targets.add(f"{base}.{alias.name}")
            else:
                self._add(base)

    def _add(self, dotted: str) -> None:
        """The module itself if it is under the root, else its nearest known parent package."""
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            candidate = ".".join(parts[:end])
            if candidate in self.known:
                self.targets.add(candidate)
                return
