"""The feature schema: derived from the training data, saved beside the model, turned into API models.

The schema is plain JSON (``feature_schema.json``), so it can be read without this package. At
serving time it becomes real pydantic models: one field per feature with its type, strict
validation (no strings for numbers, no NaN or infinity, no unknown fields) and a batch size limit,
which FastAPI uses both to validate requests and to document them in OpenAPI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

SCHEMA_FILE = "feature_schema.json"
_JSON_TYPES = {"i": "integer", "u": "integer", "f": "number"}


def derive(
    features: pd.DataFrame,
    target: pd.Series,
    task: str,
    class_names: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Describe every feature (name, JSON type, observed range, an example) and the target."""
    columns = []
    for name in features.columns:
        column = features[name]
        kind = _JSON_TYPES.get(column.dtype.kind)
        if kind is None:
            raise TypeError(
                f"Feature {name!r} has dtype {column.dtype}; only numbers are supported"
            )
        cast = int if kind == "integer" else float
        columns.append(
            {
                "name": str(name),
                "type": kind,
                "minimum": cast(column.min()),
                "maximum": cast(column.max()),
                "example": cast(column.iloc[0]),
            }
        )
    schema: dict[str, Any] = {"task": task, "features": columns, "target": {"name": target.name}}
    if task == "classification":
        classes = sorted(int(label) for label in target.unique())
        names = class_names or tuple(str(label) for label in classes)
        schema["target"]["classes"] = [{"label": c, "name": names[c]} for c in classes]
    return schema


def feature_names(schema: dict[str, Any]) -> list[str]:
    """Feature names in the order the estimator expects them."""
    return [feature["name"] for feature in schema["features"]]


def example_row(schema: dict[str, Any]) -> dict[str, float | int]:
    """One valid request body (the first training row)."""
    return {feature["name"]: feature["example"] for feature in schema["features"]}


def save(schema: dict[str, Any], folder: Path) -> Path:
    """Write ``feature_schema.json`` into FOLDER; return its path."""
    path = folder / SCHEMA_FILE
    path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    return path


def load(folder: Path) -> dict[str, Any]:
    """Read ``feature_schema.json`` from FOLDER."""
    return json.loads((folder / SCHEMA_FILE).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ApiModels:
    """The pydantic models of the prediction API, generated from one feature schema."""

    features: type
    batch: type
    prediction: type
    batch_prediction: type


def api_models(schema: dict[str, Any], max_batch: int) -> ApiModels:
    """Build request and response models: one strict, documented field per feature."""
    from pydantic import ConfigDict, Field, create_model

    strict = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    fields: dict[str, Any] = {}
    for feature in schema["features"]:
        python_type = int if feature["type"] == "integer" else float
        description = f"Seen in training: {feature['minimum']:g} to {feature['maximum']:g}"
        fields[feature["name"]] = (
            python_type,
            Field(description=description, examples=[feature["example"]]),
        )
    features = create_model(
        "Features",
        __config__=ConfigDict(**strict, json_schema_extra={"examples": [example_row(schema)]}),
        __doc__="One row of features; every feature is required and no other field is allowed.",
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
    return ApiModels(features, batch, prediction, batch_prediction)


def _prediction_item(schema: dict[str, Any]) -> type:
    from pydantic import Field, create_model

    if schema["task"] == "classification":
        return create_model(
            "PredictionItem",
            prediction=(int, Field(description="Predicted class label")),
            label=(str, Field(description="Name of the predicted class")),
            probabilities=(dict[str, float], Field(description="Probability of each class name")),
        )
    target = schema["target"]["name"]
    return create_model(
        "PredictionItem", prediction=(float, Field(description=f"Predicted {target}"))
    )
