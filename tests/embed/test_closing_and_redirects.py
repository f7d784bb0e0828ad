"""A closed form shows its message and takes no more answers; a tier's redirect sends the
prospect on after the submit."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from forms_app.capture.closing import FormClosed
from forms_app.capture.submit import lead_capture
from forms_app.models import Form, Lead
from forms_app.workspace.authoring import form_update
from tests.helpers.answers import GOOD_ANSWERS, KEEN_DEMO_ANSWERS
from tests.helpers.submit import send

CLOSED = "Registrations for the spring webinar are full. See you at the next one!"


@pytest.fixture
def webinar(demo_form) -> Form:
    demo_form.closed_message = CLOSED
    demo_form.save()
    return demo_form


def close_by_date(form: Form) -> None:
    form_update(form=form, closes_at=timezone.now() - timedelta(minutes=1))


def test_a_form_past_its_closing_date_shows_its_message_instead_of_the_questions(client, webinar):
    close_by_date(webinar)
    response = client.get("/f/demo/")
    page = response.content.decode()
    assert response.status_code == 200
    assert CLOSED in page and "is closed" in page
    assert 'name="work_email"' not in page and "_fs_token" not in page


def test_a_submit_after_the_closing_date_is_refused_with_a_410_and_stores_nothing(client, webinar):
    page = client.get("/f/demo/")
    close_by_date(webinar)
    response = send(client, "demo", page, GOOD_ANSWERS)
    assert response.status_code == 410
    assert CLOSED in response.content.decode()
    assert not Lead.objects.exists()


def test_a_form_before_its_closing_date_takes_answers(client, webinar):
    form_update(form=webinar, closes_at=timezone.now() + timedelta(days=1))
    response = send(client, "demo", client.get("/f/demo/"), GOOD_ANSWERS)
    assert response.status_code == 302
    assert Lead.objects.count() == 1


def test_the_response_limit_closes_the_form_once_reached(client, webinar):
    form_update(form=webinar, response_limit=2)
    for _ in range(2):
        assert send(client, "demo", client.get("/f/demo/"), GOOD_ANSWERS).status_code == 302
    webinar.refresh_from_db()
    assert webinar.response_count == 2
    response = client.get("/f/demo/")
    assert response.status_code == 200 and CLOSED in response.content.decode()
    assert Lead.objects.count() == 2


def test_the_last_place_taken_while_a_prospect_typed_refuses_their_submit(client, webinar):
    form_update(form=webinar, response_limit=1)
    page = client.get("/f/demo/")
    lead_capture(form=webinar, answers={"work_email": "first@example.com"}, capture={})
    response = send(client, "demo", page, GOOD_ANSWERS)
    assert response.status_code == 410
    assert CLOSED in response.content.decode()
    assert Lead.objects.count() == 1


def test_the_counter_refuses_a_response_past_the_limit_even_when_the_row_looked_open(webinar):
    form_update(form=webinar, response_limit=1)
    stale = Form.objects.get(pk=webinar.pk)  # read before the last place went
    lead_capture(form=webinar, answers={}, capture={})
    with pytest.raises(FormClosed):
        lead_capture(form=stale, answers={}, capture={})
    assert Lead.objects.count() == 1


def test_setting_a_limit_counts_the_responses_already_in_but_not_imported_leads(webinar):
    lead_capture(form=webinar, answers={}, capture={})
    lead_capture(form=webinar, answers={}, capture={}, source=Lead.Source.IMPORT)
    form_update(form=webinar, response_limit=5)
    webinar.refresh_from_db()
    assert webinar.response_count == 1


def test_without_a_limit_a_submit_writes_no_counter(client, webinar):
    send(client, "demo", client.get("/f/demo/"), GOOD_ANSWERS)
    webinar.refresh_from_db()
    assert webinar.response_count == 0


def test_raising_the_limit_reopens_the_form(client, webinar):
    form_update(form=webinar, response_limit=1)
    send(client, "demo", client.get("/f/demo/"), GOOD_ANSWERS)
    assert CLOSED in client.get("/f/demo/").content.decode()
    form_update(form=webinar, response_limit=10)
    assert 'name="work_email"' in client.get("/f/demo/").content.decode()


@pytest.fixture
def site_visitor(webinar):
    webinar.allowed_sites = ["https://www.example.com"]
    webinar.save()
    return APIClient(HTTP_ORIGIN="https://www.example.com")


def test_the_headless_form_says_it_is_closed_and_refuses_a_submit_with_a_410(webinar, site_visitor):
    token = site_visitor.get("/api/v1/public/forms/demo").json()["token"]
    close_by_date(webinar)
    described = site_visitor.get("/api/v1/public/forms/demo").json()
    assert described["closed"] is True and described["closed_message"] == CLOSED
    response = site_visitor.post(
        "/api/v1/public/forms/demo/submissions",
        {"token": token, "answers": KEEN_DEMO_ANSWERS},
        format="json",
    )
    assert response.status_code == 410
    assert response.json() == {"detail": CLOSED}
    assert not Lead.objects.exists()


def test_the_token_api_refuses_a_lead_for_a_form_at_its_limit(webinar, admin_user):
    form_update(form=webinar, response_limit=1)
    lead_capture(form=webinar, answers={}, capture={})
    api = APIClient()
    api.force_authenticate(admin_user)
    response = api.post("/api/v1/forms/demo/leads", {"answers": KEEN_DEMO_ANSWERS}, format="json")
    assert response.status_code == 410
    assert response.json() == {"detail": CLOSED}


# Redirect after submit


@pytest.fixture
def redirecting(webinar) -> Form:
    form_update(
        form=webinar,
        sales_ready_redirect_url="https://www.example.com/welcome",
        marketing_qualified_redirect_url="https://www.example.com/guides",
        nurture_redirect_url="https://www.example.com/thanks",
    )
    return webinar


def test_the_page_redirects_to_the_tiers_url_after_the_submit(client, redirecting):
    response = send(client, "demo", client.get("/f/demo/"), GOOD_ANSWERS)
    lead = Lead.objects.get()
    expected = {
        Lead.Tier.SALES_READY: "https://www.example.com/welcome",
        Lead.Tier.MARKETING_QUALIFIED: "https://www.example.com/guides",
        Lead.Tier.NURTURE: "https://www.example.com/thanks",
    }[lead.tier or Lead.Tier.NURTURE]
    assert response.status_code == 302 and response["Location"] == expected


def test_the_form_page_lets_the_browser_follow_the_redirect(client, redirecting):
    policy = client.get("/f/demo/")["Content-Security-Policy"]
    assert "form-action 'self' https://www.example.com" in policy


def test_with_htmx_the_redirect_is_a_header(client, redirecting):
    response = send(client, "demo", client.get("/f/demo/"), GOOD_ANSWERS, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith("https://www.example.com/")


def test_embedded_the_frame_stays_and_offers_the_redirect_to_the_whole_page(client, redirecting):
    page = client.get("/f/demo/?embed=1")
    response = send(client, "demo", page, GOOD_ANSWERS, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-redirect="https://www.example.com/' in html
    assert 'target="_top"' in html and "Continue" in html


def test_the_api_tells_the_site_where_to_send_the_prospect(webinar, site_visitor, redirecting):
    token = site_visitor.get("/api/v1/public/forms/demo").json()["token"]
    response = site_visitor.post(
        "/api/v1/public/forms/demo/submissions",
        {"token": token, "answers": KEEN_DEMO_ANSWERS},
        format="json",
    )
    assert response.json()["next_step"]["redirect_url"].startswith("https://www.example.com/")


def test_a_tier_without_a_redirect_shows_its_next_step(client, webinar):
    response = send(client, "demo", client.get("/f/demo/"), GOOD_ANSWERS)
    assert response["Location"].startswith("/f/demo/next/")
