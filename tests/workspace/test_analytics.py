"""A form's analytics: figures computed from known leads, and the page that shows them."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from forms_app.demo.history import demo_history_create
from forms_app.models import FormStepStat, Lead, SpamRefusal
from forms_app.workspace.analytics import NO_SOURCE, form_analytics, period_days

# Never in the future: the page counts up to the real now (a noon of today failed every morning).
NOW = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=1)


def lead(form, *, days_ago=0, tier="nurture", score=None, status="new", **extra):
    created = NOW - timedelta(days=days_ago)
    return Lead.objects.create(
        form=form,
        created_at=created,
        tier=tier,
        score=score,
        status=status,
        source=extra.pop("source", Lead.Source.FORM),
        capture=extra.pop("capture", {}),
        **extra,
    )


@pytest.fixture
def history(draft_form):
    form = draft_form
    # Sales-ready: two won (one answered in 30 min within SLA, one in 3 h after it), one lost.
    lead(
        form,
        tier="sales_ready",
        score=95,
        status="won",
        won_amount=Decimal("1000"),
        first_contacted_at=NOW + timedelta(minutes=30),
        sla_due_at=NOW + timedelta(hours=1),
        capture={"utm_source": "newsletter"},
    )
    lead(
        form,
        days_ago=1,
        tier="sales_ready",
        score=88,
        status="won",
        won_amount=Decimal("500.50"),
        first_contacted_at=NOW - timedelta(days=1) + timedelta(hours=3),
        sla_due_at=NOW - timedelta(days=1) + timedelta(hours=1),
        capture={"utm_source": "newsletter"},
    )
    lead(
        form, days_ago=1, tier="sales_ready", score=91, status="lost", capture={"utm_source": "ads"}
    )
    # Marketing-qualified: one qualified, one unqualified; nurture: three, one lost, two open.
    lead(form, days_ago=2, tier="marketing_qualified", score=65, status="qualified")
    lead(form, days_ago=2, tier="marketing_qualified", score=61, status="unqualified")
    for days_ago, status in ((3, "lost"), (3, "new"), (4, "new")):
        lead(form, days_ago=days_ago, score=12, status=status)
    # Not counted: too old, imported, or left after the e-mail step (counted apart).
    lead(form, days_ago=40, tier="sales_ready", score=99, status="won", won_amount=Decimal(9))
    lead(form, tier="sales_ready", score=99, source=Lead.Source.IMPORT, status="won")
    lead(form, is_partial=True)
    SpamRefusal.objects.create(form=form, reason="honeypot", day=NOW.date(), count=4)
    SpamRefusal.objects.create(
        form=form, reason="too_fast", day=(NOW - timedelta(days=60)).date(), count=9
    )
    FormStepStat.objects.create(form=form, step=1, started=20, completed=12)
    return form


def test_the_figures_count_the_periods_form_leads_only(history):
    figures = form_analytics(form=history, days=30, now=NOW)

    assert figures.submissions == 8 and figures.partial == 1
    assert figures.labelled == 6 and figures.converted == 3  # qualified or won, by default
    assert figures.conversion_rate == pytest.approx(0.5)
    assert figures.won_amount == Decimal("1500.50")
    assert len(figures.daily) == 30 and figures.daily[-1].day == NOW.date()
    assert [d.submissions for d in figures.daily[-5:]] == [1, 2, 2, 2, 1]
    assert [d.sales_ready for d in figures.daily[-5:]] == [0, 0, 0, 2, 1]
    assert figures.busiest_day == 2
    assert figures.spam == [("Honeypot field filled", 4)]


def test_tiers_show_share_conversion_and_speed_to_lead(history):
    tiers = {t.tier: t for t in form_analytics(form=history, days=30, now=NOW).tiers}

    sales_ready = tiers["sales_ready"]
    assert sales_ready.submissions == 3 and sales_ready.share == pytest.approx(3 / 8)
    assert (sales_ready.labelled, sales_ready.converted) == (3, 2)
    assert sales_ready.won_amount == Decimal("1500.50")
    assert sales_ready.median_minutes_to_contact == pytest.approx(105)  # 30 min and 3 h
    assert sales_ready.contacted_within_sla == pytest.approx(0.5)
    assert tiers["marketing_qualified"].conversion_rate == pytest.approx(0.5)
    assert tiers["nurture"].submissions == 3 and tiers["nurture"].conversion_rate == 0
    assert tiers["nurture"].median_minutes_to_contact is None


def test_score_bands_and_sources_show_whether_the_score_ranks_leads(history):
    figures = form_analytics(form=history, days=30, now=NOW)

    bands = {band.low: band for band in figures.score_bands}
    assert [band.low for band in figures.score_bands] == list(range(0, 100, 10))
    assert (bands[90].labelled, bands[90].converted, bands[90].high) == (2, 1, 100)
    assert (bands[80].labelled, bands[80].converted) == (1, 1)
    assert (bands[60].labelled, bands[60].converted) == (2, 1)
    assert (bands[10].labelled, bands[10].converted) == (1, 0)
    assert bands[50].conversion_rate is None

    sources = {s.source: s for s in figures.sources}
    assert figures.sources[0].source == NO_SOURCE  # the largest first
    assert sources["newsletter"].submissions == 2 and sources["newsletter"].conversion_rate == 1
    assert sources["ads"].sales_ready_share == 1 and sources["ads"].conversion_rate == 0
    assert sources[NO_SOURCE].submissions == 5


def test_a_shorter_period_and_an_unknown_one(history):
    assert form_analytics(form=history, days=7, now=NOW).submissions == 8
    assert period_days("7") == 7 and period_days("365") == 365
    assert period_days("13") == 30 and period_days(None) == 30 and period_days("x") == 30


def test_the_page_shows_the_figures_to_marketers_only(history, marketer_client, client, rep):
    page = marketer_client.get("/app/forms/pricing/analytics/?days=7")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Submissions per day" in html and "Does the score rank leads?" in html
    assert 'aria-current="page">7 days' in html
    assert "newsletter" in html and "Honeypot field filled" in html and "1,501" in html
    assert "1.8 h" in html  # the median contact time of sales-ready leads
    client.force_login(rep)
    assert client.get("/app/forms/pricing/analytics/").status_code == 403


def test_an_empty_form_says_what_to_do(draft_form, marketer_client):
    html = marketer_client.get("/app/forms/pricing/analytics/").content.decode()
    assert "No submissions in this period" in html and "embed it" in html
    assert "No lead of this period has an outcome yet" in html


def test_the_page_costs_the_same_queries_for_thousands_of_leads(
    demo_form, marketer_client, django_assert_max_num_queries
):
    demo_history_create(demo_form, count=2000)
    with django_assert_max_num_queries(14):
        response = marketer_client.get("/app/forms/demo/analytics/?days=365")
    assert response.status_code == 200
    assert "Submissions per day" in response.content.decode()


def download(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_the_periods_leads_download_as_csv_with_answers_by_label(
    draft_form, marketer_client, client, rep
):
    timeline = draft_form.questions.get(label="Timeline")
    email = draft_form.questions.get(label="Work e-mail")
    choice = timeline.choices[0]
    lead(
        draft_form,
        tier="sales_ready",
        score=91,
        probability=0.73219,
        status="won",
        won_amount=Decimal("1200.00"),
        answers={email.key: '=HYPERLINK("http://evil")', timeline.key: choice["value"]},
        capture={"utm_source": "newsletter", "device": "mobile"},
        factors=[{"label": "Timeline: soon", "impact": 18.2}],
    )
    lead(draft_form, days_ago=40, score=10)  # outside a 30-day period
    lead(draft_form, is_partial=True)  # never exported: not a complete lead

    rows = download(marketer_client, "/app/forms/pricing/leads.csv?days=30")

    header, *body = rows
    assert header[:3] == ["submitted_at", "lead_id", "source"]
    assert "Work e-mail" in header and "Timeline" in header and header[-1] == "top_factors"
    assert len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert row["tier"] == "sales_ready" and row["score"] == "91" and row["probability"] == "0.7322"
    assert row["won_amount"] == "1200.00" and row["currency"] == "USD"
    assert row["utm_source"] == "newsletter"
    assert row["Timeline"] == choice["label"]  # choices by their labels
    assert row["Work e-mail"].startswith("'=")  # a formula is defused for spreadsheets
    assert row["top_factors"] == "Timeline: soon +18.2"
    assert len(download(marketer_client, "/app/forms/pricing/leads.csv?days=365")) == 3

    client.force_login(rep)
    assert client.get("/app/forms/pricing/leads.csv").status_code == 403
