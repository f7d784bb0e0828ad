"""Drift: do this week's leads still look like the ones the active model learned from?

The numbers come from scoring (``scoring.metrics`` and ``scoring.drift``, pure); this module
reads the week's leads, counting score bands in the database and vectorising a bounded sample of
answers in Python, and keeps the drift episodes: one per stretch of drift, one alert each.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Least
from django.urls import reverse
from django.utils import timezone

from forms_app.models import DriftEpisode, Form, Lead, Notification
from forms_app.sales.learning import outcomes_since_training, retrain_threshold
from forms_app.sales.outbox import notifications_enqueue
from forms_app.sales.reps import marketer_emails
from forms_app.scoring_adapter import form_cold_start, training_enqueue
from scoring import metrics
from scoring.drift import week_drift
from scoring.features import FeatureSpec, feature_matrix
from scoring.models import ModelVersion, TrainingRun
from scoring.runtime import percentile_score, reference_array

logger = logging.getLogger(__name__)

WEEK = timedelta(days=7)
# Answers of at most this many of the week's leads (the newest) are compared input by input: a
# sample this size gives shares to about a percent, and bounds the work on a busy form.
MAX_WEEK_ROWS = 5000
LEVEL_RANK = {"drifting": 1, "shifted": 2, "data_problem": 3}


@dataclass(frozen=True)
class FormDrift:
    """This week's leads of a form against its active version's reference."""

    version: ModelVersion
    since: datetime
    until: datetime
    report: dict  # scoring.drift.week_drift
    score_reference: list[float]  # shares per band of ten points
    score_week: list[float]
    score_counts: list[int]

    @property
    def level(self) -> str:
        return self.report["level"]

    @property
    def score_table(self) -> list[dict]:
        """One row per band of ten points: the reference's share and this week's."""
        return [
            {
                "band": f"{10 * i}–{10 * i + 9 if i < metrics.SCORE_BINS - 1 else 100}",
                "before": before,
                "after": after,
                "n": n,
            }
            for i, (before, after, n) in enumerate(
                zip(self.score_reference, self.score_week, self.score_counts, strict=True)
            )
        ]


def _active_version(form: Form) -> ModelVersion | None:
    return (
        ModelVersion.objects.defer("onnx", "baseline", "candidates", "metrics")
        .filter(form=form, status=ModelVersion.Status.ACTIVE)
        .first()
    )


def _score_reference(version: ModelVersion) -> list[int]:
    """The training leads' score counts per band; for versions trained before they were kept,
    the version's own probability quantiles scored against themselves (spread alike)."""
    counts = (version.drift_reference or {}).get("score_counts")
    if counts:
        return counts
    if not version.reference:
        # Scores are percentiles of the training leads: spread evenly by construction.
        return [1] * metrics.SCORE_BINS
    reference = reference_array(version.reference)
    return metrics.score_bin_counts(percentile_score(reference, reference))


def _week_leads(form: Form, version: ModelVersion, since: datetime, until: datetime):
    return (
        Lead.objects.submissions()
        .filter(form=form, model_version=version, score__isnull=False, anonymised_at=None)
        .filter(created_at__gt=since, created_at__lte=until)
    )


def _score_counts(leads) -> list[int]:
    """Counts per band of ten points, counted by the database in one query."""
    bands = (
        leads.order_by()
        .annotate(band=Least(F("score") / 10, metrics.SCORE_BINS - 1))
        .values("band")
        .annotate(n=Count("id"))
    )
    counts = [0] * metrics.SCORE_BINS
    for row in bands:
        counts[int(row["band"])] += row["n"]
    return counts


def form_drift(*, form: Form, now: datetime | None = None) -> FormDrift | None:
    """This week's drift of the form's active model; None when the points system scores it."""
    version = _active_version(form)
    if version is None:
        return None
    until = now or timezone.now()
    since = until - WEEK
    leads = _week_leads(form, version, since, until)
    score_counts = _score_counts(leads)
    reference = version.drift_reference or {}
    spec = feed = None
    if reference.get("features"):
        spec = FeatureSpec.from_dict(version.feature_spec)
        rows = [
            {"answers": answers, "capture": capture}
            for answers, capture in leads.order_by("-created_at").values_list("answers", "capture")[
                :MAX_WEEK_ROWS
            ]
        ]
        feed = feature_matrix(spec, rows) if rows else None
    score_reference = _score_reference(version)
    report = week_drift(
        spec=spec,
        reference=reference,
        score_reference=score_reference,
        score_counts=score_counts,
        feed=feed,
    )
    return FormDrift(
        version=version,
        since=since,
        until=until,
        report=report,
        score_reference=[round(float(s), 4) for s in metrics.shares(score_reference)],
        score_week=[round(float(s), 4) for s in metrics.shares(score_counts)],
        score_counts=score_counts,
    )


# --- the check ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DriftCheck:
    form_slug: str
    level: str  # the week's level, or "no_model"
    episode: DriftEpisode | None  # open after the check
    alerted: bool = False


