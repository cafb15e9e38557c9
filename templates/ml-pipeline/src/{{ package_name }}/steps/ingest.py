"""Step 1, ingest: read the user's table (or the bundled sample) and settle the schema.

The schema is schema.yaml when the project has one (the user owns it), else it is inferred from
the data (a notice says so; `make schema` writes it). Either way the schema this run uses goes to
artifacts/schema.yaml, with the task resolved, so every later step reads the same one.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pandas as pd

from ..dag import Outcome
from ..errors import ParamsError
from ..params import DataParams, Params, check_model_fits
from ..tabular import (
    DataError,
    Schema,
    bundled,
    data_summary,
    infer_schema,
    prepare_target,
    read_schema,
    read_table,
    write_schema,
)
from .context import SCHEMA, Context

OUTPUT = "data/raw.parquet"
CARD = "data/raw.json"
SUMMARY = "artifacts/data_summary.json"  # rows, columns, class balance, gaps: for the model card


def ingest(source: DataParams, root: Path) -> pd.DataFrame:
    """The raw table, exactly as read: no row is changed or dropped here."""
    path = source.source_path(root)
    if path is None:
        return bundled(source.sample)[0]
    return read_table(path)


def settle_schema(frame: pd.DataFrame, params: Params, root: Path) -> tuple[Schema, bool]:
    """schema.yaml if there is one (checked against params), else inferred; True when inferred."""
    data = params.data
    task = None if data.task == "auto" else data.task
    path = data.schema_path(root)
    if not path.is_file():
        try:
            inferred = infer_schema(frame, data.target, task)
        except DataError as exc:  # name the file, as every other data message does
            raise DataError(f"{data.label()}: {exc.message}", exc.hint) from None
        # A target with one class would make a schema that cannot be read back: say so now.
        prepare_target(frame, inferred, min_rows_per_class=1, source=data.label())
        return inferred, True
    schema = read_schema(path)
    if schema.target != data.target:
        raise ParamsError(
            f"data.target is '{data.target}' but {data.schema_} predicts '{schema.target}'.",
            f"Write the schema again with `make schema` (it overwrites {data.schema_}).",
        )
    if task is not None and schema.task != task:
        raise ParamsError(
            f"data.task is '{task}' but {data.schema_} says '{schema.task}'.",
            f"Set data.task: auto, or fix `task:` in {data.schema_}.",
        )
    return schema, False


def content_hash(frame: pd.DataFrame) -> str:
    """A SHA-256 of the table's values, column names and types (independent of file format)."""
    digest = hashlib.sha256()
    digest.update("\0".join(f"{c}:{t}" for c, t in frame.dtypes.astype(str).items()).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def run(ctx: Context) -> Outcome:
    """Read the source, settle the schema, store the table as Parquet with a data card and summary."""
    params = ctx.params
    frame = ingest(params.data, ctx.root)
    schema, inferred = settle_schema(frame, params, ctx.root)
    try:
        why = " (inferred from the target)" if params.data.task == "auto" else ""
        check_model_fits(params.model.type, schema.task, why)
    except ValueError as exc:
        raise ParamsError(str(exc), "Change model.type in params.yaml.") from None
    if inferred:
        print(
            f"notice: no {params.data.schema_}: the schema is inferred from the data "
            f"({schema.task}, {len(schema.columns)} feature(s)"
            + (f"; not used: {schema.dropped_text()}" if schema.dropped else "")
            + f"). Run `make schema` to write it to {params.data.schema_} and own it.",
            file=sys.stderr,
        )
    label = params.data.label()
    sha = content_hash(frame)
    write_schema(schema, ctx.path(SCHEMA))
    frame.to_parquet(ctx.path(OUTPUT), index=False)
    ctx.write_json(
        CARD,
        {
            "sha256": sha,
            "rows": len(frame),
            "columns": len(frame.columns),
            "source": label,
            "target": schema.target,
            "task": schema.task,
        },
    )
    ctx.write_json(SUMMARY, data_summary(frame, schema.target, schema.task, label))
    return Outcome(
        summary=f"{len(frame)} rows x {len(frame.columns)} columns from {label} ({schema.task})",
        metrics={"rows": len(frame), "columns": len(frame.columns)},
        tags={"data_sha256": sha, "data_source": label, "task": schema.task},
    )
