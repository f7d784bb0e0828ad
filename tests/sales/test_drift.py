"""Drift in production: this week's leads against the active model's, an episode at a time."""

import random
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from forms_app.demo.history import demo_lead
from forms_app.models import DriftEpisode, Lead, Notification
from forms_app.sales.drift import form_drift, form_drift_check
from forms_app.scoring_adapter import leads_rescore
from scoring.models import ModelVersion, TrainingRun
from tests.helpers.worker import run_worker


def _week_of_leads(form, n=200, *, seed=5, change=None, statuses=()):
    """``n`` demo leads over the last six days, scored by the active model; ``change(rng,
    answers, capture)`` plants a shift; ``statuses`` are given, in turn, to the first leads."""
    rng = random.Random(seed)
    now = timezone.now()
    leads = []
    for i in range(n):
        created = now - timedelta(hours=1 + i * 144 / n)
        answers, capture, _ = demo_lead(rng, created)
        if change is not None:
            change(rng, answers, capture)
        status = statuses[i % len(statuses)] if statuses else "new"
        leads.append(
            Lead(
                form=form,
                answers=answers,
                capture=capture,
                created_at=created,
                status=status,
                status_changed_at=now if status != "new" else None,
            )
        )
    Lead.objects.bulk_create(leads)
    leads_rescore(form=form, scope="unscored")


def _eager_buyers(rng, answers, capture):
    if rng.random() < 0.8:
        answers.update(timeline="within_1_month", budget="over_50k", company_size="201_1000")


def _tracking_broken(rng, answers, capture):
    for key in ("utm_source", "utm_medium", "utm_campaign"):
        capture.pop(key, None)


@pytest.fixture
def marketers(marketer):
    marketer.email = "morgan@example.com"
    marketer.save()
    return [marketer]


def test_the_trained_version_keeps_a_reference_per_input(scored_demo_form):
    version = ModelVersion.objects.get(form=scored_demo_form, status="active")
    reference = version.drift_reference
    names = {feature["name"] for feature in version.feature_spec["features"]}
    assert set(reference["features"]) == names
    assert sum(reference["score_counts"]) == version.n_leads


def test_a_week_like_the_training_leads_is_stable(scored_demo_form):
    _week_of_leads(scored_demo_form)

    drift = form_drift(form=scored_demo_form)

    assert drift.level == "stable", drift.report["text"]
    assert drift.report["score_psi"] < 0.1
    assert sum(drift.score_counts) == 200


def test_a_planted_shift_is_shifted_and_names_what_moved(scored_demo_form):
    _week_of_leads(scored_demo_form, change=_eager_buyers)

    drift = form_drift(form=scored_demo_form)

    assert drift.level == "shifted"
    assert drift.report["score_psi"] > 0.25
    moved = [row["text"] for row in drift.report["features"][:3]]
    assert any("rose from" in text for text in moved), moved


def test_a_source_that_stops_arriving_is_a_data_problem_not_drift(scored_demo_form):
    _week_of_leads(scored_demo_form, change=_tracking_broken)

    drift = form_drift(form=scored_demo_form)

    assert drift.level == "data_problem"
    assert (
        "“UTM source” stopped arriving (missing in 100% of this week's leads"
        in (drift.report["text"])
    )


# The worker delivers in its own threads: they must see the rows committed.
@pytest.mark.django_db(transaction=True)
def test_a_shift_alerts_the_marketers_once_per_episode_through_the_outbox(
    scored_demo_form, marketers
):
    _week_of_leads(scored_demo_form, change=_eager_buyers)

    first = form_drift_check(form=scored_demo_form)
    again = form_drift_check(form=scored_demo_form)
    run_worker()

    assert first.alerted and not again.alerted
    episode = DriftEpisode.objects.get(form=scored_demo_form)
    assert episode.level == "shifted" and episode.ended_at is None
    assert episode.notification.status == Notification.Status.DELIVERED
    assert [m.to for m in mail.outbox] == [["morgan@example.com"]]
    assert "leads have shifted" in mail.outbox[0].subject
    assert "Drift view: " in mail.outbox[0].body and "#drift" in mail.outbox[0].body


def test_a_stable_week_ends_the_episode_and_the_next_shift_alerts_again(
    scored_demo_form, marketers
):
    _week_of_leads(scored_demo_form, change=_eager_buyers)
    form_drift_check(form=scored_demo_form)
    Lead.objects.filter(form=scored_demo_form).delete()
    _week_of_leads(scored_demo_form, seed=6)

    calm = form_drift_check(form=scored_demo_form)

    assert calm.level == "stable" and calm.episode is None
    assert DriftEpisode.objects.get(form=scored_demo_form).ended_at is not None
    Lead.objects.filter(form=scored_demo_form).delete()
    _week_of_leads(scored_demo_form, seed=7, change=_eager_buyers)
    assert form_drift_check(form=scored_demo_form).alerted
    assert DriftEpisode.objects.filter(form=scored_demo_form).count() == 2


