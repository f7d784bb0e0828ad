"""The form builder: questions (add, edit, reorder, remove, restore) and the form's settings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from forms_app.capture.closing import form_closing_state
from forms_app.models import Form, Question
from forms_app.permissions import workspace_required
from forms_app.workspace import authoring, question_kinds
from forms_app.workspace.inputs import (
    FormSettingsForm,
    QuestionAddForm,
    QuestionForm,
    add_service_errors,
    choices_from_post,
    condition_from_post,
)
from forms_app.workspace.questions import condition_sources, form_questions


def _builder_url(form: Form, question: Question | None = None) -> str:
    url = reverse("forms_app:builder", kwargs={"slug": form.slug})
    return f"{url}?edit={question.pk}#question-{question.pk}" if question else url


def _question_of(slug: str, pk: int) -> Question:
    return get_object_or_404(Question.objects.select_related("form"), pk=pk, form__slug=slug)


def _builder_page(
    request: HttpRequest,
    form: Form,
    *,
    editing: Question | None = None,
    question_form: QuestionForm | None = None,
    add_form: QuestionAddForm | None = None,
    choices_text: str = "",
    status: int = 200,
) -> HttpResponse:
    questions = form_questions(form)
    active = questions.active
    if editing is None and (edit_id := request.GET.get("edit", "")).isdigit():
        editing = next((q for q in active if q.pk == int(edit_id)), None)
    if editing is not None and question_form is None:
        question_form = QuestionForm(instance=editing, auto_id="edit_%s")
    return render(
        request,
        "forms_app/workspace/builder.html",
        {
            "form": form,
            "tab": "questions",
            "nav": "forms",
            "questions": active,
            "archived": questions.archived,
            "editing": editing,
            "question_form": question_form,
            "condition_sources": condition_sources(active, editing) if editing else [],
            "add_form": add_form or QuestionAddForm(),
            "choices_text": choices_text,
            "kinds": Question.Kind.choices,
            "choice_kinds": {str(k) for k in Question.CHOICE_KINDS},
            "kind_changes": [
                (kind, Question.Kind(kind).label)
                for kind in (question_kinds.kind_changes(editing.kind) if editing else [])
            ],
            "has_utm_fields": any(q.url_parameter.startswith("utm_") for q in active),
        },
        status=status,
    )


@require_safe
@workspace_required
def builder(request: HttpRequest, slug: str) -> HttpResponse:
    return _builder_page(request, get_object_or_404(Form, slug=slug))


@require_POST
@workspace_required
def question_add(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    add_form = QuestionAddForm(request.POST)
    if add_form.is_valid():
        try:
            question = authoring.question_add(form=form, **add_form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(add_form, exc)
        else:
            messages.success(request, f"Added “{question.label}”.")
            return redirect(_builder_url(form, question))
    return _builder_page(request, form, add_form=add_form, status=422)


@require_POST
@workspace_required
def question_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    question = _question_of(slug, pk)
    question_form = QuestionForm(
        request.POST, instance=Question.objects.get(pk=question.pk), auto_id="edit_%s"
    )
    if question_form.is_valid():
        fields = {name: question_form.cleaned_data[name] for name in question_form.fields}
        fields["condition"] = condition_from_post(request.POST)
        if question.kind in Question.CHOICE_KINDS:
            fields["choices"] = choices_from_post(request.POST)
        try:
            authoring.question_update(question=question, **fields)
        except ValidationError as exc:
            add_service_errors(question_form, exc)
        else:
            messages.success(request, f"Saved “{question.label}”.")
            return redirect(_builder_url(question.form, question))
    question.refresh_from_db()
    return _builder_page(
        request,
        question.form,
        editing=question,
        question_form=question_form,
        choices_text=request.POST.get("choices_text", ""),  # a pasted list is not lost
        status=422,
    )


@require_POST
@workspace_required
def question_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    question = _question_of(slug, pk)
    try:
        authoring.question_move(question=question, direction=request.POST.get("direction", ""))
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    response = redirect(_builder_url(question.form) + f"#question-{question.pk}")
    return response


@require_POST
@workspace_required
def question_choice_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One choice up or down ("value:up"); with htmx the editor is swapped from the page."""
    question = _question_of(slug, pk)
    value, _, direction = request.POST.get("move", "").rpartition(":")
    try:
        authoring.question_choice_move(question=question, value=value, direction=direction)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain")
    return redirect(_builder_url(question.form, question))


@require_POST
@workspace_required
def question_kind_change(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    question = _question_of(slug, pk)
    old_kind = question.get_kind_display()
    try:
        change = question_kinds.question_kind_change(
            question=question, kind=request.POST.get("kind", ""), actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, f"“{question.label}” stays {old_kind.lower()}: {exc.messages[0]}")
    else:
        messages.success(
            request,
            f"“{question.label}” is now {question.get_kind_display().lower()}"
            + (
                f"; {change.answers_converted} stored answer"
                f"{'s were' if change.answers_converted != 1 else ' was'} converted."
                if change.answers_converted
                else "."
            ),
        )
    return redirect(_builder_url(question.form, question))


@require_POST
@workspace_required
def questions_reorder(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    raw = request.POST.getlist("order")
    if not all(value.isdigit() for value in raw):
        return HttpResponse("order: send the question ids as integers.", status=400)
    try:
        authoring.questions_reorder(form=form, ordered_ids=[int(value) for value in raw])
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=409)
    return HttpResponse(status=204)


@require_POST
@workspace_required
def question_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    question = _question_of(slug, pk)
    removal = authoring.question_remove(question=question)
    if removal.archived:
        messages.success(
            request,
            f"Removed “{question.label}” from the form. Its {removal.answers_kept} answer"
            f"{'s are' if removal.answers_kept != 1 else ' is'} kept with the leads; "
            "restore it below at any time.",
        )
    else:
        messages.success(request, f"Deleted “{question.label}” (nobody had answered it).")
    return redirect(_builder_url(question.form))


@require_POST
@workspace_required
def question_restore(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    question = _question_of(slug, pk)
    authoring.question_restore(question=question)
    messages.success(request, f"Restored “{question.label}” at the end of the form.")
    return redirect(_builder_url(question.form, question))


@require_POST
@workspace_required
def utm_fields_add(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    added = authoring.hidden_utm_fields_add(form=form)
    if added:
        messages.success(
            request, f"Added {len(added)} hidden fields that capture the UTM parameters."
        )
    else:
        messages.info(request, "The form already captures every UTM parameter.")
    return redirect(_builder_url(form))


@require_http_methods(["GET", "HEAD", "POST"])
@workspace_required
def form_settings(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    settings_form = FormSettingsForm(
        request.POST or None, request.FILES or None, instance=Form.objects.get(pk=form.pk)
    )
    has_leads = form.leads.exists()
    if has_leads:
        settings_form.fields["slug"].widget.attrs["readonly"] = True
    if request.method == "POST" and settings_form.is_valid():
        try:
            authoring.form_update(form=form, **settings_form.setting_values())
        except ValidationError as exc:
            add_service_errors(settings_form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("forms_app:form_settings", slug=form.slug)
    return render(
        request,
        "forms_app/workspace/form_settings.html",
        {
            "form": form,
            "settings_form": settings_form,
            "resource_rows": settings_form.resource_rows(),
            "closing": form_closing_state(form),
            "time_zone": timezone.get_current_timezone_name(),
            "has_leads": has_leads,
            "tab": "settings",
            "nav": "forms",
        },
        status=422 if request.method == "POST" else 200,
    )
