"""A form's Performance tab: the model against the points rules month by month, and what sales
made of each tier, score band and rep; each table also as a CSV download."""

import csv

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from forms_app.models import Form
from forms_app.permissions import workspace_required
from forms_app.workspace.analytics import PERIODS, period_days
from forms_app.workspace.performance_tables import PERFORMANCE_TABLES, performance_table
from forms_app.workspace.proof_charts import dual_track_chart, win_rate_chart
from forms_app.workspace.scoring_proof import dual_track, sales_outcomes
from forms_app.workspace.workspace_settings import workspace_currency


@require_safe
@workspace_required
def performance_page(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    days = period_days(request.GET.get("days") or "90")
    track = dual_track(form=form)
    outcomes = sales_outcomes(form=form, days=days)
    return render(
        request,
        "forms_app/workspace/performance.html",
        {
            "form": form,
            "tab": "performance",
            "nav": "forms",
            "periods": PERIODS,
            "track": track,
            "track_chart": dual_track_chart(track=track) if track.version else None,
            "outcomes": outcomes,
            "win_chart": win_rate_chart(outcomes=outcomes),
        },
    )


class _Echo:
    def write(self, line: str) -> str:
        return line


@never_cache
@require_safe
@workspace_required
def performance_csv(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    """One of the tab's tables as CSV (figures only: no lead's personal data)."""
    if table not in PERFORMANCE_TABLES:
        raise Http404("No such table.")
    form = get_object_or_404(Form, slug=slug)
    days = period_days(request.GET.get("days") or "90")
    rows = performance_table(form=form, table=table, days=days, currency=str(workspace_currency()))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    writer = csv.writer(response)
    writer.writerows(rows)
    filename = f"formscore-{form.slug}-{table}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
