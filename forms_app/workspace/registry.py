"""What the models page reads: a form's versions side by side, their history and its data.

Reads only (the writes are scoring.services' activate and roll back, and the training task).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.db.models.fields.json import KT

from forms_app.models import Form
from forms_app.scoring_adapter import form_cold_start, model_version_live_quality
from forms_app.workspace.model_evidence import ModelEvidence, model_evidence
from scoring.features import SPEC_FORMAT
from scoring.models import ModelVersion, ModelVersionEvent, TrainingRun
from scoring.services import LiveQuality

COMPARE_MAX = 4
EVENTS_SHOWN = 30
# What a page of versions never needs: the artefact itself.
ARTEFACT_FIELDS = (
    "onnx",
    "reference",
    "baseline",
    "feature_spec",
    "candidates",
    "drift_reference",
)


@dataclass(frozen=True)
class FormRegistry:
    versions: list[ModelVersion]  # newest first, each with its feature spec's `spec_format`
    compared: list[ModelVersion]  # at most COMPARE_MAX, newest first
    metric_rows: list[dict]  # the comparison table: one row per figure, one cell per version
    active: ModelVersion | None
    live: LiveQuality | None  # how the active version ranks the leads it scored live
    active_outdated: bool  # the active version's spec format cannot be served any more
    events: list[ModelVersionEvent]  # newest first
    run: TrainingRun | None  # the latest training run
    labelled_count: int  # leads with a known outcome: what the next training learns from
    converted_count: int
    cold_start: dict  # that history against the one minimum (scoring.services.cold_start_progress)
    evidence: ModelEvidence | None  # why to trust the chosen version (the active one by default)
    evidence_choices: list[dict]  # each version's link to its own evidence: number, url, current


def form_registry(*, form: Form, compare: list[str], evidence: str | None = None) -> FormRegistry:
    """The models page of a form; `compare` lists version numbers to put side by side and
    `evidence` the version whose evidence is shown (the active one, or the newest, by default)."""
    versions = list(
        form.model_versions.defer(*ARTEFACT_FIELDS)
        .annotate(spec_format=KT("feature_spec__format"))
        .select_related("created_by")
    )
    active = next((v for v in versions if v.status == ModelVersion.Status.ACTIVE), None)
    compared = _versions_compared(versions, active, compare)
    cold_start = form_cold_start(form)
    shown = next((v for v in versions if str(v.number) == evidence), None) or active
    shown = shown or (versions[0] if versions else None)
    return FormRegistry(
        versions=versions,
        compared=compared,
        metric_rows=_metric_rows(compared, form),
        active=active,
        live=model_version_live_quality(active) if active is not None else None,
        # The format comes back as text or a number depending on the database.
        active_outdated=active is not None and str(active.spec_format) != str(SPEC_FORMAT),
        events=list(
            ModelVersionEvent.objects.filter(form=form)
            .select_related("actor")
            .prefetch_related(
                Prefetch("version", queryset=ModelVersion.objects.defer(*ARTEFACT_FIELDS))
            )[:EVENTS_SHOWN]
        ),
        run=TrainingRun.objects.filter(form=form).select_related("version").first(),
        labelled_count=cold_start["converted"] + cold_start["not_converted"],
        converted_count=cold_start["converted"],
        cold_start=cold_start,
        evidence=(
            model_evidence(
                version=shown,
                sales_ready=form.sales_ready_threshold,
                qualified=form.marketing_qualified_threshold,
            )
            if shown is not None
            else None
        ),
        evidence_choices=[
            {
                "number": v.number,
                "active": v is active,
                "current": v is shown,
                # The comparison picked stays as it was: only the evidence shown changes.
                "url": "?"
                + urlencode([("compare", n) for n in compare] + [("evidence", v.number)])
                + "#evidence",
            }
            for v in versions
        ],
    )


def _versions_compared(
    versions: list[ModelVersion], active: ModelVersion | None, compare: list[str]
) -> list[ModelVersion]:
    """The versions asked for, or the active one and the newest others."""
    chosen = [n for n in compare if n.isdigit()]
    if chosen:
        return [v for v in versions if str(v.number) in chosen][:COMPARE_MAX]
    first = [active] if active is not None else []
    compared = (first + [v for v in versions if v is not active])[:COMPARE_MAX]
    return sorted(compared, key=lambda v: -v.number)


def _metric_rows(versions: list[ModelVersion], form: Form) -> list[dict]:
    """One row per figure, one cell per version, the best of each row marked."""
    sales_ready, qualified = form.sales_ready_threshold, form.marketing_qualified_threshold

    def figure(version: ModelVersion, key: str) -> Any:
        return (version.metrics or {}).get(key)

    def at(version: ModelVersion, kind: str, tier: str) -> Any:
        thresholds = (version.metrics or {}).get("thresholds") or {}
        threshold = thresholds.get(tier, sales_ready if tier == "sales_ready" else qualified)
        return figure(version, f"{kind}_at_{threshold}")

    rows: list[tuple[str, str, Callable[[ModelVersion], Any]]] = [
        ("ROC AUC, on its own holdout", "auc", lambda v: figure(v, "roc_auc")),
        ("Points system, same holdout", "auc", lambda v: figure(v, "points_roc_auc")),
        ("Average precision", "auc", lambda v: figure(v, "average_precision")),
        ("Lift, top 20 %", "lift", lambda v: figure(v, "lift_top_20")),
        ("Precision at sales-ready", "pct", lambda v: at(v, "precision", "sales_ready")),
        ("Recall at sales-ready", "pct", lambda v: at(v, "recall", "sales_ready")),
        (
            "Precision at marketing-qualified",
            "pct",
            lambda v: at(v, "precision", "marketing_qualified"),
        ),
        (
            "Recall at marketing-qualified",
            "pct",
            lambda v: at(v, "recall", "marketing_qualified"),
        ),
    ]
    result = []
    for index, (label, kind, read) in enumerate(rows):
        values = [read(version) for version in versions]
        numbers = [v for v in values if isinstance(v, (int, float))]
        best = max(numbers) if len(set(numbers)) > 1 else None
        result.append(
            {
                "label": label,
                "kind": kind,
                "cells": [
                    {
                        "value": value,
                        "best": value is not None and value == best,
                        "note": _incumbent_note(version) if index == 0 else None,  # ROC AUC row
                    }
                    for version, value in zip(versions, values, strict=True)
                ],
            }
        )
    return result


def _incumbent_note(version: ModelVersion) -> dict | None:
    """The version the gate measured this one against, on this one's holdout.

    Each cell of the ROC AUC row is a version on its own holdout, but the gate measures the active
    version on the challenger's: "v3 on this holdout: 0.902" beside the challenger explains why
    v3's own column may read 0.894.
    """
    comparison = (version.metrics or {}).get("comparison") or {}
    name, auc = comparison.get("name") or "", comparison.get("roc_auc")
    if auc is None or not name.startswith("v"):
        return None  # the points system has its own row; chance needs no note
    return {"name": name, "roc_auc": auc, "holdout_n": comparison.get("holdout_n")}
