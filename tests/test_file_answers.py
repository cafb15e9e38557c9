"""File answers (`--data dataset=PATH`): the user's file is copied into the project, everything
refers to it by its path inside the project, and `portkit update` never needs the original."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import git, make_git_template, run_portkit

from portkit import file_answers
from portkit.catalog import Catalog
from portkit.models import Engine, NewRequest
from portkit.new import new_project
from portkit.update import Outcome, UpdateRequest, update_project

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
TABLE = "bill_length,island,species\n39.1,Torgersen,Adelie\n46.5,Dream,Chinstrap\n"


def home() -> Path:
    return Path(os.environ["HOME"])


def user_table(name: str = "penguins.csv") -> Path:
    """A table of the user's, under the (isolated) home folder."""
    path = home() / "my data" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TABLE)
    return path


def answers(project: Path) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((project / ".portkit.yml").read_text())["answers"]
    return loaded


def assert_no_machine_path(project: Path, *paths: Path) -> None:
    """No absolute path of the user's machine in the files, the history or the provenance."""
    history = subprocess.run(
        ["git", "log", "-p", "--all"], cwd=project, capture_output=True, check=True
    ).stdout
    for path in paths:
        needle = str(path).encode()
        for file in project.rglob("*"):
            if file.is_file() and ".git" not in file.relative_to(project).parts:
                assert needle not in file.read_bytes(), f"{path} leaked into {file}"
        assert needle not in history, f"{path} leaked into the git history"


def test_dataset_with_tilde_is_copied_and_recorded_relative(workdir: Path) -> None:
    table = user_table()
    result = run_portkit(
        "new",
        "model-api",
        "penguin-api",
        "--defaults",
        "--data",
        "dataset=~/my data/penguins.csv",
        "--data",
        "target=species",
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr
    project = workdir / "penguin-api"
    assert (project / "data" / "penguins.csv").read_text() == TABLE
    assert answers(project)["dataset"] == "data/penguins.csv"
    assert answers(project)["target"] == "species"
    assert "Copied" in result.stdout and "data/penguins.csv" in result.stdout
    # the data is the user's: committed on main only, never on the template branch
    assert git("status", "--porcelain", cwd=project) == ""
    assert git("ls-files", "data/penguins.csv", cwd=project) == "data/penguins.csv"
    on_template = git("ls-tree", "-r", "--name-only", "portkit/template", cwd=project)
    assert "data/penguins.csv" not in on_template.splitlines()
    assert git("log", "-1", "--format=%s", cwd=project) == "Add your data: data/penguins.csv"
    assert_no_machine_path(project, table, table.parent, home())


def test_relative_path_and_symlink_are_resolved_and_sanitised(workdir: Path) -> None:
    table = user_table()
    os.symlink(table, workdir / "Penguins (2024).csv")
    result = run_portkit(
        "new",
        "ml-pipeline",
        "churn",
        "--defaults",
        "--data",
        "dataset=Penguins (2024).csv",
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr
    project = workdir / "churn"
    copied = project / "data" / "penguins.csv"
    # the link's target is copied, under the target's (safe) name; a real file, not a link
    assert copied.read_text() == TABLE and not copied.is_symlink()
    assert answers(project)["dataset"] == "data/penguins.csv"
    # ml-pipeline git-ignores data/; the user's table is committed anyway so CI sees it
    assert git("ls-files", "data/penguins.csv", cwd=project) == "data/penguins.csv"
    assert_no_machine_path(project, table.parent, workdir)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("~/missing.csv", "dataset: no such file: {home}/missing.csv"),
        ("~/my data", "dataset: {home}/my data is a folder; give a file."),
    ],
)
def test_missing_file_or_folder_exits_1_and_writes_nothing(
    workdir: Path, value: str, message: str
) -> None:
    user_table()
    result = run_portkit(
        "new", "model-api", "p", "--defaults", "--data", f"dataset={value}", cwd=workdir
    )
    assert result.returncode == 1
    assert f"Error: {message.format(home=home())}" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(workdir.iterdir()) == []


