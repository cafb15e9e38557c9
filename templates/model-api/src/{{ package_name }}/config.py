"""``params.yaml``: the one place that names the training table, its target and the task.

Read with a typed loader so a typo is one clear line naming the file and the key, never a
traceback or a silently ignored setting (unknown keys are errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .settings import PROJECT_ROOT

PARAMS_FILE = PROJECT_ROOT / "params.yaml"


class ConfigError(ValueError):
    """params.yaml is missing, is not YAML, or has a key or value this project cannot use."""


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
    import yaml
    from pydantic import BaseModel, ConfigDict, ValidationError

    class _Data(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        file: str = ""
        sample: Literal["breast_cancer", "iris", "wine", "diabetes"] = "breast_cancer"
        target: str
        task: Literal["auto", "classification", "regression"] = "auto"
        schema_file: str = "schema.yaml"

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read it ({error.strerror}).") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({str(error).splitlines()[0]}).") from None
    section = raw.get("data") if isinstance(raw, dict) else None
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: needs a 'data:' section (file, sample, target, task, schema).")
    if "schema_file" in section:
        raise ConfigError(f"{path}: data.schema_file: unknown key (did you mean 'schema'?).")
    values = {("schema_file" if k == "schema" else k): v for k, v in section.items()}
    try:
        data = _Data.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(p) for p in first["loc"]).replace("schema_file", "schema")
        raise ConfigError(f"{path}: data.{key}: {first['msg']}.") from None
    if not data.target.strip():
        raise ConfigError(f"{path}: data.target: name the column to predict.")
    root = path.parent
    return DataConfig(
        file=root / data.file if data.file else None,
        sample=data.sample,
        target=data.target,
        task=None if data.task == "auto" else data.task,
        schema=root / data.schema_file,
    )
