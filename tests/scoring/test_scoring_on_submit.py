"""Every submission is scored inside the request by the form's active ONNX model."""

import random
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from forms_app.capture.submit import lead_capture
from forms_app.demo.history import demo_lead
from forms_app.models import Lead
from forms_app.scoring_adapter import model_version_live_quality, score_answers
from scoring.models import ModelVersion, ModelVersionEvent
from scoring.services import (
    LIVE_MIN_OUTCOMES,
    LiveQuality,
    model_version_activate,
    model_version_register,
)

KEEN = {
    "work_email": "grace@navy.example",
    "full_name": "Grace Hopper",
    "company": "Navy Labs",
    "company_size": "1000_plus",
    "timeline": "within_1_month",
    "budget": "over_50k",
    "industry": "saas",
    "role": "vp_head",
    "country": "us",
    "consent": True,
}
IDLE = {
    **KEEN,
    "work_email": "kid@gmail.com",
    "company_size": "1_10",
    "timeline": "just_researching",
    "budget": "under_5k",
    "industry": "education",
    "role": "student",
    "country": "other",
}


def post_demo(client, answers):
    page = client.get("/f/demo/")
    token = re.search(r'name="_fs_token" value="([^"]+)"', page.content.decode()).group(1)
    data = {**answers, "consent": "on", "_fs_token": token}
    return client.post("/f/demo/", data)


def test_a_submission_is_stored_with_score_probability_tier_version_points_and_factors(
    client, scored_demo_form
):
    post_demo(client, KEEN)

    lead = Lead.objects.get()
    version = ModelVersion.objects.get(status="active")
    assert 80 <= lead.score <= 100
    assert 0 < lead.probability < 1
    assert lead.tier == Lead.Tier.SALES_READY
    assert lead.model_version == version
    assert lead.points_score == 100  # the demo's points rules, clipped at 100
    assert not lead.needs_rescoring
    labels = [factor["label"] for factor in lead.factors]
    assert "When do you want to start?: Within 1 month" in labels
    assert all(factor["impact"] > 0 for factor in lead.factors[:3])


def test_an_unpromising_submission_scores_low_with_negative_factors(client, scored_demo_form):
    post_demo(client, IDLE)

    lead = Lead.objects.get()
    assert lead.score < 60
    assert lead.tier == Lead.Tier.NURTURE
    assert lead.points_score == 0
    assert all(factor["impact"] < 0 for factor in lead.factors)


def test_the_answer_that_hurts_a_promising_lead_is_its_top_negative_factor(
    client, scored_demo_form
):
    post_demo(client, {**KEEN, "role": "student"})

    lead = Lead.objects.get()
    negative = [factor for factor in lead.factors if factor["impact"] < 0]
    assert negative[0]["label"] == "Your role: Student"
    assert negative[0]["impact"] <= -10  # probability points


def test_without_a_model_the_points_system_scores_the_lead(client, demo_form):
    post_demo(client, KEEN)

    lead = Lead.objects.get()
    assert lead.model_version is None
    assert lead.score == lead.points_score == 100
    assert lead.probability is None
    assert lead.tier == Lead.Tier.SALES_READY
    assert not lead.needs_rescoring
    assert "When do you want to start? is Within 1 month" in [f["label"] for f in lead.factors]


def test_a_broken_model_stores_the_lead_with_points_and_flags_it_for_rescoring(
    demo_form, demo_training, capsys
):
    good = model_version_register(form_id=demo_form.pk, result=demo_training)
    broken = model_version_register(form_id=demo_form.pk, result=demo_training)
    ModelVersion.objects.filter(pk=broken.pk).update(onnx=b"not an onnx file")
    model_version_activate(version=broken, reason="simulate a corrupted upload")

    result = lead_capture(form=demo_form, answers=KEEN, capture={})

    lead = result.lead
    assert lead.pk is not None
    assert lead.needs_rescoring
    assert lead.model_version is None
    assert lead.score == lead.points_score == 100

    model_version_activate(version=good, reason="fixed")
    call_command("rescore")
    lead.refresh_from_db()
    assert not lead.needs_rescoring
    assert lead.model_version == good
    assert "Rescored 1 lead." in capsys.readouterr().out


