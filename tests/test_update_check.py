"""`portkit update --check` and template changelogs, for a copier, a cookiecutter and a built-in
template (the sources of test_update.py), then through the real entry point: exit codes, JSON and
an unreachable remote.
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
import yaml
from conftest import (
    COPIER_FIXTURE,
    SOURCES,
    V1_FILES,
    V1_QUESTIONS,
    Source,
    git,
    make_git_template,
    run_portkit,
)
from test_update import commit_edits, state

from portkit.catalog import Catalog, builtin_root
from portkit.check import CheckRequest, CheckResult, Verdict, check_project
from portkit.errors import EXIT_UNREACHABLE, EXIT_UPDATE_AVAILABLE
from portkit.models import NewRequest
from portkit.new import new_project
from portkit.update import Outcome, UpdateRequest, update_project


@pytest.fixture
def project(source: Source, tmp_path: Path) -> Path:
    return source.new(tmp_path / "project")


def versions(source: Source) -> tuple[str, str, str, str]:
    """The version a project starts on, one skipped, the target, and one newer than the target."""
    if source.kind == "builtin":
        return "0.1.0", "0.2.0", "0.3.0", "0.4.0"
    return "v1", "v2", "v3", "v4"


def newer_portkit(monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    """A built-in template's version is portkit's: pretend this portkit is VERSION."""
    for module in ("portkit.sources", "portkit.check"):
        monkeypatch.setattr(f"{module}.__version__", version)


CHANGELOG = "# Changelog\n\n## Unreleased\n\n- not yet\n\n" + "".join(
    f"## {{{n}}}\n\n- change number {{{n}}}\n\n" for n in (3, 2, 1, 0)
)


def release_target(source: Source, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Release the target version with a changelog; return (start, target) versions."""
    start, skipped, target, future = versions(source)
    text = CHANGELOG.format(start, skipped, target, future)
    (source.root / "CHANGELOG.md").write_text(text)
    source.release({"README.md": "# %project_name%\n\nMade from the template, improved.\n"})
    source.release({"keep.txt": "keep\nkeep more\n"})  # git: v3; built-in: the same folder
    if source.kind == "builtin":
        newer_portkit(monkeypatch, target)
    return start, target


def check(source: Source, project: Path, **options: object) -> CheckResult:
    return check_project(CheckRequest(project=project, **options), source.catalog())  # type: ignore[arg-type]


# --- the check, in-process --------------------------------------------------------------------


def test_check_right_after_new_is_up_to_date_and_touches_nothing(
    source: Source, project: Path
) -> None:
    before = state(project)
    result = check(source, project)
    assert result.verdict is Verdict.UP_TO_DATE
    assert result.current == result.latest
    assert result.changes == []
    # git templates: proven by the recorded commit, no render; built-ins: one render, then cached
    assert result.rendered is (source.kind == "builtin")
    again = check(source, project)
    assert again.verdict is Verdict.UP_TO_DATE and again.rendered is False
    assert state(project) == before


