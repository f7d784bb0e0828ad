"""The one place that turns forms and leads into what `scoring` takes, and its answers into leads.

`scoring` imports nothing from forms_app: it takes a form's id, its questions as `QuestionInput`,
rows of answers and capture, outcomes, points rules and thresholds, and returns scores,
explanations and versions. Views, the API, commands and tests call the functions below.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, JSONField, OuterRef, Q, Subquery
from django.tasks import task
from django.utils import timezone

from forms_app.models import Form, Lead, Question
from scoring import services as scoring
from scoring.conditions import describe, describe_miss
from scoring.features import QuestionInput
from scoring.models import ModelVersion, PointsRule, TrainingRun
from scoring.points import points_score, rule_fires
from scoring.services import LiveQuality, ScoreResult, Thresholds, TrainingHistory, TrainOutcome


def question_input(question: Question) -> QuestionInput:
    """One question as the scoring engine sees it."""
    return QuestionInput(
        key=question.key,
        label=question.label,
        kind=question.kind,
        choices=tuple((c["value"], c["label"]) for c in question.choices),
        feeds_score=question.feeds_score,
        known_at_arrival=question.known_at_arrival,
    )


def spec_questions(form: Form) -> list[QuestionInput]:
    """The form's questions as the scoring engine sees them."""
    return [question_input(q) for q in form.questions.filter(archived=False)]


def condition_questions(questions: Iterable[Question]) -> dict[str, QuestionInput]:
    """Questions by key, for `scoring.conditions.describe` to speak in their own words."""
    return {q.key: question_input(q) for q in questions}


def points_rules_labelled(form: Form) -> list[dict]:
    """The form's points rules as scoring takes them, each labelled in its question's words.

    One query, like the rules alone: each rule's question (archived ones too) comes along as
    subqueries, so the submit path pays nothing for explanations that read "Budget is Over 50k".
    """
    question = Question.objects.filter(form_id=OuterRef("form_id"), key=OuterRef("key"))
    rules = PointsRule.objects.filter(form_id=form.pk).annotate(
        question_label=Subquery(question.values("label")[:1]),
        question_kind=Subquery(question.values("kind")[:1]),
        question_choices=Subquery(question.values("choices")[:1], output_field=JSONField()),
    )
    labelled = []
    for rule in rules:
        condition, questions = rule.as_rule(), {}
        if rule.source == PointsRule.Source.ANSWER and rule.question_label is not None:
            questions[rule.key] = QuestionInput(
                key=rule.key,
                label=rule.question_label,
                kind=rule.question_kind,
                choices=tuple((c["value"], c["label"]) for c in rule.question_choices or []),
            )
        labelled.append({**condition, "label": describe(condition, questions)})
    return labelled


def points_explain(*, form: Form, lead: Lead) -> dict[str, Any]:
    """Which points rules apply to a stored lead and why each other does not, in words.

    Read-only, for the Thresholds & points tab: the rules are evaluated by ``scoring.points``, as
    on every submit; ``total`` is the points score they give now (0–100).
    """
    words = condition_questions(form.questions.all())
    row = lead_as_row(lead)
    rules = [rule.as_rule() for rule in form.points_rules.all()]
    rows = []
    for rule in rules:
        applies = rule_fires(rule, row)
        rows.append(
            {
                "text": describe(rule, words),
                "points": rule["points"],
                "applies": applies,
                "reason": "" if applies else describe_miss(rule, row, words),
            }
        )
    return {"lead": lead, "rows": rows, "total": points_score(rules, row)}


def thresholds_of(form: Form) -> Thresholds:
    return Thresholds(
        sales_ready=form.sales_ready_threshold,
        marketing_qualified=form.marketing_qualified_threshold,
    )


def lead_as_row(lead: Lead) -> dict[str, Any]:
    return {"answers": lead.answers, "capture": lead.capture}


# score_answers reads the active version itself unless the caller has it (None is a value).
ACTIVE_VERSION_READ = object()


def score_answers(
    *,
    form: Form,
    answers: dict[str, Any],
    capture: dict[str, Any],
    rules: list[dict] | None = None,
    version: ModelVersion | object | None = ACTIVE_VERSION_READ,
) -> ScoreResult:
    """Score answers without storing anything: the submit path, previews and score_csv use it.

    rules: the form's points rules as `points_rules_labelled` gives them (read when not given).
    version: the form's active version (None: the points system), read when not given.
    """
    return scoring.score_row(
        version=scoring.active_version(form.pk) if version is ACTIVE_VERSION_READ else version,
        row={"answers": answers, "capture": capture},
        rules=points_rules_labelled(form) if rules is None else rules,
        thresholds=thresholds_of(form),
    )


def score_fields(result: ScoreResult) -> dict[str, Any]:
    """The Lead fields that store a score result."""
    return {
        "score": result.score,
        "probability": result.probability,
        "tier": result.tier,
        "points_score": result.points_score,
        "model_version": result.model_version,
        "factors": result.factors,
        "needs_rescoring": result.fallback,
        "scored_at": timezone.now(),
    }


