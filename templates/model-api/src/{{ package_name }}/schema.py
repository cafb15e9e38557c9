"""The feature schema (the kit's ``schema.yaml``), saved beside the model and turned into API models.

At serving time it becomes pydantic models: one field per feature, named exactly as the table's
column (an alias when the name is no Python identifier), typed by its kind: numbers, whole
numbers, booleans, dates as text, and categories as an enum of those seen in training; a feature
that had gaps accepts ``null``. Validation is strict (no strings for numbers, no NaN or
infinity, no unknown fields) and FastAPI uses the same models to document the API in OpenAPI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import pandas as pd

from .tabular import Schema, read_schema, write_schema

SCHEMA_FILE = "schema.yaml"


def save(schema: Schema, folder: Path) -> Path:
    """Write ``schema.yaml`` into FOLDER; return its path."""
    path = folder / SCHEMA_FILE
    write_schema(schema, path)
    return path


def load(folder: Path) -> Schema:
    """Read ``schema.yaml`` from FOLDER."""
    return read_schema(folder / SCHEMA_FILE)


def feature_names(schema: Schema) -> list[str]:
    """Feature names in the order the model expects them (the file's column order)."""
    return schema.features()


def describe(schema: Schema, name: str, version: str, dataset: str) -> str:
    """The API's description in OpenAPI: what it predicts, from which table, with which inputs."""
    names = ", ".join(f"`{n}`" for n in feature_names(schema))
    classes = f" (classes: {', '.join(schema.classes)})" if schema.classes else ""
    return (
        f"Serves {name} version {version}: {schema.task} of `{schema.target}`{classes}, "
        f"trained on {dataset or 'its table'}. "
        f"Every request row needs exactly these features (the table's columns): {names}."
    )


def json_row(schema: Schema, row: pd.Series) -> dict[str, Any]:
    """ROW of a table as one valid request body: JSON types per kind, ``None`` for a gap."""
    body: dict[str, Any] = {}
    for name, column in schema.columns.items():
        value = row[name]
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            body[name] = None
        elif column.kind == "number":
            body[name] = float(value)
        elif column.kind == "integer":
            body[name] = int(value)
        elif column.kind == "boolean":
            body[name] = bool(value)
        elif column.kind == "datetime":
            stamp = pd.Timestamp(value)
            body[name] = (
                stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
            )
        else:
            body[name] = str(value)
    return body


def _no_text(value: Any) -> Any:
    """Whole numbers: 3 and 3.0 are accepted, the text "3" or true is a wrong type."""
    if isinstance(value, (str, bytes, bool)):
        raise ValueError("Input should be a valid integer")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("Input should be a finite number")
    return value


def _a_date(value: str) -> str:
    """Dates as in the table (2024-05-31, 2012/01/01, ...): refused when they do not parse."""
    try:
        pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        raise ValueError("Input should be a date, e.g. 2024-05-31") from None
    return value


def _field_type(column: Any) -> Any:
    from pydantic import AfterValidator, BeforeValidator, Field

    python: Any
    if column.kind == "integer":
        python = Annotated[int, BeforeValidator(_no_text), Field(strict=False)]
    elif column.kind == "number":
        python = float
    elif column.kind == "boolean":
        python = bool
    elif column.kind == "category":
        python = Literal[tuple(column.categories or ())]
    else:
        python = Annotated[str, AfterValidator(_a_date)]
    return Optional[python] if column.nullable else python  # noqa: UP045 - built at runtime


def _describe(name: str, column: Any) -> str:
    if column.kind == "category":
        text = f"Category: one of the {len(column.categories or ())} values seen in training"
    elif column.kind == "datetime":
        text = "Date (ISO 8601, e.g. 2024-05-31)"
    elif column.min is not None and column.max is not None:
        text = f"{column.kind.capitalize()}; seen in training: {column.min:g} to {column.max:g}"
    else:
        text = column.kind.capitalize()
    return text + (" (null when unknown)" if column.nullable else "")


@dataclass(frozen=True)
class ApiModels:
    """The pydantic models of the prediction API, generated from one feature schema."""

    features: type
    batch: type
    prediction: type
    batch_prediction: type
    #: Python attribute of each feature, in feature order (the JSON key is the column name).
    attributes: list[str]


def api_models(schema: Schema, max_batch: int, example: dict[str, Any] | None = None) -> ApiModels:
    """Build request and response models: one strict, documented field per feature."""
    from pydantic import ConfigDict, Field, create_model

    strict = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, populate_by_name=False)
    fields: dict[str, Any] = {}
    attributes = []
    for index, (name, column) in enumerate(schema.columns.items()):
        attribute = f"f{index}"
        attributes.append(attribute)
        fields[attribute] = (
            _field_type(column),
            Field(alias=name, description=_describe(name, column)),
        )
    for index, (name, reason) in enumerate(schema.dropped.items()):
        # Rows copied from the table still carry the columns training dropped: accepted, unused.
        ignored = f"Ignored: dropped in training ({reason}); accepted so rows of the table fit"
        fields[f"d{index}"] = (Any, Field(default=None, alias=name, description=ignored))
    examples = {"examples": [example]} if example else {}
    features = create_model(
        "Features",
        __config__=ConfigDict(**strict, json_schema_extra=examples),
        __doc__="One row of the table: every feature is required; the dropped columns may come too.",
        **fields,
    )
    batch = create_model(
        "Batch",
        __config__=strict,
        __doc__=f"Up to {max_batch} rows, scored in one call.",
        rows=(list[features], Field(min_length=1, max_length=max_batch)),  # type: ignore[valid-type]
    )
    item = _prediction_item(schema)
    prediction = create_model(
        "Prediction", __base__=item, model_version=(str, Field(description="Registry version"))
    )
    batch_prediction = create_model(
        "BatchPrediction",
        predictions=(list[item], ...),  # type: ignore[valid-type]
        model_version=(str, Field(description="Registry version")),
    )
    return ApiModels(features, batch, prediction, batch_prediction, attributes)


def _prediction_item(schema: Schema) -> type:
    from pydantic import Field, create_model

    if schema.task == "classification":
        classes = tuple(schema.classes or ())
        return create_model(
            "PredictionItem",
            prediction=(Literal[classes], Field(description=f"Predicted {schema.target}")),
            probabilities=(
                dict[str, float],
                Field(description=f"Probability of each class: {', '.join(classes)}"),
            ),
        )
    return create_model(
        "PredictionItem", prediction=(float, Field(description=f"Predicted {schema.target}"))
    )
