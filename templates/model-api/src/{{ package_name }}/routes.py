"""The API's endpoints: operations (health, readiness, metadata) and predictions.

Registered on the app itself rather than through an ``APIRouter``, so the app's routes stay one
flat list that Starlette matches directly.

Request bodies are parsed and validated in one pass by pydantic-core, and answers serialised by
it too, instead of going through ``json.loads``/``json.dumps`` and Python dicts. Endpoints are
``async`` so a sub-millisecond model runs on the event loop with no thread hop (see
``ServingState.run`` for a slow one).
"""

# No `from __future__ import annotations` here: FastAPI reads the endpoint annotations at runtime.

from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from pydantic_core import to_json

from .apidocs import ERROR_RESPONSES, request_body
from .predictor import NonFinitePredictionError
from .state import ServingState


def add_operations(app: FastAPI, state: ServingState) -> None:
    """``/`` (to the docs), ``/health``, ``/ready`` and ``/metadata``."""
    loaded = state.loaded

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.get("/health", tags=["operations"], summary="Liveness: the process is up")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"], summary="Readiness: the model is loaded and warm")
    async def ready() -> JSONResponse:
        if not state.ready:
            return JSONResponse({"ready": False}, status_code=503)
        return JSONResponse({"ready": True, "model_version": loaded.version})

    @app.get("/metadata", tags=["operations"], summary="Model name, version, metrics and schema")
    async def metadata() -> dict[str, Any]:
        return {
            "name": loaded.name,
            "version": loaded.version,
            "run_id": loaded.run_id,
            "source": loaded.source,
            "dataset": loaded.dataset,
            "target": loaded.schema.target,
            "task": loaded.schema.task,
            "classes": loaded.schema.classes,
            "metrics": loaded.metrics,
            "max_batch": state.settings.max_batch,
            "feature_schema": asdict(loaded.schema),
            "example": loaded.example,  # a row of the training table, as a request body
        }


def add_predictions(app: FastAPI, state: ServingState) -> None:
    """``/predict`` (one row) and ``/predict/batch`` (up to ``MAX_BATCH`` rows)."""
    models, predictor = state.models, state.predictor
    Features, Batch = models.features, models.batch  # noqa: N806 - these are classes

    @app.post(
        "/predict",
        response_model=models.prediction,
        openapi_extra=request_body(Features),
        responses=ERROR_RESPONSES,
        tags=["predictions"],
        summary="Predict one row",
    )
    async def predict(request: Request) -> Response:
        features = await _parse(Features, request)
        try:
            (prediction,) = await state.run([features])
        except NonFinitePredictionError:
            return _unservable(["body"])
        return _json({**prediction, "model_version": predictor.version})

    @app.post(
        "/predict/batch",
        response_model=models.batch_prediction,
        openapi_extra=request_body(Batch),
        responses=ERROR_RESPONSES,
        tags=["predictions"],
        summary=f"Predict up to {state.settings.max_batch} rows in one call",
    )
    async def predict_batch(request: Request) -> Response:
        batch = await _parse(Batch, request)
        try:
            predictions = await state.run(batch.rows)
        except NonFinitePredictionError as error:
            return _unservable([f"rows[{row}]" for row in error.rows])
        return _json({"predictions": predictions, "model_version": predictor.version})


async def _parse(model: Any, request: Request) -> Any:
    """Parse and validate a JSON body in one pass (pydantic-core, no intermediate dicts).

    FastAPI would first build Python objects with ``json.loads`` and validate them afterwards,
    which costs ~3x more for a 64-row batch; errors are reported the same way (422, by field).
    A body not declared as JSON is refused (415) rather than parsed on a guess.
    """
    content_type = request.headers.get("content-type", "")
    if not _is_json(content_type):
        got = f"got {content_type[:100]!r}" if content_type else "none was sent"
        raise HTTPException(415, f"Content-Type must be application/json ({got})")
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False)) from None


def _is_json(content_type: str) -> bool:
    """``application/json`` or a ``+json`` type, with or without parameters (``charset``)."""
    media_type = content_type.partition(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _unservable(fields: list[str]) -> JSONResponse:
    """422 for rows whose prediction came out NaN or infinite: never served as a prediction."""
    message = (
        "the model's output is not a finite number (NaN or infinity), usually because "
        "features are far outside the range seen in training"
    )
    detail = [
        {
            "field": field,
            "message": f"{field}: {message}" if field != "body" else message,
            "type": "non_finite_prediction",
        }
        for field in fields
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def _json(content: Any) -> Response:
    """Serialise with pydantic-core (~10x faster than ``json.dumps`` for a 64-row answer)."""
    return Response(to_json(content), media_type="application/json")
