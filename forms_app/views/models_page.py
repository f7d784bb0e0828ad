"""Models: every form's active model at a glance, and per form the registry and its history.

A form's page starts an import of history (imports_page.py does the rest) and lists the last ones,
trains in the background with
visible progress, compares versions side by side with the points system, activates and rolls back.
"""

import csv

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from forms_app.models import Form, Question
from forms_app.models.text import control_characters_stripped
from forms_app.permissions import workspace_required
from forms_app.sales.drift import drift_csv_rows, form_drift, open_drift_episodes
from forms_app.scoring_adapter import training_enqueue
from forms_app.workspace.authoring import question_arrival_answer
from forms_app.workspace.charts import distribution_chart
from forms_app.workspace.exporting import csv_cell
from forms_app.workspace.form_stats import forms_with_stats, stats_of
from forms_app.workspace.import_runs import import_runs_of
from forms_app.workspace.registry import ARTEFACT_FIELDS, form_registry
from scoring.models import ModelVersion, TrainingRun
from scoring.services import ActivationError, model_version_activate, model_version_rollback


@require_safe
@workspace_required
def models_overview(request: HttpRequest) -> HttpResponse:
    rows = [
        (form, stats_of(form), form.active_versions[0] if form.active_versions else None)
        for form in forms_with_stats()
    ]
    return render(
        request, "forms_app/workspace/models_overview.html", {"rows": rows, "nav": "models"}
    )


def _models_context(request: HttpRequest, form: Form) -> dict:
    registry = form_registry(
        form=form, compare=request.GET.getlist("compare"), evidence=request.GET.get("evidence")
    )
    # Only a model can drift: a form the points system scores costs no query for it.
    drift = form_drift(form=form) if registry.active else None
    return {
        "form": form,
        "tab": "models",
        "nav": "forms",
        **vars(registry),
        "drift": drift,
        "drift_chart": _drift_chart(drift),
        "drift_episode": open_drift_episodes([form]).get(form.pk) if drift else None,
        "import_runs": import_runs_of(form),
        "import_max_mb": settings.FORMSCORE_IMPORT_MAX_BYTES // (1024 * 1024),
    }


def _drift_chart(drift):
    if drift is None or not sum(drift.score_counts):
        return None
    psi = drift.report["score_psi"]
    return distribution_chart(
        rows=drift.score_table,
        version=f"v{drift.version.number}",
        psi_text=f"PSI {psi:.2f}" if psi is not None else "PSI unknown",
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_safe
@workspace_required
def form_drift_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """This week's drift as CSV: the score bands and every input's bins, reference and week."""
    form = get_object_or_404(Form, slug=slug)
    drift = form_drift(form=form)
    if drift is None:
        return HttpResponse(
            "No model scores this form: drift is measured against an active model.",
            status=404,
            content_type="text/plain",
        )
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([csv_cell(value) for value in row]) for row in drift_csv_rows(drift)),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"formscore-{form.slug}-drift-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@workspace_required
def form_models(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    return render(request, "forms_app/workspace/models.html", _models_context(request, form))


@require_POST
@workspace_required
def training_start(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    running = TrainingRun.objects.filter(
        form=form, status__in=[TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING]
    ).first()
    run = running or training_enqueue(form=form, actor=request.user)
    if request.htmx:
        return render(request, "forms_app/workspace/_training_run.html", {"form": form, "run": run})
    if running:
        messages.info(request, "A training is already under way; its progress is below.")
    else:
        messages.success(request, "Training started. It runs in the background.")
    return redirect("forms_app:models", slug=form.slug)


@require_safe
@workspace_required
def training_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    run = get_object_or_404(TrainingRun.objects.select_related("version"), pk=pk, form=form)
    response = render(request, "forms_app/workspace/_training_run.html", {"form": form, "run": run})
    if run.is_finished and request.htmx:
        # The registry changed: reload the page so the versions and the trail show it.
        response["HX-Refresh"] = "true"
    return response


def _reason(request: HttpRequest) -> str:
    """The optional note on an activation or a rollback, as the registry's trail stores it."""
    return control_characters_stripped(request.POST.get("reason", "")).strip()[:500]


@require_POST
@workspace_required
def version_activate(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    version = get_object_or_404(
        ModelVersion.objects.defer(*ARTEFACT_FIELDS), form=form, number=number
    )
    reason = _reason(request) or "Activated from the workspace."
    model_version_activate(version=version, actor=request.user, reason=reason)
    messages.success(request, f"v{version.number} now scores every new lead of this form.")
    return redirect("forms_app:models", slug=form.slug)


@require_POST
@workspace_required
def version_rollback(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    reason = _reason(request)
    try:
        now_active = model_version_rollback(form_id=form.pk, actor=request.user, reason=reason)
    except ActivationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Rolled back: v{now_active.number} scores new leads again."
            if now_active
            else "Rolled back: the points system scores new leads again.",
        )
    return redirect("forms_app:models", slug=form.slug)


@require_POST
@workspace_required
def question_arrival(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """The marketer's answer to "was this known when the lead arrived?" for a leakage suspect."""
    question = get_object_or_404(Question.objects.select_related("form"), form__slug=slug, key=key)
    known = request.POST.get("known", "")
    if known not in ("yes", "no"):
        return HttpResponse("known: send yes or no.", status=400, content_type="text/plain")
    question_arrival_answer(question=question, known=known == "yes", actor=request.user)
    messages.success(
        request,
        f"“{question.label}” was known when the lead arrived: the next training may use it."
        if known == "yes"
        else f"“{question.label}” is left out of training: it was filled in after arrival.",
    )
    return redirect("forms_app:models", slug=question.form.slug)
