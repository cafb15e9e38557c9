"""``make bench``, second part: a generated 100,000-row table of 20 mixed columns.

The table (seeded, generated here, nothing downloaded) has numbers, whole numbers, booleans and
categories of 3 to 40 values, with gaps in a third of the columns, and a 3-class text target.
It is trained end to end exactly like the project's own data (``train``, in a child process with
a throw-away MLflow store), timed, and its peak memory read from the child's own resource usage.
Then the request path is timed in-process, one row at a time: the model with preprocessing
(categories, gaps) against an all-numeric model of the same table's number columns, so the
preprocessing's share of a request's latency is a ratio measured side by side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROWS = 100_000
REPEAT = 300

#: Run in the child: train on the table, then report the child's own peak memory.
_TRAIN = """
import json, resource, sys, time
from pathlib import Path
from PACKAGE.config import DataConfig
from PACKAGE.train import train
table, folder = Path(sys.argv[1]), Path(sys.argv[2])
started = time.perf_counter()
result = train(export_dir=folder / "export", config=DataConfig(table, "iris", "y", None, folder / "schema.yaml"))
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(dict(seconds=time.perf_counter() - started, peak_kib=peak_kib)))
"""


def mixed_table(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    """19 features (8 numbers, 3 whole numbers, 2 booleans, 6 categories) and a target."""
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {}
    score = np.zeros(rows)
    for i in range(8):
        values = rng.normal(i, 1 + i, rows)
        score += values / (1 + i) * (1 if i % 2 else -1)
        columns[f"number_{i}"] = values
    for i in range(3):
        columns[f"count_{i}"] = rng.integers(0, 50 * (i + 1), rows)
    for i in range(2):
        columns[f"flag_{i}"] = rng.random(rows) < 0.3
    for i, size in enumerate((3, 5, 8, 12, 20, 40)):
        codes = rng.integers(0, size, rows)
        score += (codes % 3 - 1) * 0.5
        columns[f"category_{i}"] = np.array([f"c{i}_{k}" for k in range(size)], dtype=object)[codes]
    frame = pd.DataFrame(columns)
    for name in ("number_1", "number_4", "count_2", "category_1", "category_3", "flag_1"):
        frame[name] = frame[name].astype(object).where(rng.random(rows) >= 0.05, None)  # gaps
    frame["y"] = np.array(["low", "mid", "high"], dtype=object)[np.digitize(score, [-1.0, 1.0])]
    return frame


def run(package: str) -> str:
    """Generate, train (timed, peak memory), time the request path; Markdown lines to print."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        frame = mixed_table()
        table = folder / "mixed.csv"
        frame.to_csv(table, index=False)
        env = {
            **os.environ,
            "MLFLOW_TRACKING_URI": "sqlite:///" + (folder / "mlflow.db").as_posix(),
        }
        code = _TRAIN.replace("PACKAGE", package)
        done = subprocess.run(
            [sys.executable, "-c", code, str(table), str(folder)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
            return f"Mixed table: training failed: {tail[0]}"
        trained = json.loads(done.stdout.strip().splitlines()[-1])
        mixed_ms, numeric_ms = _latencies(folder / "export", frame)
    return "\n".join(
        [
            f"Mixed table ({ROWS:,} rows x {frame.shape[1]} columns, generated): trained end to "
            f"end in {trained['seconds']:.1f} s, peak memory {trained['peak_kib'] / 1024:.0f} MiB.",
            f"One-row request path in-process: {mixed_ms:.3f} ms with preprocessing (categories, "
            f"gaps) vs {numeric_ms:.3f} ms for an all-numeric model of its number columns: "
            f"{mixed_ms / numeric_ms:.1f}x.",
        ]
    )


def _latencies(export: Path, frame: pd.DataFrame) -> tuple[float, float]:
    """Median ms of one single-row request (validated row -> answer), mixed vs all-numeric."""
    import dataclasses

    from .loading import load
    from .model import build_estimator
    from .tabular import infer_schema

    mixed = load(str(export))
    numbers = [*mixed.schema.features("number"), "y"]
    sample = frame[numbers].dropna().head(20_000)
    schema = infer_schema(sample, "y", "classification")
    x = sample.drop(columns="y")
    estimator = build_estimator(schema).fit(x, sample["y"])
    from .schema import json_row

    numeric = dataclasses.replace(
        mixed, estimator=estimator, schema=schema, example=json_row(schema, x.iloc[0])
    )
    return _one_row_ms(mixed), _one_row_ms(numeric)


def _one_row_ms(loaded: Any) -> float:
    from .predictor import Predictor
    from .schema import api_models

    predictor = Predictor(loaded)
    features = api_models(loaded.schema, 1).features
    body = json.dumps(loaded.example)
    timings = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        predictor.predict(predictor.matrix([features.model_validate_json(body)]))
        timings.append(time.perf_counter() - started)
    return sorted(timings)[len(timings) // 2] * 1000