def test_tiers_follow_the_forms_thresholds(demo_form):
    demo_form.sales_ready_threshold, demo_form.marketing_qualified_threshold = 90, 40
    demo_form.save()
    answers = {**IDLE, "timeline": "within_1_month", "role": "manager"}  # 30 points
    assert score_answers(form=demo_form, answers=answers, capture={}).tier == "nurture"
    answers["budget"] = "over_50k"  # 50 points
    assert score_answers(form=demo_form, answers=answers, capture={}).tier == (
        "marketing_qualified"
    )


def test_activation_and_rollback_are_logged_with_who_and_why(
    demo_form, demo_training, django_user_model
):
    from scoring.services import model_version_rollback

    morgan = django_user_model.objects.create_user("morgan")
    v1 = model_version_register(form_id=demo_form.pk, result=demo_training, actor=morgan)
    v2 = model_version_register(form_id=demo_form.pk, result=demo_training, actor=morgan)
    model_version_activate(version=v1, actor=morgan, reason="first model")
    model_version_activate(version=v2, actor=morgan, reason="newer data")

    v1.refresh_from_db()
    assert v1.status == ModelVersion.Status.RETIRED
    assert model_version_rollback(form_id=demo_form.pk, actor=morgan, reason="v2 looks off") == v1
    v1.refresh_from_db(), v2.refresh_from_db()
    assert (v1.status, v2.status) == ("active", "retired")
    rolled = ModelVersionEvent.objects.get(action="rolled_back")
    assert (rolled.version, rolled.actor, rolled.reason) == (v2, morgan, "v2 looks off")

    assert model_version_rollback(form_id=demo_form.pk, actor=morgan) is None
    assert not demo_form.model_versions.filter(status="active").exists()


def test_the_database_refuses_two_active_versions_for_one_form(demo_form, demo_training):
    from django.db import IntegrityError

    v1 = model_version_register(form_id=demo_form.pk, result=demo_training)
    v2 = model_version_register(form_id=demo_form.pk, result=demo_training)
    ModelVersion.objects.filter(pk=v1.pk).update(status="active")
    with pytest.raises(IntegrityError):
        ModelVersion.objects.filter(pk=v2.pk).update(status="active")


def test_the_live_roc_auc_counts_only_leads_the_version_scored_after_training(scored_demo_form):
    version = scored_demo_form.model_versions.get(status="active")
    assert model_version_live_quality(version) == LiveQuality(0, 0, None)
    rng = random.Random(5)
    created = []
    for _number in range(60):
        answers, capture, _ = demo_lead(rng, timezone.now())
        created.append(lead_capture(form=scored_demo_form, answers=answers, capture=capture).lead)
    # Sales reports outcomes: the higher the stored probability, the likelier a conversion.
    for lead in created:
        status = "won" if lead.probability > 0.3 else "lost"
        Lead.objects.filter(pk=lead.pk).update(status=status, won_amount=100)
    Lead.objects.filter(pk=created[0].pk).update(status="new")  # no outcome: not counted
    Lead.objects.filter(pk=created[1].pk).update(source=Lead.Source.IMPORT)  # not scored live

    live = model_version_live_quality(version)

    assert live.outcomes == 58 and live.missing == 0
    assert live.converted == sum(1 for lead in created[2:] if lead.probability > 0.3)
    assert live.roc_auc == 1.0  # outcomes follow the stored probability exactly


def test_live_quality_waits_for_enough_outcomes_of_both_kinds(scored_demo_form):
    version = scored_demo_form.model_versions.get(status="active")
    rng = random.Random(6)
    for _ in range(LIVE_MIN_OUTCOMES + 5):
        answers, capture, _ = demo_lead(rng, timezone.now())
        lead = lead_capture(form=scored_demo_form, answers=answers, capture=capture).lead
        Lead.objects.filter(pk=lead.pk).update(status="lost")

    live = model_version_live_quality(version)

    assert live.outcomes == LIVE_MIN_OUTCOMES + 5 and live.converted == 0
    assert live.roc_auc is None  # one class only: nothing to rank yet
