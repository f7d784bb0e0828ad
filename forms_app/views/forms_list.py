"""The forms list with its numbers; creating, duplicating, publishing and unpublishing a form."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from forms_app.models import Form
from forms_app.permissions import workspace_required
from forms_app.workspace import authoring
from forms_app.workspace.form_stats import WINDOW_DAYS, forms_with_stats, stats_of
from forms_app.workspace.inputs import FormCreateForm, add_service_errors


@require_safe
@workspace_required
def forms_list(request: HttpRequest) -> HttpResponse:
    forms = list(forms_with_stats())
    rows = [(form, stats_of(form)) for form in forms]
    return render(
        request,
        "forms_app/workspace/forms_list.html",
        {"rows": rows, "window_days": WINDOW_DAYS, "nav": "forms"},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@workspace_required
def form_new(request: HttpRequest) -> HttpResponse:
    create_form = FormCreateForm(request.POST or None)
    if request.method == "POST" and create_form.is_valid():
        try:
            form = authoring.form_create(**create_form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(create_form, exc)
        else:
            messages.success(request, f"“{form.name}” created. Add its first question.")
            return redirect("forms_app:builder", slug=form.slug)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "forms_app/workspace/form_new.html",
        {"create_form": create_form, "nav": "forms"},
        status=status,
    )


@require_POST
@workspace_required
def form_duplicate(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    copy = authoring.form_duplicate(form=form)
    messages.success(request, f"Duplicated as “{copy.name}” (a draft, without leads).")
    return redirect("forms_app:builder", slug=copy.slug)


def _back_to(request: HttpRequest, form: Form) -> HttpResponse:
    """Back to the page the button was on (a path of this site), else to the builder."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("forms_app:builder", slug=form.slug)


@require_POST
@workspace_required
def form_publish(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    try:
        authoring.form_publish(form=form)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Published: prospects can fill it at /f/{form.slug}/.")
    return _back_to(request, form)


@require_POST
@workspace_required
def form_unpublish(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    authoring.form_unpublish(form=form)
    messages.success(request, "Unpublished: the form no longer accepts submissions.")
    return _back_to(request, form)
