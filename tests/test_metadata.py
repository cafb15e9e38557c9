"""Reading a template's configuration without its engine: copier's `!include`, JSON, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_tree

from portkit import metadata
from portkit.errors import TemplateError
from portkit.models import Engine


def test_include_reads_globbed_files_in_order_and_later_documents_win(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "copier.yml": (
                "--- !include 'includes/*.yml'\n"
                "---\n"
                "_description: Included questions\n"
                "owner:\n  type: str\n  default: from-main\n"
            ),
            "includes/a.yml": (
                "flavour:\n  type: str\n  default: from-a\nowner:\n  type: str\n  default: from-a\n"
            ),
            "includes/b.yml": "--- !include 'nested/*.yml'\n---\nflavour:\n  default: from-b\n",
            "nested/c.yml": "token:\n  type: str\n  secret: true\n  default: x\n",
        },
    )
    config = metadata.read_config(tmp_path, Engine.COPIER)
    assert config["flavour"] == {"default": "from-b"}  # b after a: sorted glob order
    assert config["owner"]["default"] == "from-main"  # the including file's own document last
    questions = {q.name: q for q in metadata.questions(config, Engine.COPIER)}
    assert sorted(questions) == ["flavour", "owner", "token"]
    assert questions["token"].secret  # an include inside an include, relative to the template
    assert metadata.description(config, tmp_path) == "Included questions"


def test_include_matching_nothing_adds_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, {"copier.yml": "--- !include 'none/*.yml'\n---\nq:\n  default: 1\n"})
    assert metadata.read_config(tmp_path, Engine.COPIER) == {"q": {"default": 1}}


def test_unreadable_copier_yml_is_a_template_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"copier.yml": "q: [unclosed\n"})
    with pytest.raises(TemplateError, match=r"^Cannot read copier\.yml"):
        metadata.read_config(tmp_path, Engine.COPIER)
