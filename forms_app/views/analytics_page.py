"""A form's analytics tab: the figures of forms_app/workspace/analytics.py over a chosen period,
and the period's leads as a CSV download."""

import csv

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from forms_app.models import Form
from forms_app.permissions import workspace_required
from forms_app.workspace.analytics import PERIODS, form_analytics, period_days, period_start
from forms_app.workspace.exporting import leads_csv_rows


@require_safe
@workspace_required
def analytics_page(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    days = period_days(request.GET.get("days"))
    return render(
        request,
        "forms_app/workspace/analytics.html",
        {
            "form": form,
            "tab": "analytics",
            "nav": "forms",
            "periods": PERIODS,
            "figures": form_analytics(form=form, days=days),
        },
    )


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a stream."""

    def write(self, line: str) -> str:
        return line


@never_cache  # the leads' personal data
@require_safe
@workspace_required
def leads_export(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    form = get_object_or_404(Form, slug=slug)
    days = period_days(request.GET.get("days"))
    writer = csv.writer(_Echo())
    rows = leads_csv_rows(form=form, since=period_start(days))
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    filename = f"formscore-{form.slug}-leads-{days}d-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
