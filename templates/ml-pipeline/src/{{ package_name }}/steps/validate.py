"""Step 2, validate: check the raw table against the schema and stop with a report when it is bad.

The schema check (tabular.check_frame) names every column and row that breaks it: missing
columns, wrong types, unknown categories, values out of range, missing values in a column that is
not nullable. Then the target (tabular.prepare_target: present, more than one class, enough rows
per class; rows with no target are dropped and counted) and this project's rules from params.yaml
`validation:` (enough rows, class balance, columns the schema does not know). No row is repaired.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field

import pandas as pd

from ..dag import Outcome
from ..errors import ValidationFailedError
from ..params import Params
from ..tabular import DataError, Schema, check_frame, prepare_target
from .context import Context
from .ingest import OUTPUT as RAW

REPORT_JSON = "artifacts/validation.json"
REPORT_MD = "reports/validation.md"


@dataclass
class ValidationReport:
    """Everything validation found; `ok` is False when any problem (not warning) was found."""

    rows: int
    columns: int
    problems: list[str] = field(default_factory=list)
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
        ]
        lines += [""] + [f"- problem: {p}" for p in self.problems]
        if self.problems:
            lines += ["", "No row was repaired: fix the data (or the schema) and run again."]
        lines += [f"- notice: {w}" for w in self.warnings]
        return "\n".join(lines) + "\n"


def validate(frame: pd.DataFrame, schema: Schema, params: Params, source: str) -> ValidationReport:
    """Check FRAME against SCHEMA and params' rules; never modifies FRAME."""
    report = ValidationReport(rows=len(frame), columns=len(frame.columns))
    rules = params.validation
    try:
        checked = check_frame(frame, schema, source=source)
        prepared = prepare_target(
            checked, schema, min_rows_per_class=max(params.split.cv_folds, 2), source=source
        )
    except DataError as exc:
        report.problems.append(str(exc))
        return report
    report.warnings += prepared.notices
    known = {*schema.columns, *schema.dropped, schema.target}
    extra = [str(name) for name in frame.columns if name not in known]
    if extra and not rules.allow_extra_columns:
        report.problems.append(
            f"{source}: column(s) not in the schema: {', '.join(extra)} "
            "(add them with `make schema`, or set validation.allow_extra_columns: true)"
        )
    elif extra:
        report.warnings.append(f"column(s) not in the schema, ignored: {', '.join(extra)}")
    if len(prepared.y) < rules.min_rows:
        report.problems.append(
            f"{source}: {len(prepared.y)} rows with a target, fewer than "
            f"validation.min_rows={rules.min_rows}"
        )
    if schema.task == "classification":
        shares = prepared.y.value_counts(normalize=True)
        for label, share in shares.items():
            if share < rules.min_class_fraction:
                report.problems.append(
                    f"{source}: class '{label}' of '{schema.target}' is {share:.1%} of the rows, "
                    f"below validation.min_class_fraction={rules.min_class_fraction:g}"
                )
    duplicates = int(frame.duplicated().sum())
    if duplicates:
        report.warnings.append(f"{duplicates} duplicated row(s) (kept)")
    return report


def run(ctx: Context) -> Outcome:
    """Validate data/raw.parquet; write the report; raise ValidationFailedError when bad."""
    frame = pd.read_parquet(ctx.root / RAW)
    report = validate(frame, ctx.schema(), ctx.params, ctx.params.data.label())
    ctx.write_json(REPORT_JSON, {**asdict(report), "ok": report.ok})
    ctx.path(REPORT_MD).write_text(report.to_markdown(), encoding="utf-8")
    for warning in report.warnings:
        print(f"notice: {warning}", file=sys.stderr)
    if not report.ok:
        raise ValidationFailedError(
            "Data validation failed: " + "; ".join(report.problems) + f" (report: {REPORT_MD})"
        )
    return Outcome(
        summary=f"passed ({len(report.warnings)} notice(s))",
        metrics={"validation_problems": 0, "validation_warnings": len(report.warnings)},
    )
