"""Every tunable of the pipeline, parsed once from params.yaml into typed, validated models.

Unknown keys are errors (a typo must never be silently ignored), and every threshold is checked
against the range its metric can take.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import ParamsError
from .kit.config import read_config, validate_config
from .metrics import default_primary, gate_metric_range, metric_names

Task = Literal["classification", "regression"]
Scalar = int | float | str | bool | None
BUNDLED = {
    "breast_cancer": "classification",
    "iris": "classification",
    "wine": "classification",
    "diabetes": "regression",
}
# Keys of earlier versions of params.yaml, and what became of them (named in the error).
RENAMED = {
    "task": "data.task",
    "data.source": 'data.file (a path inside the project; "" = the bundled sample)',
    "data.dataset": "data.sample",
    "data.schema_file": "data.schema",
    "validation.max_missing_fraction": (
        "the schema's per-column `nullable` (schema.yaml: nullable: true allows missing values)"
    ),
}
MODELS = {
    "classification": ("random_forest", "logistic_regression", "hist_gradient_boosting"),
    "regression": ("random_forest", "ridge", "hist_gradient_boosting"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataParams(_Strict):
    """Where the rows come from (the user's table, or a bundled sample), what to predict, how."""

    file: str = Field("", description="a .csv/.parquet path inside the project; '' = the sample")
    sample: Literal["breast_cancer", "iris", "wine", "diabetes"] = "breast_cancer"
    target: str = Field("target", min_length=1)
    task: Literal["auto", "classification", "regression"] = "auto"
    schema_: str = Field("schema.yaml", alias="schema", min_length=1)

    def source_path(self, root: Path) -> Path | None:
        """The data file, or None for the bundled sample."""
        if not self.file:
            return None
        path = Path(self.file).expanduser()
        return path if path.is_absolute() else root / path

    def schema_path(self, root: Path) -> Path:
        """The schema file the user owns (it may not exist yet: then it is inferred)."""
        return root / self.schema_

    def label(self) -> str:
        """The data source as reports name it: the file's project path, or `sample:<name>`."""
        return self.file or f"sample:{self.sample}"


class ValidationParams(_Strict):
    """How strict the data checks beyond the schema are."""

    min_rows: int = Field(50, ge=1)
    min_class_fraction: float = Field(0.05, ge=0.0, le=0.5)
    allow_extra_columns: bool = False


class SplitParams(_Strict):
    """Held-out test set and cross-validation."""

    test_size: float = Field(0.2, gt=0.0, lt=1.0)
    cv_folds: int = Field(5, ge=2, le=20)
    stratify: bool = True
    random_state: int = 42


class FeatureParams(_Strict):
    """Which columns feed the model (empty include = every schema column but the target)."""

    include: list[str] = []
    exclude: list[str] = []
    scale: bool = True


class ModelParams(_Strict):
    """The estimator and its hyper-parameters (passed to scikit-learn as they are)."""

    type: Literal["random_forest", "logistic_regression", "ridge", "hist_gradient_boosting"]
    hyperparameters: dict[str, Scalar] = {}


class GateParams(_Strict):
    """Quality gates: absolute thresholds, then 'beats the champion by at least min_improvement'."""

    primary_metric: str = "auto"
    min: dict[str, float] = {}
    max: dict[str, float] = {}
    min_improvement: float = Field(0.0, ge=0.0)
    #: Also require the primary test metric to beat the trivial baseline's (majority class/mean).
    beat_baseline: bool = False


class RegistryParams(_Strict):
    """The registered model's name and the alias that marks the production model."""

    model_name: str = Field(min_length=1)
    alias: str = Field("champion", pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$")


class Params(_Strict):
    """All of params.yaml."""

    data: DataParams = DataParams()
    validation: ValidationParams = ValidationParams()
    split: SplitParams = SplitParams()
    features: FeatureParams = FeatureParams()
    model: ModelParams
    gates: GateParams
    registry: RegistryParams

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        task = self.known_task
        if not self.data.file and task is not None and BUNDLED[self.data.sample] != task:
            raise ValueError(
                f"data.sample '{self.data.sample}' is a {BUNDLED[self.data.sample]} sample "
                f"but data.task is '{task}'"
            )
        if task is not None:
            check_model_fits(self.model.type, task, "")
        _check_gates(self.gates, task)
        return self

    @property
    def known_task(self) -> Task | None:
        """The task when params alone tell it (set, or the bundled sample's); None: from data."""
        if self.data.task != "auto":
            return self.data.task
        return None if self.data.file else BUNDLED[self.data.sample]  # type: ignore[return-value]

    def primary_metric(self, task: str) -> str:
        """The metric gates and the champion comparison rank by, for TASK."""
        chosen = self.gates.primary_metric
        return default_primary(task) if chosen == "auto" else chosen

    def flat(self) -> dict[str, str]:
        """Every parameter as `section.key` -> text, the form MLflow logs."""
        return {key: str(value) for key, value in _flatten(self.model_dump(by_alias=True)).items()}

    def section(self, *names: str) -> dict[str, Any]:
        """The named sections (dotted paths allowed) as plain data, for cache keys."""
        dumped = self.model_dump(by_alias=True)
        out: dict[str, Any] = {}
        for name in names:
            node: Any = dumped
            for part in name.split("."):
                node = node[part]
            out[name] = node
        return out


def check_model_fits(model_type: str, task: str, why: str) -> None:
    """Raise ValueError when MODEL_TYPE cannot learn TASK (WHY says where the task came from)."""
    if model_type not in MODELS[task]:
        raise ValueError(
            f"model.type '{model_type}' does not fit task '{task}'{why} "
            f"(choose one of: {', '.join(MODELS[task])})"
        )


def _check_gates(gates: GateParams, task: Task | None) -> None:
    known = metric_names(task)
    if gates.primary_metric != "auto" and gates.primary_metric not in known:
        raise ValueError(
            f"gates.primary_metric '{gates.primary_metric}' is not a {task or 'known'} metric "
            f"(choose one of: {', '.join(known)})"
        )
    for bound, thresholds in (("min", gates.min), ("max", gates.max)):
        for name, value in thresholds.items():
            valid = gate_metric_range(task, name)
            if valid is None:
                raise ValueError(
                    f"gates.{bound}.{name} is not a metric the pipeline produces "
                    f"(use test_<m>, cv_<m>_mean or cv_<m>_std with <m> one of: {', '.join(known)})"
                )
            low, high = valid
            if math.isnan(value) or not low <= value <= high:
                raise ValueError(
                    f"gates.{bound}.{name} = {value} is out of range [{low:g}, {high:g}]"
                )


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        flat: dict[str, Any] = {}
        for key, value in node.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
        return flat or {prefix.rstrip("."): "{}"}
    return {prefix.rstrip("."): node}


def load_params(path: Path, overrides: list[str] | None = None) -> Params:
    """Read PATH, apply `key.path=value` OVERRIDES, and validate; raise ParamsError on any problem."""
    if not path.is_file():
        raise ParamsError(f"No parameters file at {path}.", "Run from the project root.")
    raw = read_config(path, error=ParamsError)
    if not overrides:
        return validate_config(raw, Params, path.name, renamed=RENAMED, error=ParamsError)
    merged = copy.deepcopy(raw)
    for override in overrides:
        _apply_override(merged, override)
    try:
        return validate_config(merged, Params, path.name, renamed=RENAMED, error=ParamsError)
    except ParamsError:
        # Blame the file only for its own problems; otherwise an override brought the problem.
        validate_config(raw, Params, path.name, renamed=RENAMED, error=ParamsError)
        source = "--set " + " ".join(overrides)
        return validate_config(merged, Params, source, renamed=RENAMED, error=ParamsError)


def _apply_override(raw: dict[str, Any], override: str) -> None:
    key, sep, text = override.partition("=")
    if not sep or not key:
        raise ParamsError(f"--set '{override}' must look like section.key=value.")
    node = raw
    parts = key.split(".")
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ParamsError(f"--set '{override}': '{part}' is not a section.")
        node = child
    node[parts[-1]] = yaml.safe_load(text) if text else ""
