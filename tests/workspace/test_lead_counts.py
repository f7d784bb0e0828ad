"""One definition of each number: the forms list, Analytics and the API agree for one period,
with imported history counted apart."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from forms_app.models import Lead
from forms_app.workspace.analytics import form_analytics
from forms_app.workspace.lead_counts import lead_numbers, period_start


def _lead(form, *, days_ago=1, tier="nurture", status="new", **extra):
    return Lead.objects.create(
        form=form,
        created_at=timezone.now() - timedelta(days=days_ago, minutes=1),
        tier=tier,
        status=status,
        **extra,
    )


@pytest.fixture
def history(draft_form):
    """A period of live submissions beside a larger imported history and older leads."""
    form = draft_form
    _lead(form, tier="sales_ready", status="won", won_amount=1000)
    _lead(form, tier="sales_ready", status="lost", source=Lead.Source.API)
    _lead(form, tier="sales_ready")
    _lead(form, tier="marketing_qualified", status="qualified", days_ago=12)
    _lead(form, status="unqualified", days_ago=20)
    _lead(form, days_ago=28)
    _lead(form, is_partial=True)  # left after the e-mail step: not a submission
    _lead(form, tier="sales_ready", status="won", days_ago=45)  # an earlier period
    for n in range(9):  # imported yesterday: history, never submissions
        _lead(form, tier="sales_ready", status="won", source=Lead.Source.IMPORT, days_ago=n % 3)
    return form


def test_the_definition_counts_live_complete_leads_of_the_period(history):
    numbers = lead_numbers(form=history, start=period_start(30))
    assert numbers.submissions == 6
    assert numbers.sales_ready == 3 and numbers.sales_ready_share == pytest.approx(0.5)
    # won + qualified among won, lost, qualified, unqualified
    assert (numbers.labelled, numbers.converted) == (4, 2)
    assert numbers.conversion_rate == pytest.approx(0.5)
    assert numbers.imported == 9


def test_forms_list_analytics_and_api_agree_on_one_period(history, marketer_client, marketer):
    page = marketer_client.get("/app/forms/").content.decode()
    assert ">6</a>" in page  # submissions, linked to Analytics for the same 30 days
    assert "+ 9 imported history" in page
    assert ">50%" in page and "50.0%" in page

    figures = form_analytics(form=history, days=30)
    assert figures.submissions == 6 and figures.imported == 9
    assert figures.sales_ready_share == pytest.approx(0.5)
    assert figures.conversion_rate == pytest.approx(0.5)
    analytics = marketer_client.get(f"/app/forms/{history.slug}/analytics/?days=30")
    assert "9 leads of imported history" in analytics.content.decode()

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=marketer).key}")
    since = {"since": period_start(30).isoformat()}
    url = f"/api/v1/forms/{history.slug}/leads"
    assert api.get(url, since).json()["count"] == 6
    assert api.get(url, {**since, "tier": "sales_ready"}).json()["count"] == 3
    assert api.get(url, {**since, "imported": "true"}).json()["count"] == 9
    listed = api.get(url, {**since, "limit": 500}).json()["results"]
    assert {lead["source"] for lead in listed} == {"form", "api"}
    assert {lead["currency"] for lead in listed} == {"USD"}


def test_the_api_takes_a_closed_period(history, marketer):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=marketer).key}")
    now = timezone.now()
    period = {
        "since": (now - timedelta(days=25)).isoformat(),
        "until": (now - timedelta(days=5)).isoformat(),
    }
    assert api.get(f"/api/v1/forms/{history.slug}/leads", period).json()["count"] == 2
    start, end = now - timedelta(days=25), now - timedelta(days=5)
    assert lead_numbers(form=history, start=start, end=end).submissions == 2


def test_a_lead_the_api_lists_it_also_reads_by_id(history, marketer):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=marketer).key}")
    url = f"/api/v1/forms/{history.slug}/leads"
    for imported in ("false", "true"):
        for listed in api.get(url, {"imported": imported, "limit": 500}).json()["results"]:
            assert api.get(f"/api/v1/leads/{listed['id']}").json()["id"] == listed["id"]
