"""Models: every form's active model at a glance, and per form the registry and its history."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from forms_app.form_stats import forms_with_stats, stats_of
from forms_app.permissions import workspace_required


@require_GET
@workspace_required
def models_overview(request: HttpRequest) -> HttpResponse:
    rows = [
        (form, stats_of(form), form.active_versions[0] if form.active_versions else None)
        for form in forms_with_stats()
    ]
    return render(
        request, "forms_app/workspace/models_overview.html", {"rows": rows, "nav": "models"}
    )
