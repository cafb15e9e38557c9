"""Step 2, validate: check the raw table against schema.yaml and stop with a report when it is bad.

Checks: required and unexpected columns, column types, missing values, value ranges, target
labels and class balance, and the number of rows. Every problem is reported with the rows it
concerns; no row is ever dropped or repaired here.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml

from ..dag import Outcome
from ..errors import ParamsError, ValidationFailedError
from ..params import ValidationParams
from .context import Context
from .ingest import OUTPUT as RAW

REPORT_JSON = "artifacts/validation.json"
REPORT_MD = "reports/validation.md"
ColumnType = Literal["float", "int"]
_SHOW_ROWS = 5


@dataclass(frozen=True)
class Column:
    """What one numeric column must hold."""

    type: ColumnType
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Schema:
    """The expected columns; the target's allowed values (classification) or range (regression)."""

    target: str
    target_type: ColumnType
    target_values: tuple[float, ...] | None
    columns: dict[str, Column]


@dataclass(frozen=True)
class Problem:
    """One way the data breaks the schema, with the first rows concerned (1 = first data row)."""

    check: str
    column: str
    message: str
    rows: tuple[int, ...] = ()


@dataclass
class ValidationReport:
    """Everything validation found; `ok` is False when any problem (not warning) was found."""

    rows: int
    columns: int
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the data may go on to training."""
        return not self.problems

    def to_markdown(self) -> str:
        """The report as a readable Markdown page."""
        verdict = "passed" if self.ok else f"FAILED with {len(self.problems)} problem(s)"
        lines = [
            "# Data validation",
            "",
            f"{self.rows} rows, {self.columns} columns: **{verdict}**.",
            "",
        ]
        if self.problems:
            lines += ["| check | column | problem | rows (first) |", "|---|---|---|---|"]
            for p in self.problems:
                rows = ", ".join(str(r) for r in p.rows) or "-"
                lines.append(f"| {p.check} | {p.column or '-'} | {p.message} | {rows} |")
            lines += ["", "No row was dropped: fix the data (or the schema) and run again."]
        for warning in self.warnings:
            lines.append(f"- warning: {warning}")
        return "\n".join(lines) + "\n"


def load_schema(path: Path) -> Schema:
    """Parse schema.yaml; raise ParamsError when it is missing or malformed."""
    if not path.is_file():
        raise ParamsError(
            f"No schema file at {path.name}.",
            "Write one from known-good data with `python -m <package> schema --write`.",
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        target = raw["target"]
        columns = {
            str(name): Column(
                type=spec.get("type", "float"), min=spec.get("min"), max=spec.get("max")
            )
            for name, spec in raw["columns"].items()
        }
        values = target.get("values")
        return Schema(
            target=str(target["name"]),
            target_type=target.get("type", "float"),
            target_values=tuple(values) if values is not None else None,
            columns=columns,
        )
    except (yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise ParamsError(f"{path.name} is malformed ({type(exc).__name__}: {exc}).") from None


def infer_schema(frame: pd.DataFrame, target: str, task: str) -> dict[str, Any]:
    """A schema for FRAME (assumed good): observed ranges widened by half their span."""
    columns: dict[str, Any] = {}
    for name in frame.columns:
        if name == target:
            continue
        columns[name] = _infer_column(frame[name])
    spec: dict[str, Any] = {"name": target, "type": _kind(frame[target])}
    if task == "classification":
        spec["values"] = sorted(frame[target].dropna().unique().tolist())
    return {"target": spec, "columns": columns}


def _kind(series: pd.Series) -> ColumnType:
    return "int" if pd.api.types.is_integer_dtype(series) else "float"


def _infer_column(series: pd.Series) -> dict[str, Any]:
    low, high = float(series.min()), float(series.max())
    margin = (high - low) / 2 or abs(high) or 1.0
    spec: dict[str, Any] = {"type": _kind(series)}
    spec["min"] = 0.0 if low >= 0 and low - margin < 0 else _round(low - margin)
    spec["max"] = _round(high + margin)
    return spec


def _round(value: float) -> float:
    if value == 0:
        return 0.0
    digits = 3 - int(math.floor(math.log10(abs(value))))
    return float(round(value, max(digits, 0)))


def validate(
    frame: pd.DataFrame, schema: Schema, rules: ValidationParams, task: str
) -> ValidationReport:
    """Check FRAME against SCHEMA and RULES; never modifies FRAME."""
    report = ValidationReport(rows=len(frame), columns=len(frame.columns))
    if len(frame) < rules.min_rows:
        report.problems.append(
            Problem("rows", "", f"{len(frame)} rows, fewer than min_rows={rules.min_rows}")
        )
    _check_columns(frame, schema, rules, report)
    for name, spec in schema.columns.items():
        if name in frame.columns:
            _check_values(frame[name], name, spec, rules, report)
    if schema.target in frame.columns:
        _check_target(frame[schema.target], schema, rules, task, report)
    duplicates = int(frame.duplicated().sum())
    if duplicates:
        report.warnings.append(f"{duplicates} duplicated row(s) (kept)")
    return report


def _check_columns(
    frame: pd.DataFrame, schema: Schema, rules: ValidationParams, report: ValidationReport
) -> None:
    expected = [*schema.columns, schema.target]
    for name in expected:
        if name not in frame.columns:
            report.problems.append(Problem("columns", name, "required column is missing"))
    for name in frame.columns:
        if name not in expected:
            if rules.allow_extra_columns:
                report.warnings.append(f"column '{name}' is not in the schema (ignored)")
            else:
                report.problems.append(Problem("columns", name, "column is not in the schema"))


def _rows(mask: pd.Series) -> tuple[int, ...]:
    positions = mask.to_numpy().nonzero()[0][:_SHOW_ROWS]
    return tuple(int(p) + 1 for p in positions)


def _numeric(series: pd.Series, name: str, spec_type: str, report: ValidationReport) -> pd.Series:
    """SERIES as numbers; records a type problem for values that are not numbers."""
    numbers = pd.to_numeric(series, errors="coerce")
    bad = numbers.isna() & series.notna()
    if bad.any():
        examples = ", ".join(repr(v) for v in series[bad].astype(str).unique()[:3])
        report.problems.append(
            Problem(
                "type",
                name,
                f"expected {spec_type} but {int(bad.sum())} value(s) are not numbers ({examples})",
                _rows(bad),
            )
        )
    elif spec_type == "int":
        fractional = numbers.notna() & (numbers % 1 != 0)
        if fractional.any():
            report.problems.append(
                Problem(
                    "type",
                    name,
                    f"expected int but {int(fractional.sum())} value(s) have decimals",
                    _rows(fractional),
                )
            )
    return numbers


def _check_values(
    series: pd.Series, name: str, spec: Column, rules: ValidationParams, report: ValidationReport
) -> None:
    numbers = _numeric(series, name, spec.type, report)
    missing = series.isna()
    if missing.any() and missing.mean() > rules.max_missing_fraction:
        report.problems.append(
            Problem(
                "missing",
                name,
                f"{int(missing.sum())} missing value(s) ({missing.mean():.1%}), more than "
                f"max_missing_fraction={rules.max_missing_fraction:g}",
                _rows(missing),
            )
        )
    low = numbers < spec.min if spec.min is not None else pd.Series(False, index=series.index)
    high = numbers > spec.max if spec.max is not None else pd.Series(False, index=series.index)
    outside = low | high
    if outside.any():
        report.problems.append(
            Problem(
                "range",
                name,
                f"{int(outside.sum())} value(s) outside [{spec.min:g}, {spec.max:g}]",
                _rows(outside),
            )
        )


def _check_target(
    series: pd.Series,
    schema: Schema,
    rules: ValidationParams,
    task: str,
    report: ValidationReport,
) -> None:
    name = schema.target
    numbers = _numeric(series, name, schema.target_type, report)
    missing = series.isna()
    if missing.any():
        report.problems.append(
            Problem("missing", name, f"{int(missing.sum())} row(s) have no target", _rows(missing))
        )
    if task != "classification" or schema.target_values is None:
        return
    unknown = numbers.notna() & ~numbers.isin(schema.target_values)
    if unknown.any():
        labels = ", ".join(str(v) for v in numbers[unknown].unique()[:3])
        report.problems.append(
            Problem("labels", name, f"unknown target label(s): {labels}", _rows(unknown))
        )
    shares = numbers[numbers.notna()].value_counts(normalize=True)
    for label in schema.target_values:
        share = float(shares.get(label, 0.0))
        if share < rules.min_class_fraction:
            report.problems.append(
                Problem(
                    "balance",
                    name,
                    f"class {label:g} is {share:.1%} of rows, below "
                    f"min_class_fraction={rules.min_class_fraction:g}",
                )
            )


def run(ctx: Context) -> Outcome:
    """Validate data/raw.parquet; write the report; raise ValidationFailedError when bad."""
    frame = pd.read_parquet(ctx.root / RAW)
    schema = load_schema(ctx.root / ctx.params.data.schema_file)
    if schema.target != ctx.params.data.target:
        raise ParamsError(
            f"data.target is '{ctx.params.data.target}' but the schema's target is "
            f"'{schema.target}'."
        )
    report = validate(frame, schema, ctx.params.validation, ctx.params.task)
    ctx.write_json(REPORT_JSON, {**asdict(report), "ok": report.ok})
    ctx.path(REPORT_MD).write_text(report.to_markdown(), encoding="utf-8")
    if not report.ok:
        listed = "\n".join(
            f"  - {p.check}: {p.column + ': ' if p.column else ''}{p.message}"
            + (f" (rows {', '.join(map(str, p.rows))})" if p.rows else "")
            for p in report.problems
        )
        raise ValidationFailedError(
            f"Data validation failed with {len(report.problems)} problem(s):\n{listed}",
            f"Full report: {REPORT_MD}. No row was dropped.",
        )
    return Outcome(
        summary=f"passed ({len(report.warnings)} warning(s))",
        metrics={"validation_problems": 0, "validation_warnings": len(report.warnings)},
    )