def test_unreadable_file_exits_1_and_writes_nothing(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = user_table()
    if os.geteuid() != 0:
        table.chmod(0)
        result = run_portkit(
            "new", "model-api", "p", "--defaults", "--data", f"dataset={table}", cwd=workdir
        )
        assert result.returncode == 1
        assert f"Error: dataset: cannot read {table}" in result.stderr
        assert list(workdir.iterdir()) == []
        return
    # root reads any file whatever its mode: make opening it fail as it would for a user.
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self == table.resolve():
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(file_answers.AnswerError, match=r"dataset: cannot read .*Permission denied"):
        file_answers.plan({"dataset": "data"}, {"dataset": str(table)}, workdir)
    assert list(workdir.iterdir()) == []


def test_not_a_regular_file_exits_1_and_writes_nothing(workdir: Path) -> None:
    fifo = home() / "pipe.csv"
    os.mkfifo(fifo)
    result = run_portkit(
        "new", "model-api", "p", "--defaults", "--data", f"dataset={fifo}", cwd=workdir
    )
    assert result.returncode == 1
    assert f"Error: dataset: {fifo} is not a regular file." in result.stderr
    assert list(workdir.iterdir()) == []


def test_other_extension_is_refused_by_the_question(workdir: Path) -> None:
    sheet = home() / "table.xlsx"
    sheet.write_bytes(b"PK")
    result = run_portkit(
        "new", "model-api", "p", "--defaults", "--data", f"dataset={sheet}", cwd=workdir
    )
    assert result.returncode == 1
    assert "Use a .csv or .parquet file" in result.stderr
    assert list(workdir.iterdir()) == []


def test_empty_dataset_copies_nothing(workdir: Path) -> None:
    result = run_portkit("new", "model-api", "p", "--defaults", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert answers(workdir / "p")["dataset"] == ""
    assert not (workdir / "p" / "data").exists()
    assert git("rev-list", "--count", "main", cwd=workdir / "p") == "1"


def test_rag_chatbot_does_not_ask_for_data(workdir: Path) -> None:
    result = run_portkit("new", "rag-chatbot", "rag", "--defaults", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert not {"dataset", "target", "tabular"} & set(answers(workdir / "rag"))
    table = user_table()
    refused = run_portkit(
        "new", "rag-chatbot", "rag2", "--defaults", "--data", f"dataset={table}", cwd=workdir
    )
    assert refused.returncode == 1
    assert "Error: This template does not ask 'dataset'." in refused.stderr
    assert not (workdir / "rag2").exists()


def test_large_file_is_copied_but_not_committed(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_answers, "LARGE_FILE_BYTES", 10)
    table = user_table()
    request = NewRequest(
        template="model-api",
        destination=workdir / "big",
        data={"dataset": str(table)},
        defaults=True,
    )
    result = new_project(request, Catalog())
    project = workdir / "big"
    assert (project / "data" / "penguins.csv").read_text() == TABLE
    assert any("not committed" in note for note in result.notes)
    assert git("ls-files", "data", cwd=project) == ""
    assert git("status", "--porcelain", "--untracked-files=all", cwd=project) == ""
    assert git("rev-list", "--count", "main", cwd=project) == "1"


FIXTURE = {
    "copier.yml": (
        "project_name: {type: str, default: Demo}\n"
        "photo: {type: str, default: ''}\n"
        "_portkit_file_answers:\n  photo: assets/img\n"
    ),
    "README.md.jinja": "# {{ project_name }}\n\nPhoto: {{ photo }}\n",
}


def test_any_copier_template_can_declare_a_file_answer(workdir: Path, tmp_path: Path) -> None:
    template = make_git_template(tmp_path / "tpl", FIXTURE)
    picture = home() / "me.png"
    picture.write_bytes(b"\x89PNG\r\n")
    result = run_portkit(
        "new", str(template), "site", "--defaults", "--data", f"photo={picture}", cwd=workdir
    )
    assert result.returncode == 0, result.stderr
    project = workdir / "site"
    assert (project / "assets" / "img" / "me.png").read_bytes() == b"\x89PNG\r\n"
    assert "Photo: assets/img/me.png\n" in (project / "README.md").read_text()
    assert answers(project)["photo"] == "assets/img/me.png"
    assert_no_machine_path(project, picture)


def test_a_file_answer_from_a_default_is_copied_too(workdir: Path, tmp_path: Path) -> None:
    """Answers not given on the command line (a prompt, a default) are copied the same way."""
    files = {
        **FIXTURE,
        "copier.yml": FIXTURE["copier.yml"].replace("default: ''", "default: me.png"),
    }
    template = make_git_template(tmp_path / "tpl", files)
    (workdir / "me.png").write_bytes(b"png")
    result = run_portkit("new", str(template), "site", "--defaults", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert (workdir / "site" / "README.md").read_text().endswith("Photo: assets/img/me.png\n")
    assert (workdir / "site" / "assets" / "img" / "me.png").read_bytes() == b"png"


def test_update_keeps_the_file_and_needs_no_original(workdir: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    catalog = Catalog(builtin=templates)
    table = user_table()
    request = NewRequest(
        template="model-api",
        destination=workdir / "api",
        data={"dataset": str(table), "target": "species"},
        defaults=True,
    )
    new_project(request, catalog)
    project = workdir / "api"
    shutil.rmtree(table.parent)  # the original is gone
    # a newer portkit: the template changed
    readme = templates / "_shared" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nA line from a newer template.\n")
    result = update_project(UpdateRequest(project=project), catalog)
    assert result.outcome is Outcome.MERGED
    assert "A line from a newer template." in (project / "README.md").read_text()
    assert (project / "data" / "penguins.csv").read_text() == TABLE
    assert "data/penguins.csv" not in {change.path for change in result.changes}
    assert answers(project)["dataset"] == "data/penguins.csv"
    assert git("status", "--porcelain", cwd=project) == ""
    assert_no_machine_path(project, table, home())


def test_update_through_the_cli_needs_no_original(workdir: Path) -> None:
    table = user_table()
    created = run_portkit(
        "new", "model-api", "api", "--defaults", "--data", f"dataset={table}", cwd=workdir
    )
    assert created.returncode == 0, created.stderr
    table.unlink()
    project = workdir / "api"
    result = run_portkit("update", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "data" / "penguins.csv").read_text() == TABLE
    outside = run_portkit("update", "--data", f"dataset={home()}/other.csv", cwd=project)
    assert outside.returncode == 1
    assert "is not a path inside the project" in outside.stderr
    assert git("status", "--porcelain", cwd=project) == ""


def test_a_built_in_template_adds_file_answers_to_the_shared_ones(tmp_path: Path) -> None:
    from portkit.fetch import assemble_builtin
    from portkit.metadata import read_config

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR / "_shared", templates / "_shared")
    own = templates / "tiny"
    own.mkdir()
    (own / "copier.yml").write_text(
        "logo: {type: str, default: ''}\n_portkit_file_answers:\n  logo: assets\n"
    )
    folder = assemble_builtin(own, tmp_path / "out")
    config = read_config(folder, Engine.COPIER)
    assert config["_portkit_file_answers"] == {"dataset": "data", "logo": "assets"}
