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


def mixed_table(rows: int = 100_000, seed: int = 0) -> pd.DataFrame:
    """A generated table of ROWS x 20 mixed columns (12 numbers, 6 categories, 1 boolean, 1 label)
    with missing values: what a user's table looks like, at a size the sample is not."""
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {}
    for i in range(12):
        values = rng.normal(i, 1 + i, rows)
        values[rng.random(rows) < 0.05] = np.nan
        columns[f"num_{i}"] = values
    for i in range(6):
        levels = np.array([f"c{i}_{k}" for k in range(3 + 4 * i)], dtype=object)
        values = levels[rng.integers(0, len(levels), rows)]
        values[rng.random(rows) < 0.05] = None
        columns[f"cat_{i}"] = values
    columns["flag"] = rng.random(rows) < 0.3
    frame = pd.DataFrame(columns)
    signal = frame["num_0"].fillna(0) + 0.5 * frame["num_1"].fillna(0) + frame["flag"]
    frame["label"] = np.where(signal > signal.median(), "yes", "no")
    return frame


def _peak_child_mb() -> float:
    """The peak resident memory of the largest child process so far, in MB (Unix only)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


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
        if (root / name).is_file():  # no schema.yaml yet: the pipeline infers it
            shutil.copy2(root / name, into / name)


MIXED = "generated 100,000 x 20 mixed columns (categories, missing values)"


def _mixed_scenario(root: Path, project: Path, command: list[str]) -> tuple[float, float]:
    """The pipeline on mixed_table() with a user's defaults (task and schema inferred, no
    absolute gate): its seconds and the peak resident memory (MB) of its process."""
    project.mkdir(parents=True)
    shutil.copy2(root / "params.yaml", project / "params.yaml")
    mixed_table().to_parquet(project / "mixed.parquet", index=False)
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{project / 'mlflow.db'}"}
    overrides = (
        "data.file=mixed.parquet",
        "data.target=label",
        "data.task=auto",
        "data.schema=mixed-schema.yaml",
        "gates.min={}",
        "gates.max={}",
        "gates.primary_metric=auto",
    )
    args = [*command, *(arg for override in overrides for arg in ("--set", override))]
    seconds = _time(args, project, env)
    return seconds, _peak_child_mb()


def run_bench(root: Path, scales: list[int], echo: Callable[[str], None]) -> str:
    """Run the scenarios; return a Markdown table of the figures."""
    from .params import load_params
    from .steps.ingest import ingest

    params = load_params(root / "params.yaml")
    base = ingest(params.data, root)
    command = [sys.executable, "-m", __package__ or "", "pipeline"]
    rows: list[tuple[str, int, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        # First, so the peak memory read after it is this run's alone (it only ever grows).
        mixed_seconds, mixed_peak = _mixed_scenario(root, Path(tmp) / "mixed", command)
        echo(f"{MIXED}: {mixed_seconds:.1f}s, peak memory {mixed_peak:.0f} MB")
        for factor in scales:
            project = Path(tmp) / f"x{factor}"
            _scratch_project(root, project)
            env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{project / 'mlflow.db'}"}
            args = list(command)
            if params.data.file or factor != 1:
                data = project / "data-synthetic.parquet"
                synthetic(base, params.data.target, factor).to_parquet(data, index=False)
                args += ["--set", f"data.file={data.name}"]
            seconds = _time(args, project, env)
            rows.append((f"full pipeline, {factor}x rows", len(base) * factor, seconds))
            echo(f"{rows[-1][0]}: {seconds:.1f}s")
            if factor == 1:
                again = _time(args, project, env)
                rows.append(("no-change re-run (all cached)", len(base), again))
                echo(f"{rows[-1][0]}: {again:.1f}s")
    rows.append((MIXED, 100_000, mixed_seconds))
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
    lines += [
        "",
        f"Peak resident memory: {mixed_peak:.0f} MB for the generated mixed table, "
        f"{_peak_child_mb():.0f} MB for the largest pipeline process of the run.",
    ]
    return "\n".join(lines) + "\n"
