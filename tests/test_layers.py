"""`portkit add` and `portkit adopt` through the real entry point: layers, updates, refusals."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import COOKIECUTTER_FIXTURE, COPIER_FIXTURE, git, make_git_template, run_portkit


def release(template: Path, files: dict[str, str], tag: str) -> None:
    """Publish the next version of a git template: change FILES, commit, tag."""
    for relative, text in files.items():
        (template / relative).write_text(text)
    git("add", "-A", cwd=template)
    git("commit", "--quiet", "-m", tag, cwd=template)
    git("tag", tag, cwd=template)


def ok(*args: str, cwd: Path) -> str:
    result = run_portkit(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def snapshot(project: Path) -> tuple[str, str, str]:
    """HEAD, every ref and the work tree's status: what "nothing was written" means."""
    refs = git("for-each-ref", "--format=%(refname) %(objectname)", cwd=project)
    status = git("status", "--porcelain", "--untracked-files=all", cwd=project)
    return git("rev-parse", "HEAD", cwd=project), refs, status


def one_error(result: object, code: int, start: str) -> None:
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    stderr = "\n".join(line for line in lines if not line.startswith("\u2026"))  # progress
    assert result.returncode == code, stderr  # type: ignore[attr-defined]
    assert stderr.startswith(start), stderr
    assert "Traceback" not in stderr


def base_project(tmp_path: Path) -> tuple[Path, Path]:
    template = make_git_template(tmp_path / "base-tpl", COPIER_FIXTURE)
    ok("new", str(template), "proj", "--defaults", cwd=tmp_path)
    return template, tmp_path / "proj"


def test_add_cookiecutter_layer_in_a_folder_then_update_one_layer_and_both(tmp_path: Path) -> None:
    base_template, project = base_project(tmp_path)
    layer_template = make_git_template(tmp_path / "cc-tpl", COOKIECUTTER_FIXTURE)
    out = ok("add", str(layer_template), "docs/", "--data", "project_name=Docs", cwd=project)
    assert "as the layer docs/" in out
    assert (project / "docs" / "README.md").read_text().startswith("# Docs\n")
    assert yaml.safe_load((project / "docs/.portkit.yml").read_text())["engine"] == "cookiecutter"
    parents = git("rev-list", "--parents", "-n", "1", "HEAD", cwd=project).split()
    assert len(parents) == 3  # one merge: the project and the layer's first render
    layer_tip = git("rev-parse", "portkit/layer/docs", cwd=project)
    assert parents[2] == layer_tip
    changed = git("diff", "--name-only", "HEAD^1", "HEAD", cwd=project).splitlines()
    # the layer writes in its folder; at the root only the composed README section
    assert {path for path in changed if not path.startswith("docs/")} == {"README.md"}
    assert "## Layer: " in (project / "README.md").read_text()
    info = ok("info", cwd=project)
    assert "layers:\n  docs/" in info and "on portkit/layer/docs" in info

    # v2 of both templates; the layer alone first
    release(base_template, {"notes.txt": "base v2\n"}, "v2")
    release(layer_template, {"{{cookiecutter.project_slug}}/notes.txt": "layer v2\n"}, "v2")
    out = ok("update", "docs/", cwd=project)
    assert "Updated " in out and "v1 -> v2" in out and "Layer" not in out
    assert (project / "docs/notes.txt").read_text() == "layer v2\n"
    assert (project / "notes.txt").read_text() == "static notes\n"
    out = ok("update", cwd=project)
    assert out.index("Layer (root):") < out.index("Layer docs/:")
    assert (project / "notes.txt").read_text() == "base v2\n"
    assert "Already up to date: " in out.split("Layer docs/:")[1]

    # v3 of both: one `portkit update`, one merge each, the base first
    release(base_template, {"notes.txt": "base v3\n"}, "v3")
    release(layer_template, {"{{cookiecutter.project_slug}}/notes.txt": "layer v3\n"}, "v3")
    before = git("rev-parse", "HEAD", cwd=project)
    out = ok("update", cwd=project)
    assert out.count("Updated ") == 2
    merges = git("log", "--format=%s", f"{before}..HEAD", "--merges", cwd=project).splitlines()
    assert len(merges) == 2 and "v2 to v3" in merges[0] and "v2 to v3" in merges[1]
    assert (project / "notes.txt").read_text() == "base v3\n"
    assert (project / "docs/notes.txt").read_text() == "layer v3\n"


