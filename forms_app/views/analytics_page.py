"""A form's analytics tab: the figures of forms_app/analytics.py over a chosen period."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from forms_app.analytics import PERIODS, form_analytics, period_days
from forms_app.models import Form
from forms_app.permissions import workspace_required


@require_GET
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
