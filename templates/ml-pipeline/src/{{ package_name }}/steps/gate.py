"""Step 6, gate: check the thresholds, compare with the champion, write reports/metrics.md.

The gate passes when every threshold in params.yaml holds and, with `gates.beat_baseline: true`,
when the primary test metric beats the trivial baseline's (``baseline_test_<m>``: majority class
or mean). The model is promoted when it also beats the current champion's primary test metric by
at least `min_improvement` (or when there is no champion yet). A failed gate stops the pipeline
(exit code 3) after writing the report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..dag import Outcome
from ..errors import GateFailedError, ParamsError
from ..metrics import metric
from ..params import GateParams
from ..registry import Champion
from .context import Context
from .evaluate import METRICS

DECISION = "artifacts/gate.json"
REPORT = "reports/metrics.md"


@dataclass(frozen=True)
class Check:
    """One threshold: `value` must be >= (min) or <= (max) `threshold`."""

    name: str
    bound: str
    threshold: float
    value: float | None

    @property
    def passed(self) -> bool:
        """Whether the value is on the right side of the threshold (a missing value fails)."""
        if self.value is None:
            return False
        return self.value >= self.threshold if self.bound == "min" else self.value <= self.threshold


@dataclass
class Decision:
    """The gate's verdict and the reasons for it."""

    checks: list[Check]
    primary: str
    value: float
    champion: Champion | None
    beats_champion: bool
    reasons: list[str] = field(default_factory=list)
    #: The baseline's primary test metric, and whether the gate requires beating it.
    baseline: float | None = None
    require_baseline: bool = False

    @property
    def beats_baseline(self) -> bool:
        """The primary metric is strictly better than the baseline's (a missing one is not)."""
        if self.baseline is None:
            return False
        higher = metric(self.primary.removeprefix("test_")).higher_is_better
        return self.value > self.baseline if higher else self.value < self.baseline

    @property
    def failures(self) -> list[str]:
        """One sentence per threshold that does not hold (and the baseline, when required)."""
        found = [
            f"{c.name} = {_fmt(c.value)} is {'below' if c.bound == 'min' else 'above'} "
            f"the gate {c.bound} {c.threshold:g}"
            for c in self.checks
            if not c.passed
        ]
        if self.require_baseline and not self.beats_baseline:
            found.append(
                f"{self.primary} = {self.value:.4f} does not beat the baseline's "
                f"{_fmt(self.baseline)} (gates.beat_baseline)"
            )
        return found

    @property
    def passed(self) -> bool:
        """All thresholds hold (and the baseline is beaten, when required)."""
        return not self.failures

    @property
    def promote(self) -> bool:
        """Register the model and move the alias to it."""
        return self.passed and self.beats_champion

    def to_dict(self) -> dict[str, object]:
        """Plain data for artifacts/gate.json."""
        data = asdict(self)
        data["checks"] = [{**asdict(c), "passed": c.passed} for c in self.checks]
        return {
            **data,
            "beats_baseline": self.beats_baseline,
            "failures": self.failures,
            "passed": self.passed,
            "promote": self.promote,
        }


def decide(
    metrics: dict[str, float], gates: GateParams, primary_metric: str, champion: Champion | None
) -> Decision:
    """Apply GATES to METRICS and compare the PRIMARY_METRIC on the test set with CHAMPION's."""
    checks = [
        Check(name, bound, threshold, metrics.get(name))
        for bound, thresholds in (("min", gates.min), ("max", gates.max))
        for name, threshold in thresholds.items()
    ]
    primary = f"test_{primary_metric}"
    if primary not in metrics:
        raise ParamsError(
            f"gates.primary_metric '{primary_metric}' was not measured "
            f"(measured: {', '.join(sorted(metrics))}).",
            "Choose a metric of this task in params.yaml `gates:`.",
        )
    value = metrics[primary]
    higher = metric(primary_metric).higher_is_better
    reasons: list[str] = []
    if champion is None or primary not in champion.metrics:
        beats = True
        reasons.append("no champion yet" if champion is None else f"champion has no {primary}")
    else:
        best = champion.metrics[primary]
        gain = value - best if higher else best - value
        beats = gain > 0 and gain >= gates.min_improvement
        if not beats:
            reasons.append(
                f"{primary} = {value:.4f} does not beat champion v{champion.version} "
                f"({best:.4f}) by at least {gates.min_improvement:g}"
            )
    baseline = metrics.get(f"baseline_{primary}")
    return Decision(checks, primary, value, champion, beats, reasons, baseline, gates.beat_baseline)


def _fmt(value: float | None) -> str:
    return "missing" if value is None else f"{value:.4f}"


def render_report(
    decision: Decision, metrics: dict[str, float], model_name: str, problem: str = ""
) -> str:
    """The comparison with the champion as Markdown, fit for a pull-request comment.

    PROBLEM names what is predicted (`churned (classification) from data/churn.parquet`).
    """
    champion = decision.champion
    if not decision.passed:
        verdict = "❌ **Gate failed**: the model is not registered."
    elif decision.promote:
        verdict = f"✅ **Gate passed**: promoted to `{model_name}` champion."
    else:
        verdict = "➖ **Gate passed** but the model does not beat the champion: not promoted."
    against = f"champion v{champion.version}" if champion else "champion (none yet)"
    lines = [
        f"## Model report: `{model_name}`",
        "",
        *([f"Predicting {problem}.", ""] if problem else []),
        verdict,
        "",
        f"| metric | this model | baseline | {against} | change | gate |",
        "|---|---:|---:|---:|---:|---|",
    ]
    gates = {c.name: c for c in decision.checks}
    for name in sorted(metrics):
        if not name.startswith(("test_", "cv_")):
            continue
        value = metrics[name]
        old = champion.metrics.get(name) if champion else None
        change = f"{value - old:+.4f}" if old is not None else "-"
        check = gates.get(name)
        gate = (
            f"{'✅' if check.passed else '❌'} {'≥' if check.bound == 'min' else '≤'} "
            f"{check.threshold:g}"
            if check
            else ""
        )
        baseline = metrics.get(f"baseline_{name}")
        lines.append(
            f"| {name} | {value:.4f} | {_fmt(baseline) if baseline is not None else '-'} "
            f"| {_fmt(old) if old is not None else '-'} | {change} | {gate} |"
        )
    lines.append("")
    for reason in [*decision.failures, *decision.reasons]:
        lines.append(f"- {reason}")
    return "\n".join(lines) + "\n"


def run(ctx: Context) -> Outcome:
    """Decide on artifacts/metrics.json; write the report; raise GateFailedError on a failed gate."""
    from .. import registry

    params = ctx.params
    metrics = ctx.read_json(METRICS)
    current = registry.champion(ctx.run.mlflow, params.registry.model_name, params.registry.alias)
    schema = ctx.schema()
    decision = decide(metrics, params.gates, ctx.primary_metric(schema.task), current)
    ctx.write_json(DECISION, decision.to_dict())
    problem = f"`{schema.target}` ({schema.task}) from `{params.data.label()}`"
    report = render_report(decision, metrics, params.registry.model_name, problem)
    ctx.path(REPORT).write_text(report, encoding="utf-8")
    if not decision.passed:
        raise GateFailedError(
            "Quality gate failed: " + "; ".join(decision.failures),
            f"Nothing was registered. See {REPORT}.",
        )
    verdict = "promote" if decision.promote else "keep champion"
    return Outcome(
        summary=f"passed; {verdict} ({'; '.join(decision.reasons) or 'beats champion'})",
        metrics={"gate_passed": 1.0, "promote": float(decision.promote)},
    )
