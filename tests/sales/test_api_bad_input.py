"""Bad input to the token API and to outcomes: a clear 4xx naming the problem, never a 500,
and a lead never lost to what its capture reports."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from forms_app.models import Lead
from tests.helpers.answers import CONTACT_ANSWERS

LEADS = "/api/v1/forms/contact/leads"


@pytest.fixture
def api(marketer) -> APIClient:
    client = APIClient()
    token = Token.objects.get_or_create(user=marketer)[0].key
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def submitted(api, answers=None, **body):
    return api.post(LEADS, {"answers": answers or CONTACT_ANSWERS, **body}, format="json")


@pytest.mark.parametrize("path", [LEADS, "/api/v1/forms/contact/score"])
def test_json_nested_a_hundred_thousand_deep_is_a_400_naming_the_depth(api, contact_form, path):
    deep = "[" * 100_000 + "]" * 100_000
    body = '{"answers": {"company": ' + deep + "}}"
    response = api.generic("POST", path, body, "application/json")

    assert response.status_code == 400
    assert "nested deeper than 32" in response.json()["detail"]


def test_a_ten_megabyte_json_body_is_refused_with_413(api, contact_form):
    body = '{"answers": {"company": "' + "x" * 10 * 1024 * 1024 + '"}}'
    response = api.generic("POST", LEADS, body, "application/json")

    assert response.status_code == 413
    assert "larger than 2.5 MB" in response.json()["detail"]
    assert Lead.objects.count() == 0


def test_a_four_hundred_digit_answer_is_a_400_naming_the_question(api, contact_form):
    response = submitted(api, {**CONTACT_ANSWERS, "team_size": 10**400})

    assert response.status_code == 400
    assert list(response.json()["answers"]) == ["team_size"]


def test_a_four_hundred_digit_capture_number_is_a_400_naming_the_field(api, contact_form):
    response = submitted(api, capture={"seconds_to_complete": 10**400})

    assert response.status_code == 400
    assert list(response.json()["capture"]) == ["seconds_to_complete"]


def test_a_list_for_a_text_answer_is_refused_never_stored_as_its_repr(api, contact_form):
    response = submitted(api, {**CONTACT_ANSWERS, "company": ["Navy", "Army"]})

    assert response.status_code == 400
    assert response.json() == {"answers": {"company": ["Must be text, not a list."]}}
    assert Lead.objects.count() == 0


def test_a_control_character_in_an_answer_is_refused_naming_the_question(api, contact_form):
    response = submitted(api, {**CONTACT_ANSWERS, "company": "Navy\x1b[31m"})

    assert response.status_code == 400
    assert list(response.json()["answers"]) == ["company"]


def test_a_nul_in_the_capture_never_loses_the_lead(api, contact_form):
    capture = {
        "page_url": "https://www.example.com/\x00pricing",
        "referrer": "https://x.example/\x00",
        "utm_source": "news\x00letter",
        "key_pages": ["/pricing\x00"],
    }
    response = submitted(api, capture=capture)

    assert response.status_code == 201
    stored = Lead.objects.get().capture
    assert stored["page_url"] == "https://www.example.com/pricing"
    assert stored["referrer"] == "https://x.example/"
    assert stored["utm_source"] == "newsletter"


@pytest.mark.parametrize("reason", ["Went with\x00 a rival", "Went with\x07 a rival"])
def test_a_control_character_in_an_outcome_reason_is_refused_over_the_api(
    api, contact_form, reason
):
    lead_id = submitted(api).json()["id"]
    response = api.post(
        f"/api/v1/leads/{lead_id}/outcome", {"status": "lost", "reason": reason}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    assert Lead.objects.get().status == Lead.Status.NEW


@pytest.mark.parametrize("field", ["outcome", "feedback"])
def test_a_nul_in_a_note_from_the_inbox_is_refused_naming_the_field(
    client, api, marketer, contact_form, field
):
    """On PostgreSQL a NUL in a text column fails the update: a 500 before."""
    lead = Lead.objects.get(public_id=submitted(api).json()["id"])
    client.force_login(marketer)
    data = {"status": "lost", "reason": "Went with\x00 a rival"}

    response = client.post(f"/app/inbox/{lead.pk}/{field}/", data, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "control characters" in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW and not lead.score_feedback