def _challenger_start(form: Form, level: str) -> tuple[TrainingRun | None, str]:
    """Start a challenger when the shift is real and enough outcomes arrived; else say why not."""
    if level == DriftEpisode.Level.DATA_PROBLEM:
        return None, "No challenger: a model trained on broken data would learn the breakage."
    if not form.retrain_enabled:
        return None, "No challenger: automatic retraining is off for this form."
    running = TrainingRun.objects.filter(
        form=form, status__in=[TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING]
    ).first()
    if running is not None:
        return running, "A training was already under way: it is the challenger."
    # Drift is a reason to retrain sooner than the schedule: half its outcomes are enough.
    needed = max(1, retrain_threshold(form) // 2)
    new_outcomes = outcomes_since_training(form)
    if new_outcomes < needed:
        return None, (
            f"No challenger yet: {new_outcomes} new outcome{'s' if new_outcomes != 1 else ''}"
            f" since the last training, {needed} needed. It starts when they arrive."
        )
    if not form_cold_start(form)["reached"]:
        return None, "No challenger: the form lacks the history a model needs."
    return training_enqueue(form=form, activate="auto"), (
        f"A challenger is training on {new_outcomes} new outcomes; the gate activates it only"
        " if it beats the active version."
    )


def _alert(form: Form, episode: DriftEpisode, drift: FormDrift) -> Notification | None:
    recipients = marketer_emails()
    if not recipients:
        logger.warning("%s: drift alert with no marketer to tell", form.slug)
        return None
    moved = [row for row in drift.report["features"] if row["level"] != "stable"][:5]
    page = settings.SITE_URL + reverse("forms_app:models", args=[form.slug]) + "#drift"
    if episode.level == DriftEpisode.Level.DATA_PROBLEM:
        subject = f"{form.name}: a data problem is moving the scores"
    else:
        subject = f"{form.name}: leads have shifted from what model v{drift.version.number} knows"
    psi = drift.report["score_psi"]
    body = (
        f"{drift.report['text']}\n\n"
        + (f"Score distribution PSI this week: {psi:.2f} (above 0.25 is a shift).\n" if psi else "")
        + (
            "What moved:\n" + "".join(f"- {row['text']} (PSI {row['psi']:.2f})\n" for row in moved)
            if moved
            else ""
        )
        + f"\n{episode.challenger_note}\n\n"
        f"You will not hear about this again until the leads look like the model's again.\n"
        f"Drift view: {page}\n"
    )
    row = Notification.objects.create(
        channel=Notification.Channel.EMAIL,
        destination=",".join(recipients),
        payload={"subject": subject[:150], "body": body},
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: notifications_enqueue(ids=[row.pk]))
    return row


def form_drift_check(*, form: Form, now: datetime | None = None) -> DriftCheck:
    """Measure this week's drift and keep the form's episode: open, raise, alert once, close.

    A week with too few leads to judge leaves an open episode as it is; a stable week, or a
    form no model scores any more, closes it. The alert (an e-mail to the marketers through the
    outbox, and a challenger training when enough outcomes arrived) goes out once per episode,
    when it first reaches the alert level (shifted, or a data problem).
    """
    now = now or timezone.now()
    drift = form_drift(form=form, now=now)
    level = drift.level if drift is not None else "no_model"
    with transaction.atomic():
        # Race: two checks at once (a worker and the command) must not open two episodes or
        # send two alerts.
        Form.objects.select_for_update().filter(pk=form.pk).first()
        episode = DriftEpisode.objects.filter(form=form, ended_at=None).first()
        if episode is not None and (
            level in ("no_model", "stable") or episode.version_id != drift.version.pk
        ):
            episode.ended_at = now
            episode.save(update_fields=["ended_at"])
            episode = None
        if level not in LEVEL_RANK:
            return DriftCheck(form.slug, level, episode)
        psi = drift.report["score_psi"]
        if episode is None:
            episode = DriftEpisode(
                form=form, version=drift.version, level=level, started_at=now, peak_psi=psi
            )
        elif LEVEL_RANK[level] > LEVEL_RANK[episode.level]:
            episode.level = level
        if psi is not None and (episode.peak_psi is None or psi > episode.peak_psi):
            episode.peak_psi = psi
        episode.score_psi = psi
        episode.text = drift.report["text"]
        episode.last_checked_at = now
        alerted = episode.is_alert and episode.alerted_at is None
        if alerted:
            episode.challenger, episode.challenger_note = _challenger_start(form, episode.level)
            episode.alerted_at = now
        episode.save()
        if alerted:
            episode.notification = _alert(form, episode, drift)
            episode.save(update_fields=["notification"])
    return DriftCheck(form.slug, level, episode, alerted=alerted)


def forms_drift_check(*, now: datetime | None = None) -> list[DriftCheck]:
    """The check for every form a model scores, or that still has an open episode."""
    forms = Form.objects.filter(
        Q(model_versions__status=ModelVersion.Status.ACTIVE)
        | Q(pk__in=DriftEpisode.objects.filter(ended_at=None).values("form_id"))
    ).distinct()
    return [form_drift_check(form=form, now=now) for form in forms]


def open_drift_episodes(forms) -> dict[int, DriftEpisode]:
    """The open episode of each of ``forms`` (by form id), in one query, for lists."""
    return {
        episode.form_id: episode
        for episode in DriftEpisode.objects.filter(form__in=forms, ended_at=None)
    }


def drift_csv_rows(drift: FormDrift):
    """The drift view as CSV rows: the score bands, then every input's bins (shares 0-1)."""
    yield ["section", "input", "bin", "reference_share", "this_week_share", "psi", "level"]
    score_psi = drift.report["score_psi"]
    for row in drift.score_table:
        yield ["score", "Score", row["band"], row["before"], row["after"], score_psi, ""]
    for feature in drift.report["features"]:
        for part in feature["bins"]:
            yield [
                "input",
                feature["label"],
                part["name"],
                part["before"],
                part["after"],
                feature["psi"],
                "data problem" if feature["problem"] else feature["level"],
            ]
