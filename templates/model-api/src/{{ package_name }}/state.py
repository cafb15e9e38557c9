"""What the endpoints share: the model, its request models, readiness, and where to run it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool

from .loading import LoadedModel
from .predictor import Predictor
from .schema import ApiModels, api_models
from .settings import ServeSettings, SettingsError

#: A model slower than this per call is run in the thread pool rather than on the event loop.
OFFLOAD_AFTER_SECONDS = 0.002


class PredictionLog:
    """Appends each prediction as a JSON line (features, prediction, model version, time)."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")
        except OSError as exc:  # a check at start-up cannot foresee every refusal (e.g. /proc)
            reason = exc.strerror or type(exc).__name__
            raise SettingsError(f"PREDICTION_LOG={path}: cannot open it ({reason})") from None

    def write(self, rows: list[Any], predictions: list[dict[str, Any]], version: str) -> None:
        now = time.time()
        for row, prediction in zip(rows, predictions, strict=True):
            features = row.model_dump(by_alias=True, exclude_unset=True)  # as sent
            record = {"time": now, "model_version": version, "features": features}
            self._file.write(json.dumps({**record, **prediction}) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


@dataclass
class ServingState:
    """One app's model and its serving state; ``ready`` and ``offload`` are set at start-up."""

    loaded: LoadedModel
    settings: ServeSettings
    predictor: Predictor
    models: ApiModels
    prediction_log: PredictionLog | None
    ready: bool = False
    offload: bool = False

    @classmethod
    def build(cls, loaded: LoadedModel, settings: ServeSettings) -> ServingState:
        """The predictor and request models for LOADED; opens the prediction log when asked for."""
        predictor = Predictor(loaded)
        models = api_models(loaded.schema, settings.max_batch, loaded.example)
        log = PredictionLog(settings.prediction_log) if settings.prediction_log else None
        return cls(loaded, settings, predictor, models, log)

    def measure(self) -> float:
        """Time one prediction on the example row; a slow model is moved off the event loop."""
        example = self.loaded.example
        features = self.models.features
        seconds = self.predictor.seconds_per_call(features, example) if example else float("inf")
        self.offload = seconds > OFFLOAD_AFTER_SECONDS
        return seconds

    async def run(self, rows: list[Any]) -> list[dict[str, Any]]:
        """Predict validated ROWS (in the thread pool for a slow model) and log them."""
        x = self.predictor.matrix(rows)
        if self.offload:
            predictions = await run_in_threadpool(self.predictor.predict, x)
        else:
            predictions = self.predictor.predict(x)
        if self.prediction_log is not None:
            self.prediction_log.write(rows, predictions, self.predictor.version)
        return predictions

    def close(self) -> None:
        """Not ready any more; the prediction log is flushed and closed."""
        self.ready = False
        if self.prediction_log is not None:
            self.prediction_log.close()
