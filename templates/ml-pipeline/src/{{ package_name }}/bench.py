"""`bench`: how long the pipeline takes, how much a no-change re-run saves, how it grows with rows.

Each scenario runs the real CLI in a fresh process inside a scratch copy of the project (its own
params.yaml, schema.yaml and a throw-away SQLite MLflow store), so the figures include imports and
MLflow set-up, as a user sees them. Larger inputs are synthetic: the configured data resampled
with replacement, with a little noise on every feature, kept inside the schema's ranges.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd


def synthetic(frame: pd.DataFrame, target: str, factor: int, seed: int = 0) -> pd.DataFrame:
    """FACTOR times FRAME's rows: resampled rows with 5% of each column's spread as noise."""
    rng = np.random.default_rng(seed)
    rows = frame.sample(n=len(frame) * factor, replace=True, random_state=seed)
    rows = rows.reset_index(drop=True)
    for column in rows.columns:
        if column == target or not pd.api.types.is_float_dtype(rows[column]):
            continue
        spread = float(frame[column].std()) or 1.0
        noisy = rows[column] + rng.normal(0.0, 0.05 * spread, len(rows))
        rows[column] = noisy.clip(frame[column].min(), frame[column].max())
    return rows


def _time(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def _scratch_project(root: Path, into: Path) -> None:
    into.mkdir(parents=True)
    for name in ("params.yaml", "schema.yaml"):
        shutil.copy2(root / name, into / name)


def run_bench(root: Path, scales: list[int], echo: Callable[[str], None]) -> str:
    """Run the scenarios; return a Markdown table of the figures."""
    from .params import load_params
    from .steps.ingest import ingest

    params = load_params(root / "params.yaml")
    base = ingest(params.data, root)
    command = [sys.executable, "-m", __package__ or "", "pipeline"]
    rows: list[tuple[str, int, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for factor in scales:
            project = Path(tmp) / f"x{factor}"
            _scratch_project(root, project)
            env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{project / 'mlflow.db'}"}
            args = list(command)
            if factor != 1:
                data = project / "data-synthetic.parquet"
                synthetic(base, params.data.target, factor).to_parquet(data, index=False)
                args += ["--set", f"data.source={data.name}"]
            seconds = _time(args, project, env)
            rows.append((f"full pipeline, {factor}x rows", len(base) * factor, seconds))
            echo(f"{rows[-1][0]}: {seconds:.1f}s")
            if factor == 1:
                again = _time(args, project, env)
                rows.append(("no-change re-run (all cached)", len(base), again))
                echo(f"{rows[-1][0]}: {again:.1f}s")
    first = rows[0][2]
    lines = [
        "# Pipeline benchmark",
        "",
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPU(s); "
        f"model {params.model.type}, {params.split.cv_folds}-fold CV; "
        "each figure is one fresh process, imports and MLflow set-up included.",
        "",
        "| scenario | rows | seconds | vs first run |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {name} | {n} | {s:.1f} | {s / first:.2f}x |" for name, n, s in rows]
    return "\n".join(lines) + "\n"
