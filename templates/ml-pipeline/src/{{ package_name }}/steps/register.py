"""Step 7, register: log the model to MLflow and, when the gate said so, make it the champion.

The model is always logged to the run (with signature, input example and explicit requirements)
so it can be inspected; it becomes a registered version, and the alias moves to it, only when
the gate passed and the model beats the current champion.
"""

from __future__ import annotations

import pickle
from typing import Any

from ..dag import Outcome
from ..errors import GateFailedError
from ..runs import log_params
from .context import SCHEMA, Context
from .evaluate import METRICS
from .featurize import TEST, load
from .gate import DECISION
from .ingest import CARD, OUTPUT
from .train import MODEL

REGISTRATION = "artifacts/registration.json"


def run(ctx: Context) -> Outcome:
    """Log the model; register and promote it when artifacts/gate.json says `promote`."""
    from .. import registry

    decision = ctx.read_json(DECISION)
    if not decision["passed"]:  # the gate step raises first; this guards a hand-edited file
        raise GateFailedError("The gate did not pass: nothing to register.")
    mlflow: Any = ctx.run.mlflow
    with (ctx.root / MODEL).open("rb") as handle:
        estimator = pickle.load(handle)  # our own file, written by the train step
    x_test, _ = load(ctx, TEST)
    # the schema travels with the model, so a model-api layer (`portkit add`) can serve it
    model_uri = registry.log_model(mlflow, estimator, raw_example(ctx, x_test), ctx.root / SCHEMA)
    metrics = ctx.read_json(METRICS)
    data_sha = ctx.read_json(CARD)["sha256"]
    params = ctx.params.registry
    # The registered version points at this run: give it everything the write-up and the next
    # gate need (metrics, params, git and data tags), not just the model.
    mlflow.log_metrics(metrics)
    log_params(mlflow, mlflow.active_run().info.run_id, ctx.params.flat())
    mlflow.set_tags({**ctx.run.tags(), "data_sha256": data_sha})
    record: dict[str, Any] = {"model_uri": model_uri, "promoted": False, "version": None}
    if decision["promote"]:
        primary = decision["primary"]
        tags = {"data_sha256": data_sha, primary: f"{metrics[primary]:.6f}"}
        version = registry.promote(mlflow, model_uri, params.model_name, params.alias, tags)
        record.update(promoted=True, version=version)
        summary = f"registered {params.model_name} v{version} and moved @{params.alias} to it"
    else:
        summary = "model logged, not promoted: " + "; ".join(decision["reasons"])
    ctx.write_json(REGISTRATION, record)
    return Outcome(
        summary=summary, tags={"model_uri": model_uri, "promoted": str(record["promoted"])}
    )


def raw_example(ctx: Context, x_test: Any) -> Any:
    """Five rows of the feature columns as the table has them (its own column types).

    The logged signature is inferred from this example, so the registered model accepts rows
    read straight from the user's file: an integer column stays an integer column (MLflow will
    not cast int64 to the float64 that validation converts numbers to for training).
    """
    import pandas as pd

    raw = pd.read_parquet(ctx.root / OUTPUT, columns=list(x_test.columns))
    return raw.head(5) if len(raw) else x_test.head(5)
