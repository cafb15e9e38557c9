"""`portkit info`: where a project came from and whether its template has moved on."""

from __future__ import annotations

from pathlib import Path

from conftest import COPIER_FIXTURE, git, make_git_template, run_portkit, write_tree


def test_info_reports_provenance_and_newer_version(tmp_path: Path, workdir: Path) -> None:
    repo = make_git_template(tmp_path / "repo", COPIER_FIXTURE, tag="v1")
    url = f"file://{repo}"
    assert run_portkit("new", url, "p", "--defaults", cwd=workdir).returncode == 0
    info = run_portkit("info", "p", cwd=workdir)
    assert info.returncode == 0, info.stderr
    assert f"template:  {url} (git, copier)" in info.stdout
    assert "newest:    v1 (up to date)" in info.stdout
    assert "  flavour: plain" in info.stdout
    (repo / "notes.txt").write_text("v2\n")
    git("commit", "-qam", "v2", cwd=repo)
    git("tag", "v2", cwd=repo)
    info = run_portkit("info", cwd=workdir / "p")
    assert "newest:    v2 — run `portkit update` to bring it in" in info.stdout


def test_info_outside_a_project(workdir: Path) -> None:
    result = run_portkit("info", cwd=workdir)
    assert result.returncode == 1
    assert "is not a portkit project (no .portkit.yml)" in result.stderr


def test_info_on_a_collection_template_compares_content_digests(
    tmp_path: Path, workdir: Path
) -> None:
    collection = tmp_path / "team-templates"
    write_tree(collection / "team-api", {**COPIER_FIXTURE, "copier.yml": "_version: '9.9'\n"})
    env = {"PORTKIT_TEMPLATES": str(collection)}
    assert run_portkit("new", "team-api", "p", "--defaults", cwd=workdir, env=env).returncode == 0
    info = run_portkit("info", "p", cwd=workdir, env=env)
    assert info.returncode == 0, info.stderr
    assert "template:  team-api (collection, copier)" in info.stdout
    assert "(up to date)" in info.stdout
    (collection / "team-api" / "notes.txt").write_text("changed\n")
    info = run_portkit("info", "p", cwd=workdir, env=env)
    assert "newest:    sha256:" in info.stdout and "run `portkit update`" in info.stdout
