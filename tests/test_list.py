"""`portkit list`: the built-in templates and those of PORTKIT_TEMPLATES collections."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from conftest import COOKIECUTTER_FIXTURE, COPIER_FIXTURE, run_portkit, write_tree


def _record(project: Path) -> dict:
    return yaml.safe_load((project / ".portkit.yml").read_text())


def test_version_and_list(workdir: Path) -> None:
    from portkit import __version__

    version = run_portkit("--version", cwd=workdir)
    assert version.returncode == 0 and version.stdout.strip() == f"portkit {__version__}"
    listing = run_portkit("list", cwd=workdir)
    assert listing.returncode == 0
    names = [line.split()[0] for line in listing.stdout.splitlines()]
    assert names == ["ml-pipeline", "model-api", "rag-chatbot"]
    assert all(f"({__version__})" in line for line in listing.stdout.splitlines())


def test_portkit_templates_collection_listed_and_usable(tmp_path: Path, workdir: Path) -> None:
    collection = tmp_path / "team-templates"
    write_tree(collection / "team-api", COPIER_FIXTURE)
    write_tree(collection / "team-cc", COOKIECUTTER_FIXTURE)
    write_tree(collection / "model-api", COPIER_FIXTURE)  # shadows the built-in
    write_tree(collection / "not-a-template", {"x.txt": "x"})
    env = {"PORTKIT_TEMPLATES": os.pathsep.join([str(collection), str(tmp_path / "missing")])}
    listing = run_portkit("list", cwd=workdir, env=env)
    assert listing.returncode == 0, listing.stderr
    lines = {line.split()[0]: line for line in listing.stdout.splitlines()}
    assert sorted(lines) == ["ml-pipeline", "model-api", "rag-chatbot", "team-api", "team-cc"]
    assert "A tiny copier fixture" in lines["team-api"] and "[collection]" in lines["team-api"]
    assert "shadows built-in" in lines["model-api"]
    result = run_portkit("new", "team-api", "p", "--defaults", cwd=workdir, env=env)
    assert result.returncode == 0, result.stderr
    record = _record(workdir / "p")
    assert record["template"] == "team-api" and record["source"] == "collection"


def test_collection_template_lists_the_version_new_records(tmp_path: Path, workdir: Path) -> None:
    """One rule for a local template's version: its content digest, in `list` as in `.portkit.yml`.

    A `_version` key in copier.yml is not a version: two different contents could share it.
    """
    collection = tmp_path / "team-templates"
    write_tree(collection / "team-api", {**COPIER_FIXTURE, "copier.yml": "_version: '9.9'\n"})
    env = {"PORTKIT_TEMPLATES": str(collection)}
    result = run_portkit("new", "team-api", "p", "--defaults", cwd=workdir, env=env)
    assert result.returncode == 0, result.stderr
    recorded = _record(workdir / "p")["version"]
    assert recorded.startswith("sha256:")
    listing = run_portkit("list", cwd=workdir, env=env)
    line = next(line for line in listing.stdout.splitlines() if line.startswith("team-api"))
    assert f"({recorded})  [collection]" in line
    (collection / "team-api" / "notes.txt").write_text("changed\n")
    listing = run_portkit("list", cwd=workdir, env=env)
    line = next(line for line in listing.stdout.splitlines() if line.startswith("team-api"))
    assert recorded not in line and "(sha256:" in line
