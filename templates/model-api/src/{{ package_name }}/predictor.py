"""Validated rows in, predictions out: the code the API runs for every request, and nothing else.

It lives apart from the web app so that ``make bench`` can time exactly this code in-process
(its ceiling for any server) without HTTP, JSON or FastAPI in the way.
"""

from __future__ import annotations

import time
from operator import attrgetter
from typing import Any

import numpy as np
from sklearn import config_context

from . import schema as schema_module
from .loading import LoadedModel


class NonFinitePredictionError(ValueError):
    """The model produced NaN or an infinity for some rows (inputs far outside its training range).

    Such a value is no prediction, and it is not valid JSON either: it is never served.
    """

    def __init__(self, rows: list[int]) -> None:
        super().__init__(f"non-finite model output for rows {rows}")
        self.rows = rows


class Predictor:
    """Turns validated rows into predictions with direct estimator calls."""

    def __init__(self, loaded: LoadedModel) -> None:
        self.estimator = loaded.estimator
        # A Pipeline's own predict re-checks inputs and routes metadata on every call; calling
        # each fitted step directly does the same arithmetic for half the time.
        steps = [step for _, step in getattr(loaded.estimator, "steps", [])]
        self._transforms = [step.transform for step in steps[:-1] if step != "passthrough"]
        self._final = steps[-1] if steps else loaded.estimator
        self.version = loaded.version
        self.names = schema_module.feature_names(loaded.schema)
        getter = attrgetter(*self.names)
        self._values = getter if len(self.names) > 1 else (lambda row: (getter(row),))
        self.classification = loaded.schema["task"] == "classification"
        if self.classification:
            label_names = {c["label"]: c["name"] for c in loaded.schema["target"]["classes"]}
            self.labels = [int(label) for label in self._final.classes_]
            self.label_names = [label_names.get(label, str(label)) for label in self.labels]

    def matrix(self, rows: list[Any]) -> np.ndarray:
        """Rows of validated features as a 2-D float array in training column order."""
        return np.array([self._values(row) for row in rows], dtype=np.float64)

    def predict(self, x: np.ndarray) -> list[dict[str, Any]]:
        """One prediction dict per row; NonFinitePredictionError if any output is not finite."""
        # pydantic has already refused NaN and infinity, so scikit-learn need not scan for them
        # again at every step (~30% of a small model's call). A context, not a global setting:
        # scikit-learn's configuration is per thread, and slow models run in the thread pool.
        # Finite inputs can still overflow (two features at 1e308): the outputs are checked
        # below instead, so numpy's overflow warnings would only be noise.
        with config_context(assume_finite=True), np.errstate(over="ignore", invalid="ignore"):
            for transform in self._transforms:
                x = transform(x)
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
                "prediction": self.labels[index],
                "label": self.label_names[index],
                "probabilities": dict(zip(self.label_names, row, strict=True)),
            }
            for index, row in zip(best, outputs.tolist(), strict=True)
        ]

    def seconds_per_call(self, example: dict[str, Any], repeat: int = 20) -> float:
        """Median wall time of one single-row prediction (decides where predictions run)."""
        x = np.array([[example[name] for name in self.names]], dtype=np.float64)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            self.predict(x)
            timings.append(time.perf_counter() - started)
        return sorted(timings)[len(timings) // 2]
