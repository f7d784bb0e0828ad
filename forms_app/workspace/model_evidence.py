"""Why a model version can be trusted: what the models page's evidence panel reads.

Everything comes from the version's stored metrics (no query, no model loaded): the verdict, the
comparison with the points system (or the active version, or chance) on the same holdout, lift by
decile and calibration (``metrics["evidence"]``, from scoring/evidence.py), precision and recall
at the form's thresholds, the drivers, suspected leaks and drift. Versions trained before a figure
existed show the others and say what the next training adds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from forms_app.workspace.charts import (
    Chart,
    auc_text,
    calibration_chart,
    comparison_chart,
    drivers_chart,
    lift_chart,
    rate_text,
)
from scoring.models import ModelVersion

POINTS_SYSTEM = "the points system"
CHANCE = "chance"

# The verdict's kinds as the training gate names them, with the word shown beside the sentence
# (the state is said in words and a symbol, never by colour alone).
VERDICT_LABELS = {
    "ready": "Ready",
    "leakage": "Possible leak",
    "worse_than_chance": "Worse than chance",
    "not_better": "Not better",
    "too_few": "Too few leads",
    "drift": "Drifting",
    "no_figures": "No figures",
}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    kind: str
    label: str
    text: str


@dataclass(frozen=True)
class Comparator:
    name: str  # "the points system", "chance" or "v3"
    roc_auc: float
    holdout_n: int | None


@dataclass(frozen=True)
class ThresholdRow:
    tier: str  # sales_ready, marketing_qualified
    label: str
    threshold: int
    precision: float | None
    recall: float | None


@dataclass(frozen=True)
class ModelEvidence:
    version: ModelVersion
    name: str  # "v3"
    verdict: Verdict
    comparator: Comparator
    comparison: Chart | None
    lift: Chart | None  # None for versions trained before the evidence was kept
    calibration: Chart | None
    drivers: Chart | None
    thresholds: list[ThresholdRow]
    holdout_n: int | None
    holdout_positives: int | None
    base_rate: str
    leakage_suspects: list[dict]
    drift_text: str  # "" unless the version's inputs drifted


def comparator_of(metrics: dict) -> Comparator:
    """What the version is measured against on its holdout: the gate's comparison when it kept
    one, else the points system, else chance."""
    comparison = metrics.get("comparison") or {}
    if comparison.get("roc_auc") is not None:
        return Comparator(
            name=comparison.get("name") or POINTS_SYSTEM,
            roc_auc=float(comparison["roc_auc"]),
            holdout_n=comparison.get("holdout_n"),
        )
    if metrics.get("points_roc_auc") is not None:
        return Comparator(
            name=POINTS_SYSTEM,
            roc_auc=float(metrics["points_roc_auc"]),
            holdout_n=metrics.get("holdout_n"),
        )
    return Comparator(name=CHANCE, roc_auc=0.5, holdout_n=metrics.get("holdout_n"))


def verdict_of(metrics: dict, comparator: Comparator) -> Verdict:
    """The gate's verdict when training kept one; otherwise one line from the figures there are."""
    given = metrics.get("verdict") or {}
    if given.get("text"):
        kind = given.get("kind") or ("ready" if given.get("activate") else "not_better")
        ok = kind == "ready"
        label = VERDICT_LABELS.get(kind, "Ready" if ok else "Check")
        if given["text"].lower().startswith(label.lower()):
            label = ""  # "Ready to activate: …" says it already
        return Verdict(ok=ok, kind=kind, label=label, text=given["text"])

    def verdict(kind: str, text: str) -> Verdict:
        return Verdict(ok=kind == "ready", kind=kind, label=VERDICT_LABELS[kind], text=text)

    suspects = (metrics.get("leakage") or {}).get("suspects") or []
    if suspects:
        return verdict(
            "leakage",
            f"{len(suspects)} {'input looks' if len(suspects) == 1 else 'inputs look'} as if"
            " recorded after the outcome: the holdout figures may be too good to be true.",
        )
    drift = metrics.get("drift") or {}
    if drift.get("drifted"):
        return verdict("drift", drift.get("text") or "The leads have changed since training.")
    auc = metrics.get("roc_auc")
    if auc is None:
        return verdict("no_figures", "This version has no holdout figures to judge it by.")
    if auc <= 0.5:
        return verdict(
            "worse_than_chance",
            f"Ranks its holdout leads no better than chance (ROC AUC {auc_text(auc)}).",
        )
    difference = auc - comparator.roc_auc
    against = f"({auc_text(auc)} against {auc_text(comparator.roc_auc)})"
    if comparator.name == CHANCE:
        return verdict("ready", f"Ranks leads {auc_text(difference)} better than chance {against}.")
    if difference > settings.FORMSCORE_GATE_MARGIN:
        return verdict(
            "ready",
            f"Ranks leads {auc_text(difference)} better than {comparator.name} on the same"
            f" holdout {against}.",
        )
    return verdict(
        "not_better",
        f"Ranks leads no better than {comparator.name} on the same holdout {against}.",
    )


def _threshold_rows(metrics: dict, *, sales_ready: int, qualified: int) -> list[ThresholdRow]:
    thresholds = metrics.get("thresholds") or {}
    rows = []
    for tier, label, default in (
        ("sales_ready", "Sales-ready", sales_ready),
        ("marketing_qualified", "Marketing-qualified", qualified),
    ):
        threshold = thresholds.get(tier, default)
        precision = metrics.get(f"precision_at_{threshold}")
        recall = metrics.get(f"recall_at_{threshold}")
        if precision is not None or recall is not None:
            rows.append(ThresholdRow(tier, label, threshold, precision, recall))
    return rows


def model_evidence(*, version: ModelVersion, sales_ready: int, qualified: int) -> ModelEvidence:
    """The evidence panel of one version, from its stored metrics."""
    metrics = version.metrics or {}
    name = f"v{version.number}"
    comparator = comparator_of(metrics)
    auc = metrics.get("roc_auc")
    figures = metrics.get("evidence") or {}
    deciles, calibration = figures.get("deciles") or [], figures.get("calibration") or []
    drivers = [d for d in metrics.get("drivers") or [] if d.get("importance") is not None]
    base_rate = figures.get("base_rate", metrics.get("base_rate"))
    drift = metrics.get("drift") or {}
    return ModelEvidence(
        version=version,
        name=name,
        verdict=verdict_of(metrics, comparator),
        comparator=comparator,
        comparison=(
            comparison_chart(
                model_name=name,
                model_auc=auc,
                comparator_name=comparator.name,
                comparator_auc=comparator.roc_auc,
            )
            if auc is not None
            else None
        ),
        lift=lift_chart(deciles=deciles, base_rate=base_rate, version=name) if deciles else None,
        calibration=(
            calibration_chart(calibration=calibration, version=name) if calibration else None
        ),
        drivers=drivers_chart(drivers=drivers, version=name) if drivers else None,
        thresholds=_threshold_rows(metrics, sales_ready=sales_ready, qualified=qualified),
        holdout_n=metrics.get("holdout_n"),
        holdout_positives=metrics.get("holdout_positives"),
        base_rate=rate_text(base_rate),
        leakage_suspects=list((metrics.get("leakage") or {}).get("suspects") or []),
        drift_text=(drift.get("text") or "The leads have changed since training.")
        if drift.get("drifted")
        else "",
    )
