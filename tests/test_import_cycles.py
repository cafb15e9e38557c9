"""No import cycles in portkit itself; the checker behind this and the render matrix can fail."""

from __future__ import annotations

from pathlib import Path

from conftest import write_tree
from import_cycles import import_cycle_groups, import_cycles, import_graph

SRC = Path(__file__).resolve().parents[1] / "src"


def test_portkit_has_no_import_cycle() -> None:
    assert import_cycles(SRC) == []
    assert "portkit.sources" in import_graph(SRC)["portkit.catalog"]  # the graph is not empty


def test_a_planted_cycle_is_found_also_through_a_lazy_or_relative_import(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\nfrom .sub.c import thing\n",
            "pkg/b.py": "def later():\n    from . import a\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/c.py": (
                "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from pkg import a\n"
                "else:\n    import json\nthing = 1\n"
            ),
            "pkg/d.py": "import pkg.e as e\n",
            "pkg/e.py": "import pkg.d\n",
        },
    )
    assert import_cycle_groups(tmp_path) == [{"pkg.a", "pkg.b"}, {"pkg.d", "pkg.e"}]
    graph = import_graph(tmp_path)
    assert graph["pkg.a"] == {"pkg.b", "pkg.sub.c"}
    assert graph["pkg.sub.c"] == set()  # only under TYPE_CHECKING: never imported at run time


def test_no_cycle_when_imports_only_go_one_way(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"pkg/__init__.py": "from pkg.a import x\n", "pkg/a.py": "from pkg.b import y\nx = y\n"},
    )
    write_tree(tmp_path, {"pkg/b.py": "y = 1\n"})
    assert import_cycles(tmp_path) == []
