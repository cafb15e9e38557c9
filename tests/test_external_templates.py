"""Templates from anywhere: local folders, git repositories and PORTKIT_TEMPLATES collections."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import (
    COOKIECUTTER_FIXTURE,
    COPIER_FIXTURE,
    git,
    make_git_template,
    run_portkit,
    write_tree,
)


def _record(project: Path) -> dict:
    return yaml.safe_load((project / ".portkit.yml").read_text())


def test_local_copier_folder(tmp_path: Path, workdir: Path) -> None:
    write_tree(tmp_path / "tpl", COPIER_FIXTURE)
    result = run_portkit(
        "new", str(tmp_path / "tpl"), "p", "--defaults", "--data", "flavour=fancy", cwd=workdir
    )
    assert result.returncode == 0, result.stderr
    assert (workdir / "p" / "README.md").read_text() == "# Demo\n\nFlavour: fancy\n"
    record = _record(workdir / "p")
    assert record["engine"] == "copier" and record["source"] == "path"
    assert record["template"] == "../../tpl"  # relative to the project, never absolute
    assert record["version"].startswith("sha256:")
    assert "api_token" not in record["answers"]  # secrets are never recorded
    assert record["answers"] == {"flavour": "fancy", "project_name": "Demo"}


def test_local_cookiecutter_folder(tmp_path: Path, workdir: Path) -> None:
    write_tree(tmp_path / "cc", COOKIECUTTER_FIXTURE)
    result = run_portkit(
        "new", str(tmp_path / "cc"), "p", "--defaults", "--data", "project_name=Hello", cwd=workdir
    )
    assert result.returncode == 0, result.stderr
    project = workdir / "p"
    assert (project / "README.md").read_text() == "# Hello\n\nFlavour: plain\n"
    assert sorted(p.name for p in project.iterdir()) == [
        ".git",
        ".portkit.yml",
        "README.md",
        "notes.txt",
    ]
    record = _record(project)
    assert record["engine"] == "cookiecutter"
    assert record["answers"] == {
        "flavour": "plain",
        "project_name": "Hello",
        "project_slug": "hello",
    }
    assert git("status", "--porcelain", cwd=project) == ""


def test_git_template_uses_newest_version_tag(tmp_path: Path, workdir: Path) -> None:
    repo = make_git_template(tmp_path / "repo", COPIER_FIXTURE, tag="v1.0.0")
    (repo / "notes.txt").write_text("v2 notes\n")
    git("commit", "-qam", "v2", cwd=repo)
    git("tag", "v2.0.0", cwd=repo)
    (repo / "notes.txt").write_text("unreleased\n")
    git("commit", "-qam", "wip", cwd=repo)
    url = f"file://{repo}"
    result = run_portkit("new", url, "p", "--defaults", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert (workdir / "p" / "notes.txt").read_text() == "v2 notes\n"
    record = _record(workdir / "p")
    assert record["source"] == "git" and record["template"] == url
    assert record["version"] == "v2.0.0"
    assert record["commit"] == git("rev-parse", "v2.0.0", cwd=repo)


def test_git_template_vcs_ref(tmp_path: Path, workdir: Path) -> None:
    repo = make_git_template(tmp_path / "repo", COPIER_FIXTURE, tag="v1")
    (repo / "notes.txt").write_text("v2\n")
    git("commit", "-qam", "v2", cwd=repo)
    git("tag", "v2", cwd=repo)
    result = run_portkit("new", f"file://{repo}", "p", "--defaults", "--vcs-ref", "v1", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert (workdir / "p" / "notes.txt").read_text() == "static notes\n"
    assert _record(workdir / "p")["version"] == "v1"
    bad = run_portkit("new", f"file://{repo}", "q", "--defaults", "--vcs-ref", "nope", cwd=workdir)
    assert bad.returncode == 1 and "has no ref 'nope'" in bad.stderr
    assert not (workdir / "q").exists()


def test_local_git_repository_path_is_a_git_template(copier_template: Path, workdir: Path) -> None:
    result = run_portkit("new", str(copier_template), "p", "--defaults", cwd=workdir)
    assert result.returncode == 0, result.stderr
    record = _record(workdir / "p")
    assert record["source"] == "git" and record["version"] == "v1"
    assert not Path(record["template"]).is_absolute()


def test_unreachable_git_url(workdir: Path) -> None:
    result = run_portkit("new", "file:///nonexistent/repo.git", "p", "--defaults", cwd=workdir)
    assert result.returncode == 1
    assert "Cannot fetch template file:///nonexistent/repo.git" in result.stderr
    assert list(workdir.iterdir()) == []


def test_folder_that_is_not_a_template(tmp_path: Path, workdir: Path) -> None:
    write_tree(tmp_path / "plain", {"README.md": "hi\n"})
    result = run_portkit("new", str(tmp_path / "plain"), "p", "--defaults", cwd=workdir)
    assert result.returncode == 1
    assert "is not a template: no copier.yml, copier.yaml or cookiecutter.json" in result.stderr


def test_gh_shorthand_expands() -> None:
    from portkit.catalog import expand_git_shorthand, looks_like_git_url

    assert expand_git_shorthand("gh:owner/repo") == "https://github.com/owner/repo.git"
    assert expand_git_shorthand("gh:owner/repo.git") == "https://github.com/owner/repo.git"
    assert looks_like_git_url("gh:owner/repo") and looks_like_git_url("git@host:o/r.git")
    assert not looks_like_git_url("model-api") and not looks_like_git_url("./local")


EXTENSION_TEMPLATE = {
    "copier.yml": (
        "_jinja_extensions:\n"
        "  - copier_templates_extensions.TemplateExtensionLoader\n"
        "  - extensions/context.py:ContextUpdater\n"
        "_exclude: [copier.yml, extensions]\n"
        "project_name:\n  type: str\n  default: Demo\n"
    ),
    "extensions/context.py": (
        "from copier_templates_extensions import ContextHook\n\n\n"
        "class ContextUpdater(ContextHook):\n"
        "    def hook(self, context):\n"
        "        context['shout'] = context['project_name'].upper()\n"
    ),
    "README.md.jinja": "# {{ shout }}\n",
}


def test_copier_template_extensions_ship_with_portkit(tmp_path: Path, workdir: Path) -> None:
    """The loader (and a context hook) scientific-python/cookie and others rely on."""
    template = write_tree(tmp_path / "ext", EXTENSION_TEMPLATE)
    refused = run_portkit("new", str(template), "p", "--defaults", cwd=workdir)
    assert refused.returncode == 1  # extensions are code: they need --trust
    assert "Jinja extensions (_jinja_extensions)" in refused.stderr
    result = run_portkit(
        "new", str(template), "p", "--defaults", "--trust", "-d", "project_name=Hi", cwd=workdir
    )
    assert result.returncode == 0, result.stderr
    assert (workdir / "p" / "README.md").read_text() == "# HI\n"


MISSING_EXTENSION = {
    "copier": {
        "copier.yml": "_jinja_extensions: [no_such_ext.Extension]\nname:\n  default: x\n",
        "README.md.jinja": "{{ name }}\n",
    },
    "cookiecutter": {
        "cookiecutter.json": '{"name": "x", "_extensions": ["no_such_ext.Extension"]}\n',
        "{{cookiecutter.name}}/README.md": "{{ cookiecutter.name }}\n",
    },
}


@pytest.mark.parametrize("engine", sorted(MISSING_EXTENSION))
def test_missing_jinja_extension_names_the_package_to_add(
    engine: str, tmp_path: Path, workdir: Path
) -> None:
    template = write_tree(tmp_path / "missing-ext", MISSING_EXTENSION[engine])
    result = run_portkit("new", str(template), "p", "--defaults", "--trust", cwd=workdir)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-2:] == [
        "Error: The template needs the Jinja extension 'no_such_ext', which is not installed.",
        "Hint: Add its package to portkit: `pipx inject portkit no-such-ext` (or `pip install "
        "no-such-ext` where portkit is installed), then run the command again.",
    ]
    assert "Traceback" not in result.stderr
    assert not (workdir / "p").exists()