def test_check_finds_the_newer_version_its_files_and_changelog(
    source: Source, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit_edits(project, {"README.md": "# Demo\n\nMy own introduction.\n"})
    check(source, project)  # a built-in's verdict is cached now: the change must still be seen
    start, target = release_target(source, monkeypatch)
    before = state(project)
    result = check(source, project)
    assert result.verdict is Verdict.UPDATE_AVAILABLE
    assert (result.current, result.latest) == (start, target)
    assert {"README.md", "keep.txt", ".portkit.yml"} <= {c.path for c in result.changes}
    assert result.conflicts == ["README.md"]
    _, skipped, _, _ = versions(source)
    assert [entry.version for entry in result.changelog] == [target, skipped]
    assert result.changelog[0].body == f"- change number {target}\n"
    assert state(project) == before


def test_update_and_diff_show_the_changelog_between_the_versions(
    source: Source, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, target = release_target(source, monkeypatch)
    _, skipped, _, _ = versions(source)
    preview = update_project(UpdateRequest(project=project, dry_run=True), source.catalog())
    assert [entry.version for entry in preview.changelog] == [target, skipped]
    result = update_project(UpdateRequest(project=project), source.catalog())
    assert result.outcome is Outcome.MERGED
    assert [entry.title for entry in result.changelog] == [target, skipped]
    assert check(source, project).verdict is Verdict.UP_TO_DATE


def test_no_changelog_entries_when_the_versions_have_no_order(tmp_path: Path) -> None:
    from portkit.changelog import between, parse

    entries = parse(CHANGELOG.format("v1", "v2", "v3", "v4"))
    assert [e.version for e in between(entries, "v1", "v3")] == ["v3", "v2"]
    assert between(entries, "0a1b2c3d4e5f", "v3") == []  # a commit: no order to pick by
    assert between(entries, "sha256:0a1b2c3d4e5f", "sha256:ffff") == []  # a local folder


# --- the real built-in template -------------------------------------------------------------


def test_real_builtin_template_changelog_is_kept_out_of_projects_and_shown(
    workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(builtin_root(), templates, ignore=shutil.ignore_patterns("__pycache__"))
    catalog = Catalog(builtin=templates)
    new_project(
        NewRequest(template="model-api", destination=workdir / "api", defaults=True), catalog
    )
    project = workdir / "api"
    assert not (project / "CHANGELOG.md").exists()
    assert check_project(CheckRequest(project), catalog).verdict is Verdict.UP_TO_DATE
    changelog = templates / "model-api" / "CHANGELOG.md"
    text = changelog.read_text()
    heading = text.index("\n## ")
    changelog.write_text(text[:heading] + "\n## 0.2.0\n\n- Serves faster.\n" + text[heading:])
    readme = templates / "_shared" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nUpdated by a newer portkit.\n")
    newer_portkit(monkeypatch, "0.2.0")
    result = check_project(CheckRequest(project), catalog)
    assert result.verdict is Verdict.UPDATE_AVAILABLE
    assert [entry.body for entry in result.changelog] == ["- Serves faster.\n"]
    assert {c.path for c in result.changes} == {"README.md", ".portkit.yml"}


# --- through the command line ------------------------------------------------------------------


def release(template: Path, files: dict[str, str], tag: str) -> None:
    for relative, text in files.items():
        (template / relative).write_text(text)
    git("add", "--all", cwd=template)
    git("commit", "--quiet", "-m", tag, cwd=template)
    git("tag", tag, cwd=template)


@pytest.fixture
def made(workdir: Path, copier_template: Path) -> Path:
    url = f"file://{copier_template}"
    result = run_portkit("new", url, "proj", "--defaults", cwd=workdir)
    assert result.returncode == 0, result.stderr
    return workdir / "proj"


def test_cli_check_exit_codes_and_json(made: Path, copier_template: Path) -> None:
    up = run_portkit("update", "--check", cwd=made)
    assert (up.returncode, up.stdout) == (0, f"Up to date: file://{copier_template} v1.\n")
    changelog = "# Changelog\n\n## v2\n\n- A warmer README.\n\n## v1\n\n- First.\n"
    readme = "# {{ project_name }}\n\nFlavour: {{ flavour }}, warmer.\n"
    release(copier_template, {"README.md.jinja": readme, "CHANGELOG.md": changelog}, "v2")
    head = git("rev-parse", "HEAD", cwd=made)
    text = run_portkit("update", "--check", cwd=made)
    assert text.returncode == EXIT_UPDATE_AVAILABLE == 10, text.stderr
    assert text.stdout.splitlines() == [
        f"Update available: file://{copier_template} v1 -> v2, 3 file(s) would change:",
        "  modified .portkit.yml",
        "  added    CHANGELOG.md",
        "  modified README.md",
        "Template changelog:",
        "  ## v2",
        "",
        "  - A warmer README.",
        "Run `portkit update` to bring it in.",
    ]
    as_json = run_portkit("update", "--check", "--json", cwd=made)
    assert as_json.returncode == 10
    data = json.loads(as_json.stdout)
    assert data["status"] == "update-available"
    assert (data["current"], data["latest"]) == ("v1", "v2")
    assert {c["path"]: c["status"] for c in data["changes"]} == {
        ".portkit.yml": "modified",
        "CHANGELOG.md": "added",
        "README.md": "modified",
    }
    assert data["conflicts"] == []
    assert data["changelog"] == [{"version": "v2", "title": "v2", "body": "- A warmer README.\n"}]
    assert git("rev-parse", "HEAD", cwd=made) == head
    assert git("status", "--porcelain", cwd=made) == ""
    updated = run_portkit("update", cwd=made)
    assert updated.returncode == 0, updated.stderr
    assert "Template changelog:\n  ## v2\n\n  - A warmer README.\n" in updated.stdout
    after = run_portkit("update", "--check", "--json", cwd=made)
    assert after.returncode == 0 and json.loads(after.stdout)["status"] == "up-to-date"


def test_cli_check_usage_errors(made: Path) -> None:
    alone = run_portkit("update", "--json", cwd=made)
    assert alone.returncode == 2 and "Error: --json only applies to --check." in alone.stderr
    mixed = run_portkit("update", "--check", "--data", "flavour=fancy", cwd=made)
    assert (
        mixed.returncode == 2
        and "--check takes only PATH, --to, --trust and --json" in mixed.stderr
    )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("where", ["missing-path", "closed-port"])
def test_unreachable_remote_says_so_with_its_exit_code(
    made: Path, copier_template: Path, where: str
) -> None:
    if where == "missing-path":
        shutil.move(str(copier_template), str(copier_template.with_name("moved")))
        url = f"file://{copier_template}"
    else:
        url = f"http://127.0.0.1:{closed_port()}/template.git"
        record = yaml.safe_load((made / ".portkit.yml").read_text())
        record["template"] = url
        (made / ".portkit.yml").write_text(yaml.safe_dump(record))
        git("commit", "--quiet", "-am", "template moved", cwd=made)
    result = run_portkit("update", "--check", cwd=made)
    assert result.returncode == EXIT_UNREACHABLE == 11
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"Error: The remote {url} could not be reached: ")
    assert "Traceback" not in result.stderr and result.stdout == ""
    as_json = run_portkit("update", "--check", "--json", cwd=made)
    assert as_json.returncode == 11
    assert json.loads(as_json.stdout) == {
        "status": "error",
        "exit_code": 11,
        "message": first.removeprefix("Error: "),
    }


def test_help_documents_the_check_exit_codes(workdir: Path) -> None:
    result = run_portkit("update", "--help", cwd=workdir)
    assert "10: a newer" in result.stdout and "11: the template's remote" in result.stdout


def test_local_folder_template_check(workdir: Path, tmp_path: Path) -> None:
    """A plain folder's version is its digest: equal proves up to date, any edit is seen."""
    folder = tmp_path / "folder-tpl"
    make_git_template(folder, COPIER_FIXTURE, tag=None)
    shutil.rmtree(folder / ".git")
    assert run_portkit("new", str(folder), "p", "--defaults", cwd=workdir).returncode == 0
    assert run_portkit("update", "--check", cwd=workdir / "p").returncode == 0
    pinned = run_portkit("update", "--check", "--to", "v2", cwd=workdir / "p")
    assert pinned.returncode == 2 and "--to only applies to git templates." in pinned.stderr
    (folder / "notes.txt").write_text("static notes, edited\n")
    result = run_portkit("update", "--check", cwd=workdir / "p")
    assert result.returncode == 10 and "  modified notes.txt" in result.stdout


def test_check_without_a_template_branch_renders_and_agrees_with_diff(
    source: Source, project: Path
) -> None:
    """No branch and no cached verdict: nothing proves the answer, so render, as diff does.

    (A built-in's base is then rebuilt from the installed templates, so diff finds nothing; a git
    template's is rebuilt at the recorded commit, so v2's change shows.)
    """
    git("branch", "-D", "portkit/template", cwd=project)
    source.release({"keep.txt": "keep\nkeep more\n"})
    preview = update_project(UpdateRequest(project=project, dry_run=True), source.catalog())
    result = check(source, project)
    assert result.rendered is True
    assert result.changes == preview.changes
    expected = Verdict.UPDATE_AVAILABLE if preview.changes else Verdict.UP_TO_DATE
    assert result.verdict is expected
    assert bool(preview.changes) is (source.kind != "builtin")


def test_check_of_a_project_without_git(source: Source, tmp_path: Path) -> None:
    """`portkit new --no-git`: a one-line error from the update's own check, not git's words."""
    from portkit.errors import ProjectError

    request = NewRequest(
        template=source.template_argument(), destination=tmp_path / "p", defaults=True, git=False
    )
    new_project(request, source.catalog())
    source.release({"keep.txt": "keep\nkeep more\n"})
    with pytest.raises(ProjectError) as caught:
        check(source, tmp_path / "p")
    assert caught.value.message.endswith(
        "is not a git repository; `portkit update` merges with git."
    )


@pytest.mark.parametrize("kind", ["copier", "cookiecutter"])
def test_unreachable_remote_in_process(kind: str, tmp_path: Path) -> None:
    """Both git engines: a template recorded by URL whose repository is gone."""
    from portkit.errors import RemoteUnreachableError

    made = SOURCES[kind](tmp_path / "template")
    made.root.mkdir(parents=True)
    made.release(V1_FILES, V1_QUESTIONS)
    url = f"file://{made.root}"
    request = NewRequest(template=url, destination=tmp_path / "p", defaults=True)
    new_project(request, made.catalog())
    shutil.rmtree(made.root)
    with pytest.raises(RemoteUnreachableError) as caught:
        check(made, tmp_path / "p")
    assert caught.value.exit_code == 11
    assert caught.value.message.startswith(f"The remote {url} could not be reached: ")


def test_to_applies_to_git_templates_only(source: Source, project: Path) -> None:
    from portkit.errors import UsageError

    if source.kind == "builtin":
        with pytest.raises(UsageError, match="--to only applies to git templates"):
            check(source, project, to="v2")
    else:
        source.release({"keep.txt": "keep\nkeep more\n"})
        assert check(source, project, to="v1").verdict is Verdict.UP_TO_DATE
        assert check(source, project, to="v2").verdict is Verdict.UPDATE_AVAILABLE


def test_an_up_to_date_git_project_is_checked_without_an_engine(made: Path) -> None:
    """The recorded commit proves it: no render, so no engine is even imported."""
    import subprocess
    import sys

    from test_startup_imports import PROBE

    done = subprocess.run(
        [sys.executable, "-c", PROBE, "update", "--check"], cwd=made, capture_output=True, text=True
    )
    assert done.stdout.startswith("Up to date: ")
    assert "HEAVY=\n" in done.stderr, done.stderr
