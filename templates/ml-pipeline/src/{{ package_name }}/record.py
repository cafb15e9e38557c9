"""What the pipeline's parent run records for ``make writeup``, beyond the final metrics.

- ``stage_seconds_<stage>``: how long each stage of this invocation took (0 for a cached one),
  and ``portkit.cached_stages`` naming the cached ones;
- ``portkit.outcome`` / ``portkit.outcome_reason``: champion, kept (passed the gate, did not
  beat the champion), gate_failed, or not_registered (``--no-register``, or ``--step`` stopped
  before the gate), read from what the gate and register stages wrote;
- ``portkit.baseline``, ``portkit.data`` and ``portkit.params``: the curated parameters (data,
  target, split, seed, model type, the features settings changed in params.yaml, and the
  model's parameters set away from scikit-learn's defaults, logged as ``model__<name>``);
- the artifacts ``figures/*.png`` and ``per_class_report.json`` (from evaluate) and
  ``data_summary.json`` (from ingest).

Cached stages count: their outputs are this run's too, so a run that re-trained only still
carries the data summary, and one that only re-gated still carries the figures.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .params import FeatureParams, Params, SplitParams
from .tabular import display_name, runlog

DONE = ("ran", "cached")
SUMMARY = "artifacts/data_summary.json"
MODEL_PARAMS = "artifacts/model_params.json"
FIGURES = "artifacts/figures"
GATE = "artifacts/gate.json"
REGISTRATION = "artifacts/registration.json"
PER_CLASS = "artifacts/per_class.json"


def stage_metrics(statuses: Mapping[str, str], seconds: Mapping[str, float]) -> dict[str, float]:
    """``stage_seconds_<stage>`` of every stage that ran (its time) or was cached (0)."""
    return {
        f"stage_seconds_{name}": (seconds.get(name, 0.0) if state == "ran" else 0.0)
        for name, state in statuses.items()
        if state in DONE
    }


def curated_keys(params: Params, changed: Mapping[str, str]) -> list[str]:
    """The logged param keys worth showing (see the module docstring)."""
    data = params.data
    keys = ["data.file" if data.file else "data.sample", "data.target"]
    keys += ["data.task"] if data.task != "auto" else []
    keys += ["split.test_size", "split.cv_folds", "split.random_state", "model.type"]
    keys += [f"split.{k}" for k in ("stratify",) if _differs(params.split, SplitParams(), k)]
    keys += [
        f"features.{k}"
        for k in ("include", "exclude", "scale")
        if _differs(params.features, FeatureParams(), k)
    ]
    return keys + list(changed)


def _differs(current: Any, default: Any, key: str) -> bool:
    return bool(getattr(current, key) != getattr(default, key))


def outcome(root: Path, statuses: Mapping[str, str], failed: str | None) -> tuple[str, str]:
    """What happened to this invocation's model, and why, in one sentence.

    FAILED names the stage that raised; "gate" only for a gate that said no (GateFailedError).
    """
    if failed != "gate" and statuses.get("gate") not in DONE:
        where = f"failed at {failed}" if failed else "stopped before the gate (--step)"
        return "not_registered", f"the pipeline {where}: nothing was compared or registered"
    decision = _read(root / GATE)
    if not decision.get("passed"):
        return "gate_failed", "; ".join(decision.get("failures", [])) or "the gate failed"
    primary, value = str(decision["primary"]), float(decision["value"])
    champion = decision.get("champion") or {}
    best = champion.get("metrics", {}).get(primary)
    if not decision.get("promote"):
        reason = runlog.beat_sentence(primary, value, best, champion.get("version"))
        return "kept", reason if best is not None else "; ".join(decision.get("reasons", []))
    if statuses.get("register") not in DONE or not _read(root / REGISTRATION).get("promoted"):
        return "not_registered", f"{primary} {value:.4f} passed the gate; registration skipped"
    if best is None:
        return "champion", runlog.beat_sentence(primary, value, None, None)
    version = champion.get("version")
    return "champion", f"{primary} {value:.4f} beat the champion's (v{version}) {best:.4f}"


def _read(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else {}


def log_record(
    client: Any,
    run_id: str,
    root: Path,
    params: Params,
    statuses: Mapping[str, str],
    failed: str | None,
) -> None:
    """Log the curated params, the tags and the artifacts named above to the parent run."""
    from mlflow.entities import Param

    changed = _read(root / MODEL_PARAMS) if statuses.get("train") in DONE else {}
    if changed:
        client.log_batch(run_id, params=[Param(k, str(v)) for k, v in changed.items()])
    tags = dict(runlog.outcome_tags(*outcome(root, statuses, failed)))
    task = _read(root / SUMMARY).get("task") or params.known_task
    if task:
        logged = {**params.flat(), **changed}
        source = display_name(params.data.file, params.data.sample)
        tags.update(runlog.record_tags(task, curated_keys(params, changed), logged, source))
    cached = [name for name, state in statuses.items() if state == "cached"]
    if cached:
        tags[runlog.CACHED_STAGES_TAG] = ",".join(cached)
    for key, value in tags.items():
        client.set_tag(run_id, key, value)
    if statuses.get("ingest") in DONE and (root / SUMMARY).is_file():
        client.log_artifact(run_id, str(root / SUMMARY))
    figures = root / FIGURES
    if statuses.get("evaluate") in DONE and figures.is_dir():
        client.log_artifacts(run_id, str(figures), runlog.FIGURES)
        per_class = _read(root / PER_CLASS)
        if per_class:  # classification: the same name as model-api's
            client.log_dict(run_id, per_class, runlog.PER_CLASS_FILE)
