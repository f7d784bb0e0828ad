"""The privacy page, for admins: find a person by e-mail, export or erase their data, and read the
log of past privacy actions. Retention is set per form in its settings."""

import json

from django import forms
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from forms_app.permissions import admin_required
from forms_app.privacy import (
    email_normalised,
    person_erase,
    person_export,
    person_lookup,
    privacy_log,
    privacy_log_for,
)


class PersonForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        help_text="Matched against every form's e-mail questions, whatever its case.",
    )


def _page(request: HttpRequest, person_form: PersonForm, *, status: int = 200) -> HttpResponse:
    email = person_form.cleaned_data["email"] if person_form.is_valid() else ""
    return render(
        request,
        "forms_app/workspace/privacy.html",
        {
            "nav": "privacy",
            "person_form": person_form,
            "email": email_normalised(email),
            "leads": person_lookup(email) if email else [],
            "person_log": privacy_log_for(email) if email else [],
            "log": privacy_log(),
        },
        status=status,
    )


@never_cache
@require_safe
@admin_required
def privacy_page(request: HttpRequest) -> HttpResponse:
    if "email" not in request.GET:
        return _page(request, PersonForm())
    person_form = PersonForm(request.GET)
    return _page(request, person_form, status=200 if person_form.is_valid() else 400)


@require_POST
@admin_required
def person_export_view(request: HttpRequest) -> HttpResponse:
    person_form = PersonForm(request.POST)
    if not person_form.is_valid():
        return _page(request, person_form, status=400)
    data = person_export(email=person_form.cleaned_data["email"], actor=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"formscore-person-{timezone.now():%Y%m%d-%H%M%S}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@admin_required
def person_erase_view(request: HttpRequest) -> HttpResponse:
    """GET asks once (the confirmation step, also without JavaScript); POST erases."""
    person_form = PersonForm(request.POST if request.method == "POST" else request.GET)
    if not person_form.is_valid():
        return _page(request, person_form, status=400)
    email = email_normalised(person_form.cleaned_data["email"])
    if request.method != "POST":
        return render(
            request,
            "forms_app/workspace/privacy_erase.html",
            {"nav": "privacy", "email": email, "leads": person_lookup(email)},
        )
    report = person_erase(email=email, actor=request.user)
    messages.success(
        request,
        f"Erased {email}: {_counted(report.leads, 'lead')}, "
        f"{_counted(report.events, 'timeline event')} and "
        f"{_counted(report.notifications, 'notification')} (and their delivery log entries).",
    )
    return redirect(reverse("forms_app:privacy"))
