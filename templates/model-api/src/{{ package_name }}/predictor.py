"""Validated rows in, predictions out: the code the API runs for every request, and nothing else.

It lives apart from the web app so that ``make bench`` can time exactly this code in-process
(its ceiling for any server) without HTTP, JSON or FastAPI in the way.
"""

from __future__ import annotations

import time
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd
from sklearn import config_context

from . import schema as schema_module
from .fastpath import FastEncoder, Rows, fast_encoder
from .loading import LoadedModel


class NonFinitePredictionError(ValueError):
    """The model produced NaN or an infinity for some rows (inputs far outside its training range).

    Such a value is no prediction, and it is not valid JSON either: it is never served.
    """

    def __init__(self, rows: list[int]) -> None:
        super().__init__(f"non-finite model output for rows {rows}")
        self.rows = rows


class Predictor:
    """Turns validated rows into predictions with direct calls to the fitted pipeline's steps."""

    def __init__(self, loaded: LoadedModel) -> None:
        self.estimator = loaded.estimator
        # A Pipeline's own predict re-checks inputs and routes metadata on every call; calling
        # each fitted step directly does the same arithmetic for less time.
        steps = [step for _, step in getattr(loaded.estimator, "steps", [])]
        self._transforms = [step.transform for step in steps[:-1] if step != "passthrough"]
        self._final = steps[-1] if steps else loaded.estimator
        self.version = loaded.version
        self.names = schema_module.feature_names(loaded.schema)
        attributes = [f"f{index}" for index in range(len(self.names))]
        getter = attrgetter(*attributes)
        self._values = getter if len(attributes) > 1 else (lambda row: (getter(row),))
        self.classification = loaded.schema.task == "classification"
        if self.classification:
            self.classes = [str(label) for label in self._final.classes_]
        self._encoder = self._fast_encoder(loaded) if steps else None

    def _fast_encoder(self, loaded: LoadedModel) -> FastEncoder | None:
        """The fast path, checked at start-up on the example row, with and without its gaps."""
        if not loaded.example:
            return None
        row = tuple(loaded.example.get(name) for name in self.names)
        columns = loaded.schema.columns
        gaps = tuple(
            None if columns[n].nullable else v for n, v in zip(self.names, row, strict=True)
        )
        categories = {
            n: list(c.categories or []) for n, c in columns.items() if c.kind == "category"
        }
        return fast_encoder(loaded.estimator, self.names, categories, [[row], [gaps], [row, gaps]])

    def matrix(self, rows: list[Any]) -> Rows:
        """Validated rows as tuples of raw values in the table's column order."""
        return [self._values(row) for row in rows]

    def frame(self, values: Rows) -> pd.DataFrame:
        """Row values as a frame with the table's column names: what the pipeline takes."""
        return pd.DataFrame(values, columns=self.names)

    def _inputs(self, values: Rows) -> Any:
        if self._encoder is not None:
            try:
                return self._encoder.transform(values)
            except (ValueError, TypeError):  # e.g. a date not in ISO form: the pipeline parses it
                pass
        x: Any = self.frame(values)
        for transform in self._transforms:
            x = transform(x)
        return x

    def predict(self, values: Rows) -> list[dict[str, Any]]:
        """One prediction dict per row; NonFinitePredictionError if any output is not finite."""
        # pydantic has already refused NaN and infinity (gaps are imputed inside the model), so
        # scikit-learn need not scan for them again at every step. A context, not a global
        # setting: scikit-learn's configuration is per thread, and slow models run in the thread
        # pool. Finite inputs can still overflow (two features at 1e308): the outputs are
        # checked below instead, so numpy's overflow warnings would only be noise.
        with config_context(assume_finite=True), np.errstate(over="ignore", invalid="ignore"):
            x = self._inputs(values)
            if self.classification:
                outputs = self._final.predict_proba(x)
            else:
                outputs = np.asarray(self._final.predict(x), dtype=np.float64)
        finite = np.isfinite(outputs.reshape(len(outputs), -1)).all(axis=1)
        if not finite.all():
            raise NonFinitePredictionError(np.flatnonzero(~finite).tolist())
        if not self.classification:
            return [{"prediction": value} for value in outputs.ravel().tolist()]
        best = outputs.argmax(axis=1).tolist()
        return [
            {
                "prediction": self.classes[index],
                "probabilities": dict(zip(self.classes, row, strict=True)),
            }
            for index, row in zip(best, outputs.tolist(), strict=True)
        ]

    def seconds_per_call(self, features: Any, example: dict[str, Any], repeat: int = 20) -> float:
        """Median wall time of one single-row prediction (decides where predictions run)."""
        x = self.matrix([features.model_validate(example)])
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            self.predict(x)
            timings.append(time.perf_counter() - started)
        return sorted(timings)[len(timings) // 2]