def lead_score(lead: Lead) -> ScoreResult:
    """Score a stored lead with its form's active version and save the result on it."""
    result = score_answers(form=lead.form, answers=lead.answers, capture=lead.capture)
    for name, value in score_fields(result).items():
        setattr(lead, name, value)
    lead.save(update_fields=[*score_fields(result)])
    return result


RESCORE_SCOPES = ("flagged", "unscored", "all")


def leads_rescore(*, form: Form | None = None, scope: str = "flagged") -> int:
    """Score leads again (flagged for rescoring, never scored, or all); returns the count."""
    if scope not in RESCORE_SCOPES:
        raise ValueError(f"scope must be one of {RESCORE_SCOPES}, not {scope!r}")
    leads = Lead.objects.select_related("form")
    if form is not None:
        leads = leads.filter(form=form)
    if scope == "flagged":
        leads = leads.filter(needs_rescoring=True)
    elif scope == "unscored":
        leads = leads.filter(score__isnull=True)
    count = 0
    for lead in leads.iterator(chunk_size=500):
        lead_score(lead)
        count += 1
    return count


def model_version_live_quality(version: ModelVersion) -> LiveQuality:
    """The version's ROC AUC on the leads it scored live: the honest sequel to its holdout AUC.

    Only leads that arrived through the form or the API after its training window count, with
    the probability stored when they were scored.
    """
    form = version.form
    leads = Lead.objects.filter(
        model_version=version,
        status__in=form.labelled_statuses(),
        is_partial=False,
        probability__isnull=False,
        source__in=[Lead.Source.FORM, Lead.Source.API],
    )
    if version.window_end is not None:
        leads = leads.filter(created_at__gt=version.window_end)
    rows = list(leads.values_list("probability", "status"))
    converted = form.converted_statuses()
    return scoring.live_quality([p for p, _ in rows], [status in converted for _, status in rows])


def training_history(form: Form) -> TrainingHistory:
    """The form's leads with a known outcome, oldest first: what its model learns from."""
    leads = list(
        Lead.objects.filter(form=form, status__in=form.labelled_statuses(), is_partial=False)
        .only("id", "answers", "capture", "status", "created_at")
        .order_by("created_at", "id")
    )
    converted = form.converted_statuses()
    return TrainingHistory(
        spec_questions=spec_questions(form),
        key_pages=form.key_pages,
        leads=[lead_as_row(lead) for lead in leads],
        outcomes=[lead.status in converted for lead in leads],
        times=[lead.created_at for lead in leads],
        points_rules=scoring.points_rules_for(form.pk),
        sales_ready=form.sales_ready_threshold,
        marketing_qualified=form.marketing_qualified_threshold,
    )


def form_cold_start(form: Form) -> dict:
    """The form's labelled history against the one minimum (`scoring.services.cold_start_progress`):
    until it is reached the points system scores the form."""
    labelled = Lead.objects.filter(form=form, status__in=form.labelled_statuses(), is_partial=False)
    counts = labelled.aggregate(
        n=Count("pk"), converted=Count("pk", filter=Q(status__in=form.converted_statuses()))
    )
    return scoring.cold_start_progress(counts["converted"], counts["n"] - counts["converted"])


def form_model_train(*, form: Form, **options: Any) -> TrainOutcome:
    """`scoring.services.model_version_train` on the form's history (same options, same errors)."""
    return scoring.model_version_train(form_id=form.pk, history=training_history(form), **options)


# --- training in the background ------------------------------------------------------------


def training_enqueue(*, form: Form, actor=None, activate: str = "auto") -> TrainingRun:
    """Record a training request and hand it to the task worker once the request commits."""
    run = TrainingRun.objects.create(form=form, actor=actor, activate=activate)
    transaction.on_commit(lambda: training_run.enqueue(run.pk))
    return run


@task(queue_name="training")
def training_run(run_id: int) -> None:
    """Run a queued training request; the web process enqueues it, a task worker runs it."""
    from scoring.training import TrainingError  # scikit-learn: only in the worker

    # Claim the run: zero rows updated means another worker already has it.
    if not TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.QUEUED).update(
        status=TrainingRun.Status.RUNNING, message="Starting"
    ):
        return
    run = TrainingRun.objects.select_related("form", "actor").get(pk=run_id)

    def progress(stage: str, fraction: float) -> None:
        TrainingRun.objects.filter(pk=run_id).update(progress=fraction, message=stage)

    try:
        outcome = form_model_train(
            form=run.form, actor=run.actor, activate=run.activate, progress=progress
        )
    except TrainingError as exc:
        training_run_finish(run_id, TrainingRun.Status.FAILED, f"Not trained: {exc}")
        return
    except Exception as exc:
        training_run_finish(
            run_id, TrainingRun.Status.FAILED, f"Training failed: {type(exc).__name__}: {exc}"
        )
        raise
    training_run_finish(
        run_id, TrainingRun.Status.SUCCEEDED, outcome.reason, version=outcome.version
    )


def training_run_finish(run_id: int, status: str, message: str, version=None) -> None:
    """Close a training run: its outcome, its version if one was registered, and when."""
    TrainingRun.objects.filter(pk=run_id).update(
        status=status, message=message, version=version, progress=1.0, finished_at=timezone.now()
    )
