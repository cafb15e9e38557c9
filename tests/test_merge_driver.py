"""The merge driver on its own: entry-by-entry rules, fall-backs, and git's driver contract."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from portkit.merge_driver import merge
from portkit.merge_formats import FORMATS, FormatError

GROUPS = """\
[project]
name = "demo"
dependencies = ["fastapi>=0.110", "uvicorn>=0.29"]

[project.optional-dependencies]
docs = ["mkdocs>=1.5"]

[dependency-groups]
dev = ["pytest>=8", { include-group = "lint" }]
lint = ["ruff>=0.6"]
"""


def toml(base: str, ours: str, theirs: str) -> tuple[str, list[str]]:
    return merge(FORMATS["toml"], {"base": base, "ours": ours, "theirs": theirs})


def yaml(base: str, ours: str, theirs: str) -> tuple[str, list[str]]:
    return merge(FORMATS["yaml"], {"base": base, "ours": ours, "theirs": theirs})


def test_groups_and_extras_merge_per_package() -> None:
    ours = GROUPS.replace('"ruff>=0.6"]', '"ruff>=0.6", "mypy>=1.10"]')
    ours = ours.replace('docs = ["mkdocs>=1.5"]', 'docs = ["mkdocs>=1.5"]\nml = ["torch"]')
    theirs = GROUPS.replace("ruff>=0.6", "ruff>=0.7").replace('"pytest>=8"', '"pytest>=8.3"')
    theirs = theirs.replace('"uvicorn>=0.29"', '"uvicorn>=0.30"')
    text, conflicts = toml(GROUPS, ours, theirs)
    assert conflicts == []
    assert text == ours.replace("ruff>=0.6", "ruff>=0.7").replace(
        '"pytest>=8"', '"pytest>=8.3"'
    ).replace('"uvicorn>=0.29"', '"uvicorn>=0.30"')


def test_template_drops_a_package_the_user_left_alone() -> None:
    ours = GROUPS.replace('name = "demo"', 'name = "mine"')
    theirs = GROUPS.replace(', "uvicorn>=0.29"', "")
    assert toml(GROUPS, ours, theirs) == (ours.replace(', "uvicorn>=0.29"', ""), [])


def test_package_the_user_changed_and_the_template_dropped_conflicts() -> None:
    ours = GROUPS.replace("uvicorn>=0.29", "uvicorn[standard]>=0.29")
    theirs = GROUPS.replace(', "uvicorn>=0.29"', "")
    text, conflicts = toml(GROUPS, ours, theirs)
    assert conflicts == ["project.dependencies[uvicorn]"]
    assert text.count("<<<<<<< HEAD\n") == 1 and ">>>>>>> portkit/update\n" in text


def test_tool_tables_merge_by_key() -> None:
    base = "[tool.ruff]\nline-length = 100\n\n[tool.mypy]\nstrict = true\n"
    ours = base.replace("strict = true", "strict = false  # for now")
    theirs = base.replace("line-length = 100", "line-length = 110")
    assert toml(base, ours, theirs) == (ours.replace("= 100", "= 110"), [])


@pytest.mark.parametrize(
    ("side", "words"),
    [("ours", "your side"), ("theirs", "the template's side"), ("base", "the base")],
)
def test_a_side_that_does_not_parse_is_named(side: str, words: str) -> None:
    texts = {"base": "a: 1\n", "ours": "a: 2\n", "theirs": "a: 1\nb: 2\n"}
    texts[side] = "a: [unclosed\n"
    with pytest.raises(FormatError, match=f"^{words} does not parse as YAML"):
        merge(FORMATS["yaml"], texts)


def test_yaml_whose_layout_would_change_is_not_merged_here() -> None:
    mixed = "a:\n  - x\nb:\n    - y\n"  # two sequence indents: no single layout writes both
    with pytest.raises(FormatError, match="your side would not keep its exact layout as YAML"):
        yaml(mixed, mixed.replace("x", "z"), mixed.replace("y", "w"))


def test_yaml_list_without_keys_is_one_value() -> None:
    base = "branches: [main]\n"
    text, conflicts = yaml(base, "branches: [main, dev]\n", "branches: [main, release]\n")
    assert conflicts == ["branches"]
    assert text == (
        "<<<<<<< HEAD\nbranches: [main, dev]\n=======\nbranches: [main, release]\n"
        ">>>>>>> portkit/update\n"
    )


def run_driver(tmp_path: Path, kind: str, texts: dict[str, str]) -> tuple[int, str, str]:
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    notes = tmp_path / "notes"
    args = [kind, "base", "ours", "theirs", "7", "pyproject.toml", str(notes)]
    done = subprocess.run(
        [sys.executable, "-m", "portkit.merge_driver", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    return done.returncode, (tmp_path / "ours").read_text(), notes.read_text()


def test_driver_contract_clean_and_conflicted(tmp_path: Path) -> None:
    base = '[project]\ndependencies = [\n    "a>=1",\n    "b>=1",\n]\n'
    clean = run_driver(
        tmp_path,
        "toml",
        {
            "base": base,
            "ours": base.replace("b>=1", "b>=2"),
            "theirs": base.replace("a>=1", "a>=2"),
        },
    )
    assert clean == (
        0,
        base.replace("b>=1", "b>=2").replace("a>=1", "a>=2"),
        "pyproject.toml\tmerged\t\n",
    )
    conflicted = run_driver(
        tmp_path,
        "toml",
        {
            "base": base,
            "ours": base.replace("a>=1", "a>=3"),
            "theirs": base.replace("a>=1", "a>=2"),
        },
    )
    assert conflicted[0] == 1
    assert (
        '<<<<<<< HEAD\n    "a>=3",\n=======\n    "a>=2",\n>>>>>>> portkit/update\n' in conflicted[1]
    )
    assert conflicted[2].endswith("pyproject.toml\tconflict\tproject.dependencies[a]\n")


def test_driver_falls_back_to_gits_line_merge(tmp_path: Path) -> None:
    base = "[a]\nx = 1\n\n\n\n[b]\ny = 1\n"
    broken = base.replace("[b]", "[a]")  # a table defined twice: not TOML
    code, text, notes = run_driver(
        tmp_path, "toml", {"base": base, "ours": broken, "theirs": base.replace("x = 1", "x = 2")}
    )
    assert (code, text) == (0, broken.replace("x = 1", "x = 2"))
    assert notes.startswith("pyproject.toml\tfallback\tyour side does not parse as TOML (")


@pytest.mark.parametrize("template", ["model-api", "rag-chatbot", "ml-pipeline"])
def test_built_in_templates_config_round_trips_exactly(template: str, tmp_path: Path) -> None:
    """Else every update that touches them would fall back to a line merge."""
    from portkit.catalog import Catalog
    from portkit.models import NewRequest
    from portkit.new import new_project

    project = tmp_path / "p"
    new_project(NewRequest(template, project, defaults=True, git=False), Catalog.from_environment())
    files = [project / "pyproject.toml", project / ".pre-commit-config.yaml"]
    files += sorted((project / ".github" / "workflows").glob("*.yml"))
    assert len(files) >= 3
    for path in files:
        fmt = FORMATS["toml" if path.suffix == ".toml" else "yaml"]
        text = path.read_text()
        assert fmt.dump(fmt.parse(text), text) == text, path.name
