"""`portkit new` through the real entry point: exact exit codes, messages and resulting trees."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import git, run_portkit, write_tree


def test_new_builtin_creates_repo_with_template_branch(workdir: Path) -> None:
    result = run_portkit("new", "model-api", "demo", "--defaults", cwd=workdir)
    assert result.returncode == 0, result.stderr
    project = workdir / "demo"
    assert git("status", "--porcelain", cwd=project) == ""
    assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=project) == "main"
    assert git("rev-parse", "main", cwd=project) == git(
        "rev-parse", "portkit/template", cwd=project
    )
    assert git("rev-list", "--count", "main", cwd=project) == "1"
    record = yaml.safe_load((project / ".portkit.yml").read_text())
    assert record["template"] == "model-api"
    assert record["source"] == "builtin"
    assert record["engine"] == "copier"
    assert "/" not in record["template"]


def test_human_project_name_gives_valid_package_and_distribution_names(workdir: Path) -> None:
    result = run_portkit(
        "new",
        "model-api",
        "p",
        "--defaults",
        "--data",
        "project_name=My Model API 2026!",
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((workdir / "p" / ".portkit.yml").read_text())["answers"]
    assert answers["package_name"] == "my_model_api_2026"
    assert answers["project_slug"] == "my-model-api-2026"
    assert (workdir / "p" / "src" / "my_model_api_2026" / "__init__.py").is_file()


def test_project_name_starting_with_digit_gets_importable_package(workdir: Path) -> None:
    result = run_portkit(
        "new", "model-api", "p", "--defaults", "--data", "project_name=2026 Fraud", cwd=workdir
    )
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((workdir / "p" / ".portkit.yml").read_text())["answers"]
    assert answers["package_name"].isidentifier()
    assert answers["package_name"] == "p_2026_fraud"


def test_unknown_template_lists_and_suggests(workdir: Path) -> None:
    result = run_portkit("new", "model-ap", "x", "--defaults", cwd=workdir)
    assert result.returncode == 1
    assert "Unknown template 'model-ap'" in result.stderr
    assert "Did you mean 'model-api'?" in result.stderr
    assert "rag-chatbot" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(workdir.iterdir()) == []


def test_non_empty_destination_refused_and_untouched(workdir: Path) -> None:
    dest = write_tree(workdir / "mine", {"keep.txt": "mine\n"})
    result = run_portkit("new", "model-api", "mine", "--defaults", cwd=workdir)
    assert result.returncode == 1
    assert "already exists and is not empty" in result.stderr
    assert sorted(p.name for p in dest.iterdir()) == ["keep.txt"]


def test_force_adds_beside_user_files_without_overwriting(workdir: Path) -> None:
    write_tree(workdir / "mine", {"keep.txt": "mine\n", "src/other.py": "x = 1\n"})
    result = run_portkit("new", "model-api", "mine", "--defaults", "--force", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert (workdir / "mine" / "keep.txt").read_text() == "mine\n"
    assert (workdir / "mine" / "src" / "other.py").read_text() == "x = 1\n"
    assert (workdir / "mine" / ".portkit.yml").is_file()


def test_force_refuses_when_a_template_file_would_overwrite(workdir: Path) -> None:
    write_tree(workdir / "mine", {"README.md": "my readme\n"})
    result = run_portkit("new", "model-api", "mine", "--defaults", "--force", cwd=workdir)
    assert result.returncode == 1
    assert "already exist" in result.stderr and "README.md" in result.stderr
    assert sorted(p.name for p in (workdir / "mine").iterdir()) == ["README.md"]
    assert (workdir / "mine" / "README.md").read_text() == "my readme\n"


def test_malformed_data_is_usage_error(workdir: Path) -> None:
    result = run_portkit("new", "model-api", "x", "--defaults", "--data", "oops", cwd=workdir)
    assert result.returncode == 2
    assert "--data expects KEY=VALUE, got 'oops'" in result.stderr
    assert list(workdir.iterdir()) == []


def test_unknown_answer_key_suggests_the_question(workdir: Path) -> None:
    result = run_portkit(
        "new", "model-api", "x", "--defaults", "--data", "projct_name=A", cwd=workdir
    )
    assert result.returncode == 1
    assert "Unknown answer key(s) for this template: projct_name." in result.stderr
    assert "'projct_name' -> 'project_name'?" in result.stderr
    assert list(workdir.iterdir()) == []


def test_validator_failure_creates_nothing(workdir: Path) -> None:
    result = run_portkit(
        "new", "model-api", "x", "--defaults", "--data", "package_name=9bad", cwd=workdir
    )
    assert result.returncode == 1
    assert "package_name" in result.stderr and "not starting with a digit" in result.stderr
    assert list(workdir.iterdir()) == []


def test_invalid_choice_creates_nothing(workdir: Path) -> None:
    result = run_portkit(
        "new", "model-api", "x", "--defaults", "--data", "license=GPL", cwd=workdir
    )
    assert result.returncode == 1
    assert "Invalid choice for 'license'" in result.stderr
    assert list(workdir.iterdir()) == []


def test_answers_file_is_used(workdir: Path) -> None:
    (workdir / "team.yml").write_text("project_name: Team API\nauthor_name: Ada\n")
    result = run_portkit("new", "model-api", "t", "--answers-file", "team.yml", cwd=workdir)
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((workdir / "t" / ".portkit.yml").read_text())["answers"]
    assert answers["project_name"] == "Team API" and answers["author_name"] == "Ada"


def test_data_overrides_answers_file(workdir: Path) -> None:
    (workdir / "team.yml").write_text("project_name: Team API\n")
    result = run_portkit(
        "new", "model-api", "t", "-a", "team.yml", "--data", "project_name=Mine", cwd=workdir
    )
    assert result.returncode == 0, result.stderr
    assert (
        yaml.safe_load((workdir / "t" / ".portkit.yml").read_text())["answers"]["project_name"]
        == "Mine"
    )


def test_malformed_answers_file(workdir: Path) -> None:
    (workdir / "bad.yml").write_text("- just\n- a list\n")
    result = run_portkit("new", "model-api", "t", "-a", "bad.yml", cwd=workdir)
    assert result.returncode == 1
    assert "must hold a mapping" in result.stderr
    missing = run_portkit("new", "model-api", "t", "-a", "nope.yml", cwd=workdir)
    assert missing.returncode == 1 and "Cannot read answers file nope.yml" in missing.stderr
    assert sorted(p.name for p in workdir.iterdir()) == ["bad.yml"]


def test_no_git(workdir: Path) -> None:
    result = run_portkit("new", "model-api", "plain", "--defaults", "--no-git", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert not (workdir / "plain" / ".git").exists()
    assert (workdir / "plain" / ".portkit.yml").is_file()


def test_new_without_terminal_never_prompts(workdir: Path) -> None:
    # stdin is an empty pipe: without --defaults portkit must still finish, not block or fail
    result = run_portkit("new", "rag-chatbot", "bot", cwd=workdir)
    assert result.returncode == 0, result.stderr


def test_missing_parent_folders_are_created(workdir: Path) -> None:
    result = run_portkit("new", "model-api", "a/b/c", "--defaults", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert (workdir / "a" / "b" / "c" / ".portkit.yml").is_file()


REQUIRED_QUESTIONS = {
    "copier.yml": (
        "license:\n  type: str\n  choices: [BSD, Apache, MIT]\n"
        "author:\n  type: str\n  help: Your name\n"
        "has_docs:\n  type: bool\n  default: false\n"
        "vcs:\n  type: bool\n  when: '{{ has_docs }}'\n"
        "docs_url:\n  type: str\n  when: '{{ has_docs }}'\n"
    ),
    "LICENSE.jinja": "{{ license }} by {{ author }}\n",
}


def test_defaults_on_required_questions_names_the_data_flags(tmp_path: Path, workdir: Path) -> None:
    """copier only: every cookiecutter variable has a value (a choice list's first is its default)."""
    template = write_tree(tmp_path / "required", REQUIRED_QUESTIONS)
    both = run_portkit("new", str(template), "p", "--defaults", cwd=workdir)
    assert both.returncode == 1
    assert both.stderr.splitlines()[-2:] == [
        "Error: Questions 'license', 'author' have no default, so --defaults (or no terminal) "
        "cannot answer them.",
        "Hint: Answer them: --data license=BSD|Apache|MIT --data author=VALUE (one of the values "
        "separated by |). An --answers-file works too.",
    ]
    text = run_portkit(
        "new", str(template), "p", "--defaults", "--data", "license=MIT", cwd=workdir
    )
    assert text.returncode == 1
    assert text.stderr.splitlines()[-2:] == [
        "Error: Question 'author' has no default, so --defaults (or no terminal) cannot answer it.",
        "Hint: Answer it: --data author=VALUE. An --answers-file works too.",
    ]
    # asked only when another answer says so: copier finds it, the message is the same
    given = ["-d", "license=MIT", "-d", "author=Ada"]
    given += ["-d", "has_docs=true"]
    when = run_portkit("new", str(template), "p", "--defaults", *given, cwd=workdir)
    assert when.returncode == 1
    assert when.stderr.splitlines()[-1] == (
        "Hint: Answer it: --data vcs=true|false (one of the values separated by |). "
        "An --answers-file works too."
    )
    given += ["-d", "vcs=false"]
    text = run_portkit("new", str(template), "p", "--defaults", *given, cwd=workdir)
    assert text.returncode == 1
    assert text.stderr.splitlines()[-1] == (
        "Hint: Answer it: --data docs_url=VALUE. An --answers-file works too."
    )
    given += ["-d", "docs_url=https://example.com"]
    assert not (workdir / "p").exists()
    done = run_portkit("new", str(template), "p", "--defaults", *given, cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert (workdir / "p" / "LICENSE").read_text() == "MIT by Ada\n"
