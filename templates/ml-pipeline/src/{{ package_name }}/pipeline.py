"""The pipeline, declared once: seven stages, what each reads and writes, and how they run.

    ingest → validate → featurize → train → evaluate → gate → register

`run_pipeline` runs a stage only when its fingerprint changed (see dag.py) or, for gate and
register, when the tracking store is no longer the one they left (see store.py). It logs each
stage that runs as a child of one MLflow parent run, and stops at the first failure: a failed
stage records no cache entry and nothing after it runs, so no partial model is ever registered.
The parent run also records what the write-up reads (record.py): stage timings, the outcome,
the curated parameters, the figures and the data summary. A gate that says no is an outcome,
not a crash: the parent run ends FINISHED with ``portkit.outcome`` = gate_failed (the command
still exits 3); any other failure ends it FAILED.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import store
from .dag import Cache, Dag, Stage
from .errors import GateFailedError
from .params import Params
from .runs import PipelineRun
from .steps.context import Context

PACKAGE_DIR = Path(__file__).parent


def _data_file(params: Params, root: Path) -> list[Path]:
    path = params.data.source_path(root)
    return [path] if path is not None else []


def _schema_file(params: Params, root: Path) -> list[Path]:
    path = params.data.schema_path(root)
    return [path] if path.is_file() else []  # none: inferred from the data, which is an input


def _data_and_schema(params: Params, root: Path) -> list[Path]:
    return _data_file(params, root) + _schema_file(params, root)


DAG = Dag(
    (
        Stage(
            "ingest",
            needs=(),
            params=("data", "model.type"),
            outputs=(
                "data/raw.parquet",
                "data/raw.json",
                "artifacts/schema.yaml",
                "artifacts/data_summary.json",
            ),
            extra_inputs=_data_and_schema,
        ),
        Stage(
            "validate",
            needs=("ingest",),
            params=("data", "validation", "split.cv_folds"),
            outputs=("artifacts/validation.json", "reports/validation.md"),
        ),
        Stage(
            "featurize",
            needs=("ingest", "validate"),
            params=(
                "data",
                "split",
                "features",
            ),
            outputs=("data/train.parquet", "data/test.parquet"),
        ),
        Stage(
            "train",
            needs=("featurize",),
            params=("data", "split", "features", "model"),
            outputs=(
                "artifacts/model.pkl",
                "artifacts/cv_metrics.json",
                "artifacts/model_params.json",
            ),
        ),
        Stage(
            "evaluate",
            needs=("featurize", "train"),
            params=("data", "gates.primary_metric"),
            outputs=("artifacts/metrics.json", "artifacts/per_class.json", "artifacts/figures"),
        ),
        Stage(
            "gate",
            needs=("evaluate",),
            params=("data", "gates", "registry"),
            outputs=("artifacts/gate.json", "reports/metrics.md"),
            tracked=True,
        ),
        Stage(
            "register",
            needs=("ingest", "featurize", "train", "evaluate", "gate"),
            params=("registry",),
            outputs=("artifacts/registration.json",),
            tracked=True,
        ),
    )
)
STAGE_NAMES = tuple(stage.name for stage in DAG.stages)


@dataclass
class PipelineResult:
    """What happened to each stage ('ran' or 'cached' or 'skipped'), how long the ones that ran
    took (seconds), and the MLflow run."""

    statuses: dict[str, str] = field(default_factory=dict)
    run_id: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def stage_key(cache: Cache, stage: Stage, params: Params, root: Path) -> str:
    """The fingerprint of STAGE now (tracked stages include the tracking URI)."""
    extra = ""
    if stage.tracked:
        from . import tracking

        extra = tracking.tracking_uri(root)
    return cache.key(stage, params.section(*stage.params), DAG.inputs(stage, params, root), extra)


def is_fresh(cache: Cache, stage: Stage, params: Params, root: Path) -> bool:
    """True when STAGE's recorded outputs still hold: same fingerprint, same tracking store."""
    if not cache.is_fresh(stage, stage_key(cache, stage, params, root)):
        return False
    return not stage.tracked or store.unchanged(cache.witness(stage), root, params)


def new_cache(root: Path) -> Cache:
    """The cache of the project at ROOT, keyed on this package's code."""
    return Cache(root, PACKAGE_DIR, __package__ or PACKAGE_DIR.name)


def status(root: Path, params: Params) -> dict[str, str]:
    """Each stage: 'up to date' or 'will run' (as of now, without running anything)."""
    cache = new_cache(root)
    out: dict[str, str] = {}
    for stage in DAG.stages:
        stale = [need for need in stage.needs if out[need] != "up to date"]
        if is_fresh(cache, stage, params, root):
            out[stage.name] = f"runs if {stale[0]}'s outputs change" if stale else "up to date"
        else:
            out[stage.name] = "will run"
    return out