def test_a_layer_keeps_your_edits_through_its_update(tmp_path: Path) -> None:
    _, project = base_project(tmp_path)
    layer_template = make_git_template(tmp_path / "layer-tpl", COPIER_FIXTURE)
    ok("add", str(layer_template), "sub", cwd=project)
    (project / "sub/README.md").write_text("# Demo\n\nFlavour: plain\n\nMine.\n")
    git("commit", "-qam", "edit", cwd=project)
    release(layer_template, {"notes.txt": "new notes\n"}, "v2")
    ok("update", "sub", cwd=project)
    assert (project / "sub/README.md").read_text().endswith("Mine.\n")
    assert (project / "sub/notes.txt").read_text() == "new notes\n"


def test_a_copier_layer_at_the_root_has_its_record_under_dot_portkit(tmp_path: Path) -> None:
    _, project = base_project(tmp_path)
    extra = make_git_template(
        tmp_path / "ci-extra",
        {"copier.yml": "owner:\n  type: str\n  default: me\n", "OWNERS.jinja": "{{ owner }}\n"},
    )
    ok("add", str(extra), "--data", "owner=team", cwd=project)
    assert (project / "OWNERS").read_text() == "team\n"
    assert (project / ".portkit/ci-extra.yml").is_file()
    release(extra, {"OWNERS.jinja": "{{ owner }} (v2)\n"}, "v2")
    out = ok("update", cwd=project)
    assert "Layer ci-extra:" in out
    assert (project / "OWNERS").read_text() == "team (v2)\n"


def test_adding_over_your_files_stops_before_writing_anything(tmp_path: Path) -> None:
    _, project = base_project(tmp_path)
    layer_template = make_git_template(tmp_path / "layer-tpl", COPIER_FIXTURE)
    (project / "sub").mkdir()
    (project / "sub/README.md").write_text("my own readme\n")
    git("add", "-A", cwd=project)
    git("commit", "-qm", "mine", cwd=project)
    (project / "sub/notes.txt").write_text("untracked, mine too\n")
    before = snapshot(project)
    result = run_portkit("add", str(layer_template), "sub", cwd=project)
    one_error(result, 1, "Error: The layer would overwrite 2 existing file(s): sub/README.md, ")
    assert [line[:6] for line in result.stderr.splitlines()][-2:] == ["Error:", "Hint: "]
    assert snapshot(project) == before
    assert (project / "sub/notes.txt").read_text() == "untracked, mine too\n"


def test_add_refusals_are_one_line_and_change_nothing(tmp_path: Path) -> None:
    _, project = base_project(tmp_path)
    layer_template = make_git_template(tmp_path / "layer-tpl", COPIER_FIXTURE)
    before = snapshot(project)
    one_error(run_portkit("add", str(layer_template), "../out", cwd=project), 2, "Error: SUBDIR")
    one_error(run_portkit("add", "no-such-template", "x", cwd=project), 1, "Error: Unknown")
    assert snapshot(project) == before
    ok("add", str(layer_template), "sub", cwd=project)
    before = snapshot(project)
    again = run_portkit("add", str(layer_template), "sub", cwd=project)
    one_error(again, 1, "Error: The project already has a layer at sub/")
    (project / "README.md").write_text("dirty\n")
    dirty = run_portkit("add", str(layer_template), "other", cwd=project)
    one_error(dirty, 1, "Error: Uncommitted changes to tracked files: README.md.")
    assert not (project / "other").exists()
    plain = tmp_path / "plain"
    plain.mkdir()
    one_error(run_portkit("add", str(layer_template), cwd=plain), 1, "Error: ")
    assert snapshot(project)[:2] == before[:2]


def hand_made(tmp_path: Path) -> Path:
    repo = tmp_path / "old-repo"
    repo.mkdir()
    (repo / "README.md").write_text("# My old repo\n")
    (repo / "app.py").write_text("print('hi')\n")
    git("init", "--quiet", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "--quiet", "-m", "start", cwd=repo)
    return repo


