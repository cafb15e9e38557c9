"""`portkit update` and `portkit diff` through the real entry point: exit codes and what users see."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import COPIER_FIXTURE, git, make_git_template, run_portkit, write_tree

from portkit.catalog import Catalog, builtin_root
from portkit.models import NewRequest
from portkit.new import new_project
from portkit.update import Outcome, UpdateRequest, update_project


def release(template: Path, files: dict[str, str | None], tag: str) -> None:
    for relative, text in files.items():
        if text is None:
            (template / relative).unlink()
        else:
            write_tree(template, {relative: text})
    git("add", "--all", cwd=template)
    git("commit", "--quiet", "-m", tag, cwd=template)
    git("tag", tag, cwd=template)


@pytest.fixture
def made(workdir: Path, copier_template: Path) -> Path:
    result = run_portkit("new", str(copier_template), "proj", "--defaults", cwd=workdir)
    assert result.returncode == 0, result.stderr
    return workdir / "proj"


def test_update_right_after_new_says_up_to_date(made: Path) -> None:
    head = git("rev-parse", "HEAD", cwd=made)
    result = run_portkit("update", cwd=made)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Already up to date: ")
    assert result.stdout.strip().endswith(" v1.")
    assert git("rev-parse", "HEAD", cwd=made) == head


def test_clean_update_through_the_cli(made: Path, copier_template: Path) -> None:
    (made / "notes.txt").write_text("static notes\nmine\n")
    git("commit", "--quiet", "-am", "my notes", cwd=made)
    release(copier_template, {"CHANGELOG.md": "v2\n"}, "v2")
    result = run_portkit("update", str(made), cwd=made.parent)
    assert result.returncode == 0, result.stderr
    assert "v1 -> v2: 2 file(s) changed by the template:" in result.stdout
    assert "  added    CHANGELOG.md" in result.stdout.splitlines()
    assert "Merged into main as " in result.stdout
    assert "git push origin portkit/template" in result.stdout
    assert (made / "notes.txt").read_text() == "static notes\nmine\n"
    assert yaml.safe_load((made / ".portkit.yml").read_text())["version"] == "v2"
    assert git("log", "-1", "--format=%s", cwd=made).startswith("Update ")
    info = run_portkit("info", cwd=made)
    assert info.returncode == 0, info.stderr
    assert "version:   v2" in info.stdout and "newest:    v2 (up to date)" in info.stdout


def test_conflict_exits_3_lists_files_and_abort_restores(made: Path, copier_template: Path) -> None:
    (made / "README.md").write_text("# Demo\n\nMine.\n")
    git("commit", "--quiet", "-am", "my readme", cwd=made)
    (made / "scratch.txt").write_text("untracked\n")
    head = git("rev-parse", "HEAD", cwd=made)
    status = git("status", "--porcelain", cwd=made)
    refs = git("for-each-ref", cwd=made)
    release(copier_template, {"README.md.jinja": "# {{ project_name }}\n\nTheirs.\n"}, "v2")
    info = run_portkit("info", cwd=made)
    assert "newest:    v2 — run `portkit update` to bring it in" in info.stdout
    result = run_portkit("update", cwd=made)
    assert result.returncode == 3
    assert "Error: The update left 1 conflicted file(s): README.md" in result.stderr
    assert "git merge --abort" in result.stderr and "git add" in result.stderr
    assert "`git commit`; portkit/template then moves to the new render." in result.stderr
    assert "Traceback" not in result.stderr
    assert (made / "README.md").read_text() == (
        "# Demo\n\n<<<<<<< HEAD\nMine.\n=======\nTheirs.\n>>>>>>> portkit/update\n"
    )
    git("merge", "--abort", cwd=made)
    assert git("for-each-ref", cwd=made) == refs
    assert git("rev-parse", "HEAD", cwd=made) == head
    assert git("status", "--porcelain", cwd=made) == status
    assert (made / "README.md").read_text() == "# Demo\n\nMine.\n"
    assert (made / "scratch.txt").read_text() == "untracked\n"


def test_dry_run_and_diff_touch_nothing(made: Path, copier_template: Path) -> None:
    (made / "README.md").write_text("# Demo\n\nMine.\n")
    git("commit", "--quiet", "-am", "my readme", cwd=made)
    release(
        copier_template,
        {"README.md.jinja": "# {{ project_name }}\n\nTheirs.\n", "notes.txt": None},
        "v2",
    )
    refs = git("for-each-ref", cwd=made)
    for args in (["update", "--dry-run"], ["diff"]):
        result = run_portkit(*args, cwd=made)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0].endswith("v1 -> v2 would change 3 file(s):")
        assert "  modified README.md" in lines and "  deleted  notes.txt" in lines
        assert "Would conflict with your edits: README.md" in lines
        assert git("for-each-ref", cwd=made) == refs
        assert git("status", "--porcelain", cwd=made) == ""


def test_dirty_tree_exit_1_with_hint(made: Path, copier_template: Path) -> None:
    release(copier_template, {"CHANGELOG.md": "v2\n"}, "v2")
    (made / "notes.txt").write_text("changed\n")
    result = run_portkit("update", cwd=made)
    assert result.returncode == 1
    assert "Error: Uncommitted changes to tracked files: notes.txt." in result.stderr
    assert "git stash" in result.stderr
    assert not (made / "CHANGELOG.md").exists()


def test_data_changes_an_answer_and_no_commit_stages(made: Path) -> None:
    head = git("rev-parse", "HEAD", cwd=made)
    result = run_portkit("update", "--data", "project_name=Fraud API", "--no-commit", cwd=made)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "The merge is staged, not committed: review it (git diff --cached), then `git commit`;"
        " portkit/template then moves to the new render. Or `git merge --abort`."
    )
    assert "git push origin portkit/template" not in result.stdout  # it has not moved yet
    assert git("rev-parse", "HEAD", cwd=made) == head
    assert (made / "README.md").read_text().startswith("# Fraud API")
    assert git("commit", "--quiet", "--no-edit", cwd=made) == ""
    # the commit itself moved it: pushing both branches now is right
    assert git("rev-parse", "portkit/template", cwd=made) == git("rev-parse", "HEAD^2", cwd=made)
    again = run_portkit("update", cwd=made)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Already up to date: ")


def test_no_commit_with_a_post_commit_hook_of_the_users_says_to_update_again(made: Path) -> None:
    hook = made / ".git" / "hooks" / "post-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o755)
    result = run_portkit("update", "--data", "project_name=Fraud API", "--no-commit", cwd=made)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "The merge is staged, not committed: review it (git diff --cached), then `git commit`;"
        " run `portkit update` once more afterwards to move portkit/template (your own post-commit"
        " hook is kept, so portkit added none). Or `git merge --abort`."
    )
    assert hook.read_text() == "#!/bin/sh\nexit 0\n"


def test_not_a_project_and_usage_errors(workdir: Path, made: Path) -> None:
    result = run_portkit("update", cwd=workdir)
    assert result.returncode == 1
    assert "is not a portkit project" in result.stderr
    bad = run_portkit("update", "--data", "oops", cwd=made)
    assert bad.returncode == 2 and "--data expects KEY=VALUE" in bad.stderr
    typo = run_portkit("update", "--data", "projct_name=X", cwd=made)
    assert typo.returncode == 1 and "'projct_name' -> 'project_name'?" in typo.stderr


def test_collection_template_to_is_a_usage_error(workdir: Path, tmp_path: Path) -> None:
    collection = tmp_path / "collection"
    write_tree(collection / "tiny", COPIER_FIXTURE)
    env = {"PORTKIT_TEMPLATES": str(collection)}
    assert run_portkit("new", "tiny", "p", "--defaults", cwd=workdir, env=env).returncode == 0
    project = workdir / "p"
    assert run_portkit("update", "--to", "v2", cwd=project, env=env).returncode == 2
    write_tree(collection / "tiny", {"CHANGELOG.md": "newer\n"})
    result = run_portkit("update", cwd=project, env=env)
    assert result.returncode == 0, result.stderr
    assert (project / "CHANGELOG.md").read_text() == "newer\n"
    record = yaml.safe_load((project / ".portkit.yml").read_text())
    assert record["source"] == "collection" and record["version"].startswith("sha256:")


def test_template_code_needs_trust(made: Path, copier_template: Path) -> None:
    config = (copier_template / "copier.yml").read_text()
    release(copier_template, {"copier.yml": config + "_tasks:\n  - touch pwned\n"}, "v2")
    head = git("rev-parse", "HEAD", cwd=made)
    result = run_portkit("update", cwd=made)
    assert result.returncode == 1
    assert "This template would run code" in result.stderr and "--trust" in result.stderr
    assert git("rev-parse", "HEAD", cwd=made) == head
    assert not (made / "pwned").exists()


def test_cookiecutter_hooks_need_trust(workdir: Path, tmp_path: Path) -> None:
    from conftest import COOKIECUTTER_FIXTURE

    template = make_git_template(tmp_path / "cc", COOKIECUTTER_FIXTURE)
    assert run_portkit("new", str(template), "p", "--defaults", cwd=workdir).returncode == 0
    release(template, {"hooks/post_gen_project.py": "open('pwned', 'w').close()\n"}, "v2")
    result = run_portkit("update", cwd=workdir / "p")
    assert result.returncode == 1 and "hook hooks/post_gen_project.py" in result.stderr
    assert not (workdir / "p" / "pwned").exists()


def test_real_builtin_template_from_a_newer_portkit(workdir: Path, tmp_path: Path) -> None:
    """model-api made by this portkit, updated by a 'newer' one: a modified copy of templates/."""
    templates = tmp_path / "templates"
    shutil.copytree(builtin_root(), templates, ignore=shutil.ignore_patterns("__pycache__"))
    new_project(
        NewRequest(template="model-api", destination=workdir / "api", defaults=True),
        Catalog(builtin=templates),
    )
    project = workdir / "api"
    with (project / ".gitignore").open("a") as ignore:
        ignore.write("my-local-stuff/\n")
    git("commit", "--quiet", "-am", "ignore my stuff", cwd=project)
    readme = templates / "_shared" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nUpdated by a newer portkit.\n")
    write_tree(templates / "_shared", {"docs/NEW_IN_THIS_VERSION.md": "Be kind.\n"})
    result = update_project(UpdateRequest(project=project), Catalog(builtin=templates))
    assert result.outcome is Outcome.MERGED
    assert (project / "README.md").read_text().endswith("Updated by a newer portkit.\n")
    assert (project / "docs/NEW_IN_THIS_VERSION.md").read_text() == "Be kind.\n"
    assert (project / ".gitignore").read_text().endswith("my-local-stuff/\n")
    again = update_project(UpdateRequest(project=project), Catalog(builtin=templates))
    assert again.outcome is Outcome.UP_TO_DATE


def test_new_required_question_names_the_data_flag(made: Path, copier_template: Path) -> None:
    config = COPIER_FIXTURE["copier.yml"] + "license:\n  type: str\n  choices: [BSD, MIT]\n"
    release(copier_template, {"copier.yml": config, "LICENSE.jinja": "{{ license }}\n"}, "v2")
    refs = git("for-each-ref", cwd=made)
    result = run_portkit("update", cwd=made)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "Hint: Answer it: --data license=BSD|MIT (one of the values separated by |). "
        "An --answers-file works too."
    )
    assert git("for-each-ref", cwd=made) == refs
    assert git("status", "--porcelain", cwd=made) == ""
    answered = run_portkit("update", "--data", "license=MIT", cwd=made)
    assert answered.returncode == 0, answered.stderr
    assert (made / "LICENSE").read_text() == "MIT\n"
