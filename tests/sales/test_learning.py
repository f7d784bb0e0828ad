"""Continuous learning: outcomes from sales trigger a retrain once enough have arrived."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from forms_app.demo.history import demo_history_create
from forms_app.models import Lead
from forms_app.sales.leads import Outcome, lead_outcome_record
from forms_app.sales.learning import outcomes_since_training
from scoring.models import ModelVersion, TrainingRun


def retrain_due(*slugs) -> str:
    out = StringIO()
    call_command("retrain_due", *slugs, stdout=out, stderr=out)
    return out.getvalue()


def fresh_lead(form, **fields) -> Lead:
    return Lead.objects.create(
        form=form, answers={}, capture={}, created_at=timezone.now(), **fields
    )


def test_only_outcomes_recorded_since_the_last_training_count(scored_demo_form, sam):
    form = scored_demo_form
    fresh_lead(form, status="lost", status_changed_at=timezone.now() - timedelta(days=1))
    assert outcomes_since_training(form) == 0

    for status in ("won", "lost", "contacted"):
        lead = fresh_lead(form, assigned_to=sam)
        lead_outcome_record(
            lead=lead,
            actor=sam,
            outcome=Outcome(status=status, amount=1 if status == "won" else None),
        )
    # won and lost teach the model; contacted is no outcome yet
    assert outcomes_since_training(form) == 2
    assert "demo: 2 of 50 new outcomes; not due" in retrain_due("demo")
    assert ModelVersion.objects.filter(form=form).count() == 1


def test_the_threshold_is_configurable_per_form_and_by_setting(scored_demo_form, settings):
    fresh_lead(scored_demo_form, status="won", status_changed_at=timezone.now())
    settings.FORMSCORE_RETRAIN_AFTER_OUTCOMES = 7
    assert "1 of 7 new outcomes" in retrain_due("demo")
    scored_demo_form.retrain_after_outcomes = 3
    scored_demo_form.save()
    assert "1 of 3 new outcomes" in retrain_due("demo")


def test_converted_follows_the_forms_definition(scored_demo_form):
    """Under "won only", qualified leads are still labelled (negative), so they count too."""
    fresh_lead(scored_demo_form, status="qualified", status_changed_at=timezone.now())
    assert outcomes_since_training(scored_demo_form) == 1
    assert scored_demo_form.converted_statuses() == {"qualified", "won"}
    scored_demo_form.conversion_definition = "won"
    assert scored_demo_form.converted_statuses() == {"won"}


@pytest.mark.django_db
def test_enough_new_outcomes_train_a_challenger_and_marketers_hear_of_a_promotion(
    demo_form, marketer
):
    demo_history_create(demo_form, count=1200, seed=3)
    demo_form.retrain_after_outcomes = 100
    demo_form.save()

    output = retrain_due()
    assert "demo: 1123 new outcomes, trained, promoted the challenger" in output

    run = TrainingRun.objects.get(form=demo_form)
    assert run.status == "succeeded"
    # The seeded history has effects a points system misses, so the challenger beats it.
    version = ModelVersion.objects.get(form=demo_form, status="active")
    assert run.version == version
    assert [m.to for m in mail.outbox] == [["morgan@example.com"]]
    assert f"model v{version.number} is now scoring leads" in mail.outbox[0].subject
    assert "not due" in retrain_due()  # counting starts again from this training


def test_retrain_due_is_also_a_periodic_task(scored_demo_form):
    from forms_app.tasks import check_retrain_due

    assert check_retrain_due.call() == []


def test_a_form_below_the_history_minimum_is_not_retrained(demo_form, settings):
    """Outcomes enough to be due, but too few conversions for a model: no failed run each hour."""
    settings.FORMSCORE_RETRAIN_AFTER_OUTCOMES = 50
    for status in ["won"] * 12 + ["lost"] * 60:
        fresh_lead(demo_form, status=status, status_changed_at=timezone.now())

    output = retrain_due("demo")

    assert (
        "demo: not trained: the points system scores it until it has 40 converted and"
        " 40 not-converted leads (12 of 40 converted, 60 of 40 not converted)" in output
    )
    assert not TrainingRun.objects.exists() and not ModelVersion.objects.exists()
