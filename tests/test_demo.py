"""`manage.py demo` and its data: safe to run again, retrains a model it cannot serve, a history
that converts like real leads, and sales routing that only ever posts to this machine."""

import pytest
from django.core.management import call_command

from forms_app.models import Form, Lead, RoutingRule
from forms_app.sales.routing import routing_preview
from scoring.features import SPEC_FORMAT
from scoring.runtime import artefact_sha256, served_model_forget
from tests.helpers.leads import scored_lead


def test_the_demo_command_can_run_twice_without_duplicating(db, capsys, settings):
    settings.FORMSCORE_CACHE_URL = ""  # as `make demo` runs: limits in each process's memory
    call_command("demo", "--password", "demo-pass-123", "--leads", "200")
    call_command("demo", "--password", "demo-pass-123", "--leads", "200")
    output = capsys.readouterr().out
    assert "already has its demo history" in output
    assert "marketer  / demo-pass-123" in output
    assert "/app/" in output and "/api/v1/public/forms/demo" in output
    assert "Limits (submits per address, API throttles) are counted in each web" in output
    assert Form.objects.filter(slug="demo").count() == 1
    assert Lead.objects.filter(source=Lead.Source.DEMO).count() == 200


def test_the_demo_command_retrains_a_model_this_version_cannot_serve(db, capsys):
    call_command("demo", "--password", "demo-pass-123", "--leads", "1000")
    form = Form.objects.get(slug="demo")
    older = form.model_versions.get()
    spec = older.feature_spec | {"format": 1}  # as an earlier formscore wrote it, hash and all
    sha256 = artefact_sha256(
        onnx_bytes=older.onnx, spec=spec, reference=older.reference, baseline=older.baseline
    )
    form.model_versions.filter(pk=older.pk).update(feature_spec=spec, sha256=sha256)
    served_model_forget()  # a new process after the upgrade
    capsys.readouterr()

    call_command("demo", "--password", "demo-pass-123", "--leads", "1000")

    assert "Training the demo model" in capsys.readouterr().out
    newer = form.model_versions.exclude(pk=older.pk).get()
    assert newer.number == older.number + 1
    assert newer.feature_spec["format"] == SPEC_FORMAT


def test_the_demo_history_converts_at_a_realistic_rate(db):
    call_command("demo", "--password", "demo-pass-123", "--leads", "3000")
    form = Form.objects.get(slug="demo")
    labelled = form.leads.filter(status__in=form.labelled_statuses()).count()
    converted = form.leads.filter(status__in=form.converted_statuses()).count()
    assert 0.08 <= converted / labelled <= 0.12


def test_the_demo_routes_sales_ready_leads_round_robin_and_only_posts_locally(demo_form):
    from django.contrib.auth.models import User

    from forms_app.demo.sales import demo_sales_setup

    for username in ("sales1", "sales2"):
        User.objects.create_user(username)
    with pytest.raises(ValueError, match="must point at 127"):
        demo_sales_setup(form=demo_form, webhook_url="https://example.com/hook")
    hot, _ = demo_sales_setup(form=demo_form, webhook_url="http://127.0.0.1:8161/")
    demo_sales_setup(form=demo_form)  # safe to re-run

    assert RoutingRule.objects.filter(form=demo_form).count() == 2
    assert hot.webhook_endpoint.url == "http://127.0.0.1:8161/"
    lead = scored_lead(demo_form, score=93, tier="sales_ready")
    assert routing_preview(form=demo_form, lead=lead).assigned_by == hot
    assert User.objects.get(username="sales2").rep_profile.booking_url.startswith("https://")


def test_the_demo_plants_a_shift_the_drift_view_shows_out_of_the_box(db, capsys):
    from forms_app.models import DriftEpisode
    from forms_app.sales.drift import form_drift

    call_command("demo", "--password", "demo-pass-123", "--leads", "3000")

    assert "Drift this week: shifted." in capsys.readouterr().out
    form = Form.objects.get(slug="demo")
    drift = form_drift(form=form)
    assert drift.level == "shifted" and drift.report["score_psi"] > 0.25
    assert drift.report["features"][0]["text"].startswith("UTM source: “linkedin” rose from")
    assert DriftEpisode.objects.get(form=form, ended_at=None).level == "shifted"
