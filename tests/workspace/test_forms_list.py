"""The forms list and the form's life cycle: create, duplicate, publish, unpublish."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from forms_app.models import Form, Lead, Question
from scoring.models import PointsRule


def _lead(form, *, days_ago=1, tier="", status=Lead.Status.NEW, **extra):
    return Lead.objects.create(
        form=form,
        created_at=timezone.now() - timedelta(days=days_ago),
        tier=tier,
        status=status,
        **extra,
    )


def test_the_list_shows_each_forms_numbers(marketer_client, draft_form):
    _lead(draft_form, tier=Lead.Tier.SALES_READY)
    _lead(draft_form, tier=Lead.Tier.NURTURE)
    _lead(draft_form, tier=Lead.Tier.SALES_READY, days_ago=3, status=Lead.Status.WON)
    _lead(draft_form, tier=Lead.Tier.NURTURE, days_ago=3)
    _lead(draft_form, days_ago=60, status=Lead.Status.QUALIFIED)  # outside the 30 days
    _lead(draft_form, days_ago=61, status=Lead.Status.LOST)
    _lead(draft_form, days_ago=62, status=Lead.Status.UNQUALIFIED)

    page = marketer_client.get("/app/forms/").content.decode()

    assert "Pricing request" in page
    assert ">4<" in page  # submissions in the last 30 days
    assert "50%" in page  # 2 of 4 recent leads are sales-ready
    # Conversion is of the same period's leads with a known outcome (lead_counts): the one won
    # lead; the outcomes of leads submitted 60 days ago belong to their own period.
    assert "100.0%" in page


def test_conversion_follows_the_forms_definition(marketer_client, draft_form):
    draft_form.conversion_definition = Form.Conversion.WON
    draft_form.save()
    _lead(draft_form, status=Lead.Status.WON)
    _lead(draft_form, status=Lead.Status.QUALIFIED)
    _lead(draft_form, status=Lead.Status.LOST)
    _lead(draft_form, status=Lead.Status.LOST)

    assert "25.0%" in marketer_client.get("/app/forms/").content.decode()


def test_the_list_costs_the_same_queries_for_one_form_or_many(
    marketer_client, draft_form, django_assert_max_num_queries
):
    for n in range(12):
        form = Form.objects.create(name=f"Form {n}", slug=f"form-{n}")
        Question.objects.create(form=form, label="E-mail", kind="email")
        _lead(form, tier=Lead.Tier.SALES_READY)
    with django_assert_max_num_queries(6):
        response = marketer_client.get("/app/forms/")
    assert response.content.decode().count('class="row-title"') == 13


def test_an_empty_workspace_says_what_to_do_next(marketer_client):
    page = marketer_client.get("/app/forms/").content.decode()
    assert "No forms yet" in page
    assert "Create a form" in page


def test_a_marketer_creates_a_form_and_lands_in_the_builder(marketer_client):
    response = marketer_client.post("/app/forms/new/", {"name": "Webinar sign-up", "slug": ""})
    form = Form.objects.get()
    assert (form.name, form.slug, form.status) == ("Webinar sign-up", "webinar-sign-up", "draft")
    assert response["Location"] == "/app/forms/webinar-sign-up/"


def test_a_taken_address_is_refused_with_a_message(marketer_client, draft_form):
    response = marketer_client.post("/app/forms/new/", {"name": "Another", "slug": "pricing"})
    assert response.status_code == 422
    assert "/f/pricing/ is already taken" in response.content.decode()
    assert Form.objects.count() == 1


def test_a_form_without_a_name_is_refused(marketer_client):
    response = marketer_client.post("/app/forms/new/", {"name": "", "slug": ""})
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()


def test_duplicating_copies_questions_keys_and_rules_but_no_leads(marketer_client, draft_form):
    PointsRule.objects.create(
        form=draft_form, key="timeline", operator="equals", value="now", points=20
    )
    _lead(draft_form)
    response = marketer_client.post("/app/forms/pricing/duplicate/")

    copy = Form.objects.exclude(pk=draft_form.pk).get()
    assert response["Location"] == f"/app/forms/{copy.slug}/"
    assert copy.name == "Pricing request (copy)"
    assert copy.status == Form.Status.DRAFT
    assert list(copy.questions.values_list("key", flat=True)) == [
        "work_e_mail",
        "timeline",
        "budget",
    ]
    assert copy.questions.get(key="budget").condition == {"question": "timeline", "values": ["now"]}
    assert copy.points_rules.get().points == 20
    assert copy.leads.count() == 0


def test_publishing_and_unpublishing(marketer_client, draft_form, client):
    marketer_client.post("/app/forms/pricing/publish/")
    draft_form.refresh_from_db()
    assert draft_form.is_published
    assert marketer_client.get("/f/pricing/").status_code == 200

    marketer_client.post("/app/forms/pricing/unpublish/")
    draft_form.refresh_from_db()
    assert not draft_form.is_published
    assert marketer_client.get("/f/pricing/").status_code == 404


def test_a_form_without_questions_cannot_be_published(marketer_client):
    Form.objects.create(name="Empty", slug="empty")
    response = marketer_client.post("/app/forms/empty/publish/", follow=True)
    assert "Add at least one question" in response.content.decode()
    assert not Form.objects.get().is_published


WORKSPACE_GETS = [
    "/app/forms/",
    "/app/forms/new/",
    "/app/forms/pricing/",
    "/app/forms/pricing/settings/",
    "/app/forms/pricing/scoring/",
    "/app/forms/pricing/preview/",
    "/app/forms/pricing/embed/",
    "/app/forms/pricing/embed/test/",
    "/app/models/",
    "/app/forms/pricing/models/",
    "/app/imports/new/",
    "/app/imports/1/",
    "/app/imports/1/status/",
]
WORKSPACE_POSTS = [
    "/app/forms/new/",
    "/app/forms/pricing/duplicate/",
    "/app/forms/pricing/publish/",
    "/app/forms/pricing/unpublish/",
    "/app/forms/pricing/settings/",
    "/app/forms/pricing/questions/add/",
    "/app/forms/pricing/questions/utm/",
    "/app/forms/pricing/questions/reorder/",
    "/app/forms/pricing/questions/1/",
    "/app/forms/pricing/questions/1/move/",
    "/app/forms/pricing/questions/1/remove/",
    "/app/forms/pricing/questions/1/restore/",
    "/app/forms/pricing/scoring/thresholds/",
    "/app/forms/pricing/scoring/rules/",
    "/app/forms/pricing/scoring/rules/1/",
    "/app/forms/pricing/scoring/rules/1/remove/",
    "/app/forms/pricing/preview/score/",
    "/app/forms/pricing/models/train/",
    "/app/forms/pricing/models/v1/activate/",
    "/app/forms/pricing/models/rollback/",
    "/app/forms/pricing/models/import/",
    "/app/imports/new/",
    "/app/imports/1/",
    "/app/imports/1/cancel/",
]


@pytest.mark.parametrize("path", WORKSPACE_GETS)
def test_a_sales_rep_gets_403_on_every_workspace_page(client, rep, draft_form, path):
    client.force_login(rep)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", WORKSPACE_POSTS)
def test_a_sales_rep_gets_403_on_every_workspace_write(client, rep, draft_form, path):
    client.force_login(rep)
    assert client.post(path, {"name": "x", "label": "x", "kind": "email"}).status_code == 403
    assert Form.objects.count() == 1
    assert Question.objects.count() == 3


@pytest.mark.parametrize("path", WORKSPACE_GETS)
def test_an_anonymous_visitor_is_sent_to_log_in(client, draft_form, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_writes_need_the_csrf_token(marketer, draft_form):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(marketer)
    assert strict.post("/app/forms/pricing/publish/").status_code == 403
    draft_form.refresh_from_db()
    assert not draft_form.is_published


def test_an_admin_uses_the_workspace(client, admin_user, draft_form):
    client.force_login(admin_user)
    assert client.get("/app/forms/pricing/").status_code == 200


def test_the_settings_page_shows_the_account_and_role(client, marketer, admin_user):
    client.force_login(marketer)
    page = client.get("/app/settings/").content.decode()
    assert "morgan" in page and "Marketer" in page and "/app/settings/team/" not in page
    client.force_login(admin_user)
    assert 'href="/app/settings/team/"' in client.get("/app/settings/").content.decode()


def test_a_sales_rep_sees_their_own_account_settings(client, rep):
    client.force_login(rep)
    page = client.get("/app/settings/").content.decode()
    assert "sam" in page and "Sales" in page


def test_publishing_returns_to_the_page_it_was_asked_from_on_this_site_only(
    marketer_client, draft_form
):
    response = marketer_client.post(
        "/app/forms/pricing/publish/", {"next": "/app/forms/pricing/preview/"}
    )
    assert response["Location"] == "/app/forms/pricing/preview/"
    response = marketer_client.post(
        "/app/forms/pricing/unpublish/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/app/forms/pricing/"
    response = marketer_client.post("/app/forms/pricing/publish/", {"next": "//evil.example/"})
    assert response["Location"] == "/app/forms/pricing/"


def test_a_new_api_token_is_shown_once_and_replacing_it_retires_the_old_one(client, rep):
    client.force_login(rep)  # any role may have a token: a rep closes their own leads with it
    assert "You have no API token." in client.get("/app/settings/").content.decode()

    response = client.post("/app/settings/api-token/", {"action": "issue"})
    assert response.status_code == 302
    first = Token.objects.get(user=rep).key
    assert first in client.get("/app/settings/").content.decode()
    again = client.get("/app/settings/").content.decode()
    assert first not in again and f"…{first[-4:]}" in again

    client.post("/app/settings/api-token/", {"action": "issue"})
    second = Token.objects.get(user=rep).key
    assert second != first and not Token.objects.filter(key=first).exists()

    client.post("/app/settings/api-token/", {"action": "revoke"})
    assert not Token.objects.filter(user=rep).exists()
    assert client.get("/app/settings/api-token/").status_code == 405