def test_adopt_dry_run_then_adopt_resolve_and_update(tmp_path: Path) -> None:
    template = make_git_template(tmp_path / "tpl", COPIER_FIXTURE)
    repo = hand_made(tmp_path)
    before = snapshot(repo)
    out = ok("adopt", str(template), "--data", "project_name=My old repo", "--dry-run", cwd=repo)
    assert "  2 file(s) the repository lacks: added\n    .portkit.yml\n    notes.txt\n" in out
    assert "  1 file(s) in both, different: merged as conflicts\n    README.md\n" in out
    assert out.rstrip().endswith("Nothing was changed.")
    assert snapshot(repo) == before

    result = run_portkit("adopt", str(template), "--data", "project_name=My old repo", cwd=repo)
    assert result.returncode == 3, result.stderr
    assert (
        "\nError: Adopting left 1 conflicted file(s) (yours and the template's differ): README.md\n"
        in result.stderr
    )
    assert (repo / "notes.txt").read_text() == "static notes\n"
    merged = (repo / "README.md").read_text()  # an add/add conflict: both sides kept
    assert merged.startswith("# My old repo\n<<<<<<< HEAD\n")
    assert merged.endswith("Flavour: plain\n>>>>>>> portkit/update\n")
    assert (repo / "app.py").read_text() == "print('hi')\n"
    (repo / "README.md").write_text("# My old repo\n\nFlavour: plain\n")
    git("add", "README.md", cwd=repo)
    git("commit", "--quiet", "--no-edit", cwd=repo)
    assert git("rev-parse", "portkit/template", cwd=repo) == git("rev-parse", "HEAD^2", cwd=repo)

    release(template, {"notes.txt": "notes v2\n"}, "v2")
    out = ok("update", cwd=repo)
    assert "Updated " in out and "v1 -> v2" in out
    assert (repo / "notes.txt").read_text() == "notes v2\n"
    assert (repo / "README.md").read_text() == "# My old repo\n\nFlavour: plain\n"


def test_adopt_refuses_a_dirty_tree_and_an_adopted_repository(tmp_path: Path) -> None:
    template = make_git_template(tmp_path / "tpl", COPIER_FIXTURE)
    repo = hand_made(tmp_path)
    (repo / "app.py").write_text("changed\n")
    before = snapshot(repo)
    one_error(
        run_portkit("adopt", str(template), cwd=repo),
        1,
        "Error: Uncommitted changes to tracked files: app.py.",
    )
    assert snapshot(repo) == before
    git("checkout", "app.py", cwd=repo)
    (repo / "README.md").write_text("# Demo\n\nFlavour: plain\n")  # the same as the render
    git("commit", "-qam", "readme", cwd=repo)
    ok("adopt", str(template), cwd=repo)  # nothing differs: a clean merge
    assert (repo / ".portkit.yml").is_file()
    one_error(run_portkit("adopt", str(template), cwd=repo), 1, "Error: ")
    assert "already follows a template" in run_portkit("adopt", str(template), cwd=repo).stderr


def test_model_api_added_to_ml_pipeline_serves_its_model_and_shares_its_store(
    tmp_path: Path,
) -> None:
    ok("new", "ml-pipeline", "churn", "--defaults", "--data", "project_name=Churn", cwd=tmp_path)
    project = tmp_path / "churn"
    out = ok("add", "model-api", "serving/", cwd=project)
    assert "Linked: mlflow_name = churn-pipeline" in out
    settings = next((project / "serving/src").glob("*/settings.py")).read_text()
    assert 'MODEL_NAME = "churn-pipeline"' in settings
    params = yaml.safe_load((project / "params.yaml").read_text())
    assert params["registry"]["model_name"] == "churn-pipeline"
    makefile = (project / "serving/Makefile").read_text()
    assert "export MLFLOW_TRACKING_URI ?= sqlite:///$(abspath ../mlflow.db)" in makefile
    assert "serving-%:\n\t$(MAKE) -C serving $*" in (project / "Makefile").read_text()
    assert "## Layer: model-api in `serving/`" in (project / "README.md").read_text()
    workflow = yaml.safe_load((project / ".github/workflows/layer-serving.yml").read_text())
    assert workflow["jobs"]["test"]["defaults"]["run"]["working-directory"] == "serving"
    assert (
        git("ls-tree", "-r", "--name-only", "portkit/layer/serving", cwd=project).count(
            ".github/workflows/layer-serving.yml"
        )
        == 1
    )
    out = ok("update", cwd=project)
    assert out.count("Already up to date") == 2


