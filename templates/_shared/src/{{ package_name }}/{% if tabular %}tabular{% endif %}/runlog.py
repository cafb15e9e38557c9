"""What every training run records for ``make writeup`` beyond its metrics: the tag names and
their checks, the figures and the data summary (the contract both templates follow).

Tags (strings): ``portkit.baseline`` (what the baseline is), ``portkit.params`` (a JSON list of
the logged param keys worth showing), ``portkit.outcome`` with ``portkit.outcome_reason`` (what
happened to the model, in one sentence) and ``portkit.data`` (the data's display name).
Artifacts: ``figures/*.png``, ``data_summary.json`` and, for classification,
``per_class_report.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .baseline import DESCRIPTION

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BASELINE_TAG = "portkit.baseline"
PARAMS_TAG = "portkit.params"
OUTCOME_TAG = "portkit.outcome"
OUTCOME_REASON_TAG = "portkit.outcome_reason"
DATA_TAG = "portkit.data"
CACHED_STAGES_TAG = "portkit.cached_stages"
#: champion: became the champion; kept: scored but did not beat it; gate_failed: stopped by a
#: threshold; not_registered: passed but registration was skipped; eval: an evaluation run.
OUTCOMES = ("champion", "kept", "gate_failed", "not_registered", "eval")
SUMMARY_FILE = "data_summary.json"
#: Precision, recall, F1 and support per class on the test split (classification only).
PER_CLASS_FILE = "per_class_report.json"
FIGURES = "figures"


def record_tags(
    task: str, curated: Iterable[str], logged: Mapping[str, Any], data: str
) -> dict[str, str]:
    """The baseline, curated-parameters and data tags of a run whose params are LOGGED.

    Every curated key must be a logged param (the write-up looks them up): a key that is not
    is a bug in the caller, so it raises rather than publish a list that points nowhere.
    """
    keys = list(dict.fromkeys(curated))
    missing = [key for key in keys if key not in logged]
    if missing:
        raise ValueError(f"curated params not logged: {', '.join(missing)}")
    return {BASELINE_TAG: DESCRIPTION[task], PARAMS_TAG: json.dumps(keys), DATA_TAG: data}


def outcome_tags(outcome: str, reason: str) -> dict[str, str]:
    """The outcome tags; OUTCOME must be one of :data:`OUTCOMES`."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}: use one of {', '.join(OUTCOMES)}")
    return {OUTCOME_TAG: outcome, OUTCOME_REASON_TAG: reason}


def beat_sentence(metric: str, score: float, previous: float | None, version: str | None) -> str:
    """``f1_macro 0.9120 did not beat the champion's (v1) 0.9340``, or the first-model sentence."""
    if previous is None:
        return f"{metric} {score:.4f}: the first model, so it became the champion"
    champion = f"the champion's (v{version})" if version else "the champion's"
    return f"{metric} {score:.4f} did not beat {champion} {previous:.4f}"


def log_figures(client: Any, run_id: str, figures: Mapping[str, Figure]) -> None:
    """Log each figure to RUN_ID as ``figures/<name>``."""
    for name, figure in figures.items():
        client.log_figure(run_id, figure, f"{FIGURES}/{name}", save_kwargs={"dpi": 100})


def log_summary(client: Any, run_id: str, summary: Mapping[str, Any]) -> None:
    """Log the data summary to RUN_ID as ``data_summary.json``."""
    client.log_dict(run_id, dict(summary), SUMMARY_FILE)
