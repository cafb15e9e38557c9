"""``params.yaml``: the one place that names the training table, its target and the task.

Read with a typed loader so a typo is one clear line naming the file and the key, never a
traceback or a silently ignored setting (unknown keys are errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from .kit.errors import ConfigError
from .settings import PROJECT_ROOT

PARAMS_FILE = PROJECT_ROOT / "params.yaml"
#: Keys of earlier versions of params.yaml, and what became of them (named in the error).
RENAMED = {"data.schema_file": "data.schema"}

__all__ = ["PARAMS_FILE", "ConfigError", "DataConfig", "load"]


@dataclass(frozen=True)
class DataConfig:
    """The ``data:`` section, with paths resolved against the project root."""

    file: Path | None
    sample: str
    target: str
    task: str | None
    schema: Path

    @property
    def source(self) -> str:
        """How the data is named to people: the file's project path, or the bundled sample."""
        if self.file is None:
            return f"the bundled {self.sample} sample"
        try:
            return self.file.relative_to(PROJECT_ROOT).as_posix()
        except ValueError:
            return str(self.file)


def load(path: Path | None = None) -> DataConfig:
    """The ``data:`` section of PATH (params.yaml); ConfigError naming the file and key if wrong."""
    path = path or PARAMS_FILE
    from .kit.config import load_config

    data = load_config(path, _model(), renamed=RENAMED).data
    root = path.parent
    return DataConfig(
        file=root / data.file if data.file else None,
        sample=data.sample,
        target=data.target,
        task=None if data.task == "auto" else data.task,
        schema=root / data.schema_,
    )


@cache
def _model() -> type:
    """The file's typed model, built on first use so importing this module stays cheap."""
    from pydantic import BaseModel, ConfigDict, Field, field_validator

    class Data(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        file: str = ""
        sample: Literal["breast_cancer", "iris", "wine", "diabetes"] = "breast_cancer"
        target: str
        task: Literal["auto", "classification", "regression"] = "auto"
        schema_: str = Field("schema.yaml", alias="schema")

        @field_validator("target")
        @classmethod
        def _named(cls, value: str) -> str:
            if not value.strip():
                raise ValueError("name the column to predict")
            return value

    class Params(BaseModel):
        """params.yaml: only its ``data:`` section is this project's (other keys are left alone)."""

        data: Data

    return Params
