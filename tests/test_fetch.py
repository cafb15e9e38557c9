"""Materialising templates: a built-in's layers merged, git tags chosen, pre-releases skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import COPIER_FIXTURE, make_git_template, write_tree

from portkit.fetch import assemble_builtin, newest_version_tag
from portkit.models import SourceKind, TemplateRef
from portkit.sources import source_for

SHARED = (
    "_exclude: [copier.yml, '*.bak']\n"
    "_portkit_file_answers: {data_file: data}\n"
    "_min_copier_version: '9.9.1'\n"
    "project_name:\n  type: str\n  default: Shared\n"
    "license:\n  type: str\n  default: MIT\n"
)
OWN = (
    "_exclude: ['*.bak', notebooks]\n"
    "_portkit_file_answers: {model_file: models}\n"
    "_min_copier_version: '9.10'\n"
    "project_name:\n  type: str\n  default: Own\n"
)


def test_builtin_layers_merge_settings_key_by_key_and_files_template_last(tmp_path: Path) -> None:
    write_tree(tmp_path / "templates" / "_shared", {"copier.yml": SHARED, "a.txt": "shared\n"})
    write_tree(
        tmp_path / "templates" / "tiny",
        {"copier.yml": OWN, "a.txt": "own\n", "b.txt": "only own\n"},
    )
    folder = assemble_builtin(tmp_path / "templates" / "tiny", tmp_path / "out")
    merged = yaml.safe_load((folder / "copier.yml").read_text())
    assert merged["_exclude"] == ["copier.yml", "*.bak", "notebooks"]  # lists add up, no repeats
    assert merged["_portkit_file_answers"] == {"data_file": "data", "model_file": "models"}
    assert merged["_min_copier_version"] == "9.10"  # a plain setting: the template's wins
    assert merged["project_name"]["default"] == "Own"  # a question: the template's wins
    assert merged["license"]["default"] == "MIT"  # a shared question the template keeps
    assert (folder / "a.txt").read_text() == "own\n" and (folder / "b.txt").is_file()
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt", "b.txt", "copier.yml"]


@pytest.mark.parametrize(
    ("tags", "newest"),
    [
        (["v1.0", "v2.0rc1", "v1.5", "not-a-version", "2.0.0b1", "v3.0.dev2"], "v1.5"),
        (["1.0", "1.1a1"], "1.0"),
        (["v2.0rc1", "v3.0.dev0"], None),  # only pre-releases: no version tag to pick
        (["latest", "stable"], None),
        (["v1.9", "v1.10"], "v1.10"),  # versions, not strings, are compared
    ],
)
def test_newest_version_tag_skips_pre_releases(tags: list[str], newest: str | None) -> None:
    assert newest_version_tag(tags) == newest


def test_git_template_is_fetched_at_the_newest_release_not_a_newer_pre_release(
    tmp_path: Path,
) -> None:
    repo = make_git_template(tmp_path / "repo", COPIER_FIXTURE, tag="v1.0")
    write_tree(repo, {"notes.txt": "release candidate\n"})
    make_git_template(repo, {}, tag="v2.0rc1")
    source = source_for(TemplateRef(SourceKind.GIT, f"file://{repo}", f"file://{repo}"))
    fetched = source.fetch(tmp_path / "work")
    assert fetched.version == "v1.0"
    assert (fetched.folder / "notes.txt").read_text() == "static notes\n"
    assert not (fetched.folder / ".git").exists()
