"""The shared tabular data kit reaches exactly the templates that train on a table.

model-api and ml-pipeline set the hidden `tabular` setting: they get `src/<package>/tabular/`, its
tests and its dependencies, each requirement listed once. rag-chatbot leaves it false and gets
none of it (copier skips a file or folder whose name renders empty).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import run_portkit
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

KIT_MODULES = {
    "__init__.py",
    "_schema_file.py",
    "baseline.py",
    "check.py",
    "curated.py",
    "errors.py",
    "features.py",
    "figures.py",
    "metrics.py",
    "runlog.py",
    "schema.py",
    "summary.py",
    "table.py",
}
KIT_TESTS = {
    "_tabular_tables.py",
    "test_tabular_data.py",
    "test_tabular_model.py",
    "test_tabular_runlog.py",
    "test_tabular_schema.py",
}
KIT_DEPENDENCIES = {"pandas", "numpy", "scikit-learn", "pyarrow", "pyyaml", "charset-normalizer"}


def render(template: str, dest: Path) -> Path:
    result = run_portkit("new", template, dest.name, "--defaults", "--no-git", cwd=dest.parent)
    assert result.returncode == 0, result.stderr
    return dest


def dependencies(project: Path) -> list[str]:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    return [canonicalize_name(Requirement(r).name) for r in pyproject["project"]["dependencies"]]


@pytest.mark.parametrize("template", ["model-api", "ml-pipeline"])
def test_model_templates_get_the_kit_its_tests_and_dependencies(
    tmp_path: Path, template: str
) -> None:
    project = render(template, tmp_path / "proj")

    (package,) = (project / "src").iterdir()
    kit = package / "tabular"
    assert {p.name for p in kit.iterdir() if p.is_file()} == KIT_MODULES
    assert {p.name for p in (project / "tests").iterdir()} >= KIT_TESTS
    names = dependencies(project)
    assert set(names) >= KIT_DEPENDENCIES
    assert sorted(n for n in set(names) if names.count(n) > 1) == []


def test_rag_chatbot_gets_none_of_the_kit(tmp_path: Path) -> None:
    project = render("rag-chatbot", tmp_path / "proj")

    leftovers = [p.relative_to(project).as_posix() for p in project.rglob("*tabular*")]
    assert leftovers == []
    assert not {"pyarrow", "scikit-learn"} & set(dependencies(project))