def run_pipeline(
    root: Path,
    params: Params,
    *,
    step: str | None = None,
    force: bool = False,
    register: bool = True,
    echo: Callable[[str], None] = lambda line: None,
    result: PipelineResult | None = None,
) -> PipelineResult:
    """Run STEP and what it needs (every stage when STEP is None), skipping unchanged stages.

    FORCE re-runs STEP (or every stage) even when cached. With REGISTER False the register
    stage is skipped (pull requests compare with the champion but never promote).
    """
    result = result if result is not None else PipelineResult()
    cache = new_cache(root)
    run = PipelineRun(root, params)
    ctx = Context(root=root, params=params, run=run, register=register)
    outcome_status = "FAILED"
    checked = False
    failed: str | None = None
    try:
        for stage in DAG.plan(step):
            failed = stage.name
            if stage.name == "register" and not register:
                result.statuses[stage.name] = "skipped"
                echo(f"  {stage.name:<10} skipped (--no-register)")
                continue
            forced = force and (step is None or stage.name == step)
            if not forced and is_fresh(cache, stage, params, root):
                result.statuses[stage.name] = "cached"
                echo(f"  {stage.name:<10} up to date (cached)")
                continue
            if not checked:
                preflight(params)
                checked = True
            key = stage_key(cache, stage, params, root)
            result.seconds[stage.name] = _execute(stage, ctx, cache, key, echo)
            result.statuses[stage.name] = "ran"
        failed = None
        outcome_status = "FINISHED"
    except GateFailedError:
        outcome_status = "FINISHED"  # the gate decided: an outcome, not a crash (see above)
        raise
    finally:
        result.run_id = _close(run, root, params, result, failed, outcome_status)
    _record_store(cache, root, params, result)  # after close: its writes are in the store too
    return result


def _close(
    run: PipelineRun,
    root: Path,
    params: Params,
    result: PipelineResult,
    failed: str | None,
    status: str,
) -> str | None:
    """Record what the write-up reads on the parent run (if one opened), then end it."""
    from . import record

    metrics = _final_metrics(root, result) or {}
    if run.run_id is not None:
        metrics.update(record.stage_metrics(result.statuses, result.seconds))
        record.log_record(run.client(), run.run_id, root, params, result.statuses, failed)
    return run.close(status, metrics)


def _record_store(cache: Cache, root: Path, params: Params, result: PipelineResult) -> None:
    """Remember the tracking store that this run's gate and register outputs match."""
    tracked = [
        stage
        for stage in DAG.stages
        if stage.tracked and result.statuses.get(stage.name) in ("ran", "cached")
    ]
    if all(store.same_bytes(cache.witness(stage), root) for stage in tracked):
        return  # nothing wrote to the store: what was recorded still holds
    state = store.snapshot(root, params)
    if state is None:
        return  # unreadable now: the stages will be checked again, and re-run, next time
    for stage in tracked:
        cache.set_witness(stage, state)


def _final_metrics(root: Path, result: PipelineResult) -> dict[str, float] | None:
    """The evaluation's metrics, for the parent run, when this invocation reached evaluate."""
    import json

    metrics = root / "artifacts" / "metrics.json"
    if result.statuses.get("evaluate") in ("ran", "cached") and metrics.is_file():
        return dict(json.loads(metrics.read_text(encoding="utf-8")))
    return None


def preflight(params: Params) -> None:
    """Check what params.yaml alone cannot (hyper-parameters) before any stage writes anything.

    When the task comes from the data, the settings must suit every task model.type can learn.
    """
    from .params import MODELS
    from .steps.train import build_estimator

    known = params.known_task
    tasks = [known] if known else [t for t, types in MODELS.items() if params.model.type in types]
    for task in tasks:
        build_estimator(params.model, task, params.split.random_state)


def _execute(
    stage: Stage, ctx: Context, cache: Cache, key: str, echo: Callable[[str], None]
) -> float:
    """Run STAGE in its child run; record its cache entry; return how long it took (s)."""
    import time

    from .errors import DataError
    from .tabular import DataError as TableError

    module = importlib.import_module(f"{__package__}.{stage.module}")
    cache.forget(stage)
    with ctx.run.child(stage.name):
        started = time.perf_counter()  # after the run opened: MLflow set-up is not the stage's
        try:
            outcome = module.run(ctx)
        except TableError as exc:  # bad data: one line for the user, no traceback
            raise DataError(str(exc)) from None
        seconds = time.perf_counter() - started
        outcome.metrics.setdefault("seconds", seconds)
        ctx.run.log_outcome(outcome, [ctx.root / out for out in stage.outputs])
    cache.store(stage, key)
    echo(f"  {stage.name:<10} ran in {seconds:.1f}s: {outcome.summary}")
    return seconds


def project_root(params_file: Path) -> Path:
    """The folder holding params.yaml (relative data paths are resolved from it)."""
    return params_file.resolve().parent


def github_summary() -> Path | None:
    """The job summary file when running in GitHub Actions."""
    value = os.environ.get("GITHUB_STEP_SUMMARY")
    return Path(value) if value else None