def test_a_shift_starts_a_challenger_when_enough_outcomes_arrived(scored_demo_form, marketers):
    _week_of_leads(scored_demo_form, change=_eager_buyers, statuses=("won", "lost"))

    check = form_drift_check(form=scored_demo_form)

    run = TrainingRun.objects.get(form=scored_demo_form)
    assert check.episode.challenger == run and run.status == TrainingRun.Status.QUEUED
    assert run.activate == "auto"  # the gate decides
    assert "challenger is training" in check.episode.challenger_note


def test_without_enough_outcomes_no_challenger_and_the_alert_says_why(scored_demo_form, marketers):
    _week_of_leads(scored_demo_form, change=_eager_buyers)

    check = form_drift_check(form=scored_demo_form)

    assert not TrainingRun.objects.filter(form=scored_demo_form).exists()
    assert check.episode.challenger_note.startswith("No challenger yet: 0 new outcomes")


def test_a_data_problem_alerts_without_a_challenger(scored_demo_form, marketers):
    _week_of_leads(scored_demo_form, change=_tracking_broken, statuses=("won", "lost"))

    check = form_drift_check(form=scored_demo_form)

    assert check.alerted and check.episode.level == "data_problem"
    assert not TrainingRun.objects.filter(form=scored_demo_form).exists()
    payload = check.episode.notification.payload
    assert payload["subject"] == f"{scored_demo_form.name}: a data problem is moving the scores"
    assert payload["body"].startswith("Data problem, not drift: “UTM source” stopped arriving")
    assert (
        "No challenger: a model trained on broken data would learn the breakage."
        in (payload["body"])
    )


# --- the pages ------------------------------------------------------------------------------


def test_the_models_page_shows_the_drift_in_words_a_chart_and_a_table(
    client, marketer, scored_demo_form
):
    _week_of_leads(scored_demo_form, change=_eager_buyers)
    client.force_login(marketer)

    page = client.get(f"/app/forms/{scored_demo_form.slug}/models/").content.decode()

    assert 'id="drift"' in page and 'data-level="shifted"' in page
    assert "Scores this week against the leads v1 learned from" in page  # the SVG's title
    assert "Show as a table" in page and "drift.csv" in page
    assert "rose from" in page


def test_the_drift_csv_has_the_score_bands_and_every_inputs_bins(
    client, marketer, scored_demo_form
):
    _week_of_leads(scored_demo_form, change=_eager_buyers)
    client.force_login(marketer)

    response = client.get(f"/app/forms/{scored_demo_form.slug}/models/drift.csv")
    lines = b"".join(response.streaming_content).decode().splitlines()

    assert response["Content-Type"].startswith("text/csv")
    assert lines[0] == "section,input,bin,reference_share,this_week_share,psi,level"
    assert sum(line.startswith("score,") for line in lines) == 10
    assert any(line.startswith("input,Budget,") for line in lines)


def test_the_models_page_queries_do_not_grow_with_the_weeks_leads(
    client, marketer, scored_demo_form, django_assert_max_num_queries
):
    client.force_login(marketer)
    _week_of_leads(scored_demo_form, n=40)
    with django_assert_max_num_queries(22) as few:
        client.get(f"/app/forms/{scored_demo_form.slug}/models/")
    _week_of_leads(scored_demo_form, n=400, seed=9)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/app/forms/{scored_demo_form.slug}/models/")

    assert response.status_code == 200


def test_the_forms_list_shows_an_open_episode_as_a_badge_at_no_extra_query(
    client, marketer, scored_demo_form, django_assert_max_num_queries
):
    _week_of_leads(scored_demo_form, change=_tracking_broken)
    form_drift_check(form=scored_demo_form)
    client.force_login(marketer)

    with django_assert_max_num_queries(6):
        page = client.get("/app/forms/").content.decode()

    assert 'data-testid="drift-badge"' in page and "Data problem" in page
    assert "Data problem" in client.get("/app/models/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_hourly_task_checks_every_scored_form_and_schedules_its_next_run(
    scored_demo_form, marketers
):
    from django_tasks_db.models import DBTaskResult

    from forms_app.tasks import periodic_tasks_ensure

    _week_of_leads(scored_demo_form, change=_eager_buyers)
    assert "check_drift" in periodic_tasks_ensure()

    run_worker()

    assert DriftEpisode.objects.get(form=scored_demo_form).level == "shifted"
    assert [m.subject for m in mail.outbox] == [
        f"{scored_demo_form.name}: leads have shifted from what model v1 knows"
    ]
    next_run = DBTaskResult.objects.get(task_path="forms_app.tasks.check_drift", status="READY")
    assert timedelta(minutes=59) < next_run.run_after - timezone.now() <= timedelta(hours=1)
