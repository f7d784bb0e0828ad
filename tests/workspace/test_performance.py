"""The Performance tab and the what-if on the thresholds: figures from known leads, the pages
that show them, their CSV downloads and their query counts."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from forms_app.models import Lead, RepProfile
from forms_app.workspace.scoring_proof import dual_track, sales_outcomes, threshold_what_if
from scoring.models import ModelVersion

NOW = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=1)


def lead(form, *, days_ago=0, score=50, points=50, status="new", tier=None, **extra):
    threshold = form.sales_ready_threshold
    tier = tier or ("sales_ready" if score >= threshold else "nurture")
    return Lead.objects.create(
        form=form,
        created_at=NOW - timedelta(days=days_ago),
        score=score,
        points_score=points,
        tier=tier,
        status=status,
        **extra,
    )


@pytest.fixture
def live_since_last_month(scored_demo_form):
    """The demo form, its model live since the start of last month (so two months compare)."""
    first_of_month = NOW.replace(day=1, hour=0, minute=0)
    last_month = (first_of_month - timedelta(days=1)).replace(day=1)
    ModelVersion.objects.filter(form=scored_demo_form).update(activated_at=last_month)
    return scored_demo_form, last_month


def test_the_model_that_ranks_perfectly_beats_points_that_rank_backwards(live_since_last_month):
    form, last_month = live_since_last_month
    this_month = NOW.replace(day=1)
    for day in (this_month, last_month + timedelta(days=2)):
        days_ago = (NOW - day).days
        # The model puts every conversion on top; the points put them at the bottom.
        lead(form, days_ago=days_ago, score=95, points=10, status="won")
        lead(form, days_ago=days_ago, score=85, points=20, status="qualified")
        lead(form, days_ago=days_ago, score=30, points=90, status="lost")
        lead(form, days_ago=days_ago, score=20, points=85, status="unqualified")
        lead(form, days_ago=days_ago, score=90, points=90, status="new")  # unresolved
    track = dual_track(form=form, now=NOW)
    assert [m.month for m in track.months] == [last_month.date(), this_month.date()]
    for month in track.months:
        assert (month.model_auc, month.points_auc) == (1.0, 0.0)
        assert (month.model_top_conversion, month.points_top_conversion) == (1.0, 0.0)
        assert (month.model_to_sales, month.points_to_sales) == (3, 3)
        assert (month.submissions, month.resolved) == (5, 4)
    assert track.verdict == "The model ranked leads better than the points rules in 2 of 2 months."
    assert track.model_holds_up


def test_without_a_live_model_there_is_no_dual_track(draft_form):
    assert dual_track(form=draft_form).version is None


def test_the_what_if_counts_leads_per_week_precision_and_recall_at_a_new_threshold(demo_form):
    ana = User.objects.create_user("ana")
    ben = User.objects.create_user("ben")
    RepProfile.objects.create(user=ana, display_name="Ana Diaz")
    RepProfile.objects.create(user=ben, display_name="Ben Okafor")
    # In the last eight weeks: 8 leads at 90 (3 to Ana, 1 to Ben each pair of weeks), 8 at 70.
    for i in range(8):
        lead(demo_form, days_ago=i * 7, score=90, assigned_to=ana if i % 4 else ben)
        lead(demo_form, days_ago=i * 7, score=70)
    # Outcomes: at 90, 3 won 1 lost; at 70, 1 won 3 lost.
    for status in ("won", "won", "won", "lost"):
        lead(demo_form, days_ago=100, score=90, status=status)
    for status in ("won", "lost", "lost", "lost"):
        lead(demo_form, days_ago=100, score=70, status=status)
    what_if = threshold_what_if(form=demo_form, sales_ready=65, now=NOW)
    assert (what_if.current, what_if.threshold) == (80, 65)
    assert (what_if.per_week_now, what_if.per_week_then) == (1.0, 2.0)
    assert (what_if.precision_now, what_if.recall_now) == (0.75, 0.75)
    assert (what_if.precision_then, what_if.recall_then) == (0.5, 1.0)
    assert [(r.name, r.per_week_now, r.per_week_then) for r in what_if.reps] == [
        ("Ana Diaz", 0.75, 1.5),
        ("Ben Okafor", 0.25, 0.5),
    ]


@pytest.fixture
def worked_leads(demo_form):
    ana = User.objects.create_user("ana")
    RepProfile.objects.create(user=ana, display_name="Ana Diaz")
    created = NOW - timedelta(days=10)
    # Sales-ready: won after 4 and 10 days (1,000 + 500), one lost; contacted in 30 and 90 min
    # against a 60-minute SLA.
    for won_after, amount, minutes in ((4, "1000", 30), (10, "500", 90)):
        lead(
            demo_form,
            days_ago=10,
            score=92,
            status="won",
            won_amount=Decimal(amount),
            won_on=timezone.localdate(created) + timedelta(days=won_after),
            assigned_to=ana,
            first_contacted_at=created + timedelta(minutes=minutes),
            sla_due_at=created + timedelta(minutes=60),
        )
    lead(demo_form, days_ago=10, score=85, status="lost", assigned_to=ana)
    # Nurture: one unqualified, contacted by Ana; one still open.
    lead(
        demo_form,
        days_ago=10,
        score=15,
        status="unqualified",
        assigned_to=ana,
        first_contacted_at=created + timedelta(days=2),
    )
    lead(demo_form, days_ago=10, score=12)
    return demo_form


def test_sales_outcomes_per_tier_band_and_rep(worked_leads):
    outcomes = sales_outcomes(form=worked_leads, days=30, now=NOW)
    sales_ready = outcomes.tiers[0]
    assert sales_ready.label == "Sales-ready"
    assert (sales_ready.leads, sales_ready.closed, sales_ready.won) == (3, 3, 2)
    assert sales_ready.win_rate == pytest.approx(2 / 3)
    assert sales_ready.revenue == Decimal("1500")
    assert sales_ready.median_days_to_won == 7.0
    assert sales_ready.median_minutes_to_contact == pytest.approx(60.0, abs=0.01)
    assert sales_ready.within_sla_share == 0.5
    band_90 = next(b for b in outcomes.bands if b.label == "90–100")
    assert (band_90.leads, band_90.won, band_90.win_rate) == (2, 2, 1.0)
    (ana,) = outcomes.reps
    assert (ana.label, ana.leads, ana.won) == ("Ana Diaz", 4, 2)
    assert ana.contact_tiers == {
        "sales_ready": pytest.approx(2 / 3),
        "marketing_qualified": 0.0,
        "nurture": pytest.approx(1 / 3),
    }
    assert ana.outcome_tiers["sales_ready"] == 0.75
    assert (outcomes.won, outcomes.revenue) == (2, Decimal("1500"))


def test_the_performance_page_shows_both_sections_in_few_queries(
    marketer_client, live_since_last_month, worked_leads, django_assert_max_num_queries
):
    form, _ = live_since_last_month
    with django_assert_max_num_queries(10):
        response = marketer_client.get(f"/app/forms/{form.slug}/performance/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Model against points rules, month by month" in page
    assert "Sales outcomes" in page and "Ana Diaz" in page
    assert "$1,500" in page


def test_the_query_count_does_not_grow_with_the_leads(
    marketer_client, live_since_last_month, worked_leads, django_assert_max_num_queries
):
    form, _ = live_since_last_month
    for i in range(40):
        lead(form, days_ago=i, score=i * 2, points=100 - i * 2, status="won" if i % 3 else "lost")
    with django_assert_max_num_queries(10):
        assert marketer_client.get(f"/app/forms/{form.slug}/performance/").status_code == 200


def test_each_table_downloads_as_csv(marketer_client, worked_leads):
    response = marketer_client.get(f"/app/forms/{worked_leads.slug}/performance/reps.csv?days=30")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:6] == ["rep", "leads", "closed", "won", "win_rate", "revenue_won_usd"]
    assert rows[1][:6] == ["Ana Diaz", "4", "4", "2", "0.500", "1500.00"]
    assert (
        marketer_client.get(f"/app/forms/{worked_leads.slug}/performance/x.csv").status_code == 404
    )


def test_sales_reps_cannot_open_the_performance_tab(client, rep, worked_leads):
    client.force_login(rep)
    response = client.get(f"/app/forms/{worked_leads.slug}/performance/")
    assert response.status_code in (302, 403)


def test_the_scoring_page_previews_a_threshold_without_saving_it(
    marketer_client, demo_form, django_assert_max_num_queries
):
    for i in range(8):
        lead(demo_form, days_ago=i * 7, score=90)
        lead(demo_form, days_ago=i * 7, score=70)
    with django_assert_max_num_queries(11):
        response = marketer_client.get(f"/app/forms/{demo_form.slug}/scoring/?what_if=65")
    page = response.content.decode()
    assert 'data-testid="what-if-per-week">2.0<' in page
    assert "Save sales-ready from 65" in page
    demo_form.refresh_from_db()
    assert demo_form.sales_ready_threshold == 80


def test_saving_the_previewed_threshold_goes_through_the_thresholds_form(
    marketer_client, demo_form
):
    response = marketer_client.post(
        f"/app/forms/{demo_form.slug}/scoring/thresholds/",
        {"marketing_qualified": demo_form.marketing_qualified_threshold, "sales_ready": 65},
    )
    assert response.status_code == 302
    demo_form.refresh_from_db()
    assert demo_form.sales_ready_threshold == 65


def test_a_threshold_below_marketing_qualified_is_previewed_but_not_offered_to_save(
    marketer_client, demo_form
):
    page = marketer_client.get(f"/app/forms/{demo_form.slug}/scoring/?what_if=40").content
    assert b"Save sales-ready from 40" not in page
    assert b"first lower marketing-qualified below 40" in page
