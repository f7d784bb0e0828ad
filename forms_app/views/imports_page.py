"""Importing past leads from a CSV file: upload, preview and choose, then watch the import.

A new form from a file starts at /app/imports/new/; an existing form's import at its models page.
Both go to the run's page: the preview (what each column becomes, the outcome, the suspects) while
it is a draft, then its progress, polled with htmx, cancellable. Services in
forms_app/workspace/import_runs.py.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from forms_app.models import Form, ImportRun
from forms_app.permissions import workspace_required
from forms_app.workspace.import_runs import (
    DELIMITER_NAMES,
    ENCODING_NAMES,
    ImportPreview,
    import_cancel,
    import_file_store,
    import_preview,
    import_start,
    run_source,
)
from forms_app.workspace.importing import (
    CAPTURE_PREFIX,
    CAPTURE_TARGETS,
    COLUMN_KINDS,
    ImportOptions,
    LeadImportError,
)
from formscore.request_body import body_limit
from scoring.features import CAPTURE_SIGNAL_LABELS


# The upload's own body limit: a file a little too large still reaches the view and its message.
# Django streams a file part above FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file.
def _import_body_max_bytes() -> int:
    return settings.FORMSCORE_IMPORT_MAX_BYTES + 1_000_000


def _stored_or_refused(request: HttpRequest, form: Form | None) -> ImportRun | None:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a CSV file to upload.")
        return None
    try:
        return import_file_store(upload=upload, actor=request.user, form=form)
    except LeadImportError as exc:
        messages.error(request, f"{upload.name}: {exc}")
        return None


@body_limit(_import_body_max_bytes)
@require_http_methods(["GET", "HEAD", "POST"])
@workspace_required
def import_new(request: HttpRequest) -> HttpResponse:
    """A new form from a file: the upload."""
    if request.method == "POST":
        run = _stored_or_refused(request, None)
        if run is not None:
            return redirect("forms_app:import_run", pk=run.pk)
    return render(
        request,
        "forms_app/workspace/import_new.html",
        {"nav": "forms", "max_mb": settings.FORMSCORE_IMPORT_MAX_BYTES // (1024 * 1024)},
    )


@body_limit(_import_body_max_bytes)
@require_POST
@workspace_required
def import_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """An existing form's import: the upload, from its models page."""
    form = get_object_or_404(Form, slug=slug)
    run = _stored_or_refused(request, form)
    if run is None:
        return redirect("forms_app:models", slug=form.slug)
    return redirect("forms_app:import_run", pk=run.pk)


def _options_posted(post, header: list[str], run: ImportRun) -> ImportOptions:
    """The marketer's choices as posted. The converted values are those ticked for the outcome
    column they were shown for; a newly chosen outcome column gets its values guessed again."""
    outcome = post.get("outcome_column", "")
    shown = post.get("outcome_shown", "")
    kinds, mapping = None, None
    if run.creates_form:
        kinds = {
            column: post.get(f"kind_{index}", "")
            for index, column in enumerate(header)
            if post.get(f"kind_{index}", "") in COLUMN_KINDS
        }
    else:
        mapping = {column: post.get(f"map_{index}", "") for index, column in enumerate(header)}
    return ImportOptions(
        outcome_column=outcome,
        positive_values=post.getlist("positive") if outcome and outcome == shown else None,
        order_by=post.get("order_by", "") or None,
        include=[c for c in post.getlist("include") if c in header],
        mapping=mapping,
        kinds=kinds,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@workspace_required
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft run's preview (GET; POST: check again, start, or discard); later its progress."""
    run = get_object_or_404(ImportRun.objects.select_related("form"), pk=pk)
    if run.status != ImportRun.Status.DRAFT:
        return render(request, "forms_app/workspace/import_run.html", _run_context(run))
    action = request.POST.get("action", "")
    if action == "discard":
        import_cancel(run=run)
        messages.info(request, "Import discarded; nothing was stored.")
        return (
            redirect("forms_app:models", slug=run.form.slug)
            if run.form
            else redirect("forms_app:forms_list")
        )
    preview = None
    if request.method == "POST":
        header = run_source(run).header()
        options = _options_posted(request.POST, header, run)
        form_name = request.POST.get("form_name", "")
        if action == "start":
            preview = import_start(run=run, options=options, form_name=form_name)
            if run.status != ImportRun.Status.DRAFT:
                return redirect("forms_app:import_run", pk=run.pk)
        else:
            preview = import_preview(run=run, options=options, form_name=form_name)
    preview = preview or import_preview(run=run)
    failed = request.method == "POST" and action == "start" and bool(preview.error)
    return render(
        request,
        "forms_app/workspace/import_preview.html",
        _preview_context(preview),
        status=422 if failed else 200,
    )


def _preview_context(preview: ImportPreview) -> dict:
    run = preview.run
    report = preview.scan.report if preview.scan else None
    return {
        "nav": "forms",
        "run": run,
        "form": run.form,
        "tab": "models",
        "preview": preview,
        "report": report,
        "unmatched": report.unmatched_listed() if report else [],
        "options": preview.options,
        "file_facts": _file_facts(run),
        "column_kinds": COLUMN_KINDS.items(),
        "questions": list(run.form.questions.all()) if run.form else [],
        "signals": [(f"{CAPTURE_PREFIX}{s}", CAPTURE_SIGNAL_LABELS[s]) for s in CAPTURE_TARGETS],
        "positives": set(preview.options.positive_values or []),
        "action_url": reverse("forms_app:import_run", kwargs={"pk": run.pk}),
    }


def _file_facts(run: ImportRun) -> str:
    size = f"{run.size / 1_000_000:.1f} MB" if run.size >= 100_000 else f"{run.size / 1000:.0f} KB"
    return (
        f"{size} · {DELIMITER_NAMES.get(run.delimiter, run.delimiter)}-separated · "
        f"{ENCODING_NAMES.get(run.encoding, run.encoding)}"
    )


def _run_context(run: ImportRun) -> dict:
    return {"nav": "forms", "run": run, "form": run.form, "tab": "models"}


@require_safe
@workspace_required
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment, polled every second while the import runs."""
    run = get_object_or_404(ImportRun.objects.select_related("form"), pk=pk)
    return render(request, "forms_app/workspace/_import_run.html", _run_context(run))


@require_POST
@workspace_required
def import_run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    run = import_cancel(run=get_object_or_404(ImportRun, pk=pk))
    if request.htmx:
        return render(request, "forms_app/workspace/_import_run.html", _run_context(run))
    return redirect("forms_app:import_run", pk=run.pk)
