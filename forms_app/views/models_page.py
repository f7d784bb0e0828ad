"""Models: every form's active model at a glance, and per form the registry and its history.

A form's page imports history (upload, map columns, check, import), trains in the background with
visible progress, compares versions side by side with the points system, activates and rolls back.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from forms_app.models import Form, Lead, Question
from forms_app.models.text import control_characters_stripped
from forms_app.permissions import workspace_required
from forms_app.scoring_adapter import training_enqueue
from forms_app.workspace.authoring import question_arrival_answer
from forms_app.workspace.form_stats import forms_with_stats, stats_of
from forms_app.workspace.importing import (
    ImportReport,
    LeadImportError,
    columns_match,
    csv_read,
    csv_text,
    leads_import,
)
from forms_app.workspace.registry import ARTEFACT_FIELDS, form_registry
from formscore.request_body import body_limit
from scoring.leakage import suspects_find
from scoring.models import ModelVersion, TrainingRun
from scoring.services import ActivationError, model_version_activate, model_version_rollback

IMPORT_SESSION_KEY = "formscore_lead_import"
IMPORT_MAX_BYTES = 2_000_000
# The upload's own body limit: a file a little too large still reaches the view and its message.
# Django streams a file part above FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file.
IMPORT_BODY_MAX_BYTES = IMPORT_MAX_BYTES + 1_000_000


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
    return {
        "form": form,
        "tab": "models",
        "nav": "forms",
        **vars(registry),
        "import_pending": (request.session.get(IMPORT_SESSION_KEY) or {}).get("form") == form.pk,
    }


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


# Importing history: upload, then map columns and check, then import.


@body_limit(IMPORT_BODY_MAX_BYTES)
@require_POST
@workspace_required
def import_upload(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a CSV file to upload.")
        return redirect("forms_app:models", slug=form.slug)
    if upload.size > IMPORT_MAX_BYTES:
        messages.error(request, f"The file is larger than {IMPORT_MAX_BYTES // 1_000_000} MB.")
        return redirect("forms_app:models", slug=form.slug)
    text = csv_text(upload.read())
    try:
        csv_read(text)
    except LeadImportError as exc:
        messages.error(request, f"{upload.name}: {exc}")
        return redirect("forms_app:models", slug=form.slug)
    request.session[IMPORT_SESSION_KEY] = {"form": form.pk, "name": upload.name, "csv": text}
    return redirect("forms_app:import_map", slug=form.slug)


def _import_options(post, header: list[str]) -> dict:
    mapping = {
        column: post.get(f"map_{index}", "")
        for index, column in enumerate(header)
        if post.get(f"map_{index}", "")
    }
    positive = [v.strip() for v in post.get("positive_values", "").split(",") if v.strip()]
    return {
        "outcome_column": post.get("outcome_column", ""),
        "order_by": post.get("order_by", "") or None,
        "positive_values": positive or None,
        "mapping": mapping,
        # Ticked "known when the lead arrived": suspected leaks to import all the same.
        "include": post.getlist("include"),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@workspace_required
def import_map(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    pending = request.session.get(IMPORT_SESSION_KEY) or {}
    if pending.get("form") != form.pk:
        messages.info(request, "Upload a CSV file first.")
        return redirect("forms_app:models", slug=form.slug)
    if request.POST.get("action") == "cancel":
        del request.session[IMPORT_SESSION_KEY]
        messages.info(request, "Import cancelled; nothing was stored.")
        return redirect("forms_app:models", slug=form.slug)
    header, rows = csv_read(pending["csv"])
    options = _import_options(request.POST, header) if request.method == "POST" else None
    report, error = None, ""
    if options is not None:
        imported = request.POST.get("action") == "import"
        report, error = _import_attempt(form, pending["csv"], header, options, dry_run=not imported)
        if imported and report is not None:
            del request.session[IMPORT_SESSION_KEY]
            messages.success(
                request,
                f"Imported {report.rows_imported} leads ({report.converted} converted)"
                f" from {pending['name']}. Train a model to learn from them."
                + (
                    f" Left out as filled in after the lead arrived:"
                    f" {', '.join(report.excluded_suspects)}."
                    if report.excluded_suspects
                    else ""
                ),
            )
            return redirect("forms_app:models", slug=form.slug)
    choices = _mapping_choices(form, header, rows, options)
    return render(
        request,
        "forms_app/workspace/import_map.html",
        {
            "form": form,
            "tab": "models",
            "nav": "forms",
            "file_name": pending["name"],
            "row_count": len(rows),
            "questions": list(form.questions.all()),
            **choices,
            "suspects": _suspects_listed(form, header, choices, options, report),
            "positive_values": request.POST.get("positive_values", ""),
            "report": report,
            "error": error,
            "action_url": reverse("forms_app:import_map", kwargs={"slug": form.slug}),
            "lead_count": Lead.objects.filter(form=form).count(),
        },
        status=422 if error else 200,
    )


def _import_attempt(
    form: Form, data: str, header: list[str], options: dict, *, dry_run: bool
) -> tuple[ImportReport | None, str]:
    """Check the mapping, then check (dry run) or import the file: a report, or what is wrong."""
    if options["outcome_column"] not in header:
        return None, "Choose the column that holds the outcome."
    if options["outcome_column"] in options["mapping"]:
        return None, "The outcome column cannot also feed a question."
    if len(set(options["mapping"].values())) < len(options["mapping"]):
        return None, "Two columns feed the same question; map each question once."
    try:
        return leads_import(data=data, form=form, dry_run=dry_run, **options), ""
    except LeadImportError as exc:
        return None, str(exc)


def _mapping_choices(
    form: Form, header: list[str], rows: list[list[str]], options: dict | None
) -> dict:
    """The columns with samples and their question (as chosen, or as guessed), and the guessed
    outcome and time-order columns."""
    suggested = (
        options["mapping"]
        if options
        else {column: q.key for column, q in columns_match(form, header, None).items()}
    )
    columns = [
        {
            "index": index,
            "name": column,
            "samples": [row[index] for row in rows[:3] if index < len(row)],
            "mapped": suggested.get(column, ""),
        }
        for index, column in enumerate(header)
    ]
    if options:
        return {
            "columns": columns,
            "outcome_column": options["outcome_column"],
            "order_by": options["order_by"] or "",
        }
    guess_outcome = next(
        (c for c in header if c.strip().lower() in {"outcome", "converted", "status", "won"}), ""
    )
    guess_order = next(
        (c for c in header if c.strip().lower() in {"created_at", "date", "created", "submitted"}),
        "",
    )
    return {"columns": columns, "outcome_column": guess_outcome, "order_by": guess_order}


def _suspects_listed(
    form: Form, header: list[str], choices: dict, options: dict | None, report: ImportReport | None
) -> list[dict]:
    """The suspected leaks to ask about: by name until the file is checked, then by name and data.

    A box is ticked as the marketer left it, or at first when the column's question is already
    known to have been answered on arrival.
    """
    if report is not None:
        suspects = report.suspects
    else:
        skipped = {choices["outcome_column"], choices["order_by"]}
        suspects = suspects_find({c: [] for c in header if c not in skipped}, None)
    if options is not None:
        ticked = set(options["include"])
    else:
        known = {q.key for q in form.questions.all() if q.known_at_arrival}
        ticked = {c["name"] for c in choices["columns"] if c["mapped"] in known}
    return [
        {
            **suspect.to_dict(),
            "index": header.index(suspect.column),
            "included": suspect.column in ticked,
        }
        for suspect in suspects
        if suspect.column in header
    ]