def test_a_conflicted_layer_update_moves_the_layers_branch_when_you_commit(tmp_path: Path) -> None:
    _, project = base_project(tmp_path)
    layer_template = make_git_template(tmp_path / "layer-tpl", COPIER_FIXTURE)
    ok("add", str(layer_template), "sub", cwd=project)
    (project / "sub/notes.txt").write_text("my notes\n")
    git("commit", "-qam", "my notes", cwd=project)
    base_tip = git("rev-parse", "portkit/template", cwd=project)
    layer_tip = git("rev-parse", "portkit/layer/sub", cwd=project)
    release(layer_template, {"notes.txt": "template notes v2\n"}, "v2")
    result = run_portkit("update", cwd=project)
    assert result.returncode == 3, result.stderr
    assert "Layer sub/:" in result.stdout
    assert "Error: The update left 1 conflicted file(s): sub/notes.txt" in result.stderr
    assert git("rev-parse", "portkit/layer/sub", cwd=project) == layer_tip  # not yet
    (project / "sub/notes.txt").write_text("my notes, and the template's\n")
    git("add", "sub/notes.txt", cwd=project)
    git("commit", "--quiet", "--no-edit", cwd=project)
    assert git("rev-parse", "portkit/layer/sub", cwd=project) == git(
        "rev-parse", "HEAD^2", cwd=project
    )
    assert git("rev-parse", "portkit/template", cwd=project) == base_tip  # the other layer's
    out = ok("update", cwd=project)
    assert out.count("Already up to date") == 2


def test_adopt_refuses_to_overwrite_an_untracked_file(tmp_path: Path) -> None:
    template = make_git_template(tmp_path / "tpl", COPIER_FIXTURE)
    repo = hand_made(tmp_path)
    (repo / "notes.txt").write_text("untracked notes\n")
    before = snapshot(repo)
    result = run_portkit("adopt", str(template), cwd=repo)
    one_error(result, 1, "Error: Adopting would overwrite untracked file(s): notes.txt.")
    assert snapshot(repo) == before
    assert (repo / "notes.txt").read_text() == "untracked notes\n"


FILE_ANSWER_TEMPLATE = {
    "copier.yml": (
        "dataset:\n  type: str\n  default: ''\n_portkit_file_answers:\n  dataset: data\n"
    ),
    "README.md.jinja": "data: {{ dataset }}\n",
}


def test_add_and_adopt_take_a_file_answer_only_as_a_path_inside_the_project(
    tmp_path: Path,
) -> None:
    _, project = base_project(tmp_path)
    template = make_git_template(tmp_path / "data-tpl", FILE_ANSWER_TEMPLATE)
    outside = tmp_path / "table.csv"
    outside.write_text("a,b\n1,2\n")
    before = snapshot(project)
    result = run_portkit("add", str(template), "sub", "--data", f"dataset={outside}", cwd=project)
    one_error(result, 1, f"Error: dataset: {outside} is not a path inside the project.")
    assert snapshot(project) == before
    repo = hand_made(tmp_path)
    result = run_portkit("adopt", str(template), "--data", "dataset=data/t.csv", cwd=repo)
    one_error(result, 1, "Error: dataset: data/t.csv is not a file in the project")
    (repo / "data").mkdir()
    (repo / "data/t.csv").write_text("a,b\n1,2\n")
    git("add", "-A", cwd=repo)
    git("commit", "-qm", "data", cwd=repo)
    adopted = run_portkit("adopt", str(template), "--data", "dataset=data/t.csv", cwd=repo)
    assert adopted.returncode == 3, adopted.stderr  # README.md differs: a conflict to resolve
    assert yaml.safe_load((repo / ".portkit.yml").read_text())["answers"] == {
        "dataset": "data/t.csv"
    }
