"""The generated projects' `tools/template_update_pr.py` and its weekly workflow.

The script runs as users and the workflow run it: a subprocess in the project, calling portkit's
real command line. A wrapper points that command line at a copy of the templates (a "newer
portkit", whose version the wrapper sets) so a template change can be released here.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import Source, git
from test_update import commit_edits

from portkit.catalog import Catalog, builtin_root
from portkit.models import NewRequest
from portkit.new import new_project

SCRIPT = builtin_root() / "_shared" / "tools" / "template_update_pr.py"
WRAPPER = """\
import sys
from pathlib import Path

import portkit.check
import portkit.sources
from portkit.catalog import Catalog

builtin, version = sys.argv.pop(1), sys.argv.pop(1)
Catalog.from_environment = classmethod(lambda cls, environ=None: cls(builtin=Path(builtin)))
if version:
    portkit.sources.__version__ = portkit.check.__version__ = version
from portkit.cli import main

sys.argv[0] = "portkit"
main()
"""
PASSING = f"{shlex.quote(sys.executable)} -c \"print('all 12 tests passed')\""


@pytest.fixture
def project(source: Source, tmp_path: Path) -> Path:
    """A project with the script, as every built-in project has it."""
    made = source.new(tmp_path / "project")
    (made / "tools").mkdir()
    shutil.copy(SCRIPT, made / "tools" / SCRIPT.name)
    git("add", "tools", cwd=made)
    git("commit", "--quiet", "-m", "the update script", cwd=made)
    return made


def run_script(
    project: Path, builtin: Path, version: str = "", tests: str = PASSING
) -> subprocess.CompletedProcess[str]:
    wrapper = project.parent / "portkit_wrapper.py"
    wrapper.write_text(WRAPPER)
    portkit = shlex.join([sys.executable, str(wrapper), str(builtin), version])
    command = [sys.executable, f"tools/{SCRIPT.name}", "--portkit", portkit]
    command += ["--test-command", tests, "--write", str(project.parent / "pr")]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300)


def release(source: Source, files: dict[str, str | None]) -> tuple[str, str]:
    """Release the next version with a changelog entry; return (current, target) versions."""
    start, target = ("0.1.0", "0.2.0") if source.kind == "builtin" else ("v1", "v2")
    changelog = f"# Changelog\n\n## {target}\n\n- A better README.\n\n## {start}\n\n- First.\n"
    (source.root / "CHANGELOG.md").write_text(changelog)
    source.release(files)
    return start, target


def written(project: Path, name: str) -> str:
    return (project.parent / "pr" / name).read_text()


def refs(project: Path) -> dict[str, str]:
    listed = git("for-each-ref", "--format=%(refname:short) %(objectname)", cwd=project)
    return dict(line.split() for line in listed.splitlines())


def test_up_to_date_prints_so_and_makes_no_branch(source: Source, project: Path) -> None:
    before = refs(project)
    done = run_script(project, source.catalog().builtin)
    assert done.returncode == 0, done.stderr
    template = yaml.safe_load((project / ".portkit.yml").read_text())["template"]
    assert done.stdout == f"{template} is up to date.\n"
    assert written(project, "state") == "up-to-date\n"
    assert refs(project) == before


def test_clean_update_prints_title_and_body_and_leaves_the_branch(
    source: Source, project: Path
) -> None:
    before = refs(project)
    start, target = release(source, {"README.md": "# %project_name%\n\nImproved.\n"})
    done = run_script(project, source.catalog().builtin, target if source.kind == "builtin" else "")
    assert done.returncode == 0, done.stderr
    template = yaml.safe_load((project / ".portkit.yml").read_text())["template"]
    title = f"Template update: {template} {start} -> {target}"
    assert done.stdout.splitlines()[0] == title
    body = done.stdout.split("\n\n", 1)[1]
    assert body == written(project, "body.md") + "\n"
    assert written(project, "title.txt") == title + "\n"
    assert written(project, "state") == "clean\n"
    assert f"#### {target}\n\n- A better README.\n" in body
    assert "- First." not in body  # the version the project is already on
    assert "- modified `README.md`" in body
    assert f"`{PASSING}` passed on the updated branch." in body
    assert "Create a merge commit" in body
    # you are back where you were; only the update branch is new
    assert git("symbolic-ref", "--short", "HEAD", cwd=project) == "main"
    after = refs(project)
    update = after.pop("portkit/template-update")
    assert after == before
    assert git("rev-parse", "portkit/template-update^1", cwd=project) == before["main"]
    assert git("show", f"{update}:README.md", cwd=project) == "# Demo\n\nImproved."
    assert git("status", "--porcelain", cwd=project) == ""


def test_conflict_gives_a_draft_body_with_commands_and_an_empty_branch(
    source: Source, project: Path
) -> None:
    commit_edits(project, {"README.md": "# Demo\n\nMy own introduction.\n"})
    before = refs(project)
    release(source, {"README.md": "# %project_name%\n\nThe template's introduction.\n"})
    done = run_script(
        project, source.catalog().builtin, "0.2.0" if source.kind == "builtin" else ""
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].endswith(" (conflicts to resolve)")
    body = written(project, "body.md")
    assert "### Conflicts with your edits (1)\n\n- `README.md`\n" in body
    assert "portkit update                 # stops on the conflicts, exit code 3\n" in body
    assert (
        "git add README.md\ngit commit --no-edit\ngit push origin main portkit/template\n" in body
    )
    assert "### Tests" not in body
    assert written(project, "state") == "conflicts\n"
    # never a broken branch: one empty commit on top of yours, no markers anywhere
    branch_tree = git("rev-parse", "portkit/template-update^{tree}", cwd=project)
    assert branch_tree == git("rev-parse", "main^{tree}", cwd=project)
    assert git("rev-parse", "portkit/template-update^", cwd=project) == before["main"]
    after = refs(project)
    after.pop("portkit/template-update")
    assert after == before
    assert git("symbolic-ref", "--short", "HEAD", cwd=project) == "main"
    assert git("status", "--porcelain", cwd=project) == ""
    assert not (project / ".git" / "MERGE_HEAD").exists()
    assert not (project / ".git" / "portkit-pending-render").exists()
    assert (project / "README.md").read_text() == "# Demo\n\nMy own introduction.\n"


def test_failing_tests_are_reported_in_the_body(source: Source, project: Path) -> None:
    release(source, {"keep.txt": "keep\nmore\n"})
    failing = f"{shlex.quote(sys.executable)} -c \"print('test_api FAILED'); raise SystemExit(3)\""
    done = run_script(
        project, source.catalog().builtin, "0.2.0" if source.kind == "builtin" else "", failing
    )
    assert done.returncode == 0, done.stderr
    body = written(project, "body.md")
    assert f"`{failing}` **failed** (exit 3) on the updated branch" in body
    assert "```text\ntest_api FAILED\n```" in body


def test_a_real_generated_project_ships_the_script_and_it_runs(
    tmp_path: Path, workdir: Path
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(builtin_root(), templates, ignore=shutil.ignore_patterns("__pycache__"))
    new_project(
        NewRequest(template="model-api", destination=workdir / "api", defaults=True),
        Catalog(builtin=templates),
    )
    project = workdir / "api"
    assert (project / "tools" / SCRIPT.name).read_bytes() == SCRIPT.read_bytes()
    changelog = templates / "model-api" / "CHANGELOG.md"
    text = changelog.read_text()
    at = text.index("\n## ")
    changelog.write_text(text[:at] + "\n## 0.2.0\n\n- Serves faster.\n" + text[at:])
    readme = templates / "_shared" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nUpdated by a newer portkit.\n")
    done = run_script(project, templates, "0.2.0")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "Template update: model-api 0.1.0 -> 0.2.0"
    body = written(project, "body.md")
    assert "#### 0.2.0\n\n- Serves faster.\n\n### Files changed by the template (2)\n" in body
    assert "- modified `.portkit.yml`\n- modified `README.md`\n" in body
    readme_on_branch = git("show", "portkit/template-update:README.md", cwd=project)
    assert readme_on_branch.endswith("Updated by a newer portkit.")


def test_the_workflow_runs_the_script_weekly_and_on_demand(tmp_path: Path) -> None:
    new_project(
        NewRequest(template="rag-chatbot", destination=tmp_path / "p", defaults=True, git=False),
        Catalog(),
    )
    workflow = yaml.safe_load((tmp_path / "p/.github/workflows/template-update.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    steps = workflow["jobs"]["template-update"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert f'python tools/{SCRIPT.name} --portkit "uvx portkit"' in runs
    assert "gh pr create" in runs
    assert "gh pr edit" in runs and "--draft" in runs
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", f"tools/{SCRIPT.name}"],
        cwd=tmp_path / "p",
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", f"tools/{SCRIPT.name}"],
        cwd=tmp_path / "p",
        capture_output=True,
        text=True,
    )
    assert formatted.returncode == 0, formatted.stdout


def test_uncommitted_changes_are_refused_and_kept(source: Source, project: Path) -> None:
    release(source, {"keep.txt": "keep\nmore\n"})
    (project / "keep.txt").write_text("keep\nmy work in progress\n")
    (project / "README.md").write_text("# Demo\n\nStaged work.\n")
    git("add", "README.md", cwd=project)
    before = refs(project)
    done = run_script(
        project, source.catalog().builtin, "0.2.0" if source.kind == "builtin" else ""
    )
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "Uncommitted changes to tracked files: commit or stash them first, then run this again."
    )
    assert done.stdout == ""
    assert refs(project) == before
    assert (project / "keep.txt").read_text() == "keep\nmy work in progress\n"
    assert git("diff", "--cached", "--name-only", cwd=project) == "README.md"


FAILING_PORTKIT = """\
import json
import sys

if "--check" in sys.argv:
    found = {"template": "t", "current": "v1", "latest": "v2", "changes": [], "conflicts": []}
    print(json.dumps({**found, "status": "update-available", "changelog": []}))
    sys.exit(10)
sys.stderr.write("Error: the template went away between the check and the update.\\n")
sys.exit(1)
"""


def test_a_failed_update_leaves_no_branch_and_you_where_you_were(
    source: Source, project: Path
) -> None:
    fake = project.parent / "fake_portkit.py"
    fake.write_text(FAILING_PORTKIT)
    before = refs(project)
    done = subprocess.run(
        [sys.executable, f"tools/{SCRIPT.name}", "--portkit", f"{sys.executable} {fake}"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr == "Error: the template went away between the check and the update.\n"
    assert done.stdout == ""
    assert refs(project) == before
    assert git("symbolic-ref", "--short", "HEAD", cwd=project) == "main"
